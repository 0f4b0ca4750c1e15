/*
 * test_kubernetes.c: the Kubernetes readers. kubectl's JSON (the recorded
 * ../shared/fixtures/kubectl sample, found through $ROOT) and the four
 * manifests of ../shared/fixtures/joelclaw-repo/k8s must give the same
 * objects; plus multi-document edge cases, non-Kubernetes YAML, Helm
 * values, invalid input with file:line:column; names declared by pattern
 * (the objects an operator makes) and what they match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../probes/k8s-parse.h"
#include "../../util/buf.h"
#include "../../util/util.h"
#include "testlib.h"

static char *
fixture(const char *rel, size_t *len)
{
	return testlib_fixture("../shared/fixtures", rel, len);
}

static void
read_manifests(struct k8s_objects *objs)
{
	static const char *const files[] = { "inngest.yaml", "redis.yaml", "restate.yaml",
	    "system-bus-worker.yaml" };
	char	*text, *rel, *cause = NULL;
	size_t	 i, len;

	for (i = 0; i < 4; i++) {
		rel = xasprintf("joelclaw-repo/k8s/%s", files[i]);
		text = fixture(rel, &len);
		if (k8s_objects_from_yaml(objs, text, len, files[i], &cause) != 0)
			fail_msg("%s", cause);
		free(text);
		free(rel);
	}
}

static void
test_json_sample(void **state)
{
	struct k8s_objects	 objs = { 0 };
	const struct k8s_object	*o;
	char			*text, *cause = NULL;
	size_t			 len;

	(void)state;
	text = fixture("kubectl/get-sts-deploy-svc.json", &len);
	assert_int_equal(k8s_objects_from_json(&objs, text, len, &cause), 0);
	free(text);
	assert_int_equal(objs.count, 8);

	o = k8s_objects_find(&objs, "StatefulSet", "inngest", "joelclaw");
	assert_non_null(o);
	assert_int_equal(o->replicas, 1);
	assert_int_equal(o->ready, 1);
	o = k8s_objects_find(&objs, "Deployment", "system-bus-worker", "joelclaw");
	assert_non_null(o);
	assert_int_equal(o->ready, 1);
	assert_null(k8s_objects_find(&objs, "Deployment", "inngest", NULL));
	assert_null(k8s_objects_find(&objs, NULL, "inngest", "other"));

	o = k8s_objects_find(&objs, "Service", "inngest-svc", "joelclaw");
	assert_non_null(o);
	assert_string_equal(o->service_type, "NodePort");
	assert_int_equal(o->nports, 2);
	assert_int_equal(o->ports[1].port, 8289);
	assert_int_equal(o->ports[1].node_port, 8289);
	assert_string_equal(o->ports[1].target, "8289");
	assert_string_equal(o->ports[1].protocol, "TCP");
	o = k8s_objects_find(&objs, "Service", "restate", NULL);
	assert_string_equal(o->ports[0].target, "ingress");
	o = k8s_objects_find(&objs, "Service", "system-bus-worker", NULL);
	assert_string_equal(o->service_type, "ClusterIP");
	assert_int_equal(o->ports[0].node_port, -1);
	k8s_objects_free(&objs);
}

static void
test_json_edge(void **state)
{
	static const char not_ready[] =
	    "{\"kind\":\"List\",\"items\":[{\"kind\":\"StatefulSet\",\"metadata\":"
	    "{\"name\":\"a\",\"namespace\":\"n\"},\"spec\":{\"replicas\":2},"
	    "\"status\":{\"replicas\":2}},"
	    "{\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"d\"},\"status\":"
	    "{\"desiredNumberScheduled\":3,\"numberReady\":2}},"
	    "{\"kind\":\"Service\",\"metadata\":{}},42]}";
	struct k8s_objects	 objs = { 0 };
	char			*cause = NULL;

	(void)state;
	assert_int_equal(k8s_objects_from_json(&objs, not_ready, sizeof not_ready - 1,
	    &cause), 0);
	/* An object without a name is skipped, not a crash. */
	assert_int_equal(objs.count, 2);
	/* readyReplicas omitted: none ready. */
	assert_int_equal(objs.items[0].ready, 0);
	assert_int_equal(objs.items[0].replicas, 2);
	assert_int_equal(objs.items[1].replicas, 3);
	assert_int_equal(objs.items[1].ready, 2);
	k8s_objects_free(&objs);

	assert_int_equal(k8s_objects_from_json(&objs, "{\"items\": [", 11, &cause), -1);
	assert_string_equal(cause, "invalid JSON");
	free(cause);
	assert_int_equal(k8s_objects_from_json(&objs, "\x89PNG\0\0\xff", 7, &cause), -1);
	free(cause);
	assert_int_equal(k8s_objects_from_json(&objs, "[1,2]", 5, &cause), -1);
	free(cause);
	assert_int_equal(k8s_objects_from_json(&objs, "{\"a\":1}", 7, &cause), -1);
	free(cause);
	assert_int_equal(objs.count, 0);
}

