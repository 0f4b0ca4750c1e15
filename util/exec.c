/*
 * exec.c: run external programs (launchctl, kubectl, caddy, a topology's
 * `command:` checks) from an argv array, never through a shell.
 *
 * Each child gets stdin from /dev/null, its own process group, default
 * signal dispositions and no file descriptor but 0, 1 and 2. Its stdout and
 * stderr come back through pipes whose read ends are non-blocking, all read
 * in one poll() loop, each capped (past the cap we read and discard, so a
 * chatty program neither grows memory nor blocks on a full pipe). At the
 * timeout the whole process group gets SIGTERM, then SIGKILL after a short
 * grace, and the child is always reaped: no zombie, no orphan.
 *
 * Two more reasons stop a program the same way. Its output passed the cap
 * and it is still running a moment later: a program that prints too much
 * and ends (30 MB, then exit 0) keeps its exit status, but one printing
 * without end (`yes`) is not left to burn until its timeout, and is said to
 * be too large rather than slow. And its job's cancel flag was set (the
 * dashboard quits): nothing is left running, and no job starts after it.
 *
 * A program that leaves its process group (setsid, a daemonizing double
 * fork) escapes kill(-group). On Linux topo is a child subreaper
 * (prctl(PR_SET_CHILD_SUBREAPER)): whatever such a program leaves behind is
 * re-parented to topo instead of init when its parent dies, so topo can
 * find it (a child of ours that is no running job's leader nor in a running
 * job's group) and kill it, group and all, after each batch. Chosen over a
 * cgroup because it needs no privileges, no cgroup delegation and no
 * mounted cgroup2 hierarchy; over polling /proc for the session because a
 * setsid'd process has a session of its own. Where there is no subreaper
 * (macOS), only the process group is killed.
 *
 * Spawning uses posix_spawnp where the platform lets us close every other
 * descriptor in the child (glibc >= 2.34: addclosefrom_np; macOS:
 * POSIX_SPAWN_CLOEXEC_DEFAULT); elsewhere fork + execve with only
 * async-signal-safe calls in between. Everything here is per call: several
 * probe threads may run programs at the same time.
 */
#include "exec.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <dirent.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

#if defined(__GLIBC__) && defined(__GLIBC_PREREQ) && defined(_GNU_SOURCE)
#if __GLIBC_PREREQ(2, 34)
#define EXEC_SPAWN_CLOSEFROM 1
#endif
#endif
#if defined(__APPLE__) && defined(POSIX_SPAWN_CLOEXEC_DEFAULT)
#define EXEC_SPAWN_CLOEXEC_DEFAULT 1
#endif
/* Tests can force the fork fallback with -DEXEC_FORCE_FORK. */
#if (defined(EXEC_SPAWN_CLOSEFROM) || defined(EXEC_SPAWN_CLOEXEC_DEFAULT)) && \
    !defined(EXEC_FORCE_FORK)
#define EXEC_USE_SPAWN 1
#endif

#define EXEC_DEFAULT_TIMEOUT_MS	30000
#define EXEC_DEFAULT_CAP	EXEC_OUTPUT_CAP
#define EXEC_KILL_GRACE_MS	200	/* SIGTERM -> SIGKILL */
#define EXEC_REAP_TICK_MS	2	/* pipes closed, exit status not yet there */
#define EXEC_IDLE_TICK_MS	50	/* pipes held open by a grandchild */
#define EXEC_READ_CHUNK		65536
#define EXEC_LINGER_MS		100	/* pipes held after the child exited */
#define EXEC_OVERFLOW_GRACE_MS	500	/* past the cap, time left to end */
#define EXEC_CANCEL_TICK_MS	100	/* a set cancel flag is seen within this */
#define EXEC_DRAIN_CHUNKS	16	/* reads per wake-up, so a fast writer
					 * cannot keep the loop from its clocks */

