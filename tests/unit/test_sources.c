/*
 * test_sources.c: the list parser of the sources probe (probes/sources.h):
 * declaration forms, entry names, comments and strings that would fool a
 * pattern, errors, garbage, and linear time on a large file; and the file
 * helpers both static probes share (probes/textfile.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../probes/sources.h"
#include "../../probes/textfile.h"
#include "../../util/util.h"

struct parsed {
	int	 rc;
	char	**names;
	size_t	 count;
	int	 line;
	char	*cause;
	char	*joined;	/* names joined with ',' in source order */
};

static void
parse_len(struct parsed *r, const char *text, size_t len, const char *list)
{
	size_t	i, n, total = 1, at = 0;

	memset(r, 0, sizeof *r);
	r->rc = sources_list_parse(text, len, list, &r->names, &r->count,
	    &r->line, &r->cause);
	for (i = 0; i < r->count; i++)
		total += strlen(r->names[i]) + 1;
	r->joined = calloc(1, total);
	assert_non_null(r->joined);
	for (i = 0; i < r->count; i++) {
		if (i > 0)
			r->joined[at++] = ',';
		n = strlen(r->names[i]);
		memcpy(r->joined + at, r->names[i], n);
		at += n;
	}
}

static void
parse(struct parsed *r, const char *text, const char *list)
{
	parse_len(r, text, strlen(text), list);
}

static void
parsed_free(struct parsed *r)
{
	sources_names_free(r->names, r->count);
	free(r->cause);
	free(r->joined);
}

/* Parses text, asserts success and the names (joined with ',') and line. */
static void
expect_list(const char *text, const char *list, const char *names, int line)
{
	struct parsed	r;

	parse(&r, text, list);
	if (r.rc != 0)
		fail_msg("parse failed: %s", r.cause);
	assert_string_equal(r.joined, names);
	assert_int_equal(r.line, line);
	parsed_free(&r);
}

static void
expect_error(const char *text, const char *list, const char *cause)
{
	struct parsed	r;

	parse(&r, text, list);
	assert_int_equal(r.rc, -1);
	assert_non_null(r.cause);
	assert_string_equal(r.cause, cause);
	assert_null(r.names);
	assert_int_equal(r.count, 0);
	parsed_free(&r);
}

static void
test_plain_list(void **state)
{
	expect_list(
	    "import { a } from \"./a\";\n"
	    "\n"
	    "export const hostFunctionDefinitions = [\n"
	    "  approvalRequest,\n"
	    "  approvalResolve,\n"
	    "  todoistCommentAdded\n"
	    "];\n"
	    "export const hostFunctionIds = hostFunctionDefinitions.map(f);\n",
	    "hostFunctionDefinitions",
	    "approvalRequest,approvalResolve,todoistCommentAdded", 3);
}

static void
test_declaration_forms(void **state)
{
	/* Not exported: the line is that of const. */
	expect_list("\n\nconst xs = [a, b];", "xs", "a,b", 3);
	/* A type annotation, with brackets, generics and arrows in it. */
	expect_list("export const xs: InngestFunction.Any[] = [a, b];",
	    "xs", "a,b", 1);
	expect_list("export const xs: Array<Record<string, () => void>> = [a];",
	    "xs", "a", 1);
	expect_list("export const xs: { f: (x: number) => string }[] = [a];",
	    "xs", "a", 1);
	/* as const, satisfies. */
	expect_list("export const xs = [\"a\", \"b\"] as const;", "xs", "a,b", 1);
	expect_list("export const xs = [a] satisfies Fn[];", "xs", "a", 1);
	/* Spread over several lines. */
	expect_list("export\nconst\nxs\n=\n[\na\n]", "xs", "a", 1);
	/* An empty list. */
	expect_list("export const xs = [];", "xs", "", 1);
	expect_list("export const xs = [ /* nothing yet */ ];", "xs", "", 1);
}

