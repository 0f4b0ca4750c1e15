/*
 * sched.c: runs a plan (see sched.h). The checks of one run are grouped in
 * batches by probe (a big batch of independent checks cut in one part per
 * processor, see sched_parts); each batch runs in its own thread, and the
 * probe keeps its checks in flight at once, at most `jobs` of them (the
 * parts of one probe share that). At most `jobs` batches run together, so
 * --jobs 1 is a strictly sequential run (the baseline to compare against).
 *
 * What is in flight is also sized to the descriptor limit (sched_fit_fds):
 * under `ulimit -n 256` 1,000 healthy HTTP checks and 1,000 ports must all
 * be ok, not fail with "Too many open files". Checks wait their turn
 * instead; the limit is read at each run, as it was raised by main().
 *
 * Everything a reader sees (results, the list of checks with extras) is
 * changed only under the scheduler's lock; probes write observations of
 * their own checks without it and publish them through batch_done().
 */
#include "sched.h"

#include <sys/resource.h>

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../topology/diff.h"
#include "../util/util.h"

#define SCHED_SPLIT_MIN	256	/* fewest checks in a part of a split batch */
/* Descriptors one check in flight may hold at once: a socket (HTTP, port,
 * Redis), or two pipes while a program is spawned (four ends). */
#define SCHED_FDS_PER_CHECK	4
#define SCHED_FDS_PER_BATCH	8	/* a curl multi's wake-up pair, epoll, ... */
#define SCHED_FDS_HEADROOM	32	/* libraries, the dashboard, reports */

struct sched {
	struct plan		*plan;
	struct sched_options	 options;
	pthread_mutex_t		 lock;

	struct check		**extras;	/* found, not declared (this run) */
	size_t			  nextras;
	struct check		**view;		/* plan checks, then extras */
	size_t			  nview;

	pthread_t		  thread;	/* sched_start's */
	int			  started;	/* thread must be joined */
	int			  busy;
	_Atomic int		  cancelled;
	char			**ids;
	size_t			  nids;

	long			  last_started;
	double			  last_duration_ms;
};

struct sched_work {
	struct sched	*sched;
	struct batch	*batches;
	size_t		 nbatches;
	size_t		 next;		/* next batch to take, under lock */
};

struct sched *
sched_create(struct plan *plan, const struct sched_options *options)
{
	struct sched	*s = xcalloc(1, sizeof *s);

	s->plan = plan;
	s->options = *options;
	if (s->options.jobs < 1)
		s->options.jobs = 1;
	pthread_mutex_init(&s->lock, NULL);
	s->view = xreallocarray(NULL, plan->count + 1, sizeof *s->view);
	if (plan->count > 0)
		memcpy(s->view, plan->checks, plan->count * sizeof *s->view);
	s->nview = plan->count;
	return s;
}

void
sched_lock(struct sched *s)
{
	pthread_mutex_lock(&s->lock);
}

void
sched_unlock(struct sched *s)
{
	pthread_mutex_unlock(&s->lock);
}

/*
 * Under lock: the reader's list is the plan's checks, then the extras, kept
 * sorted by id as they are added (they arrive in whatever order probes find
 * them; reports must not).
 */
static void
sched_rebuild_view(struct sched *s)
{
	size_t	n = s->plan->count + s->nextras;

	s->view = xreallocarray(s->view, n + 1, sizeof *s->view);
	if (s->plan->count > 0)
		memcpy(s->view, s->plan->checks,
		    s->plan->count * sizeof *s->view);
	if (s->nextras > 0)
		memcpy(s->view + s->plan->count, s->extras,
		    s->nextras * sizeof *s->view);
	s->nview = n;
}

struct check **
sched_checks(struct sched *s, size_t *count)
{
	*count = s->nview;
	return s->view;
}

static void
sched_publish(struct sched *s, struct check *c)
{
	diff_check(s->plan->topology, c);
	if (c->result.status != STATUS_PENDING &&
	    c->result.status != STATUS_RUNNING)
		c->result.finished_at = (long)time(NULL);
	if (s->options.notify != NULL)
		s->options.notify(s->options.arg, c);
}

