/*
 * topology.c: loading a topology file (read with a cap, parse, merge the
 * files it includes, expand variables, validate) and the list of problems
 * found doing it; program paths and secret redaction for everyone who
 * prints what a topology holds.
 */
#include "topology.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/buf.h"
#include "../util/url.h"
#include "../util/util.h"
#include "schema.h"

/*
 * A hostile file can have millions of faults (a key repeated all along a
 * 16 MB file): past this many, one last problem says so and the rest are
 * dropped, so that neither memory nor the output grows without bound.
 */
#define PROBLEMS_MAX	1000

static struct problem *
problems_next(struct problems *ps)
{
	size_t	size;

	/* No capacity field: grow by doubling each time count reaches a
	 * power of two. */
	if ((ps->count & (ps->count - 1)) == 0) {
		size = ps->count < 4 ? 8 : ps->count * 2;
		ps->items = xreallocarray(ps->items, size, sizeof *ps->items);
	}
	return &ps->items[ps->count++];
}

void
problems_add(struct problems *ps, const char *file, int line, int column,
    const char *fmt, ...)
{
	struct problem	*p;
	va_list		 ap;

	if (ps->count > PROBLEMS_MAX)
		return;
	p = problems_next(ps);
	if (ps->count > PROBLEMS_MAX) {
		p->file = NULL;
		p->line = p->column = 0;
		p->message = xasprintf("more than %d problems: only the first "
		    "%d are shown", PROBLEMS_MAX, PROBLEMS_MAX);
		return;
	}
	p->file = file != NULL ? xstrdup(file) : NULL;
	p->line = line;
	p->column = column;
	va_start(ap, fmt);
	p->message = xvasprintf(fmt, ap);
	va_end(ap);
}

void
problems_add_at(struct problems *ps, const struct node *n, const char *fmt, ...)
{
	va_list	 ap;
	char	*message;

	va_start(ap, fmt);
	message = xvasprintf(fmt, ap);
	va_end(ap);
	if (n != NULL)
		problems_add(ps, n->file, n->line, n->column, "%s", message);
	else
		problems_add(ps, NULL, 0, 0, "%s", message);
	free(message);
}

struct problems_sort_item {
	struct problem	problem;
	size_t		order;
};

static int
problems_cmp(const void *va, const void *vb)
{
	const struct problems_sort_item	*a = va, *b = vb;
	int				 c;

	/* Problems without a file (--set) first: they are about the run. */
	if ((a->problem.file == NULL) != (b->problem.file == NULL))
		return a->problem.file == NULL ? -1 : 1;
	if (a->problem.file != NULL &&
	    (c = strcmp(a->problem.file, b->problem.file)) != 0)
		return c;
	if (a->problem.line != b->problem.line)
		return a->problem.line < b->problem.line ? -1 : 1;
	if (a->problem.column != b->problem.column)
		return a->problem.column < b->problem.column ? -1 : 1;
	/* Stable: equal positions keep the order they were found in. */
	return a->order < b->order ? -1 : a->order > b->order;
}

