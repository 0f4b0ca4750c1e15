/*
 * caddyfile.c: reverse-proxy routes out of a Caddyfile or Caddy's JSON.
 *
 * The Caddyfile side is a hand parser of the subset joelclaw uses: site
 * blocks with one or more addresses, reverse_proxy (upstreams on the line or
 * `to` in its block), handle / handle_path / route with path matchers, named
 * matchers `@name path ...` (one line or a block), snippets `(name) {...}`
 * with `import name`, file imports, the global options block (only `admin`
 * is noted), comments and quoted strings. Everything else is skipped, never
 * trusted: the text comes from outside, so every depth and count is capped
 * and a fault is a message with file:line, never a crash.
 *
 * It works in three steps: tokens (text, line, quoted, first on its line),
 * a tree of lines (a line is a directive with its arguments and, if it opens
 * a brace, its block), then a walk of the sites that records routes.
 */
#include "caddyfile.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/util.h"
#include "textfile.h"

#define MAX_TOKENS	1000000
/*
 * Lines and JSON routes visited. Matchers with several paths, nested, would
 * otherwise multiply the walk (2 paths, 32 levels: 2^32 visits).
 */
#define MAX_WORK	100000

struct token {
	char	*text;
	int	 line;
	int	 quoted;
	int	 first;		/* first token on its line */
};

struct cline {
	struct token	**tokens;
	size_t		  ntokens;
	const char	 *file;
	int		  line;
	int		  block;	/* opened a brace: kids is its content */
	struct cline	 *kids;
	size_t		  nkids;
};

/* One file read: its tokens and its tree, alive until the parse ends. */
struct doc {
	char		*name;
	struct token	*tokens;
	size_t		 ntokens;
	struct cline	*lines;
	size_t		 nlines;
};

struct snippet {
	char		*name;		/* without the parentheses */
	const struct cline *def;
};

/* A site block, or the braceless single site with the lines after it. */
struct site {
	const struct cline *addresses;
	const struct cline *body;
	size_t		 nbody;
};

struct matcher {
	const char	*name;		/* "@hooks" */
	const char	**paths;
	size_t		 npaths;
};

struct parser {
	struct caddy_routes	*routes;
	int			 flags;
	const char		*root;		/* --root, or NULL */
	char			*cause;
	struct doc		 docs[CADDYFILE_MAX_FILES];
	size_t			 ndocs;
	size_t			 files_read;	/* file imports, for the cap */
	struct snippet		*snippets;
	size_t			 nsnippets;
	struct site		*sites;		/* of every file */
	size_t			 nsites;
	/* The site being walked. */
	char			**addresses;
	size_t			 naddresses;
	struct matcher		*matchers;
	size_t			 nmatchers;
	size_t			 work;		/* lines visited, for MAX_WORK */
};

