/*
 * test_exec.c: util/exec.c against real programs: exit codes, signals,
 * timeouts that leave no process behind, output caps (and programs that
 * print without end, stopped), stderr, programs that cannot run, arguments
 * passed literally (no shell), many jobs at once, cancelled runs.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../util/exec.h"
#include "../../util/util.h"

static char scratch[PATH_MAX];

static int
setup_scratch(void **state)
{
	const char	*tmp = getenv("TMPDIR");

	(void)state;
	snprintf(scratch, sizeof scratch, "%s/test_exec.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	return mkdtemp(scratch) == NULL ? -1 : 0;
}

static int
teardown_scratch(void **state)
{
	char	*argv[] = { "rm", "-rf", scratch, NULL };
	struct exec_job job = { .argv = argv, .timeout_ms = 5000 };

	(void)state;
	exec_run(&job);
	exec_job_free(&job);
	return 0;
}

/* Runs argv to the end; the job is the caller's to free. */
static void
run(struct exec_job *job, char **argv, int timeout_ms, size_t cap)
{
	memset(job, 0, sizeof *job);
	job->argv = argv;
	job->timeout_ms = timeout_ms;
	job->out_cap = cap;
	exec_run(job);
}

/* No child of ours is left, running or zombie. */
static void
assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* 1 if pid still exists and is not a zombie (a zombie can linger when our
 * container's init does not reap; it is dead all the same). */
static int
process_alive(pid_t pid)
{
	char	 path[64], line[512], *p;
	FILE	*f;
	int	 alive;

	if (kill(pid, 0) == -1)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;	/* no /proc: trust kill() */
	alive = 1;
	if (fgets(line, sizeof line, f) != NULL && (p = strrchr(line, ')')) != NULL &&
	    p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		alive = 0;
	fclose(f);
	return alive;
}

/*
 * The process whose pid the job printed (a grandchild, left in the
 * background) is gone. It was reparented: give its new parent a moment.
 */
static void
assert_printed_pid_gone(const struct exec_job *job)
{
	pid_t	grandchild = (pid_t)atol(buf_str(&job->out));
	int	i;

	assert_true(grandchild > 1);
	for (i = 0; i < 100 && process_alive(grandchild); i++)
		usleep(10000);
	assert_false(process_alive(grandchild));
}

static void
test_exit_codes(void **state)
{
	char		*t[] = { "true", NULL };
	char		*f[] = { "false", NULL };
	char		*s[] = { "sh", "-c", "exit 42", NULL };
	struct exec_job	 job;
	char		*d;

	(void)state;
	run(&job, t, 5000, 0);
	assert_true(job.started);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 0);
	assert_false(job.timed_out);
	assert_false(job.signaled);
	exec_job_free(&job);

	run(&job, f, 5000, 0);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 1);
	d = exec_describe(&job);
	assert_string_equal(d, "exit 1");
	free(d);
	exec_job_free(&job);

	run(&job, s, 5000, 0);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 42);
	exec_job_free(&job);
	assert_no_children();
}

static void
test_stdout_stderr(void **state)
{
	char		*argv[] = { "sh", "-c", "echo out; echo oops >&2; exit 2", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 5000, 0);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 2);
	assert_string_equal(buf_str(&job.out), "out\n");
	assert_string_equal(buf_str(&job.err), "oops\n");
	assert_false(job.out.toobig);
	assert_true(job.duration_ms >= 0);
	exec_job_free(&job);
}

static void
test_stdin_is_dev_null(void **state)
{
	char		*argv[] = { "cat", NULL };
	struct exec_job	 job;
	double		 t0 = util_now_ms();

	(void)state;
	/* cat would wait forever on an inherited terminal or pipe. */
	run(&job, argv, 3000, 0);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 0);
	assert_false(job.timed_out);
	assert_int_equal(job.out.len, 0);
	assert_true(util_now_ms() - t0 < 2000);
	exec_job_free(&job);
}