void
batch_done(struct batch *b, struct check *c)
{
	struct sched	*s = b->sched;

	if (c->observation.state == OBSERVATION_NONE)
		observation_error(&c->observation, "the probe reported nothing");
	sched_lock(s);
	c->observation.duration_ms = util_now_ms() - c->observation.started_ms;
	sched_publish(s, c);
	sched_unlock(s);
}

/* Under lock: where id is (*found) or goes among the sorted extras. */
static size_t
sched_extra_slot(const struct sched *s, const char *id, int *found)
{
	size_t	lo = 0, hi = s->nextras, mid;
	int	c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(s->extras[mid]->id, id)) == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
batch_extra(struct batch *b, const struct check *near, const char *id,
    const char *observed, const char *evidence)
{
	struct sched	*s = b->sched;
	struct check	*c = xcalloc(1, sizeof *c);
	size_t		 slot;
	int		 found;

	c->id = xstrdup(id);
	c->probe = near->probe;
	c->layer = near->layer;
	c->file = xstrdup(near->file != NULL ? near->file : "");
	c->line = near->line;
	c->column = near->column;
	c->extra = 1;
	observation_fact(&c->observation, "found", observed);
	if (evidence != NULL)
		observation_evidence(&c->observation, "%s", evidence);

	sched_lock(s);
	/* The same undeclared thing can be seen through two checks. */
	slot = sched_extra_slot(s, id, &found);
	if (found) {
		sched_unlock(s);
		check_free(c);
		return;
	}
	s->extras = xreallocarray(s->extras, s->nextras + 1,
	    sizeof *s->extras);
	memmove(s->extras + slot + 1, s->extras + slot,
	    (s->nextras - slot) * sizeof *s->extras);
	s->extras[slot] = c;
	s->nextras++;
	sched_rebuild_view(s);
	sched_publish(s, c);
	sched_unlock(s);
}

int
batch_whole_layer(const struct batch *b, enum layer layer,
    int (*keep)(const struct check *, const void *), const void *arg)
{
	const struct plan	*p = b->sched->plan;
	const struct check	*c;
	size_t			 i, j = 0;
	int			 in;

	if (b->count == 0)
		return 0;
	/* A batch holds its checks in plan order (sched_run): one walk over
	 * both, where a search per check was quadratic in the probe's checks. */
	for (i = 0; i < p->count; i++) {
		c = p->checks[i];
		in = j < b->count && b->checks[j] == c;
		if (in)
			j++;
		if (c->probe != b->checks[0]->probe || c->layer != layer ||
		    (keep != NULL && !keep(c, arg)))
			continue;
		if (!in)
			return 0;
	}
	return 1;
}

int
batch_cancelled(const struct batch *b)
{
	return b->sched->cancelled;
}

const _Atomic int *
batch_cancel_flag(const struct batch *b)
{
	return &b->sched->cancelled;
}

void
batch_run_programs(struct batch *b, struct exec_job *jobs, size_t n,
    void (*done)(struct exec_job *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < n; i++)
		jobs[i].cancel = batch_cancel_flag(b);
	exec_run_many_notify(jobs, n, b->jobs > 0 ? b->jobs : 0, done, arg);
}

static void *
sched_worker(void *arg)
{
	struct sched_work	*w = arg;
	struct sched		*s = w->sched;
	struct batch		*b;
	struct check		*c;
	size_t			 i;
	double			 now;

	for (;;) {
		sched_lock(s);
		if (w->next == w->nbatches || s->cancelled) {
			sched_unlock(s);
			return NULL;
		}
		b = &w->batches[w->next++];
		now = util_now_ms();
		for (i = 0; i < b->count; i++) {
			b->checks[i]->observation.started_ms = now;
			sched_publish(s, b->checks[i]);
		}
		sched_unlock(s);

		b->checks[0]->probe->run(b);

		/* A probe that forgot a check must not leave it running. */
		for (i = 0; i < b->count; i++) {
			c = b->checks[i];
			if (c->result.status == STATUS_RUNNING && !s->cancelled)
				batch_done(b, c);
		}
	}
}

