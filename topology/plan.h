/*
 * plan.h: the planner turns a validated topology into checks with stable ids.
 * Each probe's plan operation calls plan_add for every check its section
 * declares and plan_expect for every fact the check expects.
 */
#ifndef TOPO_PLAN_H
#define TOPO_PLAN_H

#include "check.h"
#include "node.h"
#include "strmap.h"
#include "topology.h"

struct plan_kept;
struct plan_dependency;

/* The one built-in timeout of a check: below its own timeout_ms, --timeout
 * and the topology's defaults: timeout_ms (topo.1, OPTIONS). */
#define PLAN_DEFAULT_TIMEOUT_MS	5000

struct plan {
	struct topology	 *topology;
	struct check	**checks;
	size_t		  count;
	int		  default_timeout_ms;
	struct problems	 *problems;	/* where planning faults go */
	struct plan_kept *kept;		/* see plan_keep */
	size_t		  nkept;
	struct strmap	  regexes;	/* pattern -> compiled, while planning */
	struct plan_dependency *dependencies;	/* depends_on entries, checked at the end */
	size_t		  ndependencies;
};

/*
 * Builds the plan: every probe in the registry plans its section. Problems
 * (duplicate id, bad combination of keys, invalid regex) go to problems.
 */
struct plan	*plan_build(struct topology *, int default_timeout_ms, struct problems *);
void		 plan_free(struct plan *);
/* Adds a problem for each check whose id an earlier one has (plan_build
 * does; for a plan built while the schema's problems are reported). */
void		 plan_duplicates(struct plan *, struct problems *);

/* For probes' plan operations. where gives the check its file:line:column;
 * timeout_ms and depends_on are taken from where's keys when present (an id
 * depends_on names that no check has is a problem once all are planned). */
struct check	*plan_add(struct plan *, const struct probe_ops *, enum layer,
		    const struct node *where, const char *idfmt, ...)
		    __attribute__((format(printf, 5, 6)));
/* Adds an expected fact; for MATCH_*REGEX compiles it (a problem at where if invalid). */
void		 plan_expect(struct plan *, struct check *, const struct node *where,
		    const char *field, enum match, const char *value);
void		 plan_summary(struct check *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * State that several checks share (a section's: its folder, its declared
 * names): free_state(state) is called when the plan is freed, after every
 * check, so the checks' configs may point to it without counting references.
 */
void		 plan_keep(struct plan *, void *state, void (*free_state)(void *));

/*
 * Whether glob selects c: its id ("port/3111"), or the id spelt with its
 * kind, the section's name ("ports/3111", "kubernetes/joelclaw/..."), so
 * that either vocabulary a user writes selects the same checks.
 */
int		 plan_matches(const struct check *, const char *glob);
/*
 * Filters: marks as skipped every check whose id does not match one of the
 * globs (none = all) or whose layer is not in layers (0 = all).
 */
void		 plan_filter(struct plan *, char *const *globs, size_t nglobs, int layers);

#endif
