/*
 * cmd-serve.c: `topo serve`: the checks re-probed every interval by the
 * dashboard's scheduler (sched_start in the background, never blocking;
 * a hung check bounded by its timeout), the results served over HTTP by
 * libmicrohttpd: /metrics (reports/metrics.c), / (reports/html.c),
 * /api/v1/report (reports/json.c, the document of topo check --format
 * json), /healthz and /readyz.
 *
 * Three kinds of thread, none waiting on another: the scheduler's probe
 * threads; this one, which starts runs and, when one finished, renders the
 * three documents once under the scheduler lock and publishes them; and
 * libmicrohttpd's, which only take a reference to the published documents
 * under a mutex of their own. A slow or hostile client therefore costs a
 * connection slot (at most SERVE_CONNECTIONS, each with a timeout and a
 * fixed memory pool), never a probe's time or the server's memory.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cmd.h"
#include "probes/probe.h"
#include "probes/sched.h"
#include "reports/report.h"
#include "reports/status.h"
#include "util/util.h"

#define SERVE_LISTEN_DEFAULT	"127.0.0.1:9797"
#define SERVE_CONNECTIONS	64	/* at once, all clients */
#define SERVE_PER_IP		32	/* at once, one address */
#define SERVE_TIMEOUT_S		10	/* an idle or slow connection is closed */
#define SERVE_CONN_MEMORY	(32 * 1024)	/* a request's headers and state */

enum serve_doc_kind { DOC_METRICS, DOC_JSON, DOC_HTML, DOC_COUNT };

static const char *const serve_types[DOC_COUNT] = {
	[DOC_METRICS] = "text/plain; version=0.0.4; charset=utf-8",
	[DOC_JSON] = "application/json",
	[DOC_HTML] = "text/html; charset=utf-8",
};

/* A rendered document; freed when the last response using it is done. */
struct serve_doc {
	atomic_int	 refs;
	size_t		 len;
	char		*data;
};

struct serve {
	pthread_mutex_t		 lock;		/* docs and ready */
	struct serve_doc	*docs[DOC_COUNT];
	int			 ready;

	const struct cmd_args	*args;
	struct topology		*topology;
	struct sched		*sched;
	int			 wake[2];
	unsigned long		 runs;
	unsigned long		*errors;	/* per probe_table index */
	const char		**kinds;
	size_t			 nkinds;
};

static volatile sig_atomic_t	serve_signal;
static int			serve_wake_fd = -1;

static int	cmd_serve_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_serve_entry = {
	.name = "serve",
	.usage = "[-f FILE] [--listen ADDR:PORT] [--interval SECONDS] "
	    "[--layer static|live] [--only GLOB] [--set VAR=VALUE]... [--jobs N] "
	    "[--timeout MS] [--strict] [--root DIR]",
	.help = "Re-probe in the background; serve /metrics, a status page and the report.",
	.options = CMD_OPT_FILE | CMD_OPT_INTERVAL | CMD_OPT_LAYER |
	    CMD_OPT_ONLY | CMD_OPT_SET | CMD_OPT_JOBS | CMD_OPT_TIMEOUT |
	    CMD_OPT_STRICT | CMD_OPT_ROOT | CMD_OPT_LISTEN,
	.exec = cmd_serve_exec,
};

static void
serve_wake(int fd)
{
	char	c = 'w';
	ssize_t	n;

	do {
		n = write(fd, &c, 1);
	} while (n == -1 && errno == EINTR);
}

static void
serve_on_signal(int sig)
{
	int	saved = errno;

	serve_signal = sig;
	if (serve_wake_fd != -1)
		serve_wake(serve_wake_fd);
	errno = saved;
}

/* From a probe thread: only the end of a run wakes the loop. */
static void
serve_notify(void *arg, struct check *check)
{
	struct serve	*sv = arg;

	if (check == NULL)
		serve_wake(sv->wake[1]);
}

static void
serve_doc_unref(struct serve_doc *d)
{
	if (d != NULL && atomic_fetch_sub(&d->refs, 1) == 1) {
		free(d->data);
		free(d);
	}
}

