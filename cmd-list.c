/*
 * cmd-list.c: `topo list`: every check the topology plans, with its kind,
 * layer and where it is declared, without running any: what --only can
 * select, and where to edit a check.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "probes/probe.h"
#include "topology/check.h"
#include "topology/plan.h"
#include "topology/topology.h"
#include "util/util.h"

static int	cmd_list_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.usage = "[-f FILE] [--only GLOB] [--layer static|live] [--format text|json] "
	    "[--set VAR=VALUE]... [-o OUT]",
	.help = "List every check id with its kind, layer and file:line; runs nothing.",
	.options = CMD_OPT_FILE | CMD_OPT_FORMAT | CMD_OPT_LAYER | CMD_OPT_ONLY |
	    CMD_OPT_SET | CMD_OPT_OUTPUT,
	.exec = cmd_list_exec,
};

static void
cmd_list_text(FILE *f, const struct plan *p)
{
	const struct check	*c;
	size_t			 i, idw = 2, kindw = 4, w;

	for (i = 0; i < p->count; i++) {
		c = p->checks[i];
		if (c->skipped)
			continue;
		if ((w = strlen(c->id)) > idw)
			idw = w;
		if ((w = strlen(c->probe->name)) > kindw)
			kindw = w;
	}
	for (i = 0; i < p->count; i++) {
		c = p->checks[i];
		if (c->skipped)
			continue;
		fprintf(f, "%-*s  %-*s  %-6s  %s:%d:%d\n", (int)idw, c->id,
		    (int)kindw, c->probe->name, layer_name(c->layer),
		    c->file != NULL ? c->file : "?", c->line, c->column);
	}
}

static int
cmd_list_json(FILE *f, const struct plan *p)
{
	const struct check	*c;
	cJSON			*root, *o;
	char			*text;
	size_t			 i;
	int			 rc = 0;

	if ((root = cJSON_CreateArray()) == NULL)
		util_fatal("out of memory");
	for (i = 0; i < p->count; i++) {
		c = p->checks[i];
		if (c->skipped)
			continue;
		if ((o = cJSON_CreateObject()) == NULL)
			util_fatal("out of memory");
		cJSON_AddItemToArray(root, o);
		cJSON_AddStringToObject(o, "id", c->id);
		cJSON_AddStringToObject(o, "kind", c->probe->name);
		cJSON_AddStringToObject(o, "layer", layer_name(c->layer));
		if (c->file != NULL)
			cJSON_AddStringToObject(o, "file", c->file);
		else
			cJSON_AddNullToObject(o, "file");
		cJSON_AddNumberToObject(o, "line", c->line);
		cJSON_AddNumberToObject(o, "column", c->column);
		if (c->summary != NULL)
			cJSON_AddStringToObject(o, "summary", c->summary);
		else
			cJSON_AddNullToObject(o, "summary");
	}
	if ((text = cJSON_Print(root)) == NULL)
		util_fatal("out of memory");
	if (fprintf(f, "%s\n", text) < 0)
		rc = -1;
	free(text);
	cJSON_Delete(root);
	return rc;
}

static int
cmd_list_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct topology		*t;
	struct plan		*p;
	struct cmd_output	 out;
	int			 rc, json;

	if (strcmp(a->format, "text") != 0 && strcmp(a->format, "json") != 0) {
		fprintf(stderr, "topo list: the format is text or json, not '%s'\n",
		    a->format);
		cmd_usage(e, stderr);
		return 2;
	}
	json = strcmp(a->format, "json") == 0;
	if ((rc = cmd_load(a, &t, &p)) != 0)
		return rc;
	if (cmd_output_open(&out, a->output) != 0) {
		rc = 2;
		goto out;
	}
	if (json)
		rc = cmd_list_json(out.f, p) != 0 ? 2 : 0;
	else
		cmd_list_text(out.f, p);
	if (cmd_output_close(&out, rc == 0) != 0 && !cmd_output_quiet())
		rc = 2;
out:
	plan_free(p);
	topology_free(t);
	return rc;
}