static void
parser_fail(struct parser *p, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
parser_fail(struct parser *p, const char *file, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (p->cause != NULL)
		return;		/* the first fault is the one worth reading */
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		p->cause = xasprintf("%s:%d: %s", file, line, msg);
	else
		p->cause = xasprintf("%s: %s", file, msg);
	free(msg);
}

/* ---- routes ---- */

static void
routes_add(struct caddy_routes *r, const char *site, const char *path,
    const char *upstream, const char *where)
{
	struct caddy_route *it;

	if (r->count >= CADDYFILE_MAX_ROUTES) {
		r->truncated = 1;
		return;
	}
	if (r->count == r->alloc) {
		r->alloc = r->alloc == 0 ? 16 : r->alloc * 2;
		r->items = xreallocarray(r->items, r->alloc, sizeof *r->items);
	}
	it = &r->items[r->count++];
	it->site = xstrdup(site);
	it->path = xstrdup(path != NULL ? path : "");
	it->upstream = xstrdup(upstream);
	it->where = xstrdup(where);
}

void
caddyfile_routes_free(struct caddy_routes *r)
{
	size_t	i;

	for (i = 0; i < r->count; i++) {
		free(r->items[i].site);
		free(r->items[i].path);
		free(r->items[i].upstream);
		free(r->items[i].where);
	}
	free(r->items);
	free(r->admin);
	memset(r, 0, sizeof *r);
}

const struct caddy_route *
caddyfile_find(const struct caddy_routes *r, const char *site, const char *path)
{
	size_t	i;

	if (path == NULL)
		path = "";
	for (i = 0; i < r->count; i++) {
		if (strcmp(r->items[i].site, site) == 0 &&
		    strcmp(r->items[i].path, path) == 0)
			return &r->items[i];
	}
	return NULL;
}

/* ---- normalised addresses ---- */

/*
 * Splits "scheme://host:port/path" into lowercased host and port (default
 * from the scheme, else def_port); the path is dropped.
 */
static char *
address_normalise(const char *address, const char *def_port)
{
	const char	*rest, *end, *colon, *port = NULL;
	char		*host, *out;
	size_t		 hostlen, portlen = 0, i;
	const char	*sep;

	sep = strstr(address, "://");
	rest = address;
	if (sep != NULL) {
		if (strncmp(address, "https://", 8) == 0)
			def_port = "443";
		else if (strncmp(address, "http://", 7) == 0 ||
		    strncmp(address, "h2c://", 6) == 0)
			def_port = "80";
		rest = sep + 3;
	}
	end = rest + strcspn(rest, "/");
	if (*rest == '[') {
		/* IPv6 literal: the port follows the closing bracket. */
		const char *close = memchr(rest, ']', (size_t)(end - rest));

		colon = (close != NULL && close + 1 < end && close[1] == ':') ?
		    close + 1 : NULL;
	} else {
		colon = NULL;
		for (i = (size_t)(end - rest); i > 0; i--) {
			if (rest[i - 1] == ':') {
				colon = rest + i - 1;
				break;
			}
		}
	}
	if (colon != NULL) {
		hostlen = (size_t)(colon - rest);
		port = colon + 1;
		portlen = (size_t)(end - port);
	} else
		hostlen = (size_t)(end - rest);
	host = xstrndup(rest, hostlen);
	for (i = 0; host[i] != '\0'; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	if (port != NULL && portlen > 0)
		out = xasprintf("%s:%.*s", host, (int)portlen, port);
	else
		out = xasprintf("%s:%s", host, def_port);
	free(host);
	return out;
}

char *
caddyfile_site(const char *address)
{
	/* Caddy serves a bare hostname over HTTPS. */
	return address_normalise(address, "443");
}

char *
caddyfile_upstream(const char *address)
{
	/* Unix sockets and placeholders are compared as written. */
	if (util_starts_with(address, "unix/") || strchr(address, '{') != NULL)
		return xstrdup(address);
	return address_normalise(address, "80");
}

/* ---- tokens ---- */

static int
token_is(const struct token *t, const char *s)
{
	return !t->quoted && strcmp(t->text, s) == 0;
}

static int
doc_tokenize(struct parser *p, struct doc *d, const char *text, size_t len)
{
	size_t		 i = 0, alloc = 0;
	int		 line = 1, first = 1, start;
	char		 c, q;
	struct buf	 word;

	while (i < len) {
		c = text[i];
		if (c == '\n') {
			line++;
			first = 1;
			i++;
			continue;
		}
		if (isspace((unsigned char)c) || c == '\0') {
			i++;
			continue;
		}
		if (c == '#') {		/* a comment starts a token, runs to the end of line */
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (d->ntokens >= MAX_TOKENS) {
			parser_fail(p, d->name, line, "too many tokens");
			return -1;
		}
		buf_init(&word, 0);
		start = line;
		if (c == '"' || c == '`') {
			/* Quoted: spaces and newlines kept; `\"` escapes in "". */
			q = c;
			for (i++; i < len && text[i] != q; i++) {
				if (q == '"' && text[i] == '\\' && i + 1 < len &&
				    (text[i + 1] == '"' || text[i + 1] == '\\'))
					i++;
				if (text[i] == '\n')
					line++;
				buf_append(&word, &text[i], 1);
			}
			if (i >= len) {
				buf_free(&word);
				parser_fail(p, d->name, start, "unterminated %s string",
				    q == '"' ? "quoted" : "backquoted");
				return -1;
			}
			i++;
		} else {
			while (i < len && !isspace((unsigned char)text[i]) &&
			    text[i] != '\0')
				buf_append(&word, &text[i++], 1);
		}
		if (d->ntokens == alloc) {
			alloc = alloc == 0 ? 64 : alloc * 2;
			d->tokens = xreallocarray(d->tokens, alloc, sizeof *d->tokens);
		}
		d->tokens[d->ntokens].text = xstrdup(buf_str(&word));
		d->tokens[d->ntokens].line = start;
		d->tokens[d->ntokens].quoted = (c == '"' || c == '`');
		d->tokens[d->ntokens].first = first;
		d->ntokens++;
		buf_free(&word);
		first = 0;
	}
	return 0;
}

/* ---- the tree of lines ---- */

static struct cline *
lines_push(struct cline **lines, size_t *n)
{
	struct cline *l;

	*lines = xreallocarray(*lines, *n + 1, sizeof **lines);
	l = &(*lines)[(*n)++];
	memset(l, 0, sizeof *l);
	return l;
}

/*
 * Builds the lines from tokens[*i] on. Returns 1 when a '}' closed this
 * level, 0 at the end of the tokens, -1 on a fault.
 */
static int
doc_build(struct parser *p, struct doc *d, size_t *i, int depth,
    struct cline **out, size_t *nout)
{
	struct token	*t;
	struct cline	*l;
	int		 rc;

	while (*i < d->ntokens) {
		t = &d->tokens[*i];
		if (token_is(t, "}")) {
			if (depth == 0) {
				parser_fail(p, d->name, t->line,
				    "unexpected '}' (no block is open)");
				return -1;
			}
			(*i)++;
			return 1;
		}
		l = lines_push(out, nout);
		l->file = d->name;
		l->line = t->line;
		while (*i < d->ntokens) {
			t = &d->tokens[*i];
			if (l->ntokens > 0 && t->first)
				break;
			if (token_is(t, "}"))
				break;
			if (token_is(t, "{")) {
				int open = t->line;

				(*i)++;
				if (depth + 1 > CADDYFILE_MAX_DEPTH) {
					parser_fail(p, d->name, open,
					    "blocks nested deeper than %d",
					    CADDYFILE_MAX_DEPTH);
					return -1;
				}
				l->block = 1;
				rc = doc_build(p, d, i, depth + 1, &l->kids, &l->nkids);
				if (rc < 0)
					return -1;
				if (rc == 0) {
					parser_fail(p, d->name, open,
					    "unclosed '{' (no matching '}' before the end of the file)");
					return -1;
				}
				break;
			}
			l->tokens = xreallocarray(l->tokens, l->ntokens + 1,
			    sizeof *l->tokens);
			l->tokens[l->ntokens++] = t;
			(*i)++;
		}
	}
	return 0;
}

static void
lines_free(struct cline *lines, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(lines[i].tokens);
		lines_free(lines[i].kids, lines[i].nkids);
	}
	free(lines);
}

static void
doc_free(struct doc *d)
{
	size_t	i;

	lines_free(d->lines, d->nlines);
	for (i = 0; i < d->ntokens; i++)
		free(d->tokens[i].text);
	free(d->tokens);
	free(d->name);
	memset(d, 0, sizeof *d);
}

/* Tokenizes and builds one file's tree; NULL on a fault. */
static struct doc *
parser_doc(struct parser *p, const char *text, size_t len, const char *name)
{
	struct doc	*d;
	size_t		 i = 0;

	if (p->ndocs >= CADDYFILE_MAX_FILES) {
		parser_fail(p, name, 0, "more than %d files imported",
		    CADDYFILE_MAX_FILES);
		return NULL;
	}
	d = &p->docs[p->ndocs++];
	d->name = xstrdup(name);
	if (doc_tokenize(p, d, text, len) != 0)
		return NULL;
	if (doc_build(p, d, &i, 0, &d->lines, &d->nlines) != 0)
		return NULL;
	return d;
}

/* ---- imports ---- */

static const struct snippet *
snippet_find(const struct parser *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->nsnippets; i++)
		if (strcmp(p->snippets[i].name, name) == 0)
			return &p->snippets[i];
	return NULL;
}

/*
 * Under --root, before glob() looks at the disk: a plain import must be in
 * the root, and a wildcard pattern may have its wildcards in its last part
 * only, in a folder that is in the root. glob() then lists that folder
 * alone, so what is outside is never listed nor stat'ed, and each match is
 * still judged on its own (it may be a link). 0, or -1 with the fault set.
 */
static int
import_confined(struct parser *p, const struct cline *l, const char *pattern)
{
	const char	*magic;
	char		*folder, *real = NULL, *cause = NULL;
	int		 rc;

	if ((magic = strpbrk(pattern, "*?[")) == NULL)
		folder = xstrdup(pattern);
	else if (strchr(magic, '/') != NULL) {
		parser_fail(p, l->file, l->line, "import %s: under --root, a "
		    "wildcard is followed only in the last part of a path",
		    l->tokens[1]->text);
		return -1;
	} else {
		while (magic > pattern && magic[-1] != '/')
			magic--;
		folder = magic > pattern + 1 ?
		    xstrndup(pattern, (size_t)(magic - pattern - 1)) :
		    xstrdup(magic > pattern ? "/" : ".");
	}
	rc = textfile_allowed(p->root, folder, &real, &cause);
	if (rc != 0) {
		parser_fail(p, l->file, l->line, "import %s: %s",
		    l->tokens[1]->text, cause);
		free(cause);
	}
	free(real);
	free(folder);
	return rc == 0 ? 0 : -1;
}

/*
 * Reads the files an `import PATTERN` names (relative to the importing
 * file's folder), each as a doc. Returns how many docs were added to
 * *first.., or -1 on a fault.
 */
static int
import_files(struct parser *p, const struct cline *l, size_t *first)
{
	char		*dir, *copy, *pattern;
	glob_t		 g;
	size_t		 k;
	int		 n = 0, grc;
	struct buf	 b;
	char		*cause = NULL, *real = NULL;

	*first = p->ndocs;
	if (!(p->flags & CADDYFILE_FILE_IMPORTS)) {
		parser_fail(p, l->file, l->line, "import of unknown snippet '%s'",
		    l->tokens[1]->text);
		return -1;
	}
	copy = xstrdup(l->file);
	dir = dirname(copy);
	if (l->tokens[1]->text[0] == '/')
		pattern = xstrdup(l->tokens[1]->text);
	else
		pattern = xasprintf("%s/%s", dir, l->tokens[1]->text);
	free(copy);
	memset(&g, 0, sizeof g);
	if (p->root != NULL && import_confined(p, l, pattern) != 0) {
		n = -1;
		goto out;
	}
	grc = glob(pattern, 0, NULL, &g);
	if (grc != 0 && grc != GLOB_NOMATCH) {
		parser_fail(p, l->file, l->line, "import %s: cannot list files",
		    l->tokens[1]->text);
		n = -1;
		goto out;
	}
	if (grc == GLOB_NOMATCH && strpbrk(l->tokens[1]->text, "*?[") == NULL) {
		parser_fail(p, l->file, l->line,
		    "import '%s': no such snippet or file", l->tokens[1]->text);
		n = -1;
		goto out;
	}
	for (k = 0; grc == 0 && k < g.gl_pathc; k++) {
		if (++p->files_read > CADDYFILE_MAX_FILES) {
			parser_fail(p, l->file, l->line,
			    "more than %d files imported", CADDYFILE_MAX_FILES);
			n = -1;
			goto out;
		}
		buf_init(&b, CADDYFILE_MAX_BYTES);
		if (textfile_allowed(p->root, g.gl_pathv[k], &real, &cause) != 0 ||
		    buf_read_regular(&b, real, &cause) != 0) {
			parser_fail(p, l->file, l->line, "import %s: %s",
			    g.gl_pathv[k], cause);
			free(cause);
			free(real);
			buf_free(&b);
			n = -1;
			goto out;
		}
		free(real);
		real = NULL;
		if (b.toobig) {
			parser_fail(p, g.gl_pathv[k], 0, "larger than %d bytes",
			    CADDYFILE_MAX_BYTES);
			buf_free(&b);
			n = -1;
			goto out;
		}
		if (parser_doc(p, buf_str(&b), b.len, g.gl_pathv[k]) == NULL) {
			buf_free(&b);
			n = -1;
			goto out;
		}
		buf_free(&b);
		n++;
	}
out:
	globfree(&g);
	free(pattern);
	return n;
}

/* ---- the top level: global options, snippets, sites ---- */

static int	top_collect(struct parser *, const struct cline *, size_t, int depth);

static int
is_snippet_def(const struct cline *l)
{
	const char	*s;
	size_t		 n;

	if (l->ntokens != 1 || !l->block || l->tokens[0]->quoted)
		return 0;
	s = l->tokens[0]->text;
	n = strlen(s);
	return n > 2 && s[0] == '(' && s[n - 1] == ')';
}

static void
global_options(struct parser *p, const struct cline *l)
{
	size_t	i;

	for (i = 0; i < l->nkids; i++) {
		const struct cline *k = &l->kids[i];

		if (k->ntokens >= 2 && token_is(k->tokens[0], "admin")) {
			free(p->routes->admin);
			p->routes->admin = xstrdup(k->tokens[1]->text);
		}
	}
}

/* Registers snippets, reads global options and file imports, and lists sites. */
static int
top_collect(struct parser *p, const struct cline *lines, size_t n, int depth)
{
	size_t			 i, k, first;
	int			 added;
	const struct cline	*l;
	const struct snippet	*s;

	if (depth > CADDYFILE_MAX_DEPTH) {
		parser_fail(p, lines[0].file, lines[0].line, "imports nested too deep");
		return -1;
	}
	for (i = 0; i < n; i++) {
		l = &lines[i];
		if (l->ntokens == 0) {
			if (l->block)
				global_options(p, l);
			continue;
		}
		if (is_snippet_def(l)) {
			const char *name = l->tokens[0]->text;

			p->snippets = xreallocarray(p->snippets, p->nsnippets + 1,
			    sizeof *p->snippets);
			p->snippets[p->nsnippets].name = xstrndup(name + 1,
			    strlen(name) - 2);
			p->snippets[p->nsnippets].def = l;
			p->nsnippets++;
			continue;
		}
		if (token_is(l->tokens[0], "import") && !l->block) {
			if (l->ntokens < 2) {
				parser_fail(p, l->file, l->line, "import needs a name");
				return -1;
			}
			if ((s = snippet_find(p, l->tokens[1]->text)) != NULL) {
				if (top_collect(p, s->def->kids, s->def->nkids,
				    depth + 1) != 0)
					return -1;
				continue;
			}
			added = import_files(p, l, &first);
			if (added < 0)
				return -1;
			for (k = first; k < first + (size_t)added; k++) {
				if (top_collect(p, p->docs[k].lines,
				    p->docs[k].nlines, depth + 1) != 0)
					return -1;
			}
			continue;
		}
		p->sites = xreallocarray(p->sites, p->nsites + 1, sizeof *p->sites);
		p->sites[p->nsites].addresses = l;
		if (l->block) {
			p->sites[p->nsites].body = l->kids;
			p->sites[p->nsites++].nbody = l->nkids;
			continue;
		}
		/*
		 * A Caddyfile with a single site may leave out the braces:
		 * the first line is the addresses and the rest its body.
		 */
		p->sites[p->nsites].body = l + 1;
		p->sites[p->nsites++].nbody = n - i - 1;
		break;
	}
	return 0;
}

/* ---- sites ---- */

static void
site_reset(struct parser *p)
{
	size_t	i;

	for (i = 0; i < p->naddresses; i++)
		free(p->addresses[i]);
	free(p->addresses);
	p->addresses = NULL;
	p->naddresses = 0;
	for (i = 0; i < p->nmatchers; i++)
		free(p->matchers[i].paths);
	free(p->matchers);
	p->matchers = NULL;
	p->nmatchers = 0;
}

static struct matcher *
matcher_find(struct parser *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->nmatchers; i++)
		if (strcmp(p->matchers[i].name, name) == 0)
			return &p->matchers[i];
	return NULL;
}

