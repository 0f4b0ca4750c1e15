/*
 * test_diff.c: the diff is pure: expectations + observation -> result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../topology/diff.h"
#include "../../topology/plan.h"
#include "../../util/regex.h"
#include "../../util/util.h"

static struct check *
make_check(void)
{
	struct check	*c = xcalloc(1, sizeof *c);

	c->id = xstrdup("http/x");
	c->file = xstrdup("t.yaml");
	return c;
}

static void
expect(struct check *c, const char *field, enum match m, const char *value)
{
	struct expect	*e;
	char		*cause = NULL;

	c->expects = xreallocarray(c->expects, c->nexpects + 1, sizeof *e);
	e = &c->expects[c->nexpects++];
	memset(e, 0, sizeof *e);
	e->field = xstrdup(field);
	e->match = m;
	e->value = xstrdup(value);
	if (m == MATCH_REGEX || m == MATCH_PART_REGEX)
		e->regex = regex_compile(value, &cause);
	free(cause);
}

static void
test_ok(void **state)
{
	struct check	*c = make_check();

	expect(c, "status", MATCH_EQUALS, "200");
	expect(c, "body", MATCH_REGEX, "ok|healthy");
	observation_fact(&c->observation, "status", "200");
	observation_fact(&c->observation, "body", "all healthy\n");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_OK);
	assert_int_equal(c->result.drift, DRIFT_NONE);
	assert_non_null(strstr(c->result.expected, "status = 200"));
	check_free(c);
}

static void
test_changed(void **state)
{
	struct check	*c = make_check();

	expect(c, "status", MATCH_EQUALS, "200");
	expect(c, "body", MATCH_REGEX, "^ok$");
	observation_fact(&c->observation, "status", "503");
	observation_fact(&c->observation, "body", "ok");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_DRIFT);
	assert_int_equal(c->result.drift, DRIFT_CHANGED);
	assert_string_equal(c->result.expected, "status = 200");
	assert_string_equal(c->result.observed, "status = 503");
	assert_non_null(strstr(c->result.message, "status is 503, expected 200"));
	check_free(c);
}

static void
test_numbers_compare_as_numbers(void **state)
{
	struct check	*c = make_check();

	expect(c, "count", MATCH_EQUALS, "101");
	expect(c, "latency_ms", MATCH_MAX, "500");
	expect(c, "pending", MATCH_MIN, "1");
	observation_fact(&c->observation, "count", "101.0");
	observation_fact(&c->observation, "latency_ms", "499.5");
	observation_fact(&c->observation, "pending", "3");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_OK);
	check_free(c);

	c = make_check();
	expect(c, "latency_ms", MATCH_MAX, "500");
	observation_fact(&c->observation, "latency_ms", "not a number");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_DRIFT);
	check_free(c);
}

static void
test_missing_and_extra(void **state)
{
	struct check	*c = make_check();

	expect(c, "exists", MATCH_EQUALS, "yes");
	expect(c, "type", MATCH_EQUALS, "NodePort");
	observation_fact(&c->observation, "exists", "no");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_DRIFT);
	assert_int_equal(c->result.drift, DRIFT_MISSING);
	assert_string_equal(c->result.observed, "absent");
	check_free(c);

	c = make_check();
	expect(c, "exists", MATCH_EQUALS, "no");
	observation_fact(&c->observation, "exists", "yes");
	diff_check(NULL, c);
	assert_int_equal(c->result.drift, DRIFT_EXTRA);
	check_free(c);

	c = make_check();
	c->extra = 1;
	observation_fact(&c->observation, "found", "Service/debug (ClusterIP)");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_DRIFT);
	assert_int_equal(c->result.drift, DRIFT_EXTRA);
	assert_string_equal(c->result.observed, "Service/debug (ClusterIP)");
	check_free(c);
}

static void
test_sets(void **state)
{
	struct check	*c = make_check();

	expect(c, "names", MATCH_SET, "a\nb\nc");
	observation_fact(&c->observation, "names", "c\na\nb\nd");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_DRIFT);
	assert_int_equal(c->result.drift, DRIFT_EXTRA);
	assert_non_null(strstr(c->result.message, "1 not declared: d"));
	check_free(c);

	c = make_check();
	expect(c, "names", MATCH_SET, "a\nb\nc");
	observation_fact(&c->observation, "names", "a\nb");
	diff_check(NULL, c);
	assert_int_equal(c->result.drift, DRIFT_MISSING);
	assert_non_null(strstr(c->result.message, "declared but gone: c"));
	check_free(c);

	c = make_check();
	expect(c, "names", MATCH_SET, "a\nb");
	observation_fact(&c->observation, "names", "a\nx");
	diff_check(NULL, c);
	assert_int_equal(c->result.drift, DRIFT_CHANGED);
	check_free(c);

	c = make_check();
	expect(c, "names", MATCH_SET, "b\na");
	observation_fact(&c->observation, "names", "a\nb");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_OK);
	check_free(c);
}

static void
test_error_unknown_skipped_pending(void **state)
{
	struct check	*c = make_check();

	expect(c, "status", MATCH_EQUALS, "200");
	observation_error(&c->observation, "connection refused");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_ERROR);
	assert_string_equal(c->result.message, "connection refused");
	assert_string_equal(c->result.expected, "status = 200");

	observation_clear(&c->observation);
	observation_unknown(&c->observation, "launchctl not available");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_UNKNOWN);

	observation_clear(&c->observation);
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_PENDING);
	c->observation.started_ms = 1;
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_RUNNING);

	c->skipped = 1;
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_SKIPPED);
	check_free(c);
}

static void
test_one_of_and_absent(void **state)
{
	struct check	*c = make_check();

	expect(c, "state", MATCH_ONE_OF, "absent|not running");
	expect(c, "pid", MATCH_ABSENT, "");
	observation_fact(&c->observation, "state", "not running");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_OK);

	observation_fact(&c->observation, "state", "running");
	observation_fact(&c->observation, "pid", "81275");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_DRIFT);
	assert_non_null(strstr(c->result.expected, "state one of absent|not running"));
	assert_non_null(strstr(c->result.expected, "pid absent"));
	check_free(c);
}

static void
test_regex_limit_is_error(void **state)
{
	struct check	*c = make_check();
	char		 subject[64];

	expect(c, "body", MATCH_REGEX, "^(a+)+$");
	memset(subject, 'a', sizeof subject - 2);
	subject[sizeof subject - 2] = 'b';
	subject[sizeof subject - 1] = '\0';
	observation_fact(&c->observation, "body", subject);
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_ERROR);
	assert_non_null(strstr(c->result.message, "limit"));
	check_free(c);
}

static void
test_long_values_are_cut(void **state)
{
	struct check	*c = make_check();
	char		*big = xmalloc(100001);

	memset(big, 'x', 100000);
	big[100000] = '\0';
	expect(c, "body", MATCH_EQUALS, "short");
	observation_fact(&c->observation, "body", big);
	diff_check(NULL, c);
	assert_true(strlen(c->result.observed) < 400);
	free(big);
	check_free(c);
}

/* A declared part not there is missing; there but different, changed. */
static void
test_part_regex(void **state)
{
	struct check	*c = make_check();

	expect(c, "header:content-type", MATCH_PART_REGEX, "^application/json");
	observation_fact(&c->observation, "header:content-type",
	    "application/json; charset=utf-8");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_OK);
	assert_non_null(strstr(c->result.expected,
	    "header:content-type ~ /^application/json/"));

	observation_fact(&c->observation, "header:content-type", "text/html");
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_DRIFT);
	assert_int_equal(c->result.drift, DRIFT_CHANGED);
	assert_non_null(strstr(c->result.message,
	    "header:content-type is text/html, not matching"));

	observation_fact(&c->observation, "header:content-type", NULL);
	diff_check(NULL, c);
	assert_int_equal(c->result.status, STATUS_DRIFT);
	assert_int_equal(c->result.drift, DRIFT_MISSING);
	assert_non_null(strstr(c->result.message, "header:content-type not found"));

	/* With another mismatch of another class: changed. */
	expect(c, "status", MATCH_EQUALS, "200");
	observation_fact(&c->observation, "status", "404");
	diff_check(NULL, c);
	assert_int_equal(c->result.drift, DRIFT_CHANGED);
	check_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_numbers_compare_as_numbers),
		cmocka_unit_test(test_missing_and_extra),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_error_unknown_skipped_pending),
		cmocka_unit_test(test_one_of_and_absent),
		cmocka_unit_test(test_regex_limit_is_error),
		cmocka_unit_test(test_long_values_are_cut),
		cmocka_unit_test(test_part_regex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
