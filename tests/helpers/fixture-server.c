/*
 * fixture-server.c: a loopback HTTP/1.1 server for topo's tests, demo and
 * benchmark. One epoll loop, non-blocking sockets, keep-alive, a timer heap
 * for delays, and fault behaviours (hang, drip, huge, reset, close) chosen by
 * route. Plain C, no libtopo: it must not share bugs with what it tests.
 *
 * usage: fixture-server [--bind ADDR] --port N [--port N ...]
 *            [--ports FIRST-LAST] [--delay MS] [--route 'METHOD PATH STATUS BODY' ...]
 *            [--route-file FILE] [--header 'NAME: VALUE' ...]
 *            [--ready-file F] [--pidfile F] [--log F] [--stats F]
 *
 * A route is four fields separated by spaces; BODY is the rest of the line
 * (it may hold spaces, it may be empty):
 *   METHOD   GET, POST, ... or * for any
 *   PATH     exact path (query ignored unless PATH has a '?'), a prefix when it
 *            ends in '*', or * for any
 *   STATUS   200, or 200+MS to delay this route's answers by MS instead of --delay
 *   BODY     the text sent as is; @FILE for a file's content; or a keyword:
 *              !hang     read the request, never answer
 *              !drip     send the answer ("ok\n") one byte per second
 *              !huge     a 100 MB body, streamed
 *              !reset    send the headers, then reset the connection (RST)
 *              !close    close without answering
 *              !echo     answer with the request's body
 *              !headers  answer with the request's header lines
 *              !redirect URL   answer with Location: URL (use a 3xx STATUS)
 * The first matching route answers; no match is 404 "not found\n". With no
 * routes at all, every request gets 200 "ok\n". A route file has one route a
 * line; blank lines and lines starting with '#' are ignored.
 *
 * --port 0 picks a free port. Once every port listens, one line
 * "listening ADDR:PORT" per port goes to stdout (flushed) and to --ready-file
 * (written whole, then renamed into place). --log appends one line per
 * request: "conn=ID METHOD TARGET -> STATUS". --header adds a header line
 * to every answer (repeatable). --stats writes "max_in_flight N" at exit:
 * the most requests received and not yet answered at one time, which shows
 * a client's concurrency without timing it. SIGTERM and SIGINT exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEAD_CAP	(64 * 1024)		/* longest request head */
#define READ_CHUNK	(16 * 1024)
#define CAPTURE_CAP	(1024 * 1024)		/* most request body kept for !echo */
#define HUGE_BYTES	(100ULL * 1024 * 1024)
#define FILE_CAP	(64 * 1024 * 1024)	/* largest @file body */
#define DRAIN_MS	2000			/* wait for the peer's close after ours */
#define DRIP_MS		1000
#define MAX_LISTENERS	4096
#define MAX_EVENTS	256

enum behaviour {
	ANSWER,
	HANG,
	DRIP,
	HUGE,
	RESET,
	CLOSE,
	ECHO,
	HEADERS,
	REDIRECT,
};

static const struct {
	const char	*word;
	enum behaviour	 behaviour;
} keywords[] = {
	{ "!hang", HANG }, { "!drip", DRIP }, { "!huge", HUGE },
	{ "!reset", RESET }, { "!close", CLOSE }, { "!echo", ECHO },
	{ "!headers", HEADERS },
};

struct route {
	char		*method;
	char		*path;
	int		 status;
	int		 delay_ms;	/* -1: use --delay */
	enum behaviour	 behaviour;
	char		*body;
	size_t		 body_len;
};

enum conn_state {
	READ_HEAD,	/* reading a request's head */
	READ_BODY,	/* reading its Content-Length body */
	WAIT,		/* a delay before answering */
	WRITE,		/* sending the answer */
	DRIPPING,	/* sending the answer a byte per tick */
	HANGING,	/* never answering; reading until the peer closes */
	DRAIN,		/* closed our side; reading until the peer closes */
};

struct conn {
	int			 fd;
	unsigned long		 id;
	enum conn_state		 state;
	uint32_t		 events;	/* registered with epoll */
	uint64_t		 timer;		/* pending timer's sequence, 0 none */

	char			*in;
	size_t			 in_len, in_size;