static void
matcher_paths(struct matcher *m, const struct cline *l, size_t from)
{
	size_t	i;

	for (i = from; i < l->ntokens; i++) {
		m->paths = xreallocarray(m->paths, m->npaths + 1, sizeof *m->paths);
		m->paths[m->npaths++] = l->tokens[i]->text;
	}
}

/* Named matchers are scoped to the site: collect them all before the walk. */
static int
site_matchers(struct parser *p, const struct cline *lines, size_t n, int depth)
{
	size_t			 i, j;
	const struct cline	*l;
	const struct snippet	*s;
	struct matcher		*m;

	if (n == 0)	/* an empty block: lines may be NULL, nothing to collect */
		return 0;
	if (depth > CADDYFILE_MAX_DEPTH) {
		parser_fail(p, lines[0].file, lines[0].line, "imports nested too deep");
		return -1;
	}
	for (i = 0; i < n; i++) {
		l = &lines[i];
		if (l->ntokens == 0)
			continue;
		if (token_is(l->tokens[0], "import") && l->ntokens >= 2 &&
		    (s = snippet_find(p, l->tokens[1]->text)) != NULL) {
			if (site_matchers(p, s->def->kids, s->def->nkids,
			    depth + 1) != 0)
				return -1;
			continue;
		}
		if (l->tokens[0]->text[0] == '@' && !l->tokens[0]->quoted) {
			if ((m = matcher_find(p, l->tokens[0]->text)) == NULL) {
				p->matchers = xreallocarray(p->matchers,
				    p->nmatchers + 1, sizeof *p->matchers);
				m = &p->matchers[p->nmatchers++];
				memset(m, 0, sizeof *m);
				m->name = l->tokens[0]->text;
			}
			if (l->ntokens >= 3 && token_is(l->tokens[1], "path"))
				matcher_paths(m, l, 2);
			for (j = 0; j < l->nkids; j++) {
				if (l->kids[j].ntokens >= 2 &&
				    token_is(l->kids[j].tokens[0], "path"))
					matcher_paths(m, &l->kids[j], 1);
			}
			continue;
		}
		if (l->block && site_matchers(p, l->kids, l->nkids, depth + 1) != 0)
			return -1;
	}
	return 0;
}

