/*
 * report.h: renderers, like ncdu's dir_output: a table of begin / result /
 * end operations. They only read results. reports/<format>.c each export
 * one const struct report_ops listed in report_table.
 */
#ifndef TOPO_REPORT_H
#define TOPO_REPORT_H

#include <stdio.h>

#include "../topology/causes.h"
#include "../topology/check.h"
#include "../topology/topology.h"

struct buf;

struct report {
	FILE			*out;
	const struct topology	*topology;
	const char		*topology_path;
	int			 color;		/* escape codes allowed */
	int			 strict;
	long			 started_at;	/* epoch seconds */
	double			 duration_ms;
	const char		*layers;	/* "static", "live" or "all" */
	size_t			 counts[STATUS_COUNT];
	size_t			 total;
	size_t			 consequences;	/* failing because another check fails */
	int			 exit_code;	/* what topo check will exit with */
	int			 interrupted;	/* the signal that stopped the run, or 0 */
	void			*state;		/* the renderer's own */
};

struct report_ops {
	const char	*name;		/* "text", "json", "markdown", "junit" */
	void	(*begin)(struct report *);
	void	(*result)(struct report *, const struct check *);
	/* Writes what is left; 0, or -1 on a write error. */
	int	(*end)(struct report *);
};

extern const struct report_ops *const report_table[];
const struct report_ops	*report_find(const char *name);

extern const struct report_ops report_text;
extern const struct report_ops report_json;
extern const struct report_ops report_markdown;
extern const struct report_ops report_junit;

/*
 * Renders every check (in the given order) with ops into out. The caller
 * has filled exit_code; report_write fills counts and total from checks
 * itself (report_count) so that every summary matches what is listed.
 * Returns 0, or -1 on a write error.
 */
int	report_write(const struct report_ops *, struct report *,
	    struct check *const *checks, size_t count);

/* Helpers the renderers share (reports/report.c). */

/* The ids of the checks among checks whose root cause is c, comma-separated,
 * and their number in *n; NULL when none. Caller frees. */
char	*report_folded(const struct check *const *checks, size_t count,
	    const struct check *c, size_t *n);
/* Sets report->counts and report->total from checks. */
void	report_count(struct report *, struct check *const *checks, size_t count);
/* Listing order, problems first: drift, error, unknown, pending, running,
 * not run, ok, skipped. */
int	report_status_rank(enum status);
/* Sorts checks in place by report_status_rank, keeping their order within a
 * status; a consequence (result.cause, topology/causes.c) moves right after
 * its root cause. report_write has resolved the causes. */
void	report_sort(const struct check **checks, size_t count);
/*
 * A copy of s ("" when s is NULL) that is valid UTF-8: each invalid
 * sequence (stray, overlong, surrogate, truncated) becomes U+FFFD. Caller frees.
 */
char	*report_utf8(const char *s);
/*
 * s (NULL reads as "") made valid UTF-8 (report_utf8), then rewritten for
 * one output format: escape appends to b what stands for the bytes at p and
 * returns how many it took (1 or more), or 0 to stop there. Caller frees.
 */
char	*report_escape(const char *s,
	    size_t (*escape)(struct buf *b, const unsigned char *p, void *arg), void *arg);
/* The entity markup needs for c in HTML and XML text ("&amp;" "&lt;" "&gt;"), else NULL. */
const char *report_entity(unsigned char c);

/* JSON schema version of `topo check --format json`. */
#define REPORT_JSON_VERSION 1

#endif
