/*
 * port.c: the `ports:` section. Each item is a TCP port that must be
 * listening (or closed) on a host, 127.0.0.1 or ${HOST} by default. Live
 * layer. owner, what and exposure only document the port (`topo doc`);
 * expect: doc-only plans no check at all.
 *
 * Every check of the batch connects at once (at most batch->jobs in
 * flight) with non-blocking sockets in one poll() loop, each bounded by its
 * timeout_ms. Fact "state": listening (connected) or closed (refused). No
 * answer within the timeout, or any other failure, is an error: the probe
 * could not tell. A host with several addresses (localhost: ::1 and
 * 127.0.0.1) is tried address by address until one connects.
 *
 * `process: NAME` also asserts who holds a listening port: the batch reads
 * this machine's listeners once (util/listeners.c: /proc on Linux, lsof
 * elsewhere or $TOPO_LSOF) when one of its checks asks, and fact "owner" is
 * the command name of the process listening there. Another process is drift
 * ("3111 held by python3 pid 4242"); an owner this user cannot see is unknown.
 */
#include "probe.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/listeners.h"
#include "../util/util.h"

#define PORT_DEFAULT_HOST	"127.0.0.1"
/* Connects started between two polls: starting 10,000 at once took longer
 * than a second on a loaded machine, and the first ones timed out unpolled. */
#define PORT_START_BURST	256

struct port_config {
	char	*host;
	int	 port;
	char	*process;	/* the command that must listen, or NULL */
	char	*unit;		/* the systemd unit it must be in, or NULL */
	int	 range_lo;	/* a watched range ({range: 3000-3999}), or 0 */
	int	 range_hi;
};

static const char *const port_expect_choices[] = {
	"listening", "closed", "doc-only", NULL
};

