/*
 * test_launchd.c: the launchd readers on the recorded samples of
 * ../shared/fixtures/launchctl (found through $ROOT, default the current
 * folder) and on hand-made edge cases: top-level state only, scheduled vs
 * not running, last exit codes, the domain listing, plists (XML and
 * binary), and secrets that must never come out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <plist/plist.h>

#include "../../probes/launchd-parse.h"
#include "../../util/buf.h"
#include "../../util/util.h"
#include "testlib.h"

#define SECRET "s3cr3t-value-that-must-never-appear-in-a-report"

static char *
fixture(const char *rel, size_t *len)
{
	return testlib_fixture("../shared/fixtures", rel, len);
}

static void
parse_fixture(const char *rel, struct launchd_service *svc)
{
	char	*text, *cause = NULL;
	size_t	 len;

	text = fixture(rel, &len);
	if (launchd_service_parse(text, len, svc, &cause) != 0)
		fail_msg("%s: %s", rel, cause);
	free(text);
}

static void
test_running(void **state)
{
	struct launchd_service	svc;
	char			*excerpt;

	(void)state;
	parse_fixture("launchctl/running.txt", &svc);
	assert_int_equal(svc.state, LAUNCHD_RUNNING);
	assert_string_equal(svc.state_text, "running");
	assert_int_equal(svc.pid, 81275);
	assert_int_equal(svc.runs, 3);
	assert_true(svc.has_last_exit);
	assert_int_equal(svc.last_exit, 0);
	assert_string_equal(svc.program, "/Users/joel/.bun/bin/bun");
	assert_int_equal(svc.narguments, 3);
	assert_string_equal(svc.arguments[2], "packages/gateway/src/daemon.ts");
	assert_string_equal(svc.path, "/Users/joel/Library/LaunchAgents/com.joel.gateway.plist");
	assert_null(svc.run_interval);
	assert_false(svc.event_triggers);
	excerpt = launchd_service_excerpt(&svc);
	assert_non_null(strstr(excerpt, "pid = 81275"));
	assert_null(strstr(excerpt, SECRET));
	assert_null(strstr(excerpt, "GATEWAY_TOKEN"));
	assert_null(strstr(excerpt, "SSH_AUTH_SOCK"));
	free(excerpt);
	launchd_service_free(&svc);
}

static void
test_not_running(void **state)
{
	struct launchd_service	svc;

	(void)state;
	parse_fixture("launchctl/not-running.txt", &svc);
	assert_int_equal(svc.state, LAUNCHD_NOT_RUNNING);
	assert_int_equal(svc.pid, -1);
	assert_true(svc.has_last_exit);
	assert_int_equal(svc.last_exit, 78);
	assert_string_equal(svc.last_exit_text, "78: EX_CONFIG");
	assert_int_equal(svc.runs, 1);
	launchd_service_free(&svc);
}

static void
test_scheduled(void **state)
{
	struct launchd_service	svc;

	(void)state;
	parse_fixture("launchctl/scheduled.txt", &svc);
	/* state = not running, but idle with a calendar trigger. */
	assert_string_equal(svc.state_text, "not running");
	assert_int_equal(svc.state, LAUNCHD_SCHEDULED);
	assert_true(svc.event_triggers);
	assert_string_equal(svc.run_interval, "1800 seconds");
	assert_int_equal(svc.runs, 48);
	/* Nested `keepalive = 0` or `service = ...` must not leak upwards. */
	assert_string_equal(svc.program, "/bin/bash");
	launchd_service_free(&svc);
}

static void
test_missing_is_not_a_service(void **state)
{
	struct launchd_service	 svc;
	char			*text, *cause = NULL;
	size_t			 len;

	(void)state;
	text = fixture("launchctl/missing.stderr.txt", &len);
	assert_int_equal(launchd_service_parse(text, len, &svc, &cause), -1);
	assert_non_null(cause);
	free(cause);
	free(text);
}

static void
test_nested_state_ignored(void **state)
{
	static const char text[] =
	    "gui/501/x = {\n"
	    "\tdomain = {\n\t\tstate = active\n\t}\n"
	    "\tstate = running\n"
	    "\tpid = 12\n"
	    "\tlast exit code = (never exited)\n"
	    "}\n";
	static const char only_nested[] =
	    "gui/501/x = {\n\tdomain = {\n\t\tstate = running\n\t}\n}\n";
	struct launchd_service	 svc;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(launchd_service_parse(text, sizeof text - 1, &svc, &cause), 0);
	assert_int_equal(svc.state, LAUNCHD_RUNNING);
	assert_false(svc.has_last_exit);
	assert_string_equal(svc.last_exit_text, "(never exited)");
	launchd_service_free(&svc);
	/* A nested state alone is no service state. */
	assert_int_equal(launchd_service_parse(only_nested, sizeof only_nested - 1,
	    &svc, &cause), -1);
	free(cause);
}

static void
test_garbage(void **state)
{
	char			 garbage[4096];
	struct launchd_service	 svc;
	struct launchd_domain_entry *entries;
	char			*cause = NULL;
	size_t			 i;
	unsigned		 seed = 7;

	(void)state;
	for (i = 0; i < sizeof garbage; i++) {
		seed = seed * 1103515245u + 12345u;
		garbage[i] = (char)(seed >> 16);
	}
	assert_int_equal(launchd_service_parse(garbage, sizeof garbage, &svc, &cause), -1);
	free(cause);
	assert_int_equal(launchd_service_parse("", 0, &svc, &cause), -1);
	free(cause);
	/* NULs inside a line are kept visible, not a crash or a cut. */
	assert_int_equal(launchd_service_parse("a = {\n\tstate = run\0ning\n}\n", 26,
	    &svc, &cause), 0);
	assert_string_equal(svc.state_text, "run?ning");
	assert_int_equal(svc.state, LAUNCHD_OTHER);
	launchd_service_free(&svc);
	assert_int_equal(launchd_domain_parse(garbage, sizeof garbage, &entries), 0);
	launchd_domain_free(entries, 0);
}