static void
test_signal(void **state)
{
	char		*argv[] = { "sh", "-c", "kill -9 $$", NULL };
	char		*term[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct exec_job	 job;
	char		*d;

	(void)state;
	run(&job, argv, 5000, 0);
	assert_true(job.started);
	assert_false(job.exited);
	assert_true(job.signaled);
	assert_int_equal(job.signo, SIGKILL);
	assert_false(job.timed_out);
	d = exec_describe(&job);
	assert_string_equal(d, "killed by signal 9");
	free(d);
	exec_job_free(&job);

	run(&job, term, 5000, 0);
	assert_true(job.signaled);
	assert_int_equal(job.signo, SIGTERM);
	exec_job_free(&job);
	assert_no_children();
}

static void
test_timeout(void **state)
{
	char		*argv[] = { "sleep", "10", NULL };
	struct exec_job	 job;
	double		 t0 = util_now_ms(), took;
	char		*d;

	(void)state;
	run(&job, argv, 200, 0);
	took = util_now_ms() - t0;
	assert_true(job.started);
	assert_true(job.timed_out);
	assert_false(job.exited);
	assert_false(job.signaled);
	assert_true(took >= 190);
	assert_true(took < 2000);
	d = exec_describe(&job);
	assert_string_equal(d, "timed out after 200 ms");
	free(d);
	exec_job_free(&job);
	assert_no_children();
}

/* A program that ignores SIGTERM gets SIGKILL after the grace. */
static void
test_timeout_ignores_term(void **state)
{
	char		*argv[] = { "sh", "-c", "trap '' TERM; echo ready; sleep 10; sleep 10", NULL };
	struct exec_job	 job;
	double		 t0 = util_now_ms(), took;

	(void)state;
	run(&job, argv, 300, 0);
	took = util_now_ms() - t0;
	assert_true(job.timed_out);
	assert_true(took < 2000);
	assert_string_equal(buf_str(&job.out), "ready\n");
	exec_job_free(&job);
	assert_no_children();
}

/* The whole process group goes at the timeout, grandchildren included. */
static void
test_timeout_kills_group(void **state)
{
	char		*argv[] = { "sh", "-c", "sleep 10 & echo $!; wait", NULL };
	struct exec_job	 job;
	double		 t0 = util_now_ms();

	(void)state;
	run(&job, argv, 300, 0);
	assert_true(job.timed_out);
	assert_true(util_now_ms() - t0 < 2000);
	assert_printed_pid_gone(&job);
	exec_job_free(&job);
	assert_no_children();
}

/* A child that exits but leaves something holding its stdout: we do not
 * wait for the timeout, keep its exit status and kill what it left. */
static void
test_exit_with_background_holder(void **state)
{
	char		*argv[] = { "sh", "-c", "sleep 10 & echo $!; exit 3", NULL };
	struct exec_job	 job;
	double		 t0 = util_now_ms();

	(void)state;
	run(&job, argv, 5000, 0);
	assert_true(util_now_ms() - t0 < 2000);
	assert_false(job.timed_out);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 3);
	assert_printed_pid_gone(&job);
	exec_job_free(&job);
	assert_no_children();
}

/*
 * A program printing without end is stopped soon after its output passed
 * the cap, long before its timeout, and said to be too large, not slow.
 */
