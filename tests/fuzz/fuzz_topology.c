/*
 * fuzz_topology.c: the topology loader on any bytes, as `topo validate` and
 * `topo check` run it: YAML (libyaml, anchors, merge keys, limits), variable
 * expansion (${VAR}, defaults, cycles, secrets), the schema, and, when the
 * file is valid, the plan (every probe's section: regexes, JSON paths, URLs,
 * Redis URLs, argv), the architecture document rendered from it (`topo
 * doc`: tables and the free-form doc: prose) and the redaction of its
 * secrets.
 */
#include "fuzz.h"

#include <stdio.h>

#include "../../reports/doc.h"
#include "../../topology/plan.h"
#include "../../topology/schema.h"
#include "../../topology/topology.h"

/* The document, unverified and with the plan's (pending) checks as results. */
static void
fuzz_doc(const struct topology *t, struct plan *p)
{
	struct doc_results	 results;
	char			*text = NULL, *cause = NULL;
	size_t			 len = 0;
	FILE			*f;

	memset(&results, 0, sizeof results);
	doc_results_from_checks(&results, p->checks, p->count, 1700000000, "all");
	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	if (doc_write(f, t, p, "fuzz.yaml", NULL, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	if (doc_write(f, t, p, "fuzz.yaml", &results, &cause) != 0)
		free(cause);
	fclose(f);
	free(text);
	doc_results_free(&results);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topology	*t;
	struct problems	 ps = {0};
	struct plan	*p;
	char		*text, *redacted;
	static char	*sets[] = { "FUZZ_SET=from-set", "HOST=127.0.0.1" };

	if (size > TOPOLOGY_MAX_BYTES)
		return 0;
	text = fuzz_copy(data, size);
	t = calloc(1, sizeof *t);
	if (t == NULL)
		abort();
	t->path = strdup("fuzz.yaml");
	t->root = yaml_parse(t->path, text, size, &ps);
	if (t->root != NULL) {
		vars_expand(t, sets, sizeof sets / sizeof sets[0], &ps);
		schema_validate_root(t->root, &ps);
		/* Planned whatever the schema said, as cmd_load does. */
		p = plan_build(t, 1000, &ps);
		if (ps.count == 0)
			fuzz_doc(t, p);
		plan_free(p);
		redacted = topology_redact(t, text);
		free(redacted);
	}
	problems_sort(&ps);
	problems_free(&ps);
	topology_free(t);
	free(text);
	return 0;
}
