/*
 * cmd.c: what the subcommands share: option parsing (each command accepts a
 * subset, cmd_entry.options) and loading + validating + planning a topology.
 */
#include "cmd.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/sched.h"
#include "topology/check.h"
#include "topology/plan.h"
#include "topology/topology.h"
#include "util/util.h"

enum {
	OPT_FORMAT = 256, OPT_LAYER, OPT_ONLY, OPT_SET, OPT_JOBS, OPT_TIMEOUT,
	OPT_STRICT, OPT_INTERVAL, OPT_LIVE, OPT_CHANGED, OPT_RESULTS, OPT_ROOT,
	OPT_LISTEN, OPT_REPO, OPT_MERGE, OPT_COLOR,
	OPT_HELP,
};

static const struct {
	struct option	option;
	int		flag;		/* CMD_OPT_* that enables it */
	const char	*help;
} cmd_options[] = {
	{ { "file", required_argument, NULL, 'f' }, CMD_OPT_FILE,
	  "-f, --file FILE        topology file (default $TOPO_FILE, ./topology.yaml)" },
	{ { "format", required_argument, NULL, OPT_FORMAT }, CMD_OPT_FORMAT,
	  "    --format FORMAT    text, json, markdown or junit (default text)" },
	{ { "layer", required_argument, NULL, OPT_LAYER }, CMD_OPT_LAYER,
	  "    --layer LAYER      static (the repository) or live (the running system)" },
	{ { "only", required_argument, NULL, OPT_ONLY }, CMD_OPT_ONLY,
	  "    --only GLOB        only checks whose id matches (repeatable)" },
	{ { "set", required_argument, NULL, OPT_SET }, CMD_OPT_SET,
	  "    --set VAR=VALUE    set a variable (repeatable; beats vars: and the environment)" },
	{ { "jobs", required_argument, NULL, OPT_JOBS }, CMD_OPT_JOBS,
	  "    --jobs N           at most N checks in flight per probe (default 512)" },
	{ { "timeout", required_argument, NULL, OPT_TIMEOUT }, CMD_OPT_TIMEOUT,
	  "    --timeout MS       default per-check timeout (default 5000)" },
	{ { "strict", no_argument, NULL, OPT_STRICT }, CMD_OPT_STRICT,
	  "    --strict           unknown also makes the exit code 1" },
	{ { "output", required_argument, NULL, 'o' }, CMD_OPT_OUTPUT,
	  "-o, --output OUT       write to OUT (atomically) instead of stdout" },
	{ { "interval", required_argument, NULL, OPT_INTERVAL }, CMD_OPT_INTERVAL,
	  "    --interval SECONDS refresh interval (default 10)" },
	{ { "live", no_argument, NULL, OPT_LIVE }, CMD_OPT_LIVE,
	  "    --live             ask the running system too (doc: each row's verdict; why: Inngest's runs)" },
	{ { "results", required_argument, NULL, OPT_RESULTS }, CMD_OPT_LIVE,
	  "    --results FILE     take verdicts from `topo check --format json` output" },
	{ { "changed", required_argument, NULL, OPT_CHANGED }, CMD_OPT_CHANGED,
	  "    --changed FILE|-   paths a change touched (git diff --name-only)" },
	{ { "repo", required_argument, NULL, OPT_REPO }, CMD_OPT_REPO,
	  "    --repo DIR         the checkout to read (topo init)" },
	{ { "merge", required_argument, NULL, OPT_MERGE }, CMD_OPT_MERGE,
	  "    --merge FILE       print only what FILE lacks, as a diff" },
	{ { "root", required_argument, NULL, OPT_ROOT }, CMD_OPT_ROOT,
	  "    --root DIR         read repository files only in DIR (default $TOPO_ROOT)" },
	{ { "quiet", no_argument, NULL, 'q' }, CMD_OPT_QUIET,
	  "-q, --quiet            no progress line on a terminal's stderr" },
	{ { "color", required_argument, NULL, OPT_COLOR }, CMD_OPT_COLOR,
	  "    --color WHEN       auto (a terminal, no NO_COLOR, TERM not dumb), always, never" },
	{ { "listen", required_argument, NULL, OPT_LISTEN }, CMD_OPT_LISTEN,
	  "    --listen ADDR:PORT serve on ADDR:PORT (default 127.0.0.1:9797)" },
};
#define CMD_NOPTIONS (sizeof cmd_options / sizeof cmd_options[0])

