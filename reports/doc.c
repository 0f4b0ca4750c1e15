/*
 * doc.c: the architecture document renderer (see doc.h). The document is
 * built in memory and written at once. Its layout comes from `doc.sections`
 * (markdown blocks and named tables, in order); without it a default layout
 * of every table is used. A table row is found in the plan by the position
 * of its declaration (plan_add gives each check the file:line:column of the
 * node it was planned from), so the document never recomputes check ids.
 * Text taken from the topology is shown as written (${VAR} references, not
 * this machine's values), which keeps the bytes the same everywhere and
 * never shows a secret.
 */
#include "doc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../probes/probe.h"
#include "../util/buf.h"
#include "../util/url.h"
#include "../util/util.h"

struct doc_ctx {
	struct buf			 out;
	const struct topology		*topology;
	const struct plan		*plan;
	const struct doc_results	*results;
	const struct node		*root;
	const struct node		*doc;		/* the doc: key, or NULL */
	char				*cause;		/* first fault */
};

/* Where a table's rows come from. */
struct doc_table {
	const char	*name;
	void		(*render)(struct doc_ctx *, const struct node *block);
	const char	*title;		/* section title in the default layout */
};

/* ---- results ---- */

static char *
doc_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static const char *
doc_json_string(const cJSON *object, const char *key)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(object, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static void
doc_results_add(struct doc_results *r, const char *id, const char *layer,
    const char *status, const char *drift, const char *observed, int extra)
{
	struct doc_verdict	*v;

	r->items = xreallocarray(r->items, r->count + 1, sizeof *r->items);
	v = &r->items[r->count++];
	v->id = xstrdup(id);
	v->layer = xstrdup(layer != NULL ? layer : "");
	v->status = xstrdup(status != NULL ? status : "");
	v->drift = drift != NULL && *drift != '\0' ? xstrdup(drift) : NULL;
	v->observed = doc_dup(observed);
	v->extra = extra;
}

int
doc_results_read(struct doc_results *r, const char *path, char **cause)
{
	struct buf	 b;
	cJSON		*root = NULL, *checks, *c, *version;
	const char	*id;
	int		 rc = -1;

	memset(r, 0, sizeof *r);
	buf_init(&b, DOC_RESULTS_MAX_BYTES);
	*cause = NULL;
	if (buf_read_file(&b, path, cause) != 0)
		goto out;
	if (b.toobig) {
		*cause = xasprintf("%s: larger than %d bytes", path, DOC_RESULTS_MAX_BYTES);
		goto out;
	}
	if ((root = cJSON_ParseWithLength(buf_str(&b), b.len)) == NULL ||
	    !cJSON_IsObject(root)) {
		*cause = xasprintf("%s: not a JSON report of `topo check --format json`",
		    path);
		goto out;
	}
	version = cJSON_GetObjectItemCaseSensitive(root, "topo_json_version");
	if (!cJSON_IsNumber(version) || version->valuedouble != 1) {
		*cause = xasprintf("%s: topo_json_version is not 1", path);
		goto out;
	}
	checks = cJSON_GetObjectItemCaseSensitive(root, "checks");
	if (!cJSON_IsArray(checks)) {
		*cause = xasprintf("%s: no checks array", path);
		goto out;
	}
	r->verified_at = doc_dup(doc_json_string(root, "started_at"));
	r->layers = doc_dup(doc_json_string(root, "layers"));
	cJSON_ArrayForEach(c, checks) {
		if ((id = doc_json_string(c, "id")) == NULL)
			continue;
		doc_results_add(r, id, doc_json_string(c, "layer"),
		    doc_json_string(c, "status"), doc_json_string(c, "drift"),
		    doc_json_string(c, "observed"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "extra")));
	}
	rc = 0;
out:
	if (rc != 0)
		doc_results_free(r);
	cJSON_Delete(root);
	buf_free(&b);
	return rc;
}

void
doc_results_from_checks(struct doc_results *r, struct check *const *checks,
    size_t count, long started_at, const char *layers)
{
	const struct check	*c;
	char			 when[32];
	size_t			 i;

	memset(r, 0, sizeof *r);
	util_iso_time(when, sizeof when, started_at);
	r->verified_at = xstrdup(when);
	r->layers = xstrdup(layers != NULL ? layers : "all");
	for (i = 0; i < count; i++) {
		c = checks[i];
		doc_results_add(r, c->id, layer_name(c->layer),
		    status_name(c->result.status),
		    c->result.status == STATUS_DRIFT ? drift_name(c->result.drift) : NULL,
		    c->result.observed, c->extra);
	}
}

void
doc_results_free(struct doc_results *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->count; i++) {
		free(r->items[i].id);
		free(r->items[i].layer);
		free(r->items[i].status);
		free(r->items[i].drift);
		free(r->items[i].observed);
	}
	free(r->items);
	free(r->verified_at);
	free(r->layers);
	memset(r, 0, sizeof *r);
}

static const struct doc_verdict *
doc_verdict_find(const struct doc_results *r, const char *id)
{
	size_t	i;

	for (i = 0; i < r->count; i++) {
		if (strcmp(r->items[i].id, id) == 0)
			return &r->items[i];
	}
	return NULL;
}

/* ---- text helpers ---- */

static void
doc_fault(struct doc_ctx *ctx, const struct node *where, const char *what)
{
	char	pos[256];

	if (ctx->cause != NULL)
		return;
	if (where != NULL) {
		node_where(where, pos, sizeof pos);
		ctx->cause = xasprintf("%s: doc: %s", pos, what);
	} else
		ctx->cause = xasprintf("doc: %s", what);
}

/*
 * A scalar as written in the file: ${VAR} references stay references (the
 * same bytes on every machine, never a secret's value), $$ is a dollar.
 */
static char *
doc_text(const struct node *n)
{
	const char	*s, *r;
	struct buf	 b;

	if (n == NULL || n->type != NODE_SCALAR || n->is_null)
		return xstrdup("");
	s = n->raw != NULL ? n->raw : n->value;
	buf_init(&b, 0);
	for (r = s; *r != '\0'; r++) {
		if (r[0] == '$' && r[1] == '$')
			r++;
		buf_append(&b, r, 1);
	}
	if (b.data == NULL)
		return xstrdup("");
	return buf_steal(&b);
}

static char *
doc_key_text(const struct node *map, const char *key)
{
	return doc_text(node_get(map, key));
}

/*
 * A URL's text with its userinfo (user:password@) shown as ***@ (url_shown,
 * libcurl's parser): the document is shared, the credentials in a URL are not.
 */
static char *
doc_url_text(const struct node *map, const char *key)
{
	char	*s = doc_key_text(map, key), *out;

	out = url_shown(s);
	free(s);
	return out;
}

