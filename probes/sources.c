/*
 * sources.c: the `sources:` section, facts read out of source files. Static
 * layer. Two modes per item:
 *   list:  the entries of `export const NAME = [ ... ]` in a TypeScript or
 *          JavaScript file: facts "count" and "names" (sorted, one a line);
 *   regex: the first capture of a PCRE2 pattern (multi-line mode): fact
 *          "value", and "exists" (did it match at all).
 *
 * The list is found by a small JavaScript lexer (comments, strings, template
 * literals, regex literals), not by a pattern, so that a commented-out older
 * list or a `]` inside a string does not fool it. One pass, no backtracking:
 * linear in the file's size.
 */
#include "sources.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/regex.h"
#include "../util/util.h"
#include "probe.h"
#include "textfile.h"

/* Longest name kept for an entry that is not an identifier (an object). */
#define SOURCES_NAME_MAX	80
/* Template literals nested deeper than this are read as plain text. */
#define SOURCES_TEMPLATE_DEPTH	32

enum token_type {
	TOKEN_EOF,
	TOKEN_IDENT,
	TOKEN_NUMBER,
	TOKEN_STRING,		/* '...' or "..." */
	TOKEN_TEMPLATE,		/* `...${...}...`, one token */
	TOKEN_REGEX,		/* /.../flags */
	TOKEN_PUNCT,		/* one character, see token.punct */
};

/* token.punct for what is not one plain character. */
#define PUNCT_SPREAD	'E'	/* ... */
#define PUNCT_OPERATOR	'O'	/* == => and the like: never an assignment */

struct token {
	enum token_type	 type;
	const char	*start;
	size_t		 len;
	int		 line;
	char		 punct;
};

struct lexer {
	const char	*p;
	const char	*end;
	int		 line;
	int		 regex_ok;	/* a '/' here starts a regex literal */
	int		 depth;		/* template literals being read */
};

static void	lexer_next(struct lexer *, struct token *);

static int
lexer_ident_start(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    ch == '_' || ch == '$' || ch >= 0x80;
}

static int
lexer_ident_char(unsigned char ch)
{
	return lexer_ident_start(ch) || (ch >= '0' && ch <= '9');
}

/* Moves past n bytes, counting lines. */
static void
lexer_skip(struct lexer *lx, size_t n)
{
	for (; n > 0 && lx->p < lx->end; n--, lx->p++) {
		if (*lx->p == '\n')
			lx->line++;
	}
}

/* Skips whitespace and comments; an unterminated comment ends the text. */
static void
lexer_skip_space(struct lexer *lx)
{
	const char	*close;

	while (lx->p < lx->end) {
		if (*lx->p == '\n' || *lx->p == ' ' || *lx->p == '\t' ||
		    *lx->p == '\r' || *lx->p == '\f' || *lx->p == '\v')
			lexer_skip(lx, 1);
		else if (*lx->p == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
			close = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
			lx->p = close != NULL ? close : lx->end;
		} else if (*lx->p == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			close = util_memmem(lx->p + 2, (size_t)(lx->end - lx->p - 2),
			    "*/", 2);
			lexer_skip(lx, close != NULL ?
			    (size_t)(close + 2 - lx->p) : (size_t)(lx->end - lx->p));
		} else
			break;
	}
}

/* A '...' or "..." string; a raw newline ends an unterminated one. */
static void
lexer_string(struct lexer *lx, char quote)
{
	lexer_skip(lx, 1);
	while (lx->p < lx->end && *lx->p != quote && *lx->p != '\n')
		lexer_skip(lx, *lx->p == '\\' ? 2 : 1);
	if (lx->p < lx->end && *lx->p == quote)
		lexer_skip(lx, 1);
}