void
cmd_usage(const struct cmd_entry *e, FILE *f)
{
	size_t	i;

	fprintf(f, "usage: topo %s %s\n%s\n", e->name, e->usage, e->help);
	for (i = 0; i < CMD_NOPTIONS; i++) {
		if (e->options & cmd_options[i].flag)
			fprintf(f, "  %s\n", cmd_options[i].help);
	}
	fprintf(f, "  -h, --help             this help\n");
}

static int
cmd_number(const char *name, const char *s, int min, int max, int *out)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "topo: %s must be a number from %d to %d, not '%s'\n",
		    name, min, max, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* --interval: seconds, as N or Ns (as Prometheus writes them: 30s). */
static int
cmd_seconds(const char *s, int *out)
{
	char	 copy[32];
	size_t	 len = strlen(s);

	if (len > 1 && len < sizeof copy && s[len - 1] == 's') {
		memcpy(copy, s, len - 1);
		copy[len - 1] = '\0';
		s = copy;
	}
	return cmd_number("--interval", s, 1, 86400, out);
}

/*
 * --root DIR (or $TOPO_ROOT, named by from) resolved once, here: the probes
 * compare real paths with it, so it must be real itself. A folder that is
 * not there is a usage error, not a run that reads nothing.
 */
static int
cmd_root(const char *from, const char *dir, char **out)
{
	struct stat	 st;
	char		*real;

	if ((real = realpath(dir, NULL)) == NULL || stat(real, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "topo: %s %s: %s (it must be an existing folder)\n",
		    from, dir, real == NULL ? strerror(errno) : "not a folder");
		free(real);
		return -1;
	}
	*out = real;
	return 0;
}

static void
cmd_push(char ***list, size_t *n, const char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = xstrdup(s);
}

/*
 * --set NAME=VALUE, where a VALUE that is a relative path (".", "./x",
 * "../x") is made absolute against the current folder: typed on a command
 * line, it means here (`--set REPO=.` in CI), not beside the topology file,
 * which is how a relative path written in the file is read.
 */
static void
cmd_push_set(char ***list, size_t *n, const char *s)
{
	const char	*value = strchr(s, '=') + 1;
	char		 cwd[4096], *abs;

	if ((strcmp(value, ".") == 0 || strcmp(value, "..") == 0 ||
	    strncmp(value, "./", 2) == 0 || strncmp(value, "../", 3) == 0) &&
	    getcwd(cwd, sizeof cwd) != NULL) {
		abs = xasprintf("%.*s%s/%s", (int)(value - s), s, cwd, value);
		*list = xreallocarray(*list, *n + 1, sizeof **list);
		(*list)[(*n)++] = abs;
		return;
	}
	cmd_push(list, n, s);
}