static void
test_cap_endless(void **state)
{
	char		*argv[] = { "/usr/bin/yes", NULL };
	char		*pid[] = { "sh", "-c", "echo $$; exec /usr/bin/yes", NULL };
	char		*err[] = { "sh", "-c", "exec /usr/bin/yes >&2", NULL };
	struct exec_job	 job;
	double		 t0 = util_now_ms(), took;
	char		*d;

	(void)state;
	run(&job, argv, 20000, 64 * 1024);
	took = util_now_ms() - t0;
	assert_true(job.started);
	assert_true(job.overflowed);
	assert_false(job.timed_out);
	assert_false(job.exited);
	assert_false(job.signaled);
	assert_false(job.cancelled);
	assert_true(took < 5000);
	assert_int_equal(job.out.len, 64 * 1024);
	assert_true(job.out.toobig);
	assert_int_equal(job.out.data[0], 'y');
	assert_int_equal(job.out.data[1], '\n');
	d = exec_describe(&job);
	assert_string_equal(d, "output larger than 64 KiB: stopped");
	free(d);
	exec_job_free(&job);
	assert_no_children();

	/* The default cap, and the process itself is gone. */
	t0 = util_now_ms();
	run(&job, pid, 20000, 0);
	assert_true(job.overflowed);
	assert_true(util_now_ms() - t0 < 5000);
	assert_int_equal(job.out.len, 1024 * 1024);
	d = exec_describe(&job);
	assert_string_equal(d, "output larger than 1 MiB: stopped");
	free(d);
	assert_printed_pid_gone(&job);
	exec_job_free(&job);

	/* Endless stderr is the same. */
	t0 = util_now_ms();
	run(&job, err, 20000, 1000);
	assert_true(job.overflowed);
	assert_true(util_now_ms() - t0 < 5000);
	assert_true(job.err.toobig);
	assert_int_equal(job.err.len, 1000);
	d = exec_describe(&job);
	assert_string_equal(d, "output larger than 1000 bytes: stopped");
	free(d);
	exec_job_free(&job);
	assert_no_children();
}

/* Past the cap and then quiet, but still running: stopped all the same
 * (not left to its timeout), its output whole up to the cap. */
static void
test_cap_then_quiet(void **state)
{
	char		*argv[] = { "sh", "-c", "head -c 200000 /dev/zero; exec sleep 30", NULL };
	struct exec_job	 job;
	double		 t0 = util_now_ms();

	(void)state;
	run(&job, argv, 20000, 64 * 1024);
	assert_true(job.overflowed);
	assert_false(job.timed_out);
	assert_false(job.exited);
	assert_true(util_now_ms() - t0 < 5000);
	assert_int_equal(job.out.len, 64 * 1024);
	exec_job_free(&job);
	assert_no_children();
}

/* 50 MB through a 64 KiB cap: the child is never blocked on a full pipe,
 * so it finishes with its own exit status well before the timeout. */
static void
test_cap_large_finite(void **state)
{
	char		*argv[] = { "head", "-c", "50000000", "/dev/zero", NULL };
	char		*errv[] = { "sh", "-c", "head -c 3000000 /dev/zero >&2; echo done", NULL };
	struct exec_job	 job;

	(void)state;
	run(&job, argv, 20000, 64 * 1024);
	assert_false(job.timed_out);
	assert_false(job.overflowed);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 0);
	assert_int_equal(job.out.len, 64 * 1024);
	assert_true(job.out.toobig);
	exec_job_free(&job);

	run(&job, errv, 20000, 1000);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 0);
	assert_int_equal(job.err.len, 1000);
	assert_true(job.err.toobig);
	assert_string_equal(buf_str(&job.out), "done\n");
	assert_false(job.out.toobig);
	exec_job_free(&job);
}

static void
test_enoent(void **state)
{
	char		*argv[] = { "topo-no-such-program", "get", NULL };
	char		*path[] = { "/nonexistent/kubectl", NULL };
	struct exec_job	 job;
	char		*d;

	(void)state;
	run(&job, argv, 1000, 0);
	assert_false(job.started);
	assert_int_equal(job.spawn_errno, ENOENT);
	assert_false(job.exited);
	d = exec_describe(&job);
	assert_string_equal(d, "cannot run topo-no-such-program: No such file or directory");
	free(d);
	exec_job_free(&job);

	run(&job, path, 1000, 0);
	assert_false(job.started);
	assert_int_equal(job.spawn_errno, ENOENT);
	d = exec_describe(&job);
	assert_string_equal(d, "cannot run /nonexistent/kubectl: No such file or directory");
	free(d);
	assert_int_equal(exec_run(&job), -1);
	exec_job_free(&job);
	assert_no_children();
}

