/*
 * kubernetes.c: the `kubernetes:` section, workloads and Services.
 *
 *   kubernetes:
 *     context: admin@joelclaw        # optional: kubectl --context
 *     manifests: ${REPO}/k8s         # optional: static checks
 *     recursive: false               # look into subfolders of manifests
 *     namespaces:
 *       joelclaw:
 *         workloads: [StatefulSet/inngest, {name: Deployment/web, replicas: 2}]
 *         services:
 *           - name: inngest-svc
 *             type: NodePort
 *             ports: [{port: 8288, node_port: 8288, target_port: 8288}, 8289]
 *             managed_by: helm       # not in the manifests: static unknown
 *     storage:
 *       workloads:                   # what an operator makes, by name pattern
 *         - {name: StatefulSet/aistor-*, managed_by: aistor-operator}
 *
 * Live: ONE `kubectl [--context C] get statefulsets,deployments,daemonsets,
 * services -n NS -o json` per namespace per run, namespaces concurrently,
 * its answer shared by every check of the namespace:
 *   k8s/<ns>                  kubectl lists the namespace
 *   k8s/<ns>/<Kind>/<name>    exists; kind; replicas (when declared); ready
 *                             "all" (or "0/1": ready/desired) for workloads;
 *                             type, ports, target_ports for Services.
 * Static, from every *.yaml / *.yml of the manifests folder (libyaml,
 * multi-document; documents without apiVersion and kind are skipped, and so
 * is a file that does not parse but holds "{{": a Helm template):
 *   k8s/manifests                     the folder reads
 *   k8s/<ns>/<Kind>/<name>/manifest   the same facts but readiness, with
 *                                     file:line evidence.
 *
 * Ports compare as text in kubectl's own PORT(S) form, sorted by port:
 * "8288:8288/TCP,8289:8289/TCP" (port[:nodePort]/protocol). A node port is
 * shown only for ports whose node_port the topology declares (others are
 * assigned by the cluster). target_ports: "8288->8288,9070->admin", only for
 * ports whose target_port the topology declares.
 *
 * A name with '*' or '?' (util_glob_match) declares, with managed_by, the
 * objects of that kind an operator makes: k8s/<ns>/<Kind>/<pattern> is one
 * check of every object it matches (except those declared by their own
 * name): at least one must exist; each must be ready (live) and have the
 * replicas or type declared. Not in the manifests: unknown, as any managed
 * object. The objects it matches are not extras.
 *
 * Extras (in runs that include every check of that layer): every workload
 * or Service of a declared namespace that the topology does not declare.
 * A manifest object without a namespace belongs to the namespace it is
 * applied to: it matches a declaration in any namespace, and counts as an
 * extra only when the topology declares exactly one namespace.
 *
 * kubectl missing (not configured) or without a context: unknown. Any other
 * failure (exit 1, "Unable to connect", forbidden, timeout, invalid JSON):
 * error, with kubectl's first line of stderr as the reason.
 */
#include "probe.h"

#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/buf.h"
#include "../util/exec.h"
#include "../util/util.h"
#include "cmdout.h"
#include "k8s-parse.h"
#include "section.h"
#include "textfile.h"

#define K8S_KUBECTL_CAP		(32 * 1024 * 1024)
#define K8S_MAX_FILES		10000
#define K8S_MAX_DEPTH		16
#define K8S_RESOURCES		"statefulsets,deployments,daemonsets,services"

enum k8s_what {
	K8S_NAMESPACE,		/* live: kubectl lists the namespace */
	K8S_FOLDER,		/* static: the manifests folder reads */
	K8S_WORKLOAD,
	K8S_SERVICE,
};

struct k8s_decl_port {
	long long	 port;
	long long	 node_port;	/* -1: not declared */
	char		*target;	/* NULL: not declared */
	char		*protocol;
};

struct k8s_decl {
	char		*kind;
	char		*name;		/* or a pattern */
	int		 pattern;
};

struct k8s_namespace {
	char		*name;
	int		 timeout_ms;	/* its (or the section's) timeout_ms: bounds its
					 * kubectl call and is its items' default; 0 if none */
	struct k8s_decl	*decls;
	size_t		 ndecls;
};

/* The section, shared by every check planned from it (kept by the plan). */
struct k8s_section {
	char			*context;
	char			*manifests;	/* resolved; NULL when not set */
	int			 recursive;
	struct k8s_namespace	*namespaces;
	size_t			 nnamespaces;
};

struct k8s_config {
	struct k8s_section	*section;
	enum k8s_what		 what;
	size_t			 ns;		/* index in section->namespaces */
	char			*kind;
	char			*name;
	char			*managed_by;
	int			 pattern;	/* name is a glob: an operator's objects */
	struct k8s_decl_port	*ports;
	size_t			 nports;
};

static const char *const k8s_workload_kinds[] = {
	"StatefulSet", "Deployment", "DaemonSet", NULL
};

