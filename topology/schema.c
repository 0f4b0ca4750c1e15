/*
 * schema.c: validation driven only by struct schema tables (see schema.h),
 * and the table of the file's top level. Every fault is reported, each at
 * its node's file:line:column and named by its path ("http[2].expect.status"),
 * never stopping at the first. Probe sections are validated with the table
 * each probe exports (struct probe_ops .schema).
 */
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../probes/probe.h"
#include "../util/buf.h"
#include "../util/regex.h"
#include "../util/util.h"
#include "topology.h"

#define SCHEMA_MAX_WORD	64	/* longer words get no suggestion */


static const struct schema schema_string[] = {
	{ .key = "value", .type = SCHEMA_STRING },
};

const struct schema schema_check_ids[] = {
	{ .key = "id", .type = SCHEMA_STRING, .help = "a check id, as topo list prints it" },
	{ .key = NULL },
};

static const struct schema schema_defaults[] = {
	{ .key = "timeout_ms", .type = SCHEMA_INT, .def = "5000",
	  .help = "timeout of each check, unless it sets its own",
	  .min = 1, .max = 3600000 },
	{ .key = NULL },
};

const struct schema schema_root[] = {
	{ .key = "version", .type = SCHEMA_INT, .required = 1,
	  .help = "schema version of the file: 1" },
	{ .key = "system", .type = SCHEMA_STRING, .required = 1,
	  .help = "name of the system the file describes" },
	{ .key = "description", .type = SCHEMA_STRING,
	  .help = "one line about the system" },
	{ .key = "vars", .type = SCHEMA_DICT, .children = schema_string,
	  .help = "variables: NAME: value, used as ${NAME} or ${NAME:-default}; "
	  "the environment and --set override them" },
	{ .key = "secrets", .type = SCHEMA_LIST, .children = schema_string,
	  .help = "names of variables whose values are never shown" },
	{ .key = "programs", .type = SCHEMA_DICT, .children = schema_string,
	  .help = "paths of external programs (launchctl, kubectl, caddy, "
	  "systemctl); $TOPO_<NAME> overrides" },
	{ .key = "defaults", .type = SCHEMA_MAP, .children = schema_defaults,
	  .help = "settings every check inherits" },
	{ .key = "watch", .type = SCHEMA_LIST, .children = schema_string,
	  .help = "globs of repository paths whose change obliges an update "
	  "of the topology (topo stale)" },
	{ .key = "doc", .type = SCHEMA_ANY,
	  .help = "prose sections of the generated document (topo doc)" },
	{ .key = NULL },
};

/* Optimal string alignment distance (edits and swaps), ignoring case. */
static size_t
schema_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, cost, best;
	size_t	row[3][SCHEMA_MAX_WORD + 1];
	size_t	*prev2 = row[0], *prev = row[1], *cur = row[2], *tmp;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			cost = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? 0 : 1;
			best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) ==
			    tolower((unsigned char)b[j - 1]) &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[lb];
}

