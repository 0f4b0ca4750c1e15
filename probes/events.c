/*
 * events.c: the `events:` section. Reads an Inngest worker's function files
 * (globs), every `inngest.createFunction(config, triggers, handler)` in them,
 * the worker lists that register the functions (index.host.ts,
 * index.cluster.ts) and the emit and wait sites (`step.sendEvent(id, {name})`,
 * `inngest.send({name})`, arrays of them, `step.waitForEvent(id, {event})`).
 * Static layer. Four checks fall out of the graph, each a count with the
 * file:line of every item in its evidence:
 *
 *   events/unregistered      a function in no worker list (it never runs)
 *   events/registered-twice  a function in two worker lists
 *   events/unhandled         an event emitted that no function triggers on
 *   events/unemitted         an event triggering or awaited that nothing in
 *                            the files read emits and `external:` does not declare
 *
 * The scan works on a copy of the text with comments and the inside of
 * strings, template literals and regex literals blanked (offsets kept), so
 * brackets and keys are found in code only; literal values are then read from
 * the original text. A name that is not a plain string literal (a template
 * with ${}, a variable, a spread, a call) is an unknown site with its text.
 */
#include "events.h"
#include "probe.h"

#include <ctype.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "../util/regex.h"
#include "../util/util.h"
#include "sources.h"
#include "textfile.h"

/* The longest expression kept as an unknown site's text. */
#define EVENTS_TEXT_MAX		80
/* At most this many files are read (a glob that names a whole disk). */
#define EVENTS_MAX_FILES	5000

enum events_finding {
	FINDING_UNREGISTERED,
	FINDING_TWICE,
	FINDING_UNHANDLED,
	FINDING_UNEMITTED,
	FINDING_COUNT
};

static const struct {
	const char	*id;
	const char	*key;
	const char	*summary;
} events_findings[FINDING_COUNT] = {
	{ "unregistered", "unregistered", "functions registered in no worker list" },
	{ "registered-twice", "registered_twice", "functions registered by two workers" },
	{ "unhandled", "unhandled", "events emitted that no function handles" },
	{ "unemitted", "unemitted", "events awaited or triggering that no emit site names (not external)" },
};

struct events_external {
	char	*event;		/* a glob: "vercel/..." (glob) */
	char	*source;
};

struct events_config {
	char			**functions;	/* globs, expanded, absolute */
	size_t			  nfunctions;
	char			**emitters;
	size_t			  nemitters;
	char			**exclude;	/* base-name globs */
	size_t			  nexclude;
	struct events_worker	  workers[EVENTS_MAX_WORKERS];
	size_t			  nworkers;
	struct events_external	 *external;
	size_t			  nexternal;
	char			 *topology_file;
	char			 *base;		/* what ${REPO}/ expanded to: cut from paths shown */
	char			 *inngest;	/* the Inngest server (why --live), or NULL */
};

struct events_check {
	const struct events_config	*config;
	enum events_finding		 finding;
};

/* ---- the graph ---- */

void
events_graph_init(struct events_graph *g)
{
	memset(g, 0, sizeof *g);
}

void
events_graph_free(struct events_graph *g)
{
	size_t	i;

	for (i = 0; i < g->nfiles; i++)
		free(g->files[i]);
	free(g->files);
	for (i = 0; i < g->nfunctions; i++) {
		free(g->functions[i].id);
		free(g->functions[i].variable);
		free(g->functions[i].alias);
	}
	free(g->functions);
	for (i = 0; i < g->nsites; i++) {
		free(g->sites[i].name);
		free(g->sites[i].text);
	}
	free(g->sites);
	for (i = 0; i < g->nworkers; i++) {
		free(g->workers[i].name);
		free(g->workers[i].file);
		free(g->workers[i].list);
		free(g->workers[i].app);
		free(g->workers[i].error);
	}
	for (i = 0; i < g->nerrors; i++)
		free(g->errors[i]);
	free(g->errors);
	memset(g, 0, sizeof *g);
}

static void
events_site_add(struct events_graph *g, enum events_site_kind kind, char *name,
    char *text, const char *file, int line, int function)
{
	struct events_site	*s;

	g->sites = xreallocarray(g->sites, g->nsites + 1, sizeof *g->sites);
	s = &g->sites[g->nsites++];
	s->kind = kind;
	s->name = name;
	s->text = text;
	s->file = file;
	s->line = line;
	s->function = function;
}

long
events_function_find(const struct events_graph *g, const char *name)
{
	size_t	i;

	for (i = 0; i < g->nfunctions; i++) {
		if ((g->functions[i].id != NULL &&
		    strcmp(g->functions[i].id, name) == 0) ||
		    (g->functions[i].variable != NULL &&
		    strcmp(g->functions[i].variable, name) == 0))
			return (long)i;
	}
	return -1;
}

int
events_has(const struct events_graph *g, enum events_site_kind kind,
    const char *event)
{
	size_t	i;

	for (i = 0; i < g->nsites; i++) {
		if (g->sites[i].kind == kind && g->sites[i].name != NULL &&
		    strcmp(g->sites[i].name, event) == 0)
			return 1;
	}
	return 0;
}

void
events_register(struct events_graph *g, size_t worker, char *const *names,
    size_t n, int line)
{
	size_t	i, j;

	if (worker >= EVENTS_MAX_WORKERS)
		return;
	for (i = 0; i < n; i++) {
		/* `...more` and `make()` are not a function by name. */
		if (strncmp(names[i], "...", 3) == 0 ||
		    strchr(names[i], '(') != NULL) {
			g->workers[worker].unknown++;
			continue;
		}
		for (j = 0; j < g->nfunctions; j++) {
			if ((g->functions[j].variable != NULL &&
			    strcmp(g->functions[j].variable, names[i]) == 0) ||
			    (g->functions[j].alias != NULL &&
			    strcmp(g->functions[j].alias, names[i]) == 0))
				g->functions[j].registered[worker] = line;
		}
	}
}

