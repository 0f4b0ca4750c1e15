/*
 * cmd-discover.c: `topo discover [--live] [-o FILE] [--merge FILE]`: a
 * proposed topology from the running machine: its listening TCP ports and
 * their owners (util/listeners.c; $TOPO_LSOF names lsof where /proc is not
 * there). With --live it also talks to what listens: each port is asked
 * GET /health (all at once, each bounded), and those that answer 200 get an
 * http: check. Nothing is sent but that GET.
 */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "probes/propose.h"
#include "util/buf.h"
#include "util/exec.h"
#include "util/listeners.h"
#include "util/util.h"

/* A health endpoint answers at once or is not one: at most this long. */
#define DISCOVER_HEALTH_MS	1000

int	cmd_propose_emit(const struct cmd_args *, struct buf *);

/* The body is not kept: only the status matters. */
static size_t
discover_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* healthy[i] = 1 when listener i's port answers GET /health with 200. */
static void
discover_health(const struct listeners *l, long timeout_ms, unsigned char *healthy)
{
	CURLM		*multi = curl_multi_init();
	CURL		**easy = xcalloc(l->count + 1, sizeof *easy);
	CURLMsg		*m;
	const char	*host;
	char		*url;
	long		 status;
	size_t		 i;
	int		 running = 1, left;

	for (i = 0; i < l->count; i++) {
		if (i > 0 && l->items[i].port == l->items[i - 1].port)
			continue;
		host = propose_host(l, i);
		url = host != NULL && strchr(host, ':') != NULL ?
		    xasprintf("http://[%s]:%d/health", host, l->items[i].port) :
		    xasprintf("http://%s:%d/health", host != NULL ? host : "127.0.0.1",
		    l->items[i].port);
		easy[i] = curl_easy_init();
		curl_easy_setopt(easy[i], CURLOPT_URL, url);
		curl_easy_setopt(easy[i], CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(easy[i], CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(easy[i], CURLOPT_PROTOCOLS_STR, "http");
		curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, discover_discard);
		curl_easy_setopt(easy[i], CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)65536);
		curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (void *)(uintptr_t)i);
		curl_multi_add_handle(multi, easy[i]);
		free(url);
	}
	while (running > 0) {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		void	*at = NULL;

		if (m->msg != CURLMSG_DONE || m->data.result != CURLE_OK)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &at);
		status = 0;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200)
			healthy[(uintptr_t)at] = 1;
	}
	for (i = 0; i < l->count; i++) {
		if (easy[i] == NULL)
			continue;
		curl_multi_remove_handle(multi, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	free(easy);
	curl_multi_cleanup(multi);
}

/*
 * Runs the program $ENV names (else name) with argv[1..]: 0 with job's
 * output, or -1 when it could not say, stderr telling why ("no WHAT: ...",
 * with the hint for "could not be run" or "failed"). exec_job_free(job) after.
 */
static int
discover_program(struct exec_job *job, char **argv, const char *env, const char *name,
    int timeout_ms, const char *what, const char *unrun, const char *failed)
{
	const char	*prog = getenv(env);

	argv[0] = (char *)(prog != NULL && *prog != '\0' ? prog : name);
	memset(job, 0, sizeof *job);
	job->argv = argv;
	job->timeout_ms = timeout_ms;
	exec_run(job);
	if (job->started && job->exited && job->exit_code == 0)
		return 0;
	fprintf(stderr, "topo discover: no %s: %s %s\n", what, argv[0],
	    !job->started ? unrun : job->timed_out ? "timed out" : failed);
	return -1;
}

/*
 * The running services, where systemd is: `systemctl list-units` through
 * $TOPO_SYSTEMCTL like the systemd probe. Where it is not (no systemctl, not
 * booted with systemd: a container, macOS), a note on stderr and nothing.
 */
static void
discover_systemd(struct buf *b, int timeout_ms)
{
	char		*argv[] = { NULL, "list-units", "--type=service", "--state=running",
			    "--plain", "--no-legend", "--no-pager", NULL };
	struct exec_job	 job;

	if (discover_program(&job, argv, "TOPO_SYSTEMCTL", "systemctl", timeout_ms,
	    "systemd units", "could not be run", "failed (no systemd here?)") == 0)
		propose_systemd(b, buf_str(&job.out));
	exec_job_free(&job);
}

/*
 * The running launchd jobs of this user's gui domain, where launchd is
 * (macOS): `launchctl print gui/UID` through $TOPO_LAUNCHCTL.
 */
static void
discover_launchd(struct buf *b, int timeout_ms)
{
	char		 domain[32];
	char		*argv[] = { NULL, "print", domain, NULL };
	struct exec_job	 job;

	snprintf(domain, sizeof domain, "gui/%u", (unsigned)getuid());
	if (discover_program(&job, argv, "TOPO_LAUNCHCTL", "launchctl", timeout_ms,
	    "launchd jobs", "could not be run (not macOS?)", "failed") == 0)
		propose_launchd_running(b, domain, buf_str(&job.out), job.out.len);
	exec_job_free(&job);
}

static int
cmd_discover_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct listeners	 l = { 0 };
	struct buf		 b;
	unsigned char		*healthy = NULL;
	char			*cause = NULL;
	int			 rc;

	if (listeners_read(&l, listeners_lsof(), a->timeout_ms, &cause) != 0) {
		fprintf(stderr, "topo: %s\n", cause);
		free(cause);
		return 2;
	}
	if (a->live) {
		healthy = xcalloc(l.count + 1, 1);
		discover_health(&l, a->timeout_ms > 0 && a->timeout_ms <
		    DISCOVER_HEALTH_MS ? a->timeout_ms : DISCOVER_HEALTH_MS, healthy);
	}
	buf_init(&b, 0);
	propose_live(&b, &l, healthy);
	if (a->live) {
		discover_systemd(&b, a->timeout_ms);
		discover_launchd(&b, a->timeout_ms);
	}
	rc = cmd_propose_emit(a, &b);
	buf_free(&b);
	free(healthy);
	listeners_free(&l);
	(void)e;
	return rc;
}

const struct cmd_entry cmd_discover_entry = {
	.name = "discover",
	.usage = "[--live] [-o FILE] [--merge FILE]",
	.help = "Propose a topology from this machine (ports and owners; --live: health endpoints, systemd, launchd).",
	.options = CMD_OPT_OUTPUT | CMD_OPT_MERGE | CMD_OPT_LIVE | CMD_OPT_TIMEOUT,
	.exec = cmd_discover_exec,
};
