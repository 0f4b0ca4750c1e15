/*
 * cmd-init.c: `topo init --repo DIR [-o FILE] [--merge FILE]`: a proposed
 * topology from a checkout (probes/propose.c). With --merge, prints the
 * sections FILE lacks as a unified diff of FILE (its text kept as it is).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "probes/propose.h"
#include "util/buf.h"
#include "util/exec.h"
#include "util/util.h"

int	cmd_propose_emit(const struct cmd_args *, struct buf *);

/* Writes the proposal, or with --merge the diff against a->merge. Shared with discover. */
int
cmd_propose_emit(const struct cmd_args *a, struct buf *proposed)
{
	struct cmd_output	 o;
	struct buf		 orig, merged;
	char			*cause = NULL, tmpl[] = "/tmp/topo-merge.XXXXXX";
	int			 fd, rc;

	if (a->merge == NULL) {
		if (cmd_output_open(&o, a->output) != 0)
			return 2;
		fputs(buf_str(proposed), o.f);
		return cmd_output_close(&o, 1) == 0 ? 0 : 2;
	}
	buf_init(&orig, 4 * 1024 * 1024);
	if (buf_read_file(&orig, a->merge, &cause) != 0) {
		fprintf(stderr, "topo: %s: %s\n", a->merge, cause);
		free(cause);
		buf_free(&orig);
		return 2;
	}
	buf_init(&merged, 0);
	propose_merge(&merged, buf_str(&orig), buf_str(proposed));
	if ((fd = mkstemp(tmpl)) < 0 ||
	    write(fd, buf_str(&merged), merged.len) != (ssize_t)merged.len) {
		fprintf(stderr, "topo: %s: cannot write\n", tmpl);
		if (fd >= 0) {
			close(fd);
			unlink(tmpl);
		}
		buf_free(&orig);
		buf_free(&merged);
		return 2;
	}
	close(fd);
	{
		char *const argv[] = { "diff", "-u", "--label", (char *)a->merge, "--label",
		    (char *)a->merge, (char *)a->merge, tmpl, NULL };
		struct exec_job job = { .argv = argv, .timeout_ms = 10000 };

		exec_run(&job);
		rc = job.exited && job.exit_code <= 1 ? 0 : 2;
		if (rc == 0 && cmd_output_open(&o, a->output) == 0) {
			fputs(buf_str(&job.out), o.f);
			rc = cmd_output_close(&o, 1) == 0 ? 0 : 2;
		} else if (rc != 0)
			fprintf(stderr, "topo: diff failed\n");
		exec_job_free(&job);
	}
	unlink(tmpl);
	buf_free(&orig);
	buf_free(&merged);
	return rc;
}

static int
cmd_init_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct buf	 b;
	char		*cause = NULL, *real;
	int		 rc;

	if (a->repo == NULL) {
		cmd_usage(e, stderr);
		return 2;
	}
	if ((real = realpath(a->repo, NULL)) == NULL) {
		fprintf(stderr, "topo: --repo %s: not found\n", a->repo);
		return 2;
	}
	buf_init(&b, 0);
	if (propose_repo(&b, real, &cause) != 0) {
		fprintf(stderr, "topo: %s\n", cause);
		free(cause);
		buf_free(&b);
		free(real);
		return 2;
	}
	rc = cmd_propose_emit(a, &b);
	buf_free(&b);
	free(real);
	return rc;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.usage = "--repo DIR [-o FILE] [--merge FILE]",
	.help = "Propose a topology from a checkout (launchd plists, k8s manifests, Caddyfile, docs).",
	.options = CMD_OPT_REPO | CMD_OPT_OUTPUT | CMD_OPT_MERGE,
	.exec = cmd_init_exec,
};
