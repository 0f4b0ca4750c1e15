/*
 * status.h: the renderers of `topo serve` (cmd-serve.c): the Prometheus
 * text exposition (reports/metrics.c) and the HTML status page
 * (reports/html.c). Like the report renderers they only read results,
 * under the scheduler lock, and write to a FILE (a memory stream there).
 */
#ifndef TOPO_STATUS_H
#define TOPO_STATUS_H

#include <stdio.h>

#include "report.h"

/* What a long-running server knows beyond one run's results. */
struct status_run {
	const char	*version;	/* topo_build_info */
	int		 ready;		/* a first run finished */
	unsigned long	 runs;		/* runs finished */
	/* Checks that ended in error, summed over every run, per kind;
	 * kinds[i] names errors[i] (the probe table's names: bounded). */
	const char	*const *kinds;
	const unsigned long *errors;
	size_t		 nkinds;
	int		 interval;	/* seconds, the page's refresh */
	long		 now;		/* epoch seconds the page is rendered */
};

/*
 * /metrics. checks in plan order; report->topology for redaction,
 * started_at and duration_ms of the last run. 0, or -1 on a write error.
 */
int	metrics_write(FILE *, const struct report *, const struct status_run *,
	    struct check *const *checks, size_t count);
/* The label value s escaped for the exposition format (\\, \", \n), other
 * control bytes as U+FFFD, invalid UTF-8 repaired. Caller frees. */
char	*metrics_label(const char *s);

/* /: problems first, each with expected, observed and evidence. */
int	html_write(FILE *, const struct report *, const struct status_run *,
	    struct check *const *checks, size_t count);
/* s for HTML text and attribute values (&amp; &lt; &gt; &quot; &#39;). Caller frees. */
char	*html_escape(const char *s);

#endif
