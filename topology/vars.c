/*
 * vars.c: variables in a topology. `vars:` in the file, overridden by the
 * environment, overridden by --set NAME=VALUE. Every scalar may say ${NAME},
 * ${NAME:-default} (used when NAME is unset or empty), $$ for a literal $,
 * and start with ~/ (or be ~) for $HOME. A vars: value may refer to other
 * variables; values from the environment and --set are taken literally.
 *
 * Variables named in `secrets:` taint what they expand into: such scalars get
 * node->secret and their values go to topology->secrets for redaction.
 * Expansion is bounded per value and in total, so nested variables cannot be
 * used to build gigabytes from a small file.
 */
#include "topology.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/util.h"
#include "schema.h"
#include "strmap.h"

#define VARS_MAX_VALUE	(1024 * 1024)		/* one expanded scalar */
#define VARS_MAX_TOTAL	(64 * 1024 * 1024)	/* all of them */
#define VARS_MAX_CHAIN	64	/* a refers to b refers to c ... */
#define VARS_MAX_NEST	16	/* ${A:-${B:-${C}}} */


enum vars_state {
	VAR_UNDEFINED,		/* referenced or listed, never defined */
	VAR_NEW,		/* defined, not expanded yet */
	VAR_RESOLVING,		/* being expanded: meeting it again is a cycle */
	VAR_DONE,
	VAR_FAILED,		/* its problem is already reported */
};

struct vars_entry {
	char		*name;
	struct node	*node;		/* its value in vars:, or NULL */
	char		*override;	/* from the environment or --set */
	enum vars_state	 state;
	char		*value;
	int		 secret;	/* listed in secrets: */
	int		 tainted;	/* its value holds a secret's */
	int		 referenced;	/* met in a ${...} */
};

struct vars {
	struct topology		*topology;
	struct problems		*problems;
	struct vars_entry	*entries;
	size_t			 count;
	struct strmap		 index;		/* name -> entry index + 1 */
	size_t			*chain;		/* entries being resolved */
	size_t			 chain_len;
	const struct node	*section;	/* vars: */
	size_t			 total;		/* bytes expanded so far */
	int			 over_total;
	const char		*home;
};

static int	vars_expand_text(struct vars *, const char *, size_t,
		    const struct node *, struct buf *, int *, int);

static int
vars_name_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++) {
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	}
	return 1;
}

static struct vars_entry *
vars_find(struct vars *v, const char *name)
{
	uintptr_t	i = (uintptr_t)strmap_get(&v->index, name);

	return i == 0 ? NULL : &v->entries[i - 1];
}

static struct vars_entry *
vars_add(struct vars *v, const char *name)
{
	struct vars_entry	*e;

	if ((e = vars_find(v, name)) != NULL)
		return e;
	/* Doubling at powers of two (no capacity field needed). */
	if ((v->count & (v->count - 1)) == 0)
		v->entries = xreallocarray(v->entries,
		    v->count < 4 ? 8 : v->count * 2, sizeof *v->entries);
	e = &v->entries[v->count++];
	memset(e, 0, sizeof *e);
	e->name = xstrdup(name);
	/* The array moved: the index keeps pointers to names, which did not. */
	strmap_set(&v->index, e->name, (void *)(uintptr_t)v->count);
	return e;
}

static void
vars_set_override(struct vars_entry *e, const char *value)
{
	free(e->override);
	e->override = xstrdup(value);
	e->state = VAR_NEW;
}

/* A name met in ${...}: known, or from the environment, or undefined. */
static struct vars_entry *
vars_lookup(struct vars *v, const char *name)
{
	struct vars_entry	*e = vars_find(v, name);
	const char		*env;

	if (e != NULL)
		return e;
	e = vars_add(v, name);
	if ((env = getenv(name)) != NULL)
		vars_set_override(e, env);
	return e;
}