static void
test_not_executable(void **state)
{
	char		 file[PATH_MAX + 32];
	char		*argv[] = { file, NULL };
	struct exec_job	 job;
	int		 fd;

	(void)state;
	snprintf(file, sizeof file, "%s/not-exec", scratch);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	run(&job, argv, 1000, 0);
	assert_false(job.started);
	assert_int_equal(job.spawn_errno, EACCES);
	exec_job_free(&job);
	assert_no_children();
}

/* Shell metacharacters reach the program as they are, and nothing runs. */
static void
test_injection_literal(void **state)
{
	char		 marker[PATH_MAX + 32], a1[PATH_MAX + 64], a2[PATH_MAX + 64];
	char		 a3[PATH_MAX + 64], a5[PATH_MAX + 64], want[5 * PATH_MAX];
	char		 decoy[PATH_MAX + 32], cwd[PATH_MAX];
	char		*argv[] = { "printf", "[%s]\n", a1, a2, a3, "*", a5, "$HOME", NULL };
	struct exec_job	 job;
	struct stat	 sb;
	int		 fd;

	(void)state;
	snprintf(marker, sizeof marker, "%s/pwned", scratch);
	snprintf(a1, sizeof a1, "$(touch %s)", marker);
	snprintf(a2, sizeof a2, "`touch %s`", marker);
	snprintf(a3, sizeof a3, "; touch %s", marker);
	snprintf(a5, sizeof a5, "x\ntouch %s", marker);
	/* A file for a glob to expand to, in the folder we run from. */
	snprintf(decoy, sizeof decoy, "%s/decoy", scratch);
	fd = open(decoy, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd != -1);
	close(fd);
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(scratch), 0);

	run(&job, argv, 5000, 0);
	assert_int_equal(chdir(cwd), 0);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 0);
	snprintf(want, sizeof want, "[%s]\n[%s]\n[%s]\n[*]\n[%s]\n[$HOME]\n",
	    a1, a2, a3, a5);
	assert_string_equal(buf_str(&job.out), want);
	assert_int_equal(stat(marker, &sb), -1);
	assert_int_equal(errno, ENOENT);
	exec_job_free(&job);
}

#ifdef __linux__
/* A descriptor the caller left without O_CLOEXEC is still not inherited. */
static void
test_fds_closed(void **state)
{
	char		 script[128];
	char		*argv[] = { "sh", "-c", script, NULL };
	struct exec_job	 job;
	int		 fd;

	(void)state;
	fd = open("/dev/null", O_RDONLY);	/* deliberately inheritable */
	assert_true(fd > 2);
	snprintf(script, sizeof script,
	    "if [ -e /proc/$$/fd/%d ]; then echo leaked; exit 1; fi; echo clean", fd);
	run(&job, argv, 5000, 0);
	close(fd);
	assert_true(job.exited);
	assert_string_equal(buf_str(&job.out), "clean\n");
	assert_int_equal(job.exit_code, 0);
	exec_job_free(&job);
}
#endif

/* A program that closes its output and goes on running is still waited
 * for (to its end or its timeout), without spinning. */
static void
test_closed_output_still_running(void **state)
{
	char		*argv[] = { "sh", "-c", "exec >&- 2>&-; sleep 0.4; exit 5", NULL };
	char		*slow[] = { "sh", "-c", "exec >&- 2>&-; sleep 10", NULL };
	struct exec_job	 job;
	double		 t0 = util_now_ms();

	(void)state;
	run(&job, argv, 5000, 0);
	assert_true(job.exited);
	assert_int_equal(job.exit_code, 5);
	assert_true(util_now_ms() - t0 >= 390);
	exec_job_free(&job);

	t0 = util_now_ms();
	run(&job, slow, 300, 0);
	assert_true(job.timed_out);
	assert_true(util_now_ms() - t0 < 2000);
	exec_job_free(&job);
	assert_no_children();
}

