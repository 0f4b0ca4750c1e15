/*
 * k8s-parse.c: Kubernetes objects from kubectl's JSON (cJSON) and from
 * manifest files (libyaml's document loader, one document at a time). Both
 * readers fill the same struct k8s_object so the probe compares the
 * repository and the cluster with one piece of code.
 */
#include "k8s-parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <yaml.h>

#include "../util/util.h"

/* More objects than any namespace holds: a defence against pathological input. */
#define K8S_MAX_OBJECTS	100000
#define K8S_MAX_PORTS	1000

int
k8s_kind_is_workload(const char *kind)
{
	return kind != NULL && (strcmp(kind, "StatefulSet") == 0 ||
	    strcmp(kind, "Deployment") == 0 || strcmp(kind, "DaemonSet") == 0);
}

static struct k8s_object *
k8s_objects_add(struct k8s_objects *objs)
{
	struct k8s_object	*o;

	if (objs->count >= K8S_MAX_OBJECTS)
		return NULL;
	objs->items = xreallocarray(objs->items, objs->count + 1, sizeof *objs->items);
	o = &objs->items[objs->count++];
	memset(o, 0, sizeof *o);
	o->replicas = -1;
	o->ready = -1;
	return o;
}

static void
k8s_object_free(struct k8s_object *o)
{
	size_t	i;

	free(o->kind);
	free(o->name);
	free(o->ns);
	free(o->service_type);
	for (i = 0; i < o->nports; i++) {
		free(o->ports[i].name);
		free(o->ports[i].target);
		free(o->ports[i].protocol);
	}
	free(o->ports);
	free(o->file);
}

void
k8s_objects_free(struct k8s_objects *objs)
{
	size_t	i;

	for (i = 0; i < objs->count; i++)
		k8s_object_free(&objs->items[i]);
	free(objs->items);
	objs->items = NULL;
	objs->count = 0;
}

const struct k8s_object *
k8s_objects_find(const struct k8s_objects *objs, const char *kind, const char *name,
    const char *ns)
{
	size_t	i;

	for (i = 0; i < objs->count; i++) {
		const struct k8s_object *o = &objs->items[i];

		if (strcmp(o->name, name) != 0)
			continue;
		if (kind != NULL && strcmp(o->kind, kind) != 0)
			continue;
		/* An object written without a namespace lands in the one it is applied to. */
		if (ns != NULL && o->ns != NULL && strcmp(o->ns, ns) != 0)
			continue;
		return o;
	}
	return NULL;
}

int
k8s_name_is_pattern(const char *name)
{
	return strpbrk(name, "*?") != NULL;
}

int
k8s_object_matches(const struct k8s_object *o, const char *kind, const char *pattern,
    const char *ns)
{
	if (strcmp(o->kind, kind) != 0)
		return 0;
	if (ns != NULL && o->ns != NULL && strcmp(o->ns, ns) != 0)
		return 0;
	return util_glob_match(pattern, o->name);
}

static struct k8s_port *
k8s_ports_add(struct k8s_object *o)
{
	struct k8s_port	*p;

	if (o->nports >= K8S_MAX_PORTS)
		return NULL;
	o->ports = xreallocarray(o->ports, o->nports + 1, sizeof *o->ports);
	p = &o->ports[o->nports++];
	memset(p, 0, sizeof *p);
	p->node_port = -1;
	return p;
}

/* Defaults Kubernetes applies, so a manifest and the cluster compare alike. */
static void
k8s_object_defaults(struct k8s_object *o)
{
	size_t	i;

	if (strcmp(o->kind, "Service") == 0) {
		if (o->service_type == NULL)
			o->service_type = xstrdup("ClusterIP");
		for (i = 0; i < o->nports; i++) {
			if (o->ports[i].protocol == NULL)
				o->ports[i].protocol = xstrdup("TCP");
		}
	}
	if ((strcmp(o->kind, "StatefulSet") == 0 || strcmp(o->kind, "Deployment") == 0) &&
	    o->replicas < 0)
		o->replicas = 1;
}

