/*
 * fuzz_redis.c: the redis probe's handling of what a Redis server answers
 * (probes/redis.c: PING, INFO fields, TYPE, the size commands, XINFO GROUPS
 * entries, the SCAN cursor loop and its key set), end to end through the
 * scheduler. A server thread on 127.0.0.1 answers every connection with
 * the fuzz input as raw RESP bytes, then closes: replies of the wrong type,
 * nested arrays, cut replies, errors, cursors that never end. Each run
 * must end (the checks' timeout is 300 ms), leak nothing and keep every
 * check's result consistent (error, drift or ok, with a message).
 */
#include "fuzz.h"

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../probes/sched.h"
#include "../../topology/plan.h"
#include "../../topology/schema.h"
#include "../../topology/topology.h"

static pthread_mutex_t	 fuzz_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char	*fuzz_answer;
static size_t		 fuzz_answer_len;
static int		 fuzz_port;

/* Answers each connection with the current input, after its first read. */
static void *
fuzz_server(void *arg)
{
	int		 lfd = *(int *)arg, fd;
	unsigned char	 req[4096], *copy;
	size_t		 len, off;
	ssize_t		 n;
	struct timeval	 tv = { 0, 200000 };

	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		(void)recv(fd, req, sizeof req, 0);
		pthread_mutex_lock(&fuzz_lock);
		len = fuzz_answer_len;
		copy = malloc(len + 1);
		if (copy != NULL && len > 0)
			memcpy(copy, fuzz_answer, len);
		pthread_mutex_unlock(&fuzz_lock);
		for (off = 0; copy != NULL && off < len; off += (size_t)n) {
			n = send(fd, copy + off, len - off, MSG_NOSIGNAL);
			if (n <= 0)
				break;
		}
		free(copy);
		shutdown(fd, SHUT_WR);
		while (recv(fd, req, sizeof req, 0) > 0)
			;
		close(fd);
	}
	return NULL;
}

static void
fuzz_start(void)
{
	static int		 lfd;
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof sin;
	pthread_t		 tid;

	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd == -1 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 64) != 0 || getsockname(lfd, (struct sockaddr *)&sin, &slen) != 0)
		abort();
	fuzz_port = ntohs(sin.sin_port);
	if (pthread_create(&tid, NULL, fuzz_server, &lfd) != 0)
		abort();
	pthread_detach(tid);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 started;
	struct topology		*t;
	struct problems		 ps = {0};
	struct plan		*p;
	struct sched		*s;
	struct sched_options	 so;
	struct check		**checks;
	size_t			 n, i;
	char			 text[1024];

	if (!started) {
		fuzz_start();
		started = 1;
	}
	if (size > 65536)
		return 0;
	pthread_mutex_lock(&fuzz_lock);
	free(fuzz_answer);
	fuzz_answer = malloc(size + 1);
	if (fuzz_answer == NULL)
		abort();
	memcpy(fuzz_answer, data, size);
	fuzz_answer_len = size;
	pthread_mutex_unlock(&fuzz_lock);

	snprintf(text, sizeof text,
	    "version: 1\n"
	    "system: fuzz\n"
	    "redis:\n"
	    "  url: redis://127.0.0.1:%d/1\n"
	    "  timeout_ms: 300\n"
	    "  expect: {role: master, version: \"^7\\\\.\"}\n"
	    "  keys:\n"
	    "    - {key: s, type: string, min_length: 1}\n"
	    "    - {key: q, type: stream, min_length: 1,"
	    " groups: {g: {max_pending: 2, min_consumers: 1}}}\n"
	    "    - {key: z, type: zset, max_length: 3}\n"
	    "    - {key: gone, absent: true}\n"
	    "    - {pattern: \"p:*\", min_count: 1, max_count: 4}\n", fuzz_port);
	t = calloc(1, sizeof *t);
	if (t == NULL)
		abort();
	t->path = strdup("fuzz.yaml");
	t->root = yaml_parse(t->path, text, strlen(text), &ps);
	vars_expand(t, NULL, 0, &ps);
	schema_validate_root(t->root, &ps);
	if (ps.count != 0)
		abort();	/* the fixed topology must be valid */
	p = plan_build(t, 300, &ps);
	memset(&so, 0, sizeof so);
	so.jobs = 4;
	s = sched_create(p, &so);
	sched_run(s, NULL, 0);
	checks = sched_checks(s, &n);
	for (i = 0; i < n; i++) {
		if (checks[i]->result.status == STATUS_PENDING ||
		    checks[i]->result.status == STATUS_RUNNING ||
		    checks[i]->result.message == NULL)
			abort();	/* every check must end with a verdict */
		if (getenv("FUZZ_DEBUG") != NULL)
			fprintf(stderr, "%s %s: %s\n", checks[i]->id,
			    status_name(checks[i]->result.status), checks[i]->result.message);
	}
	sched_free(s);
	plan_free(p);
	problems_free(&ps);
	topology_free(t);
	return 0;
}
