/*
 * caddy.c: the `caddy:` section. Each declared route (site, path, upstream)
 * is checked against the Caddyfile of the repository (static, the hand
 * parser in caddyfile.c) and against the running Caddy (live, one GET of
 * ADMIN/config/ per run, walked by the same module), so drift shows in both
 * directions: a declared route not found is missing, found with another
 * upstream is changed, and a route Caddy has that the topology does not
 * declare is extra (unless `extra: false`).
 *
 * Two checks carry the sources themselves: caddy/caddyfile (the file
 * exists and parses) and caddy/admin (the admin API answers). They are also
 * what undeclared routes are reported through.
 *
 * Ids: caddy/<site><path> (live), caddy/<site><path>/caddyfile (static),
 * with site normalised ("localhost:8443", "example.com:443", ":7000").
 */
#include "probe.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/exec.h"
#include "../util/util.h"
#include "caddyfile.h"
#include "textfile.h"

/* Most bytes of /config/ read: a large multi-site config is well under it. */
#define CADDY_MAX_CONFIG	(8 * 1024 * 1024)

enum caddy_role {
	CADDY_ROUTE,		/* one declared route */
	CADDY_FILE,		/* caddy/caddyfile */
	CADDY_ADMIN,		/* caddy/admin */
};

struct caddy_key {
	char	*site;		/* normalised */
	char	*path;		/* "" for none */
};

/* Every check carries the whole section it needs: checks are run (and
 * filtered) one by one, but extras are judged against every declared route. */
struct caddy_config {
	enum caddy_role	 role;
	char		*site;		/* CADDY_ROUTE */
	char		*path;
	char		*upstream;	/* normalised, space-separated */
	char		*caddyfile;	/* resolved path, or NULL */
	char		*admin;		/* base URL, or NULL */
	int		 extra;
	int		 adapt;		/* CADDY_FILE: cross-check with `caddy adapt` */
	struct caddy_key *declared;
	size_t		 ndeclared;
};