static void
test_manifests(void **state)
{
	struct k8s_objects	 objs = { 0 };
	const struct k8s_object	*o;

	(void)state;
	read_manifests(&objs);
	assert_int_equal(objs.count, 8);
	o = k8s_objects_find(&objs, "StatefulSet", "inngest", "joelclaw");
	assert_non_null(o);
	assert_string_equal(o->file, "inngest.yaml");
	assert_int_equal(o->line, 1);
	assert_int_equal(o->replicas, 1);
	assert_int_equal(o->ready, -1);
	/* The second document starts after its comments. */
	o = k8s_objects_find(&objs, "Service", "inngest-svc", "joelclaw");
	assert_non_null(o);
	assert_int_equal(o->line, 67);
	assert_string_equal(o->service_type, "NodePort");
	assert_int_equal(o->nports, 2);
	assert_int_equal(o->ports[0].node_port, 8288);
	assert_string_equal(o->ports[0].protocol, "TCP");
	assert_string_equal(o->ports[0].name, "api");
	o = k8s_objects_find(&objs, "Service", "restate", NULL);
	assert_int_equal(o->nports, 3);
	assert_string_equal(o->ports[2].target, "metrics");
	o = k8s_objects_find(&objs, "Service", "system-bus-worker", NULL);
	assert_string_equal(o->service_type, "ClusterIP");
	assert_int_equal(o->ports[0].node_port, -1);
	o = k8s_objects_find(&objs, "Deployment", "system-bus-worker", NULL);
	assert_string_equal(o->file, "system-bus-worker.yaml");
	k8s_objects_free(&objs);
}

static void
test_yaml_edge(void **state)
{
	static const char mixed[] =
	    "# Helm values\nreplicaCount: 3\nimage: {tag: x}\n"
	    "---\n"
	    "---\n"
	    "- just\n- a list\n"
	    "---\n"
	    "kind: Service\nmetadata: {name: no-api-version}\n"
	    "---\n"
	    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
	    "---\n"
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
	    "spec: {replicas: 3}\n"
	    "---\n"
	    "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
	    "spec: {ports: [{port: 80, targetPort: http}]}\n";
	static const char broken[] =
	    "apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n---\n"
	    "apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n";
	struct k8s_objects	 objs = { 0 };
	const struct k8s_object	*o;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(k8s_objects_from_yaml(&objs, mixed, sizeof mixed - 1, "m.yaml",
	    &cause), 0);
	/* Helm values, an empty document, a list, no apiVersion: all skipped. */
	assert_int_equal(objs.count, 3);
	assert_string_equal(objs.items[0].kind, "ConfigMap");
	o = k8s_objects_find(&objs, "Deployment", "web", "anything");
	assert_non_null(o);	/* no namespace: matches the one it is applied to */
	assert_int_equal(o->replicas, 3);
	assert_int_equal(o->line, 16);
	o = k8s_objects_find(&objs, "Service", "web", NULL);
	assert_string_equal(o->service_type, "ClusterIP");
	assert_string_equal(o->ports[0].target, "http");
	assert_int_equal(o->ports[0].node_port, -1);
	k8s_objects_free(&objs);

	assert_int_equal(k8s_objects_from_yaml(&objs, broken, sizeof broken - 1, "b.yaml",
	    &cause), -1);
	assert_non_null(strstr(cause, "b.yaml:"));
	free(cause);
	/* What came before the fault is kept. */
	assert_int_equal(objs.count, 1);
	k8s_objects_free(&objs);

	assert_int_equal(k8s_objects_from_yaml(&objs, "", 0, "e.yaml", &cause), 0);
	assert_int_equal(objs.count, 0);
}