/* Names of defined variables, for "did you mean". */
static const char *
vars_suggest(struct vars *v, const char *name)
{
	const char	**names = xreallocarray(NULL, v->count + 1, sizeof *names);
	const char	 *s;
	size_t		  i, n = 0;

	for (i = 0; i < v->count; i++) {
		if (v->entries[i].state != VAR_UNDEFINED)
			names[n++] = v->entries[i].name;
	}
	s = schema_suggest(name, names, n);
	free(names);
	return s;
}

static void
vars_cycle(struct vars *v, struct vars_entry *e)
{
	struct buf	 through;
	size_t		 i, start;

	for (start = 0; start < v->chain_len; start++) {
		if (&v->entries[v->chain[start]] == e)
			break;
	}
	buf_init(&through, 4096);
	for (i = start + 1; i < v->chain_len; i++) {
		buf_printf(&through, "%s%s", i > start + 1 ? " -> " : "",
		    v->entries[v->chain[i]].name);
	}
	if (through.len == 0)
		problems_add_at(v->problems, e->node,
		    "variable %s refers to itself", e->name);
	else
		problems_add_at(v->problems, e->node,
		    "variable %s refers to itself through %s", e->name,
		    buf_str(&through));
	buf_free(&through);
}

/* Expands a variable's value once (memoized). 0, or -1 when it failed. */
static int
vars_resolve(struct vars *v, struct vars_entry *e, const struct node *where)
{
	struct buf	out;
	size_t		index = (size_t)(e - v->entries);
	int		tainted = 0, rc;

	switch (e->state) {
	case VAR_DONE:
		return 0;
	case VAR_FAILED:
		return -1;
	case VAR_RESOLVING:
		vars_cycle(v, e);
		return -1;
	case VAR_UNDEFINED:
		return -1;
	case VAR_NEW:
		break;
	}
	if (e->override != NULL) {
		e->value = xstrdup(e->override);
		e->tainted = e->secret;
		e->state = VAR_DONE;
		return 0;
	}
	if (e->node->type != NODE_SCALAR) {
		/* The schema says "expected a string". */
		e->state = VAR_FAILED;
		return -1;
	}
	if (v->chain_len >= VARS_MAX_CHAIN) {
		problems_add_at(v->problems, where,
		    "variables refer to variables more than %d levels deep "
		    "(at %s)", VARS_MAX_CHAIN, e->name);
		e->state = VAR_FAILED;
		return -1;
	}
	e->state = VAR_RESOLVING;
	v->chain[v->chain_len++] = index;
	buf_init(&out, VARS_MAX_VALUE);
	rc = vars_expand_text(v, e->node->raw, strlen(e->node->raw), e->node,
	    &out, &tainted, 0);
	v->chain_len--;
	/* The entries array may have grown (lookups add entries): re-find. */
	e = &v->entries[index];
	if (rc != 0) {
		buf_free(&out);
		e->state = VAR_FAILED;
		return -1;
	}
	e->value = buf_steal(&out);
	e->tainted = tainted || e->secret;
	e->state = VAR_DONE;
	return 0;
}

/* One ${...} starting at text[0] == '$'. Returns how many bytes it took,
 * or 0 after a problem. */
