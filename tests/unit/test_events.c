/*
 * test_events.c: the event graph's reader (probes/events.h) on small
 * synthetic TypeScript: every form joelclaw's functions take (a trigger
 * object, arrays of triggers, cron, cancelOn, step.sendEvent with an object,
 * an array, a constant, a spread, a computed name; inngest.send with an
 * object or the CLI's ("name", data); waitForEvent), names in comments and
 * strings that must not count, registration with aliases and spreads, and
 * garbage that must end without a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../probes/events.h"
#include "../../util/buf.h"
#include "../../util/util.h"

static const char *const kinds[] = { "trigger", "cron", "emit", "wait", "cancel", "payload" };

/* Every site as KIND:NAME@LINE/FUNCTION-ID, unknown names as KIND:?TEXT, ';'-joined. */
static char *
sites(const struct events_graph *g)
{
	struct buf	 b;
	const struct events_site *s;
	size_t		 i;

	buf_init(&b, 1 << 16);
	for (i = 0; i < g->nsites; i++) {
		s = &g->sites[i];
		if (s->name != NULL)
			buf_printf(&b, "%s%s:%s@%d/%s", i ? ";" : "", kinds[s->kind],
			    s->name, s->line, s->function >= 0 &&
			    g->functions[s->function].id != NULL ?
			    g->functions[s->function].id : "-");
		else
			buf_printf(&b, "%s%s:?%s", i ? ";" : "", kinds[s->kind], s->text);
	}
	return buf_steal(&b);
}

static char *
scan(struct events_graph *g, const char *text)
{
	events_graph_init(g);
	events_scan_text(g, "f.ts", text, strlen(text), 1);
	return sites(g);
}

static void
test_triggers(void **state)
{
	struct events_graph	 g;
	char			*s;

	s = scan(&g,
	    "export const a = inngest.createFunction(\n"
	    "  { id: \"fn/a\", name: \"A\", cancelOn: [{ event: \"x/cancel\", if: \"1\" }] },\n"
	    "  { event: \"x/one\" },\n"
	    "  async ({ step }) => {});\n"
	    "export const b = inngest.createFunction(\n"
	    "  { id: 'fn/b', concurrency: { limit: 1 } },\n"
	    "  [{ event: \"x/two\" }, { cron: \"0 8 * * *\" }, { event: `x/three` }],\n"
	    "  async () => {});\n");
	assert_string_equal(s, "cancel:x/cancel@2/fn/a;trigger:x/one@3/fn/a;"
	    "trigger:x/two@7/fn/b;cron:0 8 * * *@7/fn/b;trigger:x/three@7/fn/b");
	assert_int_equal(g.nfunctions, 2);
	assert_string_equal(g.functions[0].id, "fn/a");
	assert_string_equal(g.functions[0].variable, "a");
	assert_int_equal(g.functions[0].line, 1);
	assert_string_equal(g.functions[1].variable, "b");
	free(s);
	events_graph_free(&g);
	(void)state;
}

static void
test_emits(void **state)
{
	struct events_graph	 g;
	char			*s;

	s = scan(&g,
	    "const FANOUT = [\n"
	    "  { name: \"c/one\" as const, data: {} },\n"
	    "  { name: \"c/two\", data: {} },\n"
	    "];\n"
	    "const NAME = \"c/named\";\n"
	    "export const f = inngest.createFunction({ id: \"fn/f\" }, { event: \"e/in\" },\n"
	    "  async ({ step }) => {\n"
	    "    const payload = { name: \"c/payload\", data: {} };\n"
	    "    await step.sendEvent(\"one\", { name: \"e/out\", data: { a: [1, 2] } });\n"
	    "    await step.sendEvent(\"many\", [{ name: \"e/a\" }, { name: 'e/b' }, ...rest]);\n"
	    "    await step.sendEvent(\"fan\", FANOUT);\n"
	    "    await step.sendEvent(\"var\", [payload]);\n"
	    "    await step.sendEvent(\"const\", { name: NAME });\n"
	    "    await step.sendEvent(`computed-${n}`, { name: `e/${kind}.done` });\n"
	    "    await step.sendEvent(\"unknown\", events);\n"
	    "    const r = await step.waitForEvent(\"wait\", { event: \"e/back\", timeout: \"1h\" });\n"
	    "  });\n"
	    "await inngest.send({ name: \"e/outside\", data: {} });\n"
	    "yield* inngestClient\n  .send(\"e/cli\", payload);\n"
	    "const built = xs.map((x) => ({ name: \"e/mapped\" as const, data: { x } }));\n"
	    "const notAnEvent = { name: \"Joel\", age: 3 };\n");
	assert_string_equal(s,
	    "trigger:e/in@6/fn/f;"
	    "emit:e/out@9/fn/f;emit:e/a@10/fn/f;emit:e/b@10/fn/f;emit:?...rest;"
	    "emit:c/one@2/fn/f;emit:c/two@3/fn/f;emit:c/payload@8/fn/f;"
	    "emit:c/named@13/fn/f;emit:?`e/${kind}.done`;emit:?events;"
	    "emit:e/outside@18/-;emit:e/cli@20/-;"
	    "wait:e/back@16/fn/f;payload:e/mapped@21/-");
	free(s);
	events_graph_free(&g);
	(void)state;
}

