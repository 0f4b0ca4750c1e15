/*
 * test_util.c: util_glob_match, the one glob rule of --only, watch: and the
 * doc's selectors, and util_closest, the "did you mean" of commands and ids.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../util/util.h"

static void
test_glob_segments(void **state)
{
	(void)state;
	assert_true(util_glob_match("port/*", "port/3111"));
	assert_false(util_glob_match("port/*", "port/3111/owner"));
	assert_false(util_glob_match("k8s/*", "k8s/joelclaw/Service/redis"));
	assert_true(util_glob_match("k8s/**", "k8s/joelclaw/Service/redis"));
	assert_true(util_glob_match("k8s/**/redis", "k8s/joelclaw/Service/redis"));
	assert_true(util_glob_match("a/**/b", "a/b"));
	assert_false(util_glob_match("a/**/b", "ab"));
	assert_true(util_glob_match("**", ""));
	assert_true(util_glob_match("*", ""));
	assert_false(util_glob_match("?", ""));
	assert_true(util_glob_match("http/h?", "http/h1"));
	assert_false(util_glob_match("http/h?", "http/h12"));
	assert_false(util_glob_match("a?b", "a/b"));
	assert_true(util_glob_match("http/inngest-*", "http/inngest-health"));
	assert_false(util_glob_match("http/inngest-*", "http/worker"));
	assert_true(util_glob_match("exact", "exact"));
	assert_false(util_glob_match("exact", "exact2"));
	assert_false(util_glob_match("", "x"));
	assert_true(util_glob_match("", ""));
}

/* A deep star before a shallow one: one backtrack point would lose the
 * first ("**" must take "a/x/b" so that "/x/" and "*" match the rest). */
static void
test_glob_two_stars(void **state)
{
	(void)state;
	assert_true(util_glob_match("**/x/*", "a/x/b/x/c"));
	assert_false(util_glob_match("*/x/*", "a/x/b/x/c"));
	assert_true(util_glob_match("**present.txt", "files/repo/present.txt"));
	assert_true(util_glob_match("*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaab"));
	assert_false(util_glob_match("*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

/* 2000 stars against 2000 'a': quadratic at worst, never exponential. */
static void
test_glob_hostile(void **state)
{
	char	*p = malloc(2001), *s = malloc(2001);

	(void)state;
	memset(p, '*', 2000);
	p[2000] = '\0';
	p[1999] = 'b';
	memset(s, 'a', 2000);
	s[2000] = '\0';
	assert_false(util_glob_match(p, s));
	s[1999] = 'b';
	assert_true(util_glob_match(p, s));
	free(p);
	free(s);
}

static void
test_closest(void **state)
{
	static const char *const cmds[] = {
		"check", "validate", "dash", "doc", "stale", "serve", "version", "why"
	};
	const char	*out[3];
	size_t		 n;

	(void)state;
	n = util_closest("chekc", cmds, 8, out, 3);
	assert_true(n >= 1);
	assert_string_equal(out[0], "check");
	n = util_closest("sevre", cmds, 8, out, 3);
	assert_true(n >= 1);
	assert_string_equal(out[0], "serve");
	/* Nothing near: no suggestion rather than a random one. */
	assert_int_equal(util_closest("kubernetes", cmds, 8, out, 3), 0);
	/* Ties keep the candidates' order; max bounds the answer. */
	n = util_closest("do", cmds, 8, out, 1);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "doc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_segments),
		cmocka_unit_test(test_glob_two_stars),
		cmocka_unit_test(test_glob_hostile),
		cmocka_unit_test(test_closest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