static size_t
vars_reference(struct vars *v, const char *text, size_t len,
    const struct node *where, struct buf *out, int *tainted, int nest)
{
	struct vars_entry	*e;
	const char		*suggest;
	char			*name;
	size_t			 i = 2, name_end, def = 0, def_end = 0, depth;
	size_t			 index;

	while (i < len && (text[i] == '_' || (text[i] >= 'a' && text[i] <= 'z') ||
	    (text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= '0' && text[i] <= '9')))
		i++;
	name_end = i;
	if (i + 1 < len && text[i] == ':' && text[i + 1] == '-') {
		def = i + 2;
		for (i = def, depth = 0; i < len; i++) {
			if (text[i] == '$' && i + 1 < len && text[i + 1] == '$')
				i++;
			else if (text[i] == '$' && i + 1 < len && text[i + 1] == '{') {
				depth++;
				i++;
			} else if (text[i] == '}' && depth-- == 0)
				break;
		}
		def_end = i;
	}
	if (i >= len) {
		problems_add_at(v->problems, where,
		    "unterminated variable reference '%.*s' (missing '}'; "
		    "$$ writes a literal $)",
		    (int)(len > 40 ? 40 : len), text);
		return 0;
	}
	if (text[i] != '}' || !vars_name_valid(text + 2, name_end - 2)) {
		/* Show the reference up to its '}', if it has one. */
		while (i < len && text[i] != '}')
			i++;
		problems_add_at(v->problems, where,
		    "invalid variable reference '%.*s': expected ${NAME} or "
		    "${NAME:-default}, NAME of letters, digits and _ ($$ "
		    "writes a literal $)",
		    (int)(i + 1 > 60 ? 60 : (i < len ? i + 1 : i)), text);
		return 0;
	}

	name = xstrndup(text + 2, name_end - 2);
	e = vars_lookup(v, name);
	e->referenced = 1;
	index = (size_t)(e - v->entries);
	if (e->state != VAR_UNDEFINED) {
		if (vars_resolve(v, e, where) != 0) {
			free(name);
			return 0;
		}
		e = &v->entries[index];
		if (def == 0 || *e->value != '\0') {
			buf_puts(out, e->value);
			if (e->tainted)
				*tainted = 1;
			free(name);
			return i + 1;
		}
	}
	if (def != 0) {
		free(name);
		if (nest >= VARS_MAX_NEST) {
			problems_add_at(v->problems, where,
			    "variable defaults nested more than %d deep",
			    VARS_MAX_NEST);
			return 0;
		}
		if (vars_expand_text(v, text + def, def_end - def, where, out,
		    tainted, nest + 1) != 0)
			return 0;
		return i + 1;
	}
	if ((suggest = vars_suggest(v, name)) != NULL)
		problems_add_at(v->problems, where,
		    "undefined variable '%.*s%s' (did you mean '%s'?)",
		    PROBLEM_QUOTE(name), suggest);
	else if (strlen(name) > PROBLEM_CLIP)
		problems_add_at(v->problems, where, "undefined variable '%.*s%s'",
		    PROBLEM_QUOTE(name));
	else
		problems_add_at(v->problems, where,
		    "undefined variable '%s' (set it in vars:, the environment "
		    "or --set, or write ${%s:-default}; $${%s} is the text "
		    "${%s})", name, name, name, name);
	free(name);
	return 0;
}

/*
 * Appends the expansion of text[0..len) to out. 0, or -1 after a problem at
 * where (or when a variable it uses failed: that one is reported already).
 */
static int
vars_expand_text(struct vars *v, const char *text, size_t len,
    const struct node *where, struct buf *out, int *tainted, int nest)
{
	const char	*dollar;
	size_t		 i = 0, took;

	if (v->home != NULL && len > 0 && text[0] == '~' &&
	    (len == 1 || text[1] == '/')) {
		buf_puts(out, v->home);
		i = 1;
	}
	while (i < len) {
		dollar = memchr(text + i, '$', len - i);
		if (dollar == NULL) {
			buf_append(out, text + i, len - i);
			break;
		}
		buf_append(out, text + i, (size_t)(dollar - (text + i)));
		i = (size_t)(dollar - text);
		if (i + 1 < len && text[i + 1] == '$') {
			buf_append(out, "$", 1);
			i += 2;
		} else if (i + 1 < len && text[i + 1] == '{') {
			took = vars_reference(v, text + i, len - i, where, out,
			    tainted, nest);
			if (took == 0)
				return -1;
			i += took;
		} else {
			/* A lone $ is text: regexes end with it, JSON paths
			 * start with it. */
			buf_append(out, "$", 1);
			i++;
		}
		if (out->toobig)
			break;
	}
	if (out->toobig) {
		problems_add_at(v->problems, where,
		    "expanded value exceeds %d bytes", VARS_MAX_VALUE);
		return -1;
	}
	return 0;
}

