/*
 * systemd.c: the `systemd:` section, the Linux twin of launchd, so one
 * topology style serves Linux hosts.
 *
 *   systemd:
 *     user: false                   # systemctl --user (the session's units)
 *     units:
 *       - unit: redis-server.service
 *         state: running            # running | scheduled | not-running | retired
 *         last_exit: 0              # optional: ExecMainStatus
 *         role: ..., ports: [...]   # documentation only
 *
 * Live, systemd/<unit>: `systemctl show -p LoadState,ActiveState,SubState,
 * MainPID,ExecMainStatus UNIT`, every unit at once. Observed state:
 *   absent       LoadState=not-found
 *   running      ActiveState=active (also a oneshot that remains active)
 *   scheduled    active, SubState=waiting (a timer between runs)
 *   not running  inactive
 *   failed       failed
 *   starting, stopping, reloading   the transitions
 * Expected -> accepted: running -> running; scheduled -> scheduled or running;
 * not-running -> not running; retired -> absent or not running.
 * Where systemctl does not exist (macOS) or systemd is not PID 1 (a
 * container), checks are unknown. Unit files (static) are not read yet.
 */
#include "probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/exec.h"
#include "../util/util.h"
#include "cmdout.h"

#define SYSTEMD_SHOW_CAP	(64 * 1024)
#define SYSTEMD_PROPERTIES	"LoadState,ActiveState,SubState,MainPID,ExecMainStatus"

struct systemd_config {
	char	*unit;
	int	 user;
};

static const char *const systemd_states[] = {
	"running", "scheduled", "not-running", "retired", NULL
};

static const struct schema systemd_unit_schema[] = {
	{ .key = "unit", .type = SCHEMA_STRING, .required = 1,
	  .help = "the unit's name (redis-server.service, backup.timer)" },
	{ .key = "state", .type = SCHEMA_CHOICE, .def = "running", .choices = systemd_states,
	  .help = "running | scheduled | not-running | retired (must be absent or not running)" },
	{ .key = "last_exit", .type = SCHEMA_INT, .min = -1000, .max = 1000,
	  .help = "expected exit status of the main process (ExecMainStatus)" },
	{ .key = "role", .type = SCHEMA_ANY, .help = "documentation: what the unit does" },
	{ .key = "ports", .type = SCHEMA_ANY, .help = "documentation: ports it serves" },
	{ .key = "notes", .type = SCHEMA_ANY, .help = "documentation" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
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
	{ .key = "units", .type = SCHEMA_LIST, .children = systemd_units_item,
	  .help = "the units" },
	{ .key = NULL },
};

static const struct schema systemd_schema = {
	.key = "systemd", .type = SCHEMA_MAP, .children = systemd_keys,
	.help = "Linux systemd units: systemctl show (live)",
};

static void
systemd_free_config(void *p)
{
	struct systemd_config	*cfg = p;

	if (cfg == NULL)
		return;
	free(cfg->unit);
	free(cfg);
}

static void
systemd_plan(struct plan *p, const struct node *section)
{
	const struct node	*units, *u;
	struct systemd_config	*cfg;
	struct check		*c;
	const char		*unit, *state;
	char			*v;
	size_t			 i;
	int			 user;

	if (section->type != NODE_MAP)
		return;
	user = node_bool(section, "user", 0);
	units = node_get(section, "units");
	for (i = 0; units != NULL && units->type == NODE_SEQ && i < units->count; i++) {
		u = units->items[i];
		unit = node_str(u, "unit", NULL);
		if (u->type != NODE_MAP || unit == NULL || *unit == '\0') {
			problems_add_at(p->problems, u, "systemd: an item needs a unit");
			continue;
		}
		/* systemctl would read "-x" as an option and "a b" as two units. */
		if (unit[0] == '-' || strpbrk(unit, " /\t") != NULL) {
			problems_add_at(p->problems, node_get(u, "unit"),
			    "systemd: '%s' is not a unit name", unit);
			continue;
		}
		state = node_str(u, "state", "running");
		c = plan_add(p, &probe_systemd, LAYER_LIVE, u, "systemd/%s", unit);
		cfg = xcalloc(1, sizeof *cfg);
		cfg->unit = xstrdup(unit);
		cfg->user = user;
		c->config = cfg;
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
		if (node_get(u, "last_exit") != NULL) {
			v = xasprintf("%lld", node_int(u, "last_exit", 0));
			plan_expect(p, c, node_get(u, "last_exit"), "last_exit", MATCH_EQUALS, v);
			free(v);
		}
		plan_summary(c, "%s%s is %s", unit, user ? " (user)" : "", state);
	}
}

/* The value of KEY in "KEY=value" lines, or NULL. Caller frees. */
static char *
systemd_property(const char *text, size_t len, const char *key)
{
	const char	*p = text, *end = text + len, *nl;
	size_t		 klen = strlen(key);

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=')
			return cmdout_first_line(p + klen + 1, (size_t)(nl - p - klen - 1));
		p = nl + 1;
	}
	return NULL;
}