static const struct schema k8s_workload_keys[] = {
	{ .key = "name", .type = SCHEMA_STRING, .required = 1,
	  .help = "Kind/name: StatefulSet/inngest, Deployment/x, DaemonSet/y; "
	  "a name pattern (StatefulSet/aistor-*) with managed_by" },
	{ .key = "replicas", .type = SCHEMA_INT, .min = 0, .max = 100000,
	  .help = "desired replicas" },
	{ .key = "managed_by", .type = SCHEMA_STRING,
	  .help = "helm, an operator...: not in the manifests (static check unknown); "
	  "required with a name pattern" },
	{ .key = "role", .type = SCHEMA_ANY, .help = "documentation" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	{ .key = NULL },
};

static const struct schema k8s_workload_item[] = {
	{ .key = "workload", .type = SCHEMA_SCALAR_OR_MAP, .children = k8s_workload_keys,
	  .help = "Kind/name, or {name: Kind/name, replicas, managed_by}" },
	{ .key = NULL },
};

static const struct schema k8s_port_keys[] = {
	{ .key = "port", .type = SCHEMA_INT, .required = 1, .min = 1, .max = 65535,
	  .help = "the Service port" },
	{ .key = "node_port", .type = SCHEMA_INT, .min = 1, .max = 65535,
	  .help = "its nodePort" },
	{ .key = "target_port", .type = SCHEMA_STRING,
	  .help = "its targetPort: a number or a container port name" },
	{ .key = "protocol", .type = SCHEMA_STRING, .def = "TCP", .help = "TCP, UDP, SCTP" },
	{ .key = "name", .type = SCHEMA_STRING, .help = "documentation" },
	{ .key = NULL },
};

static const struct schema k8s_port_item[] = {
	{ .key = "port", .type = SCHEMA_SCALAR_OR_MAP, .children = k8s_port_keys,
	  .help = "a port number, or {port, node_port, target_port, protocol}" },
	{ .key = NULL },
};

static const struct schema k8s_service_keys[] = {
	{ .key = "name", .type = SCHEMA_STRING, .required = 1,
	  .help = "the Service's name, or a name pattern (aistor-*) with managed_by" },
	{ .key = "type", .type = SCHEMA_STRING,
	  .help = "ClusterIP, NodePort, LoadBalancer, ExternalName" },
	{ .key = "ports", .type = SCHEMA_LIST, .children = k8s_port_item,
	  .help = "every port of the Service" },
	{ .key = "managed_by", .type = SCHEMA_STRING,
	  .help = "helm, an operator...: not in the manifests (static check unknown); "
	  "required with a name pattern" },
	{ .key = "role", .type = SCHEMA_ANY, .help = "documentation" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	{ .key = NULL },
};

static const struct schema k8s_service_item[] = {
	{ .key = "service", .type = SCHEMA_MAP, .children = k8s_service_keys,
	  .help = "{name, type, ports, managed_by}" },
	{ .key = NULL },
};

static const struct schema k8s_namespace_keys[] = {
	{ .key = "workloads", .type = SCHEMA_LIST, .children = k8s_workload_item,
	  .help = "StatefulSets, Deployments and DaemonSets" },
	{ .key = "services", .type = SCHEMA_LIST, .children = k8s_service_item,
	  .help = "Services" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "timeout of the namespace's kubectl call, and its items' default" },
	{ .key = NULL },
};

static const struct schema k8s_namespace_item[] = {
	{ .key = "namespace", .type = SCHEMA_MAP, .children = k8s_namespace_keys,
	  .help = "what the namespace holds" },
	{ .key = NULL },
};

static const struct schema k8s_keys[] = {
	{ .key = "context", .type = SCHEMA_STRING,
	  .help = "kubectl context (default: kubectl's current context)" },
	{ .key = "manifests", .type = SCHEMA_STRING,
	  .help = "folder of the repository's manifests (static checks)" },
	{ .key = "recursive", .type = SCHEMA_BOOL, .def = "false",
	  .help = "also read manifests in subfolders" },
	{ .key = "namespaces", .type = SCHEMA_DICT, .required = 1,
	  .children = k8s_namespace_item, .help = "namespace name -> what it holds" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "default timeout of every check of the section" },
	{ .key = NULL },
};

static const struct schema k8s_schema = {
	.key = "kubernetes", .type = SCHEMA_MAP, .children = k8s_keys,
	.help = "Kubernetes workloads and Services: kubectl (live), manifests (static)",
};

/* ---- configuration ---- */

static void
k8s_section_free(void *p)
{
	struct k8s_section	*s = p;
	size_t			 i, j;

	free(s->context);
	free(s->manifests);
	for (i = 0; i < s->nnamespaces; i++) {
		for (j = 0; j < s->namespaces[i].ndecls; j++) {
			free(s->namespaces[i].decls[j].kind);
			free(s->namespaces[i].decls[j].name);
		}
		free(s->namespaces[i].decls);
		free(s->namespaces[i].name);
	}
	free(s->namespaces);
	free(s);
}

static void
k8s_free_config(void *p)
{
	struct k8s_config	*cfg = p;
	size_t			 i;

	if (cfg == NULL)
		return;
	free(cfg->kind);
	free(cfg->name);
	free(cfg->managed_by);
	for (i = 0; i < cfg->nports; i++) {
		free(cfg->ports[i].target);
		free(cfg->ports[i].protocol);
	}
	free(cfg->ports);
	free(cfg);
}

static struct k8s_config *
k8s_config_new(struct k8s_section *s, enum k8s_what what, size_t ns, const char *kind,
    const char *name)
{
	struct k8s_config	*cfg = xcalloc(1, sizeof *cfg);

	cfg->section = s;
	cfg->what = what;
	cfg->ns = ns;
	cfg->kind = kind != NULL ? xstrdup(kind) : NULL;
	cfg->name = name != NULL ? xstrdup(name) : NULL;
	return cfg;
}

/* Copies a template config (ports and all) for the static twin of a check. */
static struct k8s_config *
k8s_config_copy(const struct k8s_config *from)
{
	struct k8s_config	*cfg;
	size_t			 i;

	cfg = k8s_config_new(from->section, from->what, from->ns, from->kind, from->name);
	cfg->managed_by = from->managed_by != NULL ? xstrdup(from->managed_by) : NULL;
	cfg->pattern = from->pattern;
	cfg->ports = xcalloc(from->nports + 1, sizeof *cfg->ports);
	for (i = 0; i < from->nports; i++) {
		cfg->ports[i] = from->ports[i];
		cfg->ports[i].target = from->ports[i].target != NULL ?
		    xstrdup(from->ports[i].target) : NULL;
		cfg->ports[i].protocol = xstrdup(from->ports[i].protocol);
	}
	cfg->nports = from->nports;
	return cfg;
}

/* ---- port text ---- */

struct k8s_port_text {
	long long	 port;
	const char	*protocol;
	char		*text;
};

static int
k8s_compare_port_text(const void *a, const void *b)
{
	const struct k8s_port_text	*x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return strcmp(x->protocol, y->protocol);
}

/* Sorts and joins with ","; frees t and its texts. Caller frees the result. */
static char *
k8s_port_join(struct k8s_port_text *t, size_t n)
{
	struct buf	b;
	size_t		i;

	qsort(t, n, sizeof *t, k8s_compare_port_text);
	buf_init(&b, 65536);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s%s", i > 0 ? "," : "", t[i].text);
		free(t[i].text);
	}
	free(t);
	return buf_steal(&b);
}

/* One port in kubectl's form: "8288:30288/TCP", or without a node port (< 0) "8288/TCP". */
static char *
k8s_port_form(long long port, long long node_port, const char *protocol)
{
	if (node_port >= 0)
		return xasprintf("%lld:%lld/%s", port, node_port, protocol);
	return xasprintf("%lld/%s", port, protocol);
}

static const struct k8s_decl_port *
k8s_decl_port_find(const struct k8s_config *cfg, long long port, const char *protocol)
{
	size_t	i;

	for (i = 0; i < cfg->nports; i++) {
		if (cfg->ports[i].port == port && strcmp(cfg->ports[i].protocol, protocol) == 0)
			return &cfg->ports[i];
	}
	return NULL;
}

static int
k8s_any_target(const struct k8s_config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nports; i++) {
		if (cfg->ports[i].target != NULL)
			return 1;
	}
	return 0;
}