/* A table cell: one line, '|' escaped. */
static void
doc_cell(struct doc_ctx *ctx, const char *s)
{
	buf_puts(&ctx->out, " ");
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '|')
			buf_puts(&ctx->out, "\\|");
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			buf_puts(&ctx->out, " ");
		else
			buf_append(&ctx->out, s, 1);
	}
	buf_puts(&ctx->out, " |");
}

static void
doc_cell_free(struct doc_ctx *ctx, char *s)
{
	doc_cell(ctx, s);
	free(s);
}

static void
doc_row_start(struct doc_ctx *ctx)
{
	buf_puts(&ctx->out, "|");
}

static void
doc_row_end(struct doc_ctx *ctx)
{
	buf_puts(&ctx->out, "\n");
}

/* Header row and separator; align is one char per column: 'l' or 'r'. */
static void
doc_header(struct doc_ctx *ctx, const char *const *names, const char *align)
{
	size_t	i;

	buf_puts(&ctx->out, "|");
	for (i = 0; names[i] != NULL; i++)
		buf_printf(&ctx->out, " %s |", names[i]);
	buf_puts(&ctx->out, "\n|");
	for (i = 0; names[i] != NULL; i++)
		buf_puts(&ctx->out, align[i] == 'r' ? "---:|" : "---|");
	buf_puts(&ctx->out, "\n");
}

/*
 * Opens a row of a table whose header is written with its first row (a
 * table with no row selected is left out whole).
 */
static void
doc_row_first(struct doc_ctx *ctx, size_t *rows, const char *const *head,
    const char *align)
{
	if ((*rows)++ == 0)
		doc_header(ctx, head, align);
	doc_row_start(ctx);
}

static void
doc_table_end(struct doc_ctx *ctx)
{
	buf_puts(&ctx->out, "\n");
}

static int
doc_same_position(const struct check *c, const struct node *n)
{
	return n != NULL && c->line == n->line && c->column == n->column &&
	    c->file != NULL && n->file != NULL && strcmp(c->file, n->file) == 0;
}

/*
 * The verdict cell of a row declared by nodes: every check planned from
 * them, with its status in the results and the time of the run.
 */
static void
doc_verdict_cell(struct doc_ctx *ctx, const struct node *const *nodes, size_t n)
{
	const struct doc_verdict	*v;
	const struct check		*c;
	struct buf			 b;
	size_t				 i, j, found = 0;
	int				 layers = 0;

	for (i = 0; i < ctx->plan->count; i++) {
		for (j = 0; j < n; j++) {
			if (doc_same_position(ctx->plan->checks[i], nodes[j])) {
				layers |= ctx->plan->checks[i]->layer;
				found++;
				break;
			}
		}
	}
	if (found == 0) {
		doc_cell(ctx, "not checked");
		return;
	}
	if (ctx->results == NULL) {
		doc_cell(ctx, "unverified");
		return;
	}
	buf_init(&b, 0);
	found = 0;
	for (i = 0; i < ctx->plan->count; i++) {
		c = ctx->plan->checks[i];
		for (j = 0; j < n && !doc_same_position(c, nodes[j]); j++)
			;
		if (j == n)
			continue;
		v = doc_verdict_find(ctx->results, c->id);
		buf_printf(&b, "%s%s%s", found++ > 0 ? ", " : "",
		    layers == (LAYER_STATIC | LAYER_LIVE) ? layer_name(c->layer) : "",
		    layers == (LAYER_STATIC | LAYER_LIVE) ? " " : "");
		if (v == NULL)
			buf_puts(&b, "not run");
		else
			buf_printf(&b, "%s%s%s", v->status, v->drift != NULL ? " " : "",
			    v->drift != NULL ? v->drift : "");
	}
	if (ctx->results->verified_at != NULL)
		buf_printf(&b, " (%s)", ctx->results->verified_at);
	doc_cell(ctx, buf_str(&b));
	buf_free(&b);
}

static void
doc_verdict_one(struct doc_ctx *ctx, const struct node *n)
{
	doc_verdict_cell(ctx, &n, 1);
}

/* Does name pass the block's `select:` glob or list of globs (none: all)? */
static int
doc_selected(const struct node *block, const char *name)
{
	const struct node	*select = node_get(block, "select");
	size_t			 i;

	if (name == NULL)
		name = "";
	if (select == NULL)
		return 1;
	if (select->type == NODE_SCALAR)
		return util_glob_match(select->value, name);
	for (i = 0; select->type == NODE_SEQ && i < select->count; i++) {
		if (select->items[i]->type == NODE_SCALAR &&
		    util_glob_match(select->items[i]->value, name))
			return 1;
	}
	return 0;
}

/* "a, b, c" of a sequence of scalars. */
static char *
doc_join(const struct node *seq, const char *sep, const char *quote)
{
	struct buf	 b;
	char		*s;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; seq != NULL && seq->type == NODE_SEQ && i < seq->count; i++) {
		s = doc_text(seq->items[i]);
		buf_printf(&b, "%s%s%s%s", i > 0 ? sep : "", quote, s, quote);
		free(s);
	}
	if (b.data == NULL)
		return xstrdup("");
	return buf_steal(&b);
}

/* ---- tables of the structured sections ---- */

static const char *
doc_launchd_state(const char *state)
{
	if (strcmp(state, "not-running") == 0)
		return "not running";
	return state;
}

static void
doc_table_launchd(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Launchd label", "State", "Role",
	    "Ports / endpoints", "Verified", NULL };
	const struct node	*jobs, *job;
	char			*label, *s;
	size_t			 i;

	jobs = node_get(node_get(ctx->root, "launchd"), "jobs");
	doc_header(ctx, head, "lrllr");
	for (i = 0; jobs != NULL && jobs->type == NODE_SEQ && i < jobs->count; i++) {
		job = jobs->items[i];
		doc_row_start(ctx);
		label = doc_key_text(job, "label");
		s = xasprintf("`%s`", label);
		doc_cell_free(ctx, s);
		free(label);
		doc_cell(ctx, doc_launchd_state(node_str(job, "state", "running")));
		doc_cell_free(ctx, doc_key_text(job, "role"));
		if (node_get(job, "notes") != NULL)
			doc_cell_free(ctx, doc_key_text(job, "notes"));
		else if (node_get(job, "ports") != NULL &&
		    node_get(job, "ports")->type == NODE_SEQ)
			doc_cell_free(ctx, doc_join(node_get(job, "ports"), ", ", ""));
		else if (node_get(job, "ports") != NULL)
			doc_cell_free(ctx, doc_key_text(job, "ports"));
		else
			doc_cell(ctx, "n/a");
		doc_verdict_one(ctx, job);
		doc_row_end(ctx);
	}
	doc_table_end(ctx);
	(void)block;
}

