/*
 * sched.h: runs a plan. Every probe gets its batch in its own thread; all
 * checks are in flight at once, bounded by jobs. A run costs about its
 * slowest check. Results arrive through the notify callback as they finish;
 * the dashboard runs the scheduler in the background and reads under lock.
 */
#ifndef TOPO_SCHED_H
#define TOPO_SCHED_H

#include "probe.h"

struct sched;

/* Checks of one probe in flight at once unless --jobs says otherwise. */
#define SCHED_JOBS_DEFAULT	512

struct sched_options {
	int	 jobs;				/* >= 1 */
	/* Called (from probe threads, under the scheduler lock) per result. */
	void	(*notify)(void *arg, struct check *);
	void	*arg;
};

struct sched	*sched_create(struct plan *, const struct sched_options *);
/* Runs every non-skipped check (only those matching ids, if ids != NULL). Blocks. */
void		 sched_run(struct sched *, char *const *ids, size_t nids);
/* Starts sched_run in a background thread; sched_wait joins it. */
int		 sched_start(struct sched *, char *const *ids, size_t nids);
int		 sched_busy(struct sched *);
void		 sched_wait(struct sched *);
void		 sched_cancel(struct sched *);
/* Serialises access to the plan's checks and results. */
void		 sched_lock(struct sched *);
void		 sched_unlock(struct sched *);
/* The checks of the last run including extras. The array and the extras
 * in it are valid only while the lock is held: copy what you keep. */
struct check	**sched_checks(struct sched *, size_t *count);
double		 sched_last_duration_ms(struct sched *);
long		 sched_last_started(struct sched *);	/* epoch seconds */
void		 sched_free(struct sched *);

#endif
