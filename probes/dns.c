/*
 * dns.c: the `dns:` section. Each item is a host name that must resolve
 * through this machine's resolver (getaddrinfo: /etc/hosts, DNS, whatever
 * nsswitch says), or must not. Live layer, ids dns/NAME (dns/NAME/ipv4,
 * dns/NAME/ipv6 when a family is asked).
 *
 *   dns:
 *     - {name: localhost, contains: 127.0.0.1}          # at least these
 *     - {name: db.internal, addresses: [10.0.0.5, 10.0.0.6]}   # exactly these
 *     - {name: old.example.invalid, expect: nxdomain}
 *
 * Facts: "exists" (yes: the name has addresses; no: NXDOMAIN, or no address
 * of that family), "addresses" (the sorted unique list, '\n'-separated:
 * a set, so an address gone is drift missing and a new one drift extra) and
 * "contains" (the declared addresses that were among them). A resolver that
 * fails (EAI_AGAIN, EAI_FAIL) or does not answer within the timeout is an
 * error: topo could not tell.
 *
 * getaddrinfo blocks and cannot be cancelled, so each lookup runs in a
 * detached thread of its own, at most batch->jobs (and DNS_MAX_THREADS) at
 * once, and the batch waits on a condition variable with each check's
 * deadline. A lookup that
 * outlives its timeout is abandoned: its check says so at once, and the
 * thread, which owns its half of a reference-counted job, frees it when
 * getaddrinfo returns, long after the batch (and maybe the plan) is gone.
 * At most DNS_MAX_STRAYS abandoned threads may be left running (in the
 * process, over every run); past that the resolver is plainly not answering
 * and the checks not yet started are errors without a lookup.
 */
#include "probe.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/buf.h"
#include "../util/util.h"

/* Addresses kept of one answer: a round-robin name rarely has 20. */
#define DNS_MAX_ADDRESSES	256
/* Abandoned lookups still running, at most, before new ones are refused. */
#define DNS_MAX_STRAYS		32
/* getaddrinfo through NSS modules needs more than a minimal stack. */
#define DNS_THREAD_STACK	(512 * 1024)
/* Lookup threads of one batch at once, whatever --jobs says. */
#define DNS_MAX_THREADS		256
/* The batch wakes at least this often to notice a cancelled run. */
#define DNS_WAKE_MS		250

enum dns_family {
	DNS_ANY,
	DNS_IPV4,
	DNS_IPV6,
};

struct dns_config {
	char		*name;
	enum dns_family	 family;
	int		 nxdomain;	/* expect: nxdomain */
	char		**contains;	/* canonical text, or NULL */
	size_t		 ncontains;
};

static const char *const dns_expect_choices[] = { "resolves", "nxdomain", NULL };
static const char *const dns_family_choices[] = { "any", "ipv4", "ipv6", NULL };

static const struct schema dns_address_item[] = {
	{ .key = "address", .type = SCHEMA_STRING,
	  .help = "an IPv4 or IPv6 address" },
	{ .key = NULL },
};