int
problems_clip(const char *s)
{
	size_t	n = strlen(s);

	if (n <= PROBLEM_CLIP)
		return (int)n;
	n = PROBLEM_CLIP - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

void
problems_sort(struct problems *ps)
{
	struct problems_sort_item	*items;
	size_t				 i;

	if (ps->count < 2)
		return;
	items = xreallocarray(NULL, ps->count, sizeof *items);
	for (i = 0; i < ps->count; i++) {
		items[i].problem = ps->items[i];
		items[i].order = i;
	}
	qsort(items, ps->count, sizeof *items, problems_cmp);
	for (i = 0; i < ps->count; i++)
		ps->items[i] = items[i].problem;
	free(items);
}

void
problems_print(const struct problems *ps, FILE *f)
{
	const struct problem	*p;
	size_t			 i;

	for (i = 0; i < ps->count; i++) {
		p = &ps->items[i];
		if (p->file != NULL && p->line > 0)
			fprintf(f, "%s:%d:%d: %s\n", p->file, p->line,
			    p->column, p->message);
		else if (p->file != NULL)
			fprintf(f, "%s: %s\n", p->file, p->message);
		else
			fprintf(f, "%s\n", p->message);
	}
}

void
problems_free(struct problems *ps)
{
	size_t	i;

	for (i = 0; i < ps->count; i++) {
		free(ps->items[i].file);
		free(ps->items[i].message);
	}
	free(ps->items);
	ps->items = NULL;
	ps->count = 0;
}

#define TOPOLOGY_READ_TIMEOUT_MS	5000	/* a FIFO's writer, to its end */

/* The whole file, refusing early what is over the size limit. */
static int
topology_read(const char *path, struct buf *text, struct problems *ps)
{
	struct stat	 st;
	char		*cause = NULL;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > TOPOLOGY_MAX_BYTES) {
		problems_add(ps, path, 0, 0,
		    "the file is %lld bytes, more than the %d allowed",
		    (long long)st.st_size, TOPOLOGY_MAX_BYTES);
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		problems_add(ps, path, 0, 0, "is a directory, not a topology file");
		return -1;
	}
	/* One byte over the cap tells a file that grew after stat(). */
	buf_init(text, TOPOLOGY_MAX_BYTES + 1);
	/* A FIFO (`-f <(generate)`) is read, but a silent writer cannot hold
	 * validate forever. */
	if (buf_read_within(text, strcmp(path, TOPOLOGY_STDIN) == 0 ?
	    "/dev/stdin" : path, TOPOLOGY_READ_TIMEOUT_MS, &cause) != 0) {
		if (text->toobig)
			problems_add(ps, path, 0, 0,
			    "the file is more than the %d bytes allowed",
			    TOPOLOGY_MAX_BYTES);
		else
			problems_add(ps, NULL, 0, 0, "%s", cause);
		free(cause);
		return -1;
	}
	if (text->len > TOPOLOGY_MAX_BYTES) {
		problems_add(ps, path, 0, 0,
		    "the file is more than the %d bytes allowed",
		    TOPOLOGY_MAX_BYTES);
		return -1;
	}
	return 0;
}

/*
 * include: other files merged into the topology, before variables are
 * expanded (so that an included file's ${VAR} sees every file's vars).
 *
 *   include: [k8s.yaml, hosts/panda.yaml]    # or one path
 *
 * Paths are relative to the including file's folder (to the current folder
 * for -f -), written literally. An included file holds top-level sections
 * like the topology itself (its version, system and description, if any,
 * are the including file's); it may include others in turn, up to
 * INCLUDE_MAX_DEPTH deep. Merging: a section's lists are joined (the
 * including file's items first), its maps merged key by key; the same
 * scalar set to two different values is a problem naming both places. A
 * file included twice (two files sharing a third) is merged once; a file
 * that includes itself, directly or not, is refused at its include entry.
 *
 * The merged tree lives in the including file's arena: included trees are
 * copied into it, each node keeping the file:line:column it was written
 * at, and the file names the nodes point to are kept in the arena too, as
 * the text of a node of their own.
 */
#define INCLUDE_MAX_DEPTH	16
#define INCLUDE_MAX_FILES	256

static const struct schema include_path_item[] = {
	{ .key = "path", .type = SCHEMA_STRING,
	  .help = "a topology file, relative to the including file's folder" },
	{ .key = NULL },
};

static const struct schema include_schema = {
	.key = "include", .type = SCHEMA_LIST, .children = include_path_item,
	.help = "topology files merged into this one (paths relative to this "
	"file; lists joined, maps merged; up to 16 deep, no cycles)",
};

struct include_ctx {
	struct node_arena	*arena;		/* the main tree's */
	struct problems		*problems;
	char			*chain[INCLUDE_MAX_DEPTH + 1];	/* real paths being read */
	const char		*shown[INCLUDE_MAX_DEPTH + 1];	/* and as named */
	size_t			 depth;
	char			**merged;	/* real paths merged already */
	size_t			 nmerged;
	size_t			 nodes;		/* in the merged tree */
	size_t			 bytes;		/* of every file read */
};

