/*
 * diff.c: expected x observed -> result (see diff.h). Pure: it reads the
 * check and its observation and writes only check->result.
 *
 * The field "exists" decides first: declared but not observed is drift
 * "missing", observed but declared absent is drift "extra". Other fields that
 * differ are "changed", except MATCH_SET fields, whose added names are
 * "extra" and removed names "missing", and MATCH_PART_REGEX fields not
 * observed at all (a declared response header), which are "missing". A
 * check with several mismatches of different classes is "changed".
 */
#include "diff.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/regex.h"
#include "../util/util.h"
#include "topology.h"

/* Longest observed value copied into a result (bodies, outputs). */
#define DIFF_MAX_VALUE	240

struct mismatch {
	struct buf	expected;
	struct buf	observed;
	struct buf	message;
	enum drift	drift;
	int		count;
	int		failed;		/* a regex hit its limit: error, not drift */
	/* The facts are partial (observation.partial) and some expectation
	 * can be neither confirmed nor refused with them: unknown. */
	struct buf	undecided;
	int		unknown;
};

static int
diff_number(const char *s, double *v)
{
	char	*end;

	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && *end == '\0' && !isnan(*v);
}

/* Equal as text, or as numbers ("200" and "200.0", "0x10" and "16"). */
static int
diff_equals(const char *want, const char *got)
{
	double	a, b;

	if (strcmp(want, got) == 0)
		return 1;
	return diff_number(want, &a) && diff_number(got, &b) && a == b;
}