/* Names in comments, strings and regex literals are not sites. */
static void
test_not_code(void **state)
{
	struct events_graph	 g;
	char			*s;

	s = scan(&g,
	    "// step.sendEvent(\"x\", { name: \"no/comment\" })\n"
	    "/* inngest.createFunction({ id: \"no\" }, { event: \"no/block\" }) */\n"
	    "const doc = \"step.sendEvent('x', { name: 'no/string' })\";\n"
	    "const re = /inngest.send\\({ name: \"no\" }/;\n"
	    "const t = `inngest.send({ name: \"no/template\" })`;\n"
	    "export const ok = inngest.createFunction({ id: \"yes\" }, { event: \"yes/it\" }, h);\n");
	assert_string_equal(s, "trigger:yes/it@6/yes");
	assert_int_equal(g.nfunctions, 1);
	free(s);
	events_graph_free(&g);
	(void)state;
}

static void
test_register(void **state)
{
	struct events_graph	 g;
	char			*names[] = { "one", "alias", "...more", "make()" };
	char			*s;

	s = scan(&g,
	    "export const one = inngest.createFunction({ id: \"fn/one\" }, { event: \"a\" }, h);\n"
	    "const inner =\n  inngest.createFunction({ id: \"fn/two\" }, [{ event: \"b\" }], h);\n"
	    "export const alias = inner;\n"
	    "export const three = inngest.createFunction({ id: ID }, { event: \"c\" }, h);\n");
	g.nworkers = 2;
	events_register(&g, 0, names, 4, 10);
	events_register(&g, 1, names, 1, 20);
	assert_int_equal(g.nfunctions, 3);
	assert_int_equal(g.functions[0].registered[0], 10);
	assert_int_equal(g.functions[0].registered[1], 20);
	assert_string_equal(g.functions[1].variable, "inner");
	assert_string_equal(g.functions[1].alias, "alias");
	assert_int_equal(g.functions[1].registered[0], 10);
	assert_int_equal(g.functions[1].registered[1], 0);
	assert_null(g.functions[2].id);		/* not a literal: unknown, not guessed */
	assert_int_equal(g.functions[2].registered[0], 0);
	assert_int_equal(g.workers[0].unknown, 2);
	assert_int_equal(events_function_find(&g, "fn/two"), 1);
	assert_int_equal(events_function_find(&g, "three"), 2);
	assert_int_equal(events_function_find(&g, "nope"), -1);
	assert_true(events_has(&g, EVENTS_TRIGGER, "b"));
	assert_false(events_has(&g, EVENTS_EMIT, "b"));
	free(s);
	events_graph_free(&g);
	(void)state;
}

/* Unclosed brackets, stray quotes, NUL bytes, deep nesting: no crash. */
static void
test_garbage(void **state)
{
	static const char *const inputs[] = {
		"inngest.createFunction(",
		"inngest.createFunction({ id: \"x\" , [[[[{{{{",
		"step.sendEvent(\"a\", { name: \"unterminated",
		"step.sendEvent(\"a\", { name: `x ${ y` ",
		"inngest.send(",
		"))))]]]]}}}}",
		"/* unterminated comment inngest.send({name:\"x\"})",
		"step.waitForEvent(\"w\", 42)",
	};
	struct events_graph	 g;
	char			 deep[4096], *s;
	size_t			 i;

	for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		s = scan(&g, inputs[i]);
		free(s);
		events_graph_free(&g);
	}
	memset(deep, '[', sizeof deep - 1);
	memcpy(deep, "step.sendEvent(\"a\", ", 20);
	deep[sizeof deep - 1] = '\0';
	s = scan(&g, deep);
	assert_int_equal(g.nsites, 0);
	free(s);
	events_graph_free(&g);
	events_graph_init(&g);
	events_scan_text(&g, "nul.ts", "inngest.send({ name: \"a\0b\" })", 29, 1);
	events_graph_free(&g);
	/* The last: an object that is not an event (42) is an unknown wait. */
	s = scan(&g, "step.waitForEvent(\"w\", 42)");
	assert_string_equal(s, "wait:?42");
	free(s);
	events_graph_free(&g);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triggers),
		cmocka_unit_test(test_emits),
		cmocka_unit_test(test_not_code),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
