/*
 * launchd.c: the `launchd:` section, macOS jobs.
 *
 *   launchd:
 *     domain: gui/${UID}            # default gui/<uid of topo>
 *     plists: ${REPO}/infra/launchd # static: the jobs the repository declares
 *     extra_prefix: com.joel        # jobs with this prefix must be declared
 *     jobs:
 *       - label: com.joel.gateway
 *         state: running            # running | scheduled | not-running | retired
 *         domain: system            # optional: this job's (a LaunchDaemon)
 *         last_exit: 0              # optional
 *         plist: true               # default: true when plists: is set (false
 *                                   # for a retired job: its plist must be gone)
 *         program: /usr/bin/x a b   # optional: the arguments, live and in the plist
 *         keep_alive: true          # optional, static
 *         run_at_load: true         # optional, static
 *         interval: "1800"          # optional, static: StartInterval or "Minute=30"
 *         role: ..., ports: [...]   # documentation only
 *
 * Live, launchd/<label>: `launchctl print DOMAIN/LABEL`, all jobs at once.
 * Expected state -> accepted observed states:
 *   running      running
 *   scheduled    scheduled, or running (a scheduled job may be mid-run)
 *   not-running  not running, or scheduled (loaded, idle)
 *   retired      absent, or not running
 * A job that is not loaded is drift "missing" (except when retired).
 * last_exit: a job that has never exited yet satisfies any expectation.
 * program: the job's arguments joined by spaces (launchctl's `arguments`,
 * else its `program`), so the loaded job and the repository's plist
 * (ProgramArguments) are held to the same command line.
 * Where launchctl does not exist and no path was configured (Linux), live
 * checks are unknown. Environment blocks are never read (launchd-parse.c).
 *
 * Static, launchd/<label>/plist: the plist with that Label in the plists
 * folder (XML or binary, *.plist, not recursive). A retired job's plist must
 * be gone from the repository unless `plist: true` says otherwise.
 *
 * Extras (only in runs that include every check of the layer, so --only
 * narrows without inventing drift): a plist in the folder whose Label is not
 * declared (when extra_prefix is set, only labels with that prefix), and,
 * with extra_prefix, a loaded job with the prefix listed by
 * `launchctl print DOMAIN` that is not declared.
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
#include "launchd-parse.h"
#include "section.h"
#include "textfile.h"

#define LAUNCHD_PRINT_CAP	EXEC_OUTPUT_CAP	/* a command's too */
#define LAUNCHD_DOMAIN_CAP	(8 * 1024 * 1024)
#define LAUNCHD_PLIST_CAP	(4 * 1024 * 1024)
#define LAUNCHD_MAX_PLISTS	10000

/* The section, shared by every check planned from it (kept by the plan). */
struct launchd_section {
	char		 *domain;
	char		 *plists;	/* resolved folder, NULL when not set */
	char		 *extra_prefix;
	int		  timeout_ms;	/* the section's; 0 when not set */
	char		**labels;	/* every declared label */
	size_t		  nlabels;
};

struct launchd_config {
	struct launchd_section	*section;
	char			*label;
	char			*domain;	/* the job's, else the section's */
};

static const char *const launchd_states[] = {
	"running", "scheduled", "not-running", "retired", NULL
};

