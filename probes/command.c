/*
 * command.c: the `command:` section. Each item runs a program from an argv
 * list (never a shell) and checks its exit code, a regex on its stdout and
 * values in its stdout read as JSON. Live layer.
 *
 *   command:
 *     - name: colima-status                 # id command/<name>
 *       argv: [colima, status, --json]
 *       timeout_ms: 5000
 *       expect: {exit: 0, stdout_regex: "running", json: {"$.status": "Running"}}
 *
 * Facts: "exit", "stdout" (at most 1 MiB, secrets already replaced by
 * "***", so stdout_regex never sees them), "json:<path>" for each path.
 * exit defaults to 0. A program that cannot run, times out or dies of a
 * signal is an error; so is one still printing after its output passed
 * 1 MiB ("output larger than 1 MiB: stopped": one that prints more and
 * ends is judged on the first 1 MiB), and stdout that is not JSON when
 * values are asked. A program stopped because the run was cancelled (the
 * dashboard quits) is no observation: its check is left undone.
 * argv[0] without a '/' goes through topology_program(), so $TOPO_<NAME>
 * or `programs:` can point it elsewhere (that is how tests substitute it).
 * Evidence is the argv and the first line of stdout, secrets redacted.
 */
#include "probe.h"
#include "cmdout.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../util/buf.h"
#include "../util/exec.h"
#include "../util/jsonpath.h"
#include "../util/util.h"

#define COMMAND_OUT_CAP		EXEC_OUTPUT_CAP	/* launchctl's too */
#define COMMAND_EXCERPT		160	/* bytes of a stdout/stderr line in evidence */

struct command_config {
	char		**argv;		/* NULL-terminated */
	struct jsonpath	**paths;	/* each json: expectation, parsed at plan time */
	size_t		  npaths;
};

static const struct schema command_arg_schema[] = {
	{ .key = "argument", .type = SCHEMA_STRING,
	  .help = "one argument, passed as it is (no shell)" },
	{ .key = NULL },
};

static const struct schema command_json_schema[] = {
	{ .key = "value", .type = SCHEMA_STRING,
	  .help = "the text the JSON path must give" },
	{ .key = NULL },
};

static const struct schema command_expect_schema[] = {
	{ .key = "exit", .type = SCHEMA_INT, .def = "0", .min = 0, .max = 255,
	  .help = "the exit code" },
	{ .key = "stdout_regex", .type = SCHEMA_REGEX,
	  .help = "a PCRE2 pattern found in stdout" },
	{ .key = "json", .type = SCHEMA_DICT, .children = command_json_schema,
	  .help = "{JSON path: value} read from stdout ($.a.b, $.items[0], $.x.length())" },
	{ .key = NULL },
};