static void
serve_doc_free_cb(void *cls)
{
	serve_doc_unref(cls);
}

/* ---- rendering: this thread, under the scheduler lock ---- */

static struct serve_doc *
serve_render(struct serve *sv, enum serve_doc_kind kind, struct report *r,
    const struct status_run *run, struct check **checks, size_t count)
{
	struct serve_doc	*d;
	FILE			*f;
	char			*data = NULL;
	size_t			 len = 0;
	int			 rc;

	if ((f = open_memstream(&data, &len)) == NULL)
		util_fatal("open_memstream: %s", strerror(errno));
	switch (kind) {
	case DOC_METRICS:
		rc = metrics_write(f, r, run, checks, count);
		break;
	case DOC_JSON:
		r->out = f;
		rc = report_write(&report_json, r, checks, count);
		r->out = NULL;
		break;
	default:
		rc = html_write(f, r, run, checks, count);
		break;
	}
	if (fclose(f) != 0 || rc != 0)
		util_fatal("cannot render a page: %s", strerror(errno));
	d = xcalloc(1, sizeof *d);
	atomic_init(&d->refs, 1);
	d->data = data;
	d->len = len;
	(void)sv;
	return d;
}

/* A run finished (or none yet, ready 0): render and publish everything. */
static void
serve_publish(struct serve *sv, int ready)
{
	struct serve_doc	*docs[DOC_COUNT], *old;
	struct status_run	 run;
	struct report		 r;
	struct check		**checks;
	size_t			 i, count;
	int			 k;

	memset(&r, 0, sizeof r);
	memset(&run, 0, sizeof run);
	sched_lock(sv->sched);
	checks = sched_checks(sv->sched, &count);
	if (ready) {
		for (i = 0; i < count; i++) {
			if (checks[i]->skipped ||
			    checks[i]->result.status != STATUS_ERROR)
				continue;
			for (k = 0; k < (int)sv->nkinds; k++) {
				if (checks[i]->probe != NULL &&
				    strcmp(sv->kinds[k], checks[i]->probe->name) == 0) {
					sv->errors[k]++;
					break;
				}
			}
		}
	}
	/* The report's header as topo check fills it. */
	r.topology = sv->topology;
	r.topology_path = sv->args->file;
	r.strict = sv->args->strict;
	r.started_at = sched_last_started(sv->sched);
	r.duration_ms = sched_last_duration_ms(sv->sched);
	r.layers = sv->args->layers == LAYER_STATIC ? "static" :
	    sv->args->layers == LAYER_LIVE ? "live" : "all";
	for (i = 0; i < count; i++) {
		if (status_is_problem(checks[i]->result.status, r.strict))
			r.exit_code = 1;
	}
	run.version = TOPO_VERSION;
	run.ready = ready;
	run.runs = sv->runs;
	run.kinds = sv->kinds;
	run.errors = sv->errors;
	run.nkinds = sv->nkinds;
	run.interval = sv->args->interval;
	run.now = (long)time(NULL);
	for (k = 0; k < DOC_COUNT; k++)
		docs[k] = serve_render(sv, k, &r, &run, checks, count);
	sched_unlock(sv->sched);

	pthread_mutex_lock(&sv->lock);
	for (k = 0; k < DOC_COUNT; k++) {
		old = sv->docs[k];
		sv->docs[k] = docs[k];
		docs[k] = old;
	}
	sv->ready = ready;
	pthread_mutex_unlock(&sv->lock);
	for (k = 0; k < DOC_COUNT; k++)
		serve_doc_unref(docs[k]);
}

/* ---- HTTP: libmicrohttpd's thread ---- */

