/*
 * check.c: the shared model's small helpers: observations probes fill,
 * names of statuses, freeing checks.
 */
#include "check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../probes/probe.h"
#include "../util/regex.h"
#include "../util/util.h"

void
observation_fact(struct observation *o, const char *field, const char *value)
{
	size_t	i;

	for (i = 0; i < o->nfacts; i++) {
		if (strcmp(o->facts[i].field, field) == 0) {
			free(o->facts[i].value);
			o->facts[i].value = value == NULL ? NULL : xstrdup(value);
			return;
		}
	}
	o->facts = xreallocarray(o->facts, o->nfacts + 1, sizeof *o->facts);
	o->facts[o->nfacts].field = xstrdup(field);
	o->facts[o->nfacts].value = value == NULL ? NULL : xstrdup(value);
	o->nfacts++;
	if (o->state == OBSERVATION_NONE)
		o->state = OBSERVATION_SEEN;
}

void
observation_factf(struct observation *o, const char *field, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	observation_fact(o, field, s);
	free(s);
}

const char *
observation_get(const struct observation *o, const char *field)
{
	size_t	i;

	for (i = 0; i < o->nfacts; i++) {
		if (strcmp(o->facts[i].field, field) == 0)
			return o->facts[i].value;
	}
	return NULL;
}

static void
observation_set_reason(struct observation *o, enum observation_state state,
    const char *fmt, va_list ap)
{
	free(o->reason);
	o->reason = xvasprintf(fmt, ap);
	o->state = state;
}

void
observation_error(struct observation *o, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	observation_set_reason(o, OBSERVATION_ERROR, fmt, ap);
	va_end(ap);
}

void
observation_unknown(struct observation *o, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	observation_set_reason(o, OBSERVATION_UNKNOWN, fmt, ap);
	va_end(ap);
}

void
observation_evidence(struct observation *o, const char *fmt, ...)
{
	va_list	ap;

	free(o->evidence);
	va_start(ap, fmt);
	o->evidence = xvasprintf(fmt, ap);
	va_end(ap);
}

void
observation_partial(struct observation *o, const char *fmt, ...)
{
	va_list	ap;

	free(o->partial);
	va_start(ap, fmt);
	o->partial = xvasprintf(fmt, ap);
	va_end(ap);
}

void
observation_clear(struct observation *o)
{
	size_t	i;

	for (i = 0; i < o->nfacts; i++) {
		free(o->facts[i].field);
		free(o->facts[i].value);
	}
	free(o->facts);
	free(o->reason);
	free(o->evidence);
	free(o->partial);
	memset(o, 0, sizeof *o);
}

void
result_clear(struct result *r)
{
	free(r->expected);
	free(r->observed);
	free(r->message);
	free(r->evidence);
	memset(r, 0, sizeof *r);
}

void
check_free(struct check *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nexpects; i++) {
		free(c->expects[i].field);
		free(c->expects[i].value);
		regex_free(c->expects[i].regex);
	}
	free(c->expects);
	for (i = 0; i < c->nprovides; i++)
		free(c->provides[i]);
	free(c->provides);
	for (i = 0; i < c->nneeds; i++)
		free(c->needs[i]);
	free(c->needs);
	if (c->config != NULL && c->probe != NULL && c->probe->free_config != NULL)
		c->probe->free_config(c->config);
	observation_clear(&c->observation);
	result_clear(&c->result);
	free(c->id);
	free(c->file);
	free(c->summary);
	free(c);
}

const char *
status_name(enum status s)
{
	static const char *const names[STATUS_COUNT] = {
		"ok", "drift", "error", "unknown", "skipped", "pending", "running",
		"not_run"
	};

	return (unsigned)s < STATUS_COUNT ? names[s] : "?";
}

const char *
drift_name(enum drift d)
{
	switch (d) {
	case DRIFT_MISSING:
		return "missing";
	case DRIFT_CHANGED:
		return "changed";
	case DRIFT_EXTRA:
		return "extra";
	case DRIFT_NONE:
		break;
	}
	return "";
}

const char *
layer_name(enum layer l)
{
	return l == LAYER_STATIC ? "static" : "live";
}

int
status_is_problem(enum status s, int strict)
{
	if (s == STATUS_DRIFT || s == STATUS_ERROR)
		return 1;
	return strict && s == STATUS_UNKNOWN;
}