/* What the topology declares, as text: "8288:8288/TCP,8289/TCP". */
static char *
k8s_expected_ports(const struct k8s_config *cfg, int targets)
{
	struct k8s_port_text	*t = xcalloc(cfg->nports + 1, sizeof *t);
	const struct k8s_decl_port *d;
	size_t			 i, n = 0;

	for (i = 0; i < cfg->nports; i++) {
		d = &cfg->ports[i];
		if (targets && d->target == NULL)
			continue;
		t[n].port = d->port;
		t[n].protocol = d->protocol;
		t[n].text = targets ? xasprintf("%lld->%s", d->port, d->target) :
		    k8s_port_form(d->port, d->node_port, d->protocol);
		n++;
	}
	return k8s_port_join(t, n);
}

/* What was found, in the same form, shaped by what the topology declares. */
static char *
k8s_observed_ports(const struct k8s_config *cfg, const struct k8s_object *o, int targets)
{
	struct k8s_port_text	*t = xcalloc(o->nports + 1, sizeof *t);
	const struct k8s_decl_port *d;
	const struct k8s_port	*p;
	size_t			 i, n = 0;

	for (i = 0; i < o->nports; i++) {
		p = &o->ports[i];
		d = k8s_decl_port_find(cfg, p->port, p->protocol);
		if (targets && (d == NULL || d->target == NULL))
			continue;
		t[n].port = p->port;
		t[n].protocol = p->protocol;
		if (targets)
			/* Kubernetes defaults targetPort to the port. */
			t[n].text = p->target != NULL ? xasprintf("%lld->%s", p->port, p->target) :
			    xasprintf("%lld->%lld", p->port, p->port);
		else
			/* The node port only where the topology declares one. */
			t[n].text = k8s_port_form(p->port, d != NULL && d->node_port >= 0 ?
			    p->node_port : -1, p->protocol);
		n++;
	}
	return k8s_port_join(t, n);
}

/* Every port in kubectl's form, for extras and evidence. */
static char *
k8s_all_ports(const struct k8s_object *o)
{
	struct k8s_port_text	*t = xcalloc(o->nports + 1, sizeof *t);
	size_t			 i;

	for (i = 0; i < o->nports; i++) {
		t[i].port = o->ports[i].port;
		t[i].protocol = o->ports[i].protocol;
		t[i].text = k8s_port_form(o->ports[i].port, o->ports[i].node_port,
		    o->ports[i].protocol);
	}
	return k8s_port_join(t, o->nports);
}

/* ---- planning ---- */

static void
k8s_plan_ports(struct plan *p, struct k8s_config *cfg, const struct node *ports)
{
	const struct node	*item;
	struct k8s_decl_port	*d;
	size_t			 i;

	for (i = 0; ports != NULL && ports->type == NODE_SEQ && i < ports->count; i++) {
		item = ports->items[i];
		cfg->ports = xreallocarray(cfg->ports, cfg->nports + 1, sizeof *cfg->ports);
		d = &cfg->ports[cfg->nports++];
		memset(d, 0, sizeof *d);
		d->node_port = -1;
		if (item->type == NODE_SCALAR) {
			d->port = strtoll(item->value, NULL, 10);
			d->protocol = xstrdup("TCP");
		} else {
			d->port = node_int(item, "port", 0);
			d->node_port = node_int(item, "node_port", -1);
			if (node_get(item, "target_port") != NULL)
				d->target = xstrdup(node_str(item, "target_port", ""));
			d->protocol = xstrdup(node_str(item, "protocol", "TCP"));
		}
		if (d->port <= 0 || d->port > 65535)
			problems_add_at(p->problems, item, "kubernetes: a port is a number 1-65535");
	}
}

/* Adds the expectations of a workload or Service check from its config. */
static void
k8s_plan_expects(struct plan *p, struct check *c, const struct node *where,
    const struct k8s_config *cfg, long long replicas, int live)
{
	char	*v;

	plan_expect(p, c, where, "exists", MATCH_EQUALS, "yes");
	plan_expect(p, c, where, "kind", MATCH_EQUALS, cfg->kind);
	if (cfg->what == K8S_WORKLOAD) {
		if (replicas >= 0) {
			v = xasprintf("%lld", replicas);
			plan_expect(p, c, where, "replicas", MATCH_EQUALS, v);
			free(v);
		}
		/* Readiness is the cluster's; a workload scaled to 0 on purpose has none. */
		if (live && replicas != 0)
			plan_expect(p, c, where, "ready", MATCH_EQUALS, "all");
		return;
	}
	if (node_get(where, "type") != NULL)
		plan_expect(p, c, node_get(where, "type"), "type", MATCH_EQUALS,
		    node_str(where, "type", ""));
	if (node_get(where, "ports") != NULL) {
		v = k8s_expected_ports(cfg, 0);
		plan_expect(p, c, node_get(where, "ports"), "ports", MATCH_EQUALS, v);
		free(v);
		if (k8s_any_target(cfg)) {
			v = k8s_expected_ports(cfg, 1);
			plan_expect(p, c, node_get(where, "ports"), "target_ports",
			    MATCH_EQUALS, v);
			free(v);
		}
	}
}

/*
 * A name pattern is an operator's objects: it says which operator, and
 * nothing every object it matches could not share. 0 after a problem.
 */
static int
k8s_plan_pattern(struct plan *p, const struct node *item, const char *kind,
    const char *spec)
{
	const char	*managed_by = node_str(item, "managed_by", NULL);

	if (managed_by == NULL || *managed_by == '\0') {
		problems_add_at(p->problems, item, "kubernetes: %s%s%s is a name pattern: "
		    "it needs managed_by (the operator that makes the objects)",
		    strcmp(kind, "Service") == 0 ? "" : kind,
		    strcmp(kind, "Service") == 0 ? "" : "/", spec);
		return 0;
	}
	if (node_get(item, "ports") != NULL) {
		problems_add_at(p->problems, node_get(item, "ports"), "kubernetes: ports: "
		    "not with a name pattern (declare such a Service by its name)");
		return 0;
	}
	return 1;
}

static void
k8s_plan_object(struct plan *p, struct k8s_section *s, size_t ns, const struct node *item,
    enum k8s_what what)
{
	struct k8s_namespace	*n = &s->namespaces[ns];
	struct k8s_config	*cfg, *copy;
	struct check		*c;
	const struct node	*where = item;
	const char		*spec, *slash, *kind;
	char			*kindbuf = NULL;
	long long		 replicas = -1;
	size_t			 i;