/* Its own process group: a signal to ours does not reach it and back. */
static void
test_own_process_group(void **state)
{
	char		*argv[] = { "sh", "-c", "echo $$; ps -o pgid= -p $$", NULL };
	struct exec_job	 job;
	long		 pid = 0, pgid = 0;

	(void)state;
	run(&job, argv, 5000, 0);
	assert_true(job.exited);
	if (job.exit_code == 0 &&
	    sscanf(buf_str(&job.out), "%ld %ld", &pid, &pgid) == 2) {
		assert_int_equal(pid, pgid);
		assert_true(pgid != (long)getpgrp());
	} else
		print_message("ps not usable here; pgid not asserted\n");
	exec_job_free(&job);
}

static void
test_many_parallel(void **state)
{
	enum { N = 24 };
	struct exec_job	 jobs[N];
	char		 scripts[N][64];
	char		*argvs[N][4];
	double		 t0, took;
	size_t		 i;
	char		 want[32];

	(void)state;
	memset(jobs, 0, sizeof jobs);
	for (i = 0; i < N; i++) {
		snprintf(scripts[i], sizeof scripts[i], "sleep 0.3; echo job%zu", i);
		argvs[i][0] = "sh";
		argvs[i][1] = "-c";
		argvs[i][2] = scripts[i];
		argvs[i][3] = NULL;
		jobs[i].argv = argvs[i];
		jobs[i].timeout_ms = 5000;
		jobs[i].out_cap = 1024;
	}
	/* A failing one and a timing-out one among them. */
	jobs[3].argv = (char *[]){ "topo-no-such-program", NULL };
	jobs[5].argv = (char *[]){ "sleep", "10", NULL };
	jobs[5].timeout_ms = 400;
	t0 = util_now_ms();
	exec_run_many(jobs, N, 0);
	took = util_now_ms() - t0;
	/* All at once: about the slowest (0.4 s), not the sum (7 s). */
	assert_true(took < 2500);
	for (i = 0; i < N; i++) {
		if (i == 3) {
			assert_false(jobs[i].started);
			assert_int_equal(jobs[i].spawn_errno, ENOENT);
		} else if (i == 5) {
			assert_true(jobs[i].timed_out);
		} else {
			snprintf(want, sizeof want, "job%zu\n", i);
			assert_true(jobs[i].exited);
			assert_int_equal(jobs[i].exit_code, 0);
			assert_string_equal(buf_str(&jobs[i].out), want);
		}
		exec_job_free(&jobs[i]);
	}
	assert_no_children();
}

static void
test_max_parallel(void **state)
{
	enum { N = 4 };
	struct exec_job	 jobs[N];
	char		*argv[] = { "sleep", "0.25", NULL };
	double		 t0, took;
	size_t		 i;

	(void)state;
	memset(jobs, 0, sizeof jobs);
	for (i = 0; i < N; i++) {
		jobs[i].argv = argv;
		jobs[i].timeout_ms = 5000;
	}
	t0 = util_now_ms();
	exec_run_many(jobs, N, 2);
	took = util_now_ms() - t0;
	/* Two waves of two. */
	assert_true(took >= 480);
	assert_true(took < 2500);
	for (i = 0; i < N; i++) {
		assert_true(jobs[i].exited);
		assert_int_equal(jobs[i].exit_code, 0);
		exec_job_free(&jobs[i]);
	}
	exec_run_many(jobs, 0, 0);	/* nothing to do is fine */
	assert_no_children();
}

struct notify_log {
	struct exec_job	*base;
	size_t		 order[8];
	double		 at[8];
	size_t		 count;
	double		 t0;
};

