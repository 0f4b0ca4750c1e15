/*
 * test_topology.c: the topology loader: YAML into positioned nodes, the
 * limits on hostile files, variables (precedence, defaults, cycles, secrets,
 * redaction), schema faults and the problems list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../probes/probe.h"
#include "../../topology/schema.h"
#include "../../topology/topology.h"
#include "../../util/buf.h"
#include "../../util/regex.h"
#include "../../util/util.h"

static char	*dir;
static char	*path;

static int
setup(void **state)
{
	char	 template[] = "/tmp/test_topology.XXXXXX";

	if (mkdtemp(template) == NULL)
		return -1;
	dir = xstrdup(template);
	path = xasprintf("%s/t.yaml", dir);
	unsetenv("TOPO_TEST_A");
	unsetenv("TOPO_TEST_B");
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	return 0;
}

static void
write_bytes(const char *text, size_t len)
{
	FILE	*f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static struct topology *
load(const char *text, char *const *sets, size_t nsets, struct problems *ps)
{
	memset(ps, 0, sizeof *ps);
	write_bytes(text, strlen(text));
	return topology_load(path, sets, nsets, ps);
}

/* Every problem as "line:column: message\n", for exact assertions. */
static char *
show(const struct problems *ps)
{
	char	*out = xstrdup(""), *next;
	size_t	 i;

	for (i = 0; i < ps->count; i++) {
		next = xasprintf("%s%d:%d: %s\n", out, ps->items[i].line,
		    ps->items[i].column, ps->items[i].message);
		free(out);
		out = next;
	}
	return out;
}

#define assert_problems(ps, expected) do {				\
	char	*shown_ = show(ps);					\
	assert_string_equal(shown_, expected);				\
	free(shown_);							\
} while (0)

/* A file with exactly one problem: checks it, frees everything. */
static void
assert_only_problem(const char *text, const char *expected)
{
	struct problems	 ps;
	struct topology	*t = load(text, NULL, 0, &ps);

	assert_problems(&ps, expected);
	topology_free(t);
	problems_free(&ps);
}

#define HEAD "version: 1\nsystem: demo\n"

/* ---- YAML into nodes ---------------------------------------------------- */

static void
test_positions_and_raw(void **state)
{
	struct problems		 ps;
	struct topology		*t;
	const struct node	*n, *watch;

	setenv("TOPO_TEST_A", "alpha", 1);
	t = load(HEAD "description: \"d\"\nwatch:\n  - a/${TOPO_TEST_A}\n"
	    "  - 'quoted'\ndoc: [~, null, \"\", '~']\n", NULL, 0, &ps);
	assert_non_null(t);
	assert_problems(&ps, "");
	assert_string_equal(t->system, "demo");
	assert_string_equal(t->description, "d");
	assert_int_equal(t->version, 1);

	assert_int_equal(t->root->type, NODE_MAP);
	assert_int_equal(t->root->line, 1);
	assert_int_equal(t->root->column, 1);
	assert_string_equal(t->root->keys[1]->value, "system");
	assert_int_equal(t->root->keys[1]->line, 2);
	n = node_get(t->root, "system");
	assert_int_equal(n->line, 2);
	assert_int_equal(n->column, 9);
	assert_string_equal(n->file, path);

	watch = node_get(t->root, "watch");
	assert_int_equal(watch->type, NODE_SEQ);
	assert_int_equal(watch->count, 2);
	assert_int_equal(watch->line, 5);
	assert_int_equal(watch->column, 3);
	n = watch->items[0];
	assert_string_equal(n->raw, "a/${TOPO_TEST_A}");
	assert_string_equal(n->value, "a/alpha");
	assert_int_equal(n->line, 5);
	assert_int_equal(n->column, 5);
	assert_int_equal(n->quoted, 0);
	assert_int_equal(watch->items[1]->quoted, 1);
	assert_int_equal(watch->items[1]->line, 6);
	n = node_get(t->root, "doc");
	assert_int_equal(n->items[0]->is_null, 1);
	assert_string_equal(n->items[0]->value, "");
	assert_string_equal(n->items[0]->raw, "~");
	assert_int_equal(n->items[1]->is_null, 1);
	assert_int_equal(n->items[2]->is_null, 0);	/* quoted: a string */
	assert_int_equal(n->items[3]->is_null, 0);
	assert_string_equal(n->items[3]->value, getenv("HOME"));
	topology_free(t);
	problems_free(&ps);
	unsetenv("TOPO_TEST_A");
}

static void
test_anchors_aliases(void **state)
{
	struct problems		 ps;
	struct topology		*t;
	const struct node	*a, *b;

	t = load(HEAD "doc:\n  base: &b {x: 1, y: [p, q]}\n  copy: *b\n",
	    NULL, 0, &ps);
	assert_non_null(t);
	assert_problems(&ps, "");
	a = node_get(node_get(t->root, "doc"), "base");
	b = node_get(node_get(t->root, "doc"), "copy");
	assert_int_equal(b->type, NODE_MAP);
	assert_true(a != b);	/* a deep copy, never shared */
	assert_true(a->items[1] != b->items[1]);
	assert_string_equal(node_str(b, "x", NULL), "1");
	assert_string_equal(node_get(b, "y")->items[1]->value, "q");
	/* The copy is where the alias is. */
	assert_int_equal(b->line, 5);
	assert_int_equal(b->column, 9);
	/* Its inside points at the anchored text. */
	assert_int_equal(node_get(b, "x")->line, 4);
	topology_free(t);
	problems_free(&ps);

	/* Merge keys: the map's own keys win, then the first base. */
	t = load(HEAD "doc:\n  base: &base {a: 1, b: 2}\n"
	    "  more: &more {c: 3, a: 9}\n"
	    "  x:\n    b: 20\n    <<: [*base, *more]\n    d: 4\n"
	    "  y: {<<: *base, \"<<\": quoted}\n",
	    NULL, 0, &ps);
	assert_non_null(t);
	assert_problems(&ps, "");
	a = node_get(node_get(t->root, "doc"), "x");
	assert_int_equal(a->count, 4);
	assert_string_equal(a->keys[0]->value, "b");
	assert_string_equal(a->items[0]->value, "20");
	assert_string_equal(a->keys[1]->value, "a");
	assert_string_equal(a->items[1]->value, "1");
	assert_string_equal(a->keys[2]->value, "c");
	assert_string_equal(a->keys[3]->value, "d");
	b = node_get(node_get(t->root, "doc"), "y");
	assert_int_equal(b->count, 3);
	assert_string_equal(node_str(b, "<<", NULL), "quoted");
	/* The base itself is untouched. */
	assert_int_equal(node_get(node_get(t->root, "doc"), "base")->count, 2);
	topology_free(t);
	problems_free(&ps);
	assert_only_problem(HEAD "doc: {<<: [1]}\n",
	    "3:12: a merge (<<) takes a map or a list of maps, not a scalar\n");

	assert_only_problem(HEAD "doc: *nowhere\n",
	    "3:6: alias *nowhere has no anchor &nowhere before it\n");
	assert_only_problem(HEAD "doc: &me [1, *me]\n",
	    "3:14: alias *me refers to a node that contains it\n");
}