/* ---- JSON (kubectl) ---- */

static const cJSON *
k8s_json_path(const cJSON *node, const char *a, const char *b)
{
	node = cJSON_GetObjectItemCaseSensitive(node, a);
	if (b != NULL)
		node = cJSON_GetObjectItemCaseSensitive(node, b);
	return node;
}

/* 1 when d converts to a long long without overflow (JSON allows 1e300). */
static int
k8s_json_fits(double d)
{
	return d >= -9.2e18 && d <= 9.2e18;
}

static char *
k8s_json_text(const cJSON *node)
{
	if (cJSON_IsString(node) && node->valuestring != NULL)
		return xstrdup(node->valuestring);
	if (cJSON_IsNumber(node))
		return k8s_json_fits(node->valuedouble) ?
		    xasprintf("%lld", (long long)node->valuedouble) :
		    xasprintf("%g", node->valuedouble);
	return NULL;
}

static long long
k8s_json_int(const cJSON *node, long long def)
{
	return cJSON_IsNumber(node) && k8s_json_fits(node->valuedouble) ?
	    (long long)node->valuedouble : def;
}

static void
k8s_json_object(struct k8s_objects *objs, const cJSON *item)
{
	struct k8s_object	*o;
	struct k8s_port		*p;
	const cJSON		*kind, *name, *status, *port;

	kind = k8s_json_path(item, "kind", NULL);
	name = k8s_json_path(item, "metadata", "name");
	if (!cJSON_IsString(kind) || !cJSON_IsString(name))
		return;
	if ((o = k8s_objects_add(objs)) == NULL)
		return;
	o->kind = xstrdup(kind->valuestring);
	o->name = xstrdup(name->valuestring);
	o->ns = k8s_json_text(k8s_json_path(item, "metadata", "namespace"));
	status = k8s_json_path(item, "status", NULL);
	if (strcmp(o->kind, "DaemonSet") == 0) {
		o->replicas = k8s_json_int(k8s_json_path(status, "desiredNumberScheduled", NULL), 0);
		o->ready = k8s_json_int(k8s_json_path(status, "numberReady", NULL), 0);
	} else if (k8s_kind_is_workload(o->kind)) {
		o->replicas = k8s_json_int(k8s_json_path(item, "spec", "replicas"), -1);
		/* The API server omits readyReplicas when none is ready. */
		o->ready = k8s_json_int(k8s_json_path(status, "readyReplicas", NULL), 0);
	} else if (strcmp(o->kind, "Service") == 0) {
		o->service_type = k8s_json_text(k8s_json_path(item, "spec", "type"));
		cJSON_ArrayForEach(port, k8s_json_path(item, "spec", "ports")) {
			if ((p = k8s_ports_add(o)) == NULL)
				break;
			p->name = k8s_json_text(k8s_json_path(port, "name", NULL));
			p->port = k8s_json_int(k8s_json_path(port, "port", NULL), 0);
			p->node_port = k8s_json_int(k8s_json_path(port, "nodePort", NULL), -1);
			p->target = k8s_json_text(k8s_json_path(port, "targetPort", NULL));
			p->protocol = k8s_json_text(k8s_json_path(port, "protocol", NULL));
		}
	}
	k8s_object_defaults(o);
}

int
k8s_objects_from_json(struct k8s_objects *objs, const char *text, size_t len, char **cause)
{
	cJSON		*root;
	const cJSON	*items, *item;
	int		 rc = -1;

	*cause = NULL;
	root = cJSON_ParseWithLength(text, len);
	if (root == NULL || !cJSON_IsObject(root)) {
		*cause = xstrdup("invalid JSON");
		goto out;
	}
	items = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (cJSON_IsArray(items)) {
		cJSON_ArrayForEach(item, items)
			k8s_json_object(objs, item);
	} else if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "kind")))
		k8s_json_object(objs, root);
	else {
		*cause = xstrdup("JSON without items or kind");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

/* ---- YAML (manifests) ---- */

static yaml_node_t *
k8s_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(doc, pair->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strlen(key) == k->data.scalar.length &&
		    memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
			return yaml_document_get_node(doc, pair->value);
	}
	return NULL;
}