static void
notify_record(struct exec_job *job, void *arg)
{
	struct notify_log	*log = arg;

	assert_true(log->count < 8);
	log->order[log->count] = (size_t)(job - log->base);
	log->at[log->count++] = util_now_ms() - log->t0;
}

/* Each job is reported as soon as it ends, not when the slowest does. */
static void
test_notify_order(void **state)
{
	struct exec_job		 jobs[4];
	struct notify_log	 log;
	size_t			 i;

	(void)state;
	memset(jobs, 0, sizeof jobs);
	memset(&log, 0, sizeof log);
	jobs[0].argv = (char *[]){ "sleep", "0.6", NULL };
	jobs[1].argv = (char *[]){ "true", NULL };
	jobs[2].argv = (char *[]){ "sleep", "0.3", NULL };
	jobs[3].argv = (char *[]){ "topo-no-such-program", NULL };
	for (i = 0; i < 4; i++)
		jobs[i].timeout_ms = 5000;
	log.base = jobs;
	log.t0 = util_now_ms();
	exec_run_many_notify(jobs, 4, 0, notify_record, &log);
	assert_int_equal(log.count, 4);
	assert_int_equal(log.order[0], 3);	/* failed to start: at once */
	assert_int_equal(log.order[1], 1);
	assert_int_equal(log.order[2], 2);
	assert_int_equal(log.order[3], 0);
	/* Lower bounds only: a loaded machine may be slow, never early. */
	assert_true(log.at[1] <= log.at[2]);
	assert_true(log.at[2] >= 290);
	assert_true(log.at[3] >= 590);
	for (i = 0; i < 4; i++)
		exec_job_free(&jobs[i]);
	assert_no_children();
}

/* Probes run in threads of their own, each with its own exec_run_many:
 * one thread must never reap or read another's children. */
struct thread_run {
	int	id;
	int	failures;
};

