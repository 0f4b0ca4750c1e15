/*
 * section.c: helpers of the two-layer probes (see section.h).
 */
#include "section.h"

#include <stdlib.h>

#include "../util/util.h"

void
section_inherit_timeout(struct check *c, const struct node *where, int timeout_ms)
{
	if (timeout_ms > 0 && node_get(where, "timeout_ms") == NULL)
		c->timeout_ms = timeout_ms;
}

void
section_run_layers(struct batch *b,
    void (*run_static)(struct batch *, struct check **, size_t),
    void (*run_live)(struct batch *, struct check **, size_t))
{
	struct check	**live, **stat;
	size_t		  nlive = 0, nstat = 0, i;

	live = xcalloc(b->count + 1, sizeof *live);
	stat = xcalloc(b->count + 1, sizeof *stat);
	for (i = 0; i < b->count; i++) {
		if (b->checks[i]->config == NULL) {
			observation_error(&b->checks[i]->observation, "not planned");
			batch_done(b, b->checks[i]);
		} else if (b->checks[i]->layer == LAYER_LIVE)
			live[nlive++] = b->checks[i];
		else
			stat[nstat++] = b->checks[i];
	}
	run_static(b, stat, nstat);
	if (!batch_cancelled(b))
		run_live(b, live, nlive);
	free(live);
	free(stat);
}