/* The declaration of Kind/name (workload) or name (service) in a namespace. */
static const struct node *
doc_k8s_find(const struct node *ns, const char *list, const char *name)
{
	const struct node	*items = node_get(ns, list), *item;
	const char		*v;
	size_t			 i;

	for (i = 0; items != NULL && items->type == NODE_SEQ && i < items->count; i++) {
		item = items->items[i];
		v = item->type == NODE_SCALAR ? item->value : node_str(item, "name", NULL);
		if (v != NULL && strcmp(v, name) == 0)
			return item;
	}
	return NULL;
}

/* Adds a port number once to b ("8288, 8289"). */
static void
doc_port_once(struct buf *b, long long port, long long *seen, size_t *nseen)
{
	size_t	i;

	for (i = 0; i < *nseen; i++) {
		if (seen[i] == port)
			return;
	}
	seen[(*nseen)++] = port;
	buf_printf(b, "%s%lld", b->len > 0 ? ", " : "", port);
}

/* One row of the core services table: a workload and its Services. */
static void
doc_k8s_row(struct doc_ctx *ctx, const char *title, const struct node *workload,
    const struct node *const *services, size_t nservices, const char *exposure,
    const struct node *role)
{
	const struct node	*ports, *port, *nodes[64];
	struct buf		 types, numbers, node_ports;
	long long		 seen[256], seen_np[256];
	size_t			 i, j, nseen = 0, nseen_np = 0, n = 0;
	const char		*spec, *slash, *managed;
	char			*s;

	buf_init(&types, 0);
	buf_init(&numbers, 0);
	buf_init(&node_ports, 0);
	doc_row_start(ctx);
	doc_cell(ctx, title);
	if (workload != NULL) {
		nodes[n++] = workload;
		spec = workload->type == NODE_SCALAR ? workload->value :
		    node_str(workload, "name", "");
		slash = strchr(spec, '/');
		managed = node_str(workload, "managed_by", NULL);
		s = xasprintf("%.*s `%s`%s%s%s", slash != NULL ? (int)(slash - spec) : 0,
		    spec, slash != NULL ? slash + 1 : spec, managed != NULL ? " (" : "",
		    managed != NULL ? managed : "", managed != NULL ? "-managed)" : "");
		doc_cell_free(ctx, s);
	} else {
		managed = nservices > 0 ? node_str(services[0], "managed_by", NULL) : NULL;
		s = xasprintf("Service only%s%s%s", managed != NULL ? " (" : "",
		    managed != NULL ? managed : "", managed != NULL ? "-managed)" : "");
		doc_cell_free(ctx, s);
	}
	for (i = 0; i < nservices; i++) {
		if (n < sizeof nodes / sizeof nodes[0])
			nodes[n++] = services[i];
		buf_printf(&types, "%s%s (`%s`)", i > 0 ? " + " : "",
		    node_str(services[i], "type", "ClusterIP"),
		    node_str(services[i], "name", ""));
		ports = node_get(services[i], "ports");
		for (j = 0; ports != NULL && ports->type == NODE_SEQ && j < ports->count; j++) {
			port = ports->items[j];
			if (nseen >= sizeof seen / sizeof seen[0] ||
			    nseen_np >= sizeof seen_np / sizeof seen_np[0])
				break;
			if (port->type == NODE_SCALAR) {
				doc_port_once(&numbers, strtoll(port->value, NULL, 10), seen, &nseen);
				continue;
			}
			doc_port_once(&numbers, node_int(port, "port", 0), seen, &nseen);
			if (node_get(port, "node_port") != NULL)
				doc_port_once(&node_ports, node_int(port, "node_port", 0),
				    seen_np, &nseen_np);
		}
	}
	doc_cell(ctx, buf_str(&types));
	doc_cell(ctx, buf_str(&numbers));
	if (node_ports.len > 0 && exposure != NULL) {
		s = xasprintf("%s (%s)", buf_str(&node_ports), exposure);
		doc_cell_free(ctx, s);
	} else if (node_ports.len > 0)
		doc_cell(ctx, buf_str(&node_ports));
	else if (nservices > 0 || exposure != NULL)
		doc_cell(ctx, exposure != NULL ? exposure : "in-cluster only");
	else
		doc_cell(ctx, "");
	if (role != NULL)
		doc_cell_free(ctx, doc_text(role));
	else
		doc_cell(ctx, "");
	doc_verdict_cell(ctx, nodes, n);
	doc_row_end(ctx);
	buf_free(&types);
	buf_free(&numbers);
	buf_free(&node_ports);
}

/* Was item (a workload or service declaration) shown in a core services row? */
static int
doc_k8s_covered(const struct node *const *covered, size_t ncovered,
    const struct node *item)
{
	size_t	i;

	for (i = 0; i < ncovered; i++) {
		if (covered[i] == item)
			return 1;
	}
	return 0;
}