static void
test_alias_bomb(void **state)
{
	struct problems	 ps;
	struct topology	*t;
	double		 start = util_now_ms();

	t = load(HEAD "doc:\n"
	    "  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	    "  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
	    "  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n",
	    NULL, 0, &ps);
	assert_null(t);
	/* Level e holds 111,111 nodes: level f cannot hold ten of them. */
	assert_problems(&ps,
	    "9:38: alias expansion exceeds 1000000 nodes (alias *e)\n");
	assert_true(util_now_ms() - start < 10000);
	problems_free(&ps);
}

static void
test_alias_text_bomb(void **state)
{
	struct buf	 text;
	struct problems	 ps;
	struct topology	*t;
	size_t		 i;

	/* Few nodes, much text: a 1 MB string aliased a hundred times. */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "doc:\n  big: &big \"");
	for (i = 0; i < 1024 * 1024; i++)
		buf_append(&text, "x", 1);
	buf_puts(&text, "\"\n  copies: [");
	for (i = 0; i < 100; i++)
		buf_puts(&text, "*big, ");
	buf_puts(&text, "]\n");
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_null(t);
	assert_int_equal(ps.count, 1);
	assert_int_equal(ps.items[0].line, 5);
	assert_string_equal(ps.items[0].message,
	    "alias expansion exceeds 67108864 bytes of text (alias *big)");
	problems_free(&ps);
	buf_free(&text);
}

static void
test_deep_nesting(void **state)
{
	struct buf	 text;
	struct problems	 ps;
	struct topology	*t;
	int		 i;

	buf_init(&text, 0);
	buf_puts(&text, HEAD "doc: ");
	for (i = 0; i < 5000; i++)
		buf_puts(&text, "[");
	for (i = 0; i < 5000; i++)
		buf_puts(&text, "]");
	buf_puts(&text, "\n");
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_null(t);
	/* doc's map is level 1; the 64th '[' is level 65. */
	assert_problems(&ps, "3:69: nesting deeper than 64 levels\n");
	problems_free(&ps);
	buf_free(&text);

	/* 63 levels under the root map is fine. */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "doc: ");
	for (i = 0; i < 63; i++)
		buf_puts(&text, "[");
	for (i = 0; i < 63; i++)
		buf_puts(&text, "]");
	buf_puts(&text, "\n");
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_non_null(t);
	assert_problems(&ps, "");
	topology_free(t);
	problems_free(&ps);
	buf_free(&text);

	/* An alias cannot smuggle depth in. */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "doc:\n  a: &deep ");
	for (i = 0; i < 40; i++)
		buf_puts(&text, "[");
	for (i = 0; i < 40; i++)
		buf_puts(&text, "]");
	buf_puts(&text, "\n  b: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*deep]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_null(t);
	assert_problems(&ps,
	    "5:36: nesting deeper than 64 levels (through alias *deep)\n");
	problems_free(&ps);
	buf_free(&text);
}

static void
test_too_many_nodes(void **state)
{
	struct buf	 text;
	struct problems	 ps;
	struct topology	*t;
	size_t		 i;

	buf_init(&text, 0);
	buf_puts(&text, HEAD "doc: [");
	for (i = 0; i < TOPOLOGY_MAX_NODES; i++)
		buf_puts(&text, "1,");
	buf_puts(&text, "]\n");
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_null(t);
	assert_int_equal(ps.count, 1);
	assert_string_equal(ps.items[0].message,
	    "the file has more than 1000000 nodes");
	problems_free(&ps);
	buf_free(&text);
}

static void
test_bad_bytes(void **state)
{
	struct problems	 ps;
	struct topology	*t;

	memset(&ps, 0, sizeof ps);
	write_bytes(HEAD "doc: a\0b\n", sizeof HEAD "doc: a\0b\n" - 1);
	t = topology_load(path, NULL, 0, &ps);
	assert_null(t);
	assert_problems(&ps,
	    "3:7: NUL byte in the file (a topology file is UTF-8 text)\n");
	problems_free(&ps);

	/* Column counts characters, like libyaml: é is one. */
	assert_only_problem(HEAD "doc: é \xff\n",
	    "3:8: invalid UTF-8 (byte 0xff): a topology file must be UTF-8 text\n");
	/* Overlong encoding of '/', and a lone surrogate. */
	assert_only_problem(HEAD "doc: \xc0\xaf\n",
	    "3:6: invalid UTF-8 (byte 0xc0): a topology file must be UTF-8 text\n");
	assert_only_problem(HEAD "doc: \xed\xa0\x80\n",
	    "3:6: invalid UTF-8 (byte 0xed): a topology file must be UTF-8 text\n");
	/* Truncated sequence at the end of the file. */
	assert_only_problem(HEAD "doc: \xe2\x82",
	    "3:6: invalid UTF-8 (byte 0xe2): a topology file must be UTF-8 text\n");
	/* A NUL written as an escape is a problem too. */
	assert_only_problem(HEAD "doc: \"a\\0b\"\n",
	    "3:6: NUL character in a string\n");
}