static int
is_matcher_token(const struct token *t)
{
	return !t->quoted && (t->text[0] == '/' || t->text[0] == '@' ||
	    strcmp(t->text, "*") == 0);
}

/*
 * The paths a matcher token stands for. A matcher that tests something else
 * than the path (header, method) keeps the enclosing path: the route is
 * then told apart by nothing we read, a known limit.
 */
static void
matcher_resolve(struct parser *p, const struct token *t, const char *path,
    const char ***out, size_t *nout)
{
	struct matcher	*m;

	*out = NULL;
	*nout = 0;
	if (t->text[0] == '@' && (m = matcher_find(p, t->text)) != NULL &&
	    m->npaths > 0) {
		*out = xreallocarray(NULL, m->npaths, sizeof **out);
		memcpy(*out, m->paths, m->npaths * sizeof **out);
		*nout = m->npaths;
		return;
	}
	*out = xmalloc(sizeof **out);
	(*out)[0] = t->text[0] == '/' ? t->text : path;
	*nout = 1;
}

static void
site_proxy(struct parser *p, const struct cline *l, const char *path)
{
	size_t		 a = 1, i, j, npaths;
	const char	**paths;
	struct buf	 up;
	char		*norm, *where;

	if (l->ntokens > 1 && is_matcher_token(l->tokens[1])) {
		matcher_resolve(p, l->tokens[1], path, &paths, &npaths);
		a = 2;
	} else {
		paths = xmalloc(sizeof *paths);
		paths[0] = path;
		npaths = 1;
	}
	buf_init(&up, 64 * 1024);
	for (i = a; i < l->ntokens; i++) {
		norm = caddyfile_upstream(l->tokens[i]->text);
		buf_printf(&up, "%s%s", up.len > 0 ? " " : "", norm);
		free(norm);
	}
	for (i = 0; i < l->nkids; i++) {
		if (l->kids[i].ntokens < 2 || !token_is(l->kids[i].tokens[0], "to"))
			continue;
		for (j = 1; j < l->kids[i].ntokens; j++) {
			norm = caddyfile_upstream(l->kids[i].tokens[j]->text);
			buf_printf(&up, "%s%s", up.len > 0 ? " " : "", norm);
			free(norm);
		}
	}
	where = xasprintf("%s:%d", l->file, l->line);
	for (i = 0; i < npaths; i++)
		for (j = 0; j < p->naddresses; j++)
			routes_add(p->routes, p->addresses[j], paths[i],
			    buf_str(&up), where);
	free(where);
	buf_free(&up);
	free(paths);
}