static void
doc_table_kubernetes(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Service", "Workload kind", "Service type",
	    "Service port(s)", "NodePort(s) / exposure", "Role", "Verified", NULL };
	static const char *const where_head[] = { "Read from", "Verified", NULL };
	const struct node	*section, *namespaces, *rows, *row, *ns, *names, *workload;
	const struct node	*services[32], **covered = NULL, *items, *item;
	const char		*lists[] = { "workloads", "services" };
	size_t			 i, j, k, nservices, ncovered = 0;
	char			*title, *exposure, *msg;

	section = node_get(ctx->root, "kubernetes");
	namespaces = node_get(section, "namespaces");
	rows = node_get(ctx->doc, "core_services");

	/* Where the objects are read: the manifests folder, each namespace. */
	doc_header(ctx, where_head, "lr");
	if (node_get(section, "manifests") != NULL) {
		doc_row_start(ctx);
		title = doc_key_text(section, "manifests");
		doc_cell_free(ctx, xasprintf("manifests in `%s` (static)", title));
		free(title);
		doc_verdict_one(ctx, section);
		doc_row_end(ctx);
	}
	for (i = 0; namespaces != NULL && namespaces->type == NODE_MAP &&
	    i < namespaces->count; i++) {
		doc_row_start(ctx);
		title = doc_key_text(section, "context");
		doc_cell_free(ctx, xasprintf("namespace `%s` (kubectl%s%s%s, live)",
		    namespaces->keys[i]->value, *title != '\0' ? ", context `" : "",
		    title, *title != '\0' ? "`" : ""));
		free(title);
		doc_verdict_one(ctx, namespaces->items[i]);
		doc_row_end(ctx);
	}
	doc_table_end(ctx);

	doc_header(ctx, head, "llllllr");
	for (i = 0; rows != NULL && rows->type == NODE_SEQ && i < rows->count; i++) {
		row = rows->items[i];
		if (row->type != NODE_MAP) {
			doc_fault(ctx, row, "core_services: a row is a map {service, "
			    "namespace, workload, services, exposure, role}");
			break;
		}
		ns = node_get(namespaces, node_str(row, "namespace", "default"));
		if (ns == NULL) {
			doc_fault(ctx, row, "core_services: no such namespace in kubernetes:");
			break;
		}
		workload = NULL;
		if (node_str(row, "workload", NULL) != NULL &&
		    (workload = doc_k8s_find(ns, "workloads",
		    node_str(row, "workload", NULL))) == NULL) {
			msg = xasprintf("core_services: workload %s is not declared in "
			    "kubernetes:", node_str(row, "workload", ""));
			doc_fault(ctx, node_get(row, "workload"), msg);
			free(msg);
			break;
		}
		names = node_get(row, "services");
		nservices = 0;
		if (names != NULL && names->type != NODE_SEQ) {
			doc_fault(ctx, names, "core_services: services is a list of names");
			break;
		}
		for (j = 0; names != NULL && j < names->count &&
		    nservices < sizeof services / sizeof services[0]; j++) {
			if (names->items[j]->type != NODE_SCALAR) {
				doc_fault(ctx, names->items[j],
				    "core_services: a Service is named by a string");
				goto out;
			}
			if ((services[nservices] = doc_k8s_find(ns, "services",
			    names->items[j]->value)) == NULL) {
				msg = xasprintf("core_services: Service %s is not declared in "
				    "kubernetes:", names->items[j]->value);
				doc_fault(ctx, names->items[j], msg);
				free(msg);
				goto out;
			}
			nservices++;
		}
		covered = xreallocarray(covered, ncovered + nservices + 1, sizeof *covered);
		if (workload != NULL)
			covered[ncovered++] = workload;
		for (j = 0; j < nservices; j++)
			covered[ncovered++] = services[j];
		title = doc_key_text(row, "service");
		exposure = node_get(row, "exposure") != NULL ?
		    doc_key_text(row, "exposure") : NULL;
		doc_k8s_row(ctx, title, workload, services, nservices, exposure,
		    node_get(row, "role"));
		free(title);
		free(exposure);
	}
	doc_table_end(ctx);

	/* Declared but in no row: listed, so the document shows every object. */
	k = 0;
	for (i = 0; namespaces != NULL && namespaces->type == NODE_MAP &&
	    i < namespaces->count; i++) {
		for (j = 0; j < 2; j++) {
			items = node_get(namespaces->items[i], lists[j]);
			for (size_t m = 0; items != NULL && items->type == NODE_SEQ &&
			    m < items->count; m++) {
				item = items->items[m];
				if (doc_k8s_covered(covered, ncovered, item))
					continue;
				if (k++ == 0) {
					buf_puts(&ctx->out, "Also declared:\n\n");
					doc_header(ctx, head, "llllllr");
				}
				title = xasprintf("%s (`%s` ns)", item->type == NODE_SCALAR ?
				    item->value : node_str(item, "name", ""),
				    namespaces->keys[i]->value);
				if (j == 0)
					doc_k8s_row(ctx, title, item, NULL, 0, NULL,
					    item->type == NODE_MAP ? node_get(item, "role") : NULL);
				else
					doc_k8s_row(ctx, title, NULL, &item, 1, NULL,
					    node_get(item, "role"));
				free(title);
			}
		}
	}
	if (k > 0)
		doc_table_end(ctx);
out:
	free(covered);
	(void)block;
}

static void
doc_port_row(struct doc_ctx *ctx, const struct node *item, int checked)
{
	doc_row_start(ctx);
	doc_cell_free(ctx, doc_key_text(item, "port"));
	doc_cell_free(ctx, doc_key_text(item, "owner"));
	doc_cell_free(ctx, doc_key_text(item, "what"));
	doc_cell_free(ctx, doc_key_text(item, "exposure"));
	if (checked)
		doc_verdict_one(ctx, item);
	else
		doc_cell(ctx, "not checked");
	doc_row_end(ctx);
}

static void
doc_table_ports(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Port", "Listener / owner", "What it is",
	    "Exposure path", "Verified", NULL };
	const struct node	*ports, *extra;
	size_t			 i, j;

	ports = node_get(ctx->root, "ports");
	extra = node_get(ctx->doc, "port_map_extra");
	doc_header(ctx, head, "rlllr");
	/* Extra rows without `after:` come first. */
	for (j = 0; extra != NULL && extra->type == NODE_SEQ && j < extra->count; j++) {
		if (node_get(extra->items[j], "after") == NULL)
			doc_port_row(ctx, extra->items[j], 0);
	}
	for (i = 0; ports != NULL && ports->type == NODE_SEQ && i < ports->count; i++) {
		doc_port_row(ctx, ports->items[i], 1);
		for (j = 0; extra != NULL && extra->type == NODE_SEQ && j < extra->count; j++) {
			if (strcmp(node_str(extra->items[j], "after", ""),
			    node_str(ports->items[i], "port", "-")) == 0)
				doc_port_row(ctx, extra->items[j], 0);
		}
	}
	doc_table_end(ctx);
	(void)block;
}

static void
doc_table_caddy(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Site", "Path", "Upstream", "Verified", NULL };
	const struct node	*section, *routes, *route;
	struct buf		 from;
	char			*s;
	size_t			 i;

	section = node_get(ctx->root, "caddy");
	routes = node_get(section, "routes");
	doc_header(ctx, head, "lllr");
	/* The route sets themselves: the Caddyfile read, the admin API answering. */
	doc_row_start(ctx);
	buf_init(&from, 0);
	if (node_get(section, "caddyfile") != NULL) {
		s = doc_key_text(section, "caddyfile");
		buf_printf(&from, "(Caddyfile `%s`)", s);
		free(s);
	}
	if (node_get(section, "admin") != NULL) {
		s = doc_url_text(section, "admin");
		buf_printf(&from, "%s(admin API `%s`)", from.len > 0 ? " " : "", s);
		free(s);
	}
	doc_cell(ctx, buf_str(&from));
	buf_free(&from);
	doc_cell(ctx, "");
	doc_cell(ctx, "every route read");
	doc_verdict_one(ctx, section);
	doc_row_end(ctx);
	for (i = 0; routes != NULL && routes->type == NODE_SEQ && i < routes->count; i++) {
		route = routes->items[i];
		doc_row_start(ctx);
		doc_cell_free(ctx, doc_key_text(route, "site"));
		if (node_get(route, "path") != NULL)
			doc_cell_free(ctx, xasprintf("`%s`", node_str(route, "path", "")));
		else
			doc_cell(ctx, "(all other paths)");
		doc_cell_free(ctx, doc_key_text(route, "to"));
		doc_verdict_one(ctx, route);
		doc_row_end(ctx);
	}
	doc_table_end(ctx);
	(void)block;
}

