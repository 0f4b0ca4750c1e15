/*
 * cmdout.h: what the probes that run a platform tool (launchctl, systemctl,
 * kubectl) share: which program to run and whether the user chose it, and
 * a safe one-line excerpt of what the tool printed (for reasons and
 * evidence: control bytes and garbage shown as '?', length capped).
 */
#ifndef TOPO_CMDOUT_H
#define TOPO_CMDOUT_H

#include <stddef.h>

struct topology;
struct exec_job;

/* What a finished run of a platform tool says, before the probe reads its output. */
enum cmdout_verdict {
	CMDOUT_OK,		/* exited 0 with its stdout whole: the probe reads it */
	CMDOUT_UNKNOWN,		/* the tool is not here and the user did not ask for it */
	CMDOUT_ERROR,		/* could not start, or failed: the reason says how */
	CMDOUT_CANCELLED	/* the run was abandoned (the dashboard quit): publish nothing */
};

/* Longest excerpt of a tool's output kept in a reason or evidence. */
#define CMDOUT_LINE_MAX	200

/*
 * The program for name (topology_program: $TOPO_<NAME>, `programs:`, else
 * name). *configured is 1 when the user chose a path: a missing tool the
 * user did not configure is "not available here" (unknown), one the user
 * configured is an error.
 */
const char	*cmdout_program(const struct topology *, const char *name, int *configured);
/* 1 when the job did not start because the tool is missing and not configured. */
int		 cmdout_missing(const struct exec_job *, int configured);
/* The first non-empty line of text, trimmed, made printable. Caller frees. */
char		*cmdout_first_line(const char *text, size_t len);
/* The first line of what a failed job said: its stderr, else its stdout. */
char		*cmdout_failure_line(const struct exec_job *);
/* 1 if the job's stdout or stderr contains needle. */
int		 cmdout_contains(const struct exec_job *, const char *needle);
/*
 * Judges a finished run of tool (exec_run_many_notify) the same way for every
 * platform tool, so that one fault reads the same whatever the tool. what_ran
 * is the command as people read it ("launchctl print gui/501/com.x"): the tool's
 * name and what it was asked; the full argv belongs in the evidence. *reason
 * (caller frees) is set for UNKNOWN and ERROR, NULL otherwise:
 *   "launchctl not available on Linux (not found in PATH)"	UNKNOWN
 *   "<what_ran>: cannot run /x/launchctl: No such file or directory"
 *   "<what_ran>: timed out after 2000 ms"
 *   "<what_ran>: killed by signal 9"
 *   "<what_ran>: exited 1: <first line of stderr, else of stdout>"
 *   "<what_ran>: output larger than 1 MiB: stopped"
 * A probe that gives some failures a meaning of its own (an absent job, no
 * cluster context) looks at the job after an ERROR with a non-zero exit.
 */
enum cmdout_verdict
		 cmdout_judge(const struct exec_job *, const char *tool, int configured,
		    const char *what_ran, char **reason);
/*
 * Why a run did not end on its own within its output cap, in exec's words
 * ("output larger than 1 MiB: stopped", "timed out after 2000 ms"), or NULL
 * when it did (whatever its exit code). A program that printed past the cap
 * and exited 0 is as much an error as one stopped for it: cmdout_judge and
 * the command probe both judge with this. Caller frees.
 */
char		*cmdout_stopped(const struct exec_job *);
/* The operating system's name ("Linux"), for "not available on Linux". */
const char	*cmdout_system(void);

#endif