static const struct schema launchd_job_schema[] = {
	{ .key = "label", .type = SCHEMA_STRING, .required = 1,
	  .help = "the job's Label (com.joel.gateway)" },
	{ .key = "domain", .type = SCHEMA_STRING,
	  .help = "this job's launchctl domain (system for a LaunchDaemon); default: the section's" },
	{ .key = "state", .type = SCHEMA_CHOICE, .def = "running", .choices = launchd_states,
	  .help = "running | scheduled | not-running | retired (must be absent or not running)" },
	{ .key = "last_exit", .type = SCHEMA_INT, .min = -1000, .max = 1000,
	  .help = "expected last exit code (a job that never exited passes)" },
	{ .key = "plist", .type = SCHEMA_BOOL,
	  .help = "expect its plist in the plists folder (default: true when plists is set; "
	  "false for a retired job)" },
	{ .key = "program", .type = SCHEMA_STRING,
	  .help = "its arguments joined by spaces: loaded (launchctl) and in the plist "
	  "(ProgramArguments, or Program)" },
	{ .key = "keep_alive", .type = SCHEMA_BOOL, .help = "the plist's KeepAlive" },
	{ .key = "run_at_load", .type = SCHEMA_BOOL, .help = "the plist's RunAtLoad" },
	{ .key = "interval", .type = SCHEMA_STRING,
	  .help = "StartInterval seconds (\"1800\") or StartCalendarInterval (\"Hour=3 Minute=30\")" },
	{ .key = "role", .type = SCHEMA_ANY, .help = "documentation: what the job does" },
	{ .key = "ports", .type = SCHEMA_ANY, .help = "documentation: ports it serves" },
	{ .key = "notes", .type = SCHEMA_ANY, .help = "documentation" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema launchd_jobs_item[] = {
	{ .key = "job", .type = SCHEMA_MAP, .children = launchd_job_schema,
	  .help = "one launchd job" },
	{ .key = NULL },
};

static const struct schema launchd_keys[] = {
	{ .key = "domain", .type = SCHEMA_STRING, .def = "gui/<uid>",
	  .help = "launchctl domain: gui/501, system, user/501" },
	{ .key = "plists", .type = SCHEMA_STRING,
	  .help = "folder of the repository's job plists (static checks)" },
	{ .key = "extra_prefix", .type = SCHEMA_STRING,
	  .help = "labels with this prefix must be declared (else drift extra)" },
	{ .key = "jobs", .type = SCHEMA_LIST, .children = launchd_jobs_item,
	  .help = "the jobs" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "default timeout of the jobs' checks, and of `launchctl print DOMAIN`" },
	{ .key = NULL },
};

static const struct schema launchd_schema = {
	.key = "launchd", .type = SCHEMA_MAP, .children = launchd_keys,
	.help = "macOS launchd jobs: loaded state (launchctl) and plists",
};

static void
launchd_section_free(void *p)
{
	struct launchd_section	*s = p;
	size_t			 i;

	free(s->domain);
	free(s->plists);
	free(s->extra_prefix);
	for (i = 0; i < s->nlabels; i++)
		free(s->labels[i]);
	free(s->labels);
	free(s);
}

static void
launchd_free_config(void *p)
{
	struct launchd_config	*cfg = p;

	if (cfg == NULL)
		return;
	free(cfg->label);
	free(cfg->domain);
	free(cfg);
}

static struct check *
launchd_add(struct plan *p, struct launchd_section *s, enum layer layer,
    const struct node *where, const char *label, const char *suffix)
{
	struct launchd_config	*cfg;
	struct check		*c;
	const char		*domain;

	c = plan_add(p, &probe_launchd, layer, where, "launchd/%s%s", label, suffix);
	if (layer == LAYER_LIVE)
		causes_provide(c, "launchd:%s", label);
	cfg = xcalloc(1, sizeof *cfg);
	cfg->section = s;
	cfg->label = xstrdup(label);
	section_inherit_timeout(c, where, s->timeout_ms);
	domain = node_str(where, "domain", NULL);
	cfg->domain = xstrdup(domain != NULL && *domain != '\0' ? domain : s->domain);
	c->config = cfg;
	return c;
}

static void
launchd_plan_live(struct plan *p, struct launchd_section *s, const struct node *job,
    const char *label, const char *state)
{
	struct launchd_config	*cfg;
	struct check		*c;
	char			*v;
	long long		 last_exit;

	c = launchd_add(p, s, LAYER_LIVE, job, label, "");
	cfg = c->config;
	if (strcmp(state, "retired") == 0) {
		plan_expect(p, c, job, "state", MATCH_ONE_OF, "absent|not running");
		plan_summary(c, "%s is retired: not loaded in %s, or not running", label,
		    cfg->domain);
		return;
	}
	plan_expect(p, c, job, "exists", MATCH_EQUALS, "yes");
	if (strcmp(state, "scheduled") == 0)
		plan_expect(p, c, job, "state", MATCH_ONE_OF, "scheduled|running");
	else if (strcmp(state, "not-running") == 0)
		plan_expect(p, c, job, "state", MATCH_ONE_OF, "not running|scheduled");
	else
		plan_expect(p, c, job, "state", MATCH_EQUALS, "running");
	if (node_get(job, "program") != NULL)
		plan_expect(p, c, node_get(job, "program"), "program", MATCH_EQUALS,
		    node_get(job, "program")->value);
	if (node_get(job, "last_exit") != NULL) {
		last_exit = node_int(job, "last_exit", 0);
		v = xasprintf("%lld|never exited", last_exit);
		plan_expect(p, c, node_get(job, "last_exit"), "last_exit", MATCH_ONE_OF, v);
		free(v);
	}
	plan_summary(c, "%s is %s in %s", label, state, cfg->domain);
}

static void
launchd_plan_static(struct plan *p, struct launchd_section *s, const struct node *job,
    const char *label, const char *state)
{
	static const char *const bools[] = { "keep_alive", "run_at_load" };
	static const char *const plist_keys[] = { "keep_alive", "run_at_load", "interval" };
	const struct node	*n;
	struct check		*c;
	int			 retired = strcmp(state, "retired") == 0;
	int			 want;
	size_t			 i;

	want = node_bool(job, "plist", !retired);
	if (node_get(job, "plist") != NULL && !node_bool(job, "plist", 1)) {
		for (i = 0; i < sizeof plist_keys / sizeof plist_keys[0]; i++) {
			if (node_get(job, plist_keys[i]) != NULL)
				problems_add_at(p->problems, node_get(job, plist_keys[i]),
				    "launchd: %s is read from the job's plist, but plist: false",
				    plist_keys[i]);
		}
		return;	/* explicitly not in the repository: nothing to check */
	}
	c = launchd_add(p, s, LAYER_STATIC, job, label, "/plist");
	plan_expect(p, c, job, "exists", MATCH_EQUALS, want ? "yes" : "no");
	if (!want) {
		plan_summary(c, "no plist for retired %s in %s", label, s->plists);
		return;
	}
	if ((n = node_get(job, "program")) != NULL)
		plan_expect(p, c, n, "program", MATCH_EQUALS, n->value);
	for (i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		if ((n = node_get(job, bools[i])) != NULL)
			plan_expect(p, c, n, bools[i], MATCH_EQUALS,
			    node_bool(job, bools[i], 0) ? "true" : "false");
	}
	if ((n = node_get(job, "interval")) != NULL)
		plan_expect(p, c, n, "interval", MATCH_EQUALS, n->value);
	plan_summary(c, "a plist with Label %s in %s", label, s->plists);
}

/* Without `plists:` there is no folder for the plist keys to be checked in. */
static void
launchd_plan_no_folder(struct plan *p, const struct node *job)
{
	static const char *const keys[] = { "keep_alive", "run_at_load", "interval" };
	size_t	i;

	if (node_get(job, "plist") != NULL && node_bool(job, "plist", 0))
		problems_add_at(p->problems, node_get(job, "plist"),
		    "launchd: plist: true needs `plists:` (the folder to look in)");
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (node_get(job, keys[i]) != NULL)
			problems_add_at(p->problems, node_get(job, keys[i]),
			    "launchd: %s is read from the job's plist: it needs `plists:`",
			    keys[i]);
	}
}

static void
launchd_plan(struct plan *p, const struct node *section)
{
	struct launchd_section	*s;
	const struct node	*jobs, *job;
	const char		*label, *state, *v;
	size_t			 i;

	if (section->type != NODE_MAP)
		return;		/* the schema has said why */
	s = xcalloc(1, sizeof *s);
	plan_keep(p, s, launchd_section_free);
	if ((v = node_str(section, "domain", NULL)) != NULL && *v != '\0')
		s->domain = xstrdup(v);
	else
		s->domain = xasprintf("gui/%u", (unsigned)getuid());
	if ((v = node_str(section, "plists", NULL)) != NULL && *v != '\0')
		s->plists = textfile_resolve_at(p->topology, node_get(section, "plists"), v);
	if ((v = node_str(section, "extra_prefix", NULL)) != NULL && *v != '\0')
		s->extra_prefix = xstrdup(v);
	s->timeout_ms = (int)node_int(section, "timeout_ms", 0);

	jobs = node_get(section, "jobs");
	for (i = 0; jobs != NULL && jobs->type == NODE_SEQ && i < jobs->count; i++) {
		job = jobs->items[i];
		label = node_str(job, "label", NULL);
		if (job->type != NODE_MAP || label == NULL || *label == '\0') {
			problems_add_at(p->problems, job, "launchd: a job needs a label");
			continue;
		}
		if (strchr(label, '/') != NULL || strchr(label, ' ') != NULL) {
			problems_add_at(p->problems, node_get(job, "label"),
			    "launchd: '%s' is not a label (no '/' or spaces)", label);
			continue;
		}
		state = node_str(job, "state", "running");
		s->labels = xreallocarray(s->labels, s->nlabels + 1, sizeof *s->labels);
		s->labels[s->nlabels++] = xstrdup(label);
		launchd_plan_live(p, s, job, label, state);
		if (s->plists != NULL)
			launchd_plan_static(p, s, job, label, state);
		else
			launchd_plan_no_folder(p, job);
	}
}

static int
launchd_declared(const struct launchd_section *s, const char *label)
{
	size_t	i;

	for (i = 0; i < s->nlabels; i++) {
		if (strcmp(s->labels[i], label) == 0)
			return 1;
	}
	return 0;
}

/* ---- live ---- */

/* One `launchctl print` of a run: jobs[i] runs argvs[i]. */
struct launchd_argv {
	char	*argv[4];
};

/* "a b c": the same form as a plist's ProgramArguments (launchd-parse.c). */
static char *
launchd_join(char *const *words, size_t n)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, 65536);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i > 0 ? " " : "", words[i]);
	return buf_steal(&b);
}