static const struct schema dns_item_schema[] = {
	{ .key = "name", .type = SCHEMA_STRING, .required = 1,
	  .help = "the host name to look up (a numeric address resolves to itself)" },
	{ .key = "addresses", .type = SCHEMA_LIST, .children = dns_address_item,
	  .help = "exactly these addresses, order ignored" },
	{ .key = "contains", .type = SCHEMA_ANY,
	  .help = "an address, or a list of them, that must be among the answers" },
	{ .key = "expect", .type = SCHEMA_CHOICE, .choices = dns_expect_choices,
	  .def = "resolves",
	  .help = "resolves, or nxdomain (the name must not resolve)" },
	{ .key = "family", .type = SCHEMA_CHOICE, .choices = dns_family_choices,
	  .def = "any", .help = "any, ipv4 (A) or ipv6 (AAAA) answers only" },
	{ .key = "what", .type = SCHEMA_STRING,
	  .help = "what the name is for (documentation)" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "lookup timeout (default: --timeout, then defaults: timeout_ms)" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema dns_entry_schema[] = {
	{ .key = "name", .type = SCHEMA_MAP, .children = dns_item_schema,
	  .help = "{name, addresses | contains, expect, family, what, timeout_ms}" },
	{ .key = NULL },
};

static const struct schema dns_schema = {
	.key = "dns", .type = SCHEMA_LIST, .children = dns_entry_schema,
	.help = "host names that must resolve (to these addresses) or must not",
};

static const char *
dns_family_name(enum dns_family f)
{
	return f == DNS_IPV4 ? "ipv4" : f == DNS_IPV6 ? "ipv6" : "any";
}

static void
dns_free_config(void *p)
{
	struct dns_config	*dc = p;
	size_t			 i;

	if (dc == NULL)
		return;
	for (i = 0; i < dc->ncontains; i++)
		free(dc->contains[i]);
	free(dc->contains);
	free(dc->name);
	free(dc);
}

/*
 * An address as inet_ntop writes it ("::1" for "0:0::1"), so that the
 * topology's text and the resolver's compare. Its family, or 0 when text
 * is not an address.
 */
static int
dns_canonical(const char *text, char *out, size_t len)
{
	unsigned char	bytes[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, text, bytes) == 1 &&
	    inet_ntop(AF_INET, bytes, out, (socklen_t)len) != NULL)
		return AF_INET;
	if (inet_pton(AF_INET6, text, bytes) == 1 &&
	    inet_ntop(AF_INET6, bytes, out, (socklen_t)len) != NULL)
		return AF_INET6;
	return 0;
}

static int
dns_compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The canonical addresses of list (a scalar or a list of scalars), sorted,
 * without repeats, as a '\n'-separated set; NULL after a problem.
 */
static char *
dns_plan_addresses(struct plan *p, const struct node *list, const char *key,
    enum dns_family family, char ***out, size_t *nout)
{
	const struct node	*a;
	struct buf		 set;
	char			 text[INET6_ADDRSTRLEN], **addrs;
	size_t			 i, n, count;
	int			 af, bad = 0;

	count = list->type == NODE_SEQ ? list->count : 1;
	if (list->type == NODE_MAP || count == 0) {
		problems_add_at(p->problems, list, "%s: an address or a list of "
		    "addresses", key);
		return NULL;
	}
	addrs = xcalloc(count + 1, sizeof *addrs);
	for (i = n = 0; i < count; i++) {
		a = list->type == NODE_SEQ ? list->items[i] : list;
		if (a->type != NODE_SCALAR) {
			problems_add_at(p->problems, a, "%s: an address, not %s",
			    key, node_type_name(a));
			bad = 1;
			continue;
		}
		if ((af = dns_canonical(a->value, text, sizeof text)) == 0) {
			problems_add_at(p->problems, a, "%s: '%.*s%s' is not an "
			    "IPv4 or IPv6 address", key, PROBLEM_QUOTE(a->value));
			bad = 1;
			continue;
		}
		if ((family == DNS_IPV4 && af != AF_INET) ||
		    (family == DNS_IPV6 && af != AF_INET6)) {
			problems_add_at(p->problems, a, "%s: %s is not an %s "
			    "address (family: %s)", key, text,
			    family == DNS_IPV4 ? "IPv4" : "IPv6",
			    dns_family_name(family));
			bad = 1;
			continue;
		}
		addrs[n++] = xstrdup(text);
	}
	qsort(addrs, n, sizeof *addrs, dns_compare_strings);
	buf_init(&set, 0);
	for (i = 0, count = 0; i < n; i++) {
		if (i > 0 && strcmp(addrs[i], addrs[count - 1]) == 0) {
			free(addrs[i]);
			continue;
		}
		addrs[count++] = addrs[i];
		buf_printf(&set, "%s%s", set.len > 0 ? "\n" : "", addrs[i]);
	}
	if (bad) {
		for (i = 0; i < count; i++)
			free(addrs[i]);
		free(addrs);
		buf_free(&set);
		return NULL;
	}
	*out = addrs;
	*nout = count;
	return buf_steal(&set);
}

/* "a, b, c" of a '\n'-separated set, for summaries. */
static char *
dns_commas(const char *set)
{
	struct buf	b;
	const char	*s;

	buf_init(&b, 0);
	for (s = set; *s != '\0'; s++) {
		if (*s == '\n')
			buf_puts(&b, ", ");
		else
			buf_append(&b, s, 1);
	}
	return buf_steal(&b);
}

static void
dns_plan_item(struct plan *p, const struct node *item)
{
	const struct node	*addresses, *contains;
	struct dns_config	*dc;
	struct check		*c;
	const char		*name, *expect, *family, *what;
	char			*set = NULL, *shown = NULL, **list = NULL;
	size_t			 nlist = 0, i;
	enum dns_family		 f;

	if (item->type != NODE_MAP)
		return;		/* the schema has said why */
	name = node_str(item, "name", NULL);
	if (name == NULL || *name == '\0' || strlen(name) > 253 ||
	    strpbrk(name, " \t/") != NULL) {
		if (name != NULL)	/* else the schema has said it is missing */
			problems_add_at(p->problems, node_get(item, "name"),
			    "name: a host name (up to 253 characters, no blanks "
			    "or '/'), not '%.*s%s'", PROBLEM_QUOTE(name));
		return;
	}
	expect = node_str(item, "expect", "resolves");
	family = node_str(item, "family", "any");
	f = strcmp(family, "ipv4") == 0 ? DNS_IPV4 :
	    strcmp(family, "ipv6") == 0 ? DNS_IPV6 : DNS_ANY;
	addresses = node_get(item, "addresses");
	contains = node_get(item, "contains");
	if (addresses != NULL && addresses->type == NODE_SCALAR && addresses->is_null)
		addresses = NULL;
	if (contains != NULL && contains->type == NODE_SCALAR && contains->is_null)
		contains = NULL;
	if (addresses != NULL && contains != NULL) {
		problems_add_at(p->problems, contains, "contains: not with addresses "
		    "(addresses: exactly these; contains: at least these)");
		return;
	}
	if (strcmp(expect, "nxdomain") == 0 && (addresses != NULL || contains != NULL)) {
		problems_add_at(p->problems, addresses != NULL ? addresses : contains,
		    "%s: a name expected nxdomain has no addresses to check",
		    addresses != NULL ? "addresses" : "contains");
		return;
	}
	if (addresses != NULL && addresses->type == NODE_SEQ && addresses->count == 0) {
		problems_add_at(p->problems, addresses, "addresses: empty (a name that "
		    "must not resolve is expect: nxdomain)");
		return;
	}
	if (addresses != NULL || contains != NULL) {
		set = dns_plan_addresses(p, addresses != NULL ? addresses : contains,
		    addresses != NULL ? "addresses" : "contains", f, &list, &nlist);
		if (set == NULL)
			return;
	}

	if (f == DNS_ANY)
		c = plan_add(p, &probe_dns, LAYER_LIVE, item, "dns/%s", name);
	else
		c = plan_add(p, &probe_dns, LAYER_LIVE, item, "dns/%s/%s", name,
		    family);
	dc = xcalloc(1, sizeof *dc);
	dc->name = xstrdup(name);
	dc->family = f;
	dc->nxdomain = strcmp(expect, "nxdomain") == 0;
	c->config = dc;
	plan_expect(p, c, item, "exists", MATCH_EQUALS, dc->nxdomain ? "no" : "yes");
	if (addresses != NULL)
		plan_expect(p, c, addresses, "addresses", MATCH_SET, set);
	else if (contains != NULL) {
		plan_expect(p, c, contains, "contains", MATCH_SET, set);
		dc->contains = list;
		dc->ncontains = nlist;
		list = NULL;
	}
	what = node_str(item, "what", NULL);
	if (set != NULL)
		shown = dns_commas(set);
	plan_summary(c, "%s%s%s %s%s%s%s%s%s", name, f != DNS_ANY ? " " : "",
	    f != DNS_ANY ? family : "", dc->nxdomain ? "does not resolve" :
	    "resolves", addresses != NULL ? " to " : contains != NULL ?
	    " to at least " : "", shown != NULL ? shown : "",
	    what != NULL ? " (" : "", what != NULL ? what : "",
	    what != NULL ? ")" : "");
	free(shown);
	for (i = 0; list != NULL && i < nlist; i++)
		free(list[i]);
	free(list);
	free(set);
}

static void
dns_plan(struct plan *p, const struct node *section)
{
	size_t	i;

	if (section->type != NODE_SEQ)
		return;		/* the schema has said why */
	for (i = 0; i < section->count; i++)
		dns_plan_item(p, section->items[i]);
}

/* ---- the lookups ---- */

/*
 * What the batch and its lookup threads share: the queue of answers not yet
 * taken. Freed by whoever drops the last reference: the batch, or the last
 * thread still running after the batch gave up on it.
 */
struct dns_hub {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* an answer was queued */
	struct dns_lookup	*done;		/* answers not yet taken */
	int			 refs;		/* the batch's + one per thread */
};

/*
 * Abandoned lookups still running, in the whole process: the dashboard
 * re-probes every few seconds, and a resolver that hangs must not collect
 * threads run after run.
 */
static _Atomic int	dns_strays;

/*
 * One lookup. Until finished is set (under the hub's lock) only its thread
 * writes it; after that only the batch reads it. refs: the batch's and the
 * thread's; the last to let go frees it.
 */
struct dns_lookup {
	struct dns_hub		*hub;
	size_t			 index;		/* its check in the batch */
	char			*name;		/* a copy: the thread may outlive the plan */
	enum dns_family		 family;
	double			 deadline_ms;
	int			 timeout_ms;
	size_t			 slot;		/* in the batch's active list */

	int			 rc;		/* getaddrinfo's */
	int			 sys_errno;	/* for EAI_SYSTEM */
	char			*addresses;	/* sorted unique, '\n'-separated */
	size_t			 naddresses;
	int			 capped;	/* more than DNS_MAX_ADDRESSES */
	double			 took_ms;

	int			 finished;	/* under hub->lock */
	int			 abandoned;	/* under hub->lock */
	int			 refs;		/* under hub->lock */
	struct dns_lookup	*next_done;
};

static void
dns_lookup_free(struct dns_lookup *l)
{
	free(l->name);
	free(l->addresses);
	free(l);
}

static void
dns_hub_free(struct dns_hub *h)
{
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h);
}