const char *
schema_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char	*best = NULL;
	size_t		 i, d, best_d = (size_t)-1, limit, len = strlen(word);

	if (len == 0 || len > SCHEMA_MAX_WORD)
		return NULL;
	/* One edit per three letters: "tiemout" -> "timeout", not "a" -> "id". */
	limit = len < 3 ? 1 : len / 3;
	if (limit > 3)
		limit = 3;
	for (i = 0; i < n; i++) {
		if (candidates[i] == NULL ||
		    strlen(candidates[i]) > SCHEMA_MAX_WORD)
			continue;
		d = schema_distance(word, candidates[i]);
		if (d <= limit && d < best_d && d < strlen(candidates[i])) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

/* What a node is, for "expected X, got Y". */
static char *
schema_got(const struct node *n)
{
	if (n == NULL || (n->type == NODE_SCALAR && n->is_null))
		return xstrdup("nothing (null)");
	if (n->type == NODE_SEQ)
		return xstrdup("a list");
	if (n->type == NODE_MAP)
		return xstrdup("a map");
	if (n->secret)
		return xstrdup("a secret value");
	return xasprintf("'%.*s%s'", PROBLEM_QUOTE(n->value));
}

static const char *
schema_expected(const struct schema *s)
{
	switch (s->type) {
	case SCHEMA_STRING:
		return "a string";
	case SCHEMA_INT:
		return "an integer";
	case SCHEMA_BOOL:
		return "true or false";
	case SCHEMA_REGEX:
		return "a regular expression";
	case SCHEMA_CHOICE:
		return "one of its choices";
	case SCHEMA_MAP:
	case SCHEMA_DICT:
		return "a map";
	case SCHEMA_LIST:
		return "a list";
	case SCHEMA_SCALAR_OR_MAP:
		return "a string or a map";
	case SCHEMA_ANY:
		return "anything";
	}
	return "?";
}

/*
 * Where a node is in the file, as "http[2].expect.status". Built on the
 * stack while walking and turned into text only for a problem: most nodes
 * have none, and formatting every path would dominate validation.
 */
struct schema_path {
	const struct schema_path	*parent;
	const char			*key;	/* NULL: an index in a list */
	size_t				 index;
};

static void
schema_path_append(const struct schema_path *path, struct buf *b)
{
	if (path == NULL)
		return;
	schema_path_append(path->parent, b);
	if (path->key == NULL)
		buf_printf(b, "[%zu]", path->index);
	else if (*path->key != '\0')
		buf_printf(b, "%s%.*s%s", b->len > 0 ? "." : "",
		    PROBLEM_QUOTE(path->key));
}

static char *
schema_path_text(const struct schema_path *path)
{
	struct buf	b;

	buf_init(&b, 4096);
	schema_path_append(path, &b);
	return buf_steal(&b);
}

/* A problem at n, its message prefixed by the path ("ports[0].port: "). */
static void __attribute__((format(printf, 4, 5)))
schema_problem(struct problems *problems, const struct node *n,
    const struct schema_path *path, const char *fmt, ...)
{
	va_list	 ap;
	char	*where = schema_path_text(path), *message;

	va_start(ap, fmt);
	message = xvasprintf(fmt, ap);
	va_end(ap);
	problems_add_at(problems, n, "%s%s%s", where, *where != '\0' ? ": " :
	    "", message);
	free(message);
	free(where);
}

static void
schema_wrong_type(const struct schema *s, const struct node *n,
    const struct schema_path *path, struct problems *problems)
{
	char	*got = schema_got(n);

	schema_problem(problems, n, path, "expected %s, got %s",
	    schema_expected(s), got);
	free(got);
}

static int
schema_is_value(const struct node *n)
{
	return n->type == NODE_SCALAR && !n->is_null;
}

static int
schema_parse_int(const char *s, long long *v)
{
	char	*end;

	if (*s == '\0' || *s == ' ')
		return -1;
	/* Base 0, as node_int reads it: what validates is what probes get
	 * (0x1f is 31, 010 is 8 as in YAML 1.1, 0080 is no number). */
	errno = 0;
	*v = strtoll(s, &end, 0);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static void	schema_check(const struct schema *, const struct node *,
		    const struct schema_path *, struct problems *);

static void
schema_check_int(const struct schema *s, const struct node *n,
    const struct schema_path *path, struct problems *problems)
{
	long long	v;

	if (!schema_is_value(n) || schema_parse_int(n->value, &v) != 0) {
		schema_wrong_type(s, n, path, problems);
		return;
	}
	if (s->min < s->max && (v < s->min || v > s->max)) {
		if (n->secret)	/* never print a secret's value */
			schema_problem(problems, n, path, "a secret value is out "
			    "of range %lld..%lld", s->min, s->max);
		else
			schema_problem(problems, n, path, "%lld is out of range "
			    "%lld..%lld", v, s->min, s->max);
	}
}

static void
schema_check_bool(const struct schema *s, const struct node *n,
    const struct schema_path *path, struct problems *problems)
{
	static const char *const words[] = {
		"true", "false", "yes", "no", "on", "off", NULL
	};
	size_t	i;

	if (schema_is_value(n)) {
		for (i = 0; words[i] != NULL; i++) {
			if (strcasecmp(n->value, words[i]) == 0)
				return;
		}
	}
	schema_wrong_type(s, n, path, problems);
}

static void
schema_check_regex(const struct schema *s, const struct node *n,
    const struct schema_path *path, struct problems *problems)
{
	struct regex	*re;
	char		*cause = NULL;

	if (!schema_is_value(n)) {
		schema_wrong_type(s, n, path, problems);
		return;
	}
	if ((re = regex_compile(n->value, &cause)) == NULL) {
		schema_problem(problems, n, path, "%s",
		    cause != NULL ? cause : "invalid regular expression");
		free(cause);
		return;
	}
	regex_free(re);
}

static void
schema_check_choice(const struct schema *s, const struct node *n,
    const struct schema_path *path, struct problems *problems)
{
	struct buf	 list;
	const char	*suggest;
	char		*got;
	size_t		 i, n_choices = 0;

	if (s->choices == NULL)
		return;
	if (schema_is_value(n)) {
		for (i = 0; s->choices[i] != NULL; i++) {
			if (strcmp(n->value, s->choices[i]) == 0)
				return;
		}
	}
	buf_init(&list, 4096);
	for (i = 0; s->choices[i] != NULL; i++, n_choices++)
		buf_printf(&list, "%s%s", i > 0 ? ", " : "", s->choices[i]);
	got = schema_got(n);
	suggest = schema_is_value(n) ?
	    schema_suggest(n->value, s->choices, n_choices) : NULL;
	if (suggest != NULL)
		schema_problem(problems, n, path,
		    "%s is not one of %s (did you mean '%s'?)", got,
		    buf_str(&list), suggest);
	else
		schema_problem(problems, n, path, "%s is not one of %s",
		    got, buf_str(&list));
	free(got);
	buf_free(&list);
}

static void
schema_check_map(const struct schema *s, const struct node *n,
    const struct schema_path *path, struct problems *problems)
{
	const struct schema	*c;
	struct schema_path	 child;
	const char		**names, *suggest;
	char			*where;
	size_t			 i, count = 0;
	int			 found;

	if (s->children == NULL)
		return;
	for (c = s->children; c->key != NULL; c++)
		count++;
	for (i = 0; i < n->count; i++) {
		for (c = s->children; c->key != NULL; c++) {
			if (strcmp(c->key, n->keys[i]->value) == 0)
				break;
		}
		if (c->key != NULL) {
			/* An optional key written without a value is absent
			 * (`description:`, or JSON null as an expected value). */
			if (!c->required && n->items[i]->type == NODE_SCALAR &&
			    n->items[i]->is_null)
				continue;
			child.parent = path;
			child.key = c->key;
			schema_check(c, n->items[i], &child, problems);
			continue;
		}
		names = xreallocarray(NULL, count + 1, sizeof *names);
		for (count = 0, c = s->children; c->key != NULL; c++)
			names[count++] = c->key;
		suggest = schema_suggest(n->keys[i]->value, names, count);
		where = schema_path_text(path);
		problems_add_at(problems, n->keys[i],
		    "unknown key '%.*s%s'%s%s%s%s%s", PROBLEM_QUOTE(n->keys[i]->value), *where != '\0' ? " in " : "", where,
		    suggest != NULL ? " (did you mean '" : "",
		    suggest != NULL ? suggest : "", suggest != NULL ? "'?)" : "");
		free(where);
		free(names);
	}
	for (c = s->children; c->key != NULL; c++) {
		if (!c->required)
			continue;
		for (i = 0, found = 0; i < n->count && !found; i++)
			found = strcmp(c->key, n->keys[i]->value) == 0;
		if (!found)
			schema_problem(problems, n, path,
			    "missing required key '%s'", c->key);
	}
}

static void
schema_check(const struct schema *s, const struct node *n,
    const struct schema_path *path, struct problems *problems)
{
	struct schema_path	child = { .parent = path };
	size_t			i;

	switch (s->type) {
	case SCHEMA_STRING:
		if (!schema_is_value(n))
			schema_wrong_type(s, n, path, problems);
		break;
	case SCHEMA_INT:
		schema_check_int(s, n, path, problems);
		break;
	case SCHEMA_BOOL:
		schema_check_bool(s, n, path, problems);
		break;
	case SCHEMA_REGEX:
		schema_check_regex(s, n, path, problems);
		break;
	case SCHEMA_CHOICE:
		schema_check_choice(s, n, path, problems);
		break;
	case SCHEMA_MAP:
	case SCHEMA_SCALAR_OR_MAP:
		if (s->type == SCHEMA_SCALAR_OR_MAP && schema_is_value(n))
			break;
		if (n->type == NODE_MAP)
			schema_check_map(s, n, path, problems);
		else if (n->type == NODE_SCALAR && n->is_null &&
		    s->type == SCHEMA_MAP) {
			/* An empty section: its required keys are missing. */
			struct node	empty = *n;

			empty.type = NODE_MAP;
			empty.count = 0;
			schema_check_map(s, &empty, path, problems);
		} else
			schema_wrong_type(s, n, path, problems);
		break;
	case SCHEMA_LIST:
		if (n->type == NODE_SCALAR && n->is_null)
			break;
		if (n->type != NODE_SEQ) {
			schema_wrong_type(s, n, path, problems);
			break;
		}
		if (s->children == NULL)
			break;
		for (i = 0; i < n->count; i++) {
			child.index = i;
			schema_check(s->children, n->items[i], &child, problems);
		}
		break;
	case SCHEMA_DICT:
		if (n->type == NODE_SCALAR && n->is_null)
			break;
		if (n->type != NODE_MAP) {
			schema_wrong_type(s, n, path, problems);
			break;
		}
		if (s->children == NULL)
			break;
		for (i = 0; i < n->count; i++) {
			child.key = n->keys[i]->value;
			schema_check(s->children, n->items[i], &child, problems);
		}
		break;
	case SCHEMA_ANY:
		break;
	}
}

void
schema_validate(const struct schema *s, const struct node *n,
    struct problems *problems)
{
	struct schema_path	path = { .key = s != NULL ? s->key : NULL };

	if (s == NULL || n == NULL)
		return;
	schema_check(s, n, s->key != NULL ? &path : NULL, problems);
}

/* Every name a top-level key may have: root keys and probe sections. */
static const char **
schema_root_names(size_t *count)
{
	const struct probe_ops	*const *p;
	const struct schema	*s;
	const char		**names;
	size_t			 n = 0;

	for (s = schema_root; s->key != NULL; s++)
		n++;
	for (p = probe_table; *p != NULL; p++)
		n++;
	names = xreallocarray(NULL, n + 1, sizeof *names);
	n = 0;
	for (s = schema_root; s->key != NULL; s++)
		names[n++] = s->key;
	for (p = probe_table; *p != NULL; p++)
		names[n++] = (*p)->name;
	*count = n;
	return names;
}

void
schema_validate_root(const struct node *root, struct problems *problems)
{
	const struct schema	*s;
	const struct probe_ops	*probe;
	const struct node	*version;
	struct schema_path	 section = { .parent = NULL };
	const char		**names, *key, *suggest;
	char			*got;
	size_t			 i, count;
	long long		 v;

	if (root == NULL)
		return;
	if (root->type != NODE_MAP) {
		got = schema_got(root);
		problems_add_at(problems, root,
		    "the top level must be a map (version: 1, system: NAME, "
		    "sections), got %s", got);
		free(got);
		return;
	}
	/* Required keys first, then every key present: a root key or a
	 * probe's section. */
	for (s = schema_root; s->key != NULL; s++) {
		if (s->required && node_get(root, s->key) == NULL)
			problems_add_at(problems, root,
			    "missing required key '%s'", s->key);
	}
	names = NULL;
	for (i = 0; i < root->count; i++) {
		key = root->keys[i]->value;
		for (s = schema_root; s->key != NULL; s++) {
			if (strcmp(s->key, key) == 0)
				break;
		}
		if (s->key != NULL) {
			section.key = key;
			schema_check(s, root->items[i], &section, problems);
			continue;
		}
		if ((probe = probe_find(key)) != NULL) {
			section.key = key;
			if (probe->schema != NULL)
				schema_check(probe->schema, root->items[i],
				    &section, problems);
			continue;
		}
		if (names == NULL)
			names = schema_root_names(&count);
		suggest = schema_suggest(key, names, count);
		if (suggest != NULL)
			problems_add_at(problems, root->keys[i],
			    "unknown top-level key '%.*s%s' (did you mean "
			    "'%s'?)", PROBLEM_QUOTE(key), suggest);
		else
			problems_add_at(problems, root->keys[i],
			    "unknown top-level key '%.*s%s' (not a setting nor "
			    "a probe section)", PROBLEM_QUOTE(key));
	}
	free(names);

	version = node_get(root, "version");
	if (version != NULL && schema_is_value(version) &&
	    schema_parse_int(version->value, &v) == 0 && v != 1)
		problems_add_at(problems, version,
		    "version: unsupported version %lld (this topo reads "
		    "version 1)", v);
}