/*
 * The leaders of every running job of every thread, so that the sweep
 * (exec_sweep_orphans) never takes a running job for an orphan. Spawning
 * and the sweep hold exec_lock: a child just spawned is registered before
 * anyone can look at topo's children.
 */
static pthread_mutex_t	 exec_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t	 exec_once = PTHREAD_ONCE_INIT;
static pid_t		*exec_leaders;
static size_t		 exec_nleaders, exec_aleaders;

static void
exec_init(void)
{
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
}

/* With exec_lock held. */
static void
exec_register(pid_t pid)
{
	if (exec_nleaders == exec_aleaders) {
		exec_aleaders = exec_aleaders == 0 ? 16 : exec_aleaders * 2;
		exec_leaders = xreallocarray(exec_leaders, exec_aleaders,
		    sizeof *exec_leaders);
	}
	exec_leaders[exec_nleaders++] = pid;
}

static void
exec_unregister(pid_t pid)
{
	size_t	i;

	pthread_mutex_lock(&exec_lock);
	for (i = 0; i < exec_nleaders; i++) {
		if (exec_leaders[i] == pid) {
			exec_leaders[i] = exec_leaders[--exec_nleaders];
			break;
		}
	}
	pthread_mutex_unlock(&exec_lock);
}

#ifdef __linux__
/* With exec_lock held: is pid, or the group it is in, a running job's? */
static int
exec_is_running_job(pid_t pid, pid_t pgrp)
{
	size_t	i;

	for (i = 0; i < exec_nleaders; i++)
		if (exec_leaders[i] == pid || exec_leaders[i] == pgrp)
			return 1;
	return 0;
}
#endif

int
exec_sweep_orphans(void)
{
	int		 killed = 0;
#ifdef __linux__
	DIR		*d;
	struct dirent	*e;
	char		 path[300], line[512], *close_paren;
	FILE		*f;
	pid_t		 self = getpid(), pid;
	int		 ppid, pgrp, round, found;

	/* Killing one re-parents its own children to us: a few rounds. */
	for (round = 0; round < 8; round++) {
		found = 0;
		pthread_mutex_lock(&exec_lock);
		if ((d = opendir("/proc")) == NULL) {
			pthread_mutex_unlock(&exec_lock);
			break;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
			if ((f = fopen(path, "re")) == NULL)
				continue;
			if (fgets(line, sizeof line, f) == NULL) {
				fclose(f);
				continue;
			}
			fclose(f);
			/* "pid (comm) state ppid pgrp ...": comm may hold ")". */
			if ((close_paren = strrchr(line, ')')) == NULL ||
			    sscanf(close_paren + 1, " %*c %d %d", &ppid, &pgrp) != 2)
				continue;
			pid = (pid_t)strtol(e->d_name, NULL, 10);
			if (ppid != self || exec_is_running_job(pid, pgrp))
				continue;
			/* Ours, no job's: what a finished program left behind. */
			if (pgrp == pid)
				kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
				;
			found++;
		}
		closedir(d);
		pthread_mutex_unlock(&exec_lock);
		killed += found;
		if (found == 0)
			break;
	}
#endif
	return killed;
}

/* Signals whose disposition the child gets back to default. */
static const int exec_default_signals[] = {
	SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGALRM,
	SIGUSR1, SIGUSR2, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU
};

enum exec_phase {
	EXEC_WAITING,		/* not started yet */
	EXEC_RUNNING,
	EXEC_TERMINATING,	/* SIGTERM sent (timeout, overflow, cancel) */
	EXEC_KILLING,		/* SIGKILL sent */
	EXEC_FINISHED
};

