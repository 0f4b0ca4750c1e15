/*
 * measure.c: runs one command and prints what it cost, for bench/run.sh:
 *
 *   measure [--timeout SECONDS] [--stdout FILE] -- COMMAND [ARG...]
 *
 * prints one line "WALL_MS USER_MS SYS_MS MAXRSS_KB EXIT" on stdout: wall
 * time from fork to reap (CLOCK_MONOTONIC), the CPU time and the largest
 * resident set of the command and everything it waited for (wait4's
 * rusage: a shell loop counts every curl it ran), and its exit status
 * (128+N for signal N). /usr/bin/time only gives 10 ms steps; a run of ten
 * checks takes about 100 ms, so microseconds are needed.
 *
 * The command runs in its own process group; past the timeout (an alarm,
 * so the blocking wait4 costs no polling delay) the whole group is killed
 * (SIGKILL) and EXIT is 124, so a wedged benchmark ends.
 */
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t	measure_child;
static volatile sig_atomic_t	measure_killed;

static void
measure_alarm(int sig)
{
	(void)sig;
	if (measure_child > 0)
		kill(-(pid_t)measure_child, SIGKILL);
	measure_killed = 1;
}

static double
measure_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double
measure_tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1000.0 + (double)tv->tv_usec / 1000.0;
}

static void
measure_usage(void)
{
	fputs("usage: measure [--timeout SECONDS] [--stdout FILE] -- COMMAND "
	    "[ARG...]\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct rusage	 ru;
	struct sigaction sa;
	const char	*out = NULL;
	double		 start, wall;
	pid_t		 pid, got;
	int		 i, status = 0, code, fd, timeout_s = 600;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout_s = atoi(argv[++i]);
		else if (strcmp(argv[i], "--stdout") == 0 && i + 1 < argc)
			out = argv[++i];
		else
			measure_usage();
	}
	if (i >= argc || timeout_s < 1)
		measure_usage();

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = measure_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: wait4 returns EINTR */

	start = measure_now_ms();
	if ((pid = fork()) == -1) {
		perror("measure: fork");
		return 2;
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (out != NULL) {
			fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd == -1 || dup2(fd, STDOUT_FILENO) == -1) {
				perror(out);
				_exit(127);
			}
		}
		execvp(argv[i], argv + i);
		perror(argv[i]);
		_exit(127);
	}
	setpgid(pid, pid);
	measure_child = pid;
	alarm((unsigned)timeout_s);
	while ((got = wait4(pid, &status, 0, &ru)) != pid) {
		if (got == -1 && errno != EINTR) {
			perror("measure: wait4");
			return 2;
		}
	}
	wall = measure_now_ms() - start;
	alarm(0);
	if (measure_killed)
		code = 124;
	else if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else
		code = 128 + WTERMSIG(status);
	printf("%.3f %.3f %.3f %ld %d\n", wall, measure_tv_ms(&ru.ru_utime),
	    measure_tv_ms(&ru.ru_stime), ru.ru_maxrss, code);
	return 0;
}