static int
site_walk(struct parser *p, const struct cline *lines, size_t n,
    const char *path, int depth)
{
	size_t			 i, k, npaths;
	const struct cline	*l;
	const struct snippet	*s;
	const char		**paths;
	const char		*d;

	if (depth > CADDYFILE_MAX_DEPTH) {
		parser_fail(p, lines[0].file, lines[0].line,
		    "imports or blocks nested too deep");
		return -1;
	}
	for (i = 0; i < n && p->cause == NULL; i++) {
		l = &lines[i];
		if (++p->work > MAX_WORK) {
			parser_fail(p, l->file, l->line,
			    "too complex: more than %d directives visited", MAX_WORK);
			return -1;
		}
		if (l->ntokens == 0 || l->tokens[0]->quoted)
			continue;
		d = l->tokens[0]->text;
		if (strcmp(d, "import") == 0) {
			if (l->ntokens < 2) {
				parser_fail(p, l->file, l->line, "import needs a name");
				return -1;
			}
			if ((s = snippet_find(p, l->tokens[1]->text)) != NULL) {
				if (site_walk(p, s->def->kids, s->def->nkids, path,
				    depth + 1) != 0)
					return -1;
			} else {
				int added = import_files(p, l, &k);

				if (added < 0)
					return -1;
				for (; added > 0; added--, k++) {
					if (site_walk(p, p->docs[k].lines,
					    p->docs[k].nlines, path, depth + 1) != 0)
						return -1;
				}
			}
			continue;
		}
		if (strcmp(d, "reverse_proxy") == 0) {
			site_proxy(p, l, path);
			continue;
		}
		if ((strcmp(d, "handle") == 0 || strcmp(d, "handle_path") == 0 ||
		    strcmp(d, "route") == 0) && l->block) {
			if (l->ntokens > 1 && is_matcher_token(l->tokens[1]))
				matcher_resolve(p, l->tokens[1], path, &paths, &npaths);
			else {
				paths = xmalloc(sizeof *paths);
				paths[0] = path;
				npaths = 1;
			}
			for (k = 0; k < npaths; k++) {
				if (site_walk(p, l->kids, l->nkids, paths[k],
				    depth + 1) != 0) {
					free(paths);
					return -1;
				}
			}
			free(paths);
		}
		/* Every other directive (tls, log, header, respond...) is not a route. */
	}
	return p->cause == NULL ? 0 : -1;
}