static void *
thread_main(void *arg)
{
	struct thread_run	*tr = arg;
	struct exec_job		 jobs[5];
	char			 scripts[5][64];
	char			*argvs[5][4];
	char			 want[64];
	size_t			 i;

	memset(jobs, 0, sizeof jobs);
	for (i = 0; i < 5; i++) {
		snprintf(scripts[i], sizeof scripts[i],
		    "sleep 0.%zu; echo t%d-%zu; exit %zu", i + 1, tr->id, i, i);
		argvs[i][0] = "sh";
		argvs[i][1] = "-c";
		argvs[i][2] = scripts[i];
		argvs[i][3] = NULL;
		jobs[i].argv = argvs[i];
		jobs[i].timeout_ms = 10000;
	}
	exec_run_many(jobs, 5, 3);
	for (i = 0; i < 5; i++) {
		snprintf(want, sizeof want, "t%d-%zu\n", tr->id, i);
		if (!jobs[i].exited || jobs[i].exit_code != (int)i ||
		    strcmp(buf_str(&jobs[i].out), want) != 0)
			tr->failures++;
		exec_job_free(&jobs[i]);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	enum { T = 4 };
	pthread_t		threads[T];
	struct thread_run	runs[T];
	int			i;

	(void)state;
	for (i = 0; i < T; i++) {
		runs[i].id = i;
		runs[i].failures = 0;
		assert_int_equal(pthread_create(&threads[i], NULL, thread_main,
		    &runs[i]), 0);
	}
	for (i = 0; i < T; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(runs[i].failures, 0);
	}
	assert_no_children();
}

/* Sets *flag after delay_ms, from a thread of its own (as the dashboard's
 * quit sets the scheduler's flag while a probe thread waits on programs). */
struct canceller {
	_Atomic int	*flag;
	int		 delay_ms;
	pthread_t	 thread;
};

static void *
canceller_main(void *arg)
{
	struct canceller	*c = arg;

	usleep((useconds_t)c->delay_ms * 1000);
	*c->flag = 1;
	return NULL;
}

static void
canceller_start(struct canceller *c, _Atomic int *flag, int delay_ms)
{
	c->flag = flag;
	c->delay_ms = delay_ms;
	assert_int_equal(pthread_create(&c->thread, NULL, canceller_main, c), 0);
}

/* A cancel stops a program at once, not at its timeout, reaps it, and is
 * not the program's failure; one that ignores SIGTERM gets SIGKILL. */
static void
test_cancel_running(void **state)
{
	char		*argv[] = { "sh", "-c", "echo $$; exec sleep 30", NULL };
	char		*stubborn[] = { "sh", "-c", "trap '' TERM; echo $$; sleep 30; sleep 30", NULL };
	struct exec_job	 job;
	struct canceller c;
	_Atomic int	 flag = 0;
	double		 t0, took;
	char		*d;

	(void)state;
	memset(&job, 0, sizeof job);
	job.argv = argv;
	job.timeout_ms = 20000;
	job.cancel = &flag;
	t0 = util_now_ms();
	canceller_start(&c, &flag, 200);
	assert_int_equal(exec_run(&job), 0);
	took = util_now_ms() - t0;
	assert_int_equal(pthread_join(c.thread, NULL), 0);
	assert_true(job.started);
	assert_true(job.cancelled);
	assert_false(job.timed_out);
	assert_false(job.overflowed);
	assert_false(job.exited);
	assert_false(job.signaled);
	assert_true(took >= 190);	/* it did run until the cancel */
	assert_true(took < 5000);
	d = exec_describe(&job);
	assert_string_equal(d, "cancelled");
	free(d);
	assert_printed_pid_gone(&job);
	exec_job_free(&job);
	assert_no_children();

	flag = 0;
	memset(&job, 0, sizeof job);
	job.argv = stubborn;
	job.timeout_ms = 20000;
	job.cancel = &flag;
	t0 = util_now_ms();
	canceller_start(&c, &flag, 200);
	exec_run(&job);
	took = util_now_ms() - t0;
	assert_int_equal(pthread_join(c.thread, NULL), 0);
	assert_true(job.cancelled);
	assert_true(took < 5000);
	assert_printed_pid_gone(&job);
	exec_job_free(&job);
	assert_no_children();
}

/* Several jobs, two at a time: the running ones are stopped, the later
 * ones never start, and each is still handed to done() once. */
static void
test_cancel_many(void **state)
{
	enum { N = 5 };
	struct exec_job		 jobs[N];
	struct notify_log	 log;
	struct canceller	 c;
	char			*argv[] = { "sh", "-c", "echo $$; exec sleep 30", NULL };
	_Atomic int		 flag = 0;
	double			 took;
	size_t			 i;
	char			*d;

	(void)state;
	memset(jobs, 0, sizeof jobs);
	memset(&log, 0, sizeof log);
	for (i = 0; i < N; i++) {
		jobs[i].argv = argv;
		jobs[i].timeout_ms = 20000;
		jobs[i].cancel = &flag;
	}
	log.base = jobs;
	log.t0 = util_now_ms();
	canceller_start(&c, &flag, 200);
	exec_run_many_notify(jobs, N, 2, notify_record, &log);
	took = util_now_ms() - log.t0;
	assert_int_equal(pthread_join(c.thread, NULL), 0);
	assert_true(took < 5000);
	assert_int_equal(log.count, N);
	for (i = 0; i < N; i++) {
		assert_true(jobs[i].cancelled);
		assert_false(jobs[i].timed_out);
		assert_false(jobs[i].exited);
		if (i < 2) {
			assert_true(jobs[i].started);
			assert_printed_pid_gone(&jobs[i]);
		} else {
			assert_false(jobs[i].started);
			assert_int_equal(jobs[i].spawn_errno, 0);
			assert_int_equal(jobs[i].out.len, 0);
			d = exec_describe(&jobs[i]);
			assert_string_equal(d, "cancelled before it started");
			free(d);
		}
		exec_job_free(&jobs[i]);
	}
	assert_no_children();

	/* Set before the call: nothing starts at all. */
	memset(jobs, 0, sizeof jobs);
	for (i = 0; i < N; i++) {
		jobs[i].argv = argv;
		jobs[i].timeout_ms = 20000;
		jobs[i].cancel = &flag;
	}
	log.count = 0;
	exec_run_many_notify(jobs, N, 0, notify_record, &log);
	assert_int_equal(log.count, N);
	for (i = 0; i < N; i++) {
		assert_true(jobs[i].cancelled);
		assert_false(jobs[i].started);
		exec_job_free(&jobs[i]);
	}
	assert_int_equal(exec_run(&jobs[0]), -1);
	exec_job_free(&jobs[0]);
	assert_no_children();
}

/* A flag never set, or none at all: the job runs to its end as before. */
static void
test_cancel_unset(void **state)
{
	char		*argv[] = { "sh", "-c", "sleep 0.3; echo done", NULL };
	struct exec_job	 job;
	_Atomic int	 flag = 0;
	int		 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		memset(&job, 0, sizeof job);
		job.argv = argv;
		job.timeout_ms = 5000;
		job.cancel = i == 0 ? &flag : NULL;
		assert_int_equal(exec_run(&job), 0);
		assert_true(job.exited);
		assert_int_equal(job.exit_code, 0);
		assert_false(job.cancelled);
		assert_string_equal(buf_str(&job.out), "done\n");
		exec_job_free(&job);
	}
	assert_no_children();
}

