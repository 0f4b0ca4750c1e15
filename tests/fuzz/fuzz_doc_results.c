/*
 * fuzz_doc_results.c: `topo doc --results FILE` reads the JSON report of an
 * earlier `topo check --format json` (an artifact of another CI job, say)
 * and shows each check's verdict in the document. The input is that file:
 * it is read (reports/doc.c, cJSON) and the document of a fixed topology
 * using every section is rendered with it, its ids, statuses and observed
 * values anything at all.
 */
#include "fuzz.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../reports/doc.h"
#include "../../topology/plan.h"
#include "../../topology/schema.h"
#include "../../topology/topology.h"

static const char fuzz_yaml[] =
    "version: 1\n"
    "system: doc-fuzz\n"
    "description: every section the document has a table for\n"
    "vars: {REPO: /nonexistent, HOST: 127.0.0.1, TOKEN: t}\n"
    "secrets: [TOKEN]\n"
    "ports:\n"
    "  - {port: 3111, owner: worker, what: HTTP, exposure: local, expect: listening}\n"
    "  - {port: 9, expect: closed}\n"
    "http:\n"
    "  - {name: health, url: \"http://u:p@${HOST}:1/h\", headers: {X-Key: \"${TOKEN}\"},\n"
    "     expect: {status: 200, body_regex: ok, json: {\"$.status\": ok}}}\n"
    "command:\n"
    "  - {name: colima, argv: [colima, status], expect: {exit: 0}}\n"
    "files: [\"${REPO}/a.ts\", {path: \"${REPO}/b\", absent: true}]\n"
    "sources:\n"
    "  - {name: fns, file: \"${REPO}/i.ts\", list: fns, count: 3}\n"
    "launchd:\n"
    "  domain: gui/501\n"
    "  jobs:\n"
    "    - {label: com.joel.gateway, state: running, role: Gateway, ports: [3018]}\n"
    "    - {label: com.joel.old, state: retired}\n"
    "kubernetes:\n"
    "  namespaces:\n"
    "    joelclaw:\n"
    "      workloads: [StatefulSet/inngest, {name: Deployment/w, replicas: 2}]\n"
    "      services: [{name: svc, type: NodePort, ports: [{port: 8288, node_port: 8288}]}]\n"
    "caddy:\n"
    "  admin: http://127.0.0.1:2019\n"
    "  routes: [{site: \"localhost:8443\", path: \"/hooks/*\", to: \"localhost:3111\"}]\n"
    "redis:\n"
    "  url: \"redis://:pw@${HOST}:6379\"\n"
    "  keys: [{key: \"q:events\", type: stream}, {pattern: \"hook:*\"}]\n"
    "unknowns: [{what: Tailscale, verify: tailscale status}]\n"
    "watch: [\"k8s/**\"]\n"
    "doc:\n"
    "  intro: |\n"
    "    # Architecture\n"
    "    Prose with a | pipe and `code`.\n";

static struct topology	*fuzz_t;
static struct plan	*fuzz_p;

static void
fuzz_init(void)
{
	struct problems	 ps = {0};

	fuzz_t = calloc(1, sizeof *fuzz_t);
	if (fuzz_t == NULL)
		abort();
	fuzz_t->path = strdup("doc-fuzz.yaml");
	fuzz_t->root = yaml_parse(fuzz_t->path, fuzz_yaml, sizeof fuzz_yaml - 1, &ps);
	vars_expand(fuzz_t, NULL, 0, &ps);
	schema_validate_root(fuzz_t->root, &ps);
	if (ps.count == 0)
		fuzz_p = plan_build(fuzz_t, 1000, &ps);
	if (ps.count != 0) {
		problems_print(&ps, stderr);
		abort();	/* the fixed topology must be valid */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc_results	 results;
	char			 path[64], *cause = NULL, *text = NULL;
	size_t			 len = 0;
	FILE			*f;
	int			 fd;

	if (fuzz_t == NULL)
		fuzz_init();
	/* The reader takes a path: a memory file, no disk. */
	if ((fd = memfd_create("results", 0)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (doc_results_read(&results, path, &cause) == 0) {
		if ((f = open_memstream(&text, &len)) == NULL)
			abort();
		if (doc_write(f, fuzz_t, fuzz_p, "doc-fuzz.yaml", &results, &cause) != 0)
			free(cause);
		fclose(f);
		free(text);
	} else
		free(cause);
	doc_results_free(&results);
	close(fd);
	return 0;
}