/* Code inside ${ ... } of a template, up to its closing brace. */
static void
lexer_template_code(struct lexer *lx)
{
	struct token	tok;
	int		braces = 1;

	lx->regex_ok = 1;
	for (;;) {
		lexer_next(lx, &tok);
		if (tok.type == TOKEN_EOF)
			return;
		if (tok.type != TOKEN_PUNCT)
			continue;
		if (tok.punct == '{')
			braces++;
		else if (tok.punct == '}' && --braces == 0)
			return;
	}
}

static void
lexer_template(struct lexer *lx)
{
	lexer_skip(lx, 1);
	lx->depth++;
	while (lx->p < lx->end && *lx->p != '`') {
		if (*lx->p == '\\')
			lexer_skip(lx, 2);
		else if (*lx->p == '$' && lx->p + 1 < lx->end && lx->p[1] == '{' &&
		    lx->depth <= SOURCES_TEMPLATE_DEPTH) {
			lexer_skip(lx, 2);
			lexer_template_code(lx);
		} else
			lexer_skip(lx, 1);
	}
	lx->depth--;
	if (lx->p < lx->end)
		lexer_skip(lx, 1);
}

/* /body/flags; a '[' class may hold a '/'; a newline ends a bad one. */
static void
lexer_regex(struct lexer *lx)
{
	int	class = 0;

	lexer_skip(lx, 1);
	while (lx->p < lx->end && *lx->p != '\n') {
		if (*lx->p == '\\') {
			lexer_skip(lx, 2);
			continue;
		}
		if (*lx->p == '[')
			class = 1;
		else if (*lx->p == ']')
			class = 0;
		else if (*lx->p == '/' && !class)
			break;
		lexer_skip(lx, 1);
	}
	if (lx->p < lx->end && *lx->p == '/')
		lexer_skip(lx, 1);
	while (lx->p < lx->end && lexer_ident_char((unsigned char)*lx->p))
		lx->p++;
}

/* After these words an expression starts, so '/' opens a regex. */
static int
lexer_keyword_before_expression(const char *s, size_t len)
{
	static const char *const words[] = { "return", "typeof", "case", "in",
	    "of", "void", "delete", "throw", "new", "else", "do", "yield",
	    "await", "instanceof", NULL };
	const char *const	*w;

	for (w = words; *w != NULL; w++) {
		if (strlen(*w) == len && memcmp(*w, s, len) == 0)
			return 1;
	}
	return 0;
}

static void
lexer_next(struct lexer *lx, struct token *tok)
{
	unsigned char	ch;

	lexer_skip_space(lx);
	memset(tok, 0, sizeof *tok);
	tok->start = lx->p;
	tok->line = lx->line;
	if (lx->p >= lx->end) {
		tok->type = TOKEN_EOF;
		return;
	}
	ch = (unsigned char)*lx->p;
	if (lexer_ident_start(ch)) {
		while (lx->p < lx->end && lexer_ident_char((unsigned char)*lx->p))
			lx->p++;
		tok->type = TOKEN_IDENT;
	} else if (ch >= '0' && ch <= '9') {
		while (lx->p < lx->end && (lexer_ident_char((unsigned char)*lx->p) ||
		    *lx->p == '.'))
			lx->p++;
		tok->type = TOKEN_NUMBER;
	} else if (ch == '"' || ch == '\'') {
		lexer_string(lx, (char)ch);
		tok->type = TOKEN_STRING;
	} else if (ch == '`') {
		lexer_template(lx);
		tok->type = TOKEN_TEMPLATE;
	} else if (ch == '/' && lx->regex_ok) {
		lexer_regex(lx);
		tok->type = TOKEN_REGEX;
	} else {
		tok->type = TOKEN_PUNCT;
		tok->punct = (char)ch;
		lx->p++;
		if (ch == '.' && lx->end - lx->p >= 2 && lx->p[0] == '.' &&
		    lx->p[1] == '.') {
			tok->punct = PUNCT_SPREAD;
			lx->p += 2;
		} else if ((ch == '=' || ch == '!' || ch == '<' || ch == '>') &&
		    lx->p < lx->end && (*lx->p == '=' || *lx->p == '>')) {
			tok->punct = PUNCT_OPERATOR;
			lx->p++;
		}
	}
	tok->len = (size_t)(lx->p - tok->start);

	switch (tok->type) {
	case TOKEN_IDENT:
		lx->regex_ok = lexer_keyword_before_expression(tok->start,
		    tok->len);
		break;
	case TOKEN_PUNCT:
		lx->regex_ok = tok->punct == '\0' ||
		    strchr(")]}", tok->punct) == NULL;
		break;
	default:
		lx->regex_ok = 0;
		break;
	}
}

