/*
 * files.c: the `files:` section. Each item is a path that must exist, or a
 * map {path, name, absent, contains, timeout_ms}. Static layer: it reads the
 * repository, never the running system.
 *
 * Facts: "exists" (yes/no; the diff turns a missing file into drift missing
 * and a file declared absent but present into drift extra) and, with
 * contains:, "contains": the first line matching the pattern (NULL when no
 * line matches). The pattern is searched in the whole file in multi-line
 * mode, so ^ and $ anchor at line ends, as in grep.
 */
#include "probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/regex.h"
#include "../util/util.h"
#include "textfile.h"

struct files_config {
	char		*path;		/* expanded, absolute when it was relative */
	struct regex	*contains;	/* compiled with (?m); NULL without contains */
};

static const struct schema files_item_schema[] = {
	{ .key = "path", .type = SCHEMA_STRING, .required = 1,
	  .help = "the file or folder (${REPO}/... for the repository)" },
	{ .key = "name", .type = SCHEMA_STRING,
	  .help = "id of the check: file/NAME instead of file/PATH" },
	{ .key = "absent", .type = SCHEMA_BOOL, .def = "false",
	  .help = "the path must NOT exist" },
	{ .key = "contains", .type = SCHEMA_REGEX,
	  .help = "a PCRE2 pattern some line of the file must match" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema files_entry_schema[] = {
	{ .key = "file", .type = SCHEMA_SCALAR_OR_MAP, .children = files_item_schema,
	  .help = "a path that must exist, or {path, name, absent, contains}" },
	{ .key = NULL },
};

static const struct schema files_schema = {
	.key = "files", .type = SCHEMA_LIST, .children = files_entry_schema,
	.help = "files and folders of the repository that must (or must not) exist",
};

static void
files_free_config(void *p)
{
	struct files_config	*fc = p;

	if (fc == NULL)
		return;
	free(fc->path);
	regex_free(fc->contains);
	free(fc);
}

static void
files_plan_item(struct plan *p, const struct node *item)
{
	const struct node	*path_node, *contains_node;
	struct files_config	*fc;
	struct check		*c;
	const char		*name, *contains, *shown;
	char			*pattern, *cause = NULL;
	int			 absent;

	path_node = item->type == NODE_SCALAR ? item : node_get(item, "path");
	if (path_node == NULL || path_node->type != NODE_SCALAR ||
	    path_node->is_null || path_node->value[0] == '\0') {
		problems_add_at(p->problems, item, "files: an item needs a path");
		return;
	}
	name = node_str(item, "name", NULL);
	absent = node_bool(item, "absent", 0);
	contains_node = node_get(item, "contains");
	contains = node_str(item, "contains", NULL);
	if (absent && contains != NULL) {
		problems_add_at(p->problems, contains_node,
		    "files: contains cannot be combined with absent: true");
		return;
	}

	/* Ids and summaries say the path as written, not this machine's. */
	shown = textfile_stable_path(path_node->raw != NULL ? path_node->raw :
	    path_node->value);
	c = plan_add(p, &probe_files, LAYER_STATIC, item, "file/%s",
	    name != NULL ? name : shown);
	fc = xcalloc(1, sizeof *fc);
	fc->path = textfile_resolve(p->topology != NULL ? p->topology->path :
	    NULL, path_node->value);
	c->config = fc;
	plan_expect(p, c, path_node, "exists", MATCH_EQUALS, absent ? "no" : "yes");
	if (contains != NULL) {
		/*
		 * Multi-line mode, so that ^ and $ mean a line as in grep. An
		 * invalid pattern is reported by plan_expect (and the schema).
		 */
		pattern = xasprintf("(?m)%s", contains);
		fc->contains = regex_compile(pattern, &cause);
		free(pattern);
		free(cause);
		/* The diff matches the pattern again against the line found. */
		plan_expect(p, c, contains_node, "contains", MATCH_REGEX, contains);
		plan_summary(c, "%s contains /%s/", shown, contains);
	} else
		plan_summary(c, "%s %s", shown, absent ? "is absent" : "exists");
}

static void
files_plan(struct plan *p, const struct node *section)
{
	size_t	i;

	if (section->type != NODE_SEQ)
		return;		/* the schema has said why */
	for (i = 0; i < section->count; i++)
		files_plan_item(p, section->items[i]);
}

/* Searches fc->contains in the file; sets the "contains" fact or an error. */
static void
files_search(struct check *c, const struct files_config *fc, const char *root)
{
	struct observation	*o = &c->observation;
	struct buf		 b;
	char			*cause = NULL, *line;
	size_t			 offset;
	int			 rc;

	if (textfile_read(root, fc->path, &b, &cause) != 0) {
		observation_error(o, "%s", cause);
		free(cause);
		return;
	}
	rc = regex_match(fc->contains, buf_str(&b), b.len, NULL, &offset,
	    &cause);
	if (rc == -1) {
		observation_error(o, "%s: %s", fc->path, cause);
		free(cause);
	} else if (rc == 0) {
		observation_fact(o, "contains", NULL);
		observation_evidence(o, "%s: no line matches", fc->path);
	} else {
		line = textfile_excerpt(buf_str(&b), b.len, offset);
		observation_fact(o, "contains", line);
		observation_evidence(o, "%s:%d: %s", fc->path,
		    textfile_line(buf_str(&b), b.len, offset), line);
		free(line);
	}
	buf_free(&b);
}

/* root: --root, or NULL; a path outside it is not even looked at. */
static void
files_observe(struct check *c, const char *root)
{
	const struct files_config	*fc = c->config;
	struct observation		*o = &c->observation;
	struct stat			 st;
	char				*real = NULL, *cause = NULL;
	int				 error;

	if (textfile_allowed(root, fc->path, &real, &cause) != 0) {
		observation_error(o, "%s", cause);
		free(cause);
		return;
	}
	if (stat(real, &st) == -1) {
		error = errno;
		if (error != ENOENT && error != ENOTDIR)
			observation_error(o, "cannot stat %s: %s", fc->path,
			    strerror(error));
		else {
			observation_fact(o, "exists", "no");
			observation_evidence(o, "%s: %s", fc->path,
			    strerror(error));
		}
		goto out;
	}
	observation_fact(o, "exists", "yes");
	observation_fact(o, "type", S_ISDIR(st.st_mode) ? "directory" :
	    S_ISREG(st.st_mode) ? "file" : "other");
	observation_evidence(o, "%s", fc->path);
	if (fc->contains != NULL)
		files_search(c, fc, root);
out:
	free(real);
}

/*
 * Local stat and read: microseconds each, so the batch is observed in turn
 * on this probe's thread; a cancelled run stops between checks.
 */
static void
files_run(struct batch *b)
{
	struct check	*c;
	const char	*root = b->topology != NULL ? b->topology->read_root : NULL;
	size_t		 i;

	for (i = 0; i < b->count && !batch_cancelled(b); i++) {
		c = b->checks[i];
		files_observe(c, root);
		batch_done(b, c);
	}
}

const struct probe_ops probe_files = {
	.name = "files",
	.help = "files of the repository: exist, absent, contain a pattern",
	.schema = &files_schema,
	.plan = files_plan,
	.run = files_run,
	.free_config = files_free_config,
};