static void
test_domain(void **state)
{
	static const char text[] =
	    "gui/501 = {\n"
	    "\ttype = gui\n"
	    "\tenvironment = {\n\t\tTOKEN => x y z\n\t}\n"
	    "\tservices = {\n"
	    "\t\t   81275      -  \tcom.joel.gateway\n"
	    "\t\t       0     78 \tcom.joel.colima\n"
	    "\t\t       -      0 \tcom.apple.Finder\n"
	    "\t}\n"
	    "\tdisabled services = {\n\t\t\"com.joel.old\" => disabled\n\t}\n"
	    "}\n";
	struct launchd_domain_entry	*e;
	size_t				 n;

	(void)state;
	n = launchd_domain_parse(text, sizeof text - 1, &e);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].label, "com.joel.gateway");
	assert_string_equal(e[0].pid, "81275");
	assert_string_equal(e[1].label, "com.joel.colima");
	assert_string_equal(e[1].status, "78");
	assert_string_equal(e[2].label, "com.apple.Finder");
	launchd_domain_free(e, n);
}

static void
plist_fixture(const char *rel, struct launchd_plist *pl)
{
	char	*text, *cause = NULL;
	size_t	 len;

	text = fixture(rel, &len);
	if (launchd_plist_parse(text, len, pl, &cause) != 0)
		fail_msg("%s: %s", rel, cause);
	free(text);
}

static void
test_plist_xml(void **state)
{
	struct launchd_plist	pl;

	(void)state;
	plist_fixture("joelclaw-repo/infra/launchd/com.joel.talon.plist", &pl);
	assert_string_equal(pl.label, "com.joel.talon");
	assert_string_equal(pl.program, "/Users/joel/.local/bin/talon");
	assert_string_equal(pl.keep_alive, "true");
	assert_string_equal(pl.run_at_load, "true");
	assert_null(pl.interval);
	assert_int_equal(pl.line, 5);
	launchd_plist_free(&pl);

	plist_fixture("joelclaw-repo/infra/launchd/com.joel.system-bus-worker.plist", &pl);
	assert_string_equal(pl.label, "com.joel.system-bus-worker");
	assert_string_equal(pl.program, "/Users/joel/.local/bin/worker-supervisor");
	assert_int_equal(pl.line, 5);
	launchd_plist_free(&pl);
}

/* A binary plist made with libplist itself: a calendar job with arguments. */
static void
test_plist_binary(void **state)
{
	plist_t			 root, args, cal, env;
	char			*bin = NULL, *cause = NULL;
	uint32_t		 len = 0;
	struct launchd_plist	 pl;

	(void)state;
	root = plist_new_dict();
	plist_dict_set_item(root, "Label", plist_new_string("com.joel.janitor"));
	args = plist_new_array();
	plist_array_append_item(args, plist_new_string("/bin/bash"));
	plist_array_append_item(args, plist_new_string("janitor.sh"));
	plist_dict_set_item(root, "ProgramArguments", args);
	cal = plist_new_dict();
	plist_dict_set_item(cal, "Minute", plist_new_uint(30));
	plist_dict_set_item(cal, "Hour", plist_new_uint(3));
	plist_dict_set_item(root, "StartCalendarInterval", cal);
	plist_dict_set_item(root, "KeepAlive", plist_new_dict());
	env = plist_new_dict();
	plist_dict_set_item(env, "API_TOKEN", plist_new_string(SECRET));
	plist_dict_set_item(root, "EnvironmentVariables", env);
	plist_to_bin(root, &bin, &len);
	plist_free(root);
	assert_non_null(bin);
	assert_int_equal(launchd_plist_parse(bin, len, &pl, &cause), 0);
	assert_string_equal(pl.label, "com.joel.janitor");
	assert_string_equal(pl.program, "/bin/bash janitor.sh");
	assert_string_equal(pl.interval, "Hour=3 Minute=30");
	assert_string_equal(pl.keep_alive, "conditions");
	assert_null(pl.run_at_load);
	assert_int_equal(pl.line, 1);
	launchd_plist_free(&pl);
	free(bin);
}

static void
test_plist_bad(void **state)
{
	static const char no_label[] =
	    "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
	    "<key>StartInterval</key><integer>60</integer></dict></plist>";
	struct launchd_plist	 pl;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(launchd_plist_parse(no_label, sizeof no_label - 1, &pl, &cause), -1);
	assert_non_null(strstr(cause, "Label"));
	free(cause);
	assert_int_equal(launchd_plist_parse("not a plist at all", 18, &pl, &cause), -1);
	free(cause);
	assert_int_equal(launchd_plist_parse("", 0, &pl, &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_not_running),
		cmocka_unit_test(test_scheduled),
		cmocka_unit_test(test_missing_is_not_a_service),
		cmocka_unit_test(test_nested_state_ignored),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_plist_xml),
		cmocka_unit_test(test_plist_binary),
		cmocka_unit_test(test_plist_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
