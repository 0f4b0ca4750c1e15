/*
 * buf.h: a growable byte buffer with a hard cap, for everything filled from
 * outside (HTTP bodies, command output, files). Appending past the cap keeps
 * what fits, sets toobig and returns -1; data is always NUL-terminated.
 */
#ifndef TOPO_BUF_H
#define TOPO_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;		/* NUL-terminated, or NULL while empty */
	size_t	 len;
	size_t	 size;		/* allocated */
	size_t	 cap;		/* most bytes ever held; 0 = no cap */
	int	 toobig;	/* an append was cut at the cap */
};

void	 buf_init(struct buf *, size_t cap);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
const char *buf_str(const struct buf *);	/* "" when empty */
char	*buf_steal(struct buf *);		/* caller frees; buf emptied */
void	 buf_reset(struct buf *);
void	 buf_free(struct buf *);

/* Read a whole file into buf (up to its cap). 0, or -1 with *cause set. */
int	 buf_read_file(struct buf *, const char *path, char **cause);
/*
 * The same for a file a topology names (the static layer): only a regular
 * file is read, so a FIFO with a silent writer or a terminal (/dev/tty,
 * /dev/stdin) cannot hang the run; anything else is refused with a cause.
 */
int	 buf_read_regular(struct buf *, const char *path, char **cause);
/* buf_read_file, but what is not a regular file (a FIFO, a pipe) must
 * reach its end within timeout_ms, or -1 with *cause. */
int	 buf_read_within(struct buf *, const char *path, int timeout_ms,
	    char **cause);

#endif