static int
diff_one_of(const char *words, const char *got)
{
	const char	*p = words, *bar;
	size_t		 len;

	for (;;) {
		bar = strchr(p, '|');
		len = bar == NULL ? strlen(p) : (size_t)(bar - p);
		if (strlen(got) == len && strncmp(p, got, len) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

/*
 * Appends the first line of value, cut at DIFF_MAX_VALUE. Secrets are
 * redacted before the cut: a secret straddling the cut would otherwise
 * survive in part.
 */
static void
diff_short(struct buf *b, const struct topology *t, const char *value)
{
	char	*redacted = NULL;
	size_t	 len;

	if (value == NULL) {
		buf_puts(b, "(none)");
		return;
	}
	if (t != NULL)
		value = redacted = topology_redact(t, value);
	len = strcspn(value, "\n");
	if (len > DIFF_MAX_VALUE)
		len = DIFF_MAX_VALUE;
	buf_append(b, value, len);
	/* "..." says there is more: a trailing newline alone is not more. */
	if (value[len + strspn(value + len, "\r\n")] != '\0')
		buf_puts(b, "...");
	free(redacted);
}

static void
diff_sep(struct buf *b)
{
	if (b->len > 0)
		buf_puts(b, "; ");
}

/* Is name, a line of a '\n'-separated list, in list? */
static int
diff_in_list(const char *list, const char *name, size_t len)
{
	const char	*p = list, *nl;
	size_t		 l;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		l = nl == NULL ? strlen(p) : (size_t)(nl - p);
		if (l == len && strncmp(p, name, len) == 0)
			return 1;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

/* Names of a that are not in b, as "x, y" into out; returns how many. */
static int
diff_set_minus(const char *a, const char *b, struct buf *out)
{
	const char	*p = a, *nl;
	size_t		 len;
	int		 n = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl == NULL ? strlen(p) : (size_t)(nl - p);
		if (len > 0 && !diff_in_list(b, p, len)) {
			if (n++ > 0)
				buf_puts(out, ", ");
			buf_append(out, p, len);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

static int
diff_count_lines(const char *s)
{
	int	n = 0;

	for (; *s != '\0'; s++) {
		if (*s != '\n' && (s[1] == '\n' || s[1] == '\0'))
			n++;
	}
	return n;
}

static void
diff_record(struct mismatch *m, enum drift drift)
{
	if (m->count++ == 0)
		m->drift = drift;
	else if (m->drift != drift)
		m->drift = DRIFT_CHANGED;
}

/* Notes an expectation that partial facts cannot decide. */
static void
diff_undecided(struct mismatch *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
diff_undecided(struct mismatch *m, const char *fmt, ...)
{
	va_list	ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	diff_sep(&m->undecided);
	buf_puts(&m->undecided, s);
	free(s);
	m->unknown++;
}

/*
 * With partial facts, names found but not declared still contradict the
 * topology (drift "extra"); names declared but not found may be in the part
 * that could not be read, and the set cannot be confirmed either: undecided.
 */
static void
diff_set(struct mismatch *m, const struct expect *e, const char *got,
    int partial)
{
	struct buf	added, removed;
	int		nadded, nremoved;

	buf_init(&added, 4096);
	buf_init(&removed, 4096);
	nadded = diff_set_minus(got, e->value, &added);
	nremoved = diff_set_minus(e->value, got, &removed);
	if (partial && nadded == 0) {
		if (nremoved > 0)
			diff_undecided(m, "%s: %d declared not among the entries "
			    "read (%s)", e->field, nremoved, buf_str(&removed));
		else
			diff_undecided(m, "%s: the %d declared are among the "
			    "entries read", e->field, diff_count_lines(e->value));
		goto out;
	}
	if (partial)
		nremoved = 0;
	if (nadded == 0 && nremoved == 0)
		goto out;

	diff_sep(&m->expected);
	buf_printf(&m->expected, "%s: %d declared", e->field,
	    diff_count_lines(e->value));
	diff_sep(&m->observed);
	buf_printf(&m->observed, "%s: %d found", e->field,
	    diff_count_lines(got));
	diff_sep(&m->message);
	if (nadded > 0) {
		buf_printf(&m->message, "%d not declared: %s", nadded,
		    buf_str(&added));
		diff_record(m, DRIFT_EXTRA);
	}
	if (nremoved > 0) {
		if (nadded > 0)
			buf_puts(&m->message, "; ");
		buf_printf(&m->message, "%d declared but gone: %s", nremoved,
		    buf_str(&removed));
		diff_record(m, DRIFT_MISSING);
	}
out:
	buf_free(&added);
	buf_free(&removed);
}

static const char *
diff_operator(enum match match)
{
	switch (match) {
	case MATCH_REGEX:
	case MATCH_PART_REGEX:
		return "~";
	case MATCH_MIN:
		return ">=";
	case MATCH_MAX:
		return "<=";
	case MATCH_ONE_OF:
		return "one of";
	case MATCH_ABSENT:
		return "absent";
	default:
		return "=";
	}
}

/*
 * A number read from partial facts is a lower bound: it refuses "= 12" or
 * "<= 12" only when it is already larger, and confirms ">= 12" once it gets
 * there. 1 when decided (*ok set), 0 when the facts cannot tell.
 */
static int
diff_lower_bound(const struct expect *e, const char *got, int *ok)
{
	double	want_n, got_n;

	if (!diff_number(e->value, &want_n) || !diff_number(got, &got_n))
		return 1;	/* not numbers: compared as usual */
	switch (e->match) {
	case MATCH_EQUALS:
	case MATCH_MAX:
		if (got_n > want_n) {
			*ok = 0;
			return 1;
		}
		return 0;
	case MATCH_MIN:
		if (got_n >= want_n) {
			*ok = 1;
			return 1;
		}
		return 0;
	default:
		return 1;
	}
}

/* Compares one expectation; on mismatch appends to m. */
static void
diff_expect(struct mismatch *m, const struct topology *t,
    const struct expect *e, const char *got, int partial)
{
	double	 want_n, got_n;
	int	 ok = 1, rc;
	char	*cause = NULL;

	if (e->match == MATCH_SET) {
		diff_set(m, e, got != NULL ? got : "", partial);
		return;
	}
	if (partial && got != NULL && (e->match == MATCH_EQUALS ||
	    e->match == MATCH_MIN || e->match == MATCH_MAX) &&
	    diff_number(e->value, &want_n) && diff_number(got, &got_n)) {
		if (!diff_lower_bound(e, got, &ok)) {
			diff_undecided(m, "%s is at least %s, expected %s%s%s",
			    e->field, got, e->match == MATCH_EQUALS ? "" :
			    diff_operator(e->match), e->match == MATCH_EQUALS ?
			    "" : " ", e->value);
			return;
		}
		if (ok)
			return;
		diff_sep(&m->expected);
		buf_printf(&m->expected, "%s %s %s", e->field,
		    diff_operator(e->match), e->value);
		diff_sep(&m->observed);
		buf_printf(&m->observed, "%s >= %s", e->field, got);
		diff_sep(&m->message);
		buf_printf(&m->message, "%s is at least %s, expected %s%s%s",
		    e->field, got, e->match == MATCH_EQUALS ? "" :
		    diff_operator(e->match), e->match == MATCH_EQUALS ? "" : " ",
		    e->value);
		diff_record(m, DRIFT_CHANGED);
		return;
	}
	switch (e->match) {
	case MATCH_ABSENT:
		ok = got == NULL;
		break;
	case MATCH_EQUALS:
		ok = got != NULL && diff_equals(e->value, got);
		break;
	case MATCH_ONE_OF:
		ok = got != NULL && diff_one_of(e->value, got);
		break;
	case MATCH_REGEX:
	case MATCH_PART_REGEX:
		if (got == NULL || e->regex == NULL) {
			ok = 0;
			break;
		}
		rc = regex_match(e->regex, got, strlen(got), NULL, NULL, &cause);
		if (rc == -1) {
			diff_sep(&m->message);
			buf_puts(&m->message, cause);
			free(cause);
			m->failed = 1;
			return;
		}
		ok = rc == 1;
		break;
	case MATCH_MIN:
	case MATCH_MAX:
		ok = diff_number(e->value, &want_n) && diff_number(got, &got_n) &&
		    (e->match == MATCH_MIN ? got_n >= want_n : got_n <= want_n);
		break;
	default:
		ok = 0;
		break;
	}
	if (ok)
		return;

	diff_sep(&m->expected);
	if (e->match == MATCH_ABSENT)
		buf_printf(&m->expected, "%s absent", e->field);
	else if (e->match == MATCH_REGEX || e->match == MATCH_PART_REGEX)
		buf_printf(&m->expected, "%s ~ /%s/", e->field, e->value);
	else
		buf_printf(&m->expected, "%s %s %s", e->field,
		    diff_operator(e->match), e->value);
	diff_sep(&m->observed);
	buf_printf(&m->observed, "%s = ", e->field);
	diff_short(&m->observed, t, got);

	diff_sep(&m->message);
	if (got == NULL)
		buf_printf(&m->message, "%s not found", e->field);
	else {
		buf_printf(&m->message, "%s is ", e->field);
		diff_short(&m->message, t, got);
		if (e->match == MATCH_REGEX || e->match == MATCH_PART_REGEX)
			buf_printf(&m->message, ", not matching /%s/", e->value);
		else if (e->match == MATCH_ABSENT)
			buf_puts(&m->message, ", expected absent");
		else
			buf_printf(&m->message, ", expected %s%s%s",
			    e->match == MATCH_EQUALS ? "" : diff_operator(e->match),
			    e->match == MATCH_EQUALS ? "" : " ", e->value);
	}
	diff_record(m, e->match == MATCH_PART_REGEX && got == NULL ?
	    DRIFT_MISSING : DRIFT_CHANGED);
}

/* What was expected, in full, for an ok result. */
static void
diff_describe(const struct topology *t, const struct check *c,
    struct buf *expected, struct buf *observed)
{
	const struct expect	*e;
	size_t			 i;

	for (i = 0; i < c->nexpects; i++) {
		e = &c->expects[i];
		diff_sep(expected);
		if (e->match == MATCH_SET)
			buf_printf(expected, "%s: %d names", e->field,
			    diff_count_lines(e->value));
		else if (e->match == MATCH_ABSENT)
			buf_printf(expected, "%s absent", e->field);
		else if (e->match == MATCH_REGEX || e->match == MATCH_PART_REGEX)
			buf_printf(expected, "%s ~ /%s/", e->field, e->value);
		else
			buf_printf(expected, "%s %s %s", e->field,
			    diff_operator(e->match), e->value);
		diff_sep(observed);
		if (e->match == MATCH_SET) {
			buf_printf(observed, "%s: %d names", e->field,
			    diff_count_lines(observation_get(&c->observation,
			    e->field) != NULL ? observation_get(&c->observation,
			    e->field) : ""));
		} else {
			buf_printf(observed, "%s = ", e->field);
			diff_short(observed, t,
			    observation_get(&c->observation, e->field));
		}
	}
}

static const struct expect *
diff_find_exists(const struct check *c)
{
	size_t	i;

	for (i = 0; i < c->nexpects; i++) {
		if (strcmp(c->expects[i].field, "exists") == 0)
			return &c->expects[i];
	}
	return NULL;
}

static char *
diff_take(const struct topology *t, struct buf *b)
{
	char	*s = buf_steal(b), *r;

	if (t == NULL)
		return s;
	r = topology_redact(t, s);
	free(s);
	return r;
}

static char *
diff_copy(const struct topology *t, const char *s)
{
	if (s == NULL)
		return NULL;
	return t == NULL ? xstrdup(s) : topology_redact(t, s);
}

void
diff_check(const struct topology *t, struct check *c)
{
	const struct observation	*o = &c->observation;
	struct result			*r = &c->result;
	const struct expect		*exists;
	struct mismatch			 m;
	const char			*got;
	size_t				 i;

	result_clear(r);
	memset(&m, 0, sizeof m);
	buf_init(&m.expected, 8192);
	buf_init(&m.observed, 8192);
	buf_init(&m.message, 8192);
	buf_init(&m.undecided, 1024);
	r->duration_ms = o->duration_ms;
	r->evidence = diff_copy(t, o->evidence);

	if (c->skipped) {
		r->status = STATUS_SKIPPED;
		buf_puts(&m.message, "filtered out");
		goto out;
	}
	if (c->extra) {
		r->status = STATUS_DRIFT;
		r->drift = DRIFT_EXTRA;
		buf_puts(&m.expected, "not declared");
		diff_short(&m.observed, t, observation_get(o, "found"));
		buf_puts(&m.message, "found, but the topology does not declare it");
		goto out;
	}
	switch (o->state) {
	case OBSERVATION_NONE:
		r->status = o->started_ms > 0 ? STATUS_RUNNING : STATUS_PENDING;
		goto out;
	case OBSERVATION_ERROR:
	case OBSERVATION_UNKNOWN:
		r->status = o->state == OBSERVATION_ERROR ? STATUS_ERROR :
		    STATUS_UNKNOWN;
		diff_describe(t, c, &m.expected, &m.observed);
		buf_reset(&m.observed);
		buf_puts(&m.message, o->reason != NULL ? o->reason : "no reason");
		goto out;
	case OBSERVATION_SEEN:
		break;
	}

	/* Something that is not there has no other fields to compare. */
	exists = diff_find_exists(c);
	got = observation_get(o, "exists");
	/* A key declared optional ("exists" one of yes|no) that is absent:
	 * nothing else of it can be wrong. */
	if (exists != NULL && got != NULL && exists->match == MATCH_ONE_OF &&
	    strcmp(got, "no") == 0 && diff_one_of(exists->value, got)) {
		r->status = STATUS_OK;
		diff_describe(t, c, &m.expected, &m.observed);
		buf_puts(&m.message, "absent, which it may be (optional)");
		goto out;
	}
	if (exists != NULL && got != NULL && exists->match == MATCH_EQUALS &&
	    strcmp(exists->value, got) != 0) {
		r->status = STATUS_DRIFT;
		if (strcmp(exists->value, "yes") == 0) {
			r->drift = DRIFT_MISSING;
			buf_puts(&m.expected, "present");
			buf_puts(&m.observed, "absent");
			buf_puts(&m.message, "declared, but not found");
		} else {
			r->drift = DRIFT_EXTRA;
			buf_puts(&m.expected, "absent");
			buf_puts(&m.observed, "present");
			buf_puts(&m.message, "found, but declared absent");
		}
		goto out;
	}

	for (i = 0; i < c->nexpects; i++) {
		if (&c->expects[i] == exists)
			continue;
		diff_expect(&m, t, &c->expects[i],
		    observation_get(o, c->expects[i].field), o->partial != NULL);
	}
	if (m.failed) {
		r->status = STATUS_ERROR;
		buf_reset(&m.expected);
		buf_reset(&m.observed);
	} else if (m.count > 0) {
		r->status = STATUS_DRIFT;
		r->drift = m.drift;
		if (o->partial != NULL)
			buf_printf(&m.message, " (and %s)", o->partial);
	} else if (m.unknown > 0) {
		/* Nothing contradicts the topology, nothing confirms it. */
		r->status = STATUS_UNKNOWN;
		diff_describe(t, c, &m.expected, &m.observed);
		buf_printf(&m.message, "cannot tell statically: %s; %s",
		    buf_str(&m.undecided), o->partial);
	} else {
		r->status = STATUS_OK;
		diff_describe(t, c, &m.expected, &m.observed);
		buf_puts(&m.message, c->summary != NULL ? c->summary : "as declared");
	}
out:
	buf_free(&m.undecided);
	r->expected = diff_take(t, &m.expected);
	r->observed = diff_take(t, &m.observed);
	r->message = diff_take(t, &m.message);
}