static void
test_duplicate_keys(void **state)
{
	struct problems		 ps;
	struct topology		*t;

	/* A duplicate is reported and the rest of the file still validated. */
	t = load(HEAD "doc:\n  x: 1\n  y: 2\n  \"x\": 3\nbogus: 1\n", NULL, 0, &ps);
	assert_non_null(t);
	assert_problems(&ps,
	    "6:3: duplicate key 'x' (first at 4:3)\n"
	    "7:1: unknown top-level key 'bogus' (not a setting nor a probe section)\n");
	assert_string_equal(node_str(node_get(t->root, "doc"), "x", NULL), "1");
	topology_free(t);
	problems_free(&ps);

	/* An anchor inside a dropped duplicate stays usable (found by
	 * fuzzing: it used to point at freed memory). */
	t = load(HEAD "doc:\n  a: 1\n  &k a: &x [1, &y two]\n  b: *x\n"
	    "  c: *y\n  d: *k\n", NULL, 0, &ps);
	assert_non_null(t);
	assert_problems(&ps, "5:3: duplicate key 'a' (first at 4:3)\n");
	assert_string_equal(node_get(node_get(t->root, "doc"), "b")->items[1]->value,
	    "two");
	assert_string_equal(node_str(node_get(t->root, "doc"), "c", NULL), "two");
	assert_string_equal(node_str(node_get(t->root, "doc"), "d", NULL), "a");
	topology_free(t);
	problems_free(&ps);
}

static void
test_duplicate_keys_fast(void **state)
{
	struct buf	 text;
	struct problems	 ps;
	struct topology	*t;
	double		 start;
	size_t		 i;

	/* 200,000 keys, one duplicate at the end: hashing, not n^2. */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "doc:\n");
	for (i = 0; i < 200000; i++)
		buf_printf(&text, "  k%zu: v\n", i);
	buf_puts(&text, "  k7: again\n");
	start = util_now_ms();
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_true(util_now_ms() - start < 10000);
	assert_non_null(t);
	assert_int_equal(ps.count, 1);
	assert_int_equal(ps.items[0].line, 200004);
	assert_string_equal(ps.items[0].message,
	    "duplicate key 'k7' (first at 11:3)");
	topology_free(t);
	problems_free(&ps);
	buf_free(&text);
}

static void
test_tabs(void **state)
{
	assert_only_problem(HEAD "doc:\n\tx: 1\n",
	    "4:1: tab character used for indentation (indent with spaces)\n");
	assert_only_problem(HEAD "doc:\n  x: 1\n \ty: 2\n",
	    "5:2: tab character used for indentation (indent with spaces)\n");
	/* A tab after the colon is only a separator: fine. */
	assert_only_problem(HEAD "doc:\tfine\n", "");
}

static void
test_yaml_errors(void **state)
{
	/* libyaml's own text, at its mark. */
	assert_only_problem(HEAD "doc: [a, b\nwatch: []\n",
	    "4:6: did not find expected ',' or ']' (while parsing a flow "
	    "sequence at 3:6)\n");
	assert_only_problem(HEAD "doc: a: b\n",
	    "3:7: mapping values are not allowed in this context\n");
	assert_only_problem("---\n" HEAD "doc: x\n" "---\n" "other: 1\n",
	    "5:1: a second YAML document starts here: a topology file holds "
	    "exactly one\n");
	assert_only_problem("",
	    "1:1: the file is empty: a topology starts with `version: 1` and "
	    "`system: NAME`\n");
	assert_only_problem("# only a comment\n",
	    "1:1: the file is empty: a topology starts with `version: 1` and "
	    "`system: NAME`\n");
	assert_only_problem("- a\n- b\n",
	    "1:1: the top level must be a map (version: 1, system: NAME, "
	    "sections), got a list\n");
	assert_only_problem(HEAD "? [a, b]\n: c\n",
	    "3:3: a map key must be a scalar, not a list\n");
}

static void
test_file_limits(void **state)
{
	struct problems	 ps;
	struct topology	*t;
	FILE		*f;
	double		 start;
	char		*msg;

	/* Over the size limit: refused by its size, without reading it. */
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 100 * 1024 * 1024 - 1, SEEK_SET), 0);
	assert_int_equal(fputc('\n', f), '\n');
	assert_int_equal(fclose(f), 0);
	memset(&ps, 0, sizeof ps);
	start = util_now_ms();
	t = topology_load(path, NULL, 0, &ps);
	assert_true(util_now_ms() - start < 1000);
	assert_null(t);
	assert_int_equal(ps.count, 1);
	assert_int_equal(ps.items[0].line, 0);
	assert_string_equal(ps.items[0].message,
	    "the file is 104857600 bytes, more than the 16777216 allowed");
	problems_free(&ps);

	/* Not there. */
	memset(&ps, 0, sizeof ps);
	msg = xasprintf("%s/missing.yaml", dir);
	t = topology_load(msg, NULL, 0, &ps);
	assert_null(t);
	assert_int_equal(ps.count, 1);
	assert_non_null(strstr(ps.items[0].message, "No such file"));
	problems_free(&ps);
	free(msg);

	/* A directory. */
	memset(&ps, 0, sizeof ps);
	t = topology_load(dir, NULL, 0, &ps);
	assert_null(t);
	assert_int_equal(ps.count, 1);
	assert_string_equal(ps.items[0].message,
	    "is a directory, not a topology file");
	problems_free(&ps);
}

/* ---- variables ------------------------------------------------------------ */