struct exec_state {
	struct exec_job	*job;
	enum exec_phase	 phase;
	pid_t		 pid;
	int		 fd_out;	/* read ends, -1 once at EOF */
	int		 fd_err;
	double		 started_ms;
	double		 deadline_ms;
	double		 kill_ms;	/* when to send SIGKILL */
	int		 leader_gone;	/* the child is a zombie (not yet reaped) */
	double		 leader_exit_ms; /* when we saw it exit, 0 before */
	double		 closed_ms;	/* when both pipes were at EOF, 0 before */
	double		 overflow_ms;	/* when the output passed its cap, 0 before */
};

static int
exec_cancel_requested(const struct exec_job *job)
{
	return job->cancel != NULL && *job->cancel != 0;
}

static void
exec_close(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* A pipe whose both ends are close-on-exec and whose read end is non-blocking.
 * The write end stays blocking: the child shares that file description. */
static int
exec_pipe(int fds[2])
{
#if defined(__linux__) && defined(_GNU_SOURCE)
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
#else
	if (pipe(fds) == -1)
		return -1;
	/* A fork in another thread right here could inherit these: the spawn
	 * paths below close every other descriptor in the child anyway. */
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
#endif
	{
		int flags = fcntl(fds[0], F_GETFL);

		if (flags == -1 || fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) == -1)
			goto fail;
	}
	return 0;
fail:
	close(fds[0]);
	close(fds[1]);
	return -1;
}

#ifdef EXEC_USE_SPAWN
static int
exec_spawn(struct exec_state *st, int out_w, int err_w, int out_r, int err_r)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 mask, defaults;
	short				 flags;
	size_t				 i;
	int				 rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&mask);
	sigemptyset(&defaults);
	for (i = 0; i < sizeof exec_default_signals / sizeof *exec_default_signals; i++)
		sigaddset(&defaults, exec_default_signals[i]);
	flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef EXEC_SPAWN_CLOEXEC_DEFAULT
	flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
#endif
	if ((rc = posix_spawnattr_setflags(&attr, flags)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attr, &mask)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&attr, &defaults)) != 0)
		goto out;
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2)) != 0)
		goto out;
#ifdef EXEC_SPAWN_CLOSEFROM
	if ((rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0)
		goto out;
#endif
	(void)out_r;
	(void)err_r;
	rc = posix_spawnp(&st->pid, st->job->argv[0], &fa, &attr,
	    st->job->argv, environ);
out:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}
#else
/* Finds argv[0] in PATH before the fork: execvp is not async-signal-safe. */
static char *
exec_resolve(const char *name, int *error)
{
	const char	*path, *p, *end;
	char		*candidate;
	int		 seen_eacces = 0;

	if (strchr(name, '/') != NULL)
		return xstrdup(name);
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p)
			candidate = xasprintf("./%s", name);
		else
			candidate = xasprintf("%.*s/%s", (int)(end - p), p, name);
		if (access(candidate, X_OK) == 0)
			return candidate;
		if (errno == EACCES)
			seen_eacces = 1;
		free(candidate);
		if (*end == '\0')
			break;
	}
	*error = seen_eacces ? EACCES : ENOENT;
	return NULL;
}

static int
exec_spawn(struct exec_state *st, int out_w, int err_w, int out_r, int err_r)
{
	struct sigaction	 sa;
	struct rlimit		 rl;
	sigset_t		 all, old, empty;
	char			*path;
	int			 report[2], error = 0, maxfd, fd, rc = 0;
	size_t			 i;
	ssize_t			 n;
	pid_t			 pid;

	if ((path = exec_resolve(st->job->argv[0], &error)) == NULL)
		return error;
	/* The child tells us why execve failed through this close-on-exec pipe
	 * (blocking: we read until execve closes it or the errno arrives). */
	if (exec_pipe(report) == -1) {
		rc = errno;
		free(path);
		return rc;
	}
	if (fcntl(report[0], F_SETFL, fcntl(report[0], F_GETFL) & ~O_NONBLOCK) == -1) {
		rc = errno;
		close(report[0]);
		close(report[1]);
		free(path);
		return rc;
	}
	maxfd = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < 65536)
		maxfd = (int)rl.rlim_cur;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&empty);
	/* No handler of ours may run in the child between fork and exec. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		/* Child: async-signal-safe calls only. */
		for (i = 0; i < sizeof exec_default_signals / sizeof *exec_default_signals; i++)
			sigaction(exec_default_signals[i], &sa, NULL);
		setpgid(0, 0);
		fd = open("/dev/null", O_RDONLY);
		if (fd == -1 || dup2(fd, 0) == -1 || dup2(out_w, 1) == -1 ||
		    dup2(err_w, 2) == -1)
			goto child_fail;
		for (fd = 3; fd < maxfd; fd++) {
			if (fd != report[1])
				close(fd);
		}
		sigprocmask(SIG_SETMASK, &empty, NULL);
		execve(path, st->job->argv, environ);