static int
vars_needs_expansion(const char *s)
{
	return strchr(s, '$') != NULL || (s[0] == '~' &&
	    (s[1] == '\0' || s[1] == '/'));
}

/* A scalar outside vars: gets its expanded text (or keeps its raw text
 * when expansion failed: the problem says why). */
static void
vars_scalar(struct vars *v, struct node *n)
{
	struct buf	out;
	int		tainted = 0;

	if (n->is_null || v->over_total || !vars_needs_expansion(n->raw))
		return;
	buf_init(&out, VARS_MAX_VALUE);
	if (vars_expand_text(v, n->raw, strlen(n->raw), n, &out, &tainted,
	    0) == 0) {
		v->total += out.len;
		if (v->total > VARS_MAX_TOTAL) {
			problems_add_at(v->problems, n,
			    "variable expansion exceeds %d bytes in the whole "
			    "file", VARS_MAX_TOTAL);
			v->over_total = 1;
		} else {
			node_set_value(n, buf_str(&out));
			n->secret = tainted;
		}
	}
	buf_free(&out);
}

static void
vars_walk(struct vars *v, struct node *n)
{
	struct vars_entry	*e;
	size_t			 i;

	if (n->type == NODE_SCALAR) {
		vars_scalar(v, n);
		return;
	}
	for (i = 0; i < n->count; i++) {
		if (n == v->section && n->keys[i]->type == NODE_SCALAR) {
			/* A vars: value shows the variable's final value. */
			e = vars_find(v, n->keys[i]->raw);
			if (e != NULL && e->state == VAR_DONE &&
			    n->items[i]->type == NODE_SCALAR) {
				node_set_value(n->items[i], e->value);
				n->items[i]->secret = e->tainted;
			}
			continue;
		}
		if (n->keys != NULL)
			vars_scalar(v, n->keys[i]);
		vars_walk(v, n->items[i]);
	}
}

static const char *
vars_home(void)
{
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	if (home != NULL && *home != '\0')
		return home;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL)
		return pw->pw_dir;
	return NULL;
}