	/* The request being served. */
	char			 method[16];
	char			*target;
	char			*headers;	/* raw header lines, for !headers */
	unsigned long long	 body_left;
	char			*capture;	/* request body, for !echo */
	size_t			 capture_len;
	int			 keep_alive;
	int			 head_only;	/* HEAD: no body in the answer */
	int			 in_flight;	/* received, not yet answered */
	const struct route	*route;

	char			*out;
	size_t			 out_len, out_off;
	unsigned long long	 huge_left;
	int			 close_after;
};

struct timer {
	double		 when;
	int		 fd;
	uint64_t	 seq;
};

static struct route	*routes;
static size_t		 nroutes;
static int		 global_delay_ms;
static int		 epfd = -1;
static struct conn	**conns;		/* by fd */
static char		*is_listener;		/* by fd */
static size_t		 nconns_max;
static unsigned long	 next_conn_id;
static struct timer	*heap;
static size_t		 heap_len, heap_size;
static uint64_t		 timer_seq;
static FILE		*logfile;
static char		*extra_headers;		/* --header lines, each ending CRLF */
static size_t		 in_flight, max_in_flight;
static char		 huge_chunk[64 * 1024];

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("fixture-server: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xalloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		die("out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		die("out of memory");
	return p;
}

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Timers: a binary min-heap; entries of closed or re-armed conns are stale. */

static void
timer_swap(size_t a, size_t b)
{
	struct timer	t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
}

static void
timer_set(struct conn *c, int ms)
{
	size_t	i, parent;

	if (heap_len == heap_size) {
		heap_size = heap_size == 0 ? 256 : heap_size * 2;
		heap = xalloc(heap, heap_size * sizeof *heap);
	}
	c->timer = ++timer_seq;
	i = heap_len++;
	heap[i].when = now_ms() + ms;
	heap[i].fd = c->fd;
	heap[i].seq = c->timer;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (heap[parent].when <= heap[i].when)
			break;
		timer_swap(i, parent);
		i = parent;
	}
}

static void
timer_pop(void)
{
	size_t	i = 0, l, r, m;

	heap[0] = heap[--heap_len];
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < heap_len && heap[l].when < heap[m].when)
			m = l;
		if (r < heap_len && heap[r].when < heap[m].when)
			m = r;
		if (m == i)
			break;
		timer_swap(i, m);
		i = m;
	}
}

/* Routes. */

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 411: return "Length Required";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void
route_read_file(struct route *r, const char *path)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		die("%s: %s", path, strerror(errno));
	r->body = xalloc(NULL, FILE_CAP);
	n = fread(r->body, 1, FILE_CAP, f);
	if (ferror(f))
		die("%s: read error", path);
	if (n == FILE_CAP)
		die("%s: larger than %d bytes", path, FILE_CAP);
	fclose(f);
	r->body = xalloc(r->body, n);
	r->body_len = n;
}

static void
route_add(const char *spec)
{
	struct route	 r;
	const char	*p = spec, *start;
	char		*fields[3], *end;
	size_t		 i;
	long		 n;

	memset(&r, 0, sizeof r);
	for (i = 0; i < 3; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (p == start)
			die("route '%s': expected METHOD PATH STATUS [BODY]", spec);
		fields[i] = strndup(start, p - start);
		if (fields[i] == NULL)
			die("out of memory");
	}
	if (*p == ' ' || *p == '\t')
		p++;
	r.method = fields[0];
	r.path = fields[1];
	n = strtol(fields[2], &end, 10);
	if (end == fields[2] || n < 100 || n > 999)
		die("route '%s': bad status '%s'", spec, fields[2]);
	r.status = (int)n;
	r.delay_ms = -1;
	if (*end == '+') {
		start = end + 1;
		n = strtol(start, &end, 10);
		if (end == start || n < 0 || n > 3600000)
			die("route '%s': bad delay in '%s'", spec, fields[2]);
		r.delay_ms = (int)n;
	}
	if (*end != '\0')
		die("route '%s': bad status '%s'", spec, fields[2]);
	free(fields[2]);

	r.behaviour = ANSWER;
	if (*p == '@') {
		route_read_file(&r, p + 1);
	} else if (strncmp(p, "!redirect ", 10) == 0) {
		r.behaviour = REDIRECT;
		r.body = xstrdup(p + 10);	/* the Location */
		r.body_len = strlen(r.body);
	} else if (*p == '!') {
		for (i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
			if (strcmp(p, keywords[i].word) == 0)
				break;
		}
		if (i == sizeof keywords / sizeof keywords[0])
			die("route '%s': unknown keyword '%s'", spec, p);
		r.behaviour = keywords[i].behaviour;
		r.body = xstrdup("ok\n");
		r.body_len = 3;
	} else {
		r.body = xstrdup(p);
		r.body_len = strlen(p);
	}
	routes = xalloc(routes, (nroutes + 1) * sizeof *routes);
	routes[nroutes++] = r;
}

