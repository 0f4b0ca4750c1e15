/*
 * cmd-discover.c: `topo discover [-o FILE] [--merge FILE]`: a proposed
 * topology from the running machine: its listening TCP ports and their
 * owners (util/listeners.c; $TOPO_LSOF names lsof where /proc is not there).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "probes/propose.h"
#include "util/buf.h"
#include "util/listeners.h"

int	cmd_propose_emit(const struct cmd_args *, struct buf *);

static int
cmd_discover_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct listeners	 l = { 0 };
	struct buf		 b;
	char			*cause = NULL;
	int			 rc;

	if (listeners_read(&l, listeners_lsof(), a->timeout_ms, &cause) != 0) {
		fprintf(stderr, "topo: %s\n", cause);
		free(cause);
		return 2;
	}
	buf_init(&b, 0);
	propose_live(&b, &l);
	rc = cmd_propose_emit(a, &b);
	buf_free(&b);
	listeners_free(&l);
	(void)e;
	return rc;
}

const struct cmd_entry cmd_discover_entry = {
	.name = "discover",
	.usage = "[--live] [-o FILE] [--merge FILE]",
	.help = "Propose a topology from this machine (listening TCP ports and owners).",
	.options = CMD_OPT_OUTPUT | CMD_OPT_MERGE | CMD_OPT_LIVE | CMD_OPT_TIMEOUT,
	.exec = cmd_discover_exec,
};