/* ---- the text ---- */

/*
 * A copy of text (len bytes) with comments, string, template and regex
 * literal contents replaced by spaces; quotes and newlines are kept. A "
 * or ' string ends at a newline (it cannot span lines), so one odd quote
 * spoils a line, not the file.
 */
static char *
events_blank(const char *text, size_t len)
{
	char	*b = xmalloc(len + 1);
	size_t	 i = 0, j;
	char	 q, prev = '(';
	int	 depth;

	memcpy(b, text, len);
	b[len] = '\0';
	while (i < len) {
		if (text[i] == '/' && i + 1 < len && text[i + 1] == '/') {
			while (i < len && text[i] != '\n')
				b[i++] = ' ';
		} else if (text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
			for (; i < len && !(text[i] == '*' && i + 1 < len &&
			    text[i + 1] == '/'); i++) {
				if (text[i] != '\n')
					b[i] = ' ';
			}
			for (j = 0; j < 2 && i < len; j++)
				b[i++] = ' ';
		} else if (text[i] == '"' || text[i] == '\'') {
			q = text[i++];
			while (i < len && text[i] != q && text[i] != '\n') {
				if (text[i] == '\\' && i + 1 < len &&
				    text[i + 1] != '\n')
					b[i++] = ' ';
				b[i++] = ' ';
			}
			i++;
			prev = 'a';
		} else if (text[i] == '`') {
			/* ${...} inside is blanked too: names there are computed. */
			i++;
			depth = 0;
			while (i < len && (text[i] != '`' || depth > 0)) {
				if (text[i] == '\\' && i + 1 < len)
					b[i++] = ' ';
				else if (text[i] == '$' && i + 1 < len &&
				    text[i + 1] == '{')
					depth++;
				else if (text[i] == '}' && depth > 0)
					depth--;
				if (text[i] != '\n')
					b[i] = ' ';
				i++;
			}
			i++;
			prev = 'a';
		} else if (text[i] == '/' && strchr("(,=:[!&|?{};", prev) != NULL) {
			/* A regex literal: /.../flags on one line. */
			i++;
			depth = 0;	/* inside a [class] */
			while (i < len && text[i] != '\n' &&
			    (text[i] != '/' || depth)) {
				if (text[i] == '\\' && i + 1 < len)
					b[i++] = ' ';
				else if (text[i] == '[')
					depth = 1;
				else if (text[i] == ']')
					depth = 0;
				b[i++] = ' ';
			}
			i++;
			prev = 'a';
		} else {
			if (!isspace((unsigned char)text[i]))
				prev = text[i];
			i++;
		}
	}
	return b;
}

/* Offset of the bracket closing the one at open in the blanked text, or len. */
static size_t
events_close(const char *b, size_t len, size_t open)
{
	char	 stack[256];
	size_t	 depth = 0, i;

	for (i = open; i < len; i++) {
		if (b[i] == '(' || b[i] == '[' || b[i] == '{') {
			if (depth == sizeof stack)
				return len;
			stack[depth++] = b[i] == '(' ? ')' : b[i] == '[' ? ']' : '}';
		} else if (b[i] == ')' || b[i] == ']' || b[i] == '}') {
			if (depth == 0 || stack[depth - 1] != b[i])
				return len;
			if (--depth == 0)
				return i;
		}
	}
	return len;
}

struct span {
	size_t	start, end;	/* [start, end), trimmed */
};

static struct span
events_trim(const char *b, size_t start, size_t end)
{
	struct span	s;

	while (start < end && isspace((unsigned char)b[start]))
		start++;
	while (end > start && isspace((unsigned char)b[end - 1]))
		end--;
	s.start = start;
	s.end = end;
	return s;
}

/*
 * The comma-separated parts of the bracketed list opening at open (its
 * arguments, elements or members), at most max; returns how many.
 */
static size_t
events_parts(const char *b, size_t len, size_t open, struct span *parts,
    size_t max)
{
	size_t	close = events_close(b, len, open), i, start = open + 1, n = 0;
	size_t	inner;

	if (close >= len)
		return 0;
	for (i = open + 1; i <= close && n < max; i++) {
		if (i < close && (b[i] == '(' || b[i] == '[' || b[i] == '{')) {
			inner = events_close(b, len, i);
			if (inner >= close)
				return n;
			i = inner;
			continue;
		}
		if (i == close || b[i] == ',') {
			parts[n] = events_trim(b, start, i);
			if (parts[n].end > parts[n].start)
				n++;
			start = i + 1;
		}
	}
	return n;
}

static char *
events_text(const char *t, struct span s)
{
	size_t	n = s.end - s.start, i, j = 0;
	char	*out;

	if (n > EVENTS_TEXT_MAX)
		n = EVENTS_TEXT_MAX;
	out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)t[s.start + i])) {
			if (j > 0 && out[j - 1] != ' ')
				out[j++] = ' ';
		} else
			out[j++] = t[s.start + i];
	}
	out[j] = '\0';
	return out;
}

/*
 * The value of a plain string literal at s ("x", 'x', `x` without ${},
 * optionally followed by `as const`), or NULL.
 */
static char *
events_literal(const char *t, struct span s)
{
	size_t	end;
	char	q;

	if (s.end - s.start < 2)
		return NULL;
	q = t[s.start];
	if (q != '"' && q != '\'' && q != '`')
		return NULL;
	for (end = s.start + 1; end < s.end && t[end] != q; end++) {
		if (t[end] == '\\' || (q == '`' && t[end] == '$'))
			return NULL;
	}
	if (end >= s.end)
		return NULL;
	if (end + 1 != s.end && !(s.end - end - 1 == 9 &&
	    strncmp(t + end + 1, " as const", 9) == 0))
		return NULL;
	return xstrndup(t + s.start + 1, end - s.start - 1);
}