static void
route_file(const char *path)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 size = 0;
	ssize_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while ((n = getline(&line, &size, f)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		route_add(line);
	}
	free(line);
	fclose(f);
}

static int
route_matches(const struct route *r, const char *method, const char *target)
{
	size_t	len;

	/* HEAD is served by GET routes, as a GET without the body. */
	if (strcmp(r->method, "*") != 0 && strcmp(r->method, method) != 0 &&
	    !(strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0))
		return 0;
	if (strcmp(r->path, "*") == 0)
		return 1;
	len = strlen(r->path);
	if (len > 0 && r->path[len - 1] == '*')
		return strncmp(target, r->path, len - 1) == 0;
	if (strchr(r->path, '?') == NULL)
		len = strcspn(target, "?");
	else
		len = strlen(target);
	return strlen(r->path) == len && strncmp(target, r->path, len) == 0;
}

static const struct route *
route_find(const char *method, const char *target)
{
	static const struct route	not_found = {
		"*", "*", 404, -1, ANSWER, (char *)"not found\n", 10
	};
	size_t				i;

	for (i = 0; i < nroutes; i++) {
		if (route_matches(&routes[i], method, target))
			return &routes[i];
	}
	return &not_found;
}

/* Connections. */

static void
conn_reset_request(struct conn *c)
{
	if (c->in_flight) {
		in_flight--;
		c->in_flight = 0;
	}
	free(c->target);
	free(c->headers);
	free(c->capture);
	free(c->out);
	c->target = c->headers = c->capture = c->out = NULL;
	c->capture_len = 0;
	c->out_len = c->out_off = 0;
	c->huge_left = 0;
	c->body_left = 0;
	c->route = NULL;
	c->method[0] = '\0';
	c->head_only = 0;
	c->close_after = 0;
	c->state = READ_HEAD;
}

static void
conn_close(struct conn *c)
{
	conns[c->fd] = NULL;
	close(c->fd);	/* also leaves the epoll set */
	conn_reset_request(c);
	free(c->in);
	free(c);
}

/* Registers the events the state needs; -1 (conn closed) on failure. */
static int
conn_watch(struct conn *c)
{
	struct epoll_event	ev;
	uint32_t		want = 0;

	switch (c->state) {
	case READ_HEAD:
	case READ_BODY:
	case HANGING:
	case DRAIN:
		want = EPOLLIN | EPOLLRDHUP;
		break;
	case WRITE:
		want = EPOLLOUT;
		break;
	case WAIT:
	case DRIPPING:
		want = 0;	/* errors and hang-ups are always reported */
		break;
	}
	if (want == c->events)
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.events = want;
	ev.data.fd = c->fd;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
		conn_close(c);
		return -1;
	}
	c->events = want;
	return 0;
}

static void
conn_out(struct conn *c, const char *data, size_t len)
{
	c->out = xalloc(c->out, c->out_len + len + 1);
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
}