static const struct schema caddy_route_schema[] = {
	{ .key = "site", .type = SCHEMA_STRING, .required = 1,
	  .help = "site address: host:port, :port, or scheme://host[:port]" },
	{ .key = "path", .type = SCHEMA_STRING,
	  .help = "path matcher of the route (/webhooks/*); none for the fallback" },
	{ .key = "to", .type = SCHEMA_STRING, .required = 1,
	  .help = "the reverse_proxy upstream(s), space-separated: localhost:8288" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema caddy_routes_entry[] = {
	{ .key = "route", .type = SCHEMA_MAP, .children = caddy_route_schema,
	  .help = "{site, path, to}" },
	{ .key = NULL },
};

static const struct schema caddy_section_schema[] = {
	{ .key = "caddyfile", .type = SCHEMA_STRING,
	  .help = "the Caddyfile of the repository (static checks)" },
	{ .key = "admin", .type = SCHEMA_STRING,
	  .help = "Caddy's admin API, http://localhost:2019 (live checks)" },
	{ .key = "extra", .type = SCHEMA_BOOL, .def = "true",
	  .help = "report routes Caddy has that the topology does not declare" },
	{ .key = "adapt", .type = SCHEMA_BOOL, .def = "false",
	  .help = "cross-check the hand parser with `caddy adapt` ($TOPO_CADDY "
	  "or caddy in PATH; costs a Go program's start, ~20 ms)" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "timeout of the admin API request" },
	{ .key = "routes", .type = SCHEMA_LIST, .children = caddy_routes_entry,
	  .help = "reverse-proxy routes: {site, path, to}" },
	{ .key = NULL },
};

static const struct schema caddy_schema = {
	.key = "caddy", .type = SCHEMA_MAP, .children = caddy_section_schema,
	.help = "Caddy reverse-proxy routes: the Caddyfile and the admin API",
};

static void
caddy_free_config(void *p)
{
	struct caddy_config	*cc = p;
	size_t			 i;

	if (cc == NULL)
		return;
	free(cc->site);
	free(cc->path);
	free(cc->upstream);
	free(cc->caddyfile);
	free(cc->admin);
	for (i = 0; i < cc->ndeclared; i++) {
		free(cc->declared[i].site);
		free(cc->declared[i].path);
	}
	free(cc->declared);
	free(cc);
}

/* "localhost:2019" (as in Caddy's own `admin` option) gets http:// in front. */
static char *
caddy_admin_url(const char *admin)
{
	char	*url;
	size_t	 len;

	if (strstr(admin, "://") != NULL)
		url = xstrdup(admin);
	else
		url = xasprintf("http://%s", admin);
	len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	return url;
}

/* Space-separated upstreams, each normalised. */
static char *
caddy_upstreams(const char *to)
{
	struct buf	 b;
	char		*copy, *word, *save = NULL, *norm;

	buf_init(&b, 0);
	copy = xstrdup(to);
	for (word = strtok_r(copy, " \t,", &save); word != NULL;
	    word = strtok_r(NULL, " \t,", &save)) {
		norm = caddyfile_upstream(word);
		buf_printf(&b, "%s%s", b.len > 0 ? " " : "", norm);
		free(norm);
	}
	free(copy);
	return buf_steal(&b);
}

/* A route needs each TCP upstream it proxies to (topology/causes.c). */
static void
caddy_edges(struct check *c, const char *upstreams)
{
	char	*copy = xstrdup(upstreams), *word, *save = NULL, *token;

	for (word = strtok_r(copy, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save)) {
		if ((token = causes_address(word)) != NULL)
			causes_need(c, "%s", token);
		free(token);
	}
	free(copy);
}

static struct caddy_config *
caddy_config_new(enum caddy_role role, const char *caddyfile, const char *admin,
    int extra, const struct caddy_key *declared, size_t ndeclared)
{
	struct caddy_config	*cc = xcalloc(1, sizeof *cc);
	size_t			 i;

	cc->role = role;
	cc->caddyfile = caddyfile != NULL ? xstrdup(caddyfile) : NULL;
	cc->admin = admin != NULL ? xstrdup(admin) : NULL;
	cc->extra = extra;
	cc->declared = xcalloc(ndeclared + 1, sizeof *cc->declared);
	for (i = 0; i < ndeclared; i++) {
		cc->declared[i].site = xstrdup(declared[i].site);
		cc->declared[i].path = xstrdup(declared[i].path);
	}
	cc->ndeclared = ndeclared;
	return cc;
}

static void
caddy_plan(struct plan *p, const struct node *section)
{
	const struct node	*routes, *item, *file_node;
	struct caddy_key	*declared = NULL;
	struct caddy_config	*cc;
	struct check		*c;
	const char		*admin_raw, *site, *path, *to;
	char			*caddyfile = NULL, *admin = NULL;
	size_t			 i, k, ndeclared = 0;
	int			 extra, layer;

	if (section->type != NODE_MAP)
		return;		/* the schema has said why */
	file_node = node_get(section, "caddyfile");
	/* An empty caddyfile (an unset ${CADDYFILE}) is not read: the
	 * Caddyfile is often the host's, not the repository's, and a static
	 * run on a checkout has none to read. */
	if (file_node != NULL && file_node->type == NODE_SCALAR &&
	    !file_node->is_null && file_node->value[0] != '\0')
		caddyfile = textfile_resolve_at(p->topology, file_node,
		    file_node->value);
	admin_raw = node_str(section, "admin", NULL);
	if (admin_raw != NULL && admin_raw[0] != '\0')
		admin = caddy_admin_url(admin_raw);
	extra = node_bool(section, "extra", 1);
	if (caddyfile == NULL && admin == NULL) {
		problems_add_at(p->problems, section,
		    "caddy: needs caddyfile: (static), admin: (live) or both");
		goto out;
	}

	routes = node_get(section, "routes");
	for (i = 0; routes != NULL && routes->type == NODE_SEQ &&
	    i < routes->count; i++) {
		item = routes->items[i];
		site = node_str(item, "site", NULL);
		if (item->type != NODE_MAP || site == NULL || site[0] == '\0' ||
		    node_str(item, "to", NULL) == NULL) {
			problems_add_at(p->problems, item,
			    "caddy: a route needs site: and to:");
			continue;
		}
		path = node_str(item, "path", "");
		if (path[0] != '\0' && path[0] != '/') {
			problems_add_at(p->problems, node_get(item, "path"),
			    "caddy: a route's path starts with / (as in /webhooks/*)");
			continue;
		}
		declared = xreallocarray(declared, ndeclared + 1, sizeof *declared);
		declared[ndeclared].site = caddyfile_site(site);
		declared[ndeclared].path = xstrdup(node_str(item, "path", ""));
		ndeclared++;
	}

	if (caddyfile != NULL) {
		c = plan_add(p, &probe_caddy, LAYER_STATIC, section, "caddy/caddyfile");
		c->config = caddy_config_new(CADDY_FILE, caddyfile, NULL, extra,
		    declared, ndeclared);
		((struct caddy_config *)c->config)->adapt =
		    node_bool(section, "adapt", 0);
		plan_expect(p, c, file_node, "exists", MATCH_EQUALS, "yes");
		plan_summary(c, "%s exists and parses", caddyfile);
	}
	if (admin != NULL) {
		c = plan_add(p, &probe_caddy, LAYER_LIVE, section, "caddy/admin");
		c->config = caddy_config_new(CADDY_ADMIN, NULL, admin, extra,
		    declared, ndeclared);
		plan_summary(c, "Caddy's admin API answers at %s/config/", admin);
	}

	/* The declared list and the route nodes are in the same order. */
	for (i = 0, k = 0; routes != NULL && routes->type == NODE_SEQ &&
	    i < routes->count; i++) {
		item = routes->items[i];
		site = node_str(item, "site", NULL);
		to = node_str(item, "to", NULL);
		path = node_str(item, "path", "");
		if (item->type != NODE_MAP || site == NULL || site[0] == '\0' ||
		    to == NULL || (path[0] != '\0' && path[0] != '/'))
			continue;
		path = declared[k].path;
		site = declared[k].site;
		for (layer = LAYER_STATIC; layer <= LAYER_LIVE; layer++) {
			if (layer == LAYER_STATIC && caddyfile == NULL)
				continue;
			if (layer == LAYER_LIVE && admin == NULL)
				continue;
			c = plan_add(p, &probe_caddy, layer, item,
			    layer == LAYER_STATIC ? "caddy/%s%s/caddyfile" :
			    "caddy/%s%s", site, path);
			cc = caddy_config_new(CADDY_ROUTE,
			    layer == LAYER_STATIC ? caddyfile : NULL,
			    layer == LAYER_LIVE ? admin : NULL, extra, declared,
			    ndeclared);
			cc->site = xstrdup(site);
			cc->path = xstrdup(path);
			cc->upstream = caddy_upstreams(to);
			c->config = cc;
			caddy_edges(c, cc->upstream);
			plan_expect(p, c, item, "exists", MATCH_EQUALS, "yes");
			plan_expect(p, c, node_get(item, "to"), "upstream",
			    MATCH_EQUALS, cc->upstream);
			plan_summary(c, "%s%s%s proxies to %s (%s)", site,
			    path[0] != '\0' ? " " : "", path, cc->upstream,
			    layer == LAYER_STATIC ? "Caddyfile" : "admin API");
		}
		k++;
	}
out:
	for (i = 0; i < ndeclared; i++) {
		free(declared[i].site);
		free(declared[i].path);
	}
	free(declared);
	free(caddyfile);
	free(admin);
}

/* ---- observing ---- */

static int
caddy_declared(const struct caddy_config *cc, const struct caddy_route *r)
{
	size_t	i;

	for (i = 0; i < cc->ndeclared; i++) {
		if (strcmp(cc->declared[i].site, r->site) == 0 &&
		    strcmp(cc->declared[i].path, r->path) == 0)
			return 1;
	}
	return 0;
}

/* Routes of one source (the file, or the admin API), or the reason it failed. */
struct caddy_source {
	int			 loaded;	/* routes are valid */
	int			 absent;	/* the Caddyfile does not exist */
	char			*reason;
	char			*origin;	/* "Caddyfile path", "GET url" */
	struct caddy_routes	 routes;
	char			*adapt;		/* what `caddy adapt` said of it */
	char			*rejected;	/* why `caddy adapt` refused it */
};

static void
caddy_source_free(struct caddy_source *s)
{
	free(s->reason);
	free(s->origin);
	free(s->adapt);
	free(s->rejected);
	caddyfile_routes_free(&s->routes);
}

/* Routes of a that b lacks or has with another upstream, as text into out. */
static size_t
caddy_routes_minus(const struct caddy_routes *a, const struct caddy_routes *b,
    const char *a_name, const char *b_name, struct buf *out)
{
	const struct caddy_route	*ra, *rb;
	size_t				 i, n = 0;

	for (i = 0; i < a->count; i++) {
		ra = &a->items[i];
		if (caddyfile_find(a, ra->site, ra->path) != ra)
			continue;
		rb = caddyfile_find(b, ra->site, ra->path);
		if (rb != NULL && (b_name == NULL ||
		    strcmp(ra->upstream, rb->upstream) == 0))
			continue;
		n++;
		if (rb == NULL)
			buf_printf(out, "; %s%s%s only in %s", ra->site,
			    ra->path[0] != '\0' ? " " : "", ra->path, a_name);
		else
			buf_printf(out, "; %s%s%s -> %s in %s, %s in %s",
			    ra->site, ra->path[0] != '\0' ? " " : "", ra->path,
			    ra->upstream, a_name, rb->upstream, b_name);
	}
	return n;
}

/*
 * With `adapt: true`, where the caddy binary is present, `caddy adapt` turns
 * the same file into JSON: a cross-check of the hand parser, told in the
 * evidence of
 * caddy/caddyfile. A file Caddy itself rejects makes that check an error
 * (the route checks keep the hand parser's reading: a local caddy older
 * than the deployed one should not blind them). Without the binary, or
 * without `adapt: true` (it costs a Go program's start, about the whole of a
 * static run), the hand parser stands alone.
 */
static void
caddy_adapt(struct caddy_source *s, const struct batch *b, const char *path,
    int timeout_ms)
{
	struct exec_job		 job;
	struct caddy_routes	 adapted;
	struct buf		 diff;
	char			*argv[7], *cause = NULL, *what;
	cJSON			*json = NULL;
	size_t			 n;

	memset(&job, 0, sizeof job);
	memset(&adapted, 0, sizeof adapted);
	buf_init(&diff, 4096);
	/*
	 * The static layer is what CI runs on pull requests' topologies: the
	 * file must not choose what runs, so `programs:` is not read here,
	 * only $TOPO_CADDY (the operator's) or caddy in PATH.
	 */
	argv[0] = getenv("TOPO_CADDY") != NULL && *getenv("TOPO_CADDY") != '\0' ?
	    getenv("TOPO_CADDY") : (char *)"caddy";
	argv[1] = (char *)"adapt";
	argv[2] = (char *)"--config";
	argv[3] = (char *)path;
	argv[4] = (char *)"--adapter";
	argv[5] = (char *)"caddyfile";
	argv[6] = NULL;
	job.argv = argv;
	job.timeout_ms = timeout_ms;
	job.out_cap = CADDY_MAX_CONFIG;
	job.cancel = batch_cancel_flag(b);
	if (exec_run(&job) != 0 || !job.started) {
		s->adapt = xasprintf("caddy adapt not run (%s): hand parser only",
		    strerror(job.spawn_errno));
		goto out;
	}
	if (!job.exited || job.exit_code != 0) {
		what = exec_describe(&job);
		n = strcspn(buf_str(&job.err), "\n");
		s->rejected = xasprintf("%s: caddy adapt rejects it (%s): %.*s", path,
		    what, (int)(n > 300 ? 300 : n), buf_str(&job.err));
		free(what);
		goto out;
	}
	json = cJSON_ParseWithLength(buf_str(&job.out), job.out.len);
	if (json == NULL || caddyfile_json_routes(json, &adapted, &cause) != 0) {
		s->adapt = xasprintf("caddy adapt printed no Caddy config%s%s",
		    cause != NULL ? ": " : "", cause != NULL ? cause : "");
		goto out;
	}
	n = caddy_routes_minus(&s->routes, &adapted, "the Caddyfile", "caddy adapt",
	    &diff);
	n += caddy_routes_minus(&adapted, &s->routes, "caddy adapt", NULL, &diff);
	if (n == 0)
		s->adapt = xasprintf("caddy adapt agrees (%zu routes)", adapted.count);
	else
		s->adapt = xasprintf("caddy adapt differs from the hand parser in "
		    "%zu routes%s", n, buf_str(&diff));
out:
	free(cause);
	cJSON_Delete(json);
	caddyfile_routes_free(&adapted);
	buf_free(&diff);
	exec_job_free(&job);
}

/* root: --root, or NULL; a Caddyfile outside it is not even looked at. */
static void
caddy_load_file(struct caddy_source *s, const char *path, const char *root)
{
	char	*cause = NULL, *real = NULL;
	int	 missing;

	s->origin = xstrdup(path);
	if (textfile_allowed(root, path, &real, &cause) != 0) {
		s->reason = cause;
		return;
	}
	missing = access(real, F_OK) != 0;
	free(real);
	if (missing) {
		s->absent = 1;
		s->reason = xasprintf("%s: no such file", path);
		return;
	}
	if (caddyfile_load(path, root, &s->routes, &cause) != 0) {
		s->reason = cause;
		return;
	}
	if (s->routes.truncated) {
		s->reason = xasprintf("%s: more than %d routes: not read whole",
		    path, CADDYFILE_MAX_ROUTES);
		return;
	}
	s->loaded = 1;
}

struct caddy_fetch {
	struct buf		 body;
	const struct batch	*batch;
};

static size_t
caddy_write(char *data, size_t size, size_t n, void *arg)
{
	struct caddy_fetch	*f = arg;

	/* Past the cap, a short count makes curl stop with a write error. */
	if (buf_append(&f->body, data, size * n) != 0)
		return 0;
	return size * n;
}

static int
caddy_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct caddy_fetch	*f = arg;

	return batch_cancelled(f->batch) ? 1 : 0;
}

/* One GET of ADMIN/config/ with one easy handle: the only request of a run. */
static void
caddy_load_admin(struct caddy_source *s, const struct batch *b,
    const char *admin, long timeout_ms)
{
	struct caddy_fetch	 f;
	CURL			*curl;
	CURLcode		 rc;
	long			 status = 0;
	char			 errbuf[CURL_ERROR_SIZE] = "";
	char			*cause = NULL;
	cJSON			*json = NULL;

	s->origin = xasprintf("GET %s/config/", admin);
	memset(&f, 0, sizeof f);
	buf_init(&f.body, CADDY_MAX_CONFIG);
	f.batch = b;
	if ((curl = curl_easy_init()) == NULL) {
		s->reason = xstrdup("cannot start a libcurl handle");
		goto out;
	}
	{
		char *url = xasprintf("%s/config/", admin);

		curl_easy_setopt(curl, CURLOPT_URL, url);
		rc = CURLE_OK;
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, caddy_write);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f);
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, caddy_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &f);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(curl, CURLOPT_USERAGENT, "topo");
		rc = curl_easy_perform(curl);
		free(url);
	}
	if (rc != CURLE_OK) {
		if (rc == CURLE_WRITE_ERROR && f.body.toobig)
			s->reason = xasprintf("%s: config larger than %d bytes",
			    s->origin, CADDY_MAX_CONFIG);
		else
			s->reason = xasprintf("%s: %s", s->origin,
			    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		s->reason = xasprintf("%s: HTTP %ld: %.200s", s->origin, status,
		    buf_str(&f.body));
		goto out;
	}
	json = cJSON_ParseWithLength(buf_str(&f.body), f.body.len);
	if (json == NULL) {
		s->reason = xasprintf("%s: the answer is not JSON", s->origin);
		goto out;
	}
	if (caddyfile_json_routes(json, &s->routes, &cause) != 0) {
		s->reason = xasprintf("%s: %s", s->origin, cause);
		free(cause);
		goto out;
	}
	if (s->routes.truncated) {
		s->reason = xasprintf("%s: more than %d routes, or nested too "
		    "deep: not read whole", s->origin, CADDYFILE_MAX_ROUTES);
		goto out;
	}
	s->loaded = 1;
out:
	cJSON_Delete(json);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	buf_free(&f.body);
}