	spec = item->type == NODE_SCALAR ? item->value : node_str(item, "name", NULL);
	if (spec == NULL || *spec == '\0') {
		problems_add_at(p->problems, item, "kubernetes: an item needs a name");
		return;
	}
	if (what == K8S_WORKLOAD) {
		slash = strchr(spec, '/');
		if (slash == NULL || slash == spec || slash[1] == '\0' ||
		    strchr(slash + 1, '/') != NULL) {
			problems_add_at(p->problems, item,
			    "kubernetes: a workload is Kind/name (StatefulSet/inngest), not '%s'",
			    spec);
			return;
		}
		kindbuf = xstrndup(spec, (size_t)(slash - spec));
		for (i = 0; k8s_workload_kinds[i] != NULL; i++) {
			if (strcmp(k8s_workload_kinds[i], kindbuf) == 0)
				break;
		}
		if (k8s_workload_kinds[i] == NULL) {
			problems_add_at(p->problems, item, "kubernetes: workload kind '%s' is not "
			    "StatefulSet, Deployment or DaemonSet", kindbuf);
			free(kindbuf);
			return;
		}
		kind = kindbuf;
		spec = slash + 1;
		if (item->type == NODE_MAP)
			replicas = node_int(item, "replicas", -1);
	} else
		kind = "Service";
	if (k8s_name_is_pattern(spec) && !k8s_plan_pattern(p, item, kind, spec)) {
		free(kindbuf);
		return;
	}

	cfg = k8s_config_new(s, what, ns, kind, spec);
	if (item->type == NODE_MAP && node_str(item, "managed_by", NULL) != NULL)
		cfg->managed_by = xstrdup(node_str(item, "managed_by", NULL));
	cfg->pattern = k8s_name_is_pattern(spec);
	if (what == K8S_SERVICE)
		k8s_plan_ports(p, cfg, node_get(item, "ports"));

	n->decls = xreallocarray(n->decls, n->ndecls + 1, sizeof *n->decls);
	n->decls[n->ndecls].kind = xstrdup(kind);
	n->decls[n->ndecls].name = xstrdup(spec);
	n->decls[n->ndecls].pattern = cfg->pattern;
	n->ndecls++;

	c = plan_add(p, &probe_kubernetes, LAYER_LIVE, where, "k8s/%s/%s/%s", n->name, kind,
	    spec);
	section_inherit_timeout(c, where, n->timeout_ms);
	c->config = cfg;
	k8s_plan_expects(p, c, where, cfg, replicas, 1);
	if (cfg->pattern)
		plan_summary(c, "every %s matching %s in namespace %s (made by %s)%s",
		    kind, spec, n->name, cfg->managed_by, what == K8S_WORKLOAD ?
		    ", all replicas ready" : "");
	else
		plan_summary(c, "%s %s in namespace %s%s", kind, spec, n->name,
		    what == K8S_WORKLOAD ? ", all replicas ready" : "");
	if (s->manifests != NULL) {
		copy = k8s_config_copy(cfg);
		c = plan_add(p, &probe_kubernetes, LAYER_STATIC, where, "k8s/%s/%s/%s/manifest",
		    n->name, kind, spec);
		section_inherit_timeout(c, where, n->timeout_ms);
		c->config = copy;
		k8s_plan_expects(p, c, where, copy, replicas, 0);
		plan_summary(c, "%s %s%s (namespace %s) in the manifests", kind,
		    cfg->pattern ? "matching " : "", spec, n->name);
	}
	free(kindbuf);
}

static void
k8s_plan(struct plan *p, const struct node *section)
{
	struct k8s_section	*s;
	const struct node	*namespaces, *nsnode, *list;
	struct k8s_config	*cfg;
	struct check		*c;
	const char		*v;
	size_t			 i, j;
	int			 section_timeout;

	if (section->type != NODE_MAP)
		return;
	section_timeout = (int)node_int(section, "timeout_ms", 0);
	s = xcalloc(1, sizeof *s);
	plan_keep(p, s, k8s_section_free);
	if ((v = node_str(section, "context", NULL)) != NULL && *v != '\0')
		s->context = xstrdup(v);
	if ((v = node_str(section, "manifests", NULL)) != NULL && *v != '\0')
		s->manifests = textfile_resolve_at(p->topology,
		    node_get(section, "manifests"), v);
	s->recursive = node_bool(section, "recursive", 0);

	namespaces = node_get(section, "namespaces");
	if (namespaces != NULL && namespaces->type == NODE_MAP) {
		s->namespaces = xcalloc(namespaces->count + 1, sizeof *s->namespaces);
		for (i = 0; i < namespaces->count; i++)
			s->namespaces[i].name = xstrdup(namespaces->keys[i]->value);
		s->nnamespaces = namespaces->count;
	}
	if (s->manifests != NULL) {
		cfg = k8s_config_new(s, K8S_FOLDER, 0, NULL, NULL);
		c = plan_add(p, &probe_kubernetes, LAYER_STATIC, section, "k8s/manifests");
		c->config = cfg;
		plan_summary(c, "the manifests in %s read", s->manifests);
	}
	for (i = 0; i < s->nnamespaces; i++) {
		nsnode = namespaces->items[i];
		if (strchr(s->namespaces[i].name, '/') != NULL || *s->namespaces[i].name == '\0') {
			problems_add_at(p->problems, namespaces->keys[i],
			    "kubernetes: '%s' is not a namespace name", s->namespaces[i].name);
			continue;
		}
		/* The namespace's timeout_ms, else the section's: its call's and its items'. */
		s->namespaces[i].timeout_ms = (int)node_int(nsnode, "timeout_ms", section_timeout);
		cfg = k8s_config_new(s, K8S_NAMESPACE, i, NULL, NULL);
		c = plan_add(p, &probe_kubernetes, LAYER_LIVE, nsnode, "k8s/%s",
		    s->namespaces[i].name);
		section_inherit_timeout(c, nsnode, s->namespaces[i].timeout_ms);
		c->config = cfg;
		plan_summary(c, "kubectl lists namespace %s", s->namespaces[i].name);
		list = node_get(nsnode, "workloads");
		for (j = 0; list != NULL && list->type == NODE_SEQ && j < list->count; j++)
			k8s_plan_object(p, s, i, list->items[j], K8S_WORKLOAD);
		list = node_get(nsnode, "services");
		for (j = 0; list != NULL && list->type == NODE_SEQ && j < list->count; j++)
			k8s_plan_object(p, s, i, list->items[j], K8S_SERVICE);
	}
}