/*
 * Publishes nothing (returns 0) when the run was cancelled. The tool's faults
 * read as cmdout_judge words them for every tool; launchctl's own case is the
 * job it cannot find (exit 113): absent, not an error.
 */
static int
launchd_observe(struct check *c, struct launchd_argv *a, struct exec_job *job,
    int configured)
{
	struct observation	*o = &c->observation;
	struct launchd_service	 svc;
	char			*cmd, *line, *excerpt, *cause = NULL, *args, *shown;
	char			*words[] = { (char *)"launchctl", (char *)"print", a->argv[2], NULL };
	char			*reason = NULL;
	enum cmdout_verdict	 v;

	shown = exec_argv_string(words);
	cmd = exec_argv_string(a->argv);
	v = cmdout_judge(job, "launchctl", configured, shown, &reason);
	if (v == CMDOUT_CANCELLED)
		goto out;
	observation_evidence(o, "%s", cmd);
	if (v == CMDOUT_ERROR && job->exited && job->exit_code != 0 &&
	    (job->exit_code == 113 || cmdout_contains(job, "Could not find service"))) {
		line = cmdout_failure_line(job);
		observation_fact(o, "exists", "no");
		observation_fact(o, "state", "absent");
		observation_evidence(o, "%s\nexited %d: %s", cmd, job->exit_code, line);
		free(line);
		goto out;
	}
	if (v == CMDOUT_UNKNOWN) {
		observation_unknown(o, "%s", reason);
		goto out;
	}
	if (v == CMDOUT_ERROR) {
		observation_error(o, "%s", reason);
		goto out;
	}
	if (launchd_service_parse(job->out.data, job->out.len, &svc, &cause) != 0) {
		/* No excerpt of unparsable output: it may hold an environment. */
		observation_error(o, "%s: %s", shown, cause);
		free(cause);
		goto out;
	}
	observation_fact(o, "exists", "yes");
	observation_fact(o, "state", svc.state == LAUNCHD_OTHER ? svc.state_text :
	    launchd_state_name(svc.state));
	if (svc.pid >= 0)
		observation_factf(o, "pid", "%lld", svc.pid);
	if (svc.has_last_exit)
		observation_factf(o, "last_exit", "%lld", svc.last_exit);
	else if (svc.last_exit_text != NULL)
		observation_fact(o, "last_exit", "never exited");
	if (svc.runs >= 0)
		observation_factf(o, "runs", "%lld", svc.runs);
	if (svc.narguments > 0) {
		args = launchd_join(svc.arguments, svc.narguments);
		observation_fact(o, "program", args);
		free(args);
	} else if (svc.program != NULL)
		observation_fact(o, "program", svc.program);
	excerpt = launchd_service_excerpt(&svc);
	observation_evidence(o, "%s\n%s", cmd, excerpt);
	free(excerpt);
	launchd_service_free(&svc);
out:
	free(reason);
	free(shown);
	free(cmd);
	return v != CMDOUT_CANCELLED;
}