static void
caddy_observe_route(struct check *c, const struct caddy_source *s)
{
	const struct caddy_config	*cc = c->config;
	struct observation		*o = &c->observation;
	const struct caddy_route	*r;

	if (!s->loaded) {
		observation_error(o, "%s", s->reason);
		return;
	}
	r = caddyfile_find(&s->routes, cc->site, cc->path);
	if (r == NULL) {
		observation_fact(o, "exists", "no");
		observation_evidence(o, "%s: no reverse_proxy route for %s%s%s "
		    "(%zu routes read)", s->origin, cc->site,
		    cc->path[0] != '\0' ? " path " : "", cc->path, s->routes.count);
		return;
	}
	observation_fact(o, "exists", "yes");
	observation_fact(o, "upstream", r->upstream);
	/* A Caddyfile's where is already file:line; the API's is a JSON path. */
	observation_evidence(o, "%s%s%s: reverse_proxy %s%s%s -> %s",
	    c->layer == LAYER_LIVE ? s->origin : "",
	    c->layer == LAYER_LIVE ? " " : "", r->where, r->site,
	    r->path[0] != '\0' ? " " : "", r->path, r->upstream);
}

/* Undeclared routes, each (site, path) once, through near. */
static void
caddy_report_extras(struct batch *b, const struct check *near,
    const struct caddy_source *s)
{
	const struct caddy_config	*cc = near->config;
	const struct caddy_route	*r;
	size_t				 i;
	char				*id, *found, *evidence;

	if (!cc->extra || !s->loaded)
		return;
	for (i = 0; i < s->routes.count; i++) {
		r = &s->routes.items[i];
		if (caddyfile_find(&s->routes, r->site, r->path) != r)
			continue;	/* a later route with the same key */
		if (caddy_declared(cc, r))
			continue;
		id = xasprintf("caddy/%s%s%s", r->site, r->path,
		    near->layer == LAYER_STATIC ? "/caddyfile" : "");
		found = xasprintf("%s%s%s -> %s", r->site,
		    r->path[0] != '\0' ? " " : "", r->path, r->upstream);
		evidence = near->layer == LAYER_LIVE ?
		    xasprintf("%s %s: reverse_proxy", s->origin, r->where) :
		    xasprintf("%s: reverse_proxy", r->where);
		batch_extra(b, near, id, found, evidence);
		free(id);
		free(found);
		free(evidence);
	}
}

