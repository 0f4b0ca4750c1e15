/*
 * cmd-doc.c: `topo doc`: the system's architecture document, generated from
 * the topology (reports/doc.c). Without results it says it is unverified;
 * with --live it runs the checks first, with --results FILE it takes the
 * verdicts of an earlier `topo check --format json`. The time shown is the
 * run's, never the clock's, so the same input gives the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "probes/sched.h"
#include "reports/doc.h"
#include "util/util.h"

static int	cmd_doc_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_doc_entry = {
	.name = "doc",
	.usage = "[-f FILE] [--live | --results REPORT.json] [--layer static|live] "
	    "[--set VAR=VALUE]... [--jobs N] [--timeout MS] [-o OUT] [--root DIR]",
	.help = "Generate the architecture document from the topology.",
	.options = CMD_OPT_FILE | CMD_OPT_LIVE | CMD_OPT_LAYER | CMD_OPT_SET |
	    CMD_OPT_JOBS | CMD_OPT_TIMEOUT | CMD_OPT_OUTPUT | CMD_OPT_ROOT,
	.exec = cmd_doc_exec,
};

static int
cmd_doc_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct doc_results	 results, *r = NULL;
	struct sched_options	 so;
	struct topology		*t;
	struct plan		*p;
	struct sched		*s = NULL;
	struct check		**checks = NULL;
	char			*cause = NULL;
	size_t			 i, count = 0;
	struct cmd_output	 out;
	int			 rc;

	if (a->live && a->results != NULL) {
		fprintf(stderr, "topo doc: --live or --results, not both\n");
		cmd_usage(e, stderr);
		return 2;
	}
	memset(&results, 0, sizeof results);
	if (a->results != NULL) {
		if (doc_results_read(&results, a->results, &cause) != 0) {
			fprintf(stderr, "topo: %s\n", cause);
			free(cause);
			return 2;
		}
		r = &results;
	}
	if ((rc = cmd_load(a, &t, &p)) != 0) {
		doc_results_free(&results);
		return rc;
	}
	if (a->live) {
		memset(&so, 0, sizeof so);
		so.jobs = a->jobs;
		s = sched_create(p, &so);
		sched_run(s, NULL, 0);
		checks = sched_checks(s, &count);
		doc_results_from_checks(&results, checks, count, sched_last_started(s),
		    a->layers == LAYER_STATIC ? "static" :
		    a->layers == LAYER_LIVE ? "live" : "all");
		r = &results;
	}

	/* With --live, the document is written and the run's verdict is the
	 * exit status, as for topo check: drift or error is 1. */
	rc = 0;
	for (i = 0; a->live && i < count; i++) {
		if (status_is_problem(checks[i]->result.status, a->strict))
			rc = 1;
	}
	if (cmd_output_open(&out, a->output) != 0) {
		rc = 2;
		goto out;
	}
	if (doc_write(out.f, t, p, a->file, r, &cause) != 0) {
		fprintf(stderr, "topo: %s\n", cause);
		free(cause);
		rc = 2;
	}
	if (cmd_output_close(&out, rc != 2) != 0)
		rc = 2;
out:
	doc_results_free(&results);
	if (s != NULL)
		sched_free(s);
	plan_free(p);
	topology_free(t);
	return rc;
}