/* Loaded jobs with the watched prefix that the topology does not declare. */
static void
launchd_live_extras(struct batch *b, const struct launchd_section *s,
    struct launchd_argv *a, struct exec_job *job, const struct check *near)
{
	struct launchd_domain_entry	*e = NULL;
	char				*cmd, *id, *found;
	size_t				 n, i;

	if (!job->started || !job->exited || job->exit_code != 0 || job->out.toobig)
		return;		/* the job checks say why launchctl failed */
	cmd = exec_argv_string(a->argv);
	n = launchd_domain_parse(job->out.data, job->out.len, &e);
	for (i = 0; i < n; i++) {
		if (!util_starts_with(e[i].label, s->extra_prefix) ||
		    launchd_declared(s, e[i].label))
			continue;
		id = xasprintf("launchd/%s", e[i].label);
		if (strcmp(e[i].pid, "-") != 0 && strcmp(e[i].pid, "0") != 0)
			found = xasprintf("loaded in %s, running (pid %s)", s->domain, e[i].pid);
		else
			found = xasprintf("loaded in %s, not running (last exit %s)", s->domain,
			    e[i].status);
		batch_extra(b, near, id, found, cmd);
		free(found);
		free(id);
	}
	launchd_domain_free(e, n);
	free(cmd);
}

