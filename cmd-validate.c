/*
 * cmd-validate.c: `topo validate`: load and plan the topology, print every
 * problem with file:line:column, exit 0 when there is none, else 2.
 */
#include <stdio.h>

#include "cmd.h"
#include "topology/plan.h"
#include "topology/topology.h"

static int	cmd_validate_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_validate_entry = {
	.name = "validate",
	.usage = "[-f FILE] [--set VAR=VALUE]...",
	.help = "Check that a topology file is valid, reporting every problem.",
	.options = CMD_OPT_FILE | CMD_OPT_SET,
	.exec = cmd_validate_exec,
};

static int
cmd_validate_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct topology	*t;
	struct plan	*p;
	size_t		 i, live = 0;

	if (a->nrest > 0 && a->file != NULL && a->nrest == 1)
		a->file = a->rest[0];	/* `topo validate FILE` also works */
	if (cmd_load(a, &t, &p) != 0)
		return 2;
	for (i = 0; i < p->count; i++)
		live += p->checks[i]->layer == LAYER_LIVE;
	printf("%s: valid: system %s, %zu checks (%zu static, %zu live)\n",
	    a->file, t->system != NULL ? t->system : "?", p->count,
	    p->count - live, live);
	plan_free(p);
	topology_free(t);
	(void)e;
	return 0;
}