static void
conn_outf(struct conn *c, const char *fmt, ...)
{
	char	line[1024];
	int	n;
	va_list	ap;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		conn_out(c, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Ends a head: the --header lines, then the blank line. */
static void
conn_out_extra(struct conn *c)
{
	if (extra_headers != NULL)
		conn_out(c, extra_headers, strlen(extra_headers));
	conn_out(c, "\r\n", 2);
}

/* Queues a full answer's head (and body unless HEAD). */
static void
conn_answer(struct conn *c, int status, const char *body, unsigned long long len,
    int with_body)
{
	const char	*type = "text/plain";
	size_t		 i;

	for (i = 0; body != NULL && i < len && i < 64; i++) {
		if (body[i] == '{' || body[i] == '[') {
			type = "application/json";
			break;
		}
		if (body[i] != ' ' && body[i] != '\n' && body[i] != '\r' &&
		    body[i] != '\t')
			break;
	}
	conn_outf(c, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %llu\r\nConnection: %s\r\n", status,
	    reason(status), type, len, c->keep_alive ? "keep-alive" : "close");
	conn_out_extra(c);
	if (with_body && !c->head_only && body != NULL)
		conn_out(c, body, (size_t)len);
	if (!c->keep_alive)
		c->close_after = 1;
}

/* A malformed request: answer and close. */
static void
conn_reject(struct conn *c, int status, const char *body)
{
	c->keep_alive = 0;
	c->body_left = 0;
	conn_answer(c, status, body, strlen(body), 1);
	c->state = WRITE;
}

/* The answer is out: close, or wait for the next request. */
static int
conn_finished(struct conn *c)
{
	if (c->close_after) {
		/* Closing with unread input would send RST and could destroy
		 * the answer in flight; half-close and let the peer go first. */
		shutdown(c->fd, SHUT_WR);
		conn_reset_request(c);
		c->state = DRAIN;
		timer_set(c, DRAIN_MS);
		return conn_watch(c);
	}
	conn_reset_request(c);
	return conn_watch(c);
}

/* Sends what is queued. -1 if the conn was closed. */
static int
conn_flush(struct conn *c)
{
	ssize_t	n;
	size_t	len;

	for (;;) {
		if (c->out_off < c->out_len) {
			n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			    MSG_NOSIGNAL);
		} else if (c->huge_left > 0) {
			len = sizeof huge_chunk;
			if (c->huge_left < len)
				len = (size_t)c->huge_left;
			n = send(c->fd, huge_chunk, len, MSG_NOSIGNAL);
		} else {
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				c->state = WRITE;
				return conn_watch(c);
			}
			conn_close(c);
			return -1;
		}
		if (c->out_off < c->out_len)
			c->out_off += (size_t)n;
		else
			c->huge_left -= (unsigned long long)n;
	}
	return conn_finished(c);
}

/* One byte of a dripped answer. -1 if the conn was closed. */
static int
conn_drip(struct conn *c)
{
	ssize_t	n;

	n = send(c->fd, c->out + c->out_off, 1, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		conn_close(c);
		return -1;
	}
	if (n == 1)
		c->out_off++;
	if (c->out_off == c->out_len)
		return conn_finished(c);
	timer_set(c, DRIP_MS);
	return 0;
}

/* Acts on a complete request once its delay is over. -1 if closed. */
static int
conn_act(struct conn *c)
{
	const struct route	*r = c->route;
	struct linger		 linger = { 1, 0 };

	switch (r->behaviour) {
	case HANG:
		c->state = HANGING;
		return conn_watch(c);
	case CLOSE:
		conn_close(c);
		return -1;
	case RESET:
		conn_answer(c, r->status, NULL, r->body_len, 0);
		(void)send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
		conn_close(c);
		return -1;
	case DRIP:
		conn_answer(c, r->status, r->body, r->body_len, 1);
		c->state = DRIPPING;
		if (conn_watch(c) != 0)
			return -1;
		return conn_drip(c);
	case HUGE:
		conn_answer(c, r->status, NULL, HUGE_BYTES, 0);
		if (!c->head_only)
			c->huge_left = HUGE_BYTES;
		break;
	case ECHO:
		conn_answer(c, r->status, c->capture, c->capture_len, 1);
		break;
	case HEADERS:
		conn_answer(c, r->status, c->headers, strlen(c->headers), 1);
		break;
	case REDIRECT:
		conn_outf(c, "HTTP/1.1 %d %s\r\nLocation: %s\r\n"
		    "Content-Length: 0\r\nConnection: %s\r\n", r->status,
		    reason(r->status), r->body, c->keep_alive ? "keep-alive" :
		    "close");
		conn_out_extra(c);
		if (!c->keep_alive)
			c->close_after = 1;
		break;
	case ANSWER:
		conn_answer(c, r->status, r->body, r->body_len, 1);
		break;
	}
	c->state = WRITE;
	return conn_flush(c);
}