static char *
k8s_yaml_text(yaml_node_t *node)
{
	if (node == NULL || node->type != YAML_SCALAR_NODE)
		return NULL;
	return xstrndup((const char *)node->data.scalar.value, node->data.scalar.length);
}

static long long
k8s_yaml_int(yaml_node_t *node, long long def)
{
	char		*s, *end;
	long long	 v;

	if ((s = k8s_yaml_text(node)) == NULL)
		return def;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		v = def;
	free(s);
	return v;
}

static void
k8s_yaml_object(struct k8s_objects *objs, yaml_document_t *doc, yaml_node_t *root,
    const char *file)
{
	struct k8s_object	*o;
	struct k8s_port		*p;
	yaml_node_t		*kind, *name, *meta, *spec, *ports, *port;
	yaml_node_item_t	*it;

	kind = k8s_yaml_get(doc, root, "kind");
	meta = k8s_yaml_get(doc, root, "metadata");
	name = k8s_yaml_get(doc, meta, "name");
	/* Not Kubernetes (Helm values, other YAML): no apiVersion and kind. */
	if (k8s_yaml_get(doc, root, "apiVersion") == NULL || kind == NULL ||
	    kind->type != YAML_SCALAR_NODE || name == NULL || name->type != YAML_SCALAR_NODE)
		return;
	if ((o = k8s_objects_add(objs)) == NULL)
		return;
	o->kind = k8s_yaml_text(kind);
	o->name = k8s_yaml_text(name);
	o->ns = k8s_yaml_text(k8s_yaml_get(doc, meta, "namespace"));
	o->file = xstrdup(file);
	o->line = (int)root->start_mark.line + 1;
	spec = k8s_yaml_get(doc, root, "spec");
	if (strcmp(o->kind, "Service") == 0) {
		o->service_type = k8s_yaml_text(k8s_yaml_get(doc, spec, "type"));
		ports = k8s_yaml_get(doc, spec, "ports");
		if (ports != NULL && ports->type == YAML_SEQUENCE_NODE) {
			for (it = ports->data.sequence.items.start;
			    it < ports->data.sequence.items.top; it++) {
				port = yaml_document_get_node(doc, *it);
				if ((p = k8s_ports_add(o)) == NULL)
					break;
				p->name = k8s_yaml_text(k8s_yaml_get(doc, port, "name"));
				p->port = k8s_yaml_int(k8s_yaml_get(doc, port, "port"), 0);
				p->node_port = k8s_yaml_int(k8s_yaml_get(doc, port, "nodePort"), -1);
				p->target = k8s_yaml_text(k8s_yaml_get(doc, port, "targetPort"));
				p->protocol = k8s_yaml_text(k8s_yaml_get(doc, port, "protocol"));
			}
		}
	} else if (k8s_kind_is_workload(o->kind) && strcmp(o->kind, "DaemonSet") != 0)
		o->replicas = k8s_yaml_int(k8s_yaml_get(doc, spec, "replicas"), -1);
	k8s_object_defaults(o);
}

int
k8s_objects_from_yaml(struct k8s_objects *objs, const char *text, size_t len,
    const char *file, char **cause)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	yaml_node_t	*root;
	int		 rc = -1, done = 0;

	*cause = NULL;
	if (!yaml_parser_initialize(&parser)) {
		*cause = xasprintf("%s: cannot start the YAML parser", file);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_load(&parser, &doc)) {
			*cause = xasprintf("%s:%zu:%zu: %s", file,
			    parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			    parser.problem != NULL ? parser.problem : "invalid YAML");
			goto out;
		}
		root = yaml_document_get_root_node(&doc);
		if (root == NULL)
			done = 1;	/* the end of the stream */
		else if (root->type == YAML_MAPPING_NODE)
			k8s_yaml_object(objs, &doc, root, file);
		yaml_document_delete(&doc);
	}
	rc = 0;
out:
	yaml_parser_delete(&parser);
	return rc;
}