static int
vars_secret_cmp(const void *a, const void *b)
{
	size_t	la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	if (la != lb)
		return la > lb ? -1 : 1;
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
vars_collect(struct vars *v)
{
	struct topology		*t = v->topology;
	struct vars_entry	*e;
	size_t			 i, n;

	t->vars = xreallocarray(NULL, v->count + 1, sizeof *t->vars);
	t->secrets = xreallocarray(NULL, v->count + 1, sizeof *t->secrets);
	for (i = 0; i < v->count; i++) {
		e = &v->entries[i];
		if (e->state != VAR_DONE)
			continue;
		t->vars[t->nvars].name = xstrdup(e->name);
		t->vars[t->nvars].value = xstrdup(e->value);
		t->vars[t->nvars].secret = e->secret;
		t->nvars++;
		if (e->secret && *e->value != '\0')
			t->secrets[t->nsecrets++] = xstrdup(e->value);
	}
	/* Longest first, so that a secret containing another is replaced
	 * whole; equal values once. */
	qsort(t->secrets, t->nsecrets, sizeof *t->secrets, vars_secret_cmp);
	for (i = 0, n = 0; i < t->nsecrets; i++) {
		if (n > 0 && strcmp(t->secrets[n - 1], t->secrets[i]) == 0)
			free(t->secrets[i]);
		else
			t->secrets[n++] = t->secrets[i];
	}
	t->nsecrets = n;
}

void
vars_expand(struct topology *t, char *const *sets, size_t nsets,
    struct problems *problems)
{
	struct vars		 v;
	struct vars_entry	*e;
	struct node		*root = t->root, *section = NULL, *secrets = NULL;
	struct node		*key, *item;
	const char		*eq, *env;
	char			*name;
	size_t			 i;

	memset(&v, 0, sizeof v);
	v.topology = t;
	v.problems = problems;
	v.home = vars_home();
	v.chain = xreallocarray(NULL, VARS_MAX_CHAIN + 1, sizeof *v.chain);

	if (root != NULL && root->type == NODE_MAP) {
		for (i = 0; i < root->count; i++) {
			if (strcmp(root->keys[i]->raw, "vars") == 0)
				section = root->items[i];
			else if (strcmp(root->keys[i]->raw, "secrets") == 0)
				secrets = root->items[i];
		}
	}
	if (section != NULL && section->type == NODE_MAP) {
		v.section = section;
		for (i = 0; i < section->count; i++) {
			key = section->keys[i];
			if (!vars_name_valid(key->raw, strlen(key->raw))) {
				problems_add_at(problems, key,
				    "invalid variable name '%.*s%s' (letters, "
				    "digits and _, not starting with a digit)",
				    PROBLEM_QUOTE(key->raw));
				continue;
			}
			e = vars_add(&v, key->raw);
			e->node = section->items[i];
			e->state = VAR_NEW;
			if ((env = getenv(key->raw)) != NULL)
				vars_set_override(e, env);
		}
	}
	for (i = 0; i < nsets; i++) {
		if ((eq = strchr(sets[i], '=')) == NULL ||
		    !vars_name_valid(sets[i], (size_t)(eq - sets[i]))) {
			problems_add(problems, NULL, 0, 0,
			    "--set '%.*s%s': expected NAME=VALUE",
			    PROBLEM_QUOTE(sets[i]));
			continue;
		}
		name = xstrndup(sets[i], (size_t)(eq - sets[i]));
		vars_set_override(vars_add(&v, name), eq + 1);
		free(name);
	}
	if (secrets != NULL && secrets->type == NODE_SEQ) {
		for (i = 0; i < secrets->count; i++) {
			item = secrets->items[i];
			if (item->type != NODE_SCALAR || item->is_null)
				continue;	/* the schema reports it */
			if (!vars_name_valid(item->raw, strlen(item->raw))) {
				problems_add_at(problems, item,
				    "invalid variable name '%.*s%s' in secrets",
				    PROBLEM_QUOTE(item->raw));
				continue;
			}
			vars_lookup(&v, item->raw)->secret = 1;
		}
	}

	/* Every vars: entry, used or not, so that its faults are reported. */
	for (i = 0; i < v.count; i++) {
		if (v.entries[i].node != NULL)
			(void)vars_resolve(&v, &v.entries[i], v.entries[i].node);
	}
	if (root != NULL)
		vars_walk(&v, root);

	if (secrets != NULL && secrets->type == NODE_SEQ) {
		for (i = 0; i < secrets->count; i++) {
			item = secrets->items[i];
			if (item->type != NODE_SCALAR || item->is_null ||
			    (e = vars_find(&v, item->raw)) == NULL ||
			    e->state != VAR_UNDEFINED || e->referenced)
				continue;
			problems_add_at(problems, item,
			    "secret '%.*s%s' is not a variable (not in vars:, the "
			    "environment or --set)", PROBLEM_QUOTE(item->raw));
		}
	}
	/* Variables only set (--set, or a secret from the environment) and
	 * never used still count: topology_var and redaction see them. */
	for (i = 0; i < v.count; i++) {
		if (v.entries[i].state == VAR_NEW)
			(void)vars_resolve(&v, &v.entries[i], NULL);
	}
	vars_collect(&v);

	for (i = 0; i < v.count; i++) {
		free(v.entries[i].name);
		free(v.entries[i].override);
		free(v.entries[i].value);
	}
	free(v.entries);
	free(v.chain);
	strmap_free(&v.index);
}