static const struct schema command_item_schema[] = {
	{ .key = "name", .type = SCHEMA_STRING, .required = 1,
	  .help = "id of the check: command/NAME" },
	{ .key = "argv", .type = SCHEMA_LIST, .required = 1,
	  .children = command_arg_schema,
	  .help = "program and arguments, run without a shell" },
	{ .key = "what", .type = SCHEMA_STRING,
	  .help = "what the command tells (documentation)" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "the program is killed after this" },
	{ .key = "expect", .type = SCHEMA_MAP, .children = command_expect_schema,
	  .help = "{exit, stdout_regex, json}" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema command_entry_schema[] = {
	{ .key = "command", .type = SCHEMA_MAP, .children = command_item_schema,
	  .help = "{name, argv, timeout_ms, expect}" },
	{ .key = NULL },
};

static const struct schema command_schema = {
	.key = "command", .type = SCHEMA_LIST, .children = command_entry_schema,
	.help = "programs run without a shell: exit code, stdout regex, JSON values",
};

static void
command_free_config(void *p)
{
	struct command_config	*cc = p;
	size_t			 i;

	if (cc == NULL)
		return;
	for (i = 0; cc->argv != NULL && cc->argv[i] != NULL; i++)
		free(cc->argv[i]);
	free(cc->argv);
	for (i = 0; i < cc->npaths; i++)
		jsonpath_free(cc->paths[i]);
	free(cc->paths);
	free(cc);
}

/* The argv of a check as one line with secret values replaced. Each
 * argument is redacted before it is quoted: quoting could otherwise split
 * a secret (a ' in it becomes '\'') so that redaction no longer finds it. */
static char *
command_argv_display(const struct topology *t, char *const *argv)
{
	char	**copy, *s;
	size_t	  i, n;

	if (t == NULL)
		return exec_argv_string(argv);
	for (n = 0; argv[n] != NULL; n++)
		;
	copy = xcalloc(n + 1, sizeof *copy);
	for (i = 0; i < n; i++)
		copy[i] = topology_redact(t, argv[i]);
	s = exec_argv_string(copy);
	for (i = 0; i < n; i++)
		free(copy[i]);
	free(copy);
	return s;
}

/* Reads the argv list; NULL (with a problem) when it is not usable. */
static char **
command_plan_argv(struct plan *p, const struct node *item)
{
	const struct node	*list = node_get(item, "argv");
	const char		*program;
	char			**argv;
	size_t			  i;

	if (list == NULL || list->type != NODE_SEQ || list->count == 0) {
		problems_add_at(p->problems, list != NULL ? list : item,
		    "command: argv must be a list with at least the program");
		return NULL;
	}
	for (i = 0; i < list->count; i++) {
		if (list->items[i]->type != NODE_SCALAR) {
			problems_add_at(p->problems, list->items[i],
			    "argv: each argument must be a string, not %s",
			    node_type_name(list->items[i]));
			return NULL;
		}
	}
	if (list->items[0]->value[0] == '\0') {
		problems_add_at(p->problems, list->items[0],
		    "argv: the program name is empty");
		return NULL;
	}
	argv = xcalloc(list->count + 1, sizeof *argv);
	for (i = 0; i < list->count; i++)
		argv[i] = xstrdup(list->items[i]->value);
	if (strchr(argv[0], '/') == NULL && p->topology != NULL &&
	    (program = topology_program(p->topology, argv[0])) != NULL &&
	    *program != '\0' && strcmp(program, argv[0]) != 0) {
		free(argv[0]);
		argv[0] = xstrdup(program);
	}
	return argv;
}

static void
command_plan_json(struct plan *p, struct check *c, struct command_config *cc,
    const struct node *json)
{
	struct jsonpath	*path;
	const struct node *key, *value;
	char		*cause = NULL, *field;
	size_t		 i, offset = 0;

	if (json->type != NODE_MAP)
		return;		/* the schema has said why */
	cc->paths = xcalloc(json->count, sizeof *cc->paths);
	for (i = 0; i < json->count; i++) {
		key = json->keys[i];
		value = json->items[i];
		if (value->type != NODE_SCALAR) {
			problems_add_at(p->problems, value,
			    "json: the value of %s must be a string, not %s",
			    key->value, node_type_name(value));
			continue;
		}
		path = jsonpath_parse(key->value, &cause, &offset);
		if (path == NULL) {
			problems_add(p->problems, key->file, key->line,
			    key->column + (int)offset,
			    "json: invalid path \"%s\": %s", key->value, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		cc->paths[cc->npaths++] = path;
		field = xasprintf("json:%s", jsonpath_text(path));
		/* YAML null compares with JSON null. */
		plan_expect(p, c, value, field, MATCH_EQUALS,
		    value->is_null ? "null" : value->value);
		free(field);
	}
}

static void
command_plan_item(struct plan *p, const struct node *item)
{
	const struct node	*expect, *json, *regex_node;
	struct command_config	*cc;
	struct check		*c;
	const char		*name, *regex;
	char			**argv, *shown, *text;
	long long		  exit_code;

	if (item->type != NODE_MAP)
		return;		/* the schema has said why */
	name = node_str(item, "name", NULL);
	if (name == NULL || *name == '\0') {
		problems_add_at(p->problems, item, "command: an item needs a name");
		return;
	}
	if ((argv = command_plan_argv(p, item)) == NULL)
		return;

	c = plan_add(p, &probe_command, LAYER_LIVE, item, "command/%s", name);
	cc = xcalloc(1, sizeof *cc);
	cc->argv = argv;
	c->config = cc;

	expect = node_get(item, "expect");
	exit_code = node_int(expect, "exit", 0);
	text = xasprintf("%lld", exit_code);
	plan_expect(p, c, node_get(expect, "exit") != NULL ?
	    node_get(expect, "exit") : item, "exit", MATCH_EQUALS, text);
	free(text);
	regex_node = node_get(expect, "stdout_regex");
	regex = node_str(expect, "stdout_regex", NULL);
	if (regex != NULL)
		plan_expect(p, c, regex_node, "stdout", MATCH_REGEX, regex);
	if ((json = node_get(expect, "json")) != NULL)
		command_plan_json(p, c, cc, json);

	shown = command_argv_display(p->topology, argv);
	plan_summary(c, "%s exits %lld%s%s%s%s", shown, exit_code,
	    regex != NULL ? ", stdout ~ /" : "", regex != NULL ? regex : "",
	    regex != NULL ? "/" : "",
	    cc->npaths > 0 ? ", JSON values" : "");
	free(shown);
}

static void
command_plan(struct plan *p, const struct node *section)
{
	size_t	i;

	if (section->type != NODE_SEQ)
		return;		/* the schema has said why */
	for (i = 0; i < section->count; i++)
		command_plan_item(p, section->items[i]);
}

/* The first line of text, secrets redacted, at most COMMAND_EXCERPT bytes,
 * into b. The whole text is redacted before a line is cut out of it, so no
 * part of a secret (one spanning lines, or cut at the end) survives. */
static void
command_excerpt(const struct topology *t, struct buf *b, const char *text)
{
	char		*all;
	const char	*p;
	size_t		 len, rest;

	all = t != NULL ? topology_redact(t, text) : xstrdup(text);
	p = all + strspn(all, "\r\n");
	len = strcspn(p, "\r\n");
	if (len > COMMAND_EXCERPT) {
		buf_append(b, p, COMMAND_EXCERPT);
		buf_puts(b, "...");
	} else
		buf_append(b, p, len);
	rest = len + strspn(p + len, "\r\n");
	if (p[rest] != '\0')
		buf_puts(b, " ...");
	free(all);
}

/* The exit code the check expects (0 unless declared). */
static int
command_expected_exit(const struct check *c)
{
	size_t	i;

	for (i = 0; i < c->nexpects; i++) {
		if (strcmp(c->expects[i].field, "exit") == 0)
			return atoi(c->expects[i].value);
	}
	return 0;
}

/* Sets "json:<path>" facts from stdout; 0, or -1 with an error set. */
static int
command_observe_json(struct check *c, const struct command_config *cc,
    const struct exec_job *job)
{
	struct observation	*o = &c->observation;
	cJSON			*root;
	char			*value, *field;
	size_t			 i;

	/* A failing program seldom prints its JSON: the exit code drift says
	 * more than "not JSON" would, so the values are simply not there. */
	if (job->exit_code != command_expected_exit(c)) {
		for (i = 0; i < cc->npaths; i++) {
			field = xasprintf("json:%s", jsonpath_text(cc->paths[i]));
			observation_fact(o, field, NULL);
			free(field);
		}
		return 0;
	}
	if (job->out.toobig) {
		observation_error(o, "stdout is larger than %d bytes: not read as JSON",
		    COMMAND_OUT_CAP);
		return -1;
	}
	root = cJSON_ParseWithLength(buf_str(&job->out), job->out.len);
	if (root == NULL) {
		observation_error(o, "stdout is not JSON (exit %d)", job->exit_code);
		return -1;
	}
	for (i = 0; i < cc->npaths; i++) {
		field = xasprintf("json:%s", jsonpath_text(cc->paths[i]));
		value = NULL;
		jsonpath_eval(cc->paths[i], root, &value);
		observation_fact(o, field, value);	/* NULL: not there */
		free(value);
		free(field);
	}
	cJSON_Delete(root);
	return 0;
}

struct command_run {
	struct batch	 *batch;
	struct exec_job	 *jobs;
	struct check	**checks;	/* jobs[i] observes checks[i] */
};

/* Called by exec as soon as one program has ended. */
static void
command_done(struct exec_job *job, void *arg)
{
	struct command_run		*run = arg;
	struct check			*c = run->checks[job - run->jobs];
	const struct command_config	*cc = c->config;
	const struct topology		*t = run->batch->topology;
	struct observation		*o = &c->observation;
	struct buf			 ev;
	char				*shown, *what, *redacted;

	/* Stopped or never started by a cancel: nothing was observed. */
	if (job->cancelled || batch_cancelled(run->batch))
		return;
	buf_init(&ev, 4096);
	shown = command_argv_display(t, job->argv);
	buf_puts(&ev, shown);
	/* The verdict of every tool topo runs (cmdout_stopped): past the cap
	 * is an error even after exit 0. */
	if ((what = cmdout_stopped(job)) != NULL) {
		redacted = t != NULL ? topology_redact(t, what) : xstrdup(what);
		observation_error(o, "%s", redacted);
		buf_printf(&ev, " -> %s", redacted);
		free(redacted);
		free(what);
	} else {
		observation_factf(o, "exit", "%d", job->exit_code);
		/* Redacted whole: the diff shows a cut of it, and a cut could
		 * keep part of a secret that spans lines. stdout_regex is
		 * matched against this redacted text. */
		redacted = t != NULL ? topology_redact(t, buf_str(&job->out)) :
		    xstrdup(buf_str(&job->out));
		observation_fact(o, "stdout", redacted);
		free(redacted);
		if (cc->npaths > 0)
			command_observe_json(c, cc, job);
		buf_printf(&ev, " -> exit %d", job->exit_code);
	}
	if (job->started)
		buf_printf(&ev, " in %.1f ms", job->duration_ms);
	if (job->out.len > 0) {
		buf_puts(&ev, "; stdout: ");
		command_excerpt(t, &ev, buf_str(&job->out));
		if (job->out.toobig)
			buf_printf(&ev, " (cut at %d bytes)", COMMAND_OUT_CAP);
	}
	if (job->err.len > 0 && (!job->exited || job->exit_code != 0 ||
	    job->out.len == 0)) {
		buf_puts(&ev, "; stderr: ");
		command_excerpt(t, &ev, buf_str(&job->err));
	}
	redacted = t != NULL ? topology_redact(t, buf_str(&ev)) :
	    xstrdup(buf_str(&ev));
	observation_evidence(o, "%s", redacted);
	free(redacted);
	free(shown);
	buf_free(&ev);
	batch_done(run->batch, c);
}

static void
command_run(struct batch *b)
{
	struct command_run		 run;
	const struct command_config	*cc;
	size_t				 i, n = 0;

	if (b->count == 0)
		return;
	run.batch = b;
	run.jobs = xcalloc(b->count, sizeof *run.jobs);
	run.checks = xcalloc(b->count, sizeof *run.checks);
	for (i = 0; i < b->count; i++) {
		struct check *c = b->checks[i];

		if ((cc = c->config) == NULL || cc->argv == NULL) {
			observation_error(&c->observation, "not planned");
			batch_done(b, c);
			continue;
		}
		run.jobs[n].argv = cc->argv;
		run.jobs[n].timeout_ms = c->timeout_ms;
		run.jobs[n].out_cap = COMMAND_OUT_CAP;
		run.checks[n++] = c;
	}
	if (n > 0 && !batch_cancelled(b))
		batch_run_programs(b, run.jobs, n, command_done, &run);
	for (i = 0; i < n; i++)
		exec_job_free(&run.jobs[i]);
	free(run.checks);
	free(run.jobs);
}

const struct probe_ops probe_command = {
	.name = "command",
	.help = "programs run without a shell: exit code, stdout regex, JSON values",
	.schema = &command_schema,
	.plan = command_plan,
	.run = command_run,
	.free_config = command_free_config,
};