/*
 * A table of one section's items, those the block selects by name: each
 * row the item's cells, then its verdict; no table when none is selected.
 */
static void
doc_table_items(struct doc_ctx *ctx, const struct node *block,
    const char *section, const char *const *head, const char *align,
    void (*cells)(struct doc_ctx *, const struct node *))
{
	const struct node	*items = node_get(ctx->root, section), *item;
	size_t			 i, rows = 0;

	for (i = 0; items != NULL && items->type == NODE_SEQ && i < items->count; i++) {
		item = items->items[i];
		if (!doc_selected(block, node_str(item, "name", "")))
			continue;
		doc_row_first(ctx, &rows, head, align);
		cells(ctx, item);
		doc_verdict_one(ctx, item);
		doc_row_end(ctx);
	}
	if (rows > 0)
		doc_table_end(ctx);
}

/* The cells of a `sources:` item, before its verdict. */
static void
doc_sources_cells(struct doc_ctx *ctx, const struct node *item)
{
	struct buf	 want;
	char		*s;

	doc_cell_free(ctx, doc_key_text(item, "name"));
	s = doc_key_text(item, "file");
	doc_cell_free(ctx, xasprintf("`%s`%s%s%s", s,
	    node_get(item, "list") != NULL ? " list `" : "",
	    node_str(item, "list", ""), node_get(item, "list") != NULL ? "`" : ""));
	free(s);
	buf_init(&want, 0);
	if (node_get(item, "count") != NULL)
		buf_printf(&want, "%s entries", node_str(item, "count", ""));
	if (node_get(item, "names") != NULL) {
		s = doc_join(node_get(item, "names"), ", ", "`");
		buf_printf(&want, "%s%s", want.len > 0 ? ": " : "", s);
		free(s);
	}
	if (node_get(item, "equals") != NULL) {
		s = doc_key_text(item, "equals");
		buf_printf(&want, "`%s`", s);
		free(s);
	} else if (node_get(item, "matches") != NULL) {
		s = doc_key_text(item, "matches");
		buf_printf(&want, "matches `%s`", s);
		free(s);
	} else if (node_get(item, "regex") != NULL) {
		s = doc_key_text(item, "regex");
		buf_printf(&want, "`%s` found", s);
		free(s);
	}
	doc_cell(ctx, buf_str(&want));
	buf_free(&want);
}

static void
doc_table_sources(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Fact", "Read from", "Expected", "Verified",
	    NULL };

	doc_table_items(ctx, block, "sources", head, "lllr", doc_sources_cells);
}

/* "exists" or "a line matching `x`", then "; mode 0644; owner joel; ...". */
static char *
doc_file_expected(const struct node *item)
{
	static const char *const keys[] = { "mode", "owner", "min_size",
	    "max_size", "sha256", NULL };
	static const char *const words[] = { "mode", "owner", "size >=",
	    "size <=", "sha256", NULL };
	struct buf	 b;
	char		*s;
	size_t		 i;

	buf_init(&b, 0);
	if (item->type == NODE_MAP && node_get(item, "contains") != NULL) {
		s = doc_key_text(item, "contains");
		buf_printf(&b, "a line matching `%s`", s);
		free(s);
	} else
		buf_puts(&b, "exists");
	for (i = 0; item->type == NODE_MAP && keys[i] != NULL; i++) {
		if (node_get(item, keys[i]) == NULL)
			continue;
		s = doc_key_text(item, keys[i]);
		/* A digest is recognised by its start; all of it says nothing. */
		if (strcmp(keys[i], "sha256") == 0)
			buf_printf(&b, "; sha256 `%.12s%s`", s,
			    strlen(s) > 12 ? "..." : "");
		else
			buf_printf(&b, "; %s %s%s", words[i], s,
			    strstr(keys[i], "size") != NULL ? " bytes" : "");
		free(s);
	}
	return buf_steal(&b);
}

static void
doc_table_files(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "File", "Expected", "Verified", NULL };
	const struct node	*items, *item, *path;
	char			*s;
	size_t			 i, rows = 0;

	items = node_get(ctx->root, "files");
	for (i = 0; items != NULL && items->type == NODE_SEQ && i < items->count; i++) {
		item = items->items[i];
		path = item->type == NODE_SCALAR ? item : node_get(item, "path");
		s = doc_text(path);
		if (!doc_selected(block, node_str(item, "name", s))) {
			free(s);
			continue;
		}
		doc_row_first(ctx, &rows, head, "llr");
		doc_cell_free(ctx, xasprintf("`%s`", s));
		free(s);
		if (item->type == NODE_MAP && node_bool(item, "absent", 0))
			doc_cell(ctx, "absent");
		else
			doc_cell_free(ctx, doc_file_expected(item));
		doc_verdict_one(ctx, item);
		doc_row_end(ctx);
	}
	if (rows > 0)
		doc_table_end(ctx);
}

/* "status 200; `$.a` = 1" of an http or command expect map. */
static char *
doc_expectations(const struct node *expect, const char *status_key, const char *def)
{
	const struct node	*json, *headers;
	struct buf		 b;
	char			*s;
	size_t			 i;

	buf_init(&b, 0);
	if (node_get(expect, status_key) != NULL &&
	    node_get(expect, status_key)->type == NODE_SEQ) {
		/* status: [200, 204] */
		s = doc_join(node_get(expect, status_key), " or ", "");
		buf_printf(&b, "%s %s", status_key, s);
		free(s);
	} else
		buf_printf(&b, "%s %s", status_key, node_str(expect, status_key, def));
	if (node_get(expect, "body_regex") != NULL) {
		s = doc_key_text(expect, "body_regex");
		buf_printf(&b, "; body matches `%s`", s);
		free(s);
	}
	if (node_get(expect, "body_not_regex") != NULL) {
		s = doc_key_text(expect, "body_not_regex");
		buf_printf(&b, "; body does not match `%s`", s);
		free(s);
	}
	headers = node_get(expect, "headers");
	for (i = 0; headers != NULL && headers->type == NODE_MAP &&
	    i < headers->count; i++) {
		s = doc_text(headers->items[i]);
		buf_printf(&b, "; header %s matches `%s`", headers->keys[i]->value, s);
		free(s);
	}
	if (node_get(expect, "stdout_regex") != NULL) {
		s = doc_key_text(expect, "stdout_regex");
		buf_printf(&b, "; stdout matches `%s`", s);
		free(s);
	}
	json = node_get(expect, "json");
	for (i = 0; json != NULL && json->type == NODE_MAP && i < json->count; i++) {
		s = doc_text(json->items[i]);
		buf_printf(&b, "; `%s` = %s", json->keys[i]->value, s);
		free(s);
	}
	if (node_get(expect, "max_latency_ms") != NULL)
		buf_printf(&b, "; within %s ms", node_str(expect, "max_latency_ms", ""));
	return buf_steal(&b);
}

