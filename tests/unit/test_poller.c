/*
 * test_poller.c: util/poller.c against real descriptors (pipes and a
 * loopback socket pair): nothing ready waits out its timeout, readable and
 * writable are told apart, a hang-up is reported, a descriptor no longer
 * watched (or closed) is never reported, and a wait costs the ready ones
 * (400 watched, one ready: exactly one reported).
 */
#include <sys/socket.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../util/poller.h"
#include "../../util/util.h"

static void
make_pipe(int fds[2])
{
	assert_int_equal(pipe(fds), 0);
}

static void
test_timeout_when_nothing_ready(void **state)
{
	struct poller		*p = poller_create();
	struct poller_event	 ev[4];
	int			 fds[2];
	double			 start;

	(void)state;
	assert_non_null(p);
	make_pipe(fds);
	assert_int_equal(poller_set(p, fds[0], POLLER_IN), 0);
	assert_int_equal(poller_count(p), 1);
	start = util_now_ms();
	assert_int_equal(poller_wait(p, ev, 4, 50), 0);
	assert_true(util_now_ms() - start >= 45);
	poller_free(p);
	close(fds[0]);
	close(fds[1]);
}

static void
test_readable_and_writable(void **state)
{
	struct poller		*p = poller_create();
	struct poller_event	 ev[4];
	int			 fds[2];

	(void)state;
	make_pipe(fds);
	assert_int_equal(poller_add(p, fds[0], POLLER_IN), 0);
	assert_int_equal(poller_set(p, fds[1], POLLER_OUT), 0);
	/* Only the write end is ready: the pipe is empty. */
	assert_int_equal(poller_wait(p, ev, 4, 1000), 1);
	assert_int_equal(ev[0].fd, fds[1]);
	assert_int_equal(ev[0].events, POLLER_OUT);

	/* poller_add of a descriptor already watched changes what for. */
	assert_int_equal(poller_add(p, fds[1], POLLER_OUT), 0);
	assert_int_equal(poller_count(p), 2);

	/* Watching the write end for input only: no longer reported. */
	assert_int_equal(poller_set(p, fds[1], POLLER_IN), 0);
	assert_int_equal(poller_count(p), 2);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(poller_wait(p, ev, 4, 1000), 1);
	assert_int_equal(ev[0].fd, fds[0]);
	assert_int_equal(ev[0].events, POLLER_IN);
	poller_free(p);
	close(fds[0]);
	close(fds[1]);
}

static void
test_hangup(void **state)
{
	struct poller		*p = poller_create();
	struct poller_event	 ev[4];
	int			 sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(poller_set(p, sv[0], POLLER_IN), 0);
	close(sv[1]);
	assert_int_equal(poller_wait(p, ev, 4, 1000), 1);
	assert_int_equal(ev[0].fd, sv[0]);
	assert_true(ev[0].events & POLLER_HUP);
	poller_free(p);
	close(sv[0]);
}

static void
test_del_and_closed(void **state)
{
	struct poller		*p = poller_create();
	struct poller_event	 ev[4];
	int			 a[2], b[2];

	(void)state;
	make_pipe(a);
	make_pipe(b);
	assert_int_equal(poller_set(p, a[0], POLLER_IN), 0);
	assert_int_equal(poller_set(p, b[0], POLLER_IN), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	poller_del(p, a[0]);
	poller_del(p, a[0]);		/* twice: fine */
	poller_del(p, 12345);		/* never watched: fine */
	assert_int_equal(poller_count(p), 1);
	assert_int_equal(poller_wait(p, ev, 4, 1000), 1);
	assert_int_equal(ev[0].fd, b[0]);
	/* events 0 is poller_del. */
	assert_int_equal(poller_set(p, b[0], 0), 0);
	assert_int_equal(poller_count(p), 0);
	assert_int_equal(poller_wait(p, ev, 4, 10), 0);
	close(a[0]);
#ifdef __linux__
	/* Watching a closed descriptor fails with errno, never crashes. */
	assert_int_equal(poller_set(p, a[0], POLLER_IN), -1);
	assert_int_equal(errno, EBADF);
#endif
	poller_free(p);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

#define MANY 400		/* pipes: 800 descriptors, under any usual limit */

static void
test_many_watched_one_ready(void **state)
{
	struct poller		*p = poller_create();
	struct poller_event	 ev[8];
	int			(*fds)[2] = calloc(MANY, sizeof *fds);
	int			 i, n;

	(void)state;
	assert_non_null(fds);
	for (i = 0; i < MANY; i++) {
		make_pipe(fds[i]);
		assert_int_equal(poller_set(p, fds[i][0], POLLER_IN), 0);
	}
	assert_int_equal(poller_count(p), MANY);
	assert_int_equal(write(fds[MANY / 2][1], "x", 1), 1);
	n = poller_wait(p, ev, 8, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].fd, fds[MANY / 2][0]);
	/* max bounds what one wait returns; the rest come next time. */
	for (i = 0; i < 20; i++)
		assert_int_equal(write(fds[i][1], "x", 1), 1);
	assert_int_equal(poller_wait(p, ev, 8, 1000), 8);
	for (i = 0; i < MANY; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	free(fds);
	poller_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_when_nothing_ready),
		cmocka_unit_test(test_readable_and_writable),
		cmocka_unit_test(test_hangup),
		cmocka_unit_test(test_del_and_closed),
		cmocka_unit_test(test_many_watched_one_ready),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