static void
test_vars_expand(void **state)
{
	struct problems		 ps;
	struct topology		*t;
	const struct node	*w;
	char			*home = getenv("HOME"), want[4096];

	assert_non_null(home);
	t = load(HEAD
	    "vars:\n"
	    "  HOST: 127.0.0.1\n"
	    "  URL: http://${HOST}:${PORT:-8080}/x\n"
	    "  EMPTY: \"\"\n"
	    "  REPO: ~/code\n"
	    "watch:\n"
	    "  - ${URL}\n"				/* 10 */
	    "  - cost $$5, $5, ok$, $.status, $\n"
	    "  - ${EMPTY:-fallback}\n"
	    "  - ${EMPTY}\n"
	    "  - ~/x\n"
	    "  - \"~\"\n"
	    "  - ~user\n"
	    "  - a~/b\n"
	    "  - ${REPO}/src\n"
	    "  - ${NOPE:-${HOST:-no}}\n"
	    "  - ${NOPE:-}\n"				/* 20 */
	    "  - ${NOPE:-$$HOME}\n",
	    NULL, 0, &ps);
	assert_non_null(t);
	assert_problems(&ps, "");
	w = node_get(t->root, "watch");
	assert_string_equal(w->items[0]->value, "http://127.0.0.1:8080/x");
	assert_string_equal(w->items[0]->raw, "${URL}");
	assert_string_equal(w->items[1]->value, "cost $5, $5, ok$, $.status, $");
	assert_string_equal(w->items[2]->value, "fallback");
	assert_string_equal(w->items[3]->value, "");
	snprintf(want, sizeof want, "%s/x", home);
	assert_string_equal(w->items[4]->value, want);
	assert_string_equal(w->items[5]->value, home);
	assert_string_equal(w->items[6]->value, "~user");
	assert_string_equal(w->items[7]->value, "a~/b");
	snprintf(want, sizeof want, "%s/code/src", home);
	assert_string_equal(w->items[8]->value, want);
	assert_string_equal(w->items[9]->value, "127.0.0.1");
	assert_string_equal(w->items[10]->value, "");
	assert_string_equal(w->items[11]->value, "$HOME");
	/* vars: values show the final value; the list of variables too. */
	assert_string_equal(node_str(node_get(t->root, "vars"), "URL", NULL),
	    "http://127.0.0.1:8080/x");
	assert_string_equal(topology_var(t, "URL"), "http://127.0.0.1:8080/x");
	snprintf(want, sizeof want, "%s/code", home);
	assert_string_equal(topology_var(t, "REPO"), want);
	assert_null(topology_var(t, "NOPE"));
	topology_free(t);
	problems_free(&ps);
}

static void
test_vars_precedence(void **state)
{
	struct problems	 ps;
	struct topology	*t;
	char		*sets[] = { "TOPO_TEST_B=from-set", "NEW=n", "UNUSED=u" };
	const char	*text = HEAD
	    "vars:\n  TOPO_TEST_A: from-file\n  TOPO_TEST_B: from-file\n"
	    "watch: [\"${TOPO_TEST_A}\", \"${TOPO_TEST_B}\", \"${NEW:-d}\"]\n";
	const struct node *w;

	unsetenv("TOPO_TEST_A");
	unsetenv("TOPO_TEST_B");
	/* File only. */
	t = load(text, NULL, 0, &ps);
	assert_problems(&ps, "");
	w = node_get(t->root, "watch");
	assert_string_equal(w->items[0]->value, "from-file");
	assert_string_equal(w->items[1]->value, "from-file");
	assert_string_equal(w->items[2]->value, "d");
	topology_free(t);
	problems_free(&ps);

	/* The environment beats the file; --set beats both. */
	setenv("TOPO_TEST_A", "from-env", 1);
	setenv("TOPO_TEST_B", "from-env", 1);
	t = load(text, sets, 3, &ps);
	assert_problems(&ps, "");
	w = node_get(t->root, "watch");
	assert_string_equal(w->items[0]->value, "from-env");
	assert_string_equal(w->items[1]->value, "from-set");
	assert_string_equal(w->items[2]->value, "n");
	assert_string_equal(topology_var(t, "TOPO_TEST_B"), "from-set");
	assert_string_equal(topology_var(t, "NEW"), "n");
	assert_string_equal(topology_var(t, "UNUSED"), "u");	/* set, not used */
	assert_null(topology_var(t, "TOPO_TEST_UNUSED"));
	topology_free(t);
	problems_free(&ps);
	unsetenv("TOPO_TEST_A");
	unsetenv("TOPO_TEST_B");

	/* Overrides are literal, never expanded again. */
	{
		char	*literal[] = { "TOPO_TEST_A=${X}" };

		t = load(text, literal, 1, &ps);
		assert_problems(&ps, "");
		assert_string_equal(node_get(t->root, "watch")->items[0]->value,
		    "${X}");
		topology_free(t);
		problems_free(&ps);
	}

	/* A bad --set has no position. */
	{
		char	*bad[] = { "no-equals", "1X=2" };

		t = load(HEAD, bad, 2, &ps);
		assert_problems(&ps,
		    "0:0: --set 'no-equals': expected NAME=VALUE\n"
		    "0:0: --set '1X=2': expected NAME=VALUE\n");
		topology_free(t);
		problems_free(&ps);
	}
}

