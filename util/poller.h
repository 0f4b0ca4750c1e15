/*
 * poller.h: which of many descriptors are ready, at a cost that follows the
 * ready ones, not the watched ones. epoll on Linux; elsewhere poll() over
 * the watched set (a cost per wait that follows the watched ones).
 *
 * A probe that keeps thousands of sockets in flight (http, port) waits
 * here: poll() on 512 sockets walked all 512 on every wake-up, 15% of the
 * CPU time of 10,000 HTTP checks (bench/RESULTS.md).
 */
#ifndef TOPO_POLLER_H
#define TOPO_POLLER_H

#define POLLER_IN	0x1
#define POLLER_OUT	0x2
#define POLLER_ERR	0x4	/* an error on it; only reported */
#define POLLER_HUP	0x8	/* the peer hung up; only reported */

struct poller;

struct poller_event {
	int	fd;
	int	events;		/* POLLER_* */
};

struct poller	*poller_create(void);
void		 poller_free(struct poller *);
/*
 * Watches fd for events (POLLER_IN and/or POLLER_OUT), replacing what it
 * was watched for; events 0 stops watching it (as does poller_del).
 * 0, or -1 with errno.
 */
int		 poller_set(struct poller *, int fd, int events);
/* The same for a descriptor not watched yet (one system call less). */
int		 poller_add(struct poller *, int fd, int events);
/* Stops watching fd; a descriptor not watched (or already closed) is fine. */
void		 poller_del(struct poller *, int fd);
/* How many descriptors are watched. */
int		 poller_count(const struct poller *);
/*
 * Waits at most timeout_ms (-1: no bound) for ready descriptors and puts at
 * most max of them in out. The count, 0 on timeout or an interrupted wait,
 * -1 with errno on failure.
 */
int		 poller_wait(struct poller *, struct poller_event *out, int max,
		    int timeout_ms);

#endif