/* What launchd_job_done needs to publish a job's check as soon as it ends. */
struct launchd_run {
	struct batch		*b;
	struct check		**checks;
	struct launchd_argv	*argvs;
	struct exec_job		*jobs;
	size_t			 n;		/* service jobs; jobs[n] is the domain's */
	int			 configured;
};

static void
launchd_job_done(struct exec_job *job, void *arg)
{
	struct launchd_run	*r = arg;
	size_t			 i = (size_t)(job - r->jobs);

	/* A hung launchctl for one job must not hold back the others' results. */
	if (i >= r->n || batch_cancelled(r->b))
		return;
	if (launchd_observe(r->checks[i], &r->argvs[i], job, r->configured))
		batch_done(r->b, r->checks[i]);
}

static void
launchd_run_live(struct batch *b, struct check **checks, size_t n)
{
	struct launchd_section	*s;
	struct launchd_argv	*argvs;
	struct exec_job		*jobs;
	struct launchd_run	 run;
	const char		*program;
	size_t			 i, njobs = n;
	int			 configured, timeout = 0;

	if (n == 0)
		return;
	s = ((struct launchd_config *)checks[0]->config)->section;
	program = cmdout_program(b->topology, "launchctl", &configured);
	argvs = xcalloc(n + 1, sizeof *argvs);
	jobs = xcalloc(n + 1, sizeof *jobs);
	for (i = 0; i < n; i++) {
		struct launchd_config *cfg = checks[i]->config;

		argvs[i].argv[0] = (char *)program;
		argvs[i].argv[1] = (char *)"print";
		argvs[i].argv[2] = xasprintf("%s/%s", cfg->domain, cfg->label);
		jobs[i].argv = argvs[i].argv;
		jobs[i].timeout_ms = checks[i]->timeout_ms;
		jobs[i].out_cap = LAUNCHD_PRINT_CAP;
		if (checks[i]->timeout_ms > timeout)
			timeout = checks[i]->timeout_ms;
	}
	/* The domain listing runs beside the jobs, for the extras. */
	if (s->extra_prefix != NULL && batch_whole_layer(b, LAYER_LIVE, NULL, NULL)) {
		argvs[n].argv[0] = (char *)program;
		argvs[n].argv[1] = (char *)"print";
		argvs[n].argv[2] = xstrdup(s->domain);
		jobs[n].argv = argvs[n].argv;
		jobs[n].timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : timeout;
		jobs[n].out_cap = LAUNCHD_DOMAIN_CAP;
		njobs++;
	}
	run.b = b;
	run.checks = checks;
	run.argvs = argvs;
	run.jobs = jobs;
	run.n = n;
	run.configured = configured;
	batch_run_programs(b, jobs, njobs, launchd_job_done, &run);
	if (njobs > n && !batch_cancelled(b))
		launchd_live_extras(b, s, &argvs[n], &jobs[n], checks[0]);
	for (i = 0; i < njobs; i++) {
		free(argvs[i].argv[2]);
		exec_job_free(&jobs[i]);
	}
	free(argvs);
	free(jobs);
}