/* The value span of key `key:` among an object's members (open at '{'). */
static int
events_member(const char *b, size_t len, size_t open, const char *key,
    struct span *value)
{
	struct span	parts[64];
	size_t		n, i, k = strlen(key), p;

	n = events_parts(b, len, open, parts, 64);
	for (i = 0; i < n; i++) {
		p = parts[i].start;
		if (b[p] == '"' || b[p] == '\'')
			p++;	/* a quoted key: its text is blanked, not compared */
		if (parts[i].end - p > k && strncmp(b + p, key, k) == 0) {
			p += k;
			while (p < parts[i].end && (isspace((unsigned char)b[p]) ||
			    b[p] == '"' || b[p] == '\''))
				p++;
			if (p < parts[i].end && b[p] == ':') {
				*value = events_trim(b, p + 1, parts[i].end);
				return 1;
			}
		}
	}
	return 0;
}

struct events_file {
	struct events_graph	*g;
	const char		*file;
	const char		*t;	/* original */
	const char		*b;	/* blanked */
	size_t			 len;
};

/*
 * A `name:`/`event:` value: a literal, else the value of `const NAME = "x"`
 * when the file declares exactly one such constant, else unknown.
 */
static void
events_value(const struct events_file *f, struct span v, char **name, char **text)
{
	struct regex	*re;
	char		*pattern, *ident, *capture = NULL, *cause = NULL;
	size_t		 i;

	*text = NULL;
	if ((*name = events_literal(f->t, v)) != NULL)
		return;
	*text = events_text(f->t, v);
	for (i = v.start; i < v.end; i++) {
		if (!isalnum((unsigned char)f->t[i]) && f->t[i] != '_' &&
		    f->t[i] != '$')
			return;
	}
	if (i == v.start || memchr(f->t + v.start, '$', v.end - v.start) != NULL)
		return;
	ident = xstrndup(f->t + v.start, v.end - v.start);
	pattern = xasprintf("(?m)^\\s*(?:export\\s+)?const\\s+%s\\s*=\\s*"
	    "\"([^\"\\\\\\n]+)\"\\s*(?:as const\\s*)?;", ident);
	re = regex_compile(pattern, &cause);
	if (re != NULL && regex_match(re, f->t, f->len, &capture, NULL, &cause) == 1) {
		*name = capture;
		free(*text);
		*text = NULL;
	}
	regex_free(re);
	free(pattern);
	free(ident);
	free(cause);
}

static int	events_constant(const struct events_file *, struct span, struct span *);

/* One trigger or event object (or a non-object: unknown) at s. */
static void
events_object(const struct events_file *f, struct span s, int function,
    enum events_site_kind kind, const char *key)
{
	struct span	v, constant;
	char		*name, *text;
	int		line = textfile_line(f->t, f->len, s.start);

	if (f->b[s.start] != '{' && events_constant(f, s, &constant) &&
	    f->b[constant.start] == '{')
		s = constant;	/* [accumulatedEventPayload]: its const { name } */
	if (f->b[s.start] != '{') {
		events_site_add(f->g, kind, NULL, events_text(f->t, s), f->file,
		    line, function);
		return;
	}
	if (events_member(f->b, f->len, s.start, key, &v)) {
		events_value(f, v, &name, &text);
		events_site_add(f->g, kind, name, text, f->file,
		    textfile_line(f->t, f->len, v.start), function);
		return;
	}
	if (kind == EVENTS_TRIGGER && events_member(f->b, f->len, s.start,
	    "cron", &v)) {
		events_value(f, v, &name, &text);
		events_site_add(f->g, EVENTS_CRON, name, text, f->file,
		    textfile_line(f->t, f->len, v.start), function);
		return;
	}
	events_site_add(f->g, kind, NULL, events_text(f->t, s), f->file, line,
	    function);
}

/*
 * When s is a bare identifier and the file declares `const NAME = [` or
 * `const NAME = {` once, the span of that literal (the HEARTBEAT_EVENTS of
 * a fan-out); else 0.
 */
static int
events_constant(const struct events_file *f, struct span s, struct span *out)
{
	struct regex	*re;
	char		*ident, *pattern, *cause = NULL;
	size_t		 i, off, eq, close;
	int		 found = 0;

	for (i = s.start; i < s.end; i++) {
		if (!isalnum((unsigned char)f->b[i]) && f->b[i] != '_' && f->b[i] != '$')
			return 0;
	}
	if (s.end == s.start || isdigit((unsigned char)f->b[s.start]) ||
	    memchr(f->b + s.start, '$', s.end - s.start) != NULL)
		return 0;
	ident = xstrndup(f->b + s.start, s.end - s.start);
	pattern = xasprintf("\\bconst\\s+%s\\s*(?::[^=;]*)?=\\s*[\\[{]", ident);
	re = regex_compile(pattern, &cause);
	if (re != NULL && regex_match(re, f->b, f->len, NULL, &off, &cause) == 1) {
		eq = off + strcspn(f->b + off, "=");
		while (eq < f->len && f->b[eq] != '[' && f->b[eq] != '{')
			eq++;
		close = events_close(f->b, f->len, eq);
		if (close < f->len) {
			out->start = eq;
			out->end = close + 1;
			found = 1;
		}
	}
	regex_free(re);
	free(pattern);
	free(ident);
	free(cause);
	return found;
}

/* An object, or an array of objects (each element; a spread is unknown). */
static void
events_objects(const struct events_file *f, struct span s, int function,
    enum events_site_kind kind, const char *key)
{
	struct span	parts[256], constant;
	size_t		n, i;

	if (events_constant(f, s, &constant))
		s = constant;

	if (f->b[s.start] != '[' || events_close(f->b, f->len, s.start) + 1 != s.end) {
		events_object(f, s, function, kind, key);
		return;
	}
	n = events_parts(f->b, f->len, s.start, parts, 256);
	for (i = 0; i < n; i++)
		events_object(f, parts[i], function, kind, key);
}