int
cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_args *a)
{
	struct option	 longopts[CMD_NOPTIONS + 2];
	/* ':' first (after '+'): a missing argument is ':', not '?'. */
	char		 shortopts[16] = "+:h";
	size_t		 i, n = 0;
	const char	*root = NULL, *root_from = "--root";
	int		 ch;

	memset(a, 0, sizeof *a);
	a->format = "text";
	a->jobs = SCHED_JOBS_DEFAULT;
	a->interval = 10;
	for (i = 0; i < CMD_NOPTIONS; i++) {
		if (e->options & cmd_options[i].flag)
			longopts[n++] = cmd_options[i].option;
	}
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	memset(&longopts[n], 0, sizeof longopts[n]);
	if (e->options & CMD_OPT_FILE)
		strcat(shortopts, "f:");
	if (e->options & CMD_OPT_OUTPUT)
		strcat(shortopts, "o:");
	if (e->options & CMD_OPT_QUIET)
		strcat(shortopts, "q");

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			a->file = optarg;
			break;
		case 'o':
			a->output = optarg;
			break;
		case OPT_FORMAT:
			a->format = optarg;
			break;
		case OPT_LAYER:
			if (strcmp(optarg, "static") == 0)
				a->layers = LAYER_STATIC;
			else if (strcmp(optarg, "live") == 0)
				a->layers = LAYER_LIVE;
			else if (strcmp(optarg, "all") == 0)
				a->layers = 0;
			else {
				fprintf(stderr, "topo: --layer is static, live or all, not '%s'\n",
				    optarg);
				goto usage;
			}
			break;
		case OPT_ONLY:
			cmd_push(&a->only, &a->nonly, optarg);
			break;
		case OPT_SET:
			if (strchr(optarg, '=') == NULL || *optarg == '=') {
				fprintf(stderr, "topo: --set takes VAR=VALUE, not '%s'\n",
				    optarg);
				goto usage;
			}
			cmd_push_set(&a->sets, &a->nsets, optarg);
			break;
		case OPT_JOBS:
			if (cmd_number("--jobs", optarg, 1, 100000, &a->jobs) != 0)
				goto usage;
			break;
		case OPT_TIMEOUT:
			if (cmd_number("--timeout", optarg, 1, 3600000,
			    &a->timeout_ms) != 0)
				goto usage;
			break;
		case OPT_STRICT:
			a->strict = 1;
			break;
		case OPT_INTERVAL:
			if (cmd_seconds(optarg, &a->interval) != 0)
				goto usage;
			break;
		case OPT_LIVE:
			a->live = 1;
			break;
		case OPT_RESULTS:
			a->results = optarg;
			break;
		case OPT_CHANGED:
			a->changed = optarg;
			break;
		case OPT_REPO:
			a->repo = optarg;
			break;
		case OPT_MERGE:
			a->merge = optarg;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_LISTEN:
			a->listen = optarg;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") == 0)
				a->color = CMD_COLOR_AUTO;
			else if (strcmp(optarg, "always") == 0)
				a->color = CMD_COLOR_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				a->color = CMD_COLOR_NEVER;
			else {
				fprintf(stderr, "topo: --color is auto, always or never, "
				    "not '%s'\n", optarg);
				goto usage;
			}
			break;
		case ':':
			fprintf(stderr, "topo %s: option %s needs an argument\n",
			    e->name, argv[optind - 1]);
			goto usage;
		case 'h':
			cmd_usage(e, stdout);
			cmd_args_free(a);
			exit(0);
		default:
			if (optopt != 0 && optopt < 256)
				fprintf(stderr, "topo %s: unknown or incomplete option -%c\n",
				    e->name, optopt);
			else
				fprintf(stderr, "topo %s: unknown or incomplete option %s\n",
				    e->name, argv[optind - 1]);
			goto usage;
		}
	}
	if (e->options & CMD_OPT_ROOT) {
		if (root == NULL && (root = getenv("TOPO_ROOT")) != NULL) {
			root_from = "$TOPO_ROOT";
			if (*root == '\0')
				root = NULL;
		}
		if (root != NULL && cmd_root(root_from, root, &a->root) != 0)
			goto usage;
	}
	a->rest = argv + optind;
	a->nrest = argc - optind;
	if (a->file == NULL && (e->options & CMD_OPT_FILE)) {
		a->file = getenv("TOPO_FILE");
		if (a->file == NULL || *a->file == '\0')
			a->file = "topology.yaml";
	}
	return 0;
usage:
	cmd_usage(e, stderr);
	cmd_args_free(a);
	return 2;
}

void
cmd_args_free(struct cmd_args *a)
{
	size_t	i;

	for (i = 0; i < a->nonly; i++)
		free(a->only[i]);
	free(a->only);
	for (i = 0; i < a->nsets; i++)
		free(a->sets[i]);
	free(a->sets);
	free(a->root);
	a->root = NULL;
	a->only = a->sets = NULL;
	a->nonly = a->nsets = 0;
}

/*
 * Every --only GLOB must match some check id (whatever --layer says): a
 * mistyped filter would otherwise run nothing and pass. 0, or -1 after
 * saying which glob and the ids closest to it.
 */
static int
cmd_only_matches(const struct cmd_args *a, const struct plan *p)
{
	const char	**ids, *close[3];
	char		 *kind;
	size_t		  i, j, k, n, nkinds;
	int		  rc = 0;

	if (a->nonly == 0)
		return 0;
	/* The suggestions: every id, and each kind's "KIND" followed by
	 * a slash and two stars, for a mistyped kind ("prot" for "port"). */
	ids = xcalloc(2 * p->count + 1, sizeof *ids);
	for (j = 0; j < p->count; j++)
		ids[j] = p->checks[j]->id;
	nkinds = 0;
	for (j = 0; j < p->count; j++) {
		kind = xasprintf("%.*s/**", (int)strcspn(ids[j], "/"), ids[j]);
		for (k = 0; k < nkinds; k++) {
			if (strcmp(ids[p->count + k], kind) == 0)
				break;
		}
		if (k < nkinds)
			free(kind);
		else
			ids[p->count + nkinds++] = kind;
	}
	for (i = 0; i < a->nonly; i++) {
		for (j = 0; j < p->count; j++) {
			if (plan_matches(p->checks[j], a->only[i]))
				break;
		}
		if (j < p->count)
			continue;
		fprintf(stderr, "topo: --only '%s' matches no check of %s", a->only[i],
		    a->file);
		n = util_closest(a->only[i], ids, p->count + nkinds, close, 3);
		for (j = 0; j < n; j++)
			fprintf(stderr, "%s'%s'", j == 0 ? "; closest: " : ", ", close[j]);
		fputs(n == 0 ? " ('*' stays within one '/' segment, '**' crosses; "
		    "topo list shows every id)\n" : "\n", stderr);
		rc = -1;
	}
	for (k = 0; k < nkinds; k++)
		free((char *)ids[p->count + k]);
	free(ids);
	return rc;
}

