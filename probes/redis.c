/*
 * redis.c: the `redis:` section, observed with hiredis over one connection
 * per run. Checks:
 *   redis/ping            PING answers PONG (planned when url: is given)
 *   redis/info            INFO fields (expect: {version: "^7\\.", role: master})
 *   redis/key/<key>       exists (or absent), TYPE, size bounds, stream
 *                         consumer groups and their pending counts
 *   redis/pattern/<glob>  keys counted with SCAN MATCH (never KEYS)
 *
 * Read-only by construction: every command goes through redis_append(),
 * which refuses any command (and subcommand) outside redis_readonly[].
 * A future edit that needs another command has to add it to that table,
 * in plain sight.
 *
 * The password (from the URL or password:) never leaves this file: the URL
 * is shown as redis://user:(stars)@host:port, and every reason and evidence string
 * is scrubbed of it before it reaches an observation.
 */
#include "probe.h"

#include <hiredis/hiredis.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "../util/buf.h"
#include "../util/url.h"
#include "../util/util.h"
#include "redis-readonly.h"

#define REDIS_DEFAULT_URL	"redis://127.0.0.1:6379"
#define REDIS_SCAN_COUNT	"1000"		/* COUNT hint of each SCAN */
#define REDIS_MAX_SCANS		1000		/* SCAN round trips per pattern */
/*
 * Every reply is bounded while it is read, not after: hiredis 0.14 (what
 * Debian ships; its reader's maxbuf only says when to free an idle buffer,
 * and maxelements came with 1.0) would buffer a declared 1 GB bulk whole
 * and allocate a declared 100M-element array at its header. So topo keeps
 * hiredis' parser (no hand-written RESP) and bounds it from outside: the
 * bytes buffered are checked after every read, and the array constructor
 * (hiredis' own, through redisReplyObjectFunctions) refuses an array past
 * the element budget before anything is allocated. A reply past either is
 * an error; the connection is dropped.
 */
#define REDIS_MAX_REPLY_BYTES	(16 * 1024 * 1024)	/* buffered per reply */
#define REDIS_MAX_ELEMENTS	200000	/* array elements per reply, nested too */

/* The only commands topo ever sends to Redis: all of them read. */
static const struct {
	const char	*name;
	const char	*subcommand;	/* NULL: any arguments */
} redis_readonly[] = {
	{ "AUTH", NULL },
	{ "SELECT", NULL },
	{ "PING", NULL },
	{ "INFO", NULL },
	{ "TYPE", NULL },
	{ "EXISTS", NULL },
	{ "XLEN", NULL },
	{ "ZCARD", NULL },
	{ "HLEN", NULL },
	{ "LLEN", NULL },
	{ "SCARD", NULL },
	{ "STRLEN", NULL },
	{ "XINFO", "GROUPS" },
	{ "SCAN", NULL },
};

/* The size command of each type Redis reports. */
static const struct {
	const char	*type;
	const char	*command;
} redis_sizes[] = {
	{ "string", "STRLEN" },
	{ "hash", "HLEN" },
	{ "list", "LLEN" },
	{ "set", "SCARD" },
	{ "zset", "ZCARD" },
	{ "stream", "XLEN" },
};

enum redis_role {
	REDIS_PING,
	REDIS_INFO,
	REDIS_KEY,
	REDIS_PATTERN,
};

/* Where and how to connect; every check carries a copy. */
struct redis_server {
	char	*host;
	int	 port;
	int	 db;
	char	*user;		/* ACL user, or NULL */
	char	*password;	/* a secret, or NULL */
	int	 tls;		/* rediss:// */
	int	 timeout_ms;	/* 0: the checks' own */
};

struct redis_config {
	enum redis_role		 role;
	struct redis_server	 server;
	char			*name;		/* key or pattern */
	char			**fields;	/* REDIS_INFO: INFO fields to keep */
	size_t			 nfields;
	char			**groups;	/* REDIS_KEY: stream groups declared */
	size_t			 ngroups;
	long long		 min_count;	/* REDIS_PATTERN, -1 none */
	long long		 max_count;
};

static const char *const redis_types[] = {
	"string", "hash", "list", "set", "zset", "stream", NULL
};

static const struct schema redis_group_schema[] = {
	{ .key = "max_pending", .type = SCHEMA_INT, .min = 0, .max = 1LL << 62,
	  .help = "most entries delivered but not acknowledged" },
	{ .key = "min_consumers", .type = SCHEMA_INT, .min = 0, .max = 1LL << 62,
	  .help = "fewest consumers in the group" },
	{ .key = NULL },
};

static const struct schema redis_groups_entry[] = {
	{ .key = "group", .type = SCHEMA_MAP, .children = redis_group_schema,
	  .help = "{max_pending, min_consumers}" },
	{ .key = NULL },
};