/* The function whose call spans offset, or -1. */
static int
events_enclosing(const size_t (*spans)[2], size_t nspans, size_t first,
    size_t offset)
{
	size_t	i;

	for (i = 0; i < nspans; i++) {
		if (offset > spans[i][0] && offset < spans[i][1])
			return (int)(first + i);
	}
	return -1;
}

static struct regex *
events_regex(const char *pattern)
{
	char	*cause = NULL;
	struct regex *re = regex_compile(pattern, &cause);

	if (re == NULL)
		util_fatal("events: %s: %s", pattern, cause);
	return re;
}

/* Offsets of each match of re in the blanked text, at most max. */
static size_t
events_matches(const struct regex *re, const char *b, size_t len, size_t *at,
    size_t max)
{
	size_t	pos = 0, off, n = 0;
	char	*cause = NULL;

	while (n < max && pos < len &&
	    regex_match(re, b + pos, len - pos, NULL, &off, &cause) == 1) {
		at[n++] = pos + off;
		pos += off + 1;
	}
	free(cause);
	return n;
}

static const char *
events_file_name(struct events_graph *g, const char *file)
{
	g->files = xreallocarray(g->files, g->nfiles + 1, sizeof *g->files);
	g->files[g->nfiles] = xstrdup(file);
	return g->files[g->nfiles++];
}

void
events_scan_text(struct events_graph *g, const char *file, const char *text,
    size_t len, int functions_file)
{
	struct events_file	 f;
	struct regex		*create, *variable, *emit, *send, *wait, *alias, *payload;
	struct span		 args[4], v;
	size_t			*at, n, i, open, close, first = g->nfunctions, nspans = 0;
	size_t			(*spans)[2];
	struct events_function	*fn;
	char			*capture, *cause = NULL, *name, *text_copy;
	size_t			 start;
	int			 k;

	f.g = g;
	f.file = events_file_name(g, file);
	f.t = text;
	f.len = len;
	f.b = events_blank(text, len);
	create = events_regex("\\bcreateFunction\\s*\\(");
	variable = events_regex("(?:const|let|var)\\s+([A-Za-z_$][\\w$]*)"
	    "\\s*(?::[^=;]*)?=\\s*(?:[A-Za-z_$][\\w$]*\\.)?\\s*createFunction\\s*\\(\\s*$");
	emit = events_regex("\\bstep\\s*\\.\\s*sendEvent\\s*\\(");
	send = events_regex("\\b(?:inngest|inngestClient)\\s*\\.\\s*send\\s*\\(");
	wait = events_regex("\\bstep\\s*\\.\\s*waitForEvent\\s*\\(");
	payload = events_regex("\\bname\\s*:");
	alias = events_regex("\\bconst\\s+([A-Za-z_$][\\w$]*\\s*=\\s*[A-Za-z_$][\\w$]*)\\s*;");
	at = xcalloc(len / 8 + 16, sizeof *at);
	spans = xcalloc(len / 8 + 16, sizeof *spans);

	n = functions_file ? events_matches(create, f.b, len, at, len / 8 + 16) : 0;
	for (i = 0; i < n; i++) {
		open = at[i] + strcspn(f.b + at[i], "(");
		close = events_close(f.b, len, open);
		g->functions = xreallocarray(g->functions, g->nfunctions + 1,
		    sizeof *g->functions);
		fn = &g->functions[g->nfunctions++];
		memset(fn, 0, sizeof *fn);
		fn->file = f.file;
		fn->line = textfile_line(text, len, at[i]);
		/* `const NAME =` ending right before this call. */
		start = at[i] > 200 ? at[i] - 200 : 0;
		capture = NULL;
		{
			char *window = xstrndup(f.b + start, open + 1 - start);

			if (regex_match(variable, window, strlen(window), &capture,
			    NULL, &cause) == 1)
				fn->variable = capture;
			free(window);
		}
		spans[nspans][0] = open;
		spans[nspans][1] = close;
		nspans++;
		if (events_parts(f.b, len, open, args, 4) < 2)
			continue;
		if (f.b[args[0].start] == '{' &&
		    events_member(f.b, len, args[0].start, "id", &v))
			fn->id = events_literal(text, v);
		if (f.b[args[0].start] == '{' &&
		    events_member(f.b, len, args[0].start, "cancelOn", &v))
			events_objects(&f, v, (int)(g->nfunctions - 1),
			    EVENTS_CANCEL, "event");
		events_objects(&f, args[1], (int)(g->nfunctions - 1),
		    EVENTS_TRIGGER, "event");
	}

	n = events_matches(emit, f.b, len, at, len / 8 + 16);
	for (i = 0; i < n; i++) {
		open = at[i] + strcspn(f.b + at[i], "(");
		if (events_parts(f.b, len, open, args, 3) >= 2)
			events_objects(&f, args[1], events_enclosing(
			    (const size_t (*)[2])spans, nspans, first, at[i]),
			    EVENTS_EMIT, "name");
	}
	n = events_matches(send, f.b, len, at, len / 8 + 16);
	for (i = 0; i < n; i++) {
		open = at[i] + strcspn(f.b + at[i], "(");
		if (events_parts(f.b, len, open, args, 2) < 1)
			continue;
		k = events_enclosing((const size_t (*)[2])spans, nspans, first,
		    at[i]);
		if (strchr("\"'`", f.b[args[0].start]) != NULL) {
			/* The CLI's client: send("name", data). */
			events_value(&f, args[0], &name, &text_copy);
			events_site_add(g, EVENTS_EMIT, name, text_copy, f.file,
			    textfile_line(text, len, args[0].start), k);
		} else
			events_objects(&f, args[0], k, EVENTS_EMIT, "name");
	}
	n = events_matches(wait, f.b, len, at, len / 8 + 16);
	for (i = 0; i < n; i++) {
		open = at[i] + strcspn(f.b + at[i], "(");
		if (events_parts(f.b, len, open, args, 3) >= 2)
			events_object(&f, args[1], events_enclosing(
			    (const size_t (*)[2])spans, nspans, first, at[i]),
			    EVENTS_WAIT, "event");
	}
	/* { name: "x", data } objects not already read as a send's argument. */
	n = events_matches(payload, f.b, len, at, len / 8 + 16);
	for (i = 0; i < n; i++) {
		size_t	 brace, depth = 0, j;
		int	 line, dup = 0;

		for (brace = at[i]; brace > 0; brace--) {
			if (f.b[brace - 1] == '}' || f.b[brace - 1] == ']' || f.b[brace - 1] == ')')
				depth++;
			else if (f.b[brace - 1] == '{' || f.b[brace - 1] == '[' || f.b[brace - 1] == '(') {
				if (depth == 0)
					break;
				depth--;
			}
		}
		if (brace == 0 || f.b[brace - 1] != '{' ||
		    !events_member(f.b, len, brace - 1, "data", &v) ||
		    !events_member(f.b, len, brace - 1, "name", &v))
			continue;
		line = textfile_line(text, len, v.start);
		for (j = 0; j < g->nsites; j++) {
			if (g->sites[j].file == f.file && g->sites[j].line == line &&
			    g->sites[j].kind == EVENTS_EMIT)
				dup = 1;
		}
		name = events_literal(text, v);
		if (dup || name == NULL) {
			free(name);
			continue;
		}
		events_site_add(g, EVENTS_PAYLOAD, name, NULL, f.file, line,
		    events_enclosing((const size_t (*)[2])spans, nspans, first, at[i]));
	}

	/* `export const promote = promoteFunction;`: the list names the alias. */
	n = functions_file ? events_matches(alias, f.b, len, at, len / 8 + 16) : 0;
	for (i = 0; i < n; i++) {
		capture = NULL;
		if (regex_match(alias, f.b + at[i], len - at[i], &capture, NULL,
		    &cause) == 1) {
			char	*eq = strchr(capture, '='), *a, *target;
			size_t	 j;

			if (eq != NULL) {
				*eq = '\0';
				a = capture;
				a[strcspn(a, " \t\n")] = '\0';
				target = eq + 1 + strspn(eq + 1, " \t\n");
				for (j = first; j < g->nfunctions; j++) {
					if (g->functions[j].variable != NULL &&
					    g->functions[j].alias == NULL &&
					    strcmp(g->functions[j].variable, target) == 0)
						g->functions[j].alias = xstrdup(a);
				}
			}
		}
		free(capture);
	}
	free(cause);
	free(at);
	free(spans);
	regex_free(alias);
	regex_free(payload);
	regex_free(create);
	regex_free(variable);
	regex_free(emit);
	regex_free(send);
	regex_free(wait);
	free((char *)f.b);
}