struct dns_address {
	int		family;
	unsigned char	bytes[sizeof(struct in6_addr)];
};

/* IPv4 before IPv6, then by value: 10.0.0.2 before 10.0.0.10. */
static int
dns_compare_addresses(const void *a, const void *b)
{
	const struct dns_address	*x = a, *y = b;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	return memcmp(x->bytes, y->bytes, x->family == AF_INET ?
	    sizeof(struct in_addr) : sizeof(struct in6_addr));
}

/* The answer, sorted, without the repeats getaddrinfo gives per protocol. */
static void
dns_collect(struct dns_lookup *l, const struct addrinfo *res)
{
	struct dns_address	*all;
	const struct addrinfo	*ai;
	struct buf		 b;
	char			 text[INET6_ADDRSTRLEN];
	size_t			 n = 0, i;

	all = xcalloc(DNS_MAX_ADDRESSES, sizeof *all);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (n == DNS_MAX_ADDRESSES) {
			l->capped = 1;
			break;
		}
		all[n].family = ai->ai_family;
		if (ai->ai_family == AF_INET)
			memcpy(all[n].bytes, &((const struct sockaddr_in *)
			    (const void *)ai->ai_addr)->sin_addr, sizeof(struct in_addr));
		else
			memcpy(all[n].bytes, &((const struct sockaddr_in6 *)
			    (const void *)ai->ai_addr)->sin6_addr, sizeof(struct in6_addr));
		n++;
	}
	qsort(all, n, sizeof *all, dns_compare_addresses);
	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (i > 0 && dns_compare_addresses(&all[i], &all[i - 1]) == 0)
			continue;
		if (inet_ntop(all[i].family, all[i].bytes, text, sizeof text) == NULL)
			continue;
		buf_printf(&b, "%s%s", b.len > 0 ? "\n" : "", text);
		l->naddresses++;
	}
	l->addresses = buf_steal(&b);
	free(all);
}