static void
test_empty_argv(void **state)
{
	char		*empty[] = { "", NULL };
	char		*none[] = { NULL };
	struct exec_job	 job;
	char		*d;

	(void)state;
	run(&job, empty, 1000, 0);
	assert_false(job.started);
	assert_int_equal(job.spawn_errno, ENOENT);
	d = exec_describe(&job);
	assert_string_equal(d, "cannot run (empty argv): No such file or directory");
	free(d);
	exec_job_free(&job);
	run(&job, none, 1000, 0);
	assert_false(job.started);
	exec_job_free(&job);
	assert_no_children();
}

static void
test_argv_string(void **state)
{
	char	*argv[] = { "kubectl", "get", "pods", "-o", "json", "--context=admin@joelclaw",
	    "a b", "it's", "x\ny", "", "$(id)", NULL };
	char	*empty[] = { NULL };
	char	*s;

	(void)state;
	s = exec_argv_string(argv);
	assert_string_equal(s, "kubectl get pods -o json --context=admin@joelclaw "
	    "'a b' 'it'\\''s' $'x\\ny' '' '$(id)'");
	free(s);
	s = exec_argv_string(empty);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_stdout_stderr),
		cmocka_unit_test(test_stdin_is_dev_null),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_ignores_term),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_exit_with_background_holder),
		cmocka_unit_test(test_cap_endless),
		cmocka_unit_test(test_cap_then_quiet),
		cmocka_unit_test(test_cap_large_finite),
		cmocka_unit_test(test_enoent),
		cmocka_unit_test(test_not_executable),
		cmocka_unit_test(test_injection_literal),
#ifdef __linux__
		cmocka_unit_test(test_fds_closed),
#endif
		cmocka_unit_test(test_closed_output_still_running),
		cmocka_unit_test(test_own_process_group),
		cmocka_unit_test(test_many_parallel),
		cmocka_unit_test(test_max_parallel),
		cmocka_unit_test(test_notify_order),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_cancel_running),
		cmocka_unit_test(test_cancel_many),
		cmocka_unit_test(test_cancel_unset),
		cmocka_unit_test(test_empty_argv),
		cmocka_unit_test(test_argv_string),
	};

	return cmocka_run_group_tests(tests, setup_scratch, teardown_scratch);
}
