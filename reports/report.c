/*
 * report.c: the table of renderers, report_write, and the helpers every
 * renderer shares (counting, problems-first order, UTF-8 repair, escaping).
 */
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../topology/causes.h"
#include "../topology/strmap.h"
#include "../util/buf.h"
#include "../util/util.h"

const struct report_ops *const report_table[] = {
	&report_text,
	&report_json,
	&report_markdown,
	&report_junit,
	NULL
};

const struct report_ops *
report_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		return NULL;
	for (i = 0; report_table[i] != NULL; i++) {
		if (strcmp(report_table[i]->name, name) == 0)
			return report_table[i];
	}
	return NULL;
}

void
report_count(struct report *report, struct check *const *checks, size_t count)
{
	size_t	i;

	memset(report->counts, 0, sizeof report->counts);
	report->consequences = 0;
	for (i = 0; i < count; i++) {
		if ((unsigned)checks[i]->result.status < STATUS_COUNT)
			report->counts[checks[i]->result.status]++;
		if (checks[i]->result.cause != NULL)
			report->consequences++;
	}
	report->total = count;
}

int
report_write(const struct report_ops *ops, struct report *report,
    struct check *const *checks, size_t count)
{
	size_t	i;
	int	rc;

	causes_resolve(checks, count);
	report_count(report, checks, count);
	ops->begin(report);
	for (i = 0; i < count; i++)
		ops->result(report, checks[i]);
	rc = ops->end(report);
	if (fflush(report->out) != 0 || ferror(report->out))
		rc = -1;
	return rc;
}

char *
report_folded(const struct check *const *checks, size_t count,
    const struct check *c, size_t *n)
{
	struct buf	b;
	size_t		i;

	*n = 0;
	if (c->result.cause != NULL)
		return NULL;
	buf_init(&b, 0);
	for (i = 0; i < count; i++) {
		if (checks[i] == c || checks[i]->result.cause == NULL ||
		    causes_root(checks[i]) != c)
			continue;
		buf_printf(&b, "%s%s", *n > 0 ? ", " : "", checks[i]->id);
		(*n)++;
	}
	if (*n == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Ranks report_status_rank returns: 0 to REPORT_RANKS - 1. */
#define REPORT_RANKS 9

int
report_status_rank(enum status status)
{
	switch (status) {
	case STATUS_DRIFT:
		return 0;
	case STATUS_ERROR:
		return 1;
	case STATUS_UNKNOWN:
		return 2;
	case STATUS_PENDING:
		return 3;
	case STATUS_RUNNING:
		return 4;
	case STATUS_NOT_RUN:
		return 5;
	case STATUS_OK:
		return 6;
	case STATUS_SKIPPED:
		return 7;
	}
	return 8;
}

/*
 * Copies sorted to out with each consequence (result.cause set, its root in
 * the list) moved right after its root cause, in sorted order.
 */
static void
report_fold(const struct check **sorted, const struct check **out, size_t count)
{
	struct strmap		 at = { 0 };
	size_t			*next, *first, *last, i, j, n = 0, r;
	const struct check	*root;
	void			*v;
	unsigned char		*folded;

	next = xreallocarray(NULL, count, sizeof *next);
	first = xreallocarray(NULL, count, sizeof *first);
	last = xreallocarray(NULL, count, sizeof *last);
	folded = xcalloc(count, 1);
	for (i = 0; i < count; i++) {
		first[i] = last[i] = next[i] = (size_t)-1;
		if (sorted[i]->id != NULL && strmap_get(&at, sorted[i]->id) == NULL)
			strmap_set(&at, sorted[i]->id, (void *)(uintptr_t)(i + 1));
	}
	for (i = 0; i < count; i++) {
		if (sorted[i]->result.cause == NULL)
			continue;
		root = causes_root(sorted[i]);
		if (root->id == NULL || (v = strmap_get(&at, root->id)) == NULL ||
		    sorted[r = (size_t)(uintptr_t)v - 1] != root)
			continue;
		folded[i] = 1;
		if (first[r] == (size_t)-1)
			first[r] = i;
		else
			next[last[r]] = i;
		last[r] = i;
	}
	for (i = 0; i < count; i++) {
		if (folded[i])
			continue;
		out[n++] = sorted[i];
		for (j = first[i]; j != (size_t)-1; j = next[j])
			out[n++] = sorted[j];
	}
	strmap_free(&at);
	free(folded);
	free(last);
	free(first);
	free(next);
}

void
report_sort(const struct check **checks, size_t count)
{
	const struct check	**sorted;
	size_t			  start[REPORT_RANKS + 1] = { 0 };
	size_t			  i;
	int			  rank;

	if (count < 2)
		return;
	/* A counting sort over the few ranks: stable and linear. */
	for (i = 0; i < count; i++)
		start[report_status_rank(checks[i]->result.status) + 1]++;
	for (rank = 1; rank <= REPORT_RANKS; rank++)
		start[rank] += start[rank - 1];
	sorted = xreallocarray(NULL, count, sizeof *sorted);
	for (i = 0; i < count; i++)
		sorted[start[report_status_rank(checks[i]->result.status)]++] = checks[i];
	report_fold(sorted, checks, count);
	free(sorted);
}

/*
 * Length of the valid UTF-8 sequence at s (1-4), or 0 when it is invalid;
 * *bad gets how many bytes the invalid prefix spans (its "maximal subpart",
 * which Unicode recommends replacing with one U+FFFD).
 */
static size_t
report_utf8_sequence(const unsigned char *s, size_t *bad)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		need, i;

	*bad = 1;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 1;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 2;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 3;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 0;
	for (i = 1; i <= need; i++) {
		if (s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

char *
report_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 b;
	size_t			 n = 0, bad, start;

	if (s == NULL)
		return xstrdup("");
	/* All ASCII, the usual case: a copy. */
	while (p[n] != '\0' && p[n] < 0x80)
		n++;
	if (p[n] == '\0')
		return xstrndup(s, n);
	buf_init(&b, 0);
	start = 0;
	while (p[n] != '\0') {
		size_t len = report_utf8_sequence(p + n, &bad);

		if (len > 0) {
			n += len;
			continue;
		}
		buf_append(&b, p + start, n - start);
		buf_puts(&b, "\xef\xbf\xbd");
		n += bad;
		start = n;
	}
	buf_append(&b, p + start, n - start);
	return buf_steal(&b);
}

char *
report_escape(const char *s,
    size_t (*escape)(struct buf *, const unsigned char *, void *), void *arg)
{
	struct buf		 b;
	char			*valid;
	const unsigned char	*p;
	size_t			 n;

	valid = report_utf8(s);
	buf_init(&b, 0);
	for (p = (const unsigned char *)valid; *p != '\0'; p += n) {
		if ((n = escape(&b, p, arg)) == 0)
			break;
	}
	free(valid);
	return buf_steal(&b);
}

const char *
report_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	}
	return NULL;
}