/* The cells of an `http:` item, before its verdict. */
static void
doc_http_cells(struct doc_ctx *ctx, const struct node *item)
{
	const struct node	*headers;
	struct buf		 req;
	char			*s;
	size_t			 j;

	doc_cell_free(ctx, doc_key_text(item, "name"));
	doc_cell_free(ctx, doc_key_text(item, "what"));
	buf_init(&req, 0);
	s = doc_url_text(item, "url");
	buf_printf(&req, "%s `%s`", node_str(item, "method", "GET"), s);
	free(s);
	if (node_get(item, "body") != NULL) {
		s = doc_key_text(item, "body");
		buf_printf(&req, " `%s`", s);
		free(s);
	}
	headers = node_get(item, "headers");
	for (j = 0; headers != NULL && headers->type == NODE_MAP &&
	    j < headers->count; j++) {
		/* The header's name only: its value may be a secret. */
		buf_printf(&req, "%s header `%s`", j == 0 ? " with" : ",",
		    headers->keys[j]->value);
	}
	doc_cell(ctx, buf_str(&req));
	buf_free(&req);
	doc_cell_free(ctx, doc_expectations(node_get(item, "expect"), "status",
	    "200"));
}

static void
doc_table_http(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Endpoint", "What", "Request", "Expected",
	    "Verified", NULL };

	doc_table_items(ctx, block, "http", head, "llllr", doc_http_cells);
}

/* The cells of a `dns:` item, before its verdict. */
static void
doc_dns_cells(struct doc_ctx *ctx, const struct node *item)
{
	const struct node	*list;
	const char		*family = node_str(item, "family", "any");
	char			*s;

	doc_cell_free(ctx, doc_key_text(item, "name"));
	doc_cell_free(ctx, doc_key_text(item, "what"));
	list = node_get(item, "addresses");
	if (list == NULL)
		list = node_get(item, "contains");
	if (strcmp(node_str(item, "expect", "resolves"), "nxdomain") == 0)
		s = xstrdup("does not resolve");
	else if (list == NULL)
		s = xasprintf("resolves%s%s", strcmp(family, "any") != 0 ? " " : "",
		    strcmp(family, "any") != 0 ? family : "");
	else {
		s = list->type == NODE_SEQ ? doc_join(list, ", ", "`") :
		    xasprintf("`%s`", node_str(item, "contains", ""));
		doc_cell_free(ctx, xasprintf("%s%s", node_get(item, "addresses") != NULL ?
		    "" : "at least ", s));
		free(s);
		return;
	}
	doc_cell_free(ctx, s);
}

static void
doc_table_dns(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Name", "What", "Resolves to", "Verified",
	    NULL };

	doc_table_items(ctx, block, "dns", head, "lllr", doc_dns_cells);
}

/* The cells of a `command:` item, before its verdict. */
static void
doc_command_cells(struct doc_ctx *ctx, const struct node *item)
{
	char	*s;

	doc_cell_free(ctx, doc_key_text(item, "name"));
	doc_cell_free(ctx, doc_key_text(item, "what"));
	s = doc_join(node_get(item, "argv"), " ", "");
	doc_cell_free(ctx, xasprintf("`%s`", s));
	free(s);
	doc_cell_free(ctx, doc_expectations(node_get(item, "expect"), "exit", "0"));
}

static void
doc_table_commands(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Check", "What", "Command", "Expected",
	    "Verified", NULL };

	doc_table_items(ctx, block, "command", head, "llllr", doc_command_cells);
}

static void
doc_table_redis(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Key", "Expected", "Verified", NULL };
	const struct node	*section, *keys, *item, *expect;
	struct buf		 want;
	char			*s;
	size_t			 i;

	section = node_get(ctx->root, "redis");
	if (section == NULL)
		return;
	doc_header(ctx, head, "llr");
	s = doc_url_text(section, "url");
	doc_row_start(ctx);
	doc_cell_free(ctx, xasprintf("(server `%s`)", *s != '\0' ? s : "redis://127.0.0.1:6379"));
	free(s);
	doc_cell(ctx, "answers PING");
	doc_verdict_one(ctx, section);
	doc_row_end(ctx);
	if ((expect = node_get(section, "expect")) != NULL && expect->type == NODE_MAP) {
		buf_init(&want, 0);
		for (i = 0; i < expect->count; i++)
			buf_printf(&want, "%s%s = %s", i > 0 ? "; " : "",
			    expect->keys[i]->value, expect->items[i]->value);
		doc_row_start(ctx);
		doc_cell(ctx, "(INFO)");
		doc_cell(ctx, buf_str(&want));
		doc_verdict_one(ctx, expect);
		doc_row_end(ctx);
		buf_free(&want);
	}
	keys = node_get(section, "keys");
	for (i = 0; keys != NULL && keys->type == NODE_SEQ && i < keys->count; i++) {
		item = keys->items[i];
		doc_row_start(ctx);
		buf_init(&want, 0);
		if (node_get(item, "pattern") != NULL) {
			doc_cell_free(ctx, xasprintf("`%s`", node_str(item, "pattern", "")));
			buf_printf(&want, "at least %s matching key%s",
			    node_str(item, "min_count", "1"),
			    strcmp(node_str(item, "min_count", "1"), "1") == 0 ? "" : "s");
			if (node_get(item, "max_count") != NULL)
				buf_printf(&want, ", at most %s", node_str(item, "max_count", ""));
		} else {
			doc_cell_free(ctx, xasprintf("`%s`", node_str(item, "key", "")));
			if (node_bool(item, "absent", 0))
				buf_puts(&want, "absent");
			else if (node_bool(item, "optional", 0))
				buf_printf(&want, "if present%s%s", node_get(item,
				    "type") != NULL ? ", type " : "", node_str(item, "type", ""));
			else
				buf_printf(&want, "exists%s%s", node_get(item, "type") != NULL ?
				    ", type " : "", node_str(item, "type", ""));
		}
		doc_cell(ctx, buf_str(&want));
		buf_free(&want);
		doc_verdict_one(ctx, item);
		doc_row_end(ctx);
	}
	doc_table_end(ctx);
	(void)block;
}

