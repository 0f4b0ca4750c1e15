/*
 * test_listeners.c: util/listeners.c on recorded /proc/net/tcp{,6} and lsof
 * output, and on this machine's own /proc with a socket the test opens.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../util/listeners.h"

static const char proc_tcp[] =
"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
"   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n"
"   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 100 0 0 10 0\n"
"   2: 0100007F:C350 0100007F:18EB 01 00000000:00000000 00:00000000 00000000  1000        0 4444 1 0000000000000000 20 4 30 10 -1\n"
"garbage line\n"
"   3: 0100007F:ZZZZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4545 1\n";

static const char proc_tcp6[] =
"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
"   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   501        0 5151 1\n"
"   1: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5252 1\n";

static const char lsof_out[] =
"COMMAND     PID USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME\n"
"redis-ser   812 joel    6u  IPv4 0x1234567890abcdef      0t0  TCP 127.0.0.1:6379 (LISTEN)\n"
"caddy       901 joel    9u  IPv6 0x2234567890abcdef      0t0  TCP *:8443 (LISTEN)\n"
"bun        1200 joel   20u  IPv6 0x3234567890abcdef      0t0  TCP [::1]:3111 (LISTEN)\n"
"bun        1200 joel   21u  IPv4 0x4234567890abcdef      0t0  TCP 0.0.0.0:3111 (LISTEN)\n"
"weird      1300 joel   21u  IPv4 0x4234567890abcdef      0t0  TCP nonsense (LISTEN)\n";

static void
test_proc(void **state)
{
	struct listeners	 l = { 0 };
	const struct listener	*x;

	(void)state;
	assert_int_equal(listeners_parse_proc(&l, proc_tcp, strlen(proc_tcp), 0), 2);
	assert_int_equal(listeners_parse_proc(&l, proc_tcp6, strlen(proc_tcp6), 1), 2);
	listeners_sort(&l);
	assert_int_equal(l.count, 3);
	x = listeners_find(&l, 6379);
	assert_non_null(x);
	assert_string_equal(x->addr, "127.0.0.1");
	assert_int_equal(x->uid, 1000);
	assert_int_equal(x->inode, 4242);
	assert_int_equal(x->pid, -1);
	x = listeners_find(&l, 3000);
	assert_non_null(x);
	assert_string_equal(x->addr, "::1");
	assert_int_equal(x->uid, 501);
	x = listeners_find(&l, 8080);
	assert_non_null(x);
	assert_string_equal(x->addr, "*");
	assert_null(listeners_find(&l, 50000));	/* ESTABLISHED, not LISTEN */
	listeners_free(&l);
}

static void
test_lsof(void **state)
{
	struct listeners	 l = { 0 };
	const struct listener	*x;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(listeners_parse_lsof(&l, lsof_out, strlen(lsof_out), &cause), 0);
	listeners_sort(&l);
	assert_int_equal(l.count, 4);
	x = listeners_find(&l, 6379);
	assert_non_null(x);
	assert_int_equal(x->pid, 812);
	assert_string_equal(x->comm, "redis-ser");
	assert_string_equal(x->user, "joel");
	x = listeners_find(&l, 3111);
	assert_non_null(x);
	assert_string_equal(x->addr, "*");	/* sorted: "*" before "::1" */
	assert_string_equal(l.items[3].addr, "*");
	assert_int_equal(l.items[3].port, 8443);
	listeners_free(&l);
	assert_int_equal(listeners_parse_lsof(&l, "hello\n", 6, &cause), -1);
	assert_non_null(strstr(cause, "header"));
	free(cause);
	listeners_free(&l);
}

/* A socket this test listens on is found, owned by this very process. */
static void
test_live_self(void **state)
{
	struct listeners	 l = { 0 };
	const struct listener	*x;
	struct sockaddr_in	 sin = { 0 };
	socklen_t		 slen = sizeof sin;
	char			*cause = NULL;
	int			 s;

	(void)state;
	if (access("/proc/net/tcp", R_OK) != 0)
		skip();
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &slen), 0);
	assert_int_equal(listeners_read(&l, NULL, 2000, &cause), 0);
	x = listeners_find(&l, ntohs(sin.sin_port));
	assert_non_null(x);
	assert_int_equal(x->pid, (long)getpid());
	assert_int_equal(x->uid, (long)getuid());
	assert_string_equal(x->addr, "127.0.0.1");
	close(s);
	listeners_free(&l);
}

/* /proc/PID/cgroup: v2, v1 with a named systemd hierarchy, user scopes, none. */
static void
test_cgroup_unit(void **state)
{
	char	unit[64], tiny[4];

	(void)state;
	assert_int_equal(listeners_cgroup_unit("0::/system.slice/redis-server.service\n",
	    unit, sizeof unit), 0);
	assert_string_equal(unit, "redis-server.service");
	assert_int_equal(listeners_cgroup_unit("12:pids:/\n1:name=systemd:/system.slice/"
	    "caddy.service\n0::/\n", unit, sizeof unit), 0);
	assert_string_equal(unit, "caddy.service");
	assert_int_equal(listeners_cgroup_unit("0::/user.slice/user-1000.slice/"
	    "user@1000.service/app.slice/app-tmux.scope\n", unit, sizeof unit), 0);
	assert_string_equal(unit, "app-tmux.scope");	/* the deepest */
	assert_int_equal(listeners_cgroup_unit("0::/\n", unit, sizeof unit), -1);
	assert_int_equal(listeners_cgroup_unit("garbage without colons\n", unit, sizeof unit), -1);
	assert_int_equal(listeners_cgroup_unit("", unit, sizeof unit), -1);
	assert_int_equal(listeners_cgroup_unit("0::/x.service", tiny, sizeof tiny), -1);
	assert_int_equal(listeners_cgroup_unit("0::/.service/a\n", unit, sizeof unit), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_lsof),
		cmocka_unit_test(test_live_self),
		cmocka_unit_test(test_cgroup_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