static void *
dns_thread(void *arg)
{
	struct dns_lookup	*l = arg;
	struct dns_hub		*h = l->hub;
	struct addrinfo		 hints, *res = NULL;
	double			 start = util_now_ms();
	int			 free_lookup, free_hub;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = l->family == DNS_IPV4 ? AF_INET :
	    l->family == DNS_IPV6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	errno = 0;
	l->rc = getaddrinfo(l->name, NULL, &hints, &res);
	l->sys_errno = errno;
	if (l->rc == 0) {
		dns_collect(l, res);
		freeaddrinfo(res);
	}
	l->took_ms = util_now_ms() - start;

	pthread_mutex_lock(&h->lock);
	l->finished = 1;
	if (l->abandoned)
		dns_strays--;
	else {
		l->next_done = h->done;
		h->done = l;
		pthread_cond_signal(&h->cond);
	}
	free_lookup = --l->refs == 0;
	free_hub = --h->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (free_lookup)
		dns_lookup_free(l);
	if (free_hub)
		dns_hub_free(h);
	return NULL;
}

/* "localhost" or "localhost (ipv6)", for evidence. */
static void
dns_shown(const struct dns_config *dc, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s", dc->name, dc->family != DNS_ANY ? " (" : "",
	    dc->family != DNS_ANY ? dns_family_name(dc->family) : "",
	    dc->family != DNS_ANY ? ")" : "");
}

