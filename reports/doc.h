/*
 * doc.h: the architecture document (`topo doc`). It is rendered from the
 * topology tree: tables from the structured sections (launchd, kubernetes,
 * ports, caddy, sources, files, http, command, redis, unknowns, watch) and
 * prose and prose-only tables from the `doc:` key. Each row names the checks
 * planned from its declaration and, given results (a run, or the JSON report
 * of `topo check --format json`), carries their verdict and the time of the
 * run. The bytes depend only on the topology and the results: the same input
 * gives the same document, so it can be committed and diffed.
 */
#ifndef TOPO_DOC_H
#define TOPO_DOC_H

#include <stddef.h>
#include <stdio.h>

#include "../topology/check.h"
#include "../topology/plan.h"
#include "../topology/topology.h"

/* One check's verdict, as the document shows it. */
struct doc_verdict {
	char	*id;
	char	*layer;		/* "static", "live" */
	char	*status;	/* "ok", "drift", "error", "unknown", "skipped" */
	char	*drift;		/* "missing", "changed", "extra", or NULL */
	char	*observed;	/* may be NULL */
	int	 extra;		/* found, not declared */
};

struct doc_results {
	char			*verified_at;	/* ISO 8601 UTC, when the run started */
	char			*layers;	/* "static", "live", "all" */
	struct doc_verdict	*items;
	size_t			 count;
};

/* Largest results file read (the JSON report). */
#define DOC_RESULTS_MAX_BYTES	(64 * 1024 * 1024)

/*
 * Reads the JSON report of `topo check --format json` (version 1) at path.
 * 0, or -1 with *cause (caller frees) when it cannot be read or is not one.
 */
int	doc_results_read(struct doc_results *, const char *path, char **cause);
/* Takes the verdicts of a finished run; started_at is its epoch seconds. */
void	doc_results_from_checks(struct doc_results *, struct check *const *checks,
	    size_t count, long started_at, const char *layers);
void	doc_results_free(struct doc_results *);

/*
 * Renders the document of t (planned as p) into out. topology_path is shown
 * as given; results NULL means unverified. 0, or -1 with *cause (caller
 * frees): a malformed `doc:` entry (file:line:column) or a write error.
 */
int	doc_write(FILE *out, const struct topology *t, const struct plan *p,
	    const char *topology_path, const struct doc_results *results,
	    char **cause);

#endif