/* The whole request is in: log it, then act now or after the delay. */
static int
conn_dispatch(struct conn *c)
{
	const struct route	*r = c->route;
	int			 delay;

	if (logfile != NULL)
		fprintf(logfile, "conn=%lu %s %s -> %d\n", c->id, c->method,
		    c->target, r->status);
	c->in_flight = 1;
	if (++in_flight > max_in_flight)
		max_in_flight = in_flight;
	delay = r->delay_ms >= 0 ? r->delay_ms : global_delay_ms;
	if (delay > 0) {
		c->state = WAIT;
		timer_set(c, delay);
		return conn_watch(c);
	}
	return conn_act(c);
}

static int
token_char(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/*
 * Parses the head in c->in[0..len) (ending in CRLF CRLF). Sets the request
 * fields, or queues a rejection. Returns 0 when the request is valid.
 */
static int
conn_parse_head(struct conn *c, size_t len)
{
	char			*head, *line, *next, *sp1, *sp2, *colon, *value, *end;
	int			 http10, expect_continue = 0, chunked = 0;
	unsigned long long	 content_length = 0;
	size_t			 i;

	head = xalloc(NULL, len + 1);
	memcpy(head, c->in, len);
	head[len] = '\0';
	for (i = 0; i < len; i++) {
		if (head[i] == '\0') {
			conn_reject(c, 400, "bad request\n");
			goto fail;
		}
	}
	line = head;
	next = strstr(line, "\r\n");
	*next = '\0';
	next += 2;
	/* METHOD SP TARGET SP HTTP/1.x */
	sp1 = strchr(line, ' ');
	sp2 = sp1 == NULL ? NULL : strchr(sp1 + 1, ' ');
	if (sp1 == NULL || sp2 == NULL || sp1 == line ||
	    (size_t)(sp1 - line) >= sizeof c->method || sp2 == sp1 + 1) {
		conn_reject(c, 400, "bad request\n");
		goto fail;
	}
	for (value = line; value < sp1; value++) {
		if (!token_char(*value)) {
			conn_reject(c, 400, "bad request\n");
			goto fail;
		}
	}
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
		http10 = 0;
	else if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
		http10 = 1;
	else {
		conn_reject(c, 400, "bad request\n");
		goto fail;
	}
	memcpy(c->method, line, sp1 - line);
	c->method[sp1 - line] = '\0';
	*sp2 = '\0';
	c->target = xstrdup(sp1 + 1);
	c->keep_alive = !http10;
	c->head_only = strcmp(c->method, "HEAD") == 0;
	c->headers = xstrdup(next);

	for (line = next; *line != '\0'; line = next) {
		if ((next = strstr(line, "\r\n")) == NULL)
			break;
		*next = '\0';
		next += 2;
		if (*line == '\0')
			break;		/* the blank line ending the head */
		if ((colon = strchr(line, ':')) == NULL || colon == line) {
			conn_reject(c, 400, "bad request\n");
			goto fail;
		}
		*colon = '\0';
		for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
			;
		end = value + strlen(value);
		while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (strcasecmp(line, "Content-Length") == 0) {
			errno = 0;
			if (*value < '0' || *value > '9')
				errno = EINVAL;
			content_length = strtoull(value, &end, 10);
			if (errno != 0 || *end != '\0' ||
			    content_length > (1ULL << 40)) {
				conn_reject(c, 400, "bad content-length\n");
				goto fail;
			}
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			chunked = 1;
		} else if (strcasecmp(line, "Connection") == 0) {
			if (strcasecmp(value, "close") == 0)
				c->keep_alive = 0;
			else if (strcasecmp(value, "keep-alive") == 0)
				c->keep_alive = 1;
		} else if (strcasecmp(line, "Expect") == 0) {
			expect_continue = strcasecmp(value, "100-continue") == 0;
		}
	}
	if (chunked) {
		/* Not needed by topo; refuse rather than misread the stream. */
		conn_reject(c, 501, "chunked requests not supported\n");
		goto fail;
	}
	c->body_left = content_length;
	if (expect_continue && content_length > 0 && !http10) {
		static const char	cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		(void)send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL);
	}
	c->route = route_find(c->method, c->target);
	free(head);
	return 0;

fail:
	free(head);
	return -1;
}

