/*
 * causes.c: which failing check fails because another one does. The edges
 * are tokens the probes set while planning (causes_provide, causes_need);
 * causes_resolve walks them once after a run, depth first with its own
 * stack (a hostile topology may chain 100,000 checks through depends_on).
 */
#include "causes.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strmap.h"
#include "../util/buf.h"
#include "../util/util.h"

static void
causes_add(char ***list, size_t *n, const char *fmt, va_list ap)
{
	char	*token = xvasprintf(fmt, ap);
	size_t	 i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*list)[i], token) == 0) {
			free(token);
			return;
		}
	}
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = token;
}

void
causes_provide(struct check *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	causes_add(&c->provides, &c->nprovides, fmt, ap);
	va_end(ap);
}

void
causes_need(struct check *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	causes_add(&c->needs, &c->nneeds, fmt, ap);
	va_end(ap);
}

char *
causes_tcp(const char *host, int port)
{
	static const char *const loopback[] = {
		"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0", "", NULL
	};
	const char *const	*l;
	char			*token;
	size_t			 i;

	if (host == NULL)
		host = "";
	for (l = loopback; *l != NULL; l++) {
		if (strcasecmp(host, *l) == 0)
			return xasprintf("tcp:local:%d", port);
	}
	token = xasprintf("tcp:%s:%d", host, port);
	for (i = 4; token[i] != '\0'; i++)
		token[i] = (char)tolower((unsigned char)token[i]);
	return token;
}

char *
causes_address(const char *address)
{
	const char	*colon = strrchr(address, ':');
	char		*host, *end, *token;
	long		 port;

	if (colon == NULL || colon == address)
		return NULL;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return NULL;
	if (address[0] == '[' && colon[-1] == ']')
		host = xstrndup(address + 1, (size_t)(colon - address) - 2);
	else
		host = xstrndup(address, (size_t)(colon - address));
	token = causes_tcp(host, (int)port);
	free(host);
	return token;
}

int
causes_needs(const struct check *c, const char *token)
{
	size_t	i;

	for (i = 0; i < c->nneeds; i++) {
		if (strcmp(c->needs[i], token) == 0)
			return 1;
	}
	return 0;
}

int
causes_provides(const struct check *c, const char *token)
{
	size_t	i;

	if (strncmp(token, "id:", 3) == 0)
		return strcmp(c->id, token + 3) == 0;
	for (i = 0; i < c->nprovides; i++) {
		if (strcmp(c->provides[i], token) == 0)
			return 1;
	}
	return 0;
}

/* The checks that provide one token, in plan order. */
struct causes_providers {
	size_t	*index;
	size_t	 count;
};

static int
causes_failing(const struct check *c)
{
	return !c->skipped && (c->result.status == STATUS_DRIFT ||
	    c->result.status == STATUS_ERROR);
}

/* Where a check's walk is: its need, and the provider of that need. */
struct causes_frame {
	size_t	check;
	size_t	need;
	size_t	provider;
};

/* The candidate cause a frame points at, or (size_t)-1 when it is past the end. */
static size_t
causes_candidate(struct check *const *checks, const struct strmap *byid,
    const struct strmap *bytoken, const struct causes_frame *f)
{
	const struct check		*c = checks[f->check];
	const struct causes_providers	*pv;
	void				*v;

	if (f->need >= c->nneeds)
		return (size_t)-1;
	if (strncmp(c->needs[f->need], "id:", 3) == 0) {
		v = strmap_get(byid, c->needs[f->need] + 3);
		if (f->provider > 0 || v == NULL)
			return (size_t)-2;	/* this need is done: next one */
		return (size_t)(uintptr_t)v - 1;
	}
	pv = strmap_get(bytoken, c->needs[f->need]);
	if (pv == NULL || f->provider >= pv->count)
		return (size_t)-2;
	return pv->index[f->provider];
}

void
causes_resolve(struct check *const *checks, size_t count)
{
	struct strmap			 byid = { 0 }, bytoken = { 0 };
	struct causes_providers		*pv;
	struct causes_frame		*stack, *f;
	unsigned char			*state;	/* 0 new, 1 on the stack, 2 done */
	size_t				 i, j, top, cand;

	for (i = 0; i < count; i++) {
		checks[i]->result.cause = NULL;
		if (checks[i]->id != NULL && strmap_get(&byid, checks[i]->id) == NULL)
			strmap_set(&byid, checks[i]->id, (void *)(uintptr_t)(i + 1));
		for (j = 0; j < checks[i]->nprovides; j++) {
			if ((pv = strmap_get(&bytoken, checks[i]->provides[j])) == NULL) {
				pv = xcalloc(1, sizeof *pv);
				strmap_set(&bytoken, checks[i]->provides[j], pv);
			}
			pv->index = xreallocarray(pv->index, pv->count + 1,
			    sizeof *pv->index);
			pv->index[pv->count++] = i;
		}
	}
	state = xcalloc(count > 0 ? count : 1, 1);
	stack = xreallocarray(NULL, count > 0 ? count : 1, sizeof *stack);
	for (i = 0; i < count; i++) {
		if (state[i] != 0 || !causes_failing(checks[i]))
			continue;
		top = 0;
		stack[top++] = (struct causes_frame){ i, 0, 0 };
		state[i] = 1;
		while (top > 0) {
			f = &stack[top - 1];
			cand = causes_candidate(checks, &byid, &bytoken, f);
			if (cand == (size_t)-1) {
				/* No failing need: a root cause. */
				state[f->check] = 2;
				top--;
				continue;
			}
			if (cand == (size_t)-2) {
				f->need++;
				f->provider = 0;
				continue;
			}
			if (cand == f->check || !causes_failing(checks[cand]) ||
			    state[cand] == 1) {
				f->provider++;
				continue;
			}
			if (state[cand] == 2) {
				checks[f->check]->result.cause = checks[cand];
				state[f->check] = 2;
				top--;
				continue;
			}
			/* Walk cand first; back here it is done. */
			state[cand] = 1;
			stack[top++] = (struct causes_frame){ cand, 0, 0 };
		}
	}
	free(stack);
	free(state);
	for (i = 0; i < bytoken.size; i++) {
		if (bytoken.slots[i].key == NULL)
			continue;
		pv = bytoken.slots[i].value;
		free(pv->index);
		free(pv);
	}
	strmap_free(&bytoken);
	strmap_free(&byid);
}

char *
causes_chain(const struct check *c)
{
	struct buf		 b;
	const struct check	*k;
	size_t			 steps = 0;

	buf_init(&b, 0);
	for (k = c->result.cause; k != NULL && steps < 64; k = k->result.cause, steps++)
		buf_printf(&b, "%s%s%s%s", b.len > 0 ? " <- " : "", k->id,
		    k->result.message != NULL && *k->result.message != '\0' ? ": " : "",
		    k->result.message != NULL ? k->result.message : "");
	if (k != NULL)
		buf_printf(&b, " <- ...");
	return buf_steal(&b);
}

const struct check *
causes_root(const struct check *c)
{
	/* resolve never makes a loop; the bound is for a caller's mistake. */
	size_t	steps = 0;

	while (c->result.cause != NULL && steps++ < 1000000)
		c = c->result.cause;
	return c;
}

size_t
causes_folded(struct check *const *checks, size_t count, const struct check *c)
{
	size_t	i, n = 0;

	for (i = 0; i < count; i++) {
		if (checks[i] != c && checks[i]->result.cause != NULL &&
		    causes_root(checks[i]) == c)
			n++;
	}
	return n;
}