static enum MHD_Result
serve_queue(struct MHD_Connection *conn, unsigned int code,
    struct MHD_Response *resp, const char *type)
{
	enum MHD_Result	ret;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	/* The page has no script and loads nothing: say so. */
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
serve_text(struct MHD_Connection *conn, unsigned int code, const char *text)
{
	return serve_queue(conn, code, MHD_create_response_from_buffer(
	    strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT),
	    "text/plain; charset=utf-8");
}

static enum MHD_Result
serve_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct serve		*sv = cls;
	struct MHD_Response	*resp;
	struct serve_doc	*d;
	int			 kind = -1, ready;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		resp = MHD_create_response_from_buffer(strlen("method not allowed\n"),
		    (void *)"method not allowed\n", MHD_RESPMEM_PERSISTENT);
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return serve_queue(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp,
		    "text/plain; charset=utf-8");
	}
	if (strcmp(url, "/healthz") == 0)
		return serve_text(conn, MHD_HTTP_OK, "ok\n");
	if (strcmp(url, "/readyz") == 0) {
		pthread_mutex_lock(&sv->lock);
		ready = sv->ready;
		pthread_mutex_unlock(&sv->lock);
		return ready ? serve_text(conn, MHD_HTTP_OK, "ready\n") :
		    serve_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the first run is in flight\n");
	}
	if (strcmp(url, "/metrics") == 0)
		kind = DOC_METRICS;
	else if (strcmp(url, "/api/v1/report") == 0)
		kind = DOC_JSON;
	else if (strcmp(url, "/") == 0)
		kind = DOC_HTML;
	if (kind < 0)
		return serve_text(conn, MHD_HTTP_NOT_FOUND,
		    "not found: /, /metrics, /api/v1/report, /healthz, /readyz\n");

	pthread_mutex_lock(&sv->lock);
	d = sv->docs[kind];
	atomic_fetch_add(&d->refs, 1);
	pthread_mutex_unlock(&sv->lock);
	resp = MHD_create_response_from_buffer_with_free_callback_cls(d->len,
	    d->data, serve_doc_free_cb, d);
	if (resp == NULL) {
		serve_doc_unref(d);
		return MHD_NO;
	}
	return serve_queue(conn, MHD_HTTP_OK, resp, serve_types[kind]);
}

/* ---- the listening address ---- */

static int
serve_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;

	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	}
	in6 = (const struct sockaddr_in6 *)(const void *)sa;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

/*
 * ADDR:PORT or [ADDR6]:PORT, numeric only (a name could resolve to
 * something else tomorrow). 0 with *res set, or -1 with a message.
 */
static int
serve_address(const char *listen, struct addrinfo **res)
{
	struct addrinfo	 hints;
	char		*host, *port, *end;
	int		 rc = 0;

	host = xstrdup(listen);
	if (*host == '[' && (end = strchr(host, ']')) != NULL && end[1] == ':') {
		*end = '\0';
		port = end + 2;
		/* Shifts "[addr" left over bytes before end: port stays. */
		memmove(host, host + 1, strlen(host + 1) + 1);
	} else if ((port = strrchr(host, ':')) != NULL && strchr(host, ':') == port) {
		*port++ = '\0';
	} else {
		fprintf(stderr, "topo serve: --listen takes ADDR:PORT or [ADDR6]:PORT, "
		    "not '%s'\n", listen);
		free(host);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (*host == '\0' || *port == '\0' ||
	    (rc = getaddrinfo(host, port, &hints, res)) != 0) {
		fprintf(stderr, "topo serve: --listen %s: %s (a numeric address "
		    "and port, e.g. 127.0.0.1:9797 or [::1]:9797)\n", listen,
		    *host == '\0' || *port == '\0' ? "address or port missing" :
		    gai_strerror(rc));
		free(host);
		return -1;
	}
	free(host);
	return 0;
}

/* ---- the loop ---- */

static int
serve_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	return 0;
}

static void
serve_drain(int fd)
{
	char	buf[256];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

static void
serve_loop(struct serve *sv)
{
	struct pollfd	pfd;
	double		now, next = util_now_ms(), started = 0;
	int		running = 0, wait;

	while (serve_signal == 0) {
		now = util_now_ms();
		if (running && !sched_busy(sv->sched)) {
			sched_wait(sv->sched);
			running = 0;
			sv->runs++;
			serve_publish(sv, 1);
			/* Every interval from the start of the last run. */
			next = started + sv->args->interval * 1000.0;
		}
		if (!running && now >= next) {
			if (sched_start(sv->sched, NULL, 0) == 0) {
				running = 1;
				started = now;
			} else
				next = now + sv->args->interval * 1000.0;
		}
		wait = running ? 1000 : (int)(next - now);
		if (wait > 1000)
			wait = 1000;
		if (wait < 10)
			wait = 10;
		pfd.fd = sv->wake[0];
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, wait) == -1 && errno != EINTR)
			util_fatal("poll: %s", strerror(errno));
		if (pfd.revents & POLLIN)
			serve_drain(sv->wake[0]);
	}
}