/* ---- reading the repository ---- */

static int
events_excluded(const struct events_config *ec, const char *path)
{
	const char	*base = strrchr(path, '/');
	size_t		 i;

	base = base != NULL ? base + 1 : path;
	for (i = 0; i < ec->nexclude; i++) {
		if (util_glob_match(ec->exclude[i], base))
			return 1;
	}
	return 0;
}

static void
events_graph_error(struct events_graph *g, char *message)
{
	g->errors = xreallocarray(g->errors, g->nerrors + 1, sizeof *g->errors);
	g->errors[g->nerrors++] = message;
}

static void
events_read_globs(struct events_graph *g, const struct events_config *ec,
    char *const *globs, size_t nglobs, const char *root, int functions_file,
    size_t *nread)
{
	glob_t		 gl;
	struct buf	 b;
	char		*cause = NULL;
	size_t		 i, j;
	int		 rc;

	for (i = 0; i < nglobs; i++) {
		/*
		 * --root: the folder before the first wildcard must be inside,
		 * else no name of what lies outside is listed (glob would).
		 */
		if (root != NULL) {
			char	*fixed = xstrndup(globs[i], strcspn(globs[i], "*?["));
			char	*slash = strrchr(fixed, '/'), *real = NULL;

			if (slash != NULL)
				*slash = '\0';
			rc = textfile_allowed(root, fixed[0] != '\0' ? fixed : "/",
			    &real, &cause);
			free(fixed);
			free(real);
			if (rc != 0) {
				events_graph_error(g, cause);
				cause = NULL;
				continue;
			}
		}
		memset(&gl, 0, sizeof gl);
		rc = glob(globs[i], 0, NULL, &gl);
		for (j = 0; rc == 0 && j < gl.gl_pathc; j++) {
			if (events_excluded(ec, gl.gl_pathv[j]))
				continue;
			if (*nread >= EVENTS_MAX_FILES) {
				events_graph_error(g, xasprintf("more than %d files: "
				    "the rest is not read", EVENTS_MAX_FILES));
				break;
			}
			if (textfile_read(root, gl.gl_pathv[j], &b, &cause) != 0) {
				events_graph_error(g, cause);
				cause = NULL;
				continue;
			}
			(*nread)++;
			events_scan_text(g, gl.gl_pathv[j], buf_str(&b), b.len,
			    functions_file);
			buf_free(&b);
		}
		globfree(&gl);
	}
}

