/*
 * test_cmdout.c: cmdout_judge, the one verdict of the launchd, systemd and
 * kubernetes probes on a finished run of their tool, against real programs
 * run through util/exec.c: a non-zero exit (with stderr, stdout or nothing
 * to say), a signal, a timeout, a tool missing (configured or not), one that
 * cannot start, output past the cap (stopped, or ended by itself), a stderr
 * flood beside a whole stdout, success, and runs cancelled before and while
 * they ran.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../probes/cmdout.h"
#include "../../util/exec.h"
#include "../../util/util.h"

#define SHOWN	"tool print x/y"

/* Runs argv to the end; the job is the caller's to free. */
static void
run(struct exec_job *job, char **argv, int timeout_ms, size_t cap)
{
	memset(job, 0, sizeof *job);
	job->argv = argv;
	job->timeout_ms = timeout_ms;
	job->out_cap = cap;
	exec_run_many(job, 1, 1);
}

/* Judges job as an unconfigured "tool"; asserts the verdict and the reason
 * (NULL: none), then frees the job. */
static void
judge(struct exec_job *job, int configured, enum cmdout_verdict want, const char *reason)
{
	char			*got = (char *)"not set";
	enum cmdout_verdict	 v;

	v = cmdout_judge(job, "tool", configured, SHOWN, &got);
	assert_int_equal(v, want);
	if (reason == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, reason);
	}
	free(got);
	exec_job_free(job);
}

static void
test_exit_stderr(void **state)
{
	char		*argv[] = { "/bin/sh", "-c",
			    "echo out; printf '\\n  Bad request.\\t\\nsecond\\n' >&2; exit 3", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 10000, 0);
	assert_int_equal(job.exited, 1);
	judge(&job, 0, CMDOUT_ERROR, SHOWN ": exited 3: Bad request.");
}

static void
test_exit_stdout(void **state)
{
	char		*argv[] = { "/bin/sh", "-c", "echo 'no such namespace'; exit 1", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 10000, 0);
	judge(&job, 0, CMDOUT_ERROR, SHOWN ": exited 1: no such namespace");
}

static void
test_exit_silent(void **state)
{
	char		*argv[] = { "/bin/sh", "-c", "exit 113", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 10000, 0);
	judge(&job, 1, CMDOUT_ERROR, SHOWN ": exited 113");
}

/* Control bytes of what the tool said do not reach the reason. */
static void
test_exit_control_bytes(void **state)
{
	char		*argv[] = { "/bin/sh", "-c", "printf 'a\\033[31mb\\n' >&2; exit 2", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 10000, 0);
	judge(&job, 0, CMDOUT_ERROR, SHOWN ": exited 2: a?[31mb");
}

/* Killed: no excerpt, even when it said something first. */
static void
test_signal(void **state)
{
	char		*argv[] = { "/bin/sh", "-c", "echo about to die >&2; kill -9 $$", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 10000, 0);
	assert_int_equal(job.signaled, 1);
	judge(&job, 0, CMDOUT_ERROR, SHOWN ": killed by signal 9");
}

static void
test_timeout(void **state)
{
	char		*argv[] = { "sleep", "30", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 300, 0);
	assert_int_equal(job.timed_out, 1);
	/* Stopped at the timeout, not after sleep's 30 s (a generous bound). */
	assert_true(job.duration_ms < 15000);
	judge(&job, 0, CMDOUT_ERROR, SHOWN ": timed out after 300 ms");
}

/* Not installed and not asked for: not observable here, not a failure. */
static void
test_missing_not_configured(void **state)
{
	char		*argv[] = { "topo-test-no-such-tool", NULL };
	struct exec_job	 job;
	char		*want;

	(void)state;
	run(&job, argv, 10000, 0);
	assert_int_equal(job.started, 0);
	want = xasprintf("tool not available on %s (not found in PATH)", cmdout_system());
#if defined(__linux__)
	assert_string_equal(want, "tool not available on Linux (not found in PATH)");
#endif
	judge(&job, 0, CMDOUT_UNKNOWN, want);
	free(want);
}

/* The user named a path that is not there: their mistake to see. */
static void
test_missing_configured(void **state)
{
	char		*argv[] = { "/nonexistent/topo-test/tool", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 10000, 0);
	judge(&job, 1, CMDOUT_ERROR,
	    SHOWN ": cannot run /nonexistent/topo-test/tool: No such file or directory");
}

/* There but not runnable (a folder): an error even when not configured. */
static void
test_cannot_start(void **state)
{
	char		*argv[] = { "/", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 10000, 0);
	assert_int_equal(job.started, 0);
	assert_int_not_equal(job.spawn_errno, 0);
	judge(&job, 0, CMDOUT_ERROR, SHOWN ": cannot run /: Permission denied");
}

