/*
 * cmd-dash.c: `topo dash`: load and plan like `topo check` (same filters),
 * then hand the plan to the live dashboard (tui/dash.c).
 */
#include <stdio.h>

#include "cmd.h"
#include "topology/plan.h"
#include "topology/topology.h"
#include "tui/dash.h"

static int	cmd_dash_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_dash_entry = {
	.name = "dash",
	.usage = "[-f FILE] [--interval SECONDS] [--layer static|live] "
	    "[--only GLOB] [--set VAR=VALUE]... [--jobs N] [--timeout MS] [--root DIR]",
	.help = "Live dashboard: re-probes, groups by layer, shows the evidence.",
	.options = CMD_OPT_FILE | CMD_OPT_INTERVAL | CMD_OPT_LAYER |
	    CMD_OPT_ONLY | CMD_OPT_SET | CMD_OPT_JOBS | CMD_OPT_TIMEOUT |
	    CMD_OPT_ROOT,
	.exec = cmd_dash_exec,
};

static int
cmd_dash_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct dash_options	 options;
	struct topology		*t;
	struct plan		*p;
	int			 rc;

	(void)e;
	/* Before loading: a pipe or a CI log gets the pointer at once. */
	if (!dash_has_terminal()) {
		fprintf(stderr, "%s\n", DASH_NO_TERMINAL);
		return 2;
	}
	if ((rc = cmd_load(a, &t, &p)) != 0)
		return rc;
	options.interval = a->interval;
	options.jobs = a->jobs;
	rc = dash_run(t, p, &options);
	plan_free(p);
	topology_free(t);
	return rc;
}