static void
test_vars_faults(void **state)
{
	assert_only_problem(HEAD "vars:\n  A: x${A}\n",
	    "4:6: variable A refers to itself\n");
	assert_only_problem(HEAD "vars:\n  A: ${B}\n  B: ${A}\nwatch: [\"${A}\"]\n",
	    "4:6: variable A refers to itself through B\n");
	assert_only_problem(HEAD "vars:\n  A: ${B}\n  B: ${C}\n  C: ${A}\n",
	    "4:6: variable A refers to itself through B -> C\n");
	assert_only_problem(HEAD "vars:\n  HOST: h\nwatch:\n  - ${HSOT}\n",
	    "6:5: undefined variable 'HSOT' (did you mean 'HOST'?)\n");
	assert_only_problem(HEAD "watch: [\"x ${TOPO_UNDEFINED_Q}\"]\n",
	    "3:9: undefined variable 'TOPO_UNDEFINED_Q' (set it in vars:, the "
	    "environment or --set, or write ${TOPO_UNDEFINED_Q:-default}; $${TOPO_UNDEFINED_Q} is the text ${TOPO_UNDEFINED_Q})\n");
	assert_only_problem(HEAD "watch: [\"${OPEN\"]\n",
	    "3:9: unterminated variable reference '${OPEN' (missing '}'; $$ "
	    "writes a literal $)\n");
	assert_only_problem(HEAD "watch: [\"${a b}\"]\n",
	    "3:9: invalid variable reference '${a b}': expected ${NAME} or "
	    "${NAME:-default}, NAME of letters, digits and _ ($$ writes a "
	    "literal $)\n");
	assert_only_problem(HEAD "vars:\n  bad-name: x\n",
	    "4:3: invalid variable name 'bad-name' (letters, digits and _, not "
	    "starting with a digit)\n");
	/* A failed variable is reported once, not at every use. */
	assert_only_problem(HEAD "vars:\n  A: ${MISSING_Q}\nwatch: [\"${A}\", \"${A}\"]\n",
	    "4:6: undefined variable 'MISSING_Q' (set it in vars:, the "
	    "environment or --set, or write ${MISSING_Q:-default}; $${MISSING_Q} is the text ${MISSING_Q})\n");
}

static void
test_vars_bounded(void **state)
{
	struct buf	 text;
	struct problems	 ps;
	struct topology	*t;
	double		 start = util_now_ms();
	int		 i;

	/* Each variable doubles the one before: 2^40 bytes if unbounded. */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "vars:\n  V0: xxxxxxxxxxxxxxxx\n");
	for (i = 1; i <= 40; i++)
		buf_printf(&text, "  V%d: ${V%d}${V%d}\n", i, i - 1, i - 1);
	t = load(buf_str(&text), NULL, 0, &ps);
	/* V16 is 2^20 bytes: V17 is the first over 1 MiB. */
	assert_int_equal(ps.count, 1);
	assert_int_equal(ps.items[0].line, 21);
	assert_string_equal(ps.items[0].message,
	    "expanded value exceeds 1048576 bytes");
	assert_int_equal(strlen(topology_var(t, "V16")), 1024 * 1024);
	assert_null(topology_var(t, "V17"));
	topology_free(t);
	problems_free(&ps);
	buf_free(&text);

	/* Many uses of a big value: bounded in total. */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "vars:\n  V0: xxxxxxxxxxxxxxxx\n");
	for (i = 1; i <= 15; i++)
		buf_printf(&text, "  V%d: ${V%d}${V%d}\n", i, i - 1, i - 1);
	buf_puts(&text, "watch:\n");
	for (i = 0; i < 200; i++)
		buf_puts(&text, "  - ${V15}\n");
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_int_equal(ps.count, 1);
	assert_string_equal(ps.items[0].message,
	    "variable expansion exceeds 67108864 bytes in the whole file");
	topology_free(t);
	problems_free(&ps);
	buf_free(&text);

	/* A long chain of variables is cut, not a stack overflow. */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "vars:\n");
	for (i = 0; i < 1000; i++)
		buf_printf(&text, "  C%d: ${C%d}\n", i, i + 1);
	buf_puts(&text, "  C1000: end\n");
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_true(ps.count >= 1);
	assert_non_null(strstr(ps.items[0].message, "more than 64 levels deep"));
	topology_free(t);
	problems_free(&ps);
	buf_free(&text);
	assert_true(util_now_ms() - start < 10000);
}

static void
test_secrets(void **state)
{
	struct problems		 ps;
	struct topology		*t;
	const struct node	*w;
	char			*r;

	setenv("TOPO_TEST_A", "tok", 1);
	t = load(HEAD
	    "vars:\n"
	    "  PASSWORD: hunter2\n"
	    "  AUTH: Bearer ${PASSWORD}\n"
	    "  LONG: hunter2hunter2\n"
	    "  PLAIN: nothing\n"
	    "secrets: [PASSWORD, LONG, TOPO_TEST_A]\n"
	    "watch: [\"${AUTH}\", \"${PLAIN}\", \"x${TOPO_TEST_A}\"]\n",
	    NULL, 0, &ps);
	assert_problems(&ps, "");
	w = node_get(t->root, "watch");
	assert_int_equal(w->items[0]->secret, 1);	/* through AUTH */
	assert_int_equal(w->items[1]->secret, 0);
	assert_int_equal(w->items[2]->secret, 1);
	assert_int_equal(node_get(node_get(t->root, "vars"), "AUTH")->secret, 1);
	/* Longest first. */
	assert_int_equal(t->nsecrets, 3);
	assert_string_equal(t->secrets[0], "hunter2hunter2");
	assert_string_equal(t->secrets[1], "hunter2");
	assert_string_equal(t->secrets[2], "tok");
	assert_string_equal(topology_var(t, "TOPO_TEST_A"), "tok");

	r = topology_redact(t, "pw=hunter2hunter2hunter2 auth=Bearer hunter2 "
	    "token=tok; toke tokentok");
	/* Secrets are redacted wherever they appear, inside words too. */
	assert_string_equal(r, "pw=****** auth=Bearer *** ***en=***; ***e "
	    "***en***");
	free(r);
	r = topology_redact(t, "");
	assert_string_equal(r, "");
	free(r);
	assert_null(topology_redact(t, NULL));
	topology_free(t);
	problems_free(&ps);
	unsetenv("TOPO_TEST_A");

	/* Schema messages never show a secret's value. */
	assert_only_problem(HEAD "vars:\n  P: \"99999\"\n  Q: hunter2\n"
	    "secrets: [P, Q]\nports:\n  - {port: \"${P}\"}\n"
	    "  - {port: \"${Q}\"}\n",
	    "8:12: ports[0].port: a secret value is out of range 1..65535\n"
	    "9:12: ports[1].port: expected an integer, got a secret value\n");

	/* Nor a secret written out literally elsewhere. */
	assert_only_problem(HEAD "vars:\n  Q: hunter2\nsecrets: [Q]\n"
	    "ports:\n  - {port: \"hunter2!\"}\n",
	    "7:12: ports[0].port: expected an integer, got '***!'\n");

	/* A secret from the environment is redacted even if never used. */
	setenv("TOPO_TEST_B", "envsecret", 1);
	t = load(HEAD "secrets: [TOPO_TEST_B]\n", NULL, 0, &ps);
	assert_problems(&ps, "");
	assert_int_equal(t->nsecrets, 1);
	r = topology_redact(t, "x envsecret y");
	assert_string_equal(r, "x *** y");
	free(r);
	topology_free(t);
	problems_free(&ps);
	unsetenv("TOPO_TEST_B");

	/* Empty secrets are not redacted (that would redact everywhere). */
	t = load(HEAD "vars:\n  S: \"\"\nsecrets: [S]\n", NULL, 0, &ps);
	assert_problems(&ps, "");
	assert_int_equal(t->nsecrets, 0);
	r = topology_redact(t, "abc");
	assert_string_equal(r, "abc");
	free(r);
	topology_free(t);
	problems_free(&ps);

	/* A secret must name a variable; one only used with a default is ok. */
	assert_only_problem(HEAD "vars:\n  PASSWORD: x\nsecrets: [PASWORD]\n",
	    "5:11: secret 'PASWORD' is not a variable (not in vars:, the "
	    "environment or --set)\n");
	assert_only_problem(HEAD "secrets: [TOPO_OPT_Q]\nwatch: [\"${TOPO_OPT_Q:-}\"]\n",
	    "");
}

