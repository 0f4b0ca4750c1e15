/*
 * plan.c: model -> checks. Every probe plans its own section (probe_ops
 * .plan); this file gives them plan_add / plan_expect, then finds duplicate
 * ids and applies the --only / --layer filters.
 */
#include "plan.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "causes.h"
#include "schema.h"
#include "../probes/probe.h"
#include "../util/regex.h"
#include "../util/util.h"

/*
 * The first control character of id (C0, DEL, C1, or a bidirectional
 * override, which reorders what a terminal shows): ids are printed in every
 * report and on the dashboard. Its byte offset, or -1 when there is none.
 */
static long
plan_id_control(const char *id)
{
	const unsigned char	*s = (const unsigned char *)id;
	size_t			 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) ||
		    (s[i] == 0xe2 && s[i + 1] == 0x80 && s[i + 2] >= 0xaa && s[i + 2] <= 0xae) ||
		    (s[i] == 0xe2 && s[i + 1] == 0x81 && s[i + 2] >= 0xa6 && s[i + 2] <= 0xa9))
			return (long)i;
	}
	return -1;
}

/* One depends_on entry, kept to say where it was when it names no check. */
struct plan_dependency {
	struct check		*check;
	const struct node	*node;
};

static void
plan_depends_on(struct plan *p, struct check *c, const struct node *where)
{
	const struct node	*list = node_get(where, "depends_on"), *id;
	size_t			 i;

	if (list == NULL || list->type != NODE_SEQ)
		return;
	for (i = 0; i < list->count; i++) {
		id = list->items[i];
		if (id->type != NODE_SCALAR || id->value == NULL || *id->value == '\0')
			continue;
		causes_need(c, "id:%s", id->value);
		p->dependencies = xreallocarray(p->dependencies,
		    p->ndependencies + 1, sizeof *p->dependencies);
		p->dependencies[p->ndependencies].check = c;
		p->dependencies[p->ndependencies++].node = id;
	}
}

/* Each depends_on entry must name a planned check (not the one it is in). */
static void
plan_dependencies(struct plan *p)
{
	struct strmap		 ids = { 0 };
	const char		**names, *suggest;
	const struct node	*id;
	size_t			 i;

	if (p->ndependencies == 0 || p->problems == NULL)
		return;
	for (i = 0; i < p->count; i++)
		strmap_set(&ids, p->checks[i]->id, p->checks[i]);
	names = xreallocarray(NULL, p->count > 0 ? p->count : 1, sizeof *names);
	for (i = 0; i < p->count; i++)
		names[i] = p->checks[i]->id;
	for (i = 0; i < p->ndependencies; i++) {
		id = p->dependencies[i].node;
		if (strmap_get(&ids, id->value) == p->dependencies[i].check) {
			problems_add_at(p->problems, id, "depends_on: '%s' is this "
			    "check itself", id->value);
			continue;
		}
		if (strmap_get(&ids, id->value) != NULL)
			continue;
		suggest = schema_suggest(id->value, names, p->count);
		problems_add_at(p->problems, id, "depends_on: no check has the id "
		    "'%s'%s%s%s", id->value, suggest != NULL ? " (did you mean '" : "",
		    suggest != NULL ? suggest : "", suggest != NULL ? "'?)" : "");
	}
	free(names);
	strmap_free(&ids);
}

struct check *
plan_add(struct plan *p, const struct probe_ops *probe, enum layer layer,
    const struct node *where, const char *fmt, ...)
{
	struct check	*c = xcalloc(1, sizeof *c);
	va_list		 ap;
	long long	 timeout;
	long		 at;
	char		*redacted;

	va_start(ap, fmt);
	c->id = xvasprintf(fmt, ap);
	va_end(ap);
	/* Ids are printed everywhere: a secret expanded into one shows as ***. */
	if (p->topology != NULL && p->topology->nsecrets > 0) {
		redacted = topology_redact(p->topology, c->id);
		free(c->id);
		c->id = redacted;
	}
	c->probe = probe;
	c->layer = layer;
	if (where != NULL) {
		c->file = xstrdup(where->file != NULL ? where->file : "");
		c->line = where->line;
		c->column = where->column;
	} else
		c->file = xstrdup("");
	timeout = node_int(where, "timeout_ms", 0);
	c->timeout_ms = timeout > 0 ? (int)timeout : p->default_timeout_ms;
	plan_depends_on(p, c, where);
	if ((at = plan_id_control(c->id)) >= 0 && p->problems != NULL)
		problems_add_at(p->problems, where, "check id '%.*s...' holds a control "
		    "character (byte 0x%02x): names must be printable", (int)at, c->id,
		    (unsigned char)c->id[at]);

	/* Doubling at powers of two: planning stays linear in the checks. */
	if (p->count == 0 || (p->count >= 8 && (p->count & (p->count - 1)) == 0))
		p->checks = xreallocarray(p->checks, p->count == 0 ? 8 :
		    p->count * 2, sizeof *p->checks);
	p->checks[p->count++] = c;
	return c;
}

