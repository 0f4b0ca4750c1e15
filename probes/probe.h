/*
 * probe.h: what a probe is. Each kind of thing topo observes is one file
 * probes/<kind>.c exporting one const struct probe_ops, listed in the
 * registry (probes/registry.c). A probe owns its YAML section (name and
 * schema), plans its checks from it, and observes a batch of them.
 *
 * The scheduler (probes/sched.c) hands each probe, in its own thread, the
 * batch of its checks for one run. The probe observes them all concurrently
 * itself (one curl multi handle, non-blocking connects, exec_run_many), never
 * longer than each check's timeout_ms, and calls batch_done() for each check
 * as soon as its observation is final.
 */
#ifndef TOPO_PROBE_H
#define TOPO_PROBE_H

#include "../topology/causes.h"
#include "../topology/check.h"
#include "../topology/node.h"
#include "../topology/plan.h"
#include "../topology/schema.h"
#include "../topology/topology.h"
#include "../util/exec.h"

struct batch;

struct probe_ops {
	const char		*name;		/* check kind and YAML section: "http" */
	const char		*help;		/* one line, for `topo validate --help` */
	const struct schema	*schema;	/* its section's shape */
	/* Adds the section's checks to the plan (section is never NULL). */
	void	(*plan)(struct plan *, const struct node *section);
	/* Observes every check of the batch; blocking, with timeouts. */
	void	(*run)(struct batch *);
	void	(*free_config)(void *);
	/*
	 * 1 when the checks are independent of each other (no extras, nothing
	 * shared between them): a big batch may then be cut in parts, each
	 * run in its own thread (see sched_parts).
	 */
	int	  split;
};

struct batch {
	struct check		**checks;
	size_t			  count;
	const struct topology	 *topology;
	struct sched		 *sched;
	int			  jobs;		/* most checks in flight at once */
};

/* Marks a check's observation final: timestamps it, runs the diff, notifies. */
void		 batch_done(struct batch *, struct check *);
/*
 * Reports something found that the topology does not declare (an undeclared
 * Service, a launchd job with the watched prefix): a result with drift extra.
 * near is the check it was found through (for kind, layer and position).
 */
void		 batch_extra(struct batch *, const struct check *near, const char *id,
		    const char *observed, const char *evidence);
/*
 * 1 when the batch holds every check planned for its probe in layer (of
 * those, every one keep accepts, when keep is not NULL): a run that --only
 * or a re-probe did not narrow, so what is found undeclared is an extra.
 */
int		 batch_whole_layer(const struct batch *, enum layer,
		    int (*keep)(const struct check *, const void *arg), const void *arg);
/* 1 when the run was cancelled (dashboard quit): stop early, leave checks undone. */
int		 batch_cancelled(const struct batch *);
/* The flag batch_cancelled reads, for exec_job.cancel: programs in flight
 * are stopped as soon as the run is cancelled, not at their timeouts. */
const _Atomic int *batch_cancel_flag(const struct batch *);
/*
 * Runs a probe's programs (exec_run_many_notify): at most the batch's jobs
 * at once, each stopped when the run is cancelled. done as there.
 */
void		 batch_run_programs(struct batch *, struct exec_job *, size_t n,
		    void (*done)(struct exec_job *, void *), void *arg);

/* The registry: every probe, NULL-terminated. */
extern const struct probe_ops *const probe_table[];
const struct probe_ops	*probe_find(const char *name);

/* The probes, each in its own file. */
extern const struct probe_ops probe_port;
extern const struct probe_ops probe_http;
extern const struct probe_ops probe_command;
extern const struct probe_ops probe_files;
extern const struct probe_ops probe_sources;
extern const struct probe_ops probe_launchd;
extern const struct probe_ops probe_systemd;
extern const struct probe_ops probe_kubernetes;
extern const struct probe_ops probe_caddy;
extern const struct probe_ops probe_redis;
extern const struct probe_ops probe_unknowns;
extern const struct probe_ops probe_events;
extern const struct probe_ops probe_dns;

#endif