/* ---- schema ------------------------------------------------------------- */

static const char *const test_colors[] = { "red", "green", "blue", NULL };

static const struct schema test_item[] = {
	{ .key = "name", .type = SCHEMA_STRING, .required = 1 },
	{ .key = "count", .type = SCHEMA_INT, .min = 1, .max = 10 },
	{ .key = "enabled", .type = SCHEMA_BOOL },
	{ .key = "pattern", .type = SCHEMA_REGEX },
	{ .key = "color", .type = SCHEMA_CHOICE, .choices = test_colors },
	{ .key = "target", .type = SCHEMA_SCALAR_OR_MAP,
	  .children = (const struct schema[]){
		{ .key = "host", .type = SCHEMA_STRING },
		{ .key = NULL } } },
	{ .key = "any", .type = SCHEMA_ANY },
	{ .key = NULL },
};

static const struct schema test_section = {
	.key = "things", .type = SCHEMA_LIST,
	.children = (const struct schema[]){
		{ .key = "thing", .type = SCHEMA_MAP, .children = test_item } },
};

static void
check_section(const char *yaml, const char *expected)
{
	struct problems	 ps;
	struct node	*root;

	memset(&ps, 0, sizeof ps);
	root = yaml_parse("s.yaml", yaml, strlen(yaml), &ps);
	assert_non_null(root);
	schema_validate(&test_section, root, &ps);
	problems_sort(&ps);
	assert_problems(&ps, expected);
	node_free(root);
	problems_free(&ps);
}

static void
test_schema_faults(void **state)
{
	check_section(
	    "- name: a\n"
	    "  count: 3\n"
	    "  enabled: yes\n"
	    "  pattern: \"ok|healthy\"\n"
	    "  color: green\n"
	    "  target: localhost\n"
	    "  any: [1, {2: 3}]\n"
	    "- name: b\n"
	    "  target: {host: h}\n"
	    "  count:\n"
	    "  color: ~\n", "");
	check_section(
	    "- name: [x]\n"
	    "  count: 11\n"
	    "  enabled: maybe\n"
	    "  pattern: \"(a\"\n"
	    "  color: gren\n"
	    "  colr: red\n"
	    "  target: [1]\n"
	    "- count: many\n"
	    "- {name: x, count: 0, color: purple, target: {hots: h}}\n"
	    "- just a string\n"
	    "- name:\n",
	    "1:9: things[0].name: expected a string, got a list\n"
	    "2:10: things[0].count: 11 is out of range 1..10\n"
	    "3:12: things[0].enabled: expected true or false, got 'maybe'\n"
	    "4:12: things[0].pattern: invalid regex at offset 2: missing closing parenthesis\n"
	    "5:10: things[0].color: 'gren' is not one of red, green, blue (did you mean 'green'?)\n"
	    "6:3: unknown key 'colr' in things[0] (did you mean 'color'?)\n"
	    "7:11: things[0].target: expected a string or a map, got a list\n"
	    "8:3: things[1]: missing required key 'name'\n"
	    "8:10: things[1].count: expected an integer, got 'many'\n"
	    "9:20: things[2].count: 0 is out of range 1..10\n"
	    "9:30: things[2].color: 'purple' is not one of red, green, blue\n"
	    "9:47: unknown key 'hots' in things[2].target (did you mean 'host'?)\n"
	    "10:3: things[3]: expected a map, got 'just a string'\n"
	    "11:8: things[4].name: expected a string, got nothing (null)\n");
	check_section("name: x\n",
	    "1:1: things: expected a list, got a map\n");
	/* Integers read as node_int reads them. */
	check_section("- {name: a, count: 0x0a}\n- {name: b, count: 010}\n"
	    "- {name: c, count: 0080}\n- {name: d, count: 0x10}\n",
	    "3:20: things[2].count: expected an integer, got '0080'\n"
	    "4:20: things[3].count: 16 is out of range 1..10\n");
	/* An empty entry is a map with its required keys missing. */
	check_section("- \n- name: y\n",
	    "1:2: things[0]: missing required key 'name'\n");
}