static int
dns_in_set(const char *set, const char *address)
{
	size_t		 len = strlen(address);
	const char	*s = set;

	while ((s = strstr(s, address)) != NULL) {
		if ((s == set || s[-1] == '\n') && (s[len] == '\0' || s[len] == '\n'))
			return 1;
		s += len;
	}
	return 0;
}

/* The answer, as facts and evidence. */
static void
dns_observe(struct check *c, const struct dns_lookup *l)
{
	const struct dns_config	*dc = c->config;
	struct observation	*o = &c->observation;
	struct buf		 found;
	char			 shown[320], *list;
	size_t			 i;

	dns_shown(dc, shown, sizeof shown);
	if (l->rc == 0 && l->naddresses > 0) {
		observation_fact(o, "exists", "yes");
		observation_fact(o, "addresses", l->addresses);
		if (dc->contains != NULL) {
			buf_init(&found, 0);
			for (i = 0; i < dc->ncontains; i++) {
				if (dns_in_set(l->addresses, dc->contains[i]))
					buf_printf(&found, "%s%s", found.len > 0 ?
					    "\n" : "", dc->contains[i]);
			}
			observation_fact(o, "contains", buf_str(&found));
			buf_free(&found);
		}
		list = dns_commas(l->addresses);
		if (l->capped)
			observation_evidence(o, "getaddrinfo %s -> %s (the first %d) "
			    "in %.1f ms", shown, list, DNS_MAX_ADDRESSES, l->took_ms);
		else
			observation_evidence(o, "getaddrinfo %s -> %s in %.1f ms", shown,
			    list, l->took_ms);
		free(list);
		return;
	}
	switch (l->rc) {
	case 0:			/* answered with no address we know */
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		/* The name does not resolve (of that family): an answer. */
		observation_fact(o, "exists", "no");
		observation_fact(o, "addresses", "");
		if (dc->contains != NULL)
			observation_fact(o, "contains", "");
		observation_evidence(o, "getaddrinfo %s -> %s in %.1f ms", shown,
		    l->rc == 0 ? "no IPv4 or IPv6 address" : gai_strerror(l->rc),
		    l->took_ms);
		return;
	case EAI_SYSTEM:
		observation_error(o, "cannot resolve %s: %s", shown,
		    strerror(l->sys_errno));
		break;
	case EAI_AGAIN:
		observation_error(o, "cannot resolve %s: %s (the resolver gave no "
		    "definite answer)", shown, gai_strerror(l->rc));
		break;
	default:
		observation_error(o, "cannot resolve %s: %s", shown,
		    gai_strerror(l->rc));
		break;
	}
	observation_evidence(o, "getaddrinfo %s -> %s in %.1f ms", shown,
	    l->rc == EAI_SYSTEM ? strerror(l->sys_errno) : gai_strerror(l->rc),
	    l->took_ms);
}

