/*
 * test_redis.c: the read-only gate of the redis probe. Every command topo
 * sends to Redis passes redis_readonly_allowed(); this shows that the
 * table's commands pass and that writes, admin commands and XINFO
 * subcommands other than GROUPS are refused. (The probe itself is tested
 * against a real redis-server, MONITOR included: tests/integration/redis.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../probes/redis-readonly.h"

static int
allowed1(const char *a)
{
	const char *argv[] = { a, "key" };

	return redis_readonly_allowed(2, argv);
}

static void
test_table_passes(void **state)
{
	static const char *const ok[] = { "AUTH", "SELECT", "PING", "INFO", "TYPE",
	    "EXISTS", "XLEN", "ZCARD", "HLEN", "LLEN", "SCARD", "STRLEN", "SCAN",
	    "ping", "Type", "scan" };
	const char	*xinfo[] = { "XINFO", "GROUPS", "stream" };
	const char	*xinfo_lower[] = { "xinfo", "groups", "stream" };
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_true(allowed1(ok[i]));
	assert_true(redis_readonly_allowed(3, xinfo));
	assert_true(redis_readonly_allowed(3, xinfo_lower));
}

static void
test_writes_refused(void **state)
{
	static const char *const refused[] = { "SET", "DEL", "FLUSHALL", "FLUSHDB",
	    "CONFIG", "XADD", "XACK", "XGROUP", "XCLAIM", "XAUTOCLAIM", "EXPIRE",
	    "RENAME", "EVAL", "EVALSHA", "FCALL", "SCRIPT", "SHUTDOWN", "DEBUG",
	    "KEYS", "MONITOR", "CLIENT", "MIGRATE", "RESTORE", "HSET", "ZADD",
	    "LPUSH", "SADD", "APPEND", "SETRANGE", "MULTI", "EXEC", "SUBSCRIBE",
	    "", "PINGX", "TYP", "SCANS" };
	const char	*xinfo_stream[] = { "XINFO", "STREAM", "s" };
	const char	*xinfo_alone[] = { "XINFO" };
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		if (allowed1(refused[i]))
			fail_msg("%s was let through", refused[i]);
	}
	/* XINFO is pinned to GROUPS: its other subcommands are not in the table. */
	assert_false(redis_readonly_allowed(3, xinfo_stream));
	assert_false(redis_readonly_allowed(1, xinfo_alone));
	assert_false(redis_readonly_allowed(0, xinfo_alone));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_passes),
		cmocka_unit_test(test_writes_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