/* Nodes in a subtree. */
static size_t
include_count(const struct node *n)
{
	size_t	size = 1, i;

	for (i = 0; n->type != NODE_SCALAR && i < n->count; i++)
		size += include_count(n->items[i]) +
		    (n->keys != NULL ? include_count(n->keys[i]) : 0);
	return size;
}

/* Removes key from a map (the arrays stay; the nodes stay in the arena). */
static void
include_remove(struct node *map, const char *key)
{
	size_t	i;

	for (i = 0; i < map->count; i++) {
		if (strcmp(map->keys[i]->value, key) != 0)
			continue;
		node_free(map->items[i]);
		node_free(map->keys[i]);
		memmove(map->keys + i, map->keys + i + 1,
		    (map->count - i - 1) * sizeof *map->keys);
		memmove(map->items + i, map->items + i + 1,
		    (map->count - i - 1) * sizeof *map->items);
		map->count--;
		return;
	}
}

static int
include_is_null(const struct node *n)
{
	return n->type == NODE_SCALAR && n->is_null;
}

/* "file:line" of a node, for a problem that names two places. */
static void
include_where(const struct node *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d:%d", n->file != NULL ? n->file : "?", n->line,
	    n->column);
}

/*
 * Merges src (a map) into dst (a map): keys dst lacks are moved over,
 * lists joined, maps merged; path names the place for problems
 * ("kubernetes.namespaces.x"). src's arrays are freed; its nodes move.
 */
static void
include_merge(struct include_ctx *ctx, struct node *dst, struct node *src,
    const char *path)
{
	struct node	*d, *v, *k;
	char		*sub, a[PATH_MAX + 32], b[PATH_MAX + 32];
	size_t		 i, j, at;

	for (i = 0; i < src->count; i++) {
		k = src->keys[i];
		v = src->items[i];
		d = NULL;
		for (at = 0; at < dst->count; at++) {
			if (strcmp(dst->keys[at]->value, k->value) == 0) {
				d = dst->items[at];
				break;
			}
		}
		if (d == NULL) {
			node_put(dst, k, v);
			continue;
		}
		sub = *path != '\0' ? xasprintf("%s.%s", path, k->value) :
		    xstrdup(k->value);
		if (d->type == NODE_MAP && v->type == NODE_MAP) {
			include_merge(ctx, d, v, sub);
		} else if (d->type == NODE_SEQ && v->type == NODE_SEQ) {
			for (j = 0; j < v->count; j++)
				node_append(d, v->items[j]);
			free(v->items);
			v->items = NULL;
			v->count = v->alloc = 0;
		} else if (include_is_null(v)) {
			node_free(v);	/* `ports:` with nothing: nothing to add */
		} else if (include_is_null(d)) {
			dst->items[at] = v;
			node_free(d);
		} else if (d->type == NODE_SCALAR && v->type == NODE_SCALAR &&
		    strcmp(d->value, v->value) == 0) {
			node_free(v);	/* said twice, the same */
		} else {
			include_where(d, a, sizeof a);
			include_where(v, b, sizeof b);
			problems_add_at(ctx->problems, k, "include: '%.*s%s' is set "
			    "in both %s and %s", PROBLEM_QUOTE(sub), a, b);
			node_free(v);
		}
		node_free(k);
		free(sub);
	}
	free(src->items);
	free(src->keys);
	src->items = src->keys = NULL;
	src->count = src->alloc = 0;
}

/* The folder part of a shown path ("" when it has none, or for stdin). */
static char *
include_folder(const char *shown)
{
	const char	*slash;

	if (shown == NULL || strcmp(shown, "<stdin>") == 0 ||
	    (slash = strrchr(shown, '/')) == NULL)
		return xstrdup("");
	return xstrndup(shown, (size_t)(slash - shown) + 1);
}

/* The file names the nodes point to, kept as long as the tree. */
static const char *
include_name(struct include_ctx *ctx, const char *name)
{
	struct node	*n = node_new(ctx->arena, NODE_SCALAR, NULL, 0, 0);

	node_set_value(n, name);
	return n->value;
}

static void	include_section(struct include_ctx *, struct node *map,
		    const char *shown);

/*
 * Reads the file entry names (relative to the including file shown as
 * including) and merges it into into. Every fault is a problem at entry.
 */