static void
test_entry_names(void **state)
{
	expect_list("export const xs = [\n"
	    "  foo,\n"
	    "  bar(),\n"
	    "  baz(1, [2, 3], { a: 4 }),\n"
	    "  ns.qux,\n"
	    "  ...otherList,\n"
	    "  ... spaced,\n"
	    "  \"a string\",\n"
	    "  'single',\n"
	    "  fn as unknown as Fn,\n"
	    "  { id:  \"obj\",\n    run }\n"
	    "];", "xs",
	    "foo,bar,baz,ns.qux,...otherList,...spaced,a string,single,fn,"
	    "{ id: \"obj\", run }", 1);
	/* Trailing comma, holes and blank lines add no entry. */
	expect_list("export const xs = [\n\n  a,\n\n  , b,\n];", "xs", "a,b", 1);
	/* A long object is cut to 80 bytes. */
	{
		struct parsed	r;
		char		text[1024];

		snprintf(text, sizeof text, "const xs = [{ k: \"%0500d\" }];", 7);
		parse(&r, text, "xs");
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.count, 1);
		assert_int_equal(strlen(r.names[0]), 80);
		assert_true(strncmp(r.names[0], "{ k: \"000", 9) == 0);
		parsed_free(&r);
	}
	/* Duplicates are kept: a function registered twice is a finding. */
	expect_list("const xs = [a, b, a];", "xs", "a,b,a", 1);
}

static void
test_comments_and_strings(void **state)
{
	/* A commented-out older list is not the list. */
	expect_list("// export const xs = [old1, old2];\n"
	    "/* export const xs = [old3]; */\n"
	    "export const xs = [new1];", "xs", "new1", 3);
	/* Nor is one inside a string or a template literal. */
	expect_list("const doc = \"export const xs = [s];\";\n"
	    "const t = `export const xs = [t] ${ `nested ${x}` }`;\n"
	    "export const xs = [real];", "xs", "real", 3);
	/* Comments between and after entries; commas and brackets inside them. */
	expect_list("export const xs = [\n"
	    "  a, // b, c ]\n"
	    "  /* d, e, ] */ f,\n"
	    "  // g,\n"
	    "  h /* i */,\n"
	    "];", "xs", "a,f,h", 1);
	/* Brackets and commas in strings, templates and regexes of an entry. */
	expect_list("export const xs = [\n"
	    "  make(\"],\", ']'),\n"
	    "  tpl(`a ] , ${ [1, 2].join(\"]\") } b`),\n"
	    "  re(/[\\]/,]+/g),\n"
	    "  last,\n"
	    "];", "xs", "make,tpl,re,last", 1);
	/* A name that merely starts like the list is another list. */
	expect_list("export const xsOld = [z];\nexport const xs = [y];", "xs",
	    "y", 2);
	/* Division after an identifier is not a regex literal. */
	expect_list("const half = total / 2; const r = a / b / c;\n"
	    "const xs = [a];", "xs", "a", 2);
}

static void
test_errors(void **state)
{
	expect_error("export const other = [a];", "xs", "no `export const xs = [`");
	expect_error("", "xs", "no `export const xs = [`");
	expect_error("let xs = [a];", "xs", "no `export const xs = [`");
	expect_error("// export const xs = [a];", "xs", "no `export const xs = [`");
	expect_error("export const xs = build();\n", "xs",
	    "`const xs` (line 1) is not a `[ ... ]` list");
	expect_error("\nexport const xs = [\n  a,\n  b,\n", "xs",
	    "list `xs` (line 2) is not closed");
	expect_error("export const xs = [a, (b, c];", "xs",
	    "list `xs` (line 1) is not closed");
	expect_error("export const xs = [a, \"b];\n", "xs",
	    "list `xs` (line 1) is not closed");
	expect_error("export const xs = [a, /* b ];", "xs",
	    "list `xs` (line 1) is not closed");
	expect_error("export const xs = [a, `b ];", "xs",
	    "list `xs` (line 1) is not closed");
	/* A list name that is no identifier is never found. */
	expect_error("export const xs = [a];", "x-s", "no `export const x-s = [`");
}