static const struct schema port_item_schema[] = {
	{ .key = "port", .type = SCHEMA_INT, .min = 1, .max = 65535,
	  .help = "TCP port number (or range:)" },
	{ .key = "range", .type = SCHEMA_STRING,
	  .help = "LOW-HIGH: a listener there that no item declares is drift extra" },
	{ .key = "host", .type = SCHEMA_STRING, .def = "${HOST} or 127.0.0.1",
	  .help = "host or address to connect to (IPv6 literal ok)" },
	{ .key = "owner", .type = SCHEMA_STRING,
	  .help = "who listens there (documentation)" },
	{ .key = "what", .type = SCHEMA_STRING,
	  .help = "what the port serves (documentation)" },
	{ .key = "exposure", .type = SCHEMA_STRING,
	  .help = "who can reach it, what proxies it (documentation)" },
	{ .key = "expect", .type = SCHEMA_CHOICE, .choices = port_expect_choices,
	  .def = "listening",
	  .help = "listening, closed, or doc-only (documented, not checked)" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "connect timeout (default: --timeout, then defaults: timeout_ms)" },
	{ .key = "process", .type = SCHEMA_STRING,
	  .help = "the command name that must be listening (checked live)" },
	{ .key = "launchd", .type = SCHEMA_STRING,
	  .help = "the launchd label that holds it: its check is the root cause" },
	{ .key = "systemd", .type = SCHEMA_STRING,
	  .help = "the systemd unit that must hold it (checked live, Linux); its check is the root cause" },
	{ .key = "service", .type = SCHEMA_STRING,
	  .help = "NAMESPACE/NAME: the Kubernetes Service behind it; its check is the root cause" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema port_entry_schema[] = {
	{ .key = "port", .type = SCHEMA_MAP, .children = port_item_schema,
	  .help = "{port | range, host, owner, what, exposure, expect, process, launchd, systemd, service, timeout_ms}" },
	{ .key = NULL },
};

static const struct schema port_schema = {
	.key = "ports", .type = SCHEMA_LIST, .children = port_entry_schema,
	.help = "TCP ports that must be listening (or closed)",
};

static void
port_free_config(void *p)
{
	struct port_config	*pc = p;

	if (pc == NULL)
		return;
	free(pc->host);
	free(pc->process);
	free(pc->unit);
	free(pc);
}

/* The host a port is checked on when the item names none. */
static const char *
port_default_host(const struct topology *t)
{
	const char	*host = t != NULL ? topology_var(t, "HOST") : NULL;

	return host != NULL && *host != '\0' ? host : PORT_DEFAULT_HOST;
}

/* What a port stands for, and the job declared to hold it (topology/causes.c). */
static void
port_edges(struct check *c, const struct node *item, const char *host, int port)
{
	const char	*label = node_str(item, "launchd", NULL);
	const char	*unit = node_str(item, "systemd", NULL), *svc, *slash;
	char		*token = causes_tcp(host, port);

	causes_provide(c, "%s", token);
	free(token);
	if (label != NULL && *label != '\0')
		causes_need(c, "launchd:%s", label);
	if (unit != NULL && *unit != '\0')
		causes_need(c, "systemd:%s", unit);
	if ((svc = node_str(item, "service", NULL)) != NULL && (slash = strchr(svc, '/')) != NULL)
		causes_need(c, "id:k8s/%.*s/Service/%s", (int)(slash - svc), svc, slash + 1);
}

/* "redis" is "redis.service", as systemctl reads it. */
static char *
port_unit_name(const char *unit)
{
	const char	*dot = strrchr(unit, '.');

	if (dot != NULL && (strcmp(dot, ".service") == 0 || strcmp(dot, ".scope") == 0))
		return xstrdup(unit);
	return xasprintf("%s.service", unit);
}

/* {range: LOW-HIGH}: one check that reports the listeners no item declares. */
static void
port_plan_range(struct plan *p, const struct node *item, const struct node *range)
{
	struct port_config	*pc;
	struct check		*c;
	const char		*what;
	char			*end;
	long			 lo, hi;

	errno = 0;
	lo = range->type == NODE_SCALAR ? strtol(range->value, &end, 10) : 0;
	if (lo < 1 || *end != '-' || (hi = strtol(end + 1, &end, 10), *end != '\0') ||
	    errno != 0 || hi < lo || hi > 65535) {
		problems_add_at(p->problems, range, "range: LOW-HIGH, two ports from "
		    "1 to 65535, the first not above the second");
		return;
	}
	if (node_get(item, "port") != NULL) {
		problems_add_at(p->problems, range, "range: an item has a port or a "
		    "range, not both");
		return;
	}
	c = plan_add(p, &probe_port, LAYER_LIVE, item, "port/range/%ld-%ld", lo, hi);
	pc = xcalloc(1, sizeof *pc);
	pc->host = xstrdup("");
	pc->range_lo = (int)lo;
	pc->range_hi = (int)hi;
	c->config = pc;
	plan_expect(p, c, item, "listeners", MATCH_MIN, "0");
	what = node_str(item, "what", NULL);
	plan_summary(c, "watches %ld-%ld for listeners no item declares%s%s%s", lo, hi,
	    what != NULL ? " (" : "", what != NULL ? what : "", what != NULL ? ")" : "");
}

static void
port_plan_item(struct plan *p, const struct node *item)
{
	const struct node	*port_node;
	struct port_config	*pc;
	struct check		*c;
	const char		*host, *def, *expect, *what, *process, *unit;
	char			*end;
	long			 port;
	int			 bracket;

	if (item->type != NODE_MAP)
		return;		/* the schema has said why */
	if ((port_node = node_get(item, "range")) != NULL) {
		port_plan_range(p, item, port_node);
		return;
	}
	port_node = node_get(item, "port");
	if (port_node == NULL || port_node->type != NODE_SCALAR) {
		problems_add_at(p->problems, item, "ports: an item needs a port");
		return;
	}
	errno = 0;
	port = strtol(port_node->value, &end, 10);
	if (errno != 0 || end == port_node->value || *end != '\0' || port < 1 ||
	    port > 65535) {
		problems_add_at(p->problems, port_node,
		    "port: expected a number from 1 to 65535, not \"%s\"",
		    port_node->value);
		return;
	}
	expect = node_str(item, "expect", "listening");
	if (strcmp(expect, "doc-only") == 0)
		return;
	if (strcmp(expect, "listening") != 0 && strcmp(expect, "closed") != 0) {
		problems_add_at(p->problems, node_get(item, "expect"),
		    "expect: listening, closed or doc-only, not \"%s\"", expect);
		return;
	}
	process = node_str(item, "process", NULL);
	if (process != NULL && (*process == '\0' || strcmp(expect, "listening") != 0)) {
		problems_add_at(p->problems, node_get(item, "process"),
		    *process == '\0' ? "process: a command name, not empty" :
		    "process: only a listening port has an owner to check");
		return;
	}
	unit = node_str(item, "systemd", NULL);
	if (unit != NULL && (*unit == '\0' || strcmp(expect, "listening") != 0)) {
		problems_add_at(p->problems, node_get(item, "systemd"),
		    *unit == '\0' ? "systemd: a unit name, not empty" :
		    "systemd: only a listening port has an owner to check");
		return;
	}
	def = port_default_host(p->topology);
	host = node_str(item, "host", NULL);
	if (host == NULL || *host == '\0')
		host = def;

	bracket = strchr(host, ':') != NULL;	/* an IPv6 literal */
	if (strcmp(host, def) == 0)
		c = plan_add(p, &probe_port, LAYER_LIVE, item, "port/%ld", port);
	else
		c = plan_add(p, &probe_port, LAYER_LIVE, item, "port/%s%s%s:%ld",
		    bracket ? "[" : "", host, bracket ? "]" : "", port);
	pc = xcalloc(1, sizeof *pc);
	pc->host = xstrdup(host);
	pc->port = (int)port;
	c->config = pc;
	plan_expect(p, c, item, "state", MATCH_EQUALS, expect);
	port_edges(c, item, host, (int)port);
	if (process != NULL) {
		pc->process = xstrdup(process);
		plan_expect(p, c, item, "owner", MATCH_EQUALS, process);
	}
	if (unit != NULL) {
		pc->unit = port_unit_name(unit);
		plan_expect(p, c, item, "unit", MATCH_EQUALS, pc->unit);
	}
	what = node_str(item, "what", NULL);
	if (what == NULL)
		what = node_str(item, "owner", NULL);
	plan_summary(c, "%s%s%s:%ld %s%s%s%s", bracket ? "[" : "", host,
	    bracket ? "]" : "", port, expect, what != NULL ? " (" : "",
	    what != NULL ? what : "", what != NULL ? ")" : "");
}

static void
port_plan(struct plan *p, const struct node *section)
{
	size_t	i;

	if (section->type != NODE_SEQ)
		return;		/* the schema has said why */
	for (i = 0; i < section->count; i++)
		port_plan_item(p, section->items[i]);
}

enum port_phase {
	PORT_WAITING,
	PORT_CONNECTING,
	PORT_DONE,
};

struct port_attempt {
	struct check		*check;
	const struct port_config *config;
	enum port_phase		 phase;
	struct addrinfo		*addrs;		/* from getaddrinfo */
	struct addrinfo		*next;		/* the address to try next */
	char			 addr_text[INET6_ADDRSTRLEN + 8];
	int			 fd;
	double			 started_ms;	/* whole check */
	double			 attempt_ms;	/* this address */
	double			 deadline_ms;
	int			 refused;	/* some address refused */
	int			 last_error;	/* errno of the last failure */
	const struct listeners	*listeners;	/* when process: is asked */
	const char		*listeners_error;
};

/* "127.0.0.1:3111" or "[::1]:3111" of an address. */
static void
port_addr_text(const struct addrinfo *ai, char *out, size_t len, int port)
{
	char	host[INET6_ADDRSTRLEN];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(host, sizeof host, "?");
	if (ai->ai_family == AF_INET6)
		snprintf(out, len, "[%s]:%d", host, port);
	else
		snprintf(out, len, "%s:%d", host, port);
}

static void
port_finish(struct batch *b, struct port_attempt *a)
{
	if (a->fd != -1) {
		close(a->fd);
		a->fd = -1;
	}
	if (a->addrs != NULL) {
		freeaddrinfo(a->addrs);
		a->addrs = a->next = NULL;
	}
	a->phase = PORT_DONE;
	batch_done(b, a->check);
}

/*
 * Who holds the port, for a check that names its process: fact "owner", or
 * unknown when this machine will not say (another user's process, no lsof).
 */
static void
port_owner(struct port_attempt *a, double now)
{
	struct observation	*o = &a->check->observation;
	const struct listener	*l;
	char			 unit[128], note[256], *cause = NULL;

	if (a->listeners == NULL) {
		observation_unknown(o, "listening; who holds it is unknown: %s",
		    a->listeners_error != NULL ? a->listeners_error : "no listener table");
		observation_evidence(o, "connect %s -> connected in %.1f ms",
		    a->addr_text, now - a->attempt_ms);
		return;
	}
	l = listeners_find(a->listeners, a->config->port);
	if (l == NULL || l->pid < 0 || l->comm[0] == '\0') {
		observation_unknown(o, "listening; its owner is not visible to this "
		    "user (run topo as root or as the owner's user)");
		observation_evidence(o, "connect %s -> connected in %.1f ms; "
		    "listener table: %s", a->addr_text, now - a->attempt_ms,
		    l == NULL ? "no socket on that port" : "owner hidden");
		return;
	}
	observation_fact(o, "owner", l->comm);
	observation_factf(o, "pid", "%ld", l->pid);
	note[0] = '\0';
	if (a->config->unit != NULL) {
		if (listeners_unit("/proc", l->pid, unit, sizeof unit, &cause) == 0) {
			observation_fact(o, "unit", unit);
			snprintf(note, sizeof note, ", unit %s", unit);
		} else
			snprintf(note, sizeof note, ", %s", cause);
	}
	observation_evidence(o, "connect %s -> connected in %.1f ms; held by %s "
	    "pid %ld%s%s%s", a->addr_text, now - a->attempt_ms, l->comm, l->pid,
	    l->user[0] != '\0' ? " user " : "", l->user, note);
	free(cause);
}

static void
port_listening(struct batch *b, struct port_attempt *a, double now)
{
	struct observation	*o = &a->check->observation;

	observation_fact(o, "state", "listening");
	if (a->config->process != NULL || a->config->unit != NULL)
		port_owner(a, now);
	else
		observation_evidence(o, "connect %s -> connected in %.1f ms",
		    a->addr_text, now - a->attempt_ms);
	port_finish(b, a);
}

/* No address is left: the verdict rests on how the last ones failed. */
static void
port_exhausted(struct batch *b, struct port_attempt *a, double now)
{
	struct observation	*o = &a->check->observation;

	if (a->refused) {
		observation_fact(o, "state", "closed");
		observation_evidence(o, "connect %s -> refused in %.1f ms",
		    a->addr_text, now - a->attempt_ms);
	} else {
		observation_error(o, "connect %s: %s", a->addr_text,
		    strerror(a->last_error != 0 ? a->last_error : EHOSTUNREACH));
		observation_evidence(o, "connect %s -> %s in %.1f ms",
		    a->addr_text, strerror(a->last_error), now - a->attempt_ms);
	}
	port_finish(b, a);
}

/* Starts a connect to the next address; settles the check when it can. */
static void
port_connect_next(struct batch *b, struct port_attempt *a)
{
	struct addrinfo	*ai;
	double		 now;
	int		 fd;

	while ((ai = a->next) != NULL) {
		a->next = ai->ai_next;
		now = util_now_ms();
		a->attempt_ms = now;
		port_addr_text(ai, a->addr_text, sizeof a->addr_text,
		    a->config->port);
#ifdef SOCK_CLOEXEC
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
#else
		/* macOS: no SOCK_CLOEXEC; exec.c closes strays in children. */
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd != -1 && (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)) {
			close(fd);
			fd = -1;
		}
#endif
		if (fd == -1) {
			a->last_error = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			a->fd = fd;
			port_listening(b, a, util_now_ms());
			return;
		}
		if (errno == EINPROGRESS || errno == EINTR) {
			a->fd = fd;
			a->phase = PORT_CONNECTING;
			return;
		}
		a->last_error = errno;
		if (errno == ECONNREFUSED)
			a->refused = 1;
		close(fd);
	}
	port_exhausted(b, a, util_now_ms());
}

/* Resolves the host (numeric addresses without any lookup) and starts. */
static void
port_start(struct batch *b, struct port_attempt *a)
{
	struct addrinfo	 hints;
	char		 service[16];
	int		 rc;

	a->phase = PORT_CONNECTING;
	a->started_ms = util_now_ms();
	a->deadline_ms = a->started_ms + (a->check->timeout_ms > 0 ?
	    a->check->timeout_ms : PLAN_DEFAULT_TIMEOUT_MS);
	snprintf(a->addr_text, sizeof a->addr_text, "%s:%d", a->config->host,
	    a->config->port);
	snprintf(service, sizeof service, "%d", a->config->port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(a->config->host, service, &hints, &a->addrs);
	if (rc == EAI_NONAME) {
		/* A name: the resolver (for loopback names, /etc/hosts). */
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		rc = getaddrinfo(a->config->host, service, &hints, &a->addrs);
	}
	if (rc != 0) {
		observation_error(&a->check->observation, "cannot resolve %s: %s",
		    a->config->host, gai_strerror(rc));
		observation_evidence(&a->check->observation, "getaddrinfo %s -> %s",
		    a->config->host, gai_strerror(rc));
		a->addrs = NULL;
		port_finish(b, a);
		return;
	}
	a->next = a->addrs;
	port_connect_next(b, a);
}

/* The pending connect has an answer: read it from SO_ERROR. */
static void
port_answered(struct batch *b, struct port_attempt *a)
{
	socklen_t	len = sizeof(int);
	int		error = 0;

	if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	if (error == 0) {
		port_listening(b, a, util_now_ms());
		return;
	}
	a->last_error = error;
	if (error == ECONNREFUSED)
		a->refused = 1;
	close(a->fd);
	a->fd = -1;
	port_connect_next(b, a);
}

static void
port_timed_out(struct batch *b, struct port_attempt *a, double now)
{
	struct observation	*o = &a->check->observation;
	int			 timeout = a->check->timeout_ms > 0 ?
				     a->check->timeout_ms : PLAN_DEFAULT_TIMEOUT_MS;

	if (a->refused) {
		/* An earlier address refused: that is an answer. */
		port_exhausted(b, a, now);
		return;
	}
	observation_error(o, "no answer within %d ms (filtered?)", timeout);
	observation_evidence(o, "connect %s -> no answer in %d ms", a->addr_text,
	    timeout);
	port_finish(b, a);
}

/*
 * Each pass costs what is in flight, not the whole batch: the connecting
 * attempts are kept in a list of their own (with --jobs 10000, scanning
 * every attempt on every wake-up made a run quadratic).
 */
/* Whether a check of the batch declares port (on any host). */
static int
port_declared(const struct batch *b, int port)
{
	const struct port_config	*pc;
	size_t				 i;

	for (i = 0; i < b->count; i++) {
		pc = b->checks[i]->config;
		if (pc != NULL && pc->range_lo == 0 && pc->port == port)
			return 1;
	}
	return 0;
}

/*
 * {range: LOW-HIGH}: each listener there that no item declares is an extra
 * check port/N (drift extra) saying who holds it; the range check itself
 * counts them. Only when the batch holds every port check (no --only).
 */
static void
port_range(struct batch *b, struct port_attempt *a)
{
	struct observation	*o = &a->check->observation;
	const struct listener	*l;
	size_t			 i, in = 0, extra = 0;
	char			 id[32], *found, *evidence;
	int			 last = 0;

	if (a->listeners == NULL) {
		observation_unknown(o, "the listener table could not be read: %s",
		    a->listeners_error != NULL ? a->listeners_error : "?");
		return;
	}
	if (!batch_whole_layer(b, LAYER_LIVE, NULL, NULL)) {
		observation_unknown(o, "only some ports are checked (--only): "
		    "undeclared listeners are not told apart");
		return;
	}
	for (i = 0; i < a->listeners->count; i++) {
		l = &a->listeners->items[i];
		if (l->port < a->config->range_lo || l->port > a->config->range_hi ||
		    l->port == last)
			continue;
		last = l->port;	/* sorted by port: one check per port */
		in++;
		if (port_declared(b, l->port))
			continue;
		extra++;
		snprintf(id, sizeof id, "port/%d", l->port);
		found = l->pid >= 0 && l->comm[0] != '\0' ?
		    xasprintf("listening on %s, held by %s pid %ld", l->addr, l->comm, l->pid) :
		    xasprintf("listening on %s, owner not visible to this user", l->addr);
		evidence = xasprintf("listener table (%s): %s:%d", listeners_lsof() != NULL ?
		    "lsof" : "/proc/net/tcp", l->addr, l->port);
		batch_extra(b, a->check, id, found, evidence);
		free(evidence);
		free(found);
	}
	observation_factf(o, "listeners", "%zu", in);
	observation_evidence(o, "listener table: %zu listening on %d-%d, %zu not declared",
	    in, a->config->range_lo, a->config->range_hi, extra);
}

static void
port_run(struct batch *b)
{
	struct port_attempt	*attempts, *a;
	struct pollfd		*pfds;
	size_t			*active, *owner;
	size_t			 i, n = b->count, next = 0, nactive = 0, np, kept;
	size_t			 started;
	size_t			 limit = b->jobs > 0 ? (size_t)b->jobs : n;
	double			 now, wait;
	int			 timeout, rc, ask;
	struct listeners	 table;
	const struct port_config *pc;
	char			*cause = NULL, *table_error = NULL;

	if (n == 0)
		return;
	memset(&table, 0, sizeof table);
	if (limit > n)
		limit = n;
	attempts = xcalloc(n, sizeof *attempts);
	active = xcalloc(limit, sizeof *active);
	pfds = xcalloc(limit, sizeof *pfds);
	owner = xcalloc(limit, sizeof *owner);
	/* Read who listens once, and only when a check asks. */
	for (i = 0, ask = 0; i < n && !ask; i++) {
		pc = b->checks[i]->config;
		ask = pc != NULL && (pc->process != NULL || pc->unit != NULL ||
		    pc->range_lo > 0);
	}
	if (ask && listeners_read(&table, listeners_lsof(), PLAN_DEFAULT_TIMEOUT_MS,
	    &cause) != 0) {
		table_error = cause;
		ask = 0;
	}
	for (i = 0; i < n; i++) {
		attempts[i].check = b->checks[i];
		attempts[i].config = b->checks[i]->config;
		attempts[i].fd = -1;
		attempts[i].listeners = ask ? &table : NULL;
		attempts[i].listeners_error = table_error;
	}

	for (;;) {
		if (batch_cancelled(b))
			break;
		/* Start as many as allowed; some settle at once (refused). */
		for (started = 0; nactive < limit && next < n &&
		    started < PORT_START_BURST; started++) {
			a = &attempts[next];
			if (a->config == NULL) {
				observation_error(&a->check->observation,
				    "not planned");
				port_finish(b, a);
			} else if (a->config->range_lo > 0) {
				port_range(b, a);
				batch_done(b, a->check);
			} else {
				port_start(b, a);
				if (a->phase == PORT_CONNECTING)
					active[nactive++] = next;
			}
			next++;
		}
		if (nactive == 0 && next == n)
			break;

		/* Drop the settled, poll the rest. */
		now = util_now_ms();
		timeout = -1;
		np = kept = 0;
		for (i = 0; i < nactive; i++) {
			a = &attempts[active[i]];
			if (a->phase != PORT_CONNECTING)
				continue;
			active[kept++] = active[i];
			wait = a->deadline_ms > now ? a->deadline_ms - now + 1 : 0;
			if (timeout == -1 || wait < timeout)
				timeout = (int)wait;
			pfds[np].fd = a->fd;
			pfds[np].events = POLLOUT;
			pfds[np].revents = 0;
			owner[np++] = active[i];
		}
		nactive = kept;
		if (np == 0)
			continue;
		if (nactive < limit && next < n)
			timeout = 0;	/* more to start */
		/* Wake up now and then to notice a cancelled run. */
		if (timeout > 250)
			timeout = 250;
		rc = poll(pfds, (nfds_t)np, timeout);
		for (i = 0; rc > 0 && i < np; i++) {
			if (pfds[i].revents != 0)
				port_answered(b, &attempts[owner[i]]);
		}
		/* Only what is still unanswered after the poll has timed out:
		 * an answer waiting in the socket counts, however late we look. */
		now = util_now_ms();
		for (i = 0; i < np; i++) {
			a = &attempts[owner[i]];
			if (a->phase == PORT_CONNECTING && pfds[i].revents == 0 &&
			    now >= a->deadline_ms)
				port_timed_out(b, a, now);
		}
	}

	/* Cancelled: close what is open, leave those checks undone. */
	for (i = 0; i < n; i++) {
		if (attempts[i].fd != -1)
			close(attempts[i].fd);
		if (attempts[i].addrs != NULL)
			freeaddrinfo(attempts[i].addrs);
	}
	free(owner);
	free(pfds);
	free(active);
	free(attempts);
	listeners_free(&table);
	free(table_error);
}

const struct probe_ops probe_port = {
	.name = "ports",
	.help = "TCP ports: listening or closed (non-blocking connect)",
	.schema = &port_schema,
	.plan = port_plan,
	.run = port_run,
	.split = 1,
	.free_config = port_free_config,
};
