/*
 * diff.h: expected x observed -> result. Pure: no I/O, no clock, no globals;
 * the same check and observation always give the same result.
 */
#ifndef TOPO_DIFF_H
#define TOPO_DIFF_H

#include "check.h"

struct topology;

/*
 * Fills check->result from check->expects and check->observation. Secrets
 * of the topology are redacted from every string of the result.
 */
void	diff_check(const struct topology *, struct check *);

#endif
