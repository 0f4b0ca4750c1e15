/*
 * test_systemd.c: the systemd readers: `systemctl show` properties (states,
 * ExecStart's argv, garbage) and unit files (sections, continuation lines,
 * ExecStart resets and prefixes, Environment= never kept, broken files).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../probes/systemd-parse.h"

static void
parse_show(const char *text, struct systemd_show *show)
{
	char	*cause = NULL;

	if (systemd_show_parse(text, strlen(text), show, &cause) != 0)
		fail_msg("%s", cause);
}

static void
test_show_states(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "LoadState=loaded\nActiveState=active\nSubState=running\n", "running" },
		{ "LoadState=loaded\nActiveState=active\nSubState=exited\n", "running" },
		{ "LoadState=loaded\nActiveState=active\nSubState=waiting\n", "scheduled" },
		{ "LoadState=loaded\nActiveState=inactive\nSubState=dead\n", "not running" },
		{ "LoadState=loaded\nActiveState=failed\nSubState=failed\n", "failed" },
		{ "LoadState=loaded\nActiveState=activating\n", "starting" },
		{ "LoadState=not-found\nActiveState=inactive\n", "absent" },
		{ "ActiveState=maintenance\nLoadState=loaded", "maintenance" },
	};
	struct systemd_show	show;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		parse_show(cases[i].text, &show);
		assert_string_equal(systemd_state(&show), cases[i].want);
		systemd_show_free(&show);
	}
}

static void
test_show_fields(void **state)
{
	static const char text[] =
	    "MainPID=81275\nExecMainStatus=0\nLoadState=loaded\nActiveState=active\n"
	    "SubState=running\n"
	    "ExecStart={ path=/usr/bin/redis-server ; argv[]=/usr/bin/redis-server "
	    "/etc/redis/redis.conf ; ignore_errors=no ; start_time=[n/a] ; pid=0 }\n";
	struct systemd_show	show;

	(void)state;
	parse_show(text, &show);
	assert_string_equal(show.main_pid, "81275");
	assert_string_equal(show.exec_main_status, "0");
	assert_string_equal(show.exec_start, "/usr/bin/redis-server /etc/redis/redis.conf");
	systemd_show_free(&show);
}

static void
test_show_garbage(void **state)
{
	struct systemd_show	 show;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(systemd_show_parse("", 0, &show, &cause), -1);
	free(cause);
	assert_int_equal(systemd_show_parse("LoadState=loaded\0ActiveState=active\n", 35,
	    &show, &cause), -1);
	free(cause);
	assert_int_equal(systemd_show_parse("garbage\001\002\n===\n", 14, &show, &cause), -1);
	free(cause);
	assert_int_equal(systemd_show_parse("LoadState=\nActiveState=\n", 24, &show, &cause), -1);
	free(cause);
}

static void
test_unit_file(void **state)
{
	static const char text[] =
	    "# comment\n"
	    "[Unit]\nDescription=Redis\n\n"
	    "[Service]\n"
	    "Type=notify\n"
	    "Environment=REDIS_PASSWORD=hunter2\n"
	    "ExecStartPre=-/usr/bin/mkdir -p /run/redis\n"
	    "ExecStart=-/usr/bin/redis-server /etc/redis.conf \\\n"
	    "    --supervised systemd\n"
	    "ExecStart=/usr/bin/second-command\n"
	    "; another comment\n"
	    "Restart = always\n"
	    "[Install]\nWantedBy=multi-user.target\n";
	struct systemd_unit_file	 unit;
	char				*cause = NULL;

	(void)state;
	assert_int_equal(systemd_unit_file_parse(text, sizeof text - 1, &unit, &cause), 0);
	assert_string_equal(unit.exec_start, "/usr/bin/redis-server /etc/redis.conf "
	    "--supervised systemd");
	assert_int_equal(unit.exec_start_line, 9);
	assert_string_equal(unit.restart, "always");
	assert_string_equal(unit.type, "notify");
	assert_string_equal(unit.wanted_by, "multi-user.target");
	assert_null(unit.on_calendar);
	systemd_unit_file_free(&unit);
}

static void
test_unit_file_reset(void **state)
{
	static const char text[] =
	    "[Service]\nExecStart=/old\nExecStart=\nExecStart=!!/new --x\n";
	struct systemd_unit_file	 unit;
	char				*cause = NULL;

	(void)state;
	assert_int_equal(systemd_unit_file_parse(text, sizeof text - 1, &unit, &cause), 0);
	assert_string_equal(unit.exec_start, "/new --x");
	assert_int_equal(unit.exec_start_line, 4);
	systemd_unit_file_free(&unit);
}

static void
test_unit_file_bad(void **state)
{
	struct systemd_unit_file	 unit;
	char				*cause = NULL;

	(void)state;
	assert_int_equal(systemd_unit_file_parse("Key=value\n", 10, &unit, &cause), -1);
	assert_non_null(strstr(cause, "line 1"));
	free(cause);
	assert_int_equal(systemd_unit_file_parse("[Service]\nno equals here\n", 25, &unit,
	    &cause), -1);
	assert_non_null(strstr(cause, "line 2"));
	free(cause);
	assert_int_equal(systemd_unit_file_parse("[Service\n", 9, &unit, &cause), -1);
	free(cause);
	assert_int_equal(systemd_unit_file_parse("", 0, &unit, &cause), -1);
	free(cause);
	assert_int_equal(systemd_unit_file_parse("[S]\nA=\0b\n", 8, &unit, &cause), -1);
	free(cause);
	/* A continuation at the end of the file is not a crash. */
	assert_int_equal(systemd_unit_file_parse("[S]\nExecStart=/x \\", 18, &unit, &cause), 0);
	assert_string_equal(unit.exec_start, "/x");
	systemd_unit_file_free(&unit);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show_states),
		cmocka_unit_test(test_show_fields),
		cmocka_unit_test(test_show_garbage),
		cmocka_unit_test(test_unit_file),
		cmocka_unit_test(test_unit_file_reset),
		cmocka_unit_test(test_unit_file_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