/* ---- observing (both layers) ---- */

/* For batch_whole_layer: is the check one of namespace *arg's? */
static int
k8s_in_namespace(const struct check *c, const void *arg)
{
	const struct k8s_config	*cfg = c->config;

	return cfg != NULL && cfg->ns == *(const size_t *)arg;
}

/* Declared by its own name (not only matched by a pattern). */
static int
k8s_declared_by_name(const struct k8s_namespace *n, const struct k8s_object *o)
{
	size_t	i;
	int	workload = k8s_kind_is_workload(o->kind);

	for (i = 0; i < n->ndecls; i++) {
		if (n->decls[i].pattern || strcmp(n->decls[i].name, o->name) != 0)
			continue;
		if (strcmp(n->decls[i].kind, o->kind) == 0 ||
		    (workload && k8s_kind_is_workload(n->decls[i].kind)))
			return 1;
	}
	return 0;
}

static int
k8s_declared(const struct k8s_namespace *n, const struct k8s_object *o)
{
	size_t	i;
	int	workload = k8s_kind_is_workload(o->kind);

	for (i = 0; i < n->ndecls; i++) {
		/* An operator's objects, by pattern: of that kind only. */
		if (n->decls[i].pattern) {
			if (k8s_object_matches(o, n->decls[i].kind, n->decls[i].name, NULL))
				return 1;
			continue;
		}
		if (strcmp(n->decls[i].name, o->name) != 0)
			continue;
		/* A workload declared with another kind is "changed", not an extra. */
		if (strcmp(n->decls[i].kind, o->kind) == 0 ||
		    (workload && k8s_kind_is_workload(n->decls[i].kind)))
			return 1;
	}
	return 0;
}

/* The declared object: the same kind first, then (workloads) another workload kind. */
static const struct k8s_object *
k8s_lookup(const struct k8s_objects *objs, const struct k8s_config *cfg, const char *ns)
{
	const struct k8s_object	*o;
	size_t			 i;

	if ((o = k8s_objects_find(objs, cfg->kind, cfg->name, ns)) != NULL)
		return o;
	if (cfg->what != K8S_WORKLOAD)
		return NULL;
	for (i = 0; i < objs->count; i++) {
		o = &objs->items[i];
		if (k8s_kind_is_workload(o->kind) && strcmp(o->name, cfg->name) == 0 &&
		    (o->ns == NULL || ns == NULL || strcmp(o->ns, ns) == 0))
			return o;
	}
	return NULL;
}

/* Facts of a found object; source is the command run (live) or "file:line" (static). */
static void
k8s_facts(struct check *c, const struct k8s_config *cfg, const struct k8s_object *o,
    const char *source)
{
	struct observation	*ob = &c->observation;
	char			*ports, *targets, *all;

	observation_fact(ob, "exists", "yes");
	observation_fact(ob, "kind", o->kind);
	if (k8s_kind_is_workload(o->kind)) {
		if (o->replicas >= 0)
			observation_factf(ob, "replicas", "%lld", o->replicas);
		if (o->file == NULL) {
			if (o->ready >= o->replicas && o->replicas > 0)
				observation_fact(ob, "ready", "all");
			else
				observation_factf(ob, "ready", "%lld/%lld", o->ready, o->replicas);
			observation_evidence(ob, "%s\n%s/%s: replicas %lld, ready %lld/%lld",
			    source, o->kind, o->name, o->replicas, o->ready, o->replicas);
		} else
			observation_evidence(ob, "%s: %s/%s, replicas %lld", source, o->kind,
			    o->name, o->replicas);
		return;
	}
	if (strcmp(o->kind, "Service") != 0) {
		observation_evidence(ob, "%s: %s/%s", source, o->kind, o->name);
		return;
	}
	observation_fact(ob, "type", o->service_type);
	ports = k8s_observed_ports(cfg, o, 0);
	observation_fact(ob, "ports", ports);
	if (k8s_any_target(cfg)) {
		targets = k8s_observed_ports(cfg, o, 1);
		observation_fact(ob, "target_ports", targets);
		free(targets);
	}
	all = k8s_all_ports(o);
	/* Live: the command, then what it said; static: file:line: what is written. */
	observation_evidence(ob, "%s%sService/%s: type %s, ports %s", source,
	    o->file == NULL ? "\n" : ": ", o->name, o->service_type, all);
	free(all);
	free(ports);
}

/* Evidence lines of a pattern's objects, at most this many. */
#define K8S_PATTERN_SHOWN	20

/*
 * The facts of a pattern declaration: every object it matches in ns (but
 * those declared by their own name), from kubectl (live: their readiness
 * too) or the manifests. source: the command run, or NULL for manifests.
 * Returns how many matched; with none, nothing is written.
 */
static size_t
k8s_pattern_facts(struct check *c, const struct k8s_config *cfg,
    const struct k8s_objects *objs, const char *ns, const char *source)
{
	const struct k8s_namespace *n = &cfg->section->namespaces[cfg->ns];
	const struct k8s_object	*o;
	struct observation	*ob = &c->observation;
	struct buf		 lines, unready, each;
	const char		*first_type = NULL;
	long long		 first_replicas = -2;
	size_t			 i, count = 0;
	int			 mixed = 0, workload = cfg->what == K8S_WORKLOAD;

	buf_init(&lines, 0);
	buf_init(&unready, 0);
	buf_init(&each, 0);
	for (i = 0; i < objs->count; i++) {
		o = &objs->items[i];
		if (!k8s_object_matches(o, cfg->kind, cfg->name, ns) ||
		    k8s_declared_by_name(n, o))
			continue;
		count++;
		if (workload) {
			if (first_replicas == -2)
				first_replicas = o->replicas;
			mixed |= o->replicas != first_replicas;
			buf_printf(&each, "%s%s=%lld", each.len > 0 ? "," : "", o->name,
			    o->replicas);
			if (source != NULL && (o->replicas <= 0 || o->ready < o->replicas))
				buf_printf(&unready, "%s%s %lld/%lld", unready.len > 0 ?
				    ", " : "", o->name, o->ready, o->replicas);
		} else {
			if (first_type == NULL)
				first_type = o->service_type;
			mixed |= strcmp(o->service_type, first_type) != 0;
			buf_printf(&each, "%s%s=%s", each.len > 0 ? "," : "", o->name,
			    o->service_type);
		}
		if (count > K8S_PATTERN_SHOWN)
			continue;
		if (source == NULL)
			buf_printf(&lines, "\n%s:%d: %s/%s", o->file, o->line, o->kind,
			    o->name);
		else
			buf_printf(&lines, "\n%s/%s", o->kind, o->name);
		if (workload && source != NULL)
			buf_printf(&lines, ": replicas %lld, ready %lld/%lld", o->replicas,
			    o->ready, o->replicas);
		else if (workload)
			buf_printf(&lines, ", replicas %lld", o->replicas);
		else
			buf_printf(&lines, "%stype %s", source != NULL ? ": " : ", ",
			    o->service_type);
	}
	if (count > 0) {
		observation_fact(ob, "exists", "yes");
		observation_fact(ob, "kind", cfg->kind);
		observation_factf(ob, "objects", "%zu", count);
		if (workload) {
			/* One number when they agree, else each one's. */
			if (mixed)
				observation_fact(ob, "replicas", buf_str(&each));
			else if (first_replicas >= 0)
				observation_factf(ob, "replicas", "%lld", first_replicas);
			if (source != NULL)
				observation_fact(ob, "ready", unready.len > 0 ?
				    buf_str(&unready) : "all");
		} else
			observation_fact(ob, "type", mixed ? buf_str(&each) : first_type);
		observation_evidence(ob, "%s%s%zu %s%s matching %s (made by %s)%s%s",
		    source != NULL ? source : "", source != NULL ? "\n" : "", count,
		    cfg->kind, count == 1 ? "" : "s", cfg->name, cfg->managed_by,
		    buf_str(&lines), count > K8S_PATTERN_SHOWN ? "\n..." : "");
	}
	buf_free(&lines);
	buf_free(&unready);
	buf_free(&each);
	return count;
}