static void
test_garbage(void **state)
{
	static const char nul_text[] = "\0\0export const xs = [a,\0b];\0";
	struct parsed	 r;
	unsigned char	*junk;
	size_t		 i, n = 1 << 20;
	unsigned int	 seed = 12345;

	/* NUL bytes do not end the text: the length does. */
	parse_len(&r, nul_text, sizeof nul_text - 1, "xs");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 2);
	assert_string_equal(r.names[0], "a");
	assert_string_equal(r.names[1], "?b");
	parsed_free(&r);

	/* Random bytes, with and without the declaration in front. */
	junk = malloc(n + 64);
	assert_non_null(junk);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		junk[i] = (unsigned char)(seed >> 16);
	}
	parse_len(&r, (const char *)junk, n, "xs");
	assert_int_equal(r.rc, -1);
	parsed_free(&r);
	memcpy(junk, "export const xs = [", 19);
	parse_len(&r, (const char *)junk, n, "xs");
	assert_true(r.rc == 0 || r.rc == -1);
	parsed_free(&r);

	/* Deep nesting: no recursion limit is hit, no stack is blown. */
	memset(junk, 0, n + 64);
	memcpy(junk, "const xs = [", 12);
	for (i = 12; i < 12 + 200000; i++)
		junk[i] = '(';
	parse_len(&r, (const char *)junk, 12 + 200000, "xs");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.cause, "list `xs` (line 1) is not closed");
	parsed_free(&r);
	for (i = 12; i < 12 + 300000; i++)
		junk[i] = i % 2 ? '{' : '`';
	for (; i < 12 + 300000 + 20; i++)
		junk[i] = '$';
	parse_len(&r, (const char *)junk, 12 + 300020, "xs");
	assert_int_equal(r.rc, -1);
	parsed_free(&r);
	/* Templates nested deeper than the limit are read as text. */
	{
		char	*t = (char *)junk;
		size_t	 len = 0, d;

		len += (size_t)sprintf(t, "const xs = [f(");
		for (d = 0; d < 100; d++)
			len += (size_t)sprintf(t + len, "`${");
		for (d = 0; d < 100; d++)
			len += (size_t)sprintf(t + len, "}`");
		len += (size_t)sprintf(t + len, "), g];");
		parse_len(&r, t, len, "xs");
		assert_int_equal(r.rc, 0);
		assert_true(r.count >= 1);
		assert_string_equal(r.names[0], "f");
		parsed_free(&r);
	}
	free(junk);
}

/* A 10,000-entry list (about 10,000 lines) parses in a few milliseconds. */
static void
test_large_list_is_linear(void **state)
{
	struct parsed	 r;
	struct timespec	 t0, t1;
	char		*text;
	size_t		 len = 0, cap = 1 << 21, i;
	double		 ms;

	text = malloc(cap);
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len,
	    "// generated\nexport const hostFunctionDefinitions = [\n");
	for (i = 0; i < 10000; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "  function%05zu, // entry %zu\n", i, i);
	len += (size_t)snprintf(text + len, cap - len, "];\n");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	parse_len(&r, text, len, "hostFunctionDefinitions");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 10000);
	assert_int_equal(r.line, 2);
	assert_string_equal(r.names[0], "function00000");
	assert_string_equal(r.names[9999], "function09999");
	print_message("10,000 entries in %.2f ms\n", ms);
	/* Generous for ASan and a loaded machine; quadratic would be seconds. */
	assert_true(ms < 100.0);
	parsed_free(&r);
	free(text);
}

static void
test_stable_path(void **state)
{
	assert_string_equal(textfile_stable_path("${REPO}/packages/x.ts"),
	    "packages/x.ts");
	assert_string_equal(textfile_stable_path("${REPO:-/srv/repo}/k8s"), "k8s");
	assert_string_equal(textfile_stable_path("${REPO}//a"), "a");
	assert_string_equal(textfile_stable_path("~/.config/x.env"),
	    ".config/x.env");
	/* Nothing machine-specific to drop: kept as written. */
	assert_string_equal(textfile_stable_path("/etc/hosts"), "/etc/hosts");
	assert_string_equal(textfile_stable_path("repo/a.ts"), "repo/a.ts");
	assert_string_equal(textfile_stable_path("${REPO}"), "${REPO}");
	assert_string_equal(textfile_stable_path("${REPO}/"), "${REPO}/");
	assert_string_equal(textfile_stable_path("$REPO/a"), "$REPO/a");
	assert_string_equal(textfile_stable_path("~"), "~");
}

static void
test_resolve(void **state)
{
	char	*p;

	p = textfile_resolve("/cases/one/topology.yaml", "repo/a.ts");
	assert_string_equal(p, "/cases/one/repo/a.ts");
	free(p);
	p = textfile_resolve("/cases/one/topology.yaml", "/abs/a.ts");
	assert_string_equal(p, "/abs/a.ts");
	free(p);
	/* A topology in the working folder: relative stays relative to it. */
	p = textfile_resolve("topology.yaml", "repo/a.ts");
	assert_string_equal(p, "repo/a.ts");
	free(p);
	p = textfile_resolve(NULL, "repo/a.ts");
	assert_string_equal(p, "repo/a.ts");
	free(p);
}