static void
doc_table_unknowns(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Unknown", "Verify by hand", "Why",
	    "Verified", NULL };
	const struct node	*items, *item;
	char			*s;
	size_t			 i;

	items = node_get(ctx->root, "unknowns");
	doc_header(ctx, head, "lllr");
	for (i = 0; items != NULL && items->type == NODE_SEQ && i < items->count; i++) {
		item = items->items[i];
		doc_row_start(ctx);
		doc_cell_free(ctx, doc_key_text(item, "what"));
		s = doc_key_text(item, "verify");
		doc_cell_free(ctx, *s != '\0' ? xasprintf("`%s`", s) : xstrdup(""));
		free(s);
		doc_cell_free(ctx, doc_key_text(item, "why"));
		doc_verdict_one(ctx, item);
		doc_row_end(ctx);
	}
	doc_table_end(ctx);
	(void)block;
}

static void
doc_table_watch(struct doc_ctx *ctx, const struct node *block)
{
	const struct node	*items = node_get(ctx->root, "watch");
	char			*s;
	size_t			 i;

	for (i = 0; items != NULL && items->type == NODE_SEQ && i < items->count; i++) {
		s = doc_text(items->items[i]);
		buf_printf(&ctx->out, "- `%s`\n", s);
		free(s);
	}
	buf_puts(&ctx->out, "\n");
	(void)block;
}

/* A prose-only table: rows of doc.<key>, columns from the given keys. */
static void
doc_table_rows(struct doc_ctx *ctx, const char *key, const char *const *head,
    const char *const *keys)
{
	const struct node	*rows = node_get(ctx->doc, key), *row;
	char			 align[16];
	size_t			 i, j;

	for (j = 0; head[j] != NULL && j < sizeof align - 1; j++)
		align[j] = 'l';
	align[j] = '\0';
	doc_header(ctx, head, align);
	for (i = 0; rows != NULL && rows->type == NODE_SEQ && i < rows->count; i++) {
		row = rows->items[i];
		if (row->type != NODE_MAP) {
			doc_fault(ctx, row, "a table row is a map");
			return;
		}
		doc_row_start(ctx);
		for (j = 0; keys[j] != NULL; j++)
			doc_cell_free(ctx, doc_key_text(row, keys[j]));
		doc_row_end(ctx);
	}
	doc_table_end(ctx);
}

static void
doc_table_adrs(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "ADR", "Title", "Status", "Topology impact",
	    NULL };
	static const char *const keys[] = { "adr", "title", "status", "impact", NULL };

	doc_table_rows(ctx, "adrs", head, keys);
	(void)block;
}

static void
doc_table_cli(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Command family", "Primary backend", NULL };
	static const char *const keys[] = { "family", "backend", NULL };

	doc_table_rows(ctx, "cli", head, keys);
	(void)block;
}

/*
 * The event graph's four findings (probes/events.c): each row the count the
 * topology expects and, with results, the count observed and the verdict.
 * The checks share one position (the section), so rows come from the plan.
 */
static void
doc_table_events(struct doc_ctx *ctx, const struct node *block)
{
	static const char *const head[] = { "Finding", "Check", "Expected", "Observed",
	    "Verdict", NULL };
	const struct doc_verdict	*v;
	const struct check		*c;
	const char			*observed;
	size_t				 i, rows = 0;

	for (i = 0; i < ctx->plan->count; i++) {
		c = ctx->plan->checks[i];
		if (strcmp(c->probe->name, "events") != 0 || c->extra)
			continue;
		doc_row_first(ctx, &rows, head, "llrrl");
		doc_cell(ctx, c->summary != NULL ? c->summary : "");
		doc_cell_free(ctx, xasprintf("`%s`", c->id));
		doc_cell(ctx, c->nexpects > 0 ? c->expects[0].value : "");
		v = ctx->results != NULL ? doc_verdict_find(ctx->results, c->id) : NULL;
		observed = v != NULL && v->observed != NULL ? v->observed : "";
		if (strncmp(observed, "count = ", 8) == 0)
			observed += 8;
		doc_cell(ctx, observed);
		if (ctx->results == NULL)
			doc_cell(ctx, "unverified");
		else if (v == NULL)
			doc_cell(ctx, "not run");
		else
			doc_cell_free(ctx, xasprintf("%s%s%s%s%s%s", v->status,
			    v->drift != NULL ? " " : "", v->drift != NULL ? v->drift : "",
			    ctx->results->verified_at != NULL ? " (" : "",
			    ctx->results->verified_at != NULL ? ctx->results->verified_at : "",
			    ctx->results->verified_at != NULL ? ")" : ""));
		doc_row_end(ctx);
	}
	if (rows > 0)
		doc_table_end(ctx);
	(void)block;
}

static const struct doc_table doc_tables[] = {
	{ "launchd", doc_table_launchd, "Host launchd inventory" },
	{ "kubernetes", doc_table_kubernetes, "Kubernetes services" },
	{ "ports", doc_table_ports, "Port map" },
	{ "dns", doc_table_dns, "Name resolution" },
	{ "caddy", doc_table_caddy, "Networking and routes" },
	{ "sources", doc_table_sources, "Facts read from the source" },
	{ "events", doc_table_events, "Event graph" },
	{ "files", doc_table_files, "Evidence files" },
	{ "http", doc_table_http, "HTTP endpoints" },
	{ "commands", doc_table_commands, "Commands" },
	{ "redis", doc_table_redis, "Redis" },
	{ "unknowns", doc_table_unknowns, "Known unknowns" },
	{ "watch", doc_table_watch, "Update policy" },
	{ "adrs", doc_table_adrs, NULL },
	{ "cli", doc_table_cli, NULL },
	{ NULL, NULL, NULL },
};

/* Which top-level section a default-layout table needs to be shown. */
static const char *
doc_table_section(const char *table)
{
	if (strcmp(table, "commands") == 0)
		return "command";
	return table;
}

/* ---- the document ---- */

static void
doc_block(struct doc_ctx *ctx, const struct node *block)
{
	const struct doc_table	*tb;
	const char		*name;
	char			*s, *msg;
	size_t			 len;

	if (block->type != NODE_MAP) {
		doc_fault(ctx, block, "a block is {markdown: TEXT} or {table: NAME}");
		return;
	}
	if (node_get(block, "markdown") != NULL) {
		s = doc_key_text(block, "markdown");
		len = strlen(s);
		while (len > 0 && s[len - 1] == '\n')
			s[--len] = '\0';
		buf_printf(&ctx->out, "%s\n\n", s);
		free(s);
		return;
	}
	if ((name = node_str(block, "table", NULL)) == NULL) {
		doc_fault(ctx, block, "a block is {markdown: TEXT} or {table: NAME}");
		return;
	}
	for (tb = doc_tables; tb->name != NULL; tb++) {
		if (strcmp(tb->name, name) == 0) {
			tb->render(ctx, block);
			return;
		}
	}
	msg = xasprintf("no table named '%s' (launchd, kubernetes, ports, dns, caddy, "
	    "sources, events, files, http, commands, redis, unknowns, watch, adrs, cli)", name);
	doc_fault(ctx, node_get(block, "table"), msg);
	free(msg);
}

