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
/* The operating system's name ("Linux"), for "not available on Linux". */
const char	*cmdout_system(void);

#endif