/* The cluster sample was built from the manifests: both sides must agree. */
static void
test_json_matches_manifests(void **state)
{
	struct k8s_objects	 live = { 0 }, repo = { 0 };
	const struct k8s_object	*a, *b;
	char			*text, *cause = NULL;
	size_t			 len, i, j;

	(void)state;
	text = fixture("kubectl/get-sts-deploy-svc.json", &len);
	assert_int_equal(k8s_objects_from_json(&live, text, len, &cause), 0);
	free(text);
	read_manifests(&repo);
	assert_int_equal(live.count, repo.count);
	for (i = 0; i < live.count; i++) {
		a = &live.items[i];
		b = k8s_objects_find(&repo, a->kind, a->name, a->ns);
		assert_non_null(b);
		assert_int_equal(a->replicas, b->replicas);
		assert_int_equal(a->nports, b->nports);
		if (a->service_type != NULL)
			assert_string_equal(a->service_type, b->service_type);
		for (j = 0; j < a->nports; j++) {
			assert_int_equal(a->ports[j].port, b->ports[j].port);
			assert_int_equal(a->ports[j].node_port, b->ports[j].node_port);
			assert_string_equal(a->ports[j].target, b->ports[j].target);
		}
	}
	k8s_objects_free(&live);
	k8s_objects_free(&repo);
}

static void
test_patterns(void **state)
{
	static const char json[] =
	    "{\"kind\": \"List\", \"items\": ["
	    "{\"kind\": \"StatefulSet\", \"metadata\": {\"name\": \"aistor-pool-0\", "
	    "\"namespace\": \"storage\"}, \"spec\": {\"replicas\": 4}},"
	    "{\"kind\": \"Deployment\", \"metadata\": {\"name\": \"aistor-operator\", "
	    "\"namespace\": \"storage\"}, \"spec\": {\"replicas\": 1}},"
	    "{\"kind\": \"Service\", \"metadata\": {\"name\": \"aistor-hl\"}, "
	    "\"spec\": {\"ports\": [{\"port\": 9000}]}}]}";
	struct k8s_objects	 objs = { 0 };
	char			*cause = NULL;

	(void)state;
	assert_true(k8s_name_is_pattern("aistor-*"));
	assert_true(k8s_name_is_pattern("pool-?"));
	assert_false(k8s_name_is_pattern("aistor-pool-0"));
	assert_int_equal(k8s_objects_from_json(&objs, json, sizeof json - 1, &cause), 0);
	assert_int_equal(objs.count, 3);
	/* The kind must be the declared one: a pattern is not a wildcard kind. */
	assert_true(k8s_object_matches(&objs.items[0], "StatefulSet", "aistor-*", "storage"));
	assert_false(k8s_object_matches(&objs.items[1], "StatefulSet", "aistor-*", "storage"));
	assert_true(k8s_object_matches(&objs.items[1], "Deployment", "aistor-*", NULL));
	/* Another namespace; and one written without its namespace matches any. */
	assert_false(k8s_object_matches(&objs.items[0], "StatefulSet", "aistor-*", "other"));
	assert_true(k8s_object_matches(&objs.items[2], "Service", "aistor-*", "other"));
	assert_true(k8s_object_matches(&objs.items[0], "StatefulSet", "aistor-pool-?", NULL));
	assert_false(k8s_object_matches(&objs.items[0], "StatefulSet", "aistor-pool-", NULL));
	assert_false(k8s_object_matches(&objs.items[0], "StatefulSet", "pool-*", NULL));
	/* A plain name is a pattern matching itself alone. */
	assert_true(k8s_object_matches(&objs.items[2], "Service", "aistor-hl", NULL));
	k8s_objects_free(&objs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_sample),
		cmocka_unit_test(test_json_edge),
		cmocka_unit_test(test_manifests),
		cmocka_unit_test(test_yaml_edge),
		cmocka_unit_test(test_json_matches_manifests),
		cmocka_unit_test(test_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
