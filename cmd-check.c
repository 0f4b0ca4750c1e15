/*
 * cmd-check.c: `topo check`: load, plan, run every check concurrently,
 * render the results in the asked format, exit 0 (no drift), 1 (drift) or 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "probes/sched.h"
#include "reports/report.h"
#include "util/util.h"

static int	cmd_check_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.usage = "[-f FILE] [--format text|json|markdown|junit] [--layer static|live] "
	    "[--only GLOB] [--set VAR=VALUE]... [--jobs N] [--timeout MS] [--strict] [-o OUT] "
	    "[--root DIR] [--color auto|always|never]",
	.help = "Check the topology against the repository and the running system.",
	.options = CMD_OPT_FILE | CMD_OPT_FORMAT | CMD_OPT_LAYER | CMD_OPT_ONLY |
	    CMD_OPT_SET | CMD_OPT_JOBS | CMD_OPT_TIMEOUT | CMD_OPT_STRICT |
	    CMD_OPT_OUTPUT | CMD_OPT_ROOT | CMD_OPT_COLOR,
	.exec = cmd_check_exec,
};

static int
cmd_check_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	const struct report_ops	*ops;
	struct sched_options	 so;
	struct topology		*t;
	struct plan		*p;
	struct sched		*s;
	struct report		 r;
	struct check		**checks;
	size_t			 i, count;
	struct cmd_output	 out;
	int			 rc;

	if ((ops = report_find(a->format)) == NULL) {
		fprintf(stderr, "topo: unknown format '%s' (text, json, markdown, junit)\n",
		    a->format);
		return 2;
	}
	if ((rc = cmd_load(a, &t, &p)) != 0)
		return rc;

	memset(&so, 0, sizeof so);
	so.jobs = a->jobs;
	s = sched_create(p, &so);
	sched_run(s, NULL, 0);

	memset(&r, 0, sizeof r);
	r.topology = t;
	r.topology_path = a->file;
	r.strict = a->strict;
	r.started_at = sched_last_started(s);
	r.duration_ms = sched_last_duration_ms(s);
	r.layers = a->layers == LAYER_STATIC ? "static" :
	    a->layers == LAYER_LIVE ? "live" : "all";
	checks = sched_checks(s, &count);
	for (i = 0; i < count; i++) {
		r.counts[checks[i]->result.status]++;
		r.total++;
		if (status_is_problem(checks[i]->result.status, a->strict))
			r.exit_code = 1;
	}

	rc = r.exit_code;
	if (cmd_output_open(&out, a->output) != 0) {
		rc = 2;
		goto out;
	}
	r.out = out.f;
	r.color = out.f == stdout && cmd_color(a, stdout);
	if (report_write(ops, &r, checks, count) != 0 && errno != EPIPE) {
		fprintf(stderr, "topo: cannot write the report: %s\n",
		    strerror(errno));
		rc = 2;
	}
	/* A reader that went away (`| head -1`) is no failure of the run:
	 * the status stays what the checks said. */
	if (cmd_output_close(&out, rc != 2) != 0 && !cmd_output_quiet())
		rc = 2;
out:
	sched_free(s);
	plan_free(p);
	topology_free(t);
	(void)e;
	return rc;
}