static void
include_file(struct include_ctx *ctx, struct node *into, const struct node *entry,
    const char *including)
{
	struct problems	 mine;
	struct buf	 text;
	struct stat	 st;
	struct node	*parsed, *tree;
	struct buf	 cycle;
	char		*folder, *shown, *real = NULL;
	const char	*name;
	size_t		 i, j;

	memset(&mine, 0, sizeof mine);
	memset(&text, 0, sizeof text);
	if (*entry->value == '\0') {
		problems_add_at(ctx->problems, entry, "include: an empty path");
		return;
	}
	if (strstr(entry->value, "${") != NULL) {
		problems_add_at(ctx->problems, entry, "include: '%.*s%s': variables "
		    "are not expanded in include paths (they are read before vars)",
		    PROBLEM_QUOTE(entry->value));
		return;
	}
	folder = include_folder(including);
	shown = entry->value[0] == '/' ? xstrdup(entry->value) :
	    xasprintf("%s%s", folder, entry->value);
	free(folder);
	if ((real = realpath(shown, NULL)) == NULL || stat(real, &st) != 0) {
		problems_add_at(ctx->problems, entry, "include: cannot read %s: %s",
		    shown, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		problems_add_at(ctx->problems, entry, "include: %s is a directory, "
		    "not a topology file", shown);
		goto out;
	}
	for (i = 0; i < ctx->depth; i++) {
		if (strcmp(ctx->chain[i], real) != 0)
			continue;
		buf_init(&cycle, 0);
		for (j = i; j < ctx->depth; j++)
			buf_printf(&cycle, "%s -> ", ctx->shown[j]);
		buf_puts(&cycle, shown);
		problems_add_at(ctx->problems, entry, "include: a cycle: %s",
		    buf_str(&cycle));
		buf_free(&cycle);
		goto out;
	}
	for (i = 0; i < ctx->nmerged; i++) {
		if (strcmp(ctx->merged[i], real) == 0)
			goto out;	/* merged once already */
	}
	if (ctx->depth > INCLUDE_MAX_DEPTH) {
		problems_add_at(ctx->problems, entry, "include: more than %d levels "
		    "of files including files", INCLUDE_MAX_DEPTH);
		goto out;
	}
	if (ctx->nmerged >= INCLUDE_MAX_FILES) {
		problems_add_at(ctx->problems, entry, "include: more than %d files",
		    INCLUDE_MAX_FILES);
		goto out;
	}
	if (topology_read(shown, &text, &mine) != 0) {
		for (i = 0; i < mine.count; i++)
			problems_add_at(ctx->problems, entry, "include: %s: %s", shown,
			    mine.items[i].message);
		goto out;
	}
	if (text.len > TOPOLOGY_MAX_BYTES - ctx->bytes) {
		problems_add_at(ctx->problems, entry, "include: the topology and "
		    "its includes are more than %d bytes", TOPOLOGY_MAX_BYTES);
		goto out;
	}
	ctx->bytes += text.len;
	ctx->merged = xreallocarray(ctx->merged, ctx->nmerged + 1,
	    sizeof *ctx->merged);
	ctx->merged[ctx->nmerged++] = xstrdup(real);

	name = include_name(ctx, shown);
	if ((parsed = yaml_parse(name, buf_str(&text), text.len,
	    ctx->problems)) == NULL)
		goto out;
	if (parsed->type != NODE_MAP) {
		problems_add_at(ctx->problems, entry, "include: %s: the top level "
		    "must be a map of sections, not %s", shown,
		    node_type_name(parsed));
		node_free(parsed);
		goto out;
	}
	if (include_count(parsed) > TOPOLOGY_MAX_NODES - ctx->nodes) {
		problems_add_at(ctx->problems, entry, "include: the topology and "
		    "its includes have more than %d nodes", TOPOLOGY_MAX_NODES);
		node_free(parsed);
		goto out;
	}
	tree = node_copy(ctx->arena, parsed, name);
	ctx->nodes += include_count(tree);
	node_free(parsed);

	ctx->chain[ctx->depth] = real;
	ctx->shown[ctx->depth] = name;
	ctx->depth++;
	include_section(ctx, tree, name);
	ctx->depth--;
	/* The including file's own say. */
	include_remove(tree, "version");
	include_remove(tree, "system");
	include_remove(tree, "description");
	include_merge(ctx, into, tree, "");
out:
	problems_free(&mine);
	buf_free(&text);
	free(real);
	free(shown);
}

/* Merges the files map's include: names into map, then drops the key. */
static void
include_section(struct include_ctx *ctx, struct node *map, const char *shown)
{
	const struct node	*inc = node_get(map, "include");
	size_t			 i, before = ctx->problems->count;
	int			 ok;

	if (inc == NULL)
		return;
	if (inc->type == NODE_SCALAR && !inc->is_null)
		include_file(ctx, map, inc, shown);
	else {
		schema_validate(&include_schema, inc, ctx->problems);
		ok = ctx->problems->count == before;
		for (i = 0; ok && inc->type == NODE_SEQ && i < inc->count; i++)
			include_file(ctx, map, inc->items[i], shown);
	}
	include_remove(map, "include");
}

/* Every file the topology includes, merged into t->root. */
static void
topology_include(struct topology *t, struct problems *ps)
{
	struct include_ctx	 ctx;
	char			*real;
	size_t			 i;

	if (t->root->type != NODE_MAP || node_get(t->root, "include") == NULL)
		return;
	memset(&ctx, 0, sizeof ctx);
	ctx.arena = t->root->arena;
	ctx.problems = ps;
	ctx.nodes = include_count(t->root);
	if (strcmp(t->path, "<stdin>") != 0 &&
	    (real = realpath(t->path, NULL)) != NULL) {
		ctx.chain[0] = real;
		ctx.shown[0] = t->path;
		ctx.depth = 1;
		ctx.merged = xreallocarray(NULL, 1, sizeof *ctx.merged);
		ctx.merged[ctx.nmerged++] = xstrdup(real);
	}
	include_section(&ctx, t->root, t->path);
	/* The first is the topology's own file, when it has one. */
	for (i = ctx.depth > 0 ? 1 : 0; i < ctx.nmerged; i++) {
		t->included = xreallocarray(t->included, t->nincluded + 1,
		    sizeof *t->included);
		t->included[t->nincluded++] = ctx.merged[i];
	}
	if (ctx.depth > 0 && ctx.nmerged > 0)
		free(ctx.merged[0]);
	free(ctx.merged);
	if (ctx.depth > 0)
		free(ctx.chain[0]);
}

struct topology *
topology_load(const char *path, char *const *sets, size_t nsets,
    struct problems *ps)
{
	struct topology	*t = NULL;
	struct buf	 text;
	const char	*s;
	char		*redacted;
	size_t		 i, first = ps->count;

	memset(&text, 0, sizeof text);
	if (topology_read(path, &text, ps) != 0)
		goto out;
	t = xcalloc(1, sizeof *t);
	/* -f -: problems say "<stdin>:3:5"; relative paths are the cwd's. */
	t->path = xstrdup(strcmp(path, TOPOLOGY_STDIN) == 0 ? "<stdin>" : path);
	t->root = yaml_parse(t->path, buf_str(&text), text.len, ps);
	if (t->root == NULL) {
		topology_free(t);
		t = NULL;
		goto out;
	}
	topology_include(t, ps);
	vars_expand(t, sets, nsets, ps);
	schema_validate_root(t->root, ps);
	/* A message may quote text that holds a secret's value. */
	for (i = first; i < ps->count && t->nsecrets > 0; i++) {
		redacted = topology_redact(t, ps->items[i].message);
		free(ps->items[i].message);
		ps->items[i].message = redacted;
	}

	/* Both are printed by every report: a secret in them shows as ***. */
	if ((s = node_str(t->root, "system", NULL)) != NULL)
		t->system = topology_redact(t, s);
	if ((s = node_str(t->root, "description", NULL)) != NULL)
		t->description = topology_redact(t, s);
	t->version = (int)node_int(t->root, "version", 0);
out:
	buf_free(&text);
	problems_sort(ps);
	return t;
}

void
topology_free(struct topology *t)
{
	size_t	i;

	if (t == NULL)
		return;
	node_free(t->root);
	for (i = 0; i < t->nincluded; i++)
		free(t->included[i]);
	free(t->included);
	for (i = 0; i < t->nvars; i++) {
		free(t->vars[i].name);
		free(t->vars[i].value);
	}
	free(t->vars);
	for (i = 0; i < t->nsecrets; i++)
		free(t->secrets[i]);
	free(t->secrets);
	free(t->system);
	free(t->description);
	free(t->path);
	free(t->read_root);
	free(t);
}

const char *
topology_var(const struct topology *t, const char *name)
{
	size_t	i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < t->nvars; i++) {
		if (strcmp(t->vars[i].name, name) == 0)
			return t->vars[i].value;
	}
	return NULL;
}