static void
test_line_and_excerpt(void **state)
{
	static const char text[] = "one\n  two \t\r\nthr\001ee\n\nlast";
	size_t		  len = sizeof text - 1;
	char		 *e, *long_line;
	size_t		  i, n = 5000;

	assert_int_equal(textfile_line(text, len, 0), 1);
	assert_int_equal(textfile_line(text, len, 3), 1);	/* the '\n' */
	assert_int_equal(textfile_line(text, len, 4), 2);
	assert_int_equal(textfile_line(text, len, len), 5);
	assert_int_equal(textfile_line(text, len, len + 100), 5);

	e = textfile_excerpt(text, len, 6);		/* in "  two" */
	assert_string_equal(e, "two");
	free(e);
	e = textfile_excerpt(text, len, 14);		/* "thr\001ee" */
	assert_string_equal(e, "thr?ee");
	free(e);
	e = textfile_excerpt(text, len, 19);		/* its '\n' */
	assert_string_equal(e, "thr?ee");
	free(e);
	e = textfile_excerpt(text, len, 20);		/* the empty line */
	assert_string_equal(e, "");
	free(e);
	e = textfile_excerpt(text, len, len);		/* end of text */
	assert_string_equal(e, "last");
	free(e);

	/* A long (minified) line: a window around the offset, capped. */
	long_line = malloc(n + 1);
	assert_non_null(long_line);
	for (i = 0; i < n; i++)
		long_line[i] = (char)('a' + i % 26);
	long_line[n] = '\0';
	memcpy(long_line + 3000, "NEEDLE", 6);
	e = textfile_excerpt(long_line, n, 3000);
	assert_true(strlen(e) <= TEXTFILE_EXCERPT);
	assert_non_null(strstr(e, "NEEDLE"));
	free(e);
	e = textfile_excerpt(long_line, n, 0);
	assert_int_equal(strlen(e), TEXTFILE_EXCERPT);
	assert_true(strncmp(e, "abc", 3) == 0);
	free(e);
	free(long_line);
}

static void
test_read_caps(void **state)
{
	char		 path[] = "/tmp/test_sources.XXXXXX";
	struct buf	 b;
	char		*cause = NULL;
	int		 fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "abc\0def", 7), 7);
	assert_int_equal(textfile_read(NULL, path, &b, &cause), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "abc\0def", 7);
	buf_free(&b);

	/* One byte over the cap (a sparse file): an error that says so. */
	assert_int_equal(ftruncate(fd, TEXTFILE_MAX_BYTES + 1), 0);
	assert_int_equal(textfile_read(NULL, path, &b, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "is larger than 16 MiB"));
	assert_non_null(strstr(cause, path));
	free(cause);
	cause = NULL;
	/* Exactly the cap is still read. */
	assert_int_equal(ftruncate(fd, TEXTFILE_MAX_BYTES), 0);
	assert_int_equal(textfile_read(NULL, path, &b, &cause), 0);
	assert_int_equal(b.len, TEXTFILE_MAX_BYTES);
	buf_free(&b);
	close(fd);
	unlink(path);

	assert_int_equal(textfile_read(NULL, path, &b, &cause), -1);
	assert_non_null(strstr(cause, "cannot open"));
	free(cause);
	cause = NULL;
	/* Only regular files: a folder, a device (a FIFO or a terminal would
	 * hang the run: tests/integration/faults.sh). */
	assert_int_equal(textfile_read(NULL, "/", &b, &cause), -1);
	assert_string_equal(cause, "/ is not a regular file: not read");
	free(cause);
	cause = NULL;
	assert_int_equal(textfile_read(NULL, "/dev/zero", &b, &cause), -1);
	assert_string_equal(cause, "/dev/zero is not a regular file: not read");
	free(cause);
}

/* textfile_allowed(root, path) as 0 or -1, checking what it hands back. */
static int
allowed(const char *root, const char *path, const char *want_resolved)
{
	char	*resolved = NULL, *cause = NULL, *want;
	int	 rc;

	rc = textfile_allowed(root, path, &resolved, &cause);
	if (rc == 0) {
		assert_null(cause);
		assert_non_null(resolved);
		if (want_resolved != NULL)
			assert_string_equal(resolved, want_resolved);
	} else {
		assert_null(resolved);
		want = xasprintf("path %s is outside the root %s (--root)", path,
		    root);
		/* A root given with a trailing slash is named without it. */
		if (strlen(root) > 1 && root[strlen(root) - 1] == '/')
			want[strlen(want) - strlen("/ (--root)")] = '\0';
		assert_true(strncmp(cause, want, strlen(want)) == 0);
		free(want);
	}
	free(resolved);
	free(cause);
	return rc;
}