/* Consumes n bytes at the front of the input buffer. */
static void
conn_consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* Handles what was read, as far as the state allows. -1 if closed. */
static int
conn_process(struct conn *c)
{
	char	*end;
	size_t	 n, keep;

	for (;;) {
		switch (c->state) {
		case READ_HEAD:
			if (c->in_len == 0)
				return 0;
			c->in[c->in_len] = '\0';
			end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
			if (end == NULL) {
				if (c->in_len < HEAD_CAP)
					return 0;
				conn_reject(c, 431, "request head too large\n");
				c->in_len = 0;
				return conn_flush(c);
			}
			n = (size_t)(end - c->in) + 4;
			if (conn_parse_head(c, n) != 0) {
				c->in_len = 0;
				return conn_flush(c);
			}
			conn_consume(c, n);
			c->state = READ_BODY;
			break;
		case READ_BODY:
			n = c->in_len;
			if (n > c->body_left)
				n = (size_t)c->body_left;
			if (n > 0 && c->route->behaviour == ECHO) {
				keep = CAPTURE_CAP - c->capture_len;
				if (keep > n)
					keep = n;
				c->capture = xalloc(c->capture, c->capture_len + keep + 1);
				memcpy(c->capture + c->capture_len, c->in, keep);
				c->capture_len += keep;
			}
			conn_consume(c, n);
			c->body_left -= n;
			if (c->body_left > 0)
				return 0;
			if (conn_dispatch(c) != 0)
				return -1;
			/* Answered at once: go on with pipelined requests. */
			if (c->state != READ_HEAD)
				return 0;
			break;
		case HANGING:
		case DRAIN:
			c->in_len = 0;
			return 0;
		default:
			return 0;
		}
	}
}

/* After an answer finished outside conn_process: serve what is already read. */
static void
conn_resume(struct conn *c, int rc)
{
	if (rc == 0 && c->state == READ_HEAD && c->in_len > 0)
		conn_process(c);
}

static void
conn_readable(struct conn *c)
{
	ssize_t	n;
	int	round;

	/* A few reads per wake-up, so one fast sender cannot starve the rest. */
	for (round = 0; round < 4; round++) {
		if (c->in_size < c->in_len + READ_CHUNK + 1) {
			c->in_size = c->in_len + READ_CHUNK + 1;
			c->in = xalloc(c->in, c->in_size);
		}
		n = recv(c->fd, c->in + c->in_len, READ_CHUNK, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			conn_close(c);
			return;
		}
		if (n == 0) {
			conn_close(c);
			return;
		}
		c->in_len += (size_t)n;
		if (conn_process(c) != 0)
			return;
		if (c->state != READ_HEAD && c->state != READ_BODY &&
		    c->state != HANGING && c->state != DRAIN)
			return;
	}
}

static void
conn_event(struct conn *c, uint32_t events)
{
	if (events & EPOLLERR) {
		conn_close(c);
		return;
	}
	if (c->state == WRITE && (events & EPOLLOUT)) {
		conn_resume(c, conn_flush(c));
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP)) {
		conn_readable(c);
		return;
	}
	if (events & EPOLLHUP)
		conn_close(c);
}

static void
conn_timer(struct conn *c)
{
	switch (c->state) {
	case WAIT:
		conn_resume(c, conn_act(c));
		break;
	case DRIPPING:
		conn_resume(c, conn_drip(c));
		break;
	case DRAIN:
		conn_close(c);
		break;
	default:
		break;
	}
}

static void
accept_all(int lfd)
{
	struct epoll_event	 ev;
	struct conn		*c;
	int			 fd, one = 1;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				fprintf(stderr, "fixture-server: accept: %s\n",
				    strerror(errno));
			return;
		}
		if ((size_t)fd >= nconns_max) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c = xalloc(NULL, sizeof *c);
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->id = ++next_conn_id;
		c->state = READ_HEAD;
		c->events = EPOLLIN | EPOLLRDHUP;
		memset(&ev, 0, sizeof ev);
		ev.events = c->events;
		ev.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(c);
			continue;
		}
		conns[fd] = c;
	}
}