const char *
topology_program(const struct topology *t, const char *name)
{
	const char	*path;
	char		 env[128];
	size_t		 i;

	if (strlen(name) + sizeof "TOPO_" <= sizeof env) {
		memcpy(env, "TOPO_", 5);
		for (i = 0; name[i] != '\0'; i++)
			env[5 + i] = isalnum((unsigned char)name[i]) ?
			    (char)toupper((unsigned char)name[i]) : '_';
		env[5 + i] = '\0';
		if ((path = getenv(env)) != NULL && *path != '\0')
			return path;
	}
	if (t != NULL && (path = node_str(node_get(t->root, "programs"), name,
	    NULL)) != NULL && *path != '\0')
		return path;
	return name;
}

void
topology_add_secret(struct topology *t, const char *value)
{
	size_t	i, len;

	if (t == NULL || value == NULL || (len = strlen(value)) < TOPOLOGY_SECRET_MIN)
		return;
	for (i = 0; i < t->nsecrets; i++) {
		if (strcmp(t->secrets[i], value) == 0)
			return;
		if (strlen(t->secrets[i]) < len)
			break;	/* longest first: it goes here */
	}
	t->secrets = xreallocarray(t->secrets, t->nsecrets + 1, sizeof *t->secrets);
	memmove(t->secrets + i + 1, t->secrets + i,
	    (t->nsecrets - i) * sizeof *t->secrets);
	t->secrets[i] = xstrdup(value);
	t->nsecrets++;
}

