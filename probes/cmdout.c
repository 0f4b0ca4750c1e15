/*
 * cmdout.c: helpers for the probes that run platform tools (see cmdout.h).
 */
#include "cmdout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../topology/topology.h"
#include "../util/exec.h"
#include "../util/util.h"

const char *
cmdout_program(const struct topology *t, const char *name, int *configured)
{
	const char	*path = t != NULL ? topology_program(t, name) : NULL;

	if (path == NULL || *path == '\0')
		path = name;
	*configured = strcmp(path, name) != 0;
	return path;
}

int
cmdout_missing(const struct exec_job *job, int configured)
{
	return !job->started && job->spawn_errno == ENOENT && !configured;
}

char *
cmdout_first_line(const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *start;
	char		*line;
	size_t		 n, i;

	if (text == NULL)
		return xstrdup("");
	/* Skip blank lines and leading blanks. */
	while (p < end && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t'))
		p++;
	start = p;
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	while (p > start && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	n = (size_t)(p - start);
	if (n > CMDOUT_LINE_MAX)
		n = CMDOUT_LINE_MAX;
	line = xmalloc(n + 4);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)start[i];

		/* Printable ASCII and UTF-8 bytes stay; controls do not. */
		line[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if ((size_t)(p - start) > n) {
		memcpy(line + n, "...", 3);
		n += 3;
	}
	line[n] = '\0';
	return line;
}

char *
cmdout_failure_line(const struct exec_job *job)
{
	if (job->err.len > 0)
		return cmdout_first_line(job->err.data, job->err.len);
	return cmdout_first_line(job->out.data, job->out.len);
}

int
cmdout_contains(const struct exec_job *job, const char *needle)
{
	if (job->out.data != NULL && util_memmem(job->out.data, job->out.len, needle,
	    strlen(needle)) != NULL)
		return 1;
	return job->err.data != NULL && util_memmem(job->err.data, job->err.len, needle,
	    strlen(needle)) != NULL;
}

enum cmdout_verdict
cmdout_judge(const struct exec_job *job, const char *tool, int configured,
    const char *what_ran, char **reason)
{
	enum cmdout_verdict	 v = CMDOUT_ERROR;
	char			*what = NULL, *line = NULL;

	*reason = NULL;
	if (job->cancelled)
		return CMDOUT_CANCELLED;
	if (cmdout_missing(job, configured)) {
		*reason = xasprintf("%s not available on %s (not found in PATH)", tool,
		    cmdout_system());
		return CMDOUT_UNKNOWN;
	}
	if (job->exited && job->exit_code != 0) {
		line = cmdout_failure_line(job);
		*reason = xasprintf("%s: exited %d%s%s", what_ran, job->exit_code,
		    *line != '\0' ? ": " : "", line);
		goto out;
	}
	if ((what = cmdout_stopped(job)) == NULL) {
		v = CMDOUT_OK;
		goto out;
	}
	*reason = xasprintf("%s: %s", what_ran, what);
out:
	free(line);
	free(what);
	return v;
}

char *
cmdout_stopped(const struct exec_job *job)
{
	struct exec_job	cut;

	/* Only stdout is read: a stderr past the cap beside a whole stdout
	 * is fine (test_cmdout). */
	if (job->exited && job->out.toobig) {
		/* It printed past the cap and ended within exec's grace, before
		 * being stopped: the same fault as a flood, in exec's words. */
		cut = *job;
		cut.overflowed = 1;
		return exec_describe(&cut);
	}
	if (!job->exited)
		/* Could not start, overflowed, timed out or killed: no excerpt,
		 * what a flood or a killed tool printed last is noise (or secret). */
		return exec_describe(job);
	return NULL;
}

const char *
cmdout_system(void)
{
	/* Known at build time: no shared state between probe threads. */
#if defined(__linux__)
	return "Linux";
#elif defined(__APPLE__)
	return "macOS";
#elif defined(__FreeBSD__)
	return "FreeBSD";
#else
	return "this system";
#endif
}