/* Endless output: stopped soon after the cap, well before the timeout. */
static void
test_flood(void **state)
{
	char		*argv[] = { "/usr/bin/yes", "state = running", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 60000, 4096);
	assert_int_equal(job.overflowed, 1);
	assert_true(job.duration_ms < 30000);
	judge(&job, 0, CMDOUT_ERROR, SHOWN ": output larger than 4 KiB: stopped");
}

/*
 * Runs argv (which prints past cap and then ends) until it ends by itself: a
 * stalled machine can let exec's grace pass first, and that run is a flood.
 */
static void
run_past_cap(struct exec_job *job, char **argv, size_t cap)
{
	int	tries;

	for (tries = 0; tries < 5; tries++) {
		run(job, argv, 60000, cap);
		if (job->exited)
			return;
		exec_job_free(job);
	}
	fail_msg("%s never ended within exec's grace past the cap", argv[2]);
}

/* Past the cap but ended by itself (within exec's grace): the same fault,
 * the same words, though it exited 0. */
static void
test_past_cap_exited(void **state)
{
	char		*argv[] = { "/bin/sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x", NULL };
	struct exec_job	 job;

	(void)state;
	run_past_cap(&job, argv, 4096);
	assert_int_equal(job.exit_code, 0);
	assert_int_equal(job.out.toobig, 1);
	judge(&job, 0, CMDOUT_ERROR, SHOWN ": output larger than 4 KiB: stopped");
}

static void
test_ok(void **state)
{
	char		*argv[] = { "/bin/sh", "-c", "echo state = running", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 10000, 0);
	judge(&job, 0, CMDOUT_OK, NULL);
}

/* Only stdout is read: a stderr past the cap beside a whole stdout is fine. */
static void
test_ok_stderr_flood(void **state)
{
	char		*argv[] = { "/bin/sh", "-c",
			    "head -c 10000 /dev/zero | tr '\\0' w >&2; echo state = running", NULL };
	struct exec_job	 job;

	(void)state;
	run_past_cap(&job, argv, 4096);
	assert_int_equal(job.err.toobig, 1);
	assert_int_equal(job.out.toobig, 0);
	judge(&job, 0, CMDOUT_OK, NULL);
}

static void
test_cancelled_before_start(void **state)
{
	char		*argv[] = { "/bin/sh", "-c", "exit 7", NULL };
	_Atomic int	 cancel = 1;
	struct exec_job	 job;

	(void)state;
	memset(&job, 0, sizeof job);
	job.argv = argv;
	job.timeout_ms = 10000;
	job.cancel = &cancel;
	exec_run_many(&job, 1, 1);
	assert_int_equal(job.started, 0);
	/* Nothing to publish: the dashboard has gone, not the tool. */
	judge(&job, 0, CMDOUT_CANCELLED, NULL);
}

struct cancel_run {
	_Atomic int	cancel;
	int		verdicts[2];
	int		judged;
};

/* As the probes do: judges each job as it ends; the first one's end quits. */
static void
cancel_done(struct exec_job *job, void *arg)
{
	struct cancel_run	*r = arg;
	char			*reason = NULL;

	r->verdicts[r->judged++] = cmdout_judge(job, "tool", 0, SHOWN, &reason);
	assert_null(reason);
	r->cancel = 1;
}

static void
test_cancelled_running(void **state)
{
	char		*quick[] = { "/bin/sh", "-c", "exit 0", NULL };
	char		*slow[] = { "sleep", "30", NULL };
	struct exec_job	 jobs[2];
	struct cancel_run r;
	int		 i;

	(void)state;
	memset(jobs, 0, sizeof jobs);
	memset(&r, 0, sizeof r);
	jobs[0].argv = quick;
	jobs[1].argv = slow;
	for (i = 0; i < 2; i++) {
		jobs[i].timeout_ms = 60000;
		jobs[i].cancel = &r.cancel;
	}
	exec_run_many_notify(jobs, 2, 0, cancel_done, &r);
	assert_int_equal(r.judged, 2);
	assert_int_equal(r.verdicts[0], CMDOUT_OK);
	assert_int_equal(jobs[1].started, 1);
	assert_int_equal(jobs[1].cancelled, 1);
	assert_int_equal(r.verdicts[1], CMDOUT_CANCELLED);
	assert_true(jobs[1].duration_ms < 30000);
	for (i = 0; i < 2; i++)
		exec_job_free(&jobs[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_stderr),
		cmocka_unit_test(test_exit_stdout),
		cmocka_unit_test(test_exit_silent),
		cmocka_unit_test(test_exit_control_bytes),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_missing_not_configured),
		cmocka_unit_test(test_missing_configured),
		cmocka_unit_test(test_cannot_start),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_past_cap_exited),
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_ok_stderr_flood),
		cmocka_unit_test(test_cancelled_before_start),
		cmocka_unit_test(test_cancelled_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