int
events_graph_read(const void *config, const char *root, struct events_graph *g)
{
	const struct events_config	*ec = config;
	struct events_worker		*w;
	struct buf			 b;
	char				**names, *cause = NULL;
	size_t				 i, count, nread = 0;
	int				 line;

	events_graph_init(g);
	events_read_globs(g, ec, ec->functions, ec->nfunctions, root, 1, &nread);
	/* One glob may match nothing (a tree without subfolders); all of them, no. */
	if (nread == 0 && g->nerrors == 0)
		events_graph_error(g, xasprintf("functions: no file matches %s%s",
		    ec->nfunctions > 0 ? ec->functions[0] : "(none declared)",
		    ec->nfunctions > 1 ? " or the other globs" : ""));
	events_read_globs(g, ec, ec->emitters, ec->nemitters, root, 0, &nread);
	g->nworkers = ec->nworkers;
	for (i = 0; i < ec->nworkers; i++) {
		w = &g->workers[i];
		w->name = xstrdup(ec->workers[i].name);
		w->file = xstrdup(ec->workers[i].file);
		w->list = xstrdup(ec->workers[i].list);
		w->app = ec->workers[i].app != NULL ? xstrdup(ec->workers[i].app) : NULL;
		w->port = ec->workers[i].port;
		if (textfile_read(root, w->file, &b, &cause) != 0) {
			w->error = cause;
			cause = NULL;
			continue;
		}
		if (sources_list_parse(buf_str(&b), b.len, w->list, &names, &count,
		    &line, &cause) != 0) {
			w->error = xasprintf("%s: %s", w->file, cause);
			free(cause);
			cause = NULL;
		} else {
			w->line = line;
			events_register(g, i, names, count, line);
			sources_names_free(names, count);
		}
		buf_free(&b);
	}
	return g->nerrors == 0 ? 0 : -1;
}

static int
events_external(const struct events_config *ec, const char *event)
{
	size_t	i;

	for (i = 0; i < ec->nexternal; i++) {
		if (util_glob_match(ec->external[i].event, event))
			return 1;
	}
	return 0;
}

/* 1 when site s (an emitted event) is handled: some function triggers on it. */
static int
events_handled(const struct events_graph *g, const char *event)
{
	return events_has(g, EVENTS_TRIGGER, event) || events_has(g, EVENTS_WAIT, event) ||
	    events_has(g, EVENTS_CANCEL, event);
}

/* Whether an earlier site of the same kind named the same event. */
static int
events_seen_before(const struct events_graph *g, size_t i, int emitted)
{
	size_t	j;

	for (j = 0; j < i; j++) {
		if (g->sites[j].name == NULL || strcmp(g->sites[j].name,
		    g->sites[i].name) != 0)
			continue;
		if (emitted ? g->sites[j].kind == EVENTS_EMIT :
		    g->sites[j].kind != EVENTS_EMIT && g->sites[j].kind != EVENTS_CRON &&
		    g->sites[j].kind != EVENTS_PAYLOAD)
			return 1;
	}
	return 0;
}

const char *
events_shown(const void *config, const char *path)
{
	const struct events_config	*ec = config;
	size_t				 n;

	if (ec == NULL || ec->base == NULL)
		return path;
	n = strlen(ec->base);
	return strncmp(path, ec->base, n) == 0 ? path + n : path;
}

size_t
events_findings_write(const void *config, const struct events_graph *g,
    int finding, struct buf *out)
{
	const struct events_config	*ec = config;
	const struct events_function	*fn;
	const struct events_site	*s;
	size_t				 i, w, n = 0, in;

	if (finding == FINDING_UNREGISTERED || finding == FINDING_TWICE) {
		for (i = 0; i < g->nfunctions; i++) {
			fn = &g->functions[i];
			for (w = 0, in = 0; w < g->nworkers; w++)
				in += fn->registered[w] != 0;
			if (finding == FINDING_UNREGISTERED ? in != 0 : in < 2)
				continue;
			n++;
			if (out == NULL)
				continue;
			buf_printf(out, "%s:%d: %s (%s)", events_shown(ec, fn->file),
			    fn->line, fn->id != NULL ? fn->id : "id unknown",
			    fn->variable != NULL ? fn->variable : "no variable");
			for (w = 0; w < g->nworkers; w++) {
				if (fn->registered[w])
					buf_printf(out, "; %s %s:%d", g->workers[w].name,
					    events_shown(ec, g->workers[w].file),
					    fn->registered[w]);
			}
			buf_puts(out, "\n");
		}
		return n;
	}
	for (i = 0; i < g->nsites; i++) {
		s = &g->sites[i];
		if (s->name == NULL)
			continue;
		if (finding == FINDING_UNHANDLED) {
			if (s->kind != EVENTS_EMIT || events_handled(g, s->name) ||
			    events_seen_before(g, i, 1))
				continue;
		} else {
			if (s->kind == EVENTS_EMIT || s->kind == EVENTS_CRON ||
			    s->kind == EVENTS_PAYLOAD ||
			    events_has(g, EVENTS_EMIT, s->name) ||
			    events_has(g, EVENTS_PAYLOAD, s->name) ||
			    events_external(ec, s->name) || events_seen_before(g, i, 0))
				continue;
		}
		n++;
		if (out != NULL)
			buf_printf(out, "%s:%d: %s %s\n", events_shown(ec, s->file),
			    s->line, s->kind == EVENTS_EMIT ? "emits" :
			    s->kind == EVENTS_WAIT ? "waits for" :
			    s->kind == EVENTS_CANCEL ? "is cancelled by" : "triggers on", s->name);
	}
	return n;
}

/* ---- the section ---- */

static const struct schema events_strings[] = {
	{ .key = "glob", .type = SCHEMA_STRING, .help = "a path or glob" },
	{ .key = NULL },
};

static const struct schema events_worker_item[] = {
	{ .key = "name", .type = SCHEMA_STRING, .required = 1,
	  .help = "the worker: host, cluster" },
	{ .key = "file", .type = SCHEMA_STRING, .required = 1,
	  .help = "the file holding its list (index.host.ts)" },
	{ .key = "list", .type = SCHEMA_STRING, .required = 1,
	  .help = "`export const LIST = [ ... ]` of the functions it registers" },
	{ .key = "app", .type = SCHEMA_STRING,
	  .help = "its Inngest app id (system-bus-host)" },
	{ .key = "port", .type = SCHEMA_INT, .min = 1, .max = 65535,
	  .help = "the port it serves on: `topo why` shows the Caddy routes to it" },
	{ .key = NULL },
};