/* ---- static ---- */

struct launchd_plist_file {
	char			*path;
	int			 ok;
	struct launchd_plist	 plist;
	char			*cause;		/* when !ok */
};

static int
launchd_is_plist(const char *name)
{
	size_t	len = strlen(name);

	return name[0] != '.' && len > 6 && strcmp(name + len - 6, ".plist") == 0;
}

static int
launchd_compare_files(const void *a, const void *b)
{
	const struct launchd_plist_file	*x = a, *y = b;

	return strcmp(x->path, y->path);
}

/*
 * Reads every *.plist of the folder. -1 with *cause when the folder cannot be
 * read. root: --root, or NULL; the folder and each plist (a link, maybe) must
 * be in it (textfile_allowed).
 */
static int
launchd_read_folder(const char *folder, const char *root,
    struct launchd_plist_file **out, size_t *nout, char **cause)
{
	struct launchd_plist_file	*files = NULL, *f;
	struct dirent			*de;
	struct buf			 b;
	DIR				*dir;
	char				*real = NULL;
	size_t				 n = 0;

	*out = NULL;
	*nout = 0;
	if (textfile_allowed(root, folder, &real, cause) != 0)
		return -1;
	dir = opendir(real);
	free(real);
	if (dir == NULL) {
		*cause = xasprintf("cannot read %s: %s", folder, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL && n < LAUNCHD_MAX_PLISTS) {
		if (!launchd_is_plist(de->d_name))
			continue;
		files = xreallocarray(files, n + 1, sizeof *files);
		f = &files[n++];
		memset(f, 0, sizeof *f);
		f->path = xasprintf("%s/%s", folder, de->d_name);
		buf_init(&b, LAUNCHD_PLIST_CAP);
		/* buf_read_regular refuses a file past the cap with a cause. */
		if (textfile_allowed(root, f->path, &real, &f->cause) == 0 &&
		    buf_read_regular(&b, real, &f->cause) == 0 &&
		    launchd_plist_parse(buf_str(&b), b.len, &f->plist, &f->cause) == 0)
			f->ok = 1;
		free(real);
		real = NULL;
		buf_free(&b);
	}
	closedir(dir);
	if (n > 1)
		qsort(files, n, sizeof *files, launchd_compare_files);
	*out = files;
	*nout = n;
	return 0;
}

static void
launchd_observe_plist(struct check *c, const struct launchd_plist_file *files, size_t n)
{
	struct launchd_config	*cfg = c->config;
	struct observation	*o = &c->observation;
	const struct launchd_plist *pl;
	const char		*base;
	char			*guess;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (!files[i].ok || strcmp(files[i].plist.label, cfg->label) != 0)
			continue;
		pl = &files[i].plist;
		observation_fact(o, "exists", "yes");
		observation_fact(o, "file", files[i].path);
		if (pl->program != NULL)
			observation_fact(o, "program", pl->program);
		if (pl->keep_alive != NULL)
			observation_fact(o, "keep_alive", pl->keep_alive);
		if (pl->run_at_load != NULL)
			observation_fact(o, "run_at_load", pl->run_at_load);
		if (pl->interval != NULL)
			observation_fact(o, "interval", pl->interval);
		observation_evidence(o, "%s:%d: Label %s\nprogram = %s\nKeepAlive = %s\n"
		    "RunAtLoad = %s\ninterval = %s", files[i].path, pl->line, pl->label,
		    pl->program != NULL ? pl->program : "(none)",
		    pl->keep_alive != NULL ? pl->keep_alive : "(none)",
		    pl->run_at_load != NULL ? pl->run_at_load : "(none)",
		    pl->interval != NULL ? pl->interval : "(none)");
		return;
	}
	/* Not found: an unreadable LABEL.plist means we cannot tell. */
	guess = xasprintf("%s.plist", cfg->label);
	for (i = 0; i < n; i++) {
		base = strrchr(files[i].path, '/');
		base = base != NULL ? base + 1 : files[i].path;
		if (!files[i].ok && strcmp(base, guess) == 0) {
			observation_error(o, "%s: %s", files[i].path, files[i].cause);
			free(guess);
			return;
		}
	}
	free(guess);
	observation_fact(o, "exists", "no");
	observation_evidence(o, "no plist in %s has Label %s (%zu plists read)",
	    cfg->section->plists, cfg->label, n);
}