int
cmd_load(const struct cmd_args *a, struct topology **tp, struct plan **pp)
{
	struct problems	 problems, planned;
	struct topology	*t;
	struct plan	*p = NULL;
	long long	 timeout;

	memset(&problems, 0, sizeof problems);
	memset(&planned, 0, sizeof planned);
	*tp = NULL;
	*pp = NULL;
	t = topology_load(a->file, a->sets, a->nsets, &problems);
	if (t != NULL && a->root != NULL)
		t->read_root = xstrdup(a->root);
	if (t != NULL) {
		timeout = a->timeout_ms;
		if (timeout == 0)
			timeout = node_int(node_get(t->root, "defaults"),
			    "timeout_ms", 5000);
		if (timeout < 1 || timeout > INT_MAX)
			timeout = 5000;
		if (problems.count == 0)
			p = plan_build(t, (int)timeout, &problems);
		else {
			/* The schema found problems: what the planner says of
			 * the same items would echo them, but duplicate ids
			 * only it sees, and they belong in the same run. */
			p = plan_build(t, (int)timeout, &planned);
			problems_free(&planned);
			plan_duplicates(p, &problems);
		}
	}
	if (t == NULL || problems.count > 0) {
		problems_sort(&problems);
		problems_print(&problems, stderr);
		fprintf(stderr, "topo: %s: %zu problem%s, nothing checked\n",
		    a->file, problems.count, problems.count == 1 ? "" : "s");
		problems_free(&problems);
		plan_free(p);
		topology_free(t);
		return 2;
	}
	problems_free(&problems);
	if (cmd_only_matches(a, p) != 0) {
		plan_free(p);
		topology_free(t);
		return 2;
	}
	plan_filter(p, a->only, a->nonly, a->layers);
	*tp = t;
	*pp = p;
	return 0;
}

int
cmd_output_open(struct cmd_output *o, const char *path)
{
	struct stat	 sb;
	char		*copy;
	int		 fd;

	memset(o, 0, sizeof *o);
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	o->path = path;
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if ((o->f = fopen(path, "w")) == NULL)
			goto fail;
		return 0;
	}
	copy = xstrdup(path);
	o->tmp = xasprintf("%s/.topo-output.XXXXXX", dirname(copy));
	free(copy);
	if ((fd = mkstemp(o->tmp)) == -1)
		goto fail;
	if ((o->f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "topo: cannot write %s: %s\n", path, strerror(errno));
	free(o->tmp);
	o->tmp = NULL;
	return -1;
}

/* Set when stdout's reader went away: what is left to say has no reader. */
static int	cmd_epipe;

int
cmd_output_quiet(void)
{
	return cmd_epipe;
}

int
cmd_color(const struct cmd_args *a, FILE *f)
{
	const char	*no_color = getenv("NO_COLOR"), *term = getenv("TERM");

	if (a->color != CMD_COLOR_AUTO)
		return a->color == CMD_COLOR_ALWAYS;
	if (!isatty(fileno(f)))
		return 0;
	if (no_color != NULL && *no_color != '\0')
		return 0;
	return term == NULL || strcmp(term, "dumb") != 0;
}

int
cmd_output_close(struct cmd_output *o, int ok)
{
	int	rc = ok ? 0 : -1, saved;

	if (o->f == stdout) {
		if (fflush(stdout) != 0 || ferror(stdout)) {
			if (errno == EPIPE)
				cmd_epipe = 1;
			else
				fprintf(stderr, "topo: cannot write the output: %s\n",
				    strerror(errno));
			rc = -1;
		}
		return rc;
	}
	if (fflush(o->f) != 0 || (o->tmp != NULL && fsync(fileno(o->f)) != 0))
		rc = -1;
	saved = errno;
	if (fclose(o->f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && o->tmp != NULL && rename(o->tmp, o->path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0 && ok)
		fprintf(stderr, "topo: cannot write %s: %s\n", o->path,
		    strerror(saved));
	if (o->tmp != NULL) {
		if (rc != 0)
			unlink(o->tmp);
		free(o->tmp);
	}
	memset(o, 0, sizeof *o);
	return rc;
}
