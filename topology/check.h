/*
 * check.h: the types everyone shares. A check is one thing the topology
 * declares (planned from the file); a probe fills its observation; the diff
 * (topology/diff.c, pure) turns expectations + observation into a result that
 * reports and the dashboard only read.
 */
#ifndef TOPO_CHECK_H
#define TOPO_CHECK_H

#include <stddef.h>

struct probe_ops;
struct regex;

enum layer {
	LAYER_STATIC = 1,	/* the repository */
	LAYER_LIVE = 2,		/* the running system */
};

enum status {
	STATUS_OK,
	STATUS_DRIFT,
	STATUS_ERROR,
	STATUS_UNKNOWN,
	STATUS_SKIPPED,
	STATUS_PENDING,		/* planned, not yet run */
	STATUS_RUNNING,		/* in flight */
	STATUS_NOT_RUN,		/* the run was interrupted before it finished */
};
#define STATUS_COUNT 8

enum drift {
	DRIFT_NONE,
	DRIFT_MISSING,		/* declared, not found */
	DRIFT_CHANGED,		/* found, different */
	DRIFT_EXTRA,		/* found, not declared */
};

enum match {
	MATCH_EQUALS,		/* observed text == value */
	MATCH_REGEX,		/* value is a PCRE2 pattern found in observed */
	MATCH_SET,		/* value and observed: '\n'-separated names, order ignored */
	MATCH_MIN,		/* observed number >= value */
	MATCH_MAX,		/* observed number <= value */
	MATCH_ONE_OF,		/* observed equals one of value's '|'-separated words */
	MATCH_ABSENT,		/* the field must not be observed (value unused) */
	/* MATCH_REGEX for a part that may be missing (a response header):
	 * not observed at all is drift missing, where MATCH_REGEX says changed. */
	MATCH_PART_REGEX,
};

/* One expected fact. "exists" is special: see diff.c. */
struct expect {
	char		*field;
	enum match	 match;
	char		*value;
	struct regex	*regex;		/* MATCH_*REGEX, compiled by the planner */
};

/* One observed fact; value NULL means "not there". */
struct fact {
	char	*field;
	char	*value;
};

enum observation_state {
	OBSERVATION_NONE,	/* not observed yet */
	OBSERVATION_SEEN,	/* facts are valid */
	OBSERVATION_ERROR,	/* the probe could not complete: reason says why */
	OBSERVATION_UNKNOWN,	/* cannot be observed here: reason says why */
};

struct observation {
	enum observation_state	 state;
	char			*reason;
	struct fact		*facts;
	size_t			 nfacts;
	/* What the verdict rests on: argv, URL and status, file:line, an
	 * excerpt. Probes never copy secrets here; the diff redacts again. */
	char			*evidence;
	/* Set when the facts are only what could be read statically (a list
	 * with a spread `...more`): what they leave out. Counts are then lower
	 * bounds and a name not found may be in the part not read, so the diff
	 * says drift only where the facts alone contradict the topology. */
	char			*partial;
	double			 started_ms;	/* util_now_ms() */
	double			 duration_ms;
};

struct result {
	enum status	 status;
	enum drift	 drift;
	char		*expected;	/* one line, secrets redacted */
	char		*observed;
	char		*message;
	char		*evidence;
	double		 duration_ms;
	long		 finished_at;	/* epoch seconds */
	/* The failing check this one fails because of, NULL for a root cause
	 * or a pass (topology/causes.c; follow it for the chain). */
	const struct check *cause;
};

struct check {
	char			*id;		/* stable: "http/talon-health" */
	const struct probe_ops	*probe;		/* its kind is probe->name */
	enum layer		 layer;
	char			*file;		/* where it was declared */
	int			 line;
	int			 column;
	char			*summary;	/* what it checks, one line */
	int			 timeout_ms;
	int			 extra;		/* made by a probe: found, not declared */
	int			 skipped;	/* filtered out (--only, --layer) */

	struct expect		*expects;
	size_t			 nexpects;
	void			*config;	/* the probe's own, freed by probe->free_config */

	/* Edges for root causes (topology/causes.c): what this check stands
	 * for ("tcp:local:3111", "launchd:LABEL") and what it needs to pass
	 * (the same tokens, or "id:CHECK" from depends_on). */
	char			**provides;
	size_t			  nprovides;
	char			**needs;
	size_t			  nneeds;

	struct observation	 observation;	/* written by the probe */
	struct result		 result;	/* written by the diff */
};

/* Observation helpers for probes (not thread-shared: each check has one writer). */
void	observation_fact(struct observation *, const char *field, const char *value);
void	observation_factf(struct observation *, const char *field, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
const char *observation_get(const struct observation *, const char *field);
void	observation_error(struct observation *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	observation_unknown(struct observation *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	observation_evidence(struct observation *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	observation_partial(struct observation *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	observation_clear(struct observation *);

void	result_clear(struct result *);
void	check_free(struct check *);

const char	*status_name(enum status);	/* "ok", "drift", ... */
const char	*drift_name(enum drift);	/* "", "missing", "changed", "extra" */
const char	*layer_name(enum layer);	/* "static", "live" */
int		 status_is_problem(enum status, int strict);

#endif
