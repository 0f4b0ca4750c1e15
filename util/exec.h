/*
 * exec.h: run a program from an argv array, never through a shell, with a
 * timeout and a cap on what is read from its stdout and stderr. Several can
 * run at once (exec_run_many), all read without blocking. A program still
 * writing a moment after its output passed the cap is stopped; so is every
 * program of a job whose cancel flag is set (a dashboard that quits).
 */
#ifndef TOPO_EXEC_H
#define TOPO_EXEC_H

#include "buf.h"

/* The one cap on what a program prints (stdout and stderr each), for a
 * topology's commands and the platform tools' answers alike. */
#define EXEC_OUTPUT_CAP	(1024 * 1024)

struct exec_job {
	/* in */
	char *const	*argv;		/* argv[0] looked up in PATH if no '/' */
	int		 timeout_ms;	/* <= 0: 30 s */
	size_t		 out_cap;	/* cap for stdout and for stderr; 0: 1 MiB */
	/* Looked at every 100 ms at most while the job waits or runs; once it
	 * is non-zero the program is stopped (or never started). NULL: never. */
	const _Atomic int *cancel;
	/* out */
	int		 started;	/* 0: could not spawn, see spawn_errno */
	int		 spawn_errno;
	int		 exited;	/* exited normally: exit_code is valid */
	int		 exit_code;
	int		 signaled;	/* killed by signal (not ours) */
	int		 signo;
	int		 timed_out;	/* we killed it at the timeout */
	int		 overflowed;	/* we killed it: still writing past out_cap */
	int		 cancelled;	/* *cancel was set: stopped or never started;
					 * not the program's failure, nothing to judge */
	struct buf	 out;
	struct buf	 err;
	double		 duration_ms;
};

/* Runs one job to the end (or its timeout). Returns 0 if it was started. */
int	exec_run(struct exec_job *);
/* Runs n jobs, at most max_parallel at once (0 = all). A job whose cancel
 * flag is set when its turn comes is not started (cancelled, started 0). */
void	exec_run_many(struct exec_job *, size_t n, int max_parallel);
/* The same, calling done(job, arg) once for each job as soon as it has ended
 * (from the calling thread, in the order they end), cancelled ones too:
 * check job->cancelled before judging it. */
void	exec_run_many_notify(struct exec_job *, size_t n, int max_parallel,
	    void (*done)(struct exec_job *, void *arg), void *arg);
void	exec_job_free(struct exec_job *);
/*
 * Kills and reaps every child of topo that is no running job's: what a
 * finished program left behind outside its process group (setsid), which
 * the subreaper made topo's. Returns how many. exec_run_many calls it after
 * each batch; Linux only (0 elsewhere).
 */
int	exec_sweep_orphans(void);
/* One-line description: "exit 1", "killed by signal 9", "timed out after 2000 ms",
 * "output larger than 1 MiB: stopped", "cancelled",
 * "cannot run kubectl: No such file or directory". Caller frees. */
char	*exec_describe(const struct exec_job *);
/* The argv joined with spaces, each argument quoted when needed. Caller frees. */
char	*exec_argv_string(char *const *argv);

#endif