/* Is the token one of the punctuation characters in set? A NUL byte of
 * the text is punctuation too, and strchr() would find it in any set. */
static int
token_punct_in(const struct token *tok, const char *set)
{
	return tok->type == TOKEN_PUNCT && tok->punct != '\0' &&
	    strchr(set, tok->punct) != NULL;
}

static int
token_is(const struct token *tok, const char *word)
{
	return tok->type == TOKEN_IDENT && tok->len == strlen(word) &&
	    memcmp(tok->start, word, tok->len) == 0;
}

static int
token_punct(const struct token *tok, char punct)
{
	return tok->type == TOKEN_PUNCT && tok->punct == punct;
}

/*
 * After `const LIST`: skips a type annotation up to its '=' and the '['.
 * 1 when the lexer now stands inside the list, 0 when this is no list.
 */
static int
sources_list_open(struct lexer *lx)
{
	struct token	tok;
	int		depth = 0;

	lexer_next(lx, &tok);
	if (token_punct(&tok, ':')) {
		for (;;) {
			lexer_next(lx, &tok);
			if (tok.type == TOKEN_EOF)
				return 0;
			if (token_punct_in(&tok, "([{"))
				depth++;
			else if (token_punct_in(&tok, ")]}") && --depth < 0)
				return 0;
			else if (depth == 0 && token_punct_in(&tok, "=;"))
				break;
		}
	}
	if (!token_punct(&tok, '='))
		return 0;
	lexer_next(lx, &tok);
	return token_punct(&tok, '[');
}

/* Copies s (at most SOURCES_NAME_MAX bytes of it) with runs of whitespace
 * made one space and control characters shown as '?'. */