child_fail:
		error = errno;
		n = write(report[1], &error, sizeof error);
		(void)n;
		_exit(127);
	}
	if (pid == -1)
		rc = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(path);
	close(report[1]);
	if (pid != -1) {
		/* Also in the parent, so kill(-pid) works whoever runs first. */
		setpgid(pid, pid);
		do {
			n = read(report[0], &error, sizeof error);
		} while (n == -1 && errno == EINTR);
		if (n == (ssize_t)sizeof error) {
			while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
				;
			rc = error;
		} else
			st->pid = pid;
	}
	close(report[0]);
	(void)out_r;
	(void)err_r;
	return rc;
}
#endif

static void
exec_start(struct exec_state *st)
{
	struct exec_job	*job = st->job;
	int		 out[2] = { -1, -1 }, err[2] = { -1, -1 }, rc;

	buf_init(&job->out, job->out_cap > 0 ? job->out_cap : EXEC_DEFAULT_CAP);
	buf_init(&job->err, job->out_cap > 0 ? job->out_cap : EXEC_DEFAULT_CAP);
	job->started = job->exited = job->signaled = job->timed_out = 0;
	job->overflowed = job->cancelled = 0;
	job->spawn_errno = job->exit_code = job->signo = 0;
	st->fd_out = st->fd_err = -1;
	st->leader_gone = 0;
	st->leader_exit_ms = 0;
	st->closed_ms = 0;
	st->overflow_ms = 0;
	st->started_ms = util_now_ms();
	st->deadline_ms = st->started_ms +
	    (job->timeout_ms > 0 ? job->timeout_ms : EXEC_DEFAULT_TIMEOUT_MS);

	if (exec_cancel_requested(job)) {
		job->cancelled = 1;
		job->duration_ms = 0;
		st->phase = EXEC_FINISHED;
		return;
	}
	if (job->argv == NULL || job->argv[0] == NULL || job->argv[0][0] == '\0') {
		rc = ENOENT;
		goto fail;
	}
	if (exec_pipe(out) == -1 || exec_pipe(err) == -1) {
		rc = errno;
		goto fail;
	}
	pthread_once(&exec_once, exec_init);
	pthread_mutex_lock(&exec_lock);
	if ((rc = exec_spawn(st, out[1], err[1], out[0], err[0])) == 0)
		exec_register(st->pid);
	pthread_mutex_unlock(&exec_lock);
	if (rc != 0)
		goto fail;
	close(out[1]);
	close(err[1]);
	st->fd_out = out[0];
	st->fd_err = err[0];
	st->phase = EXEC_RUNNING;
	job->started = 1;
	return;
fail:
	exec_close(&out[0]);
	exec_close(&out[1]);
	exec_close(&err[0]);
	exec_close(&err[1]);
	job->spawn_errno = rc;
	job->duration_ms = util_now_ms() - st->started_ms;
	st->phase = EXEC_FINISHED;
}

/* Reads what is there; returns at EOF, when the pipe is empty or after
 * chunks reads (0: no limit). */
