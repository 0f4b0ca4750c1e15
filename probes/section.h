/*
 * section.h: what the probes whose section declares items checked in both
 * layers share (launchd, systemd, kubernetes): the section's timeout_ms as
 * its items' default, and a run split into its static and live checks.
 * The section's own state is kept by the plan (plan_keep); whether a run may
 * report extras is batch_whole_layer's answer.
 */
#ifndef TOPO_SECTION_H
#define TOPO_SECTION_H

#include "probe.h"

/* A check whose where has no timeout_ms of its own takes timeout_ms (when > 0). */
void	section_inherit_timeout(struct check *, const struct node *where, int timeout_ms);
/*
 * Runs the batch's static checks, then (unless cancelled) its live ones;
 * a check without a config is an error ("not planned"). Each run gets its
 * checks in batch order, possibly none.
 */
void	section_run_layers(struct batch *,
	    void (*run_static)(struct batch *, struct check **, size_t),
	    void (*run_live)(struct batch *, struct check **, size_t));

#endif
