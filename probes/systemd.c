/*
 * systemd.c: the `systemd:` section, the Linux twin of launchd, so one
 * topology style serves Linux hosts.
 *
 *   systemd:
 *     user: false                   # systemctl --user (the session's units)
 *     unit_files: ${REPO}/infra/systemd   # optional: static checks
 *     units:
 *       - unit: redis-server.service
 *         state: running            # running | scheduled | not-running | retired
 *         last_exit: 0              # optional: ExecMainStatus
 *         program: /usr/bin/redis-server /etc/redis.conf   # optional: ExecStart
 *         restart: always           # optional, static: Restart=
 *         unit_file: true           # default: true when unit_files is set,
 *                                   # false for a retired unit
 *         role: ..., ports: [...]   # documentation only
 *
 * Live, systemd/<unit>: `systemctl show -p LoadState,ActiveState,SubState,
 * MainPID,ExecMainStatus,ExecStart -- UNIT`, every unit at once. Observed
 * state (systemd-parse.c): absent (not-found), running (active), scheduled
 * (a timer between runs), not running, failed, starting, stopping.
 * Expected -> accepted: running -> running; scheduled -> scheduled or
 * running; not-running -> not running; retired -> absent or not running.
 * program: the first ExecStart's argv joined by spaces, live and in the file.
 * Where systemctl does not exist (macOS) or systemd is not PID 1 (a
 * container), live checks are unknown.
 *
 * Static, systemd/<unit>/file: UNIT in the unit_files folder (a retired
 * unit's file must be gone unless unit_file: true). Facts program, restart,
 * type, wanted_by, on_calendar; file:line evidence. A unit file in the
 * folder that the topology does not declare is an extra (in runs that
 * include every static systemd check).
 */
#include "probe.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/exec.h"
#include "../util/util.h"
#include "cmdout.h"
#include "section.h"
#include "systemd-parse.h"
#include "textfile.h"

#define SYSTEMD_SHOW_CAP	(256 * 1024)
#define SYSTEMD_FILE_CAP	(1024 * 1024)
#define SYSTEMD_MAX_FILES	10000
#define SYSTEMD_PROPERTIES	"LoadState,ActiveState,SubState,MainPID,ExecMainStatus,ExecStart"

/* The section, shared by every check planned from it (kept by the plan). */
struct systemd_section {
	int		  user;
	int		  timeout_ms;	/* the section's; 0 when not set */
	char		 *unit_files;	/* resolved folder; NULL when not set */
	char		**units;	/* every declared unit */
	size_t		  nunits;
};

struct systemd_config {
	struct systemd_section	*section;
	char			*unit;
};

static const char *const systemd_states[] = {
	"running", "scheduled", "not-running", "retired", NULL
};

/* Unit types, the suffixes of unit file names. */
static const char *const systemd_types[] = {
	".service", ".socket", ".timer", ".path", ".mount", ".automount", ".swap",
	".target", ".slice", ".scope", ".device", NULL
};