void
topology_add_credentials(struct topology *t, const char *user,
    const char *password)
{
	char	*pair, *b64;

	if (user == NULL && password == NULL)
		return;
	topology_add_secret(t, user);
	topology_add_secret(t, password);
	pair = xasprintf("%s:%s", user != NULL ? user : "",
	    password != NULL ? password : "");
	b64 = url_base64(pair, strlen(pair));
	topology_add_secret(t, b64);
	/* Without its padding, as a service may cut it. */
	b64[strcspn(b64, "=")] = '\0';
	topology_add_secret(t, b64);
	memset(pair, 0, strlen(pair));
	free(pair);
	free(b64);
}

char *
topology_redact(const struct topology *t, const char *text)
{
	struct buf	 out;
	const char	*s = text, *run;
	unsigned char	 first[256];
	size_t		 i, len = 0;

	if (text == NULL)
		return NULL;
	if (t == NULL || t->nsecrets == 0)
		return xstrdup(text);
	/* Bytes that can start a secret: everything else is copied in runs. */
	memset(first, 0, sizeof first);
	for (i = 0; i < t->nsecrets; i++)
		first[(unsigned char)t->secrets[i][0]] = 1;
	buf_init(&out, 0);
	while (*s != '\0') {
		for (run = s; *s != '\0' && !first[(unsigned char)*s]; s++)
			;
		buf_append(&out, run, (size_t)(s - run));
		if (*s == '\0')
			break;
		/* Longest first: a secret that contains another goes whole. */
		for (i = 0; i < t->nsecrets; i++) {
			len = strlen(t->secrets[i]);
			if (len > 0 && strncmp(s, t->secrets[i], len) == 0)
				break;
		}
		if (i < t->nsecrets) {
			buf_puts(&out, "***");
			s += len;
		} else {
			buf_append(&out, s, 1);
			s++;
		}
	}
	return buf_steal(&out);
}