static int
sched_wanted(struct check *c, char *const *ids, size_t nids)
{
	size_t	i;

	if (ids == NULL)
		return 1;
	for (i = 0; i < nids; i++) {
		if (strcmp(ids[i], c->id) == 0)
			return 1;
	}
	return 0;
}

static void
sched_free_extras(struct sched *s)
{
	size_t	i;

	for (i = 0; i < s->nextras; i++)
		check_free(s->extras[i]);
	free(s->extras);
	s->extras = NULL;
	s->nextras = 0;
}

/*
 * How many parts a probe's batch of count checks is cut into, each run by
 * its own thread with its share of --jobs: one per processor for a probe
 * whose checks are independent of each other (probe_ops.split), parts of
 * at least SCHED_SPLIT_MIN checks. One thread kept one core busy with
 * 10,000 HTTP checks while the other idled (bench/RESULTS.md).
 */
static size_t
sched_parts(const struct sched *s, const struct probe_ops *ops, size_t count)
{
	long	cpus;
	size_t	parts;

	if (!ops->split || s->options.jobs < 2)
		return 1;
	if ((cpus = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		cpus = 1;
	parts = count / SCHED_SPLIT_MIN;
	if (parts > (size_t)cpus)
		parts = (size_t)cpus;
	if (parts > (size_t)s->options.jobs)
		parts = (size_t)s->options.jobs;
	return parts > 0 ? parts : 1;
}

/* Descriptors open now (counted only under a small limit: cheap there). */
static long
sched_open_fds(long limit)
{
	long	fd, n = 0;

	for (fd = 0; fd < limit; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			n++;
	return n;
}

/*
 * Cuts each batch's share of --jobs so that every check in flight at once,
 * in all batches together, has its descriptors under RLIMIT_NOFILE with
 * headroom (an eighth of the limit and SCHED_FDS_HEADROOM). At least one
 * check per batch always runs: below that, the limit is the system's.
 */
static void
sched_fit_fds(struct batch *batches, size_t n)
{
	struct rlimit	 rl;
	long		 limit, budget, want = 0, allowed, share;
	size_t		 i;

	if (n == 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	limit = rl.rlim_cur > (rlim_t)LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
	for (i = 0; i < n; i++)
		want += batches[i].jobs > 0 ? batches[i].jobs : (long)batches[i].count;
	if (want * SCHED_FDS_PER_CHECK + (long)n * SCHED_FDS_PER_BATCH +
	    SCHED_FDS_HEADROOM + limit / 8 + 64 < limit)
		return;		/* room for everything: no need to count */
	budget = limit - sched_open_fds(limit) - SCHED_FDS_HEADROOM - limit / 8 -
	    (long)n * SCHED_FDS_PER_BATCH;
	allowed = budget / SCHED_FDS_PER_CHECK;
	if (allowed >= want)
		return;
	for (i = 0; i < n; i++) {
		share = batches[i].jobs > 0 ? batches[i].jobs : (long)batches[i].count;
		share = allowed > 0 ? share * allowed / want : 0;
		batches[i].jobs = share > 0 ? (int)share : 1;
	}
}

void
sched_run(struct sched *s, char *const *ids, size_t nids)
{
	struct plan		*p = s->plan;
	struct sched_work	 w;
	struct check		**todo, **mine;
	pthread_t		*threads;
	size_t			 i, j, k, ntodo = 0, nthreads, nmine, parts;
	double			 start = util_now_ms();

	memset(&w, 0, sizeof w);
	w.sched = s;
	todo = xreallocarray(NULL, p->count + 1, sizeof *todo);

	sched_lock(s);
	s->last_started = (long)time(NULL);
	if (ids == NULL) {
		sched_free_extras(s);
		sched_rebuild_view(s);
	}
	for (i = 0; i < p->count; i++) {
		struct check	*c = p->checks[i];

		if (c->skipped) {
			observation_clear(&c->observation);
			sched_publish(s, c);
			continue;
		}
		if (!sched_wanted(c, ids, nids))
			continue;
		observation_clear(&c->observation);
		sched_publish(s, c);
		todo[ntodo++] = c;
	}
	sched_unlock(s);

	/* One batch per probe (or per part of one, see sched_parts), in
	 * registry order (so runs are reproducible). */
	w.batches = xcalloc(ntodo + 1, sizeof *w.batches);
	mine = xreallocarray(NULL, ntodo + 1, sizeof *mine);
	for (i = 0; probe_table[i] != NULL; i++) {
		for (j = 0, nmine = 0; j < ntodo; j++) {
			if (todo[j]->probe == probe_table[i])
				mine[nmine++] = todo[j];
		}
		if (nmine == 0)
			continue;
		parts = sched_parts(s, probe_table[i], nmine);
		for (k = 0; k < parts; k++) {
			struct batch	*b = &w.batches[w.nbatches++];
			size_t		 from = nmine * k / parts;
			size_t		 to = nmine * (k + 1) / parts;

			b->checks = xreallocarray(NULL, to - from,
			    sizeof *b->checks);
			memcpy(b->checks, mine + from,
			    (to - from) * sizeof *b->checks);
			b->count = to - from;
			b->topology = p->topology;
			b->sched = s;
			/* The parts share --jobs: still at most that in flight. */
			b->jobs = s->options.jobs / (int)parts +
			    ((size_t)s->options.jobs % parts > k ? 1 : 0);
		}
	}
	free(mine);
	sched_fit_fds(w.batches, w.nbatches);

	nthreads = w.nbatches < (size_t)s->options.jobs ? w.nbatches :
	    (size_t)s->options.jobs;
	threads = xcalloc(nthreads + 1, sizeof *threads);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&threads[i], NULL, sched_worker, &w) != 0)
			util_fatal("cannot start a probe thread");
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);

	sched_lock(s);
	s->last_duration_ms = util_now_ms() - start;
	sched_unlock(s);

	for (i = 0; i < w.nbatches; i++)
		free(w.batches[i].checks);
	free(w.batches);
	free(threads);
	free(todo);
}

static void *
sched_background(void *arg)
{
	struct sched	*s = arg;

	sched_run(s, s->ids, s->nids);
	sched_lock(s);
	s->busy = 0;
	sched_unlock(s);
	if (s->options.notify != NULL)
		s->options.notify(s->options.arg, NULL);
	return NULL;
}

static void
sched_free_ids(struct sched *s)
{
	size_t	i;

	for (i = 0; i < s->nids; i++)
		free(s->ids[i]);
	free(s->ids);
	s->ids = NULL;
	s->nids = 0;
}

int
sched_start(struct sched *s, char *const *ids, size_t nids)
{
	size_t	i;

	if (sched_busy(s))
		return -1;
	if (s->started) {
		pthread_join(s->thread, NULL);
		s->started = 0;
	}
	sched_free_ids(s);
	if (ids != NULL) {
		s->ids = xcalloc(nids + 1, sizeof *s->ids);
		for (i = 0; i < nids; i++)
			s->ids[i] = xstrdup(ids[i]);
		s->nids = nids;
	}
	s->cancelled = 0;
	s->busy = 1;
	if (pthread_create(&s->thread, NULL, sched_background, s) != 0) {
		s->busy = 0;
		return -1;
	}
	s->started = 1;
	return 0;
}

int
sched_busy(struct sched *s)
{
	int	busy;

	sched_lock(s);
	busy = s->busy;
	sched_unlock(s);
	return busy;
}

void
sched_wait(struct sched *s)
{
	if (s->started) {
		pthread_join(s->thread, NULL);
		s->started = 0;
	}
}

void
sched_cancel(struct sched *s)
{
	s->cancelled = 1;
}

double
sched_last_duration_ms(struct sched *s)
{
	return s->last_duration_ms;
}

long
sched_last_started(struct sched *s)
{
	return s->last_started;
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	sched_wait(s);
	sched_free_extras(s);
	sched_free_ids(s);
	free(s->view);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