static char *
join(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

/*
 * The rule of --root: a real tree in a temporary folder with links in and
 * out, .., missing leaves, a neighbour whose name starts like the root's.
 */
static void
test_allowed(void **state)
{
	char		 tmpl[] = "/tmp/test_allowed.XXXXXX", cwd[PATH_MAX];
	char		*base, *root, *slash, *p, *want;
	const char	*inside[] = { "a.txt", "sub/../a.txt", "./a.txt", "missing.txt",
			    "nodir/deeper/x", "ok_link", "dangle_in", "sub",
			    "dirlink/repo/a.txt", "sub/", NULL };
	const char	*outside[] = { "../out.txt", "../nothing.txt", "in_link",
			    "dangle_out", "dirlink/out.txt", "missing/../../out.txt",
			    "sub/../../out.txt", "a.txt/../../out.txt", "loop1", "..",
			    "../repo2/x.txt", "../repo2", "nodir/../../repo2/x.txt",
			    NULL };
	size_t		 i;
	int		 fd;

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_non_null(mkdtemp(tmpl));
	base = realpath(tmpl, NULL);
	assert_non_null(base);
	root = join(base, "repo");
	p = join(base, "repo2");
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	assert_int_equal(chdir(root), 0);
	assert_int_equal(mkdir("sub", 0700), 0);
	assert_true((fd = open("a.txt", O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	assert_true((fd = open("../out.txt", O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	assert_true((fd = open("../repo2/x.txt", O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	assert_int_equal(symlink("../out.txt", "in_link"), 0);
	assert_int_equal(symlink("a.txt", "ok_link"), 0);
	assert_int_equal(symlink("../nothing_out", "dangle_out"), 0);
	assert_int_equal(symlink("missing_in", "dangle_in"), 0);
	assert_int_equal(symlink("..", "dirlink"), 0);
	assert_int_equal(symlink("loop2", "loop1"), 0);
	assert_int_equal(symlink("loop1", "loop2"), 0);

	for (i = 0; inside[i] != NULL; i++) {
		p = join(root, inside[i]);
		if (allowed(root, p, NULL) != 0)
			fail_msg("%s should be inside", inside[i]);
		free(p);
	}
	for (i = 0; outside[i] != NULL; i++) {
		p = join(root, outside[i]);
		if (allowed(root, p, NULL) != -1)
			fail_msg("%s should be outside", outside[i]);
		free(p);
	}
	/* What is handed back is what was judged: the real path. */
	p = join(root, "ok_link");
	want = join(root, "a.txt");
	allowed(root, p, want);
	free(p);
	p = join(root, "sub/../nodir/x");
	free(want);
	want = join(root, "nodir/x");
	allowed(root, p, want);
	free(p);
	free(want);
	/* The root itself, with a trailing slash, and relative paths. */
	assert_int_equal(allowed(root, root, root), 0);
	slash = xasprintf("%s/", root);
	p = join(root, "a.txt");
	assert_int_equal(allowed(slash, p, NULL), 0);
	free(p);
	p = join(base, "out.txt");
	assert_int_equal(allowed(slash, p, NULL), -1);
	free(p);
	p = join(base, "repo2/x.txt");
	assert_int_equal(allowed(slash, p, NULL), -1);
	free(p);
	free(slash);
	assert_int_equal(allowed(root, "a.txt", NULL), 0);
	assert_int_equal(allowed(root, "../out.txt", NULL), -1);
	assert_int_equal(allowed(root, "/etc/passwd", NULL), -1);
	/* No root: everything, as given; the root "/": everything. */
	assert_int_equal(allowed(NULL, "/etc/passwd", "/etc/passwd"), 0);
	assert_int_equal(allowed("/", "/etc/passwd", "/etc/passwd"), 0);

	/* textfile_read refuses before it opens: nothing read. */
	{
		struct buf	 b;
		char		*cause = NULL;

		p = join(base, "out.txt");
		assert_int_equal(textfile_read(root, p, &b, &cause), -1);
		assert_null(b.data);
		assert_non_null(strstr(cause, "is outside the root"));
		free(cause);
		free(p);
	}

	assert_int_equal(chdir(cwd), 0);
	p = xasprintf("rm -rf '%s'", base);
	assert_int_equal(system(p), 0);
	free(p);
	free(root);
	free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_list),
		cmocka_unit_test(test_declaration_forms),
		cmocka_unit_test(test_entry_names),
		cmocka_unit_test(test_comments_and_strings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_large_list_is_linear),
		cmocka_unit_test(test_stable_path),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_line_and_excerpt),
		cmocka_unit_test(test_read_caps),
		cmocka_unit_test(test_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
