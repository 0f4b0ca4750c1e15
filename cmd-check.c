/*
 * cmd-check.c: `topo check`: load, plan, run every check concurrently,
 * render the results in the asked format; exit 0 (all ok), 1 (drift or
 * error), 2 (usage), or 128 + the signal that interrupted the run.
 *
 * The run is in the background: the main thread draws a progress line on a
 * terminal's stderr and watches for SIGINT and SIGTERM, which cancel the
 * probes; the report of what finished is still written, the rest "not run".
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "probes/sched.h"
#include "reports/report.h"
#include "util/util.h"

static int	cmd_check_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.usage = "[-f FILE] [--format text|json|markdown|junit] [--layer static|live] "
	    "[--only GLOB] [--set VAR=VALUE]... [--jobs N] [--timeout MS] [--strict] [-o OUT] "
	    "[--root DIR] [--color auto|always|never] [--quiet]",
	.help = "Check the topology against the repository and the running system.",
	.options = CMD_OPT_FILE | CMD_OPT_FORMAT | CMD_OPT_LAYER | CMD_OPT_ONLY |
	    CMD_OPT_SET | CMD_OPT_JOBS | CMD_OPT_TIMEOUT | CMD_OPT_STRICT |
	    CMD_OPT_OUTPUT | CMD_OPT_ROOT | CMD_OPT_COLOR | CMD_OPT_QUIET,
	.exec = cmd_check_exec,
};

/* How often the progress line is redrawn and a signal noticed. */
#define CHECK_TICK_MS		100
/* A run shorter than this draws nothing: no flash on quick runs. */
#define CHECK_PROGRESS_AFTER_MS	300

static volatile sig_atomic_t	check_signal;

static void
check_on_signal(int signo)
{
	check_signal = signo;
}

struct check_progress {
	int		 on;		/* stderr is a terminal, not --quiet */
	int		 csi;		/* ESC[K may erase (TERM is not dumb) */
	size_t		 drawn;		/* columns of the line on screen */
	double		*since;		/* per plan check: first seen running */
	double		 started;
};