/*
 * The registry refers to probes weakly while they are being written, so a
 * static link only pulls in the ones something names: name those the schema
 * tests use (and check that the registry finds them).
 */
static void
test_probes_linked(void **state)
{
	assert_ptr_equal(probe_find("unknowns"), &probe_unknowns);
	assert_ptr_equal(probe_find("files"), &probe_files);
	assert_ptr_equal(probe_find("sources"), &probe_sources);
	assert_ptr_equal(probe_find("ports"), &probe_port);
	assert_ptr_equal(probe_find("http"), &probe_http);
}

static void
test_schema_root(void **state)
{
	assert_only_problem(
	    "version: 2\n"
	    "descripton: x\n"
	    "vars: [a]\n"
	    "secrets: {a: b}\n"
	    "programs: {kubectl: [x]}\n"
	    "defaults: {timeout_ms: 0, jobs: 3}\n"
	    "watch: \"k8s/**\"\n"
	    "prots: []\n"
	    "zzzzzz: 1\n"
	    "doc: {anything: [goes, {here: 1}]}\n",
	    "1:1: missing required key 'system'\n"
	    "1:10: version: unsupported version 2 (this topo reads version 1)\n"
	    "2:1: unknown top-level key 'descripton' (did you mean 'description'?)\n"
	    "3:7: vars: expected a map, got a list\n"
	    "4:10: secrets: expected a list, got a map\n"
	    "5:21: programs.kubectl: expected a string, got a list\n"
	    "6:24: defaults.timeout_ms: 0 is out of range 1..3600000\n"
	    "6:27: unknown key 'jobs' in defaults\n"
	    "7:8: watch: expected a list, got 'k8s/**'\n"
	    "8:1: unknown top-level key 'prots' (did you mean 'ports'?)\n"
	    "9:1: unknown top-level key 'zzzzzz' (not a setting nor a probe "
	    "section)\n");
	assert_only_problem("version: one\nsystem: x\n",
	    "1:10: version: expected an integer, got 'one'\n");
	/* A probe's section is validated with the probe's own table. */
	assert_only_problem(HEAD "ports:\n  - port: 70000\n",
	    "4:11: ports[0].port: 70000 is out of range 1..65535\n");
}

static void
test_suggest(void **state)
{
	const char	*words[] = { "timeout_ms", "description", "version", "id" };

	assert_string_equal(schema_suggest("tiemout_ms", words, 4), "timeout_ms");
	assert_string_equal(schema_suggest("Version", words, 4), "version");
	assert_string_equal(schema_suggest("descripton", words, 4), "description");
	assert_null(schema_suggest("a", words, 4));	/* not "id" */
	assert_null(schema_suggest("completely", words, 4));
	assert_null(schema_suggest("", words, 4));
}

/* ---- problems, programs, performance ---------------------------------------- */

static void
test_problems_print(void **state)
{
	struct problems	 ps;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*f;

	memset(&ps, 0, sizeof ps);
	problems_add(&ps, "b.yaml", 1, 1, "third");
	problems_add(&ps, "a.yaml", 9, 2, "second %d", 2);
	problems_add(&ps, "a.yaml", 3, 5, "first");
	problems_add(&ps, "a.yaml", 9, 2, "second again");
	problems_add(&ps, NULL, 0, 0, "no position");
	problems_add(&ps, "c.yaml", 0, 0, "file only");
	problems_add_at(&ps, NULL, "at nothing");
	problems_sort(&ps);
	f = open_memstream(&out, &len);
	problems_print(&ps, f);
	fclose(f);
	assert_string_equal(out,
	    "no position\n"
	    "at nothing\n"
	    "a.yaml:3:5: first\n"
	    "a.yaml:9:2: second 2\n"
	    "a.yaml:9:2: second again\n"
	    "b.yaml:1:1: third\n"
	    "c.yaml: file only\n");
	free(out);
	problems_free(&ps);
	assert_int_equal(ps.count, 0);
}

static void
test_long_text_clipped(void **state)
{
	struct buf	 key, text;
	struct problems	 ps;
	struct topology	*t;
	size_t		 i;

	/* A megabyte key (explicit: libyaml caps implicit keys at 1024),
	 * repeated, and unknown: each message stays short, cut on a character
	 * boundary (é is two bytes). */
	buf_init(&key, 0);
	for (i = 0; i < 76; i++)
		buf_puts(&key, "k");
	for (i = 0; i < 512 * 1024; i++)
		buf_puts(&key, "é");
	buf_init(&text, 0);
	buf_printf(&text, HEAD "doc:\n  ? %s\n  : 1\n  ? %s\n  : 2\n? %s\n: 3\n",
	    buf_str(&key), buf_str(&key), buf_str(&key));
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_int_equal(ps.count, 2);
	/* 76 ASCII bytes, then é would straddle byte 77: cut before it. */
	assert_int_equal(strlen(ps.items[0].message), strlen("duplicate key '") +
	    76 + 3 + strlen("' (first at 4:5)"));
	assert_non_null(strstr(ps.items[0].message, "kkk...' (first at 4:5)"));
	assert_true(strlen(ps.items[1].message) < 200);
	assert_non_null(strstr(ps.items[1].message, "unknown top-level key 'kkk"));
	topology_free(t);
	problems_free(&ps);
	buf_free(&text);
	buf_free(&key);
}

static void
test_problems_capped(void **state)
{
	struct problems	 ps;
	int		 i;

	memset(&ps, 0, sizeof ps);
	for (i = 0; i < 100000; i++)
		problems_add(&ps, "f.yaml", i + 1, 1, "fault %d", i);
	assert_int_equal(ps.count, 1001);
	assert_string_equal(ps.items[999].message, "fault 999");
	assert_null(ps.items[1000].file);
	assert_string_equal(ps.items[1000].message,
	    "more than 1000 problems: only the first 1000 are shown");
	problems_sort(&ps);
	assert_string_equal(ps.items[0].message,
	    "more than 1000 problems: only the first 1000 are shown");
	assert_string_equal(ps.items[1].message, "fault 0");
	problems_free(&ps);
}