struct dns_run {
	struct batch		*b;
	struct dns_hub		*hub;
	struct dns_lookup	**active;	/* started, not settled */
	size_t			 nactive;
	pthread_attr_t		 attr;
};

/* What the batch keeps of a lookup it abandons: the thread frees the rest. */
struct dns_late {
	size_t	index;
	int	timeout_ms;
};

/* Takes l out of the active list; its slot goes to the last one. */
static void
dns_active_remove(struct dns_run *r, struct dns_lookup *l)
{
	struct dns_lookup	*last = r->active[--r->nactive];

	r->active[l->slot] = last;
	last->slot = l->slot;
}

/*
 * Starts check i's lookup, or settles it at once when it cannot start.
 * -1: no thread to be had now while others run; try again when one ends.
 */
static int
dns_start(struct dns_run *r, size_t i, int strays)
{
	struct check		*c = r->b->checks[i];
	const struct dns_config	*dc = c->config;
	struct dns_lookup	*l;
	pthread_t		 tid;
	char			 shown[320];
	int			 rc;

	if (dc == NULL) {
		observation_error(&c->observation, "not planned");
		batch_done(r->b, c);
		return 0;
	}
	dns_shown(dc, shown, sizeof shown);
	if (strays >= DNS_MAX_STRAYS) {
		observation_error(&c->observation, "not looked up: %d lookups are "
		    "still running past their timeouts (the resolver is not "
		    "answering)", strays);
		observation_evidence(&c->observation, "getaddrinfo %s -> not started",
		    shown);
		batch_done(r->b, c);
		return 0;
	}
	l = xcalloc(1, sizeof *l);
	l->hub = r->hub;
	l->index = i;
	l->name = xstrdup(dc->name);
	l->family = dc->family;
	l->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : PLAN_DEFAULT_TIMEOUT_MS;
	l->deadline_ms = util_now_ms() + l->timeout_ms;
	l->refs = 2;
	l->slot = r->nactive;
	pthread_mutex_lock(&r->hub->lock);
	r->hub->refs++;
	pthread_mutex_unlock(&r->hub->lock);
	if ((rc = pthread_create(&tid, &r->attr, dns_thread, l)) != 0) {
		pthread_mutex_lock(&r->hub->lock);
		r->hub->refs--;
		pthread_mutex_unlock(&r->hub->lock);
		dns_lookup_free(l);
		if (rc == EAGAIN && r->nactive > 0)
			return -1;
		observation_error(&c->observation, "cannot start a lookup of %s: %s",
		    shown, strerror(rc));
		batch_done(r->b, c);
		return 0;
	}
	r->active[r->nactive++] = l;
	return 0;
}

/* Waits (the hub locked) for an answer, the nearest deadline, or a wake-up. */
static void
dns_wait(struct dns_run *r)
{
	struct timespec	 ts;
	double		 now = util_now_ms(), nearest = now + DNS_WAKE_MS;
	long long	 ns;
	size_t		 i;

	for (i = 0; i < r->nactive; i++) {
		if (r->active[i]->deadline_ms < nearest)
			nearest = r->active[i]->deadline_ms;
	}
	if (r->hub->done != NULL || nearest <= now)
		return;
	ns = (long long)((nearest - now + 1) * 1e6);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ns / 1000000000LL);
	ts.tv_nsec += (long)(ns % 1000000000LL);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&r->hub->cond, &r->hub->lock, &ts);
}

/*
 * Under the hub's lock: the answers queued (each now the batch's alone: its
 * thread has let go), and the lookups past their deadline, abandoned to
 * their threads and out of the active list. An answer already queued counts,
 * however late it is looked at.
 */