/* ---- live ---- */

struct k8s_call {
	size_t		 ns;
	char		*argv[12];
	char		*timeout_arg;
	struct exec_job	 job;
	struct k8s_objects objs;
	int		 state;		/* OBSERVATION_SEEN, _ERROR or _UNKNOWN */
	char		*reason;
	char		*cmd;
};

static int
k8s_no_context(const char *line)
{
	return strstr(line, "current-context is not set") != NULL ||
	    strstr(line, "context was not found") != NULL ||
	    (strstr(line, "context") != NULL && strstr(line, "does not exist") != NULL) ||
	    strstr(line, "no configuration has been provided") != NULL;
}

/*
 * Returns 0 (publish nothing) when the run was cancelled. The tool's faults
 * read as cmdout_judge words them for every tool; kubectl's own case is a
 * machine with no cluster context: unknown, with the same words.
 */
static int
k8s_call_judge(struct k8s_call *call, const struct k8s_section *s, int configured)
{
	struct exec_job		*job = &call->job;
	char			*line, *cause = NULL, *shown;
	char			*words[] = { (char *)"kubectl", (char *)"get", (char *)"-n",
				    s->namespaces[call->ns].name, NULL, NULL, NULL, NULL };
	enum cmdout_verdict	 v;

	if (s->context != NULL) {
		words[1] = (char *)"--context";
		words[2] = s->context;
		words[3] = (char *)"get";
		words[4] = (char *)"-n";
		words[5] = s->namespaces[call->ns].name;
	}
	shown = exec_argv_string(words);
	call->state = OBSERVATION_ERROR;
	v = cmdout_judge(job, "kubectl", configured, shown, &call->reason);
	if (v == CMDOUT_CANCELLED)
		goto out;
	if (v == CMDOUT_ERROR && job->exited && job->exit_code != 0) {
		line = cmdout_failure_line(job);
		if (k8s_no_context(line))
			v = CMDOUT_UNKNOWN;
		free(line);
	}
	if (v == CMDOUT_UNKNOWN)
		call->state = OBSERVATION_UNKNOWN;
	if (v != CMDOUT_OK)
		goto out;
	if (k8s_objects_from_json(&call->objs, job->out.data != NULL ? job->out.data : "",
	    job->out.len, &cause) != 0) {
		call->reason = xasprintf("%s: kubectl printed %s", shown, cause);
		free(cause);
		goto out;
	}
	call->state = OBSERVATION_SEEN;
out:
	free(shown);
	return v != CMDOUT_CANCELLED;
}

static void
k8s_observe_live(struct check *c, struct k8s_call *call, const char *ns)
{
	const struct k8s_config	*cfg = c->config;
	const struct k8s_object	*o;
	struct observation	*ob = &c->observation;

	if (call->state == OBSERVATION_UNKNOWN) {
		observation_unknown(ob, "%s", call->reason);
		observation_evidence(ob, "%s", call->cmd);
		return;
	}
	if (call->state == OBSERVATION_ERROR) {
		observation_error(ob, "%s", call->reason);
		observation_evidence(ob, "%s", call->cmd);
		return;
	}
	if (cfg->what == K8S_NAMESPACE) {
		observation_factf(ob, "objects", "%zu", call->objs.count);
		observation_evidence(ob, "%s\n%zu workloads and Services", call->cmd,
		    call->objs.count);
		return;
	}
	if (cfg->pattern) {
		if (k8s_pattern_facts(c, cfg, &call->objs, ns, call->cmd) > 0)
			return;
		observation_fact(ob, "exists", "no");
		observation_evidence(ob, "%s\nno %s matching %s in namespace %s", call->cmd,
		    cfg->kind, cfg->name, ns);
		return;
	}
	if ((o = k8s_lookup(&call->objs, cfg, ns)) == NULL) {
		observation_fact(ob, "exists", "no");
		observation_evidence(ob, "%s\nno %s named %s in namespace %s", call->cmd,
		    cfg->what == K8S_WORKLOAD ? "workload" : "Service", cfg->name, ns);
		return;
	}
	k8s_facts(c, cfg, o, call->cmd);
}

static void
k8s_live_extras(struct batch *b, const struct k8s_section *s, struct k8s_call *call,
    const struct check *near)
{
	const struct k8s_namespace	*n = &s->namespaces[call->ns];
	const struct k8s_object		*o;
	char				*id, *found, *all;
	size_t				 i;

	for (i = 0; i < call->objs.count; i++) {
		o = &call->objs.items[i];
		if ((!k8s_kind_is_workload(o->kind) && strcmp(o->kind, "Service") != 0) ||
		    k8s_declared(n, o))
			continue;
		id = xasprintf("k8s/%s/%s/%s", n->name, o->kind, o->name);
		if (strcmp(o->kind, "Service") == 0) {
			all = k8s_all_ports(o);
			found = xasprintf("Service %s, type %s, ports %s", o->name,
			    o->service_type, all);
			free(all);
		} else
			found = xasprintf("%s %s, ready %lld/%lld", o->kind, o->name, o->ready,
			    o->replicas);
		batch_extra(b, near, id, found, call->cmd);
		free(found);
		free(id);
	}
}