static void
launchd_run_static(struct batch *b, struct check **checks, size_t n)
{
	struct launchd_section		*s;
	struct launchd_plist_file	*files = NULL;
	size_t				 nfiles = 0, i;
	char				*cause = NULL, *id, *found, *ev;

	if (n == 0)
		return;
	s = ((struct launchd_config *)checks[0]->config)->section;
	if (launchd_read_folder(s->plists, b->topology != NULL ?
	    b->topology->read_root : NULL, &files, &nfiles, &cause) != 0) {
		for (i = 0; i < n; i++) {
			observation_error(&checks[i]->observation, "%s", cause);
			batch_done(b, checks[i]);
		}
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		launchd_observe_plist(checks[i], files, nfiles);
		batch_done(b, checks[i]);
	}
	if (batch_whole_layer(b, LAYER_STATIC, NULL, NULL)) {
		for (i = 0; i < nfiles; i++) {
			if (!files[i].ok || launchd_declared(s, files[i].plist.label))
				continue;
			if (s->extra_prefix != NULL &&
			    !util_starts_with(files[i].plist.label, s->extra_prefix))
				continue;
			id = xasprintf("launchd/%s/plist", files[i].plist.label);
			found = xasprintf("plist %s", files[i].path);
			ev = xasprintf("%s:%d: Label %s", files[i].path, files[i].plist.line,
			    files[i].plist.label);
			batch_extra(b, checks[0], id, found, ev);
			free(ev);
			free(found);
			free(id);
		}
	}
	for (i = 0; i < nfiles; i++) {
		free(files[i].path);
		free(files[i].cause);
		if (files[i].ok)
			launchd_plist_free(&files[i].plist);
	}
	free(files);
}

/*
 * The batch may hold checks of several launchd sections in principle (one
 * per file); a topology has one, so checks are split by layer only.
 */
static void
launchd_run(struct batch *b)
{
	section_run_layers(b, launchd_run_static, launchd_run_live);
}

const struct probe_ops probe_launchd = {
	.name = "launchd",
	.help = "macOS launchd jobs: launchctl print (live), plists (static)",
	.schema = &launchd_schema,
	.plan = launchd_plan,
	.run = launchd_run,
	.free_config = launchd_free_config,
};