static struct dns_lookup *
dns_collect_settled(struct dns_run *r, struct dns_late *late, size_t *nlate)
{
	struct dns_lookup	*done = r->hub->done, *l;
	double			 now = util_now_ms();
	size_t			 i;

	r->hub->done = NULL;
	*nlate = 0;
	for (i = r->nactive; i > 0; i--) {
		l = r->active[i - 1];
		if (l->finished || now < l->deadline_ms)
			continue;
		late[*nlate].index = l->index;
		late[*nlate].timeout_ms = l->timeout_ms;
		(*nlate)++;
		l->abandoned = 1;
		l->refs--;		/* the thread holds the other */
		dns_strays++;
		dns_active_remove(r, l);
	}
	return done;
}

static void
dns_run(struct batch *b)
{
	struct dns_run		 r;
	struct dns_lookup	*done, *l, *next, **ours;
	struct dns_late		*late;
	pthread_condattr_t	 cattr;
	struct check		*c;
	char			 shown[320];
	size_t			 i, nlate, nours, n = b->count, started = 0;
	size_t			 limit = b->jobs > 0 ? (size_t)b->jobs : n;
	int			 strays, free_hub;

	if (n == 0)
		return;
	if (limit > n)
		limit = n;
	if (limit > DNS_MAX_THREADS)
		limit = DNS_MAX_THREADS;
	memset(&r, 0, sizeof r);
	r.b = b;
	r.hub = xcalloc(1, sizeof *r.hub);
	r.hub->refs = 1;
	pthread_mutex_init(&r.hub->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&r.hub->cond, &cattr);
	pthread_condattr_destroy(&cattr);
	pthread_attr_init(&r.attr);
	pthread_attr_setdetachstate(&r.attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&r.attr, DNS_THREAD_STACK);
	r.active = xcalloc(limit, sizeof *r.active);
	late = xcalloc(limit, sizeof *late);

	for (;;) {
		if (batch_cancelled(b))
			break;
		strays = dns_strays;
		while (r.nactive < limit && started < n &&
		    dns_start(&r, started, strays) == 0)
			started++;
		if (r.nactive == 0 && started == n)
			break;

		pthread_mutex_lock(&r.hub->lock);
		dns_wait(&r);
		done = dns_collect_settled(&r, late, &nlate);
		pthread_mutex_unlock(&r.hub->lock);

		for (l = done; l != NULL; l = next) {
			next = l->next_done;
			c = b->checks[l->index];
			dns_observe(c, l);
			dns_active_remove(&r, l);
			dns_lookup_free(l);
			batch_done(b, c);
		}
		for (i = 0; i < nlate; i++) {
			c = b->checks[late[i].index];
			dns_shown(c->config, shown, sizeof shown);
			observation_error(&c->observation, "no answer within %d ms",
			    late[i].timeout_ms);
			observation_evidence(&c->observation, "getaddrinfo %s -> no "
			    "answer in %d ms (the lookup is left to finish on its own)",
			    shown, late[i].timeout_ms);
			batch_done(b, c);
		}
	}

	/*
	 * Done, or cancelled (its checks left undone): the answers queued are
	 * ours to free, the lookups still running are left to their threads.
	 */
	ours = xcalloc(r.nactive + 1, sizeof *ours);
	nours = 0;
	pthread_mutex_lock(&r.hub->lock);
	r.hub->done = NULL;	/* each is in active too */
	for (i = 0; i < r.nactive; i++) {
		l = r.active[i];
		if (!l->finished) {
			l->abandoned = 1;
			dns_strays++;
		}
		if (--l->refs == 0)
			ours[nours++] = l;
	}
	free_hub = --r.hub->refs == 0;
	pthread_mutex_unlock(&r.hub->lock);
	for (i = 0; i < nours; i++)
		dns_lookup_free(ours[i]);
	if (free_hub)
		dns_hub_free(r.hub);
	pthread_attr_destroy(&r.attr);
	free(ours);
	free(late);
	free(r.active);
}

const struct probe_ops probe_dns = {
	.name = "dns",
	.help = "host names: resolve (to these addresses) or nxdomain (getaddrinfo)",
	.schema = &dns_schema,
	.plan = dns_plan,
	.run = dns_run,
	.split = 1,
	.free_config = dns_free_config,
};