static const struct schema systemd_unit_schema[] = {
	{ .key = "unit", .type = SCHEMA_STRING, .required = 1,
	  .help = "the unit's name (redis-server.service, backup.timer)" },
	{ .key = "state", .type = SCHEMA_CHOICE, .def = "running", .choices = systemd_states,
	  .help = "running | scheduled | not-running | retired (must be absent or not running)" },
	{ .key = "last_exit", .type = SCHEMA_INT, .min = -1000, .max = 1000,
	  .help = "expected exit status of the main process (ExecMainStatus)" },
	{ .key = "program", .type = SCHEMA_STRING,
	  .help = "the first ExecStart command line, loaded and in the unit file" },
	{ .key = "restart", .type = SCHEMA_STRING, .help = "the unit file's Restart=" },
	{ .key = "unit_file", .type = SCHEMA_BOOL,
	  .help = "expect its file in unit_files (default: true when unit_files is set; "
	  "false for a retired unit)" },
	{ .key = "role", .type = SCHEMA_ANY, .help = "documentation: what the unit does" },
	{ .key = "ports", .type = SCHEMA_ANY, .help = "documentation: ports it serves" },
	{ .key = "notes", .type = SCHEMA_ANY, .help = "documentation" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema systemd_units_item[] = {
	{ .key = "unit", .type = SCHEMA_MAP, .children = systemd_unit_schema,
	  .help = "one systemd unit" },
	{ .key = NULL },
};

static const struct schema systemd_keys[] = {
	{ .key = "user", .type = SCHEMA_BOOL, .def = "false",
	  .help = "the user's units (systemctl --user) instead of the system's" },
	{ .key = "unit_files", .type = SCHEMA_STRING,
	  .help = "folder of the repository's unit files (static checks)" },
	{ .key = "units", .type = SCHEMA_LIST, .children = systemd_units_item,
	  .help = "the units" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "default timeout of the units' checks" },
	{ .key = NULL },
};

static const struct schema systemd_schema = {
	.key = "systemd", .type = SCHEMA_MAP, .children = systemd_keys,
	.help = "Linux systemd units: systemctl show (live), unit files (static)",
};

static void
systemd_section_free(void *p)
{
	struct systemd_section	*s = p;
	size_t			 i;

	free(s->unit_files);
	for (i = 0; i < s->nunits; i++)
		free(s->units[i]);
	free(s->units);
	free(s);
}

static void
systemd_free_config(void *p)
{
	struct systemd_config	*cfg = p;

	if (cfg == NULL)
		return;
	free(cfg->unit);
	free(cfg);
}

static struct check *
systemd_add(struct plan *p, struct systemd_section *s, enum layer layer,
    const struct node *where, const char *unit, const char *suffix)
{
	struct systemd_config	*cfg;
	struct check		*c;

	c = plan_add(p, &probe_systemd, layer, where, "systemd/%s%s", unit, suffix);
	if (layer == LAYER_LIVE)
		causes_provide(c, "systemd:%s", unit);
	section_inherit_timeout(c, where, s->timeout_ms);
	cfg = xcalloc(1, sizeof *cfg);
	cfg->section = s;
	cfg->unit = xstrdup(unit);
	c->config = cfg;
	return c;
}

static void
systemd_plan_live(struct plan *p, struct systemd_section *s, const struct node *u,
    const char *unit, const char *state)
{
	const struct node	*n;
	struct check		*c;
	char			*v;

	c = systemd_add(p, s, LAYER_LIVE, u, unit, "");
	if (strcmp(state, "retired") == 0)
		plan_expect(p, c, u, "state", MATCH_ONE_OF, "absent|not running");
	else {
		plan_expect(p, c, u, "exists", MATCH_EQUALS, "yes");
		if (strcmp(state, "scheduled") == 0)
			plan_expect(p, c, u, "state", MATCH_ONE_OF, "scheduled|running");
		else if (strcmp(state, "not-running") == 0)
			plan_expect(p, c, u, "state", MATCH_EQUALS, "not running");
		else
			plan_expect(p, c, u, "state", MATCH_EQUALS, "running");
	}
	if ((n = node_get(u, "program")) != NULL)
		plan_expect(p, c, n, "program", MATCH_EQUALS, n->value);
	if ((n = node_get(u, "last_exit")) != NULL) {
		v = xasprintf("%lld", node_int(u, "last_exit", 0));
		plan_expect(p, c, n, "last_exit", MATCH_EQUALS, v);
		free(v);
	}
	plan_summary(c, "%s%s is %s", unit, s->user ? " (user)" : "", state);
}

static void
systemd_plan_static(struct plan *p, struct systemd_section *s, const struct node *u,
    const char *unit, const char *state)
{
	const struct node	*n;
	struct check		*c;
	int			 retired = strcmp(state, "retired") == 0, want;

	if (s->unit_files == NULL || (node_get(u, "unit_file") != NULL &&
	    !node_bool(u, "unit_file", 1))) {
		if ((n = node_get(u, "restart")) != NULL)
			problems_add_at(p->problems, n, "systemd: restart is read from the unit "
			    "file: it needs `unit_files:` and unit_file not false");
		if (s->unit_files == NULL && (n = node_get(u, "unit_file")) != NULL &&
		    node_bool(u, "unit_file", 0))
			problems_add_at(p->problems, n, "systemd: unit_file: true needs "
			    "`unit_files:` (the folder to look in)");
		return;
	}
	want = node_bool(u, "unit_file", !retired);
	c = systemd_add(p, s, LAYER_STATIC, u, unit, "/file");
	plan_expect(p, c, u, "exists", MATCH_EQUALS, want ? "yes" : "no");
	if (!want) {
		plan_summary(c, "no unit file for retired %s in %s", unit, s->unit_files);
		return;
	}
	if ((n = node_get(u, "program")) != NULL)
		plan_expect(p, c, n, "program", MATCH_EQUALS, n->value);
	if ((n = node_get(u, "restart")) != NULL)
		plan_expect(p, c, n, "restart", MATCH_EQUALS, n->value);
	plan_summary(c, "unit file %s in %s", unit, s->unit_files);
}

static void
systemd_plan(struct plan *p, const struct node *section)
{
	struct systemd_section	*s;
	const struct node	*units, *u;
	const char		*unit, *v;
	size_t			 i;

	if (section->type != NODE_MAP)
		return;
	s = xcalloc(1, sizeof *s);
	plan_keep(p, s, systemd_section_free);
	s->user = node_bool(section, "user", 0);
	s->timeout_ms = (int)node_int(section, "timeout_ms", 0);
	if ((v = node_str(section, "unit_files", NULL)) != NULL && *v != '\0')
		s->unit_files = textfile_resolve_at(p->topology,
		    node_get(section, "unit_files"), v);
	units = node_get(section, "units");
	for (i = 0; units != NULL && units->type == NODE_SEQ && i < units->count; i++) {
		u = units->items[i];
		unit = node_str(u, "unit", NULL);
		if (u->type != NODE_MAP || unit == NULL || *unit == '\0') {
			problems_add_at(p->problems, u, "systemd: an item needs a unit");
			continue;
		}
		/* systemctl would read "-x" as an option and "a b" as two units. */
		if (unit[0] == '-' || unit[0] == '.' || strpbrk(unit, " /\t") != NULL) {
			problems_add_at(p->problems, node_get(u, "unit"),
			    "systemd: '%s' is not a unit name", unit);
			continue;
		}
		s->units = xreallocarray(s->units, s->nunits + 1, sizeof *s->units);
		s->units[s->nunits++] = xstrdup(unit);
		systemd_plan_live(p, s, u, unit, node_str(u, "state", "running"));
		systemd_plan_static(p, s, u, unit, node_str(u, "state", "running"));
	}
}

static int
systemd_declared(const struct systemd_section *s, const char *unit)
{
	size_t	i;

	for (i = 0; i < s->nunits; i++) {
		if (strcmp(s->units[i], unit) == 0)
			return 1;
	}
	return 0;
}

/* ---- live ---- */

/*
 * Publishes nothing (returns 0) when the run was cancelled. The tool's faults
 * read as cmdout_judge words them for every tool; systemctl's own case is a
 * machine (a container) where systemd is not PID 1: unknown, not an error. A
 * unit systemd does not know is no failure: LoadState=not-found, read below.
 */
static int
systemd_observe(struct check *c, char *const *argv, struct exec_job *job, int configured)
{
	struct observation	*o = &c->observation;
	struct systemd_show	 show;
	struct systemd_config	*cfg = c->config;
	char			*cmd, *line, *cause = NULL, *shown, *reason = NULL;
	char			*words[] = { (char *)"systemctl", (char *)"show", cfg->unit,
				    NULL, NULL };
	enum cmdout_verdict	 v;

	if (cfg->section->user) {
		words[1] = (char *)"--user";
		words[2] = (char *)"show";
		words[3] = cfg->unit;
	}
	shown = exec_argv_string(words);
	cmd = exec_argv_string(argv);
	v = cmdout_judge(job, "systemctl", configured, shown, &reason);
	if (v == CMDOUT_CANCELLED)
		goto out;
	observation_evidence(o, "%s", cmd);
	if (v == CMDOUT_ERROR && job->exited && job->exit_code != 0) {
		line = cmdout_failure_line(job);
		if (strstr(line, "not been booted with systemd") != NULL ||
		    strstr(line, "Failed to connect to bus") != NULL)
			v = CMDOUT_UNKNOWN;
		free(line);
	}
	if (v == CMDOUT_UNKNOWN) {
		observation_unknown(o, "%s", reason);
		goto out;
	}
	if (v == CMDOUT_ERROR) {
		observation_error(o, "%s", reason);
		goto out;
	}
	if (systemd_show_parse(job->out.data != NULL ? job->out.data : "", job->out.len,
	    &show, &cause) != 0) {
		observation_error(o, "%s: %s", shown, cause);
		free(cause);
		goto out;
	}
	observation_fact(o, "exists", strcmp(show.load_state, "not-found") == 0 ? "no" : "yes");
	observation_fact(o, "state", systemd_state(&show));
	observation_fact(o, "active_state", show.active_state);
	if (show.sub_state != NULL)
		observation_fact(o, "sub_state", show.sub_state);
	if (show.main_pid != NULL && strcmp(show.main_pid, "0") != 0)
		observation_fact(o, "pid", show.main_pid);
	if (show.exec_main_status != NULL)
		observation_fact(o, "last_exit", show.exec_main_status);
	if (show.exec_start != NULL)
		observation_fact(o, "program", show.exec_start);
	observation_evidence(o, "%s\nLoadState=%s\nActiveState=%s\nSubState=%s\nMainPID=%s\n"
	    "ExecMainStatus=%s\nExecStart: %s", cmd, show.load_state, show.active_state,
	    show.sub_state != NULL ? show.sub_state : "",
	    show.main_pid != NULL ? show.main_pid : "",
	    show.exec_main_status != NULL ? show.exec_main_status : "",
	    show.exec_start != NULL ? show.exec_start : "");
	systemd_show_free(&show);
out:
	free(reason);
	free(shown);
	free(cmd);
	return v != CMDOUT_CANCELLED;
}

/* What systemd_job_done needs to publish a unit's check as soon as it ends. */
struct systemd_run {
	struct batch		*b;
	struct check		**checks;
	char			*(*argvs)[10];
	struct exec_job		*jobs;
	int			 configured;
};

static void
systemd_job_done(struct exec_job *job, void *arg)
{
	struct systemd_run	*r = arg;
	size_t			 i = (size_t)(job - r->jobs);

	/* A hung systemctl for one unit must not hold back the others' results. */
	if (batch_cancelled(r->b))
		return;
	if (systemd_observe(r->checks[i], r->argvs[i], job, r->configured))
		batch_done(r->b, r->checks[i]);
}

static void
systemd_run_live(struct batch *b, struct check **checks, size_t n)
{
	char			*(*argvs)[10];
	struct exec_job		*jobs;
	struct systemd_run	 run;
	const char		*program;
	size_t			 i, a;
	int			 configured;

	if (n == 0)
		return;
	program = cmdout_program(b->topology, "systemctl", &configured);
	argvs = xcalloc(n, sizeof *argvs);
	jobs = xcalloc(n, sizeof *jobs);
	for (i = 0; i < n; i++) {
		struct systemd_config *cfg = checks[i]->config;

		a = 0;
		argvs[i][a++] = (char *)program;
		if (cfg->section->user)
			argvs[i][a++] = (char *)"--user";
		argvs[i][a++] = (char *)"show";
		argvs[i][a++] = (char *)"-p";
		argvs[i][a++] = (char *)SYSTEMD_PROPERTIES;
		argvs[i][a++] = (char *)"--";
		argvs[i][a++] = cfg->unit;
		argvs[i][a] = NULL;
		jobs[i].argv = argvs[i];
		jobs[i].timeout_ms = checks[i]->timeout_ms;
		jobs[i].out_cap = SYSTEMD_SHOW_CAP;
	}
	run.b = b;
	run.checks = checks;
	run.argvs = argvs;
	run.jobs = jobs;
	run.configured = configured;
	batch_run_programs(b, jobs, n, systemd_job_done, &run);
	for (i = 0; i < n; i++)
		exec_job_free(&jobs[i]);
	free(jobs);
	free(argvs);
}

/* ---- static ---- */

static int
systemd_is_unit_name(const char *name)
{
	size_t	i, len = strlen(name), l;

	if (name[0] == '.')
		return 0;
	for (i = 0; systemd_types[i] != NULL; i++) {
		l = strlen(systemd_types[i]);
		if (len > l && strcmp(name + len - l, systemd_types[i]) == 0)
			return 1;
	}
	return 0;
}

/* root: --root, or NULL; a unit file outside it is not even looked at. */
static void
systemd_observe_file(struct check *c, const char *folder, const char *root)
{
	struct systemd_config	*cfg = c->config;
	struct observation	*o = &c->observation;
	struct systemd_unit_file unit;
	struct buf		 b;
	char			*path, *real = NULL, *cause = NULL;

	path = xasprintf("%s/%s", folder, cfg->unit);
	buf_init(&b, SYSTEMD_FILE_CAP);
	if (textfile_allowed(root, path, &real, &cause) != 0) {
		observation_error(o, "%s", cause);
		goto out;
	}
	if (buf_read_regular(&b, real, &cause) != 0) {
		if (access(real, F_OK) == -1 && (errno == ENOENT || errno == ENOTDIR)) {
			observation_fact(o, "exists", "no");
			observation_evidence(o, "%s: no such file", path);
		} else
			observation_error(o, "%s", cause);
		goto out;
	}
	if (systemd_unit_file_parse(buf_str(&b), b.len, &unit, &cause) != 0) {
		observation_error(o, "%s: %s", path, cause);
		goto out;
	}
	observation_fact(o, "exists", "yes");
	if (unit.exec_start != NULL)
		observation_fact(o, "program", unit.exec_start);
	if (unit.restart != NULL)
		observation_fact(o, "restart", unit.restart);
	if (unit.type != NULL)
		observation_fact(o, "type", unit.type);
	if (unit.wanted_by != NULL)
		observation_fact(o, "wanted_by", unit.wanted_by);
	if (unit.on_calendar != NULL)
		observation_fact(o, "on_calendar", unit.on_calendar);
	if (unit.exec_start != NULL)
		observation_evidence(o, "%s:%d: ExecStart=%s\nRestart=%s", path,
		    unit.exec_start_line, unit.exec_start,
		    unit.restart != NULL ? unit.restart : "(none)");
	else
		observation_evidence(o, "%s: no ExecStart", path);
	systemd_unit_file_free(&unit);
out:
	free(cause);
	free(real);
	free(path);
	buf_free(&b);
}

static void
systemd_static_extras(struct batch *b, const struct systemd_section *s, const struct check *near)
{
	struct dirent	*de;
	DIR		*dir;
	char		*id, *found, *real = NULL, *cause = NULL;
	size_t		 n = 0;

	/* A folder outside --root is not listed: the checks have said why. */
	if (textfile_allowed(b->topology != NULL ? b->topology->read_root : NULL,
	    s->unit_files, &real, &cause) != 0) {
		free(cause);
		return;
	}
	dir = opendir(real);
	free(real);
	if (dir == NULL)
		return;		/* the checks have said why */
	while ((de = readdir(dir)) != NULL && n++ < SYSTEMD_MAX_FILES) {
		if (!systemd_is_unit_name(de->d_name) || systemd_declared(s, de->d_name))
			continue;
		id = xasprintf("systemd/%s/file", de->d_name);
		found = xasprintf("unit file %s/%s", s->unit_files, de->d_name);
		batch_extra(b, near, id, found, found);
		free(found);
		free(id);
	}
	closedir(dir);
}

static void
systemd_run_static(struct batch *b, struct check **checks, size_t n)
{
	struct systemd_section	*s;
	size_t			 i;

	if (n == 0)
		return;
	s = ((struct systemd_config *)checks[0]->config)->section;
	for (i = 0; i < n && !batch_cancelled(b); i++) {
		systemd_observe_file(checks[i], s->unit_files, b->topology != NULL ?
		    b->topology->read_root : NULL);
		batch_done(b, checks[i]);
	}
	if (!batch_cancelled(b) && batch_whole_layer(b, LAYER_STATIC, NULL, NULL))
		systemd_static_extras(b, s, checks[0]);
}

static void
systemd_run(struct batch *b)
{
	section_run_layers(b, systemd_run_static, systemd_run_live);
}

const struct probe_ops probe_systemd = {
	.name = "systemd",
	.help = "Linux systemd units: systemctl show (live), unit files (static)",
	.schema = &systemd_schema,
	.plan = systemd_plan,
	.run = systemd_run,
	.free_config = systemd_free_config,
};