/* What k8s_call_done needs to publish a namespace's checks as soon as its call ends. */
struct k8s_run {
	struct batch		*b;
	struct k8s_section	*s;
	struct check		**checks;
	size_t			 n;
	struct k8s_call		*calls;
	struct exec_job		*jobs;
	int			 configured;
};

static void
k8s_call_done(struct exec_job *job, void *arg)
{
	struct k8s_run		*r = arg;
	struct k8s_call		*call = &r->calls[job - r->jobs];
	const struct k8s_config	*cfg;
	const struct check	*near = NULL;
	size_t			 j;

	call->job = *job;	/* the call owns the buffers from here */
	/* A hung kubectl for one namespace must not hold back the others. */
	if (!k8s_call_judge(call, r->s, r->configured) || batch_cancelled(r->b))
		return;
	for (j = 0; j < r->n; j++) {
		cfg = r->checks[j]->config;
		if (cfg->ns != call->ns)
			continue;
		k8s_observe_live(r->checks[j], call, r->s->namespaces[cfg->ns].name);
		batch_done(r->b, r->checks[j]);
		if (near == NULL || cfg->what == K8S_NAMESPACE)
			near = r->checks[j];
	}
	if (call->state == OBSERVATION_SEEN && near != NULL &&
	    batch_whole_layer(r->b, LAYER_LIVE, k8s_in_namespace, &call->ns))
		k8s_live_extras(r->b, r->s, call, near);
}

static void
k8s_run_live(struct batch *b, struct check **checks, size_t n)
{
	struct k8s_section	*s;
	struct k8s_call		*calls;
	struct exec_job		*jobs;
	struct k8s_run		 run;
	const char		*program;
	size_t			 i, j, ncalls = 0, a;
	int			 configured, timeout;
	const struct k8s_config	*cfg;

	if (n == 0)
		return;
	s = ((struct k8s_config *)checks[0]->config)->section;
	program = cmdout_program(b->topology, "kubectl", &configured);
	calls = xcalloc(s->nnamespaces + 1, sizeof *calls);
	/* One call per namespace that has a check in this batch. */
	for (i = 0; i < s->nnamespaces; i++) {
		timeout = 0;
		for (j = 0; j < n; j++) {
			cfg = checks[j]->config;
			if (cfg->ns == i && checks[j]->timeout_ms > timeout)
				timeout = checks[j]->timeout_ms;
		}
		if (timeout == 0)
			continue;
		/* The namespace's own timeout_ms is the call's, whatever its items'. */
		if (s->namespaces[i].timeout_ms > 0)
			timeout = s->namespaces[i].timeout_ms;
		calls[ncalls].ns = i;
		a = 0;
		calls[ncalls].argv[a++] = (char *)program;
		if (s->context != NULL) {
			calls[ncalls].argv[a++] = (char *)"--context";
			calls[ncalls].argv[a++] = s->context;
		}
		calls[ncalls].argv[a++] = (char *)"get";
		calls[ncalls].argv[a++] = (char *)K8S_RESOURCES;
		calls[ncalls].argv[a++] = (char *)"-n";
		calls[ncalls].argv[a++] = s->namespaces[i].name;
		calls[ncalls].argv[a++] = (char *)"-o";
		calls[ncalls].argv[a++] = (char *)"json";
		/* kubectl gives up a little before we would kill it, with its own message. */
		calls[ncalls].timeout_arg = xasprintf("--request-timeout=%dms",
		    timeout > 1000 ? timeout - timeout / 10 : timeout);
		calls[ncalls].argv[a++] = calls[ncalls].timeout_arg;
		calls[ncalls].argv[a] = NULL;
		calls[ncalls].job.timeout_ms = timeout;
		calls[ncalls].job.out_cap = K8S_KUBECTL_CAP;
		calls[ncalls].cmd = exec_argv_string(calls[ncalls].argv);
		ncalls++;
	}
	jobs = xcalloc(ncalls + 1, sizeof *jobs);
	for (i = 0; i < ncalls; i++) {
		jobs[i] = calls[i].job;
		jobs[i].argv = calls[i].argv;
	}
	run.b = b;
	run.s = s;
	run.checks = checks;
	run.n = n;
	run.calls = calls;
	run.jobs = jobs;
	run.configured = configured;
	batch_run_programs(b, jobs, ncalls, k8s_call_done, &run);
	free(jobs);
	for (i = 0; i < ncalls; i++) {
		exec_job_free(&calls[i].job);
		k8s_objects_free(&calls[i].objs);
		free(calls[i].timeout_arg);
		free(calls[i].reason);
		free(calls[i].cmd);
	}
	free(calls);
}

/* ---- static ---- */

struct k8s_manifests {
	struct k8s_objects	 objs;
	char			**files;
	size_t			 nfiles;
	struct buf		 errors;	/* "file:line:col: problem" lines */
	size_t			 nerrors;
	struct buf		 skipped;	/* Helm templates */
	size_t			 nskipped;
	char			*cause;		/* the folder itself cannot be read */
};