/* Columns of stderr's terminal, 80 when it cannot say. */
static size_t
check_columns(void)
{
	struct winsize	ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void
check_progress_erase(struct check_progress *pr)
{
	if (pr->drawn == 0)
		return;
	if (pr->csi)
		fputs("\r\033[K", stderr);
	else
		fprintf(stderr, "\r%*s\r", (int)pr->drawn, "");
	fflush(stderr);
	pr->drawn = 0;
}

/*
 * Under the scheduler lock: "[212/500] 3 failed, slowest http/x 4.2 s",
 * cut to the terminal's width so it never wraps. Ids come from the topology:
 * control characters are shown as '?'.
 */
static void
check_progress_draw(struct check_progress *pr, struct plan *p, int strict,
    double now)
{
	const struct check	*c, *slowest = NULL;
	size_t			 i, total = 0, done = 0, failed = 0, cols, len;
	double			 oldest = now;
	char			 line[512];

	if (!pr->on || now - pr->started < CHECK_PROGRESS_AFTER_MS)
		return;
	for (i = 0; i < p->count; i++) {
		c = p->checks[i];
		if (c->skipped)
			continue;
		total++;
		if (c->result.status == STATUS_RUNNING) {
			if (pr->since[i] == 0)
				pr->since[i] = now;
			if (pr->since[i] < oldest) {
				oldest = pr->since[i];
				slowest = c;
			}
		} else if (c->result.status != STATUS_PENDING) {
			done++;
			failed += status_is_problem(c->result.status, strict);
		}
	}
	len = (size_t)snprintf(line, sizeof line, "[%zu/%zu] %zu failed", done,
	    total, failed);
	if (slowest != NULL && len < sizeof line)
		snprintf(line + len, sizeof line - len, ", slowest %s %.1f s",
		    slowest->id, (now - oldest) / 1000.0);
	for (i = 0; line[i] != '\0'; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	}
	cols = check_columns();
	len = strlen(line);
	if (len >= cols)
		len = cols - 1;
	fputc('\r', stderr);
	fwrite(line, 1, len, stderr);
	if (pr->csi)
		fputs("\033[K", stderr);
	else if (len < pr->drawn)
		fprintf(stderr, "%*s", (int)(pr->drawn - len), "");
	fflush(stderr);
	pr->drawn = len;
}

/*
 * Runs the plan in the background until it is done or a signal comes; then
 * marks what did not finish as not run. Returns the signal, or 0.
 */
static int
check_run(struct cmd_args *a, struct plan *p, struct sched *s)
{
	struct sigaction	 sa, old_int, old_term;
	struct check_progress	 pr;
	struct timespec		 tick = { 0, CHECK_TICK_MS * 1000000L };
	struct check		*c;
	const char		*term = getenv("TERM");
	size_t			 i;
	int			 signo;

	memset(&pr, 0, sizeof pr);
	pr.on = !a->quiet && isatty(STDERR_FILENO);
	pr.csi = term == NULL || strcmp(term, "dumb") != 0;
	pr.since = xcalloc(p->count + 1, sizeof *pr.since);
	pr.started = util_now_ms();

	check_signal = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = check_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if (sched_start(s, NULL, 0) != 0)
		util_fatal("cannot start the run");
	while (sched_busy(s) && check_signal == 0) {
		sched_lock(s);
		check_progress_draw(&pr, p, a->strict, util_now_ms());
		sched_unlock(s);
		nanosleep(&tick, NULL);	/* a signal ends it early */
	}
	signo = check_signal;
	/* A second Ctrl-C while the probes stop is the default: it kills. */
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (signo != 0)
		sched_cancel(s);
	sched_wait(s);
	check_progress_erase(&pr);
	free(pr.since);

	if (signo != 0) {
		sched_lock(s);
		for (i = 0; i < p->count; i++) {
			c = p->checks[i];
			if (c->skipped || (c->result.status != STATUS_PENDING &&
			    c->result.status != STATUS_RUNNING))
				continue;
			result_clear(&c->result);
			c->result.status = STATUS_NOT_RUN;
			c->result.message = xstrdup(signo == SIGTERM ?
			    "not run: SIGTERM stopped the run" :
			    "not run: SIGINT (Ctrl-C) stopped the run");
		}
		sched_unlock(s);
	}
	return signo;
}

static int
cmd_check_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	const struct report_ops	*ops;
	struct sched_options	 so;
	struct topology		*t;
	struct plan		*p;
	struct sched		*s;
	struct report		 r;
	struct check		**checks;
	size_t			 i, count;
	struct cmd_output	 out;
	int			 rc, signo;

	if ((ops = report_find(a->format)) == NULL) {
		fprintf(stderr, "topo: unknown format '%s' (text, json, markdown, junit)\n",
		    a->format);
		return 2;
	}
	if ((rc = cmd_load(a, &t, &p)) != 0)
		return rc;

	memset(&so, 0, sizeof so);
	so.jobs = a->jobs;
	s = sched_create(p, &so);
	signo = check_run(a, p, s);

	memset(&r, 0, sizeof r);
	r.topology = t;
	r.topology_path = a->file;
	r.strict = a->strict;
	r.started_at = sched_last_started(s);
	r.duration_ms = sched_last_duration_ms(s);
	r.layers = a->layers == LAYER_STATIC ? "static" :
	    a->layers == LAYER_LIVE ? "live" : "all";
	checks = sched_checks(s, &count);
	for (i = 0; i < count; i++) {
		r.counts[checks[i]->result.status]++;
		r.total++;
		if (status_is_problem(checks[i]->result.status, a->strict))
			r.exit_code = 1;
	}

	/* Interrupted: the report says what the process exits with. */
	r.interrupted = signo;
	if (signo != 0)
		r.exit_code = 128 + signo;
	rc = r.exit_code;
	if (cmd_output_open(&out, a->output) != 0) {
		rc = 2;
		goto out;
	}
	r.out = out.f;
	r.color = out.f == stdout && cmd_color(a, stdout);
	if (report_write(ops, &r, checks, count) != 0 && errno != EPIPE) {
		fprintf(stderr, "topo: cannot write the report: %s\n",
		    strerror(errno));
		rc = 2;
	}
	/* A reader that went away (`| head -1`) is no failure of the run:
	 * the status stays what the checks said. */
	if (cmd_output_close(&out, rc != 2) != 0 && !cmd_output_quiet())
		rc = 2;
out:
	sched_free(s);
	plan_free(p);
	topology_free(t);
	(void)e;
	return rc;
}