static int
cmd_serve_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct sched_options	 so;
	struct addrinfo		*ai = NULL;
	struct MHD_Daemon	*daemon = NULL;
	const union MHD_DaemonInfo *info;
	struct serve		 sv;
	struct plan		*p = NULL;
	const char		*listen = a->listen != NULL ? a->listen :
				    SERVE_LISTEN_DEFAULT;
	char			 host[NI_MAXHOST] = "?";
	unsigned int		 flags;
	size_t			 i;
	int			 rc = 0, k;

	(void)e;
	memset(&sv, 0, sizeof sv);
	sv.wake[0] = sv.wake[1] = -1;
	if (serve_address(listen, &ai) != 0)
		return 2;
	if ((rc = cmd_load(a, &sv.topology, &p)) != 0) {
		freeaddrinfo(ai);
		return rc;
	}
	sv.args = a;
	pthread_mutex_init(&sv.lock, NULL);
	for (i = 0; probe_table[i] != NULL; i++)
		;
	sv.nkinds = i;
	sv.kinds = xcalloc(i + 1, sizeof *sv.kinds);
	sv.errors = xcalloc(i + 1, sizeof *sv.errors);
	for (i = 0; i < sv.nkinds; i++)
		sv.kinds[i] = probe_table[i]->name;
	if (util_pipe(sv.wake, 1) != 0) {
		fprintf(stderr, "topo serve: pipe: %s\n", strerror(errno));
		rc = 2;
		goto out;
	}
	serve_wake_fd = sv.wake[1];
	serve_signal = 0;
	if (serve_signals() != 0) {
		rc = 2;
		goto out;
	}

	memset(&so, 0, sizeof so);
	so.jobs = a->jobs;
	so.notify = serve_notify;
	so.arg = &sv;
	sv.sched = sched_create(p, &so);
	serve_publish(&sv, 0);

	flags = MHD_USE_AUTO_INTERNAL_THREAD;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	daemon = MHD_start_daemon(flags, 0, NULL, NULL, serve_request, &sv,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SERVE_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)SERVE_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)64,
	    MHD_OPTION_END);
	if (daemon == NULL) {
		fprintf(stderr, "topo serve: cannot listen on %s: %s\n", listen,
		    errno != 0 ? strerror(errno) : "libmicrohttpd refused");
		rc = 2;
		goto out;
	}
	getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0,
	    NI_NUMERICHOST);
	info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "topo serve: listening on %s%s%s:%u, re-probing every %d s\n",
	    ai->ai_family == AF_INET6 ? "[" : "", host,
	    ai->ai_family == AF_INET6 ? "]" : "",
	    info != NULL ? (unsigned)info->port : 0, a->interval);
	if (!serve_is_loopback(ai->ai_addr))
		fprintf(stderr, "topo serve: %s is reachable from other machines: "
		    "anyone who can connect reads every check's evidence "
		    "(SECURITY.md)\n", host);

	serve_loop(&sv);
	fprintf(stderr, "topo serve: stopping (signal %d)\n", (int)serve_signal);
out:
	if (daemon != NULL)
		MHD_stop_daemon(daemon);
	if (sv.sched != NULL) {
		sched_cancel(sv.sched);
		sched_wait(sv.sched);
		sched_free(sv.sched);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	serve_wake_fd = -1;
	for (k = 0; k < DOC_COUNT; k++)
		serve_doc_unref(sv.docs[k]);
	if (sv.wake[0] != -1) {
		close(sv.wake[0]);
		close(sv.wake[1]);
	}
	free(sv.kinds);
	free(sv.errors);
	pthread_mutex_destroy(&sv.lock);
	freeaddrinfo(ai);
	plan_free(p);
	topology_free(sv.topology);
	return rc;
}
