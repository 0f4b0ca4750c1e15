/*
 * poller.c: see poller.h. The epoll version keeps no list of its own (the
 * kernel's is the list); the poll() version keeps the pollfd array, a
 * descriptor's slot found by a linear search.
 */
#include "poller.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

#ifdef __linux__
#include <sys/epoll.h>

struct poller {
	int			 fd;		/* the epoll instance */
	int			 count;
	struct epoll_event	*events;	/* poller_wait's buffer */
	int			 size;
};

struct poller *
poller_create(void)
{
	struct poller	*p = xcalloc(1, sizeof *p);

	if ((p->fd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(p);
		return NULL;
	}
	return p;
}

void
poller_free(struct poller *p)
{
	if (p == NULL)
		return;
	close(p->fd);
	free(p->events);
	free(p);
}

int
poller_set(struct poller *p, int fd, int events)
{
	struct epoll_event	ev = { 0 };

	if (events == 0) {
		poller_del(p, fd);
		return 0;
	}
	ev.events = ((events & POLLER_IN) ? EPOLLIN : 0) |
	    ((events & POLLER_OUT) ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (epoll_ctl(p->fd, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	if (errno != ENOENT || epoll_ctl(p->fd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -1;
	p->count++;
	return 0;
}

int
poller_add(struct poller *p, int fd, int events)
{
	struct epoll_event	ev = { 0 };

	if (events == 0)
		return 0;
	ev.events = ((events & POLLER_IN) ? EPOLLIN : 0) |
	    ((events & POLLER_OUT) ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (epoll_ctl(p->fd, EPOLL_CTL_ADD, fd, &ev) == 0) {
		p->count++;
		return 0;
	}
	return errno == EEXIST ? poller_set(p, fd, events) : -1;
}

void
poller_del(struct poller *p, int fd)
{
	struct epoll_event	ev = { 0 };	/* kernels before 2.6.9 want one */

	if (epoll_ctl(p->fd, EPOLL_CTL_DEL, fd, &ev) == 0)
		p->count--;
}

int
poller_wait(struct poller *p, struct poller_event *out, int max,
    int timeout_ms)
{
	int	n, i;

	if (max <= 0)
		return 0;
	if (p->size < max) {
		p->events = xreallocarray(p->events, (size_t)max,
		    sizeof *p->events);
		p->size = max;
	}
	if ((n = epoll_wait(p->fd, p->events, max, timeout_ms)) == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		out[i].fd = p->events[i].data.fd;
		out[i].events = ((p->events[i].events & EPOLLIN) ? POLLER_IN : 0) |
		    ((p->events[i].events & EPOLLOUT) ? POLLER_OUT : 0) |
		    ((p->events[i].events & EPOLLERR) ? POLLER_ERR : 0) |
		    ((p->events[i].events & EPOLLHUP) ? POLLER_HUP : 0);
	}
	return n;
}

#else	/* !__linux__: poll() */
#include <poll.h>

struct poller {
	struct pollfd	*pfds;
	int		 count, size;
};

struct poller *
poller_create(void)
{
	return xcalloc(1, sizeof (struct poller));
}

void
poller_free(struct poller *p)
{
	if (p == NULL)
		return;
	free(p->pfds);
	free(p);
}

static int
poller_find(const struct poller *p, int fd)
{
	int	i;

	for (i = 0; i < p->count; i++) {
		if (p->pfds[i].fd == fd)
			return i;
	}
	return -1;
}

int
poller_set(struct poller *p, int fd, int events)
{
	int	i;

	if (events == 0) {
		poller_del(p, fd);
		return 0;
	}
	if ((i = poller_find(p, fd)) == -1) {
		if (p->count == p->size) {
			p->size = p->size == 0 ? 64 : p->size * 2;
			p->pfds = xreallocarray(p->pfds, (size_t)p->size,
			    sizeof *p->pfds);
		}
		i = p->count++;
		p->pfds[i].fd = fd;
	}
	p->pfds[i].events = (short)(((events & POLLER_IN) ? POLLIN : 0) |
	    ((events & POLLER_OUT) ? POLLOUT : 0));
	p->pfds[i].revents = 0;
	return 0;
}

int
poller_add(struct poller *p, int fd, int events)
{
	return poller_set(p, fd, events);
}

void
poller_del(struct poller *p, int fd)
{
	int	i;

	if ((i = poller_find(p, fd)) == -1)
		return;
	p->pfds[i] = p->pfds[--p->count];
}

int
poller_wait(struct poller *p, struct poller_event *out, int max,
    int timeout_ms)
{
	int	n, i, k = 0;

	if ((n = poll(p->pfds, (nfds_t)p->count, timeout_ms)) == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; n > 0 && i < p->count && k < max; i++) {
		if (p->pfds[i].revents == 0)
			continue;
		out[k].fd = p->pfds[i].fd;
		out[k].events = ((p->pfds[i].revents & POLLIN) ? POLLER_IN : 0) |
		    ((p->pfds[i].revents & POLLOUT) ? POLLER_OUT : 0) |
		    ((p->pfds[i].revents & (POLLERR | POLLNVAL)) ? POLLER_ERR : 0) |
		    ((p->pfds[i].revents & POLLHUP) ? POLLER_HUP : 0);
		k++;
	}
	return k;
}
#endif

/* Both versions keep the count. */
int
poller_count(const struct poller *p)
{
	return p->count;
}