static const struct schema redis_key_schema[] = {
	{ .key = "key", .type = SCHEMA_STRING,
	  .help = "a key that must exist (or, with absent: true, must not)" },
	{ .key = "pattern", .type = SCHEMA_STRING,
	  .help = "a glob counted with SCAN MATCH (instead of key)" },
	{ .key = "type", .type = SCHEMA_CHOICE, .choices = redis_types,
	  .help = "the key's TYPE" },
	{ .key = "absent", .type = SCHEMA_BOOL, .def = "false",
	  .help = "the key must not exist" },
	{ .key = "optional", .type = SCHEMA_BOOL, .def = "false",
	  .help = "the key may be absent (a sorted set deleted when empty); if present, type, lengths and groups hold" },
	{ .key = "min_length", .type = SCHEMA_INT, .min = 0, .max = 1LL << 62,
	  .help = "smallest size (XLEN, ZCARD, HLEN, LLEN, SCARD, STRLEN)" },
	{ .key = "max_length", .type = SCHEMA_INT, .min = 0, .max = 1LL << 62,
	  .help = "largest size" },
	{ .key = "groups", .type = SCHEMA_DICT, .children = redis_groups_entry,
	  .help = "stream consumer groups: {NAME: {max_pending: N}}" },
	{ .key = "min_count", .type = SCHEMA_INT, .min = 0, .max = 1LL << 62,
	  .help = "pattern: fewest matching keys (default 1)" },
	{ .key = "max_count", .type = SCHEMA_INT, .min = 0, .max = 1LL << 62,
	  .help = "pattern: most matching keys" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema redis_keys_entry[] = {
	{ .key = "key", .type = SCHEMA_MAP, .children = redis_key_schema,
	  .help = "{key, type, ...} or {pattern, min_count}" },
	{ .key = NULL },
};

static const struct schema redis_expect_entry[] = {
	{ .key = "value", .type = SCHEMA_STRING,
	  .help = "INFO field: value (a pattern when it starts with ^; version is always one)" },
	{ .key = NULL },
};

static const struct schema redis_section_schema[] = {
	{ .key = "url", .type = SCHEMA_STRING, .def = REDIS_DEFAULT_URL,
	  .help = "redis://[user:password@]host:port[/db] (rediss:// for TLS)" },
	{ .key = "password", .type = SCHEMA_STRING,
	  .help = "the password (a secret), instead of the URL's" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "connect and reply timeout" },
	{ .key = "expect", .type = SCHEMA_DICT, .children = redis_expect_entry,
	  .help = "INFO checks: {version: \"^7\\\\.\", role: master, aof_enabled: \"1\"}" },
	{ .key = "keys", .type = SCHEMA_LIST, .children = redis_keys_entry,
	  .help = "keys and patterns" },
	{ .key = NULL },
};

static const struct schema redis_schema = {
	.key = "redis", .type = SCHEMA_MAP, .children = redis_section_schema,
	.help = "Redis: PING, INFO, keys (TYPE, sizes, stream groups), SCAN patterns",
};

/* ---- configuration ---- */

static void
redis_server_free(struct redis_server *s)
{
	free(s->host);
	free(s->user);
	if (s->password != NULL) {
		/* Not for secrecy against this process: it keeps heaps clean. */
		memset(s->password, 0, strlen(s->password));
		free(s->password);
	}
}

static void
redis_server_copy(struct redis_server *to, const struct redis_server *from)
{
	*to = *from;
	to->host = from->host != NULL ? xstrdup(from->host) : NULL;
	to->user = from->user != NULL ? xstrdup(from->user) : NULL;
	to->password = from->password != NULL ? xstrdup(from->password) : NULL;
}

static void
redis_free_config(void *p)
{
	struct redis_config	*rc = p;
	size_t			 i;

	if (rc == NULL)
		return;
	redis_server_free(&rc->server);
	free(rc->name);
	for (i = 0; i < rc->nfields; i++)
		free(rc->fields[i]);
	free(rc->fields);
	for (i = 0; i < rc->ngroups; i++)
		free(rc->groups[i]);
	free(rc->groups);
	free(rc);
}

/*
 * redis://[[user]:password@]host[:port][/db], rediss:// for TLS, parsed by
 * libcurl's URL API (util/url.c) like every URL of topo. Userinfo without a
 * colon is the password, as redis-cli reads it. 0, or -1 with *cause
 * (which never quotes the URL: it may hold the password).
 */
static int
redis_parse_url(const char *url, struct redis_server *s, char **cause)
{
	struct url	 u;
	char		*endp, *why = NULL;
	long		 v;

	memset(s, 0, sizeof s[0]);
	if (!util_starts_with(url, "redis://") && !util_starts_with(url, "rediss://")) {
		*cause = xstrdup("url: expected redis://host:port or rediss://host:port");
		return -1;
	}
	if (url_parse(url, &u, &why) != 0) {
		*cause = xasprintf("url: %s", why);
		free(why);
		return -1;
	}
	s->tls = strcmp(u.scheme, "rediss") == 0;
	if (u.password != NULL) {
		s->user = u.user;
		s->password = u.password;
	} else
		s->password = u.user;	/* redis://secret@host */
	u.user = u.password = NULL;
	s->host = xstrdup(u.host != NULL ? u.host : "127.0.0.1");
	s->port = u.port != 0 ? u.port : 6379;
	if (strcmp(u.path, "/") != 0) {
		v = strtol(u.path + 1, &endp, 10);
		if (endp == u.path + 1 || *endp != '\0' || v < 0 || v > 100000) {
			*cause = xstrdup("url: the database after / must be a number");
			url_free(&u);
			redis_server_free(s);
			memset(s, 0, sizeof s[0]);
			return -1;
		}
		s->db = (int)v;
	}
	url_free(&u);
	return 0;
}

/* The URL as shown: user and password, both secrets (SECURITY.md), are
 * ***@, as url_shown writes every URL. */
static char *
redis_display(const struct redis_server *s)
{
	const char	*ob = strchr(s->host, ':') != NULL ? "[" : "";
	const char	*cb = *ob != '\0' ? "]" : "";
	char		 db[16] = "";

	if (s->db != 0)
		snprintf(db, sizeof db, "/%d", s->db);
	return xasprintf("%s://%s%s%s%s:%d%s", s->tls ? "rediss" : "redis",
	    s->user != NULL || s->password != NULL ? "***@" : "", ob, s->host, cb,
	    s->port, db);
}

static struct redis_config *
redis_config_new(enum redis_role role, const struct redis_server *server,
    const char *name)
{
	struct redis_config	*rc = xcalloc(1, sizeof *rc);

	rc->role = role;
	redis_server_copy(&rc->server, server);
	rc->name = name != NULL ? xstrdup(name) : NULL;
	rc->min_count = rc->max_count = -1;
	return rc;
}

/* INFO checks: version is redis_version as a pattern; a value starting
 * with ^ is a pattern; anything else must be equal. */
/*
 * Edges (topology/causes.c): redis/ping needs the server's TCP port and
 * stands for the server; every other check of the section needs it.
 */
static void
redis_edges(struct check *c, const struct redis_server *s, int ping)
{
	char	*token;

	if (ping) {
		token = causes_tcp(s->host, s->port);
		causes_need(c, "%s", token);
		free(token);
		causes_provide(c, "redis:%s:%d", s->host, s->port);
	} else
		causes_need(c, "redis:%s:%d", s->host, s->port);
}

static void
redis_plan_info(struct plan *p, const struct node *expect,
    const struct redis_server *server)
{
	struct redis_config	*rc;
	struct check		*c;
	const struct node	*k, *v;
	const char		*field;
	size_t			 i;
	enum match		 match;

	c = plan_add(p, &probe_redis, LAYER_LIVE, expect, "redis/info");
	rc = redis_config_new(REDIS_INFO, server, NULL);
	redis_edges(c, server, 0);
	c->config = rc;
	for (i = 0; i < expect->count; i++) {
		k = expect->keys[i];
		v = expect->items[i];
		if (v->type != NODE_SCALAR)
			continue;	/* the schema has said why */
		field = strcmp(k->value, "version") == 0 ? "redis_version" : k->value;
		match = strcmp(k->value, "version") == 0 || v->value[0] == '^' ?
		    MATCH_REGEX : MATCH_EQUALS;
		rc->fields = xreallocarray(rc->fields, rc->nfields + 1,
		    sizeof *rc->fields);
		rc->fields[rc->nfields++] = xstrdup(field);
		plan_expect(p, c, v, field, match, v->value);
	}
	plan_summary(c, "INFO: %zu fields as declared", rc->nfields);
}

static void
redis_plan_key(struct plan *p, const struct node *item,
    const struct redis_server *server)
{
	struct redis_config	*rc;
	struct check		*c;
	const struct node	*groups, *g;
	const char		*key, *type;
	char			*field;
	int			 absent, optional;
	size_t			 i;

	key = node_str(item, "key", NULL);
	type = node_str(item, "type", NULL);
	absent = node_bool(item, "absent", 0);
	optional = node_bool(item, "optional", 0);
	if (absent && optional) {
		problems_add_at(p->problems, node_get(item, "optional"),
		    "redis: absent: true and optional: true contradict each other "
		    "(absent: must not exist; optional: may be absent)");
		return;
	}
	groups = node_get(item, "groups");
	if (absent && (type != NULL || node_get(item, "min_length") != NULL ||
	    node_get(item, "max_length") != NULL || groups != NULL)) {
		problems_add_at(p->problems, item,
		    "redis: absent: true cannot be combined with type, lengths or groups");
		return;
	}
	if (groups != NULL && type != NULL && strcmp(type, "stream") != 0) {
		problems_add_at(p->problems, groups,
		    "redis: groups: only a stream has consumer groups");
		return;
	}
	c = plan_add(p, &probe_redis, LAYER_LIVE, item, "redis/key/%s", key);
	rc = redis_config_new(REDIS_KEY, server, key);
	redis_edges(c, server, 0);
	c->config = rc;
	if (optional)
		plan_expect(p, c, item, "exists", MATCH_ONE_OF, "yes|no");
	else
		plan_expect(p, c, item, "exists", MATCH_EQUALS, absent ? "no" : "yes");
	if (type != NULL)
		plan_expect(p, c, node_get(item, "type"), "type", MATCH_EQUALS, type);
	if (node_get(item, "min_length") != NULL)
		plan_expect(p, c, node_get(item, "min_length"), "length", MATCH_MIN,
		    node_str(item, "min_length", "0"));
	if (node_get(item, "max_length") != NULL)
		plan_expect(p, c, node_get(item, "max_length"), "length", MATCH_MAX,
		    node_str(item, "max_length", "0"));
	for (i = 0; groups != NULL && groups->type == NODE_MAP &&
	    i < groups->count; i++) {
		g = groups->items[i];
		rc->groups = xreallocarray(rc->groups, rc->ngroups + 1,
		    sizeof *rc->groups);
		rc->groups[rc->ngroups++] = xstrdup(groups->keys[i]->value);
		field = xasprintf("group %s", groups->keys[i]->value);
		plan_expect(p, c, groups->keys[i], field, MATCH_EQUALS, "yes");
		free(field);
		if (node_get(g, "max_pending") != NULL) {
			field = xasprintf("group %s pending", groups->keys[i]->value);
			plan_expect(p, c, node_get(g, "max_pending"), field,
			    MATCH_MAX, node_str(g, "max_pending", "0"));
			free(field);
		}
		if (node_get(g, "min_consumers") != NULL) {
			field = xasprintf("group %s consumers",
			    groups->keys[i]->value);
			plan_expect(p, c, node_get(g, "min_consumers"), field,
			    MATCH_MIN, node_str(g, "min_consumers", "0"));
			free(field);
		}
	}
	if (absent)
		plan_summary(c, "key %s is absent", key);
	else if (optional)
		plan_summary(c, "key %s, if present, is%s%s as declared", key,
		    type != NULL ? " a " : "", type != NULL ? type : "");
	else
		plan_summary(c, "key %s exists%s%s", key, type != NULL ? " as a " : "",
		    type != NULL ? type : "");
}

static void
redis_plan_pattern(struct plan *p, const struct node *item,
    const struct redis_server *server)
{
	struct redis_config	*rc;
	struct check		*c;
	const char		*pattern = node_str(item, "pattern", NULL);

	if (node_get(item, "type") != NULL || node_get(item, "groups") != NULL ||
	    node_get(item, "absent") != NULL) {
		problems_add_at(p->problems, item,
		    "redis: a pattern takes min_count / max_count, not type, absent or groups");
		return;
	}
	c = plan_add(p, &probe_redis, LAYER_LIVE, item, "redis/pattern/%s", pattern);
	rc = redis_config_new(REDIS_PATTERN, server, pattern);
	redis_edges(c, server, 0);
	c->config = rc;
	rc->min_count = node_int(item, "min_count", -1);
	rc->max_count = node_int(item, "max_count", -1);
	if (rc->min_count < 0 && rc->max_count < 0)
		rc->min_count = 1;	/* a declared pattern means some keys */
	if (rc->min_count >= 0) {
		char *v = xasprintf("%lld", rc->min_count);

		plan_expect(p, c, item, "count", MATCH_MIN, v);
		free(v);
	}
	if (rc->max_count >= 0)
		plan_expect(p, c, node_get(item, "max_count"), "count", MATCH_MAX,
		    node_str(item, "max_count", "0"));
	plan_summary(c, "keys matching %s counted with SCAN", pattern);
}

static void
redis_plan(struct plan *p, const struct node *section)
{
	const struct node	*url_node, *keys, *item, *expect, *pw;
	struct redis_server	 server;
	struct check		*c;
	char			*cause = NULL, *shown;
	const char		*key, *pattern;
	size_t			 i;

	if (section->type != NODE_MAP)
		return;		/* the schema has said why */
	url_node = node_get(section, "url");
	if (redis_parse_url(node_str(section, "url", REDIS_DEFAULT_URL), &server,
	    &cause) != 0) {
		problems_add_at(p->problems, url_node != NULL ? url_node : section,
		    "redis: %s", cause);
		free(cause);
		return;
	}
	pw = node_get(section, "password");
	if (pw != NULL && pw->type == NODE_SCALAR && !pw->is_null &&
	    pw->value[0] != '\0') {
		free(server.password);
		server.password = xstrdup(pw->value);
	}
	server.timeout_ms = (int)node_int(section, "timeout_ms", 0);
	/* Redacted from everything shown, through the one redaction. */
	topology_add_credentials(p->topology, server.user, server.password);
	shown = redis_display(&server);

	if (url_node != NULL) {
		c = plan_add(p, &probe_redis, LAYER_LIVE, section, "redis/ping");
		c->config = redis_config_new(REDIS_PING, &server, NULL);
		redis_edges(c, &server, 1);
		plan_expect(p, c, url_node, "reply", MATCH_EQUALS, "PONG");
		plan_summary(c, "%s answers PING", shown);
	}
	expect = node_get(section, "expect");
	if (expect != NULL && expect->type == NODE_MAP && expect->count > 0)
		redis_plan_info(p, expect, &server);
	keys = node_get(section, "keys");
	for (i = 0; keys != NULL && keys->type == NODE_SEQ && i < keys->count; i++) {
		item = keys->items[i];
		key = node_str(item, "key", NULL);
		pattern = node_str(item, "pattern", NULL);
		if ((key == NULL) == (pattern == NULL) ||
		    (key != NULL && key[0] == '\0') ||
		    (pattern != NULL && pattern[0] == '\0')) {
			problems_add_at(p->problems, item,
			    "redis: each item of keys needs exactly one of key: or pattern:");
			continue;
		}
		if (key != NULL)
			redis_plan_key(p, item, &server);
		else
			redis_plan_pattern(p, item, &server);
	}
	free(shown);
	redis_server_free(&server);
}

/* ---- the connection ---- */

struct redis_conn {
	redisContext		*ctx;
	const struct redis_server *server;
	const struct topology	*topology;
	char			*shown;		/* the URL without its password */
	int			 pending;	/* replies appended, not yet read */
	double			 deadline;	/* util_now_ms() for SCAN loops */
	int			 timeout_ms;	/* of each read, for messages */
	redisReplyObjectFunctions fns;		/* hiredis' own, bounded */
	struct redis_limits {
		const redisReplyObjectFunctions *orig;
		long long	 elements;	/* of the reply being read */
		long long	 refused;	/* the array that was too large */
	}			 limits;
};

/* hiredis' array constructor within REDIS_MAX_ELEMENTS for the reply. */
static void *
redis_create_array(const redisReadTask *task, int elements)
{
	struct redis_limits	*l = task->privdata;

	if (l == NULL)
		return NULL;
	if (elements > REDIS_MAX_ELEMENTS ||
	    l->elements + elements > REDIS_MAX_ELEMENTS) {
		l->refused = elements;
		return NULL;	/* the reader fails: see redis_read */
	}
	l->elements += elements;
	return l->orig->createArray(task, elements);
}

/* Puts redis_create_array in the connection's reader. */
static void
redis_bound_reader(struct redis_conn *rc)
{
	redisReader	*r = rc->ctx->reader;

	rc->limits.orig = r->fn;
	rc->fns = *r->fn;
	rc->fns.createArray = redis_create_array;
	r->fn = &rc->fns;
	r->privdata = &rc->limits;
}

/*
 * The single way a command reaches Redis. It refuses anything outside
 * redis_readonly[] (checking the subcommand where one is pinned), so no
 * edit elsewhere can make topo write.
 */
int
redis_readonly_allowed(int argc, const char *const *argv)
{
	size_t	i;

	if (argc < 1 || argv[0] == NULL)
		return 0;
	for (i = 0; i < sizeof redis_readonly / sizeof redis_readonly[0]; i++) {
		if (strcasecmp(argv[0], redis_readonly[i].name) != 0)
			continue;
		if (redis_readonly[i].subcommand == NULL)
			return 1;
		return argc >= 2 && argv[1] != NULL &&
		    strcasecmp(argv[1], redis_readonly[i].subcommand) == 0;
	}
	return 0;
}

static int
redis_append(struct redis_conn *rc, int argc, const char **argv, char **cause)
{
	if (!redis_readonly_allowed(argc, argv)) {
		*cause = xasprintf("refused: %.40s%s%.40s is not a read-only command",
		    argc >= 1 ? argv[0] : "(empty)", argc >= 2 ? " " : "",
		    argc >= 2 ? argv[1] : "");
		return -1;
	}
	if (redisAppendCommandArgv(rc->ctx, argc, argv, NULL) != REDIS_OK) {
		*cause = xasprintf("%s: %s", argv[0], rc->ctx->errstr);
		return -1;
	}
	rc->pending++;
	return 0;
}

/* Sets the socket timeouts to what is left before the run's deadline. */
static int
redis_time_left(struct redis_conn *rc, char **cause)
{
	struct timeval	 tv;
	double		 left;

	left = rc->deadline - util_now_ms();
	if (left < 1) {
		*cause = xasprintf("%s: no answer within %d ms", rc->shown, rc->timeout_ms);
		return -1;
	}
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)((long)left % 1000) * 1000;
	if (redisSetTimeout(rc->ctx, tv) != REDIS_OK) {
		*cause = xasprintf("%s: cannot set the timeout", rc->shown);
		return -1;
	}
	return 0;
}

/*
 * Reads the next reply. NULL with *cause when the connection failed or the
 * run's deadline passed. One read at a time, each bounded by the time left:
 * a server answering every reply, or every byte, just in time cannot stretch
 * the checks past their timeout.
 */
static redisReply *
redis_read(struct redis_conn *rc, char **cause)
{
	void	*reply = NULL;
	int	 done = 0;

	if (rc->deadline <= 0)
		rc->deadline = util_now_ms() + rc->timeout_ms;
	while (!done) {
		if (redis_time_left(rc, cause) != 0)
			return NULL;
		if (redisBufferWrite(rc->ctx, &done) != REDIS_OK)
			goto fail;
	}
	rc->limits.elements = 0;
	for (;;) {
		if (redisGetReplyFromReader(rc->ctx, &reply) != REDIS_OK)
			goto fail;
		if (reply != NULL)
			break;
		if (redis_time_left(rc, cause) != 0)
			return NULL;
		if (redisBufferRead(rc->ctx) != REDIS_OK)
			goto fail;
		if (rc->ctx->reader->len - rc->ctx->reader->pos >
		    REDIS_MAX_REPLY_BYTES) {
			*cause = xasprintf("%s: a reply larger than %d MiB, refused",
			    rc->shown, REDIS_MAX_REPLY_BYTES / (1024 * 1024));
			return NULL;
		}
	}
	rc->pending--;
	return reply;
fail:
	if (rc->limits.refused != 0) {
		*cause = xasprintf("%s: a reply of more than %d array elements "
		    "(one declares %lld), refused", rc->shown, REDIS_MAX_ELEMENTS,
		    rc->limits.refused);
		return NULL;
	}
	/* A read past the socket timeout fails with EAGAIN's text: say what it means. */
	if (rc->ctx->err == REDIS_ERR_IO && strcmp(rc->ctx->errstr, strerror(EAGAIN)) == 0)
		*cause = xasprintf("%s: no answer within %d ms", rc->shown, rc->timeout_ms);
	else
		*cause = xasprintf("%s: %s", rc->shown,
		    rc->ctx->errstr[0] != '\0' ? rc->ctx->errstr : "connection lost");
	return NULL;
}

/* Anything shown passes the one redaction (the planner added the URL's
 * user and password and password: to the topology's secrets). */
static char *
redis_clean(const struct redis_conn *rc, const char *text)
{
	return topology_redact(rc->topology, text);
}

/* redis_clean of the formatted text. Caller frees. */
static char *
redis_vclean(const struct redis_conn *rc, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static char *
redis_vclean(const struct redis_conn *rc, const char *fmt, va_list ap)
{
	char	*msg, *clean;

	msg = xvasprintf(fmt, ap);
	clean = redis_clean(rc, msg);
	free(msg);
	return clean;
}

static void
redis_fail(const struct redis_conn *rc, struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
redis_fail(const struct redis_conn *rc, struct check *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*clean;

	va_start(ap, fmt);
	clean = redis_vclean(rc, fmt, ap);
	va_end(ap);
	observation_error(&c->observation, "%s", clean);
	free(clean);
}

static void
redis_evidence(const struct redis_conn *rc, struct check *c, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
redis_evidence(const struct redis_conn *rc, struct check *c, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*clean;

	va_start(ap, fmt);
	clean = redis_vclean(rc, fmt, ap);
	va_end(ap);
	observation_evidence(&c->observation, "%s", clean);
	free(clean);
}

/* A reply's text for messages: errors and statuses as they are, capped. */
static char *
redis_reply_text(const redisReply *r)
{
	switch (r->type) {
	case REDIS_REPLY_ERROR:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_STRING:
		return xasprintf("%.200s", r->str != NULL ? r->str : "");
	case REDIS_REPLY_INTEGER:
		return xasprintf("%lld", r->integer);
	case REDIS_REPLY_NIL:
		return xstrdup("(nil)");
	case REDIS_REPLY_ARRAY:
		return xasprintf("(an array of %zu)", r->elements);
	}
	return xstrdup("(unknown reply)");
}

/* Connects, authenticates and selects the database. 0, or -1 with *cause. */
static int
redis_open(struct redis_conn *rc, int timeout_ms, char **cause)
{
	const struct redis_server *s = rc->server;
	struct timeval	 tv;
	redisReply	*r = NULL;
	const char	*argv[3];
	char		 db[16], *text;
	int		 argc;

	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	rc->timeout_ms = timeout_ms;
	rc->ctx = redisConnectWithTimeout(s->host, s->port, tv);
	if (rc->ctx == NULL) {
		*cause = xasprintf("%s: cannot allocate a connection", rc->shown);
		return -1;
	}
	if (rc->ctx->err) {
		*cause = xasprintf("%s: %s", rc->shown, rc->ctx->errstr);
		return -1;
	}
	if (redisSetTimeout(rc->ctx, tv) != REDIS_OK) {
		*cause = xasprintf("%s: cannot set the timeout", rc->shown);
		return -1;
	}
	redis_bound_reader(rc);
	if (s->password != NULL) {
		argc = 0;
		argv[argc++] = "AUTH";
		if (s->user != NULL)
			argv[argc++] = s->user;
		argv[argc++] = s->password;
		if (redis_append(rc, argc, argv, cause) != 0)
			return -1;
	}
	if (s->db != 0) {
		snprintf(db, sizeof db, "%d", s->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (redis_append(rc, 2, argv, cause) != 0)
			return -1;
	}
	while (rc->pending > 0) {
		if ((r = redis_read(rc, cause)) == NULL)
			return -1;
		if (r->type == REDIS_REPLY_ERROR) {
			text = redis_reply_text(r);
			*cause = xasprintf("%s: %s", rc->shown, text);
			free(text);
			freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	return 0;
}

/* ---- observing ---- */

/* One field "name:value" out of INFO's text, or NULL. Caller frees. */
static char *
redis_info_field(const char *info, const char *field)
{
	const char	*p = info, *eol;
	size_t		 n = strlen(field);

	while (*p != '\0') {
		eol = p + strcspn(p, "\r\n");
		if ((size_t)(eol - p) > n && strncmp(p, field, n) == 0 && p[n] == ':')
			return xstrndup(p + n + 1, (size_t)(eol - p - n - 1));
		p = eol + strspn(eol, "\r\n");
	}
	return NULL;
}

static void
redis_observe_info(struct redis_conn *rc, struct check *c, redisReply *r)
{
	const struct redis_config *cfg = c->config;
	static const char *const shown[] = { "redis_version", "role", "aof_enabled" };
	struct buf	 ev;
	char		*v;
	size_t		 i;

	if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) {
		v = redis_reply_text(r);
		redis_fail(rc, c, "INFO: %s", v);
		free(v);
		return;
	}
	buf_init(&ev, 4096);
	buf_printf(&ev, "%s INFO:", rc->shown);
	for (i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		v = redis_info_field(r->str, shown[i]);
		observation_fact(&c->observation, shown[i], v);
		if (v != NULL)
			buf_printf(&ev, " %s=%s", shown[i], v);
		free(v);
	}
	for (i = 0; i < cfg->nfields; i++) {
		if (observation_get(&c->observation, cfg->fields[i]) != NULL)
			continue;
		v = redis_info_field(r->str, cfg->fields[i]);
		observation_fact(&c->observation, cfg->fields[i], v);
		buf_printf(&ev, " %s=%s", cfg->fields[i], v != NULL ? v : "(none)");
		free(v);
	}
	redis_evidence(rc, c, "%s", buf_str(&ev));
	buf_free(&ev);
}

static const char *
redis_size_command(const char *type)
{
	size_t	i;

	for (i = 0; i < sizeof redis_sizes / sizeof redis_sizes[0]; i++)
		if (strcmp(redis_sizes[i].type, type) == 0)
			return redis_sizes[i].command;
	return NULL;
}

/* The value of name in an XINFO GROUPS entry (a flat name/value array). */
static const redisReply *
redis_entry_get(const redisReply *entry, const char *name)
{
	size_t	i;

	if (entry->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < entry->elements; i += 2) {
		if (entry->element[i]->type == REDIS_REPLY_STRING ||
		    entry->element[i]->type == REDIS_REPLY_STATUS) {
			if (strcmp(entry->element[i]->str, name) == 0)
				return entry->element[i + 1];
		}
	}
	return NULL;
}

/* Facts "group NAME", "group NAME pending", "group NAME consumers". */
static int
redis_observe_groups(struct redis_conn *rc, struct check *c, redisReply *r,
    struct buf *ev)
{
	const struct redis_config *cfg = c->config;
	const redisReply	*name, *pending, *consumers, *entry;
	char			*field, *text;
	size_t			 i, k;
	int			 found;

	if (r->type != REDIS_REPLY_ARRAY) {
		text = redis_reply_text(r);
		redis_fail(rc, c, "XINFO GROUPS %s: %s", cfg->name, text);
		free(text);
		return -1;
	}
	for (k = 0; k < cfg->ngroups; k++) {
		found = 0;
		/* Every entry: the reader bounded the reply, and absence
		 * judged from part of it would be false drift. */
		for (i = 0; i < r->elements; i++) {
			entry = r->element[i];
			name = redis_entry_get(entry, "name");
			if (name == NULL || name->str == NULL ||
			    strcmp(name->str, cfg->groups[k]) != 0)
				continue;
			found = 1;
			pending = redis_entry_get(entry, "pending");
			consumers = redis_entry_get(entry, "consumers");
			field = xasprintf("group %s pending", cfg->groups[k]);
			if (pending != NULL && pending->type == REDIS_REPLY_INTEGER)
				observation_factf(&c->observation, field, "%lld",
				    pending->integer);
			free(field);
			field = xasprintf("group %s consumers", cfg->groups[k]);
			if (consumers != NULL &&
			    consumers->type == REDIS_REPLY_INTEGER)
				observation_factf(&c->observation, field, "%lld",
				    consumers->integer);
			free(field);
			buf_printf(ev, "; group %s: %lld pending, %lld consumers",
			    cfg->groups[k], pending != NULL ? pending->integer : -1,
			    consumers != NULL ? consumers->integer : -1);
			break;
		}
		field = xasprintf("group %s", cfg->groups[k]);
		observation_fact(&c->observation, field, found ? "yes" : "no");
		free(field);
		if (!found)
			buf_printf(ev, "; no group %s", cfg->groups[k]);
	}
	return 0;
}

/*
 * Keys: one pipeline of TYPE for every key, then one of the size command
 * (and XINFO GROUPS) for those that exist. A failed connection ends every
 * unfinished key check with its reason.
 */
static void
redis_observe_keys(struct redis_conn *rc, struct check **keys, size_t n)
{
	redisReply	**types, *r;
	const struct redis_config *cfg;
	const char	*argv[3], *cmd;
	char		*cause = NULL, *text;
	struct buf	*ev;
	int		*done, *asked_size, *asked_groups;
	size_t		 i;

	if (n == 0)
		return;
	types = xcalloc(n, sizeof *types);
	done = xcalloc(n, sizeof *done);
	asked_size = xcalloc(n, sizeof *asked_size);
	asked_groups = xcalloc(n, sizeof *asked_groups);
	ev = xcalloc(n, sizeof *ev);

	for (i = 0; i < n; i++) {
		cfg = keys[i]->config;
		argv[0] = "TYPE";
		argv[1] = cfg->name;
		if (redis_append(rc, 2, argv, &cause) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		if ((types[i] = redis_read(rc, &cause)) == NULL)
			goto fail;
	}

	for (i = 0; i < n; i++) {
		cfg = keys[i]->config;
		buf_init(&ev[i], 8192);
		r = types[i];
		if (r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_STRING) {
			text = redis_reply_text(r);
			redis_fail(rc, keys[i], "TYPE %s: %s", cfg->name, text);
			free(text);
			done[i] = 1;
			continue;
		}
		buf_printf(&ev[i], "%s: TYPE %s -> %s", rc->shown, cfg->name, r->str);
		if (strcmp(r->str, "none") == 0) {
			observation_fact(&keys[i]->observation, "exists", "no");
			done[i] = 1;
			continue;
		}
		observation_fact(&keys[i]->observation, "exists", "yes");
		observation_fact(&keys[i]->observation, "type", r->str);
		if ((cmd = redis_size_command(r->str)) != NULL) {
			argv[0] = cmd;
			argv[1] = cfg->name;
			if (redis_append(rc, 2, argv, &cause) != 0)
				goto fail;
			asked_size[i] = 1;
		}
		if (cfg->ngroups > 0 && strcmp(r->str, "stream") == 0) {
			argv[0] = "XINFO";
			argv[1] = "GROUPS";
			argv[2] = cfg->name;
			if (redis_append(rc, 3, argv, &cause) != 0)
				goto fail;
			asked_groups[i] = 1;
		}
	}
	/* Replies come back in the order asked. */
	for (i = 0; i < n; i++) {
		cfg = keys[i]->config;
		if (asked_size[i]) {
			if ((r = redis_read(rc, &cause)) == NULL)
				goto fail;
			if (r->type == REDIS_REPLY_INTEGER) {
				observation_factf(&keys[i]->observation, "length",
				    "%lld", r->integer);
				buf_printf(&ev[i], "; %s -> %lld",
				    redis_size_command(types[i]->str), r->integer);
			} else if (!done[i]) {
				text = redis_reply_text(r);
				redis_fail(rc, keys[i], "%s %s: %s",
				    redis_size_command(types[i]->str), cfg->name, text);
				free(text);
				done[i] = 1;
			}
			freeReplyObject(r);
		}
		if (asked_groups[i]) {
			if ((r = redis_read(rc, &cause)) == NULL)
				goto fail;
			if (!done[i] && redis_observe_groups(rc, keys[i], r, &ev[i]) != 0)
				done[i] = 1;
			freeReplyObject(r);
		}
		if (keys[i]->observation.state != OBSERVATION_ERROR)
			redis_evidence(rc, keys[i], "%s", buf_str(&ev[i]));
		done[i] = 1;
	}
	goto out;
fail:
	for (i = 0; i < n; i++) {
		if (!done[i] && keys[i]->observation.state != OBSERVATION_ERROR)
			redis_fail(rc, keys[i], "%s", cause);
	}
out:
	free(cause);
	for (i = 0; i < n; i++) {
		if (types[i] != NULL)
			freeReplyObject(types[i]);
		buf_free(&ev[i]);
	}
	free(types);
	free(done);
	free(asked_size);
	free(asked_groups);
	free(ev);
}

/*
 * SCAN may return a key more than once (while the table is rehashed), so
 * keys are counted by a 64-bit hash of their name, sorted and made unique.
 * Past REDIS_MAX_HASHES names the raw count is given, marked as such.
 */
#define REDIS_MAX_HASHES	200000

struct redis_keyset {
	unsigned long long	*hashes;
	size_t			 n;
	size_t			 alloc;
	long long		 raw;		/* every name returned */
	int			 overflow;	/* past REDIS_MAX_HASHES */
};

static unsigned long long
redis_hash(const char *s, size_t len)
{
	unsigned long long	h = 1469598103934665603ULL;	/* FNV-1a */
	size_t			i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int
redis_hash_cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void
redis_keyset_add(struct redis_keyset *k, const redisReply *name)
{
	k->raw++;
	if (k->overflow || name->type != REDIS_REPLY_STRING)
		return;
	if (k->n == REDIS_MAX_HASHES) {
		k->overflow = 1;
		return;
	}
	if (k->n == k->alloc) {
		k->alloc = k->alloc == 0 ? 256 : k->alloc * 2;
		k->hashes = xreallocarray(k->hashes, k->alloc, sizeof *k->hashes);
	}
	k->hashes[k->n++] = redis_hash(name->str, name->len);
}

/* Distinct names so far (sorting in place), or the raw count past the cap. */
static long long
redis_keyset_count(struct redis_keyset *k)
{
	size_t	i, u = 0;

	if (k->overflow)
		return k->raw;
	if (k->n == 0)		/* hashes is still NULL: qsort must not see it */
		return 0;
	qsort(k->hashes, k->n, sizeof *k->hashes, redis_hash_cmp);
	for (i = 0; i < k->n; i++)
		if (i == 0 || k->hashes[i] != k->hashes[u - 1])
			k->hashes[u++] = k->hashes[i];
	k->n = u;
	return (long long)u;
}

/* Counts keys matching the pattern with SCAN, bounded in round trips and time. */
static void
redis_observe_pattern(struct redis_conn *rc, struct check *c)
{
	const struct redis_config *cfg = c->config;
	struct redis_keyset	 keys;
	redisReply	*r = NULL;
	const char	*argv[6];
	char		*cursor = xstrdup("0"), *cause = NULL, *text;
	long long	 count = 0;
	size_t		 i;
	int		 scans = 0, finished = 0, over = 0;

	memset(&keys, 0, sizeof keys);
	do {
		argv[0] = "SCAN";
		argv[1] = cursor;
		argv[2] = "MATCH";
		argv[3] = cfg->name;
		argv[4] = "COUNT";
		argv[5] = REDIS_SCAN_COUNT;
		if (redis_append(rc, 6, argv, &cause) != 0 ||
		    (r = redis_read(rc, &cause)) == NULL) {
			redis_fail(rc, c, "%s", cause);
			goto out;
		}
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			text = redis_reply_text(r);
			redis_fail(rc, c, "SCAN MATCH %s: %s", cfg->name, text);
			free(text);
			goto out;
		}
		for (i = 0; i < r->element[1]->elements; i++)
			redis_keyset_add(&keys, r->element[1]->element[i]);
		free(cursor);
		cursor = xstrdup(r->element[0]->str);
		freeReplyObject(r);
		r = NULL;
		scans++;
		finished = strcmp(cursor, "0") == 0;
		/* Past the maximum, the verdict is known: stop early. */
		if (cfg->max_count >= 0 && keys.raw > cfg->max_count &&
		    redis_keyset_count(&keys) > cfg->max_count) {
			over = 1;
			break;
		}
	} while (!finished && scans < REDIS_MAX_SCANS && util_now_ms() < rc->deadline);

	count = redis_keyset_count(&keys);
	if (!finished && !over &&
	    !(cfg->max_count < 0 && cfg->min_count >= 0 && count >= cfg->min_count)) {
		redis_fail(rc, c, "SCAN MATCH %s did not finish: %d scans, %lld keys so far",
		    cfg->name, scans, count);
		goto out;
	}
	observation_factf(&c->observation, "count", "%lld", count);
	redis_evidence(rc, c, "%s: SCAN MATCH %s COUNT %s -> %s%lld keys%s in %d scans",
	    rc->shown, cfg->name, REDIS_SCAN_COUNT, finished ? "" : "at least ",
	    count, keys.overflow ? " (not deduplicated)" : "", scans);
out:
	if (r != NULL)
		freeReplyObject(r);
	free(keys.hashes);
	free(cause);
	free(cursor);
}

static void
redis_run(struct batch *b)
{
	struct redis_conn	 rc;
	const struct redis_config *cfg;
	struct check		*c, **keys, *ping = NULL, *info = NULL;
	redisReply		*r;
	const char		*argv[2];
	char			*cause = NULL, *text;
	size_t			 i, nkeys = 0;
	int			 timeout_ms = 0;

	memset(&rc, 0, sizeof rc);
	keys = xcalloc(b->count + 1, sizeof *keys);
	for (i = 0; i < b->count; i++) {
		c = b->checks[i];
		if ((cfg = c->config) == NULL) {
			observation_error(&c->observation, "not planned");
			continue;
		}
		if (rc.server == NULL)
			rc.server = &cfg->server;
		if (c->timeout_ms > timeout_ms)
			timeout_ms = c->timeout_ms;
		if (cfg->role == REDIS_PING)
			ping = c;
		else if (cfg->role == REDIS_INFO)
			info = c;
		else if (cfg->role == REDIS_KEY)
			keys[nkeys++] = c;
	}
	if (rc.server == NULL)
		goto done;
	if (rc.server->timeout_ms > 0)
		timeout_ms = rc.server->timeout_ms;
	if (timeout_ms <= 0)
		timeout_ms = PLAN_DEFAULT_TIMEOUT_MS;
	rc.topology = b->topology;
	rc.shown = redis_display(rc.server);
	rc.deadline = util_now_ms() + timeout_ms;

	if (rc.server->tls) {
		for (i = 0; i < b->count; i++) {
			if (b->checks[i]->observation.state == OBSERVATION_NONE)
				observation_unknown(&b->checks[i]->observation,
				    "%s: TLS (rediss://) needs hiredis with SSL, "
				    "which this build of topo does not have", rc.shown);
		}
		goto done;
	}
	if (redis_open(&rc, timeout_ms, &cause) != 0)
		goto fail_all;

	/* PING and INFO in one round trip. */
	if (ping != NULL) {
		argv[0] = "PING";
		if (redis_append(&rc, 1, argv, &cause) != 0)
			goto fail_all;
	}
	if (info != NULL) {
		argv[0] = "INFO";
		if (redis_append(&rc, 1, argv, &cause) != 0)
			goto fail_all;
	}
	if (ping != NULL) {
		if ((r = redis_read(&rc, &cause)) == NULL)
			goto fail_all;
		text = redis_reply_text(r);
		if (r->type == REDIS_REPLY_ERROR)
			redis_fail(&rc, ping, "PING: %s", text);
		else {
			observation_fact(&ping->observation, "reply", text);
			redis_evidence(&rc, ping, "%s: PING -> %s", rc.shown, text);
		}
		free(text);
		freeReplyObject(r);
		batch_done(b, ping);
	}
	if (info != NULL) {
		if ((r = redis_read(&rc, &cause)) == NULL)
			goto fail_all;
		redis_observe_info(&rc, info, r);
		freeReplyObject(r);
		batch_done(b, info);
	}
	redis_observe_keys(&rc, keys, nkeys);
	for (i = 0; i < nkeys; i++)
		batch_done(b, keys[i]);
	for (i = 0; i < b->count && !batch_cancelled(b); i++) {
		c = b->checks[i];
		cfg = c->config;
		if (cfg == NULL || cfg->role != REDIS_PATTERN)
			continue;
		redis_observe_pattern(&rc, c);
		batch_done(b, c);
	}
	goto done;

fail_all:
	/* Connection refused, timeout, NOAUTH: every unfinished check says why. */
	for (i = 0; i < b->count; i++) {
		c = b->checks[i];
		if (c->observation.state == OBSERVATION_NONE)
			redis_fail(&rc, c, "%s", cause);
	}
done:
	for (i = 0; i < b->count && !batch_cancelled(b); i++) {
		c = b->checks[i];
		if (c->result.status == STATUS_RUNNING ||
		    c->result.status == STATUS_PENDING)
			batch_done(b, c);
	}
	if (rc.ctx != NULL)
		redisFree(rc.ctx);
	free(rc.shown);
	free(cause);
	free(keys);
}

const struct probe_ops probe_redis = {
	.name = "redis",
	.help = "Redis: PING, INFO, keys (TYPE, sizes, stream groups), SCAN patterns",
	.schema = &redis_schema,
	.plan = redis_plan,
	.run = redis_run,
	.free_config = redis_free_config,
};