static void
exec_drain(int *fd, struct buf *b, int chunks)
{
	char	chunk[EXEC_READ_CHUNK];
	ssize_t	n;
	int	reads = 0;

	while (*fd != -1 && (chunks == 0 || reads++ < chunks)) {
		n = read(*fd, chunk, sizeof chunk);
		if (n > 0) {
			/* Past the cap buf_append keeps nothing and sets toobig:
			 * we go on reading so the child never blocks. */
			if (!b->toobig)
				buf_append(b, chunk, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		exec_close(fd);		/* EOF or a read error */
	}
}

static void
exec_signal_group(struct exec_state *st, int signo)
{
	/* The group id stays ours while the leader is unreaped (running or
	 * zombie), so this cannot hit a recycled process group. */
	if (kill(-st->pid, signo) == -1 && errno == ESRCH)
		kill(st->pid, signo);
}

/* Has the child exited? Leaves it a zombie (WNOWAIT) so its pid, which is
 * also the group id, is not recycled before we have killed the group. */
static int
exec_leader_exited(struct exec_state *st)
{
	siginfo_t	info;

	if (st->leader_gone)
		return 1;
	memset(&info, 0, sizeof info);
	if (waitid(P_PID, (id_t)st->pid, &info, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno == ECHILD;
	if (info.si_pid == st->pid)
		st->leader_gone = 1;
	return st->leader_gone;
}

static void
exec_finish(struct exec_state *st)
{
	struct exec_job	*job = st->job;
	int		 status = 0;
	pid_t		 r;

	/* Whatever the child left behind in its group goes with it. */
	exec_signal_group(st, SIGKILL);
	do {
		r = waitpid(st->pid, &status, 0);
	} while (r == -1 && errno == EINTR);
	exec_unregister(st->pid);
	exec_drain(&st->fd_out, &job->out, 0);
	exec_drain(&st->fd_err, &job->err, 0);
	exec_close(&st->fd_out);
	exec_close(&st->fd_err);
	job->duration_ms = util_now_ms() - st->started_ms;
	if (r == st->pid && !job->timed_out && !job->overflowed && !job->cancelled) {
		if (WIFEXITED(status)) {
			job->exited = 1;
			job->exit_code = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			job->signaled = 1;
			job->signo = WTERMSIG(status);
		}
	}
	st->phase = EXEC_FINISHED;
}

/* Moves one job on; returns the poll timeout (ms) it needs next. */
static int
exec_step(struct exec_state *st, double now)
{
	double	until, tick;

	if (exec_leader_exited(st)) {
		/* Normal end: wait for EOF on both pipes (the output is whole),
		 * but not long if something it left in its group holds them. */
		if (st->leader_exit_ms == 0)
			st->leader_exit_ms = now;
		if ((st->fd_out == -1 && st->fd_err == -1) ||
		    st->phase != EXEC_RUNNING ||
		    now >= st->leader_exit_ms + EXEC_LINGER_MS) {
			exec_finish(st);
			return -1;
		}
	}
	if (st->phase == EXEC_RUNNING) {
		/* One reason is kept, the first seen: a cancel says most. */
		if (exec_cancel_requested(st->job))
			st->job->cancelled = 1;
		else if (st->overflow_ms != 0 &&
		    now >= st->overflow_ms + EXEC_OVERFLOW_GRACE_MS)
			st->job->overflowed = 1;
		else if (now >= st->deadline_ms)
			st->job->timed_out = 1;
		if (st->job->cancelled || st->job->overflowed || st->job->timed_out) {
			exec_signal_group(st, SIGTERM);
			st->phase = EXEC_TERMINATING;
			st->kill_ms = now + EXEC_KILL_GRACE_MS;
		}
	}
	if (st->phase == EXEC_TERMINATING && now >= st->kill_ms) {
		exec_signal_group(st, SIGKILL);
		st->phase = EXEC_KILLING;
	}
	if (st->phase == EXEC_RUNNING) {
		until = st->deadline_ms - now;
		if (st->overflow_ms != 0 &&
		    st->overflow_ms + EXEC_OVERFLOW_GRACE_MS - now < until)
			until = st->overflow_ms + EXEC_OVERFLOW_GRACE_MS - now;
		if (st->job->cancel != NULL && until > EXEC_CANCEL_TICK_MS)
			until = EXEC_CANCEL_TICK_MS;
	} else if (st->phase == EXEC_TERMINATING)
		until = st->kill_ms - now;
	else
		until = EXEC_REAP_TICK_MS;
	/* No SIGCHLD handler (it would be process-wide): look again soon,
	 * very soon just after the pipes closed (the exit is near), less so
	 * for a program that closed them and goes on running. */
	if (st->fd_out == -1 && st->fd_err == -1) {
		if (st->closed_ms == 0)
			st->closed_ms = now;
		tick = now - st->closed_ms < EXEC_IDLE_TICK_MS ?
		    EXEC_REAP_TICK_MS : EXEC_IDLE_TICK_MS / 2;
		until = until < tick ? until : tick;
	} else if (until > EXEC_IDLE_TICK_MS)
		until = EXEC_IDLE_TICK_MS;
	return until < 0 ? 0 : (int)until + 1;
}

void
exec_run_many(struct exec_job *jobs, size_t n, int max_parallel)
{
	exec_run_many_notify(jobs, n, max_parallel, NULL, NULL);
}

void
exec_run_many_notify(struct exec_job *jobs, size_t n, int max_parallel,
    void (*done)(struct exec_job *, void *), void *arg)
{
	struct exec_state	*states = NULL;
	struct pollfd		*pfds = NULL;
	size_t			*owner = NULL;
	size_t			 next = 0, running = 0, finished = 0, i, np;
	size_t			 limit;
	int			 timeout, t;
	double			 now;

	if (n == 0)
		return;
	limit = max_parallel > 0 ? (size_t)max_parallel : n;
	states = xcalloc(n, sizeof *states);
	pfds = xcalloc(2 * n, sizeof *pfds);
	owner = xcalloc(2 * n, sizeof *owner);
	for (i = 0; i < n; i++) {
		states[i].job = &jobs[i];
		states[i].phase = EXEC_WAITING;
		states[i].fd_out = states[i].fd_err = -1;
	}

	while (finished < n) {
		while (running < limit && next < n) {
			exec_start(&states[next]);
			if (states[next].phase == EXEC_FINISHED) {
				finished++;
				if (done != NULL)
					done(states[next].job, arg);
			} else
				running++;
			next++;
		}
		now = util_now_ms();
		timeout = -1;
		np = 0;
		for (i = 0; i < n; i++) {
			struct exec_state *st = &states[i];

			if (st->phase == EXEC_WAITING || st->phase == EXEC_FINISHED)
				continue;
			t = exec_step(st, now);
			if (st->phase == EXEC_FINISHED) {
				running--;
				finished++;
				if (done != NULL)
					done(st->job, arg);
				continue;
			}
			if (timeout == -1 || t < timeout)
				timeout = t;
			if (st->fd_out != -1) {
				pfds[np].fd = st->fd_out;
				pfds[np].events = POLLIN;
				owner[np++] = i;
			}
			if (st->fd_err != -1) {
				pfds[np].fd = st->fd_err;
				pfds[np].events = POLLIN;
				owner[np++] = i;
			}
		}
		if (running == 0)
			continue;	/* start the next ones, or done */
		if (poll(pfds, (nfds_t)np, timeout) <= 0)
			continue;	/* timeout or EINTR: the steps above act */
		for (i = 0; i < np; i++) {
			struct exec_state *st = &states[owner[i]];

			if (pfds[i].revents == 0)
				continue;
			if (pfds[i].fd == st->fd_out)
				exec_drain(&st->fd_out, &st->job->out, EXEC_DRAIN_CHUNKS);
			else if (pfds[i].fd == st->fd_err)
				exec_drain(&st->fd_err, &st->job->err, EXEC_DRAIN_CHUNKS);
			if (st->overflow_ms == 0 &&
			    (st->job->out.toobig || st->job->err.toobig))
				st->overflow_ms = util_now_ms();
		}
	}
	free(owner);
	free(pfds);
	free(states);
	/* Nothing a finished program started outlives its batch. */
	exec_sweep_orphans();
}

int
exec_run(struct exec_job *job)
{
	exec_run_many(job, 1, 1);
	return job->started ? 0 : -1;
}

void
exec_job_free(struct exec_job *job)
{
	if (job == NULL)
		return;
	buf_free(&job->out);
	buf_free(&job->err);
}

char *
exec_describe(const struct exec_job *job)
{
	const char	*name;
	size_t		 cap;

	if (job->cancelled)
		return xstrdup(job->started ? "cancelled" : "cancelled before it started");
	if (!job->started) {
		name = job->argv != NULL && job->argv[0] != NULL ? job->argv[0] : "";
		return xasprintf("cannot run %s: %s", *name != '\0' ? name : "(empty argv)",
		    strerror(job->spawn_errno != 0 ? job->spawn_errno : ENOENT));
	}
	if (job->overflowed) {
		cap = job->out_cap > 0 ? job->out_cap : EXEC_DEFAULT_CAP;
		if (cap % (1024 * 1024) == 0)
			return xasprintf("output larger than %zu MiB: stopped",
			    cap / (1024 * 1024));
		if (cap % 1024 == 0)
			return xasprintf("output larger than %zu KiB: stopped", cap / 1024);
		return xasprintf("output larger than %zu bytes: stopped", cap);
	}
	if (job->timed_out)
		return xasprintf("timed out after %d ms", job->timeout_ms > 0 ?
		    job->timeout_ms : EXEC_DEFAULT_TIMEOUT_MS);
	if (job->signaled)
		return xasprintf("killed by signal %d", job->signo);
	if (job->exited)
		return xasprintf("exit %d", job->exit_code);
	return xstrdup("ended with an unknown status");
}

/* Characters that never need quoting in a POSIX shell word. */
static int
exec_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("_@%+=:,./-", c) != NULL;
}

static void
exec_quote(struct buf *b, const char *arg)
{
	const unsigned char	*p;
	int			 plain = *arg != '\0', control = 0;

	for (p = (const unsigned char *)arg; *p != '\0'; p++) {
		if (!exec_plain(*p))
			plain = 0;
		if (*p < 0x20 || *p == 0x7f)
			control = 1;
	}
	if (plain) {
		buf_puts(b, arg);
		return;
	}
	if (!control) {
		/* Single quotes: everything literal, ' written as '\'' */
		buf_puts(b, "'");
		for (p = (const unsigned char *)arg; *p != '\0'; p++) {
			if (*p == '\'')
				buf_puts(b, "'\\''");
			else
				buf_append(b, p, 1);
		}
		buf_puts(b, "'");
		return;
	}
	/* $'...' keeps the string on one line: control characters escaped. */
	buf_puts(b, "$'");
	for (p = (const unsigned char *)arg; *p != '\0'; p++) {
		switch (*p) {
		case '\n': buf_puts(b, "\\n"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\'': buf_puts(b, "\\'"); break;
		case '\\': buf_puts(b, "\\\\"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\x%02x", *p);
			else
				buf_append(b, p, 1);
		}
	}
	buf_puts(b, "'");
}

char *
exec_argv_string(char *const *argv)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, 0);
	for (i = 0; argv != NULL && argv[i] != NULL; i++) {
		if (i > 0)
			buf_puts(&b, " ");
		exec_quote(&b, argv[i]);
	}
	if (b.data == NULL)
		return xstrdup("");
	return buf_steal(&b);
}