static void
test_duplicate_key_bomb(void **state)
{
	struct buf	 text;
	struct problems	 ps;
	struct topology	*t;
	double		 start;
	size_t		 i;

	/* A key repeated 400,000 times: bounded problems, bounded time. */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "doc:\n");
	for (i = 0; i < 400000; i++)
		buf_puts(&text, "  a: 1\n");
	start = util_now_ms();
	t = load(buf_str(&text), NULL, 0, &ps);
	assert_true(util_now_ms() - start < 10000);
	assert_int_equal(ps.count, 1001);
	assert_string_equal(ps.items[1].message, "duplicate key 'a' (first at 4:3)");
	topology_free(t);
	problems_free(&ps);
	buf_free(&text);
}

static void
test_program(void **state)
{
	struct problems	 ps;
	struct topology	*t;

	unsetenv("TOPO_KUBECTL");
	unsetenv("TOPO_LAUNCHCTL");
	t = load(HEAD "programs:\n  kubectl: /opt/k/kubectl\n", NULL, 0, &ps);
	assert_problems(&ps, "");
	assert_string_equal(topology_program(t, "kubectl"), "/opt/k/kubectl");
	assert_string_equal(topology_program(t, "launchctl"), "launchctl");
	setenv("TOPO_KUBECTL", "/env/kubectl", 1);
	assert_string_equal(topology_program(t, "kubectl"), "/env/kubectl");
	unsetenv("TOPO_KUBECTL");
	assert_string_equal(topology_program(NULL, "caddy"), "caddy");
	topology_free(t);
	problems_free(&ps);
}

static void
test_large_topology_fast(void **state)
{
	struct buf	 text;
	struct problems	 ps;
	struct topology	*t;
	double		 start, took;
	int		 i;

	/* 10,000 checks, each with variables: loads in milliseconds (here
	 * under ASan, so the bound is generous). */
	buf_init(&text, 0);
	buf_puts(&text, HEAD "vars:\n  HOST: 127.0.0.1\n  OWNER: me\nports:\n");
	for (i = 0; i < 10000; i++)
		buf_printf(&text, "  - {port: %d, host: \"${HOST}\", owner: "
		    "\"${OWNER} ${N:-%d}\", expect: listening}\n", 1 + i, i);
	start = util_now_ms();
	t = load(buf_str(&text), NULL, 0, &ps);
	took = util_now_ms() - start;
	assert_problems(&ps, "");
	assert_int_equal(node_get(t->root, "ports")->count, 10000);
	assert_string_equal(node_str(node_get(t->root, "ports")->items[9999],
	    "owner", NULL), "me 9999");
	print_message("10,000 ports loaded in %.1f ms\n", took);
	assert_true(took < 3000);
	topology_free(t);
	problems_free(&ps);
	buf_free(&text);
}

static void
test_catastrophic_regex(void **state)
{
	struct regex	*re;
	char		*cause = NULL, subject[64];
	double		 start;
	int		 rc;

	/* It compiles (the schema accepts it)... */
	check_section("- name: x\n  pattern: \"(a+)+$\"\n", "");
	re = regex_compile("(a+)+$", &cause);
	assert_non_null(re);
	/* ...and matching it against a hostile subject ends, with an error
	 * or a non-match, in bounded time. */
	memset(subject, 'a', sizeof subject - 2);
	subject[sizeof subject - 2] = 'b';
	subject[sizeof subject - 1] = '\0';
	start = util_now_ms();
	rc = regex_match(re, subject, strlen(subject), NULL, NULL, &cause);
	assert_true(rc == -1 || rc == 0);
	assert_true(util_now_ms() - start < 10000);
	free(cause);
	regex_free(re);
}

/* A shared pattern lives until its last holder lets go; the limits hold
 * for every holder (the match context is part of the shared pattern). */
static void
test_regex_shared(void **state)
{
	struct regex	*re, *second;
	char		*cause = NULL, subject[64];
	int		 rc;

	(void)state;
	re = regex_compile("^(a+)+$", &cause);
	assert_non_null(re);
	second = regex_ref(re);
	assert_ptr_equal(second, re);
	regex_free(re);		/* one holder left: still usable */
	assert_int_equal(regex_match(second, "aaa", 3, NULL, NULL, NULL), 1);
	memset(subject, 'a', sizeof subject - 2);
	subject[sizeof subject - 2] = 'b';
	subject[sizeof subject - 1] = '\0';
	rc = regex_match(second, subject, strlen(subject), NULL, NULL, &cause);
	assert_true(rc == -1 || rc == 0);
	free(cause);
	assert_string_equal(regex_pattern(second), "^(a+)+$");
	regex_free(second);	/* the last: freed (ASan sees a leak otherwise) */
	regex_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probes_linked),
		cmocka_unit_test(test_positions_and_raw),
		cmocka_unit_test(test_anchors_aliases),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_alias_text_bomb),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_too_many_nodes),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_keys_fast),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_file_limits),
		cmocka_unit_test(test_vars_expand),
		cmocka_unit_test(test_vars_precedence),
		cmocka_unit_test(test_vars_faults),
		cmocka_unit_test(test_vars_bounded),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_schema_faults),
		cmocka_unit_test(test_schema_root),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_problems_print),
		cmocka_unit_test(test_long_text_clipped),
		cmocka_unit_test(test_problems_capped),
		cmocka_unit_test(test_duplicate_key_bomb),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_large_topology_fast),
		cmocka_unit_test(test_catastrophic_regex),
		cmocka_unit_test(test_regex_shared),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