void
plan_expect(struct plan *p, struct check *c, const struct node *where,
    const char *field, enum match match, const char *value)
{
	struct expect	*e;
	char		*cause = NULL;

	c->expects = xreallocarray(c->expects, c->nexpects + 1,
	    sizeof *c->expects);
	e = &c->expects[c->nexpects++];
	memset(e, 0, sizeof *e);
	e->field = xstrdup(field);
	e->match = match;
	e->value = xstrdup(value != NULL ? value : "");
	if (match == MATCH_REGEX || match == MATCH_PART_REGEX) {
		/* Checks made from one template repeat one pattern: one
		 * compilation, shared (10,000 compilations were 4% of
		 * loading 10,000 checks). */
		if ((e->regex = strmap_get(&p->regexes, e->value)) != NULL)
			regex_ref(e->regex);
		else if ((e->regex = regex_compile(e->value, &cause)) != NULL)
			strmap_set(&p->regexes, regex_pattern(e->regex), e->regex);
		if (e->regex == NULL) {
			if (where != NULL)
				problems_add_at(p->problems, where, "%s", cause);
			else
				problems_add(p->problems, c->file, c->line,
				    c->column, "%s", cause);
			free(cause);
		}
	}
}

void
plan_summary(struct check *c, const char *fmt, ...)
{
	va_list	ap;

	free(c->summary);
	va_start(ap, fmt);
	c->summary = xvasprintf(fmt, ap);
	va_end(ap);
}

struct plan_kept {
	void	 *state;
	void	(*free_state)(void *);
};

void
plan_keep(struct plan *p, void *state, void (*free_state)(void *))
{
	p->kept = xreallocarray(p->kept, p->nkept + 1, sizeof *p->kept);
	p->kept[p->nkept].state = state;
	p->kept[p->nkept].free_state = free_state;
	p->nkept++;
}

/* A check and its place in the plan: the first declared is the first planned. */
struct plan_ordered {
	const struct check	*check;
	size_t			 order;
};

static int
plan_compare_ids(const void *a, const void *b)
{
	const struct plan_ordered	*x = a, *y = b;
	int				 rc;

	rc = strcmp(x->check->id, y->check->id);
	if (rc != 0)
		return rc;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Two checks with one id would make reports and `topo stale` ambiguous. */
void
plan_duplicates(struct plan *p, struct problems *problems)
{
	struct plan_ordered	*sorted;
	const struct check	*c, *first;
	size_t			 i;

	if (p->count < 2)
		return;
	sorted = xreallocarray(NULL, p->count, sizeof *sorted);
	for (i = 0; i < p->count; i++) {
		sorted[i].check = p->checks[i];
		sorted[i].order = i;
	}
	qsort(sorted, p->count, sizeof *sorted, plan_compare_ids);
	for (i = 1; i < p->count; i++) {
		c = sorted[i].check;
		first = sorted[i - 1].check;
		if (strcmp(c->id, first->id) != 0)
			continue;
		/* An included file's check names the other file too. */
		problems_add(problems, c->file, c->line, c->column,
		    "duplicate check id '%s' (first at %s%s%d:%d)", c->id,
		    strcmp(c->file, first->file) != 0 ? first->file : "",
		    strcmp(c->file, first->file) != 0 ? ":" : "", first->line,
		    first->column);
	}
	free(sorted);
}

struct plan *
plan_build(struct topology *t, int default_timeout_ms, struct problems *problems)
{
	struct plan		*p = xcalloc(1, sizeof *p);
	const struct probe_ops	*const *probe;
	const struct node	*section;

	p->topology = t;
	p->problems = problems;
	p->default_timeout_ms = default_timeout_ms > 0 ? default_timeout_ms :
	    PLAN_DEFAULT_TIMEOUT_MS;
	for (probe = probe_table; *probe != NULL; probe++) {
		section = node_get(t->root, (*probe)->name);
		if (section == NULL || (*probe)->plan == NULL)
			continue;
		if (section->type == NODE_SCALAR && section->is_null)
			continue;
		(*probe)->plan(p, section);
	}
	plan_duplicates(p, p->problems);
	plan_dependencies(p);
	/* The expectations hold the compiled patterns; the index goes. */
	strmap_free(&p->regexes);
	return p;
}

void
plan_free(struct plan *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->count; i++)
		check_free(p->checks[i]);
	free(p->checks);
	/* After the checks: their configs may point into what was kept. */
	for (i = 0; i < p->nkept; i++)
		p->kept[i].free_state(p->kept[i].state);
	free(p->kept);
	free(p->dependencies);
	free(p);
}

int
plan_matches(const struct check *c, const char *glob)
{
	const char	*slash, *kind;
	char		*alias;
	int		 match;

	if (util_glob_match(glob, c->id))
		return 1;
	if (c->probe == NULL || (slash = strchr(c->id, '/')) == NULL)
		return 0;
	kind = c->probe->name;
	if (strlen(kind) == (size_t)(slash - c->id) &&
	    strncmp(kind, c->id, (size_t)(slash - c->id)) == 0)
		return 0;	/* the same spelling: already tried */
	alias = xasprintf("%s%s", kind, slash);
	match = util_glob_match(glob, alias);
	free(alias);
	return match;
}

/* For ids a star crosses slashes: k8s/STAR selects every Kubernetes check. */
void
plan_filter(struct plan *p, char *const *globs, size_t nglobs, int layers)
{
	struct check	*c;
	size_t		 i, j;
	int		 keep;

	for (i = 0; i < p->count; i++) {
		c = p->checks[i];
		keep = layers == 0 || (layers & (int)c->layer) != 0;
		if (keep && nglobs > 0) {
			keep = 0;
			for (j = 0; j < nglobs && !keep; j++)
				keep = plan_matches(c, globs[j]);
		}
		c->skipped = !keep;
	}
}