/* Results found by the run that no row shows: drift and errors, extras. */
static void
doc_findings(struct doc_ctx *ctx)
{
	static const char *const head[] = { "Check", "Verdict", "Observed", NULL };
	const struct doc_verdict	*v;
	char				*observed;
	size_t				 i, rows = 0;

	for (i = 0; i < ctx->results->count; i++) {
		v = &ctx->results->items[i];
		if (strcmp(v->status, "drift") != 0 && strcmp(v->status, "error") != 0)
			continue;
		if (rows++ == 0) {
			buf_puts(&ctx->out, "\n---\n\n## Drift and errors of this run\n\n");
			doc_header(ctx, head, "lll");
		}
		doc_row_start(ctx);
		doc_cell_free(ctx, xasprintf("`%s`", v->id));
		doc_cell_free(ctx, xasprintf("%s%s%s (%s)", v->status,
		    v->drift != NULL ? " " : "", v->drift != NULL ? v->drift : "",
		    v->layer));
		observed = xstrndup(v->observed != NULL ? v->observed : "", 200);
		doc_cell_free(ctx, observed);
		doc_row_end(ctx);
	}
	if (rows > 0)
		doc_table_end(ctx);
}

static void
doc_banner(struct doc_ctx *ctx)
{
	const struct doc_results	*r = ctx->results;
	static const char *const	 order[] = { "ok", "drift", "error", "unknown",
	    "skipped", NULL };
	size_t				 i, j, n;

	if (r == NULL) {
		buf_puts(&ctx->out, "> **Unverified.** This document was generated without "
		    "check results: every row says what is declared, not what was "
		    "observed. `topo doc --live` (or `--results REPORT.json` from "
		    "`topo check --format json`) adds each row's verdict and the time "
		    "of the run.\n\n");
		return;
	}
	buf_printf(&ctx->out, "> **Verified %s** (layers: %s):",
	    r->verified_at != NULL ? r->verified_at : "at an unknown time",
	    r->layers != NULL ? r->layers : "all");
	for (i = 0; order[i] != NULL; i++) {
		for (j = 0, n = 0; j < r->count; j++)
			n += strcmp(r->items[j].status, order[i]) == 0;
		buf_printf(&ctx->out, "%s %zu %s", i > 0 ? "," : "", n, order[i]);
	}
	buf_puts(&ctx->out, ". Each row's Verified column is its checks' verdict "
	    "in that run.\n\n");
}

static void
doc_sections(struct doc_ctx *ctx)
{
	const struct node	*sections, *section, *blocks;
	const struct doc_table	*tb;
	char			*title;
	size_t			 i, j;

	sections = node_get(ctx->doc, "sections");
	if (sections == NULL) {
		/* The default layout: every table whose section is declared. */
		for (tb = doc_tables; tb->name != NULL; tb++) {
			if (tb->title == NULL ||
			    node_get(ctx->root, doc_table_section(tb->name)) == NULL)
				continue;
			buf_printf(&ctx->out, "---\n\n## %s\n\n", tb->title);
			tb->render(ctx, NULL);
		}
		return;
	}
	if (sections->type != NODE_SEQ) {
		doc_fault(ctx, sections, "sections is a list of {title, blocks}");
		return;
	}
	for (i = 0; i < sections->count && ctx->cause == NULL; i++) {
		section = sections->items[i];
		blocks = node_get(section, "blocks");
		if (section->type != NODE_MAP || node_get(section, "title") == NULL ||
		    (blocks != NULL && blocks->type != NODE_SEQ)) {
			doc_fault(ctx, section, "a section is {title: TEXT, blocks: [...]}");
			return;
		}
		title = doc_key_text(section, "title");
		buf_printf(&ctx->out, "---\n\n## %s\n\n", title);
		free(title);
		for (j = 0; blocks != NULL && j < blocks->count && ctx->cause == NULL; j++)
			doc_block(ctx, blocks->items[j]);
	}
}

int
doc_write(FILE *out, const struct topology *t, const struct plan *p,
    const char *topology_path, const struct doc_results *results, char **cause)
{
	struct doc_ctx	 ctx;
	char		*s, *text = NULL;
	size_t		 len;
	int		 rc = -1;

	memset(&ctx, 0, sizeof ctx);
	buf_init(&ctx.out, 0);
	ctx.topology = t;
	ctx.plan = p;
	ctx.results = results;
	ctx.root = t->root;
	ctx.doc = node_get(t->root, "doc");
	*cause = NULL;

	buf_printf(&ctx.out, "<!-- Generated by `topo doc` from %s: do not edit by "
	    "hand. Change the topology and regenerate (make doc). -->\n\n",
	    topology_path != NULL ? topology_path : "the topology");
	if (node_get(ctx.doc, "title") != NULL) {
		s = doc_key_text(ctx.doc, "title");
		buf_printf(&ctx.out, "# %s\n\n", s);
		free(s);
	} else
		buf_printf(&ctx.out, "# %s\n\n", t->system != NULL ? t->system : "System");
	if (t->description != NULL)
		buf_printf(&ctx.out, "*%s*\n\n", t->description);
	doc_banner(&ctx);
	if (node_get(ctx.doc, "intro") != NULL) {
		s = doc_key_text(ctx.doc, "intro");
		len = strlen(s);
		while (len > 0 && s[len - 1] == '\n')
			s[--len] = '\0';
		buf_printf(&ctx.out, "%s\n\n", s);
		free(s);
	}
	doc_sections(&ctx);
	if (ctx.cause == NULL && results != NULL)
		doc_findings(&ctx);
	if (ctx.cause != NULL) {
		*cause = ctx.cause;
		ctx.cause = NULL;
		goto out;
	}
	/* One newline at the end, whatever the last block left. */
	while (ctx.out.len > 0 && ctx.out.data[ctx.out.len - 1] == '\n')
		ctx.out.data[--ctx.out.len] = '\0';
	buf_puts(&ctx.out, "\n");
	/* Whatever a secret expanded into (a Redis key, a route), the shared
	 * document shows *** instead. */
	text = topology_redact(t, buf_str(&ctx.out));
	len = strlen(text);
	if (fwrite(text, 1, len, out) != len) {
		*cause = xasprintf("cannot write the document: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(ctx.cause);
	buf_free(&ctx.out);
	return rc;
}
