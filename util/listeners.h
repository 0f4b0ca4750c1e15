/*
 * listeners.h: who listens on which TCP port on this machine.
 *
 * On Linux the table comes from /proc/net/tcp and /proc/net/tcp6 (sockets in
 * state LISTEN), each socket's inode matched to a process through
 * /proc/PID/fd (pid, comm; the uid is the socket's own). Elsewhere it comes
 * from `lsof -iTCP -sTCP:LISTEN -n -P` (the program's path is configurable,
 * $TOPO_LSOF in topo). The parsers take text so tests feed recorded output.
 * A socket whose owner cannot be seen (another user's process) keeps pid -1.
 *
 * Use: struct listeners l = {0}; listeners_read(&l, NULL, &cause);
 *      const struct listener *x = listeners_find(&l, 6379);  ... listeners_free(&l);
 */
#ifndef TOPO_LISTENERS_H
#define TOPO_LISTENERS_H

#include <stddef.h>

#define LISTENERS_MAX		4096	/* sockets kept; more are counted in dropped */
#define LISTENERS_MAX_PROCS	65536	/* /proc entries walked for owners */

struct listener {
	int	 port;
	char	 addr[48];	/* "127.0.0.1", "::1", "*" for any address */
	long	 pid;		/* -1 when the owner is not visible */
	char	 comm[64];	/* process name, "" when unknown */
	long	 uid;		/* -1 when unknown (lsof prints a user name) */
	char	 user[32];	/* lsof's USER column, "" on Linux */
	unsigned long inode;	/* Linux: the socket inode; 0 otherwise */
};

struct listeners {
	struct listener	*items;
	size_t		 count;
	size_t		 alloc;
	size_t		 dropped;	/* beyond LISTENERS_MAX */
};

/* Parses /proc/net/tcp (v6 = 0) or tcp6 (v6 = 1) text; adds LISTEN sockets. */
int	listeners_parse_proc(struct listeners *, const char *text, size_t len, int v6);
/* Fills pid and comm from a /proc tree (proc_root "/proc" normally). */
void	listeners_owners_proc(struct listeners *, const char *proc_root);
/* Parses `lsof -iTCP -sTCP:LISTEN -n -P` output. 0, or -1 with *cause (no header). */
int	listeners_parse_lsof(struct listeners *, const char *text, size_t len, char **cause);
/*
 * The machine's listeners: lsof (the program at lsof, e.g. $TOPO_LSOF) when
 * lsof is not NULL, else /proc on Linux. 0, or -1 with *cause.
 */
int	listeners_read(struct listeners *, const char *lsof, int timeout_ms, char **cause);
/*
 * The lsof listeners_read should run: $TOPO_LSOF when set and not empty,
 * else NULL where /proc/net/tcp is readable (Linux), else "lsof" (macOS).
 */
const char *listeners_lsof(void);
/*
 * The systemd unit in /proc/PID/cgroup text: the deepest path component
 * ending in .service or .scope ("0::/system.slice/redis-server.service" ->
 * "redis-server.service"). 0, or -1 when the process is in no unit.
 */
int	listeners_cgroup_unit(const char *text, char *unit, size_t size);
/* The unit of process pid, read from proc_root ("/proc"). 0, or -1 with *cause. */
int	listeners_unit(const char *proc_root, long pid, char *unit, size_t size,
	    char **cause);
/* Sorts by port then address and drops duplicates (v4 and v6 "*" merge into one). */
void	listeners_sort(struct listeners *);
/* The first listener on port, or NULL. */
const struct listener *listeners_find(const struct listeners *, int port);
void	listeners_free(struct listeners *);

#endif