static const struct schema events_worker_entry[] = {
	{ .key = "worker", .type = SCHEMA_MAP, .children = events_worker_item,
	  .help = "{name, file, list, app}" },
	{ .key = NULL },
};

static const struct schema events_external_item[] = {
	{ .key = "event", .type = SCHEMA_STRING, .required = 1,
	  .help = "event name or glob sent from outside the repository" },
	{ .key = "source", .type = SCHEMA_STRING,
	  .help = "who sends it: a webhook, the CLI, a person" },
	{ .key = NULL },
};

static const struct schema events_external_entry[] = {
	{ .key = "external", .type = SCHEMA_MAP, .children = events_external_item,
	  .help = "{event, source}" },
	{ .key = NULL },
};

static const struct schema events_section_schema[] = {
	{ .key = "functions", .type = SCHEMA_LIST, .required = 1,
	  .children = events_strings,
	  .help = "globs of the files defining the worker's functions" },
	{ .key = "exclude", .type = SCHEMA_LIST, .children = events_strings,
	  .help = "base-name globs of files not read (*.test.ts)" },
	{ .key = "emitters", .type = SCHEMA_LIST, .children = events_strings,
	  .help = "globs of more files read only for the events they emit" },
	{ .key = "workers", .type = SCHEMA_LIST, .required = 1,
	  .children = events_worker_entry,
	  .help = "the worker lists that register functions" },
	{ .key = "external", .type = SCHEMA_LIST, .children = events_external_entry,
	  .help = "events sent from outside the repository (webhooks, the CLI)" },
	{ .key = "inngest", .type = SCHEMA_STRING,
	  .help = "the Inngest server's URL: topo why --live asks its GraphQL API for runs" },
	{ .key = "unregistered", .type = SCHEMA_INT, .min = 0, .max = 100000, .def = "0",
	  .help = "expected count of functions in no worker list" },
	{ .key = "registered_twice", .type = SCHEMA_INT, .min = 0, .max = 100000, .def = "0",
	  .help = "expected count of functions in two worker lists" },
	{ .key = "unhandled", .type = SCHEMA_INT, .min = 0, .max = 100000, .def = "0",
	  .help = "expected count of events emitted that no function handles" },
	{ .key = "unemitted", .type = SCHEMA_INT, .min = 0, .max = 100000, .def = "0",
	  .help = "expected count of events awaited that nothing emits" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	{ .key = NULL },
};

static const struct schema events_schema = {
	.key = "events", .type = SCHEMA_MAP, .children = events_section_schema,
	.help = "the event graph of an Inngest worker, read from its source",
};

static void
events_config_free(void *p)
{
	struct events_config	*ec = p;
	size_t			 i;

	if (ec == NULL)
		return;
	for (i = 0; i < ec->nfunctions; i++)
		free(ec->functions[i]);
	free(ec->functions);
	for (i = 0; i < ec->nemitters; i++)
		free(ec->emitters[i]);
	free(ec->emitters);
	for (i = 0; i < ec->nexclude; i++)
		free(ec->exclude[i]);
	free(ec->exclude);
	for (i = 0; i < ec->nworkers; i++) {
		free(ec->workers[i].name);
		free(ec->workers[i].file);
		free(ec->workers[i].list);
		free(ec->workers[i].app);
	}
	for (i = 0; i < ec->nexternal; i++) {
		free(ec->external[i].event);
		free(ec->external[i].source);
	}
	free(ec->external);
	free(ec->topology_file);
	free(ec->inngest);
	free(ec->base);
	free(ec);
}

static char **
events_paths(const char *topology, const struct node *seq, size_t *n, int resolve)
{
	char	**out;
	size_t	  i;

	*n = 0;
	if (seq == NULL || seq->type != NODE_SEQ)
		return NULL;
	out = xcalloc(seq->count + 1, sizeof *out);
	for (i = 0; i < seq->count; i++) {
		if (seq->items[i]->type != NODE_SCALAR || seq->items[i]->is_null)
			continue;
		out[(*n)++] = resolve ? textfile_resolve(seq->items[i]->file != NULL &&
		    *seq->items[i]->file != '\0' ? seq->items[i]->file : topology,
		    seq->items[i]->value) : xstrdup(seq->items[i]->value);
	}
	return out;
}

static void
events_plan(struct plan *p, const struct node *section)
{
	struct events_config	*ec;
	struct events_check	*cc;
	const struct node	*seq, *item, *expect;
	const char		*topology = p->topology != NULL ? p->topology->path : NULL;
	struct check		*c;
	size_t			 i;
	int			 k;

	if (section->type != NODE_MAP)
		return;		/* the schema has said why */
	ec = xcalloc(1, sizeof *ec);
	ec->functions = events_paths(topology, node_get(section, "functions"),
	    &ec->nfunctions, 1);
	ec->emitters = events_paths(topology, node_get(section, "emitters"),
	    &ec->nemitters, 1);
	ec->exclude = events_paths(topology, node_get(section, "exclude"),
	    &ec->nexclude, 0);
	seq = node_get(section, "functions");
	if (seq != NULL && seq->type == NODE_SEQ && seq->count > 0 &&
	    seq->items[0]->type == NODE_SCALAR && seq->items[0]->raw != NULL) {
		const char *stable = textfile_stable_path(seq->items[0]->raw);
		size_t vlen = strlen(seq->items[0]->value), slen = strlen(stable);

		if (stable != seq->items[0]->raw && vlen > slen && strcmp(
		    seq->items[0]->value + vlen - slen, stable) == 0)
			ec->base = xstrndup(seq->items[0]->value, vlen - slen);
	}
	if (node_str(section, "inngest", NULL) != NULL && *node_str(section, "inngest", "") != '\0')
		ec->inngest = xstrdup(node_str(section, "inngest", ""));
	seq = node_get(section, "workers");
	for (i = 0; seq != NULL && seq->type == NODE_SEQ && i < seq->count; i++) {
		item = seq->items[i];
		if (item->type != NODE_MAP || node_str(item, "name", NULL) == NULL ||
		    node_str(item, "file", NULL) == NULL ||
		    node_str(item, "list", NULL) == NULL)
			continue;	/* the schema has said why */
		if (ec->nworkers == EVENTS_MAX_WORKERS) {
			problems_add_at(p->problems, item,
			    "events: at most %d workers", EVENTS_MAX_WORKERS);
			break;
		}
		ec->workers[ec->nworkers].name = xstrdup(node_str(item, "name", ""));
		ec->workers[ec->nworkers].file = textfile_resolve(item->file != NULL &&
		    *item->file != '\0' ? item->file : topology, node_str(item, "file", ""));
		ec->workers[ec->nworkers].list = xstrdup(node_str(item, "list", ""));
		ec->workers[ec->nworkers].port = (int)node_int(item, "port", 0);
		if (node_str(item, "app", NULL) != NULL)
			ec->workers[ec->nworkers].app = xstrdup(node_str(item, "app", ""));
		ec->nworkers++;
	}
	seq = node_get(section, "external");
	for (i = 0; seq != NULL && seq->type == NODE_SEQ && i < seq->count; i++) {
		item = seq->items[i];
		if (item->type != NODE_MAP || node_str(item, "event", NULL) == NULL)
			continue;
		ec->external = xreallocarray(ec->external, ec->nexternal + 1,
		    sizeof *ec->external);
		ec->external[ec->nexternal].event = xstrdup(node_str(item, "event", ""));
		ec->external[ec->nexternal].source = xstrdup(node_str(item,
		    "source", "outside"));
		ec->nexternal++;
	}
	plan_keep(p, ec, events_config_free);
	for (k = 0; k < FINDING_COUNT; k++) {
		c = plan_add(p, &probe_events, LAYER_STATIC, section, "events/%s",
		    events_findings[k].id);
		cc = xcalloc(1, sizeof *cc);
		cc->config = ec;
		cc->finding = (enum events_finding)k;
		c->config = cc;
		expect = node_get(section, events_findings[k].key);
		plan_expect(p, c, expect != NULL ? expect : section, "count",
		    MATCH_EQUALS, expect != NULL ? expect->value : "0");
		plan_summary(c, "%s", events_findings[k].summary);
	}
}

const char *
events_inngest(const void *config)
{
	return config != NULL ? ((const struct events_config *)config)->inngest : NULL;
}

const void *
events_check_config(const struct check *c)
{
	const struct events_check	*cc = c->config;

	return c->probe == &probe_events && cc != NULL ? cc->config : NULL;
}

/* The graph is read once for the batch's checks (they share one section). */
static void
events_run(struct batch *b)
{
	const struct events_check	*cc;
	struct events_graph		 g;
	struct buf			 out, workers;
	const char			*root = b->topology != NULL ?
					    b->topology->read_root : NULL;
	const void			*read = NULL;
	struct check			*c;
	size_t				 i, w, n, unknown;

	events_graph_init(&g);
	for (i = 0; i < b->count && !batch_cancelled(b); i++) {
		c = b->checks[i];
		cc = c->config;
		if (cc->config != read) {
			events_graph_free(&g);
			events_graph_read(cc->config, root, &g);
			read = cc->config;
		}
		buf_init(&out, 64 * 1024);
		if (g.nerrors > 0)
			observation_error(&c->observation, "%s", g.errors[0]);
		for (w = 0; w < g.nworkers && g.nerrors == 0; w++) {
			if (g.workers[w].error != NULL) {
				observation_error(&c->observation, "worker %s: %s",
				    g.workers[w].name, g.workers[w].error);
				break;
			}
		}
		if (c->observation.state != OBSERVATION_ERROR) {
			n = events_findings_write(cc->config, &g, (int)cc->finding, &out);
			for (w = 0, unknown = 0; w < g.nsites; w++)
				unknown += g.sites[w].name == NULL &&
				    g.sites[w].kind == EVENTS_EMIT;
			observation_factf(&c->observation, "count", "%zu", n);
			buf_init(&workers, 1024);
			for (w = 0; w < g.nworkers; w++) {
				size_t j, in = 0;

				for (j = 0; j < g.nfunctions; j++)
					in += g.functions[j].registered[w] != 0;
				buf_printf(&workers, "%s%s %zu", w > 0 ? ", " : " ",
				    g.workers[w].name, in);
			}
			/* An unknown emit may send what looks unemitted: said, not hidden. */
			observation_evidence(&c->observation, "%zu functions (registered:%s), "
			    "%zu sites in %zu files, %zu emit sites whose name is computed "
			    "(unknown)%s%s", g.nfunctions, buf_str(&workers), g.nsites,
			    g.nfiles, unknown, n > 0 ? "\n" : "", buf_str(&out));
			buf_free(&workers);
			/* Awaited with no literal emitter is not "nothing sends it"
			 * while some emit site computes its name (the CLI's `send
			 * <event>`): that one may. Never a red line from a guess. */
			if (cc->finding == FINDING_UNEMITTED && n > 0 && unknown > 0)
				observation_unknown(&c->observation, "%zu events "
				    "awaited with no literal emit site in the files "
				    "read, but %zu emit sites compute their name and "
				    "may send them (declare them under external:)",
				    n, unknown);
		}
		buf_free(&out);
		batch_done(b, c);
	}
	events_graph_free(&g);
}

static void
events_check_free(void *p)
{
	free(p);
}

const struct probe_ops probe_events = {
	.name = "events",
	.help = "the event graph of an Inngest worker: triggers, registration, emits",
	.schema = &events_schema,
	.plan = events_plan,
	.run = events_run,
	.free_config = events_check_free,
};