static char *
sources_collapse(const char *s, size_t len)
{
	char		*out, *o;
	size_t		 i;
	int		 space = 0;
	unsigned char	 ch;

	out = o = xmalloc((len < SOURCES_NAME_MAX ? len : SOURCES_NAME_MAX) + 1);
	for (i = 0; i < len && o - out < SOURCES_NAME_MAX; i++) {
		ch = (unsigned char)s[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			space = 1;
			continue;
		}
		if (space && o > out) {
			*o++ = ' ';
			if (o - out == SOURCES_NAME_MAX)
				break;
		}
		space = 0;
		*o++ = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	*o = '\0';
	return out;
}

/* The name of one entry, whose text is s (trimmed, first token first). */
static char *
sources_entry_name(const struct token *first, const char *s, size_t len,
    size_t ntokens)
{
	const char	*p = s, *end = s + len, *ident;
	char		*name, *spread;

	if (first->type == TOKEN_STRING && ntokens == 1 && len >= 2)
		return sources_collapse(s + 1, len - 2);
	if (first->type == TOKEN_PUNCT && first->punct == PUNCT_SPREAD) {
		p += 3;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r'))
			p++;
	}
	if (p >= end || !lexer_ident_start((unsigned char)*p))
		return sources_collapse(s, len);
	/* foo, foo(), foo.bar, foo as Bar: the identifier (dotted) only. */
	ident = p;
	while (p < end && (lexer_ident_char((unsigned char)*p) || (*p == '.' &&
	    p + 1 < end && lexer_ident_start((unsigned char)p[1]))))
		p++;
	name = sources_collapse(ident, (size_t)(p - ident));
	if (ident == s)
		return name;
	spread = xasprintf("...%s", name);
	free(name);
	return spread;
}

struct sources_names {
	char	**items;
	int	 *plain;	/* items[i] is a plain name: counted as one */
	size_t	  count;
	size_t	  size;
};

static void
sources_names_add(struct sources_names *n, char *name, int plain)
{
	if (n->count == n->size) {
		n->size = n->size == 0 ? 64 : n->size * 2;
		n->items = xreallocarray(n->items, n->size, sizeof *n->items);
		n->plain = xreallocarray(n->plain, n->size, sizeof *n->plain);
	}
	n->plain[n->count] = plain;
	n->items[n->count++] = name;
}

/*
 * Is the entry first..last one plain name: an identifier, a dotted one
 * (`fns.a`) or a string? Only those are surely one element of the list; a
 * spread adds any number, a call or a conditional may be anything.
 */
static int
sources_entry_plain(const struct token *first, size_t ntokens, int dotted)
{
	if (ntokens == 1)
		return first->type == TOKEN_IDENT || first->type == TOKEN_STRING;
	return first->type == TOKEN_IDENT && dotted && ntokens % 2 == 1;
}

/* Reads the entries up to the list's ']'. 0, or -1 when it never closes. */
static int
sources_list_entries(struct lexer *lx, struct sources_names *n)
{
	struct token	tok, first;
	const char	*last_end = NULL;
	size_t		ntokens = 0, len;
	int		depth = 0, dotted = 1, plain;

	memset(&first, 0, sizeof first);
	for (;;) {
		lexer_next(lx, &tok);
		if (tok.type == TOKEN_EOF)
			return -1;
		if (depth == 0 && token_punct_in(&tok, ",]")) {
			if (ntokens > 0) {
				plain = sources_entry_plain(&first, ntokens,
				    dotted);
				len = (size_t)(last_end - first.start);
				sources_names_add(n, sources_entry_name(&first,
				    first.start, len, ntokens), plain);
			}
			ntokens = 0;
			dotted = 1;
			if (tok.punct == ']')
				return 0;
			continue;
		}
		if (token_punct_in(&tok, "([{"))
			depth++;
		else if (token_punct_in(&tok, ")]}") && depth > 0)
			depth--;
		/* ident ( '.' ident )*: tokens alternate, starting with one. */
		if (ntokens % 2 == 0 ? tok.type != TOKEN_IDENT :
		    !token_punct(&tok, '.'))
			dotted = 0;
		if (ntokens++ == 0)
			first = tok;
		last_end = tok.start + tok.len;
	}
}

void
sources_names_free(char **names, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int
sources_list_parse(const char *text, size_t len, const char *list,
    char ***names, size_t *count, int *line, char **cause)
{
	int	*plain = NULL, rc;

	rc = sources_list_parse_plain(text, len, list, names, &plain, count,
	    line, cause);
	free(plain);
	return rc;
}

int
sources_list_parse_plain(const char *text, size_t len, const char *list,
    char ***names, int **plain, size_t *count, int *line, char **cause)
{
	struct lexer		lx;
	struct token		tok, prev, before;
	struct sources_names	n;
	int			decl_line, not_list_line = 0;

	memset(&lx, 0, sizeof lx);
	memset(&n, 0, sizeof n);
	lx.p = text;
	lx.end = text + len;
	lx.line = 1;
	lx.regex_ok = 1;
	memset(&prev, 0, sizeof prev);
	memset(&before, 0, sizeof before);
	*names = NULL;
	*plain = NULL;
	*count = 0;
	*line = 0;

	for (;;) {
		lexer_next(&lx, &tok);
		if (tok.type == TOKEN_EOF)
			break;
		if (token_is(&tok, list) && token_is(&prev, "const")) {
			decl_line = token_is(&before, "export") ? before.line :
			    prev.line;
			if (sources_list_open(&lx)) {
				if (sources_list_entries(&lx, &n) != 0) {
					sources_names_free(n.items, n.count);
					free(n.plain);
					*cause = xasprintf("list `%s` (line %d) "
					    "is not closed", list, decl_line);
					return -1;
				}
				*names = n.items;
				*plain = n.plain;
				*count = n.count;
				*line = decl_line;
				return 0;
			}
			if (not_list_line == 0)
				not_list_line = decl_line;
		}
		before = prev;
		prev = tok;
	}
	if (not_list_line != 0)
		*cause = xasprintf("`const %s` (line %d) is not a `[ ... ]` list",
		    list, not_list_line);
	else
		*cause = xasprintf("no `export const %s = [`", list);
	return -1;
}

/* The probe. */

struct sources_config {
	char		*path;		/* absolute when it was relative */
	char		*list;		/* list mode */
	struct regex	*regex;		/* regex mode, compiled with (?m) */
	int		 all;		/* regex mode: every match, as a list */
};

/* Most matches an `all: true` regex collects; more is an error. */
#define SOURCES_MATCHES_MAX	100000

static const struct schema sources_names_item_schema[] = {
	{ .key = "name", .type = SCHEMA_STRING, .help = "an entry's name" },
	{ .key = NULL },
};

static const struct schema sources_item_schema[] = {
	{ .key = "name", .type = SCHEMA_STRING, .required = 1,
	  .help = "id of the check: source/NAME" },
	{ .key = "file", .type = SCHEMA_STRING, .required = 1,
	  .help = "the source file (${REPO}/...)" },
	{ .key = "list", .type = SCHEMA_STRING,
	  .help = "NAME of `export const NAME = [ ... ]`: its entries" },
	{ .key = "count", .type = SCHEMA_INT, .min = 0, .max = 100000000,
	  .help = "expected number of entries of the list" },
	{ .key = "names", .type = SCHEMA_LIST,
	  .children = sources_names_item_schema,
	  .help = "expected entries of the list, in any order" },
	{ .key = "regex", .type = SCHEMA_REGEX,
	  .help = "PCRE2 pattern; its first group that matched (or the match) "
	  "is the value" },
	{ .key = "all", .type = SCHEMA_BOOL,
	  .help = "regex: every match, not the first: count and names as for "
	  "a list (routes, registrations)" },
	{ .key = "equals", .type = SCHEMA_STRING,
	  .help = "the value the regex must capture" },
	{ .key = "matches", .type = SCHEMA_REGEX,
	  .help = "a pattern the captured value must match" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema sources_entry_schema[] = {
	{ .key = "source", .type = SCHEMA_MAP, .children = sources_item_schema,
	  .help = "{name, file, list + count/names | regex + equals/matches | "
	  "regex + all + count/names}" },
	{ .key = NULL },
};

static const struct schema sources_schema = {
	.key = "sources", .type = SCHEMA_LIST, .children = sources_entry_schema,
	.help = "facts read out of source files: list entries, regex captures",
};

static void
sources_free_config(void *p)
{
	struct sources_config	*sc = p;

	if (sc == NULL)
		return;
	free(sc->path);
	free(sc->list);
	regex_free(sc->regex);
	free(sc);
}

static int
sources_compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names sorted and joined with '\n', the form of MATCH_SET. Caller frees. */
static char *
sources_join_sorted(char **names, size_t count)
{
	struct buf	b;
	size_t		i;

	qsort(names, count, sizeof *names, sources_compare_names);
	buf_init(&b, 0);
	for (i = 0; i < count; i++) {
		if (i > 0)
			buf_append(&b, "\n", 1);
		buf_puts(&b, names[i]);
	}
	return buf_steal(&b);
}

static void
sources_plan_list(struct plan *p, struct check *c, const struct node *item)
{
	const struct node	*count, *names;
	char			**copy;
	char			*joined;
	size_t			 i, n = 0;

	if ((count = node_get(item, "count")) != NULL) {
		plan_expect(p, c, count, "count", MATCH_EQUALS, count->value);
	}
	if ((names = node_get(item, "names")) != NULL && names->type == NODE_SEQ) {
		copy = xcalloc(names->count + 1, sizeof *copy);
		for (i = 0; i < names->count; i++) {
			if (names->items[i]->type == NODE_SCALAR)
				copy[n++] = names->items[i]->value;
		}
		joined = sources_join_sorted(copy, n);
		plan_expect(p, c, names, "names", MATCH_SET, joined);
		free(joined);
		free(copy);
	}
}

static void
sources_plan_item(struct plan *p, const struct node *item)
{
	const struct node	*regex_node, *equals, *matches, *file_node;
	const char		*name, *file, *list, *shown;
	struct sources_config	*sc;
	struct check		*c;
	char			*pattern, *cause = NULL;
	int			 all;

	name = node_str(item, "name", NULL);
	file = node_str(item, "file", NULL);
	list = node_str(item, "list", NULL);
	regex_node = node_get(item, "regex");
	equals = node_get(item, "equals");
	matches = node_get(item, "matches");
	if (item->type != NODE_MAP || name == NULL || file == NULL)
		return;		/* the schema has said why */
	if ((list == NULL) == (regex_node == NULL)) {
		problems_add_at(p->problems, item,
		    "sources: give exactly one of list or regex");
		return;
	}
	if (list != NULL && (equals != NULL || matches != NULL)) {
		problems_add_at(p->problems, equals != NULL ? equals : matches,
		    "sources: equals and matches go with regex, not list");
		return;
	}
	all = node_bool(item, "all", 0);
	if (all && list != NULL) {
		problems_add_at(p->problems, node_get(item, "all"),
		    "sources: all goes with regex, not list");
		return;
	}
	if (regex_node != NULL && !all && (node_get(item, "count") != NULL ||
	    node_get(item, "names") != NULL)) {
		problems_add_at(p->problems, regex_node,
		    "sources: count and names go with list or with regex and "
		    "all: true");
		return;
	}
	if (all && (equals != NULL || matches != NULL)) {
		problems_add_at(p->problems, equals != NULL ? equals : matches,
		    "sources: with all: true, give count or names, not equals "
		    "or matches");
		return;
	}
	if (equals != NULL && matches != NULL) {
		problems_add_at(p->problems, matches,
		    "sources: give equals or matches, not both");
		return;
	}

	c = plan_add(p, &probe_sources, LAYER_STATIC, item, "source/%s", name);
	file_node = node_get(item, "file");
	shown = textfile_stable_path(file_node->raw != NULL ? file_node->raw :
	    file);
	sc = xcalloc(1, sizeof *sc);
	sc->path = textfile_resolve_at(p->topology, file_node, file);
	c->config = sc;
	/* The file itself first: a source file that is gone is drift
	 * "missing" (the repository changed), not an error. */
	plan_expect(p, c, file_node, "exists", MATCH_EQUALS, "yes");
	if (list != NULL) {
		sc->list = xstrdup(list);
		sources_plan_list(p, c, item);
		plan_summary(c, "entries of `%s` in %s", list, shown);
		return;
	}

	/* Multi-line mode, so that ^ and $ mean a line. An invalid pattern
	 * is reported by the schema (SCHEMA_REGEX); it is never run. */
	pattern = xasprintf("(?m)%s", regex_node->value);
	sc->regex = regex_compile(pattern, &cause);
	free(pattern);
	free(cause);
	if (all) {
		sc->all = 1;
		sources_plan_list(p, c, item);
		plan_summary(c, "every /%s/ in %s", regex_node->value, shown);
		return;
	}
	if (equals != NULL)
		plan_expect(p, c, equals, "value", MATCH_EQUALS, equals->value);
	else if (matches != NULL)
		plan_expect(p, c, matches, "value", MATCH_REGEX, matches->value);
	plan_summary(c, "/%s/ in %s", regex_node->value, shown);
}

static void
sources_plan(struct plan *p, const struct node *section)
{
	size_t	i;

	if (section->type != NODE_SEQ)
		return;		/* the schema has said why */
	for (i = 0; i < section->count; i++)
		sources_plan_item(p, section->items[i]);
}

/*
 * count and names are the plain entries; what cannot be counted statically
 * (a spread, a call, a conditional) is named in observation.partial, so the
 * diff says drift only where the plain entries alone contradict the topology.
 */
static void
sources_observe_list(struct check *c, const struct sources_config *sc,
    const struct buf *b)
{
	struct observation	*o = &c->observation;
	char			**names, *cause = NULL, *joined;
	int			 *plain;
	size_t			  count, i, direct = 0;
	int			  line;
	struct buf		  other;

	if (sources_list_parse_plain(buf_str(b), b->len, sc->list, &names,
	    &plain, &count, &line, &cause) != 0) {
		if (strncmp(cause, "no ", 3) == 0) {
			/* The list is gone from the file: the repository changed. */
			observation_fact(o, "exists", "no");
			observation_evidence(o, "%s: %s", sc->path, cause);
		} else
			observation_error(o, "%s in %s", cause, sc->path);
		free(cause);
		return;
	}
	buf_init(&other, 4096);
	for (i = 0; i < count; i++) {
		if (plain[i]) {
			names[direct] = names[i];
			direct++;
			continue;
		}
		if (other.len > 0)
			buf_puts(&other, ", ");
		buf_puts(&other, names[i]);
		free(names[i]);
	}
	joined = sources_join_sorted(names, direct);
	observation_fact(o, "exists", "yes");
	observation_factf(o, "count", "%zu", direct);
	observation_fact(o, "names", joined);
	if (other.len > 0) {
		observation_partial(o, "%zu entr%s cannot be counted statically: "
		    "%s", count - direct, count - direct == 1 ? "y" : "ies",
		    buf_str(&other));
		observation_evidence(o, "%s:%d: %zu plain entries, %zu not "
		    "countable (%s)", sc->path, line, direct, count - direct,
		    buf_str(&other));
	} else
		observation_evidence(o, "%s:%d", sc->path, line);
	buf_free(&other);
	free(joined);
	sources_names_free(names, direct);
	free(plain);
}

/* all: true: every match's value, as the names of a list. */
static void
sources_observe_all(struct check *c, const struct sources_config *sc,
    const struct buf *b)
{
	struct observation	*o = &c->observation;
	struct sources_names	 n;
	char			*value, *cause = NULL, *joined;
	size_t			 start = 0, offset, end;
	int			 rc, first_line = 0, last_line = 0;

	memset(&n, 0, sizeof n);
	for (;;) {
		value = NULL;
		rc = regex_match_from(sc->regex, buf_str(b), b->len, start,
		    &value, &offset, &end, &cause);
		if (rc == 0)
			break;
		if (rc == -1 || n.count == SOURCES_MATCHES_MAX) {
			if (rc == -1) {
				observation_error(o, "%s: %s", sc->path, cause);
				free(cause);
			} else {
				free(value);
				observation_error(o, "%s: more than %d matches",
				    sc->path, SOURCES_MATCHES_MAX);
			}
			sources_names_free(n.items, n.count);
			free(n.plain);
			return;
		}
		last_line = textfile_line(buf_str(b), b->len, offset);
		if (first_line == 0)
			first_line = last_line;
		sources_names_add(&n, value, 1);
		start = end > offset ? end : offset + 1;
	}
	joined = sources_join_sorted(n.items, n.count);
	observation_fact(o, "exists", "yes");
	observation_factf(o, "count", "%zu", n.count);
	observation_fact(o, "names", joined);
	if (n.count == 0)
		observation_evidence(o, "%s: no match", sc->path);
	else
		observation_evidence(o, "%s:%d-%d: %zu matches", sc->path,
		    first_line, last_line, n.count);
	free(joined);
	sources_names_free(n.items, n.count);
	free(n.plain);
}

static void
sources_observe_regex(struct check *c, const struct sources_config *sc,
    const struct buf *b)
{
	struct observation	*o = &c->observation;
	char			*value = NULL, *cause = NULL, *excerpt;
	size_t			 offset;
	int			 rc;

	rc = regex_match(sc->regex, buf_str(b), b->len, &value, &offset, &cause);
	if (rc == -1) {
		observation_error(o, "%s: %s", sc->path, cause);
		free(cause);
		return;
	}
	if (rc == 0) {
		observation_fact(o, "exists", "no");
		observation_fact(o, "value", NULL);
		observation_evidence(o, "%s: no match", sc->path);
		return;
	}
	excerpt = textfile_excerpt(buf_str(b), b->len, offset);
	observation_fact(o, "exists", "yes");
	observation_fact(o, "value", value);
	observation_evidence(o, "%s:%d: %s", sc->path,
	    textfile_line(buf_str(b), b->len, offset), excerpt);
	free(excerpt);
	free(value);
}

/* One check on the text of its file, or on the reason it could not be
 * read; a file that does not exist is drift "missing", not an error. */
static void
sources_observe(struct check *c, const struct buf *text, const char *cause,
    int gone)
{
	const struct sources_config	*sc = c->config;

	if (text == NULL && gone) {
		observation_fact(&c->observation, "exists", "no");
		observation_evidence(&c->observation, "%s: no such file",
		    sc->path);
	} else if (text == NULL)
		observation_error(&c->observation, "%s", cause);
	else if (sc->list != NULL)
		sources_observe_list(c, sc, text);
	else if (sc->all)
		sources_observe_all(c, sc, text);
	else if (sc->regex != NULL)
		sources_observe_regex(c, sc, text);
}

static const char *
sources_path(const struct check *c)
{
	return ((const struct sources_config *)c->config)->path;
}

static int
sources_compare_paths(const void *a, const void *b)
{
	const struct check *const	*x = a, *const *y = b;

	return strcmp(sources_path(*x), sources_path(*y));
}

/*
 * Local reads, milliseconds at most: observed in turn on this thread, each
 * file read once for all the checks on it (joelclaw has 17 on one source
 * file).
 */
static void
sources_run(struct batch *b)
{
	struct check	**sorted;
	const char	*root = b->topology != NULL ? b->topology->read_root : NULL;
	const char	*path;
	struct buf	 text;
	char		*cause;
	size_t		 i, j, k;
	int		 read, gone;
	struct stat	 sb;

	if (b->count == 0)
		return;
	sorted = xreallocarray(NULL, b->count, sizeof *sorted);
	memcpy(sorted, b->checks, b->count * sizeof *sorted);
	qsort(sorted, b->count, sizeof *sorted, sources_compare_paths);
	for (i = 0; i < b->count && !batch_cancelled(b); i = j) {
		path = sources_path(sorted[i]);
		for (j = i + 1; j < b->count &&
		    strcmp(path, sources_path(sorted[j])) == 0; j++)
			;
		cause = NULL;
		read = textfile_read(root, path, &text, &cause) == 0;
		/* Gone only when allowed to look: outside --root stays an error
		 * that tells nothing of what is there. */
		gone = !read && strstr(cause, "(--root)") == NULL &&
		    lstat(path, &sb) == -1 && (errno == ENOENT || errno == ENOTDIR);
		for (k = i; k < j; k++) {
			sources_observe(sorted[k], read ? &text : NULL, cause,
			    gone);
			batch_done(b, sorted[k]);
		}
		if (read)
			buf_free(&text);
		free(cause);
	}
	free(sorted);
}

const struct probe_ops probe_sources = {
	.name = "sources",
	.help = "facts read out of source files: list entries, regex captures",
	.schema = &sources_schema,
	.plan = sources_plan,
	.run = sources_run,
	.free_config = sources_free_config,
};