/* Listening sockets. */

struct listener {
	int	fd;
	char	where[96];
};

static struct listener	listeners[MAX_LISTENERS];
static size_t		nlisteners;

static void
listen_on(const char *bind_addr, int port)
{
	struct addrinfo		 hints, *ai;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	char			 portstr[16], host[64];
	int			 fd, one = 1, rc, bound;

	if (nlisteners == MAX_LISTENERS)
		die("too many ports (most %d)", MAX_LISTENERS);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((rc = getaddrinfo(bind_addr, portstr, &hints, &ai)) != 0)
		die("--bind %s: %s", bind_addr, gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		die("bind %s port %d: %s", bind_addr, port, strerror(errno));
	freeaddrinfo(ai);
	if (listen(fd, SOMAXCONN) != 0)
		die("listen: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0)
		die("getsockname: %s", strerror(errno));
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
		    sizeof host);
		bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		snprintf(listeners[nlisteners].where, sizeof listeners[0].where,
		    "[%s]:%d", host, bound);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
		    sizeof host);
		bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(listeners[nlisteners].where, sizeof listeners[0].where,
		    "%s:%d", host, bound);
	}
	listeners[nlisteners++].fd = fd;
}

static void
write_file_atomic(const char *path, const char *text)
{
	char	tmp[4096];
	FILE	*f;

	snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
}

static void
usage(void)
{
	fputs("usage: fixture-server [--bind ADDR] --port N [--port N ...] "
	    "[--ports FIRST-LAST]\n"
	    "           [--delay MS] [--route 'METHOD PATH STATUS BODY' ...] "
	    "[--route-file FILE]\n"
	    "           [--header 'NAME: VALUE' ...] [--ready-file F] "
	    "[--pidfile F] [--log F] [--stats F]\n", stderr);
	exit(2);
}

static int
parse_int(const char *s, const char *what, long min, long max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
		die("%s: bad value '%s'", what, s);
	return (int)n;
}

