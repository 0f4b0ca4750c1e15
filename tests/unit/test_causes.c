/*
 * test_causes.c: root causes (topology/causes.c) and the order reports list
 * them in (report_sort folds each consequence under its root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../reports/report.h"
#include "../../topology/causes.h"
#include "../../util/util.h"

static struct check *
check_new(const char *id, enum status status)
{
	struct check	*c = xcalloc(1, sizeof *c);

	c->id = xstrdup(id);
	c->file = xstrdup("t.yaml");
	c->result.status = status;
	return c;
}

static void
checks_free(struct check **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		check_free(v[i]);
}

static void
test_tokens(void **state)
{
	char	*t;

	(void)state;
	t = causes_tcp("LocalHost", 3111);
	assert_string_equal(t, "tcp:local:3111");
	free(t);
	t = causes_tcp("::1", 80);
	assert_string_equal(t, "tcp:local:80");
	free(t);
	t = causes_tcp("Redis.Example", 6379);
	assert_string_equal(t, "tcp:redis.example:6379");
	free(t);
	t = causes_address("[::1]:8288");
	assert_string_equal(t, "tcp:local:8288");
	free(t);
	t = causes_address("127.0.0.1:3111");
	assert_string_equal(t, "tcp:local:3111");
	free(t);
	assert_null(causes_address("unix//run/x.sock"));
	assert_null(causes_address("host:99999"));
	assert_null(causes_address("host:"));
}

/* launchd job exited <- port closed <- http refused <- caddy route; one ok. */
static void
test_chain(void **state)
{
	struct check	*v[5];

	(void)state;
	v[0] = check_new("caddy/site/x", STATUS_DRIFT);
	causes_need(v[0], "tcp:local:3111");
	v[1] = check_new("http/health", STATUS_ERROR);
	causes_need(v[1], "tcp:local:3111");
	v[2] = check_new("port/3111", STATUS_DRIFT);
	causes_provide(v[2], "tcp:local:3111");
	causes_need(v[2], "launchd:com.x");
	v[3] = check_new("launchd/com.x", STATUS_DRIFT);
	causes_provide(v[3], "launchd:com.x");
	v[4] = check_new("http/other", STATUS_OK);
	causes_need(v[4], "tcp:local:3111");
	causes_resolve(v, 5);
	assert_ptr_equal(v[0]->result.cause, v[2]);
	assert_ptr_equal(v[1]->result.cause, v[2]);
	assert_ptr_equal(v[2]->result.cause, v[3]);
	assert_null(v[3]->result.cause);
	assert_null(v[4]->result.cause);	/* passes: no cause */
	assert_ptr_equal(causes_root(v[0]), v[3]);
	assert_int_equal(causes_folded(v, 5, v[3]), 3);
	assert_int_equal(causes_folded(v, 5, v[2]), 0);

	/* The launchd job passes: the port is the root. */
	v[3]->result.status = STATUS_OK;
	causes_resolve(v, 5);
	assert_null(v[2]->result.cause);
	assert_ptr_equal(causes_root(v[1]), v[2]);
	/* A skipped provider explains nothing. */
	v[2]->skipped = 1;
	causes_resolve(v, 5);
	assert_null(v[0]->result.cause);
	assert_null(v[1]->result.cause);
	checks_free(v, 5);
}

/* depends_on ("id:") in a loop: one of the two is the root, never both. */
static void
test_cycle(void **state)
{
	struct check	*v[3];

	(void)state;
	v[0] = check_new("command/a", STATUS_DRIFT);
	causes_need(v[0], "id:command/b");
	v[1] = check_new("command/b", STATUS_ERROR);
	causes_need(v[1], "id:command/a");
	v[2] = check_new("command/self", STATUS_DRIFT);
	causes_need(v[2], "id:command/self");
	causes_resolve(v, 3);
	assert_true((v[0]->result.cause == NULL) != (v[1]->result.cause == NULL));
	assert_null(v[2]->result.cause);
	assert_non_null(causes_root(v[0]));
	checks_free(v, 3);
}

/* The first failing provider wins; an ok provider is passed over. */
static void
test_providers(void **state)
{
	struct check	*v[3];

	(void)state;
	v[0] = check_new("http/h", STATUS_ERROR);
	causes_need(v[0], "tcp:local:9");
	causes_need(v[0], "tcp:local:9");	/* kept once */
	assert_int_equal(v[0]->nneeds, 1);
	v[1] = check_new("k8s/ns/Service/s", STATUS_OK);
	causes_provide(v[1], "tcp:local:9");
	v[2] = check_new("port/9", STATUS_DRIFT);
	causes_provide(v[2], "tcp:local:9");
	causes_resolve(v, 3);
	assert_ptr_equal(v[0]->result.cause, v[2]);
	assert_true(causes_needs(v[0], "tcp:local:9"));
	assert_true(causes_provides(v[2], "tcp:local:9"));
	assert_true(causes_provides(v[2], "id:port/9"));
	assert_false(causes_provides(v[1], "id:port/9"));
	checks_free(v, 3);
}

/* 100,000 checks chained by depends_on: resolved without recursion. */
static void
test_long_chain(void **state)
{
	const size_t	  n = 100000;
	struct check	**v = xreallocarray(NULL, n, sizeof *v);
	char		  id[32];
	size_t		  i;

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "command/c%zu", i);
		v[i] = check_new(id, STATUS_DRIFT);
		if (i + 1 < n)
			causes_need(v[i], "id:command/c%zu", i + 1);
	}
	causes_resolve(v, n);
	for (i = 0; i + 1 < n; i++)
		assert_ptr_equal(v[i]->result.cause, v[i + 1]);
	assert_null(v[n - 1]->result.cause);
	assert_ptr_equal(causes_root(v[0]), v[n - 1]);
	checks_free(v, n);
	free(v);
}

/* Reports: each consequence right after its root, the rest in rank order. */
static void
test_sort_folds(void **state)
{
	struct check		*v[5];
	const struct check	*order[5];
	char			*chain, *folded;
	size_t			 i, n;

	(void)state;
	v[0] = check_new("http/a", STATUS_ERROR);
	causes_need(v[0], "tcp:local:1");
	v[1] = check_new("source/x", STATUS_DRIFT);
	v[2] = check_new("http/ok", STATUS_OK);
	v[3] = check_new("port/1", STATUS_DRIFT);
	causes_provide(v[3], "tcp:local:1");
	v[3]->result.message = xstrdup("state is closed");
	v[4] = check_new("http/b", STATUS_DRIFT);
	causes_need(v[4], "tcp:local:1");
	causes_resolve(v, 5);
	for (i = 0; i < 5; i++)
		order[i] = v[i];
	report_sort(order, 5);
	assert_string_equal(order[0]->id, "source/x");
	assert_string_equal(order[1]->id, "port/1");
	assert_string_equal(order[2]->id, "http/b");	/* drift before error */
	assert_string_equal(order[3]->id, "http/a");
	assert_string_equal(order[4]->id, "http/ok");
	chain = causes_chain(v[0]);
	assert_string_equal(chain, "port/1: state is closed");
	free(chain);
	folded = report_folded(order, 5, v[3], &n);
	assert_int_equal(n, 2);
	assert_string_equal(folded, "http/b, http/a");
	free(folded);
	assert_null(report_folded(order, 5, v[1], &n));
	assert_int_equal(n, 0);
	checks_free(v, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_providers),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_sort_folds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
