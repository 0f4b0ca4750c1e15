/*
 * test_dns.c: the dns probe's lookups that outlive their timeout. This
 * program defines getaddrinfo itself (the executable's symbol wins over
 * libc's, for libtopo.a linked in): a name ending in ".slow.test" is held
 * until the test releases it, a name ending in ".fail.test" answers
 * EAI_AGAIN, anything else goes to the real one. So a lookup can be made
 * to finish after its batch, its plan and its topology are freed, which
 * under ASan is where a use-after-free would show.
 */
#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../probes/probe.h"
#include "../../probes/sched.h"
#include "../../topology/plan.h"
#include "../../topology/topology.h"
#include "../../util/util.h"
#include "testlib.h"

static pthread_mutex_t	held_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	held_cond = PTHREAD_COND_INITIALIZER;
static int		held_release;	/* let the held lookups return */
static int		held_running;	/* held lookups not returned yet */

static int
ends_with(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	static int (*real)(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **);

	if (node != NULL && ends_with(node, ".slow.test")) {
		pthread_mutex_lock(&held_lock);
		held_running++;
		while (!held_release)
			pthread_cond_wait(&held_cond, &held_lock);
		held_running--;
		pthread_cond_broadcast(&held_cond);
		pthread_mutex_unlock(&held_lock);
		return EAI_NONAME;
	}
	if (node != NULL && ends_with(node, ".fail.test"))
		return EAI_AGAIN;
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	return real(node, service, hints, res);
}

static char	*dir, *path;

static int
setup(void **state)
{
	char	template[] = "/tmp/topo-dns-XXXXXX";

	(void)state;
	if (mkdtemp(template) == NULL)
		return -1;
	dir = xstrdup(template);
	path = xasprintf("%s/t.yaml", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	return 0;
}

static struct topology *
load(const char *text, struct plan **pp)
{
	struct problems	 ps = { 0 };
	struct topology	*t;
	FILE		*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	t = topology_load(path, NULL, 0, &ps);
	assert_non_null(t);
	*pp = plan_build(t, 5000, &ps);
	if (ps.count > 0)
		fail_msg("%s:%d:%d: %s", ps.items[0].file, ps.items[0].line,
		    ps.items[0].column, ps.items[0].message);
	problems_free(&ps);
	return t;
}

static const struct check *
find(const struct plan *p, const char *id)
{
	size_t	i;

	for (i = 0; i < p->count; i++) {
		if (strcmp(p->checks[i]->id, id) == 0)
			return p->checks[i];
	}
	fail_msg("no check %s", id);
	return NULL;
}

static void
run(struct plan *p, int jobs)
{
	struct sched_options	 o = { .jobs = jobs };
	struct sched		*s = sched_create(p, &o);

	sched_run(s, NULL, 0);
	sched_free(s);
}

/* Waits until n held lookups are running (or have all returned, n == 0). */
static void
held_wait(int n)
{
	double	until = util_now_ms() + 10000;

	for (;;) {
		pthread_mutex_lock(&held_lock);
		if (held_running == n) {
			pthread_mutex_unlock(&held_lock);
			return;
		}
		pthread_mutex_unlock(&held_lock);
		if (util_now_ms() > until)
			fail_msg("held lookups: waited for %d", n);
		usleep(10000);
	}
}

static void
held_set(int release)
{
	pthread_mutex_lock(&held_lock);
	held_release = release;
	pthread_cond_broadcast(&held_cond);
	pthread_mutex_unlock(&held_lock);
}

/*
 * A lookup past its timeout is an error at once, the others are not held
 * back by it, and its thread returns after everything is freed.
 */
static void
test_timeout_then_freed(void **state)
{
	struct topology		*t;
	struct plan		*p;
	const struct check	*c;

	(void)state;
	held_set(0);
	t = load("version: 1\nsystem: dns\ndns:\n"
	    "  - {name: a.slow.test, timeout_ms: 200}\n"
	    "  - {name: b.slow.test, timeout_ms: 300}\n"
	    "  - {name: localhost}\n"
	    "  - {name: c.fail.test}\n", &p);
	run(p, 8);
	c = find(p, "dns/a.slow.test");
	assert_int_equal(c->result.status, STATUS_ERROR);
	assert_string_equal(c->result.message, "no answer within 200 ms");
	assert_non_null(strstr(c->result.evidence, "left to finish on its own"));
	c = find(p, "dns/b.slow.test");
	assert_string_equal(c->result.message, "no answer within 300 ms");
	assert_int_equal(find(p, "dns/localhost")->result.status, STATUS_OK);
	c = find(p, "dns/c.fail.test");
	assert_int_equal(c->result.status, STATUS_ERROR);
	assert_non_null(strstr(c->result.message, "cannot resolve c.fail.test"));
	held_wait(2);		/* still in getaddrinfo */
	plan_free(p);
	topology_free(t);
	held_set(1);		/* they return now, to nothing */
	held_wait(0);
	usleep(100000);		/* and free their jobs */
	held_set(0);
}

/* Abandoned lookups still running are bounded: past the bound, no new one. */
static void
test_strays_bounded(void **state)
{
	struct topology		*t;
	struct plan		*p;
	char			*text;
	size_t			 i, refused = 0, late = 0;
	const struct check	*c;

	(void)state;
	held_set(0);
	text = xstrdup("version: 1\nsystem: dns\ndns:\n");
	for (i = 0; i < 40; i++) {
		char	*more = xasprintf("%s  - {name: h%zu.slow.test, timeout_ms: 100}\n",
			    text, i);

		free(text);
		text = more;
	}
	t = load(text, &p);
	free(text);
	run(p, 4);
	for (i = 0; i < p->count; i++) {
		c = p->checks[i];
		assert_int_equal(c->result.status, STATUS_ERROR);
		if (strstr(c->result.message, "not looked up") != NULL)
			refused++;
		else if (strcmp(c->result.message, "no answer within 100 ms") == 0)
			late++;
	}
	assert_int_equal(late + refused, 40);
	assert_true(refused > 0);
	assert_true(late <= 32 + 4);
	plan_free(p);
	topology_free(t);
	held_set(1);
	held_wait(0);
	usleep(100000);
	held_set(0);
}

/* A cancelled run leaves its lookups to their threads, safely. */
static void
test_cancelled(void **state)
{
	struct sched_options	 o = { .jobs = 8 };
	struct topology		*t;
	struct plan		*p;
	struct sched		*s;

	(void)state;
	held_set(0);
	t = load("version: 1\nsystem: dns\ndns:\n"
	    "  - {name: x.slow.test, timeout_ms: 60000}\n"
	    "  - {name: y.slow.test, timeout_ms: 60000}\n", &p);
	s = sched_create(p, &o);
	assert_int_equal(sched_start(s, NULL, 0), 0);
	held_wait(2);
	sched_cancel(s);
	sched_wait(s);
	sched_free(s);
	plan_free(p);
	topology_free(t);
	held_set(1);
	held_wait(0);
	usleep(100000);
	held_set(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_then_freed),
		cmocka_unit_test(test_strays_bounded),
		cmocka_unit_test(test_cancelled),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