static int
site_run(struct parser *p, const struct cline *l, const struct cline *body,
    size_t nbody)
{
	size_t	i;
	char	*addr;
	int	 rc;

	site_reset(p);
	for (i = 0; i < l->ntokens; i++) {
		addr = xstrdup(l->tokens[i]->text);
		/* "a:1, b:2" and "a:1 b:2" are the same list. */
		if (addr[0] != '\0' && addr[strlen(addr) - 1] == ',')
			addr[strlen(addr) - 1] = '\0';
		if (addr[0] == '\0') {
			free(addr);
			continue;
		}
		p->addresses = xreallocarray(p->addresses, p->naddresses + 1,
		    sizeof *p->addresses);
		p->addresses[p->naddresses++] = caddyfile_site(addr);
		free(addr);
	}
	if (nbody == 0)
		return 0;
	rc = site_matchers(p, body, nbody, 0);
	if (rc == 0)
		rc = site_walk(p, body, nbody, "", 0);
	return rc;
}

static int
caddyfile_parse_in(const char *text, size_t len, const char *name, int flags,
    const char *root, struct caddy_routes *routes, char **cause)
{
	struct parser	 p;
	struct doc	*d;
	size_t		 i;
	int		 rc = -1;

	memset(&p, 0, sizeof p);
	p.routes = routes;
	p.flags = flags;
	p.root = root;
	if ((d = parser_doc(&p, text, len, name != NULL ? name : "Caddyfile")) == NULL)
		goto out;
	if (top_collect(&p, d->lines, d->nlines, 0) != 0)
		goto out;
	for (i = 0; i < p.nsites; i++) {
		if (site_run(&p, p.sites[i].addresses, p.sites[i].body,
		    p.sites[i].nbody) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0 && cause != NULL)
		*cause = p.cause != NULL ? p.cause : xstrdup("cannot parse");
	else
		free(p.cause);
	site_reset(&p);
	for (i = 0; i < p.nsnippets; i++)
		free(p.snippets[i].name);
	free(p.snippets);
	free(p.sites);
	for (i = 0; i < p.ndocs; i++)
		doc_free(&p.docs[i]);
	return rc;
}

int
caddyfile_parse(const char *text, size_t len, const char *name, int flags,
    struct caddy_routes *routes, char **cause)
{
	return caddyfile_parse_in(text, len, name, flags, NULL, routes, cause);
}

int
caddyfile_load(const char *path, const char *root, struct caddy_routes *routes,
    char **cause)
{
	struct buf	 b;
	char		*real = NULL;
	int		 rc = -1;

	buf_init(&b, CADDYFILE_MAX_BYTES);
	if (textfile_allowed(root, path, &real, cause) != 0 ||
	    buf_read_regular(&b, real, cause) != 0)
		goto out;
	if (b.toobig) {
		*cause = xasprintf("%s: larger than %d bytes", path,
		    CADDYFILE_MAX_BYTES);
		goto out;
	}
	rc = caddyfile_parse_in(buf_str(&b), b.len, path, CADDYFILE_FILE_IMPORTS,
	    root, routes, cause);
out:
	free(real);
	buf_free(&b);
	return rc;
}

/* ---- Caddy's JSON config ---- */

/* The array itself, or NULL for anything else, so loops skip wrong types. */
static const cJSON *
json_array(const cJSON *item)
{
	return cJSON_IsArray(item) ? item : NULL;
}

struct json_walk {
	struct caddy_routes	*routes;
	const char		*server;
	char			**ports;	/* from the server's listen */
	size_t			 nports;
	size_t			*work;		/* routes visited, all servers */
};

/* Strings of every matcher set's key ("host", "path") in a route. */
static void
json_match_strings(const cJSON *route, const char *key, const char ***out,
    size_t *nout)
{
	const cJSON	*match, *set, *list, *s;

	*out = NULL;
	*nout = 0;
	match = cJSON_GetObjectItemCaseSensitive(route, "match");
	cJSON_ArrayForEach(set, json_array(match)) {
		list = cJSON_GetObjectItemCaseSensitive(set, key);
		cJSON_ArrayForEach(s, json_array(list)) {
			if (!cJSON_IsString(s) || *nout >= CADDYFILE_MAX_ROUTES)
				continue;
			*out = xreallocarray(*out, *nout + 1, sizeof **out);
			(*out)[(*nout)++] = s->valuestring;
		}
	}
}

static void
json_proxy(struct json_walk *w, const cJSON *handler, const char **hosts,
    size_t nhosts, const char **paths, size_t npaths, const char *where)
{
	const cJSON	*ups, *u, *dial;
	struct buf	 up;
	size_t		 h, k, i;
	char		*norm, *site, *addr;

	buf_init(&up, 64 * 1024);
	ups = cJSON_GetObjectItemCaseSensitive(handler, "upstreams");
	cJSON_ArrayForEach(u, json_array(ups)) {
		dial = cJSON_GetObjectItemCaseSensitive(u, "dial");
		if (!cJSON_IsString(dial))
			continue;
		norm = caddyfile_upstream(dial->valuestring);
		buf_printf(&up, "%s%s", up.len > 0 ? " " : "", norm);
		free(norm);
	}
	for (i = 0; i < w->nports; i++) {
		for (h = 0; h < (nhosts > 0 ? nhosts : 1); h++) {
			addr = xasprintf("%s:%s", nhosts > 0 ? hosts[h] : "",
			    w->ports[i]);
			site = caddyfile_site(addr);
			free(addr);
			for (k = 0; k < npaths; k++)
				routes_add(w->routes, site, paths[k], buf_str(&up),
				    where);
			free(site);
		}
	}
	buf_free(&up);
}

static void
json_walk_routes(struct json_walk *w, const cJSON *routes, const char **hosts,
    size_t nhosts, const char *path, int depth, const char *where)
{
	const cJSON	*route, *handle, *h, *type, *sub;
	const char	**rhosts, **rpaths, **usehosts;
	size_t		 nrhosts, nrpaths, nusehosts, k;
	size_t		 index = 0;
	char		*here;

	if (depth > CADDYFILE_MAX_DEPTH || w->routes->truncated)
		return;
	cJSON_ArrayForEach(route, json_array(routes)) {
		if (++*w->work > MAX_WORK) {
			w->routes->truncated = 1;
			return;
		}
		here = xasprintf("%s routes[%zu]", where, index++);
		json_match_strings(route, "host", &rhosts, &nrhosts);
		json_match_strings(route, "path", &rpaths, &nrpaths);
		usehosts = nrhosts > 0 ? rhosts : hosts;
		nusehosts = nrhosts > 0 ? nrhosts : nhosts;
		if (nrpaths == 0) {
			rpaths = xmalloc(sizeof *rpaths);
			rpaths[0] = path;
			nrpaths = 1;
		}
		handle = cJSON_GetObjectItemCaseSensitive(route, "handle");
		cJSON_ArrayForEach(h, json_array(handle)) {
			type = cJSON_GetObjectItemCaseSensitive(h, "handler");
			if (!cJSON_IsString(type))
				continue;
			if (strcmp(type->valuestring, "reverse_proxy") == 0)
				json_proxy(w, h, usehosts, nusehosts, rpaths,
				    nrpaths, here);
			else if (strcmp(type->valuestring, "subroute") == 0) {
				sub = cJSON_GetObjectItemCaseSensitive(h, "routes");
				for (k = 0; k < nrpaths; k++)
					json_walk_routes(w, sub, usehosts, nusehosts,
					    rpaths[k], depth + 1, here);
			}
		}
		free(rhosts);
		free(rpaths);
		free(here);
	}
}

static char *
listen_port(const char *listen)
{
	const char *colon = strrchr(listen, ':');

	return xstrdup(colon != NULL ? colon + 1 : listen);
}

int
caddyfile_json_routes(const cJSON *config, struct caddy_routes *routes,
    char **cause)
{
	const cJSON	*apps, *http, *servers, *srv, *listen, *l, *admin, *addr;
	struct json_walk w;
	size_t		 i, work = 0;
	char		*where;

	if (cJSON_IsNull(config))
		return 0;	/* Caddy running with no config at all */
	if (!cJSON_IsObject(config)) {
		*cause = xstrdup("not a Caddy config (expected a JSON object)");
		return -1;
	}
	admin = cJSON_GetObjectItemCaseSensitive(config, "admin");
	addr = cJSON_GetObjectItemCaseSensitive(admin, "listen");
	if (cJSON_IsString(addr)) {
		free(routes->admin);
		routes->admin = xstrdup(addr->valuestring);
	}
	apps = cJSON_GetObjectItemCaseSensitive(config, "apps");
	http = cJSON_GetObjectItemCaseSensitive(apps, "http");
	servers = cJSON_GetObjectItemCaseSensitive(http, "servers");
	if (servers != NULL && !cJSON_IsObject(servers)) {
		*cause = xstrdup("apps.http.servers is not an object");
		return -1;
	}
	cJSON_ArrayForEach(srv, servers) {
		memset(&w, 0, sizeof w);
		w.routes = routes;
		w.work = &work;
		w.server = srv->string != NULL ? srv->string : "?";
		listen = cJSON_GetObjectItemCaseSensitive(srv, "listen");
		cJSON_ArrayForEach(l, json_array(listen)) {
			if (!cJSON_IsString(l) || w.nports >= 64)
				continue;
			w.ports = xreallocarray(w.ports, w.nports + 1, sizeof *w.ports);
			w.ports[w.nports++] = listen_port(l->valuestring);
		}
		where = xasprintf("servers.%s", w.server);
		json_walk_routes(&w, cJSON_GetObjectItemCaseSensitive(srv, "routes"),
		    NULL, 0, "", 0, where);
		free(where);
		for (i = 0; i < w.nports; i++)
			free(w.ports[i]);
		free(w.ports);
	}
	return 0;
}