static void
caddy_run(struct batch *b)
{
	struct caddy_source	 file, live;
	const struct caddy_config *cc;
	const struct check	*near_static = NULL, *near_live = NULL;
	struct check		*c;
	const char		*caddyfile = NULL, *admin = NULL;
	const char		*root = b->topology != NULL ?
				    b->topology->read_root : NULL;
	long			 timeout_ms = 0;
	size_t			 i;

	memset(&file, 0, sizeof file);
	memset(&live, 0, sizeof live);
	/* Every check of a layer names the same source: take it once. */
	for (i = 0; i < b->count; i++) {
		c = b->checks[i];
		if ((cc = c->config) == NULL)
			continue;
		if (c->layer == LAYER_STATIC && cc->caddyfile != NULL) {
			caddyfile = cc->caddyfile;
			if (near_static == NULL || cc->role == CADDY_FILE)
				near_static = c;
		}
		if (c->layer == LAYER_LIVE && cc->admin != NULL) {
			admin = cc->admin;
			if (near_live == NULL || cc->role == CADDY_ADMIN)
				near_live = c;
			if (c->timeout_ms > timeout_ms)
				timeout_ms = c->timeout_ms;
		}
	}
	if (caddyfile != NULL) {
		caddy_load_file(&file, caddyfile, root);
		if (file.loaded && near_static != NULL &&
		    ((const struct caddy_config *)near_static->config)->role ==
		    CADDY_FILE &&
		    ((const struct caddy_config *)near_static->config)->adapt) {
			/*
			 * Caddy reads the imports itself, where topo cannot
			 * confine it, and says what it read in its errors.
			 */
			if (root != NULL)
				file.adapt = xstrdup("caddy adapt not run under "
				    "--root (Caddy would read imports where topo "
				    "cannot confine it): hand parser only");
			else
				caddy_adapt(&file, b, caddyfile,
				    near_static->timeout_ms > 0 ?
				    near_static->timeout_ms : 5000);
		}
	}
	if (admin != NULL && !batch_cancelled(b))
		caddy_load_admin(&live, b, admin, timeout_ms > 0 ? timeout_ms : 5000);

	for (i = 0; i < b->count && !batch_cancelled(b); i++) {
		c = b->checks[i];
		cc = c->config;
		if (cc == NULL) {
			observation_error(&c->observation, "not planned");
		} else if (cc->role == CADDY_FILE) {
			if (file.absent) {
				observation_fact(&c->observation, "exists", "no");
				observation_evidence(&c->observation, "%s", file.reason);
			} else if (!file.loaded)
				observation_error(&c->observation, "%s", file.reason);
			else if (file.rejected != NULL)
				observation_error(&c->observation, "%s", file.rejected);
			else {
				observation_fact(&c->observation, "exists", "yes");
				observation_factf(&c->observation, "routes", "%zu",
				    file.routes.count);
				observation_evidence(&c->observation,
				    "%s: %zu reverse_proxy routes%s%s%s%s",
				    file.origin, file.routes.count,
				    file.routes.admin != NULL ? ", admin " : "",
				    file.routes.admin != NULL ? file.routes.admin : "",
				    file.adapt != NULL ? "; " : "",
				    file.adapt != NULL ? file.adapt : "");
			}
		} else if (cc->role == CADDY_ADMIN) {
			if (!live.loaded)
				observation_error(&c->observation, "%s", live.reason);
			else {
				observation_factf(&c->observation, "routes", "%zu",
				    live.routes.count);
				observation_evidence(&c->observation,
				    "%s: 200, %zu reverse_proxy routes", live.origin,
				    live.routes.count);
			}
		} else
			caddy_observe_route(c, c->layer == LAYER_STATIC ? &file :
			    &live);
		batch_done(b, c);
	}
	if (near_static != NULL && !batch_cancelled(b))
		caddy_report_extras(b, near_static, &file);
	if (near_live != NULL && !batch_cancelled(b))
		caddy_report_extras(b, near_live, &live);
	caddy_source_free(&file);
	caddy_source_free(&live);
}

const struct probe_ops probe_caddy = {
	.name = "caddy",
	.help = "Caddy reverse-proxy routes: the Caddyfile and the admin API",
	.schema = &caddy_schema,
	.plan = caddy_plan,
	.run = caddy_run,
	.free_config = caddy_free_config,
};