static int
k8s_is_yaml(const char *name)
{
	size_t	len = strlen(name);

	return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
	    (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

/* Collects the YAML files of folder (and its subfolders when recursive). */
static int
k8s_walk(struct k8s_manifests *m, const char *folder, int recursive, int depth)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*dir;
	char		*path;

	if ((dir = opendir(folder)) == NULL) {
		if (depth == 0)
			m->cause = xasprintf("cannot read %s: %s", folder, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL && m->nfiles < K8S_MAX_FILES) {
		if (de->d_name[0] == '.')
			continue;	/* also . and .. */
		path = xasprintf("%s/%s", folder, de->d_name);
		/* lstat: a symlinked folder could loop. */
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (recursive && depth < K8S_MAX_DEPTH)
				k8s_walk(m, path, recursive, depth + 1);
		} else if (k8s_is_yaml(de->d_name)) {
			m->files = xreallocarray(m->files, m->nfiles + 1, sizeof *m->files);
			m->files[m->nfiles++] = path;
			path = NULL;
		}
		free(path);
	}
	closedir(dir);
	return 0;
}

static int
k8s_compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * root: --root, or NULL. The folder must be in it before it is listed; the
 * walk does not follow linked folders, and each file (a link, maybe) is
 * judged again when it is read (textfile_read).
 */
static void
k8s_read_manifests(const char *folder, const char *root, int recursive,
    struct k8s_manifests *m)
{
	struct buf	 b;
	char		*cause = NULL, *real = NULL;
	size_t		 i;

	memset(m, 0, sizeof *m);
	buf_init(&m->errors, 65536);
	buf_init(&m->skipped, 65536);
	if (textfile_allowed(root, folder, &real, &m->cause) != 0)
		return;
	free(real);
	if (k8s_walk(m, folder, recursive, 0) != 0)
		return;
	if (m->nfiles > 1)
		qsort(m->files, m->nfiles, sizeof *m->files, k8s_compare_strings);
	for (i = 0; i < m->nfiles; i++) {
		if (textfile_read(root, m->files[i], &b, &cause) != 0) {
			buf_printf(&m->errors, "%s%s", m->nerrors++ > 0 ? "\n" : "", cause);
			free(cause);
			continue;
		}
		if (k8s_objects_from_yaml(&m->objs, buf_str(&b), b.len, m->files[i],
		    &cause) != 0) {
			/* A Helm template is not YAML until rendered: not ours to read. */
			if (util_memmem(buf_str(&b), b.len, "{{", 2) != NULL)
				buf_printf(&m->skipped, "%s%s", m->nskipped++ > 0 ? ", " : "",
				    m->files[i]);
			else
				buf_printf(&m->errors, "%s%s", m->nerrors++ > 0 ? "\n" : "", cause);
			free(cause);
		}
		buf_free(&b);
	}
}

static void
k8s_manifests_free(struct k8s_manifests *m)
{
	size_t	i;

	k8s_objects_free(&m->objs);
	for (i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
	buf_free(&m->errors);
	buf_free(&m->skipped);
	free(m->cause);
}

static void
k8s_observe_static(struct check *c, const struct k8s_manifests *m)
{
	const struct k8s_config	*cfg = c->config;
	const struct k8s_section *s = cfg->section;
	const struct k8s_object	*o;
	struct observation	*ob = &c->observation;
	const char		*ns;
	char			*where;

	if (m->cause != NULL) {
		observation_error(ob, "%s", m->cause);
		return;
	}
	if (cfg->what == K8S_FOLDER) {
		if (m->nerrors > 0) {
			observation_error(ob, "%zu manifest%s could not be read: %s", m->nerrors,
			    m->nerrors > 1 ? "s" : "", buf_str(&m->errors));
			return;
		}
		observation_factf(ob, "files", "%zu", m->nfiles);
		observation_factf(ob, "objects", "%zu", m->objs.count);
		observation_evidence(ob, "%s: %zu YAML files, %zu Kubernetes objects%s%s",
		    s->manifests, m->nfiles, m->objs.count,
		    m->nskipped > 0 ? "; Helm templates skipped: " : "", buf_str(&m->skipped));
		return;
	}
	ns = s->namespaces[cfg->ns].name;
	if (cfg->pattern) {
		/* What an operator makes is seldom in the repository. */
		if (k8s_pattern_facts(c, cfg, &m->objs, ns, NULL) == 0)
			observation_unknown(ob, "managed by %s: not in manifests",
			    cfg->managed_by);
		return;
	}
	if ((o = k8s_lookup(&m->objs, cfg, ns)) == NULL) {
		if (cfg->managed_by != NULL)
			observation_unknown(ob, "managed by %s: not in manifests", cfg->managed_by);
		else if (m->nerrors > 0)
			observation_error(ob, "%s %s not found, and %zu manifest%s could not be "
			    "read: %s", cfg->kind, cfg->name, m->nerrors, m->nerrors > 1 ? "s" : "",
			    buf_str(&m->errors));
		else {
			observation_fact(ob, "exists", "no");
			observation_evidence(ob, "no %s named %s for namespace %s in %s (%zu files)",
			    cfg->what == K8S_WORKLOAD ? "workload" : "Service", cfg->name, ns,
			    s->manifests, m->nfiles);
		}
		return;
	}
	where = xasprintf("%s:%d", o->file, o->line);
	k8s_facts(c, cfg, o, where);
	free(where);
}

static void
k8s_static_extras(struct batch *b, const struct k8s_section *s, const struct k8s_manifests *m,
    const struct check *near)
{
	const struct k8s_object	*o;
	const struct k8s_namespace *n;
	char			*id, *found, *ev;
	size_t			 i, j;

	for (i = 0; i < m->objs.count; i++) {
		o = &m->objs.items[i];
		if (!k8s_kind_is_workload(o->kind) && strcmp(o->kind, "Service") != 0)
			continue;
		n = NULL;
		if (o->ns == NULL && s->nnamespaces == 1)
			n = &s->namespaces[0];
		for (j = 0; o->ns != NULL && j < s->nnamespaces && n == NULL; j++) {
			if (strcmp(s->namespaces[j].name, o->ns) == 0)
				n = &s->namespaces[j];
		}
		if (n == NULL || k8s_declared(n, o))
			continue;
		id = xasprintf("k8s/%s/%s/%s/manifest", n->name, o->kind, o->name);
		found = xasprintf("%s %s in %s:%d", o->kind, o->name, o->file, o->line);
		ev = xasprintf("%s:%d: kind: %s, name: %s", o->file, o->line, o->kind, o->name);
		batch_extra(b, near, id, found, ev);
		free(ev);
		free(found);
		free(id);
	}
}

static void
k8s_run_static(struct batch *b, struct check **checks, size_t n)
{
	const struct k8s_section *s;
	struct k8s_manifests	 m;
	const struct check	*near = NULL;
	size_t			 i;

	if (n == 0)
		return;
	s = ((const struct k8s_config *)checks[0]->config)->section;
	k8s_read_manifests(s->manifests, b->topology != NULL ?
	    b->topology->read_root : NULL, s->recursive, &m);
	for (i = 0; i < n && !batch_cancelled(b); i++) {
		k8s_observe_static(checks[i], &m);
		batch_done(b, checks[i]);
		if (((const struct k8s_config *)checks[i]->config)->what == K8S_FOLDER)
			near = checks[i];
	}
	if (near != NULL && m.cause == NULL && !batch_cancelled(b) &&
	    batch_whole_layer(b, LAYER_STATIC, NULL, NULL))
		k8s_static_extras(b, s, &m, near);
	k8s_manifests_free(&m);
}

static void
k8s_run(struct batch *b)
{
	section_run_layers(b, k8s_run_static, k8s_run_live);
}

const struct probe_ops probe_kubernetes = {
	.name = "kubernetes",
	.help = "Kubernetes workloads and Services: kubectl get (live), manifests (static)",
	.schema = &k8s_schema,
	.plan = k8s_plan,
	.run = k8s_run,
	.free_config = k8s_free_config,
};