int
main(int argc, char **argv)
{
	static const struct option	 options[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "ports", required_argument, NULL, 'P' },
		{ "delay", required_argument, NULL, 'd' },
		{ "route", required_argument, NULL, 'r' },
		{ "route-file", required_argument, NULL, 'R' },
		{ "ready-file", required_argument, NULL, 'f' },
		{ "pidfile", required_argument, NULL, 'i' },
		{ "log", required_argument, NULL, 'l' },
		{ "header", required_argument, NULL, 'H' },
		{ "stats", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char			*bind_addr = "127.0.0.1";
	const char			*ready_file = NULL, *pidfile = NULL;
	const char			*stats_file = NULL;
	size_t				 hlen;
	int				*ports = NULL, first, last, ch, i, n, sfd;
	size_t				 nports = 0, k, ready_len = 0;
	char				*ready = NULL, *dash, line[160], pid[32];
	struct epoll_event		 ev, events[MAX_EVENTS];
	struct rlimit			 rl;
	struct signalfd_siginfo		 si;
	sigset_t			 mask;
	double				 now;
	struct conn			*c;
	struct timer			 t;
	int				 timeout, running = 1;

	while ((ch = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (ch) {
		case 'b':
			bind_addr = optarg;
			break;
		case 'p':
			ports = xalloc(ports, (nports + 1) * sizeof *ports);
			ports[nports++] = parse_int(optarg, "--port", 0, 65535);
			break;
		case 'P':
			if ((dash = strchr(optarg, '-')) == NULL)
				die("--ports: expected FIRST-LAST");
			*dash = '\0';
			first = parse_int(optarg, "--ports", 1, 65535);
			last = parse_int(dash + 1, "--ports", first, 65535);
			for (i = first; i <= last; i++) {
				ports = xalloc(ports, (nports + 1) * sizeof *ports);
				ports[nports++] = i;
			}
			break;
		case 'd':
			global_delay_ms = parse_int(optarg, "--delay", 0, 3600000);
			break;
		case 'r':
			route_add(optarg);
			break;
		case 'R':
			route_file(optarg);
			break;
		case 'f':
			ready_file = optarg;
			break;
		case 'i':
			pidfile = optarg;
			break;
		case 'H':
			if (strchr(optarg, ':') == NULL ||
			    strpbrk(optarg, "\r\n") != NULL)
				die("--header: expected 'NAME: VALUE'");
			hlen = extra_headers != NULL ? strlen(extra_headers) : 0;
			extra_headers = xalloc(extra_headers,
			    hlen + strlen(optarg) + 3);
			snprintf(extra_headers + hlen, strlen(optarg) + 3,
			    "%s\r\n", optarg);
			break;
		case 's':
			stats_file = optarg;
			break;
		case 'l':
			if ((logfile = fopen(optarg, "a")) == NULL)
				die("%s: %s", optarg, strerror(errno));
			setvbuf(logfile, NULL, _IOLBF, 0);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nports == 0)
		usage();
	if (nroutes == 0) {
		route_add("* * 200 ok");
		free(routes[0].body);
		routes[0].body = xstrdup("ok\n");
		routes[0].body_len = 3;
	}
	memset(huge_chunk, 'x', sizeof huge_chunk);

	/* Thousands of connections need thousands of descriptors. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 1048576)
		rl.rlim_cur = 1048576;
	nconns_max = (size_t)rl.rlim_cur;
	conns = calloc(nconns_max, sizeof *conns);
	is_listener = calloc(nconns_max, 1);
	if (conns == NULL || is_listener == NULL)
		die("out of memory");

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		die("signalfd: %s", strerror(errno));
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1: %s", strerror(errno));
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);

	for (k = 0; k < nports; k++) {
		listen_on(bind_addr, ports[k]);
		if ((size_t)listeners[k].fd >= nconns_max)
			die("too many ports for the descriptor limit");
		is_listener[listeners[k].fd] = 1;
		ev.events = EPOLLIN;
		ev.data.fd = listeners[k].fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, listeners[k].fd, &ev) != 0)
			die("epoll_ctl: %s", strerror(errno));
		n = snprintf(line, sizeof line, "listening %s\n",
		    listeners[k].where);
		ready = xalloc(ready, ready_len + n + 1);
		memcpy(ready + ready_len, line, n + 1);
		ready_len += n;
	}
	free(ports);
	if (pidfile != NULL) {
		snprintf(pid, sizeof pid, "%d\n", (int)getpid());
		write_file_atomic(pidfile, pid);
	}
	fputs(ready, stdout);
	fflush(stdout);
	if (ready_file != NULL)
		write_file_atomic(ready_file, ready);
	free(ready);

	while (running) {
		timeout = -1;
		if (heap_len > 0) {
			now = now_ms();
			timeout = heap[0].when <= now ? 0 :
			    (int)(heap[0].when - now) + 1;
		}
		n = epoll_wait(epfd, events, MAX_EVENTS, timeout);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			int	fd = events[i].data.fd;

			if (fd == sfd) {
				while (read(sfd, &si, sizeof si) == sizeof si)
					running = 0;
				continue;
			}
			if ((size_t)fd < nconns_max && is_listener[fd]) {
				accept_all(fd);
				continue;
			}
			if ((size_t)fd < nconns_max && (c = conns[fd]) != NULL)
				conn_event(c, events[i].events);
		}
		now = now_ms();
		while (heap_len > 0 && heap[0].when <= now) {
			t = heap[0];
			timer_pop();
			c = conns[t.fd];
			if (c != NULL && c->timer == t.seq) {
				c->timer = 0;
				conn_timer(c);
			}
		}
	}

	for (k = 0; k < nconns_max; k++) {
		if (conns[k] != NULL)
			conn_close(conns[k]);
	}
	for (k = 0; k < nlisteners; k++)
		close(listeners[k].fd);
	if (logfile != NULL)
		fclose(logfile);
	if (stats_file != NULL) {
		snprintf(line, sizeof line, "max_in_flight %zu\n", max_in_flight);
		write_file_atomic(stats_file, line);
	}
	free(extra_headers);
	free(conns);
	free(is_listener);
	free(heap);
	for (k = 0; k < nroutes; k++) {
		free(routes[k].method);
		free(routes[k].path);
		free(routes[k].body);
	}
	free(routes);
	close(epfd);
	close(sfd);
	return 0;
}