static const char *
systemd_state(const char *active, const char *sub)
{
	if (strcmp(active, "active") == 0)
		return sub != NULL && strcmp(sub, "waiting") == 0 ? "scheduled" : "running";
	if (strcmp(active, "inactive") == 0)
		return "not running";
	if (strcmp(active, "activating") == 0)
		return "starting";
	if (strcmp(active, "deactivating") == 0)
		return "stopping";
	if (strcmp(active, "reloading") == 0)
		return "reloading";
	return active;	/* failed, or a word of a newer systemd */
}

static void
systemd_observe(struct check *c, char *const *argv, struct exec_job *job, int configured)
{
	struct observation	*o = &c->observation;
	char			*cmd, *line, *what;
	char			*load = NULL, *active = NULL, *sub = NULL, *pid = NULL, *status = NULL;

	cmd = exec_argv_string(argv);
	if (!job->started) {
		if (job->spawn_errno == ENOENT && !configured)
			observation_unknown(o, "systemctl not available on %s", cmdout_system());
		else {
			what = exec_describe(job);
			observation_error(o, "%s", what);
			free(what);
		}
		goto out;
	}
	observation_evidence(o, "%s", cmd);
	if (job->timed_out) {
		observation_error(o, "%s timed out after %d ms", cmd, job->timeout_ms);
		goto out;
	}
	if (!job->exited || job->exit_code != 0) {
		what = exec_describe(job);
		line = cmdout_first_line(job->err.len > 0 ? job->err.data : job->out.data,
		    job->err.len > 0 ? job->err.len : job->out.len);
		/* systemd is not PID 1 here (a container): nothing to observe. */
		if (strstr(line, "not been booted with systemd") != NULL ||
		    strstr(line, "Failed to connect to bus") != NULL)
			observation_unknown(o, "systemd not running here: %s", line);
		else
			observation_error(o, "systemctl %s%s%s", what, *line != '\0' ? ": " : "",
			    line);
		free(line);
		free(what);
		goto out;
	}
	load = systemd_property(job->out.data, job->out.len, "LoadState");
	active = systemd_property(job->out.data, job->out.len, "ActiveState");
	if (job->out.toobig || load == NULL || active == NULL) {
		observation_error(o, "systemctl printed no LoadState and ActiveState");
		goto out;
	}
	sub = systemd_property(job->out.data, job->out.len, "SubState");
	pid = systemd_property(job->out.data, job->out.len, "MainPID");
	status = systemd_property(job->out.data, job->out.len, "ExecMainStatus");
	if (strcmp(load, "not-found") == 0) {
		observation_fact(o, "exists", "no");
		observation_fact(o, "state", "absent");
	} else {
		observation_fact(o, "exists", "yes");
		observation_fact(o, "state", systemd_state(active, sub));
		observation_fact(o, "active_state", active);
		if (sub != NULL)
			observation_fact(o, "sub_state", sub);
		if (pid != NULL && strcmp(pid, "0") != 0)
			observation_fact(o, "pid", pid);
		if (status != NULL)
			observation_fact(o, "last_exit", status);
	}
	observation_evidence(o, "%s\nLoadState=%s\nActiveState=%s\nSubState=%s\nMainPID=%s\n"
	    "ExecMainStatus=%s", cmd, load, active, sub != NULL ? sub : "", pid != NULL ? pid : "",
	    status != NULL ? status : "");
out:
	free(load);
	free(active);
	free(sub);
	free(pid);
	free(status);
	free(cmd);
}

static void
systemd_run(struct batch *b)
{
	char			*(*argvs)[8];
	struct exec_job		*jobs;
	const char		*program;
	size_t			 i, a;
	int			 configured;

	program = cmdout_program(b->topology, "systemctl", &configured);
	argvs = xcalloc(b->count + 1, sizeof *argvs);
	jobs = xcalloc(b->count + 1, sizeof *jobs);
	for (i = 0; i < b->count; i++) {
		struct systemd_config *cfg = b->checks[i]->config;

		a = 0;
		argvs[i][a++] = (char *)program;
		if (cfg != NULL && cfg->user)
			argvs[i][a++] = (char *)"--user";
		argvs[i][a++] = (char *)"show";
		argvs[i][a++] = (char *)"-p";
		argvs[i][a++] = (char *)SYSTEMD_PROPERTIES;
		argvs[i][a++] = (char *)"--";
		argvs[i][a++] = cfg != NULL ? cfg->unit : (char *)"";
		argvs[i][a] = NULL;
		jobs[i].argv = argvs[i];
		jobs[i].timeout_ms = b->checks[i]->timeout_ms;
		jobs[i].out_cap = SYSTEMD_SHOW_CAP;
	}
	exec_run_many(jobs, b->count, b->jobs);
	for (i = 0; i < b->count && !batch_cancelled(b); i++) {
		if (b->checks[i]->config == NULL)
			observation_error(&b->checks[i]->observation, "not planned");
		else
			systemd_observe(b->checks[i], argvs[i], &jobs[i], configured);
		batch_done(b, b->checks[i]);
	}
	for (i = 0; i < b->count; i++)
		exec_job_free(&jobs[i]);
	free(jobs);
	free(argvs);
}

const struct probe_ops probe_systemd = {
	.name = "systemd",
	.help = "Linux systemd units: systemctl show (live)",
	.schema = &systemd_schema,
	.plan = systemd_plan,
	.run = systemd_run,
	.free_config = systemd_free_config,
};
