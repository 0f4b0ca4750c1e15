/*
 * buf.c: growable buffers with a hard cap (see buf.h).
 */
#include "buf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void
buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof *b);
	b->cap = cap;
}

static void
buf_grow(struct buf *b, size_t need)
{
	size_t	size;

	if (need + 1 <= b->size)
		return;
	size = b->size == 0 ? 256 : b->size;
	while (size < need + 1)
		size *= 2;
	b->data = xrealloc(b->data, size);
	b->size = size;
}

int
buf_append(struct buf *b, const void *data, size_t len)
{
	int	rc = 0;

	if (b->cap != 0 && b->len + len > b->cap) {
		len = b->cap > b->len ? b->cap - b->len : 0;
		b->toobig = 1;
		rc = -1;
	}
	buf_grow(b, b->len + len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return rc;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char	*s;
	int	 rc;

	s = xvasprintf(fmt, ap);
	rc = buf_puts(b, s);
	free(s);
	return rc;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
buf_str(const struct buf *b)
{
	return b->data == NULL ? "" : b->data;
}

char *
buf_steal(struct buf *b)
{
	char	*s = b->data == NULL ? xstrdup("") : b->data;
	size_t	 cap = b->cap;

	buf_init(b, cap);
	return s;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->toobig = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->cap);
}

static int
buf_read_path(struct buf *b, const char *path, int regular, int timeout_ms,
    char **cause)
{
	struct stat	sb;
	struct pollfd	pfd;
	char		chunk[65536];
	ssize_t		n;
	double		deadline = util_now_ms() + timeout_ms, left;
	int		fd, rc = -1, timed;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*cause = xasprintf("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || (regular && !S_ISREG(sb.st_mode))) {
		*cause = xasprintf("%s is not a regular file: not read", path);
		goto out;
	}
	/* O_NONBLOCK so that opening a FIFO cannot hang; a regular file's
	 * reads block (they end), anything else is polled within the time. */
	timed = timeout_ms > 0 && !S_ISREG(sb.st_mode);
	if (!timed)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	for (;;) {
		if (timed) {
			left = deadline - util_now_ms();
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (left < 1 || poll(&pfd, 1, (int)left) == 0) {
				*cause = xasprintf("%s: nothing more to read within "
				    "%d ms (a pipe whose writer is silent?)", path,
				    timeout_ms);
				goto out;
			}
		}
		n = read(fd, chunk, sizeof chunk);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1) {
			*cause = xasprintf("cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (buf_append(b, chunk, (size_t)n) == -1) {
			*cause = xasprintf("%s is larger than %zu bytes", path,
			    b->cap);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int
buf_read_file(struct buf *b, const char *path, char **cause)
{
	return buf_read_path(b, path, 0, 0, cause);
}

int
buf_read_regular(struct buf *b, const char *path, char **cause)
{
	return buf_read_path(b, path, 1, 0, cause);
}

int
buf_read_within(struct buf *b, const char *path, int timeout_ms, char **cause)
{
	return buf_read_path(b, path, 0, timeout_ms, cause);
}
