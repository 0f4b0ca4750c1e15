/*
 * topology.c: loading a topology file (read with a cap, parse, expand
 * variables, validate) and the list of problems found doing it; program
 * paths and secret redaction for everyone who prints what a topology holds.
 */
#include "topology.h"

#include <ctype.h>
#include <errno.h>
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
