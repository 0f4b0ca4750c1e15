/*
 * dash.c: the dashboard's life: the terminal (set up, restored on every exit
 * path), the loop (scan -> update -> draw, like htop), the scheduler in the
 * background, the self-pipe that wakes the loop when results or signals
 * arrive, and the per-check history of verdicts that shows flapping.
 *
 * The UI thread never waits on a probe: it polls stdin and the self-pipe
 * with a timeout of at most a second (a tenth while a run is in flight, so
 * elapsed times and the spinner move), and it reads results only as a copy
 * taken under the scheduler lock.
 */
#include "dash.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../probes/probe.h"
#include "../probes/sched.h"
#include "../topology/topology.h"
#include "../util/buf.h"
#include "../util/regex.h"
#include "../util/util.h"

/* Set by the signal handler, read by the loop. */
static volatile sig_atomic_t	dash_signal;
static volatile sig_atomic_t	dash_resized;
/* The self-pipe's write end, for the signal handler. */
static int			dash_wake_fd = -1;
/* 1 while curses owns the terminal: the fatal hook restores it. */
static volatile sig_atomic_t	dash_curses_active;
static SCREEN			*dash_screen;

int
dash_has_terminal(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

static void
dash_wake(int fd, char what)
{
	ssize_t	n;

	/* Non-blocking: a full pipe already means "wake up". */
	do {
		n = write(fd, &what, 1);
	} while (n == -1 && errno == EINTR);
}

static void
dash_on_signal(int sig)
{
	int	saved = errno;

	if (sig == SIGWINCH)
		dash_resized = 1;
	else
		dash_signal = sig;
	if (dash_wake_fd != -1)
		dash_wake(dash_wake_fd, 's');
	errno = saved;
}

/* Restores the terminal; safe to call twice (q path, then atexit-like hooks). */
static void
dash_restore(void)
{
	if (!dash_curses_active)
		return;
	dash_curses_active = 0;
	curs_set(1);
	endwin();
	fflush(stdout);
}

void
dash_note(struct dash *dash, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(dash->note, sizeof dash->note, fmt, ap);
	va_end(ap);
	dash->note_until = util_now_ms() + 4000;
}

/* ---- the scheduler ---- */

/* From probe threads, under the scheduler lock; check NULL = run finished. */
static void
dash_notify(void *arg, struct check *check)
{
	struct dash	*dash = arg;

	if (check != NULL && !check->skipped) {
		switch (check->result.status) {
		case STATUS_OK:
		case STATUS_DRIFT:
		case STATUS_ERROR:
		case STATUS_UNKNOWN:
			dash_history_add(dash, check->id, check->result.status);
			break;
		default:
			break;
		}
	}
	dash_wake(dash->wake[1], 'r');
}

static char *
dash_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* The previous snapshot's item of id; hint is where it most likely is. */
static const struct dash_item *
dash_old_item(const struct dash *dash, const char *id, size_t hint)
{
	size_t	i;

	if (hint < dash->nitems && strcmp(dash->items[hint].id, id) == 0)
		return &dash->items[hint];
	for (i = 0; i < dash->nitems; i++) {
		if (strcmp(dash->items[i].id, id) == 0)
			return &dash->items[i];
	}
	return NULL;
}

/* A check being re-probed keeps showing its last verdict meanwhile. */
static void
dash_carry(struct dash_item *item, const struct dash_item *old)
{
	item->in_flight = 1;
	if (old == NULL || old->status == STATUS_RUNNING ||
	    old->status == STATUS_PENDING)
		return;
	item->status = old->status;
	item->drift = old->drift;
	free(item->expected);
	free(item->observed);
	free(item->message);
	free(item->evidence);
	item->expected = dash_dup(old->expected);
	item->observed = dash_dup(old->observed);
	item->message = dash_dup(old->message);
	item->evidence = dash_dup(old->evidence);
	item->duration_ms = old->duration_ms;
	item->finished_at = old->finished_at;
}

/* The chain of causes of c, or the checks that fail because of it. */
static void
dash_causes(struct dash_item *item, const struct check *c,
    struct check *const *checks, size_t count)
{
	struct buf	b;
	size_t		i, n = 0;

	if (c->result.cause != NULL) {
		item->cause = causes_chain(c);
		return;
	}
	if (c->result.status != STATUS_DRIFT && c->result.status != STATUS_ERROR)
		return;
	buf_init(&b, 0);
	for (i = 0; i < count; i++) {
		if (checks[i] == c || checks[i]->skipped ||
		    checks[i]->result.cause == NULL || causes_root(checks[i]) != c)
			continue;
		if (n < 8)
			buf_printf(&b, "%s%s", n > 0 ? ", " : "", checks[i]->id);
		n++;
	}
	if (n > 8)
		buf_printf(&b, ", and %zu more", n - 8);
	if (n > 0)
		item->root_of = xasprintf("%zu %s because of it: %s", n,
		    n == 1 ? "check fails" : "checks fail", buf_str(&b));
	buf_free(&b);
}

/* Copies every result under the lock, so drawing never races a probe. */
static void
dash_snapshot(struct dash *dash)
{
	const struct dash_history	*history;
	struct dash_item		*items, *item;
	const struct dash_item		*old;
	struct check			**checks, *c;
	size_t				 i, n, count;
	double				 now = util_now_ms();

	sched_lock(dash->sched);
	checks = sched_checks(dash->sched, &count);
	causes_resolve(checks, count);
	items = xcalloc(count + 1, sizeof *items);
	memset(dash->counts, 0, sizeof dash->counts);
	dash->hidden = 0;
	for (i = n = 0; i < count; i++) {
		c = checks[i];
		if (c->skipped) {
			dash->hidden++;
			continue;
		}
		item = &items[n++];
		item->id = xstrdup(c->id);
		item->kind = c->probe != NULL ? c->probe->name : "?";
		item->layer = c->layer;
		item->status = c->result.status;
		item->drift = c->result.drift;
		/* Planned text, not a result: the diff has not redacted it. */
		old = dash_old_item(dash, c->id, n - 1);
		if (old != NULL)
			item->summary = dash_dup(old->summary);
		else if (c->summary != NULL)
			item->summary = topology_redact(dash->topology, c->summary);
		if (c->file != NULL && *c->file != '\0')
			item->where = c->line > 0 ?
			    xasprintf("%s:%d:%d", c->file, c->line, c->column) :
			    xstrdup(c->file);
		item->expected = dash_dup(c->result.expected);
		item->observed = dash_dup(c->result.observed);
		item->message = dash_dup(c->result.message);
		item->evidence = dash_dup(c->result.evidence);
		dash_causes(item, c, checks, count);
		item->duration_ms = c->result.duration_ms;
		item->timeout_ms = c->timeout_ms;
		item->finished_at = c->result.finished_at;
		item->extra = c->extra;
		if ((history = dash_history_find(dash, c->id)) != NULL) {
			memcpy(item->history, history->verdicts, history->count);
			item->nhistory = history->count;
		}
		item->group = dash_group_rank(item->kind, item->layer);
		if (item->status == STATUS_RUNNING || item->status == STATUS_PENDING) {
			/*
			 * In flight since we first saw it so: a probe rewrites
			 * observation.started_ms without the lock (it is its own
			 * until published), so that field is not ours to read.
			 */
			if (item->status == STATUS_RUNNING)
				item->started_ms = old != NULL && old->in_flight &&
				    old->started_ms > 0 ? old->started_ms : now;
			dash_carry(item, old);
		}
		/* The header counts what is known now: a check in flight is
		 * running (or pending), whatever verdict its row still shows. */
		if (item->in_flight && (size_t)c->result.status < STATUS_COUNT)
			dash->counts[c->result.status]++;
		else if ((size_t)item->status < STATUS_COUNT)
			dash->counts[item->status]++;
	}
	dash->last_started = sched_last_started(dash->sched);
	dash->last_duration_ms = sched_last_duration_ms(dash->sched);
	sched_unlock(dash->sched);

	dash_items_free(dash);
	dash->items = items;
	dash->nitems = n;
	dash_rows_build(dash);
	/* Until the operator moves, show what is broken first. */
	if (!dash->touched) {
		dash->selected = dash->nrows;
		if (!dash_select_problem(dash, 1))
			dash_select_first(dash);
	}
}

static int
dash_start(struct dash *dash, char *const *ids, size_t nids)
{
	if (sched_start(dash->sched, ids, nids) != 0)
		return -1;
	dash->running = 1;
	dash->run_started_ms = util_now_ms();
	return 0;
}

void
dash_probe_all(struct dash *dash)
{
	if (dash->running) {
		dash->queued_all = 1;
		free(dash->queued_id);
		dash->queued_id = NULL;
		dash_note(dash, "a run is in flight: a full re-probe follows it");
		return;
	}
	if (dash_start(dash, NULL, 0) != 0)
		dash_note(dash, "cannot start a run");
	else
		dash_note(dash, "re-probing all %zu checks", dash->nitems);
}

void
dash_probe_selected(struct dash *dash)
{
	struct dash_item	*item = dash_selected(dash);
	char			*ids[1];

	if (item == NULL) {
		dash_probe_all(dash);
		return;
	}
	if (dash->running) {
		if (!dash->queued_all) {
			free(dash->queued_id);
			dash->queued_id = xstrdup(item->id);
		}
		dash_note(dash, "a run is in flight: %s is re-probed after it", item->id);
		return;
	}
	ids[0] = item->id;
	if (dash_start(dash, ids, 1) != 0)
		dash_note(dash, "cannot start a run");
	else
		dash_note(dash, "re-probing %s", item->id);
}

/* A run ended: join it, schedule the next, start what was asked meanwhile. */
static void
dash_run_finished(struct dash *dash, double now)
{
	char	*ids[1];

	sched_wait(dash->sched);
	dash->running = 0;
	dash->runs++;
	dash->next_run_ms = now + dash->interval * 1000.0;
	if (dash->queued_all) {
		dash->queued_all = 0;
		dash_start(dash, NULL, 0);
	} else if (dash->queued_id != NULL) {
		ids[0] = dash->queued_id;
		dash_start(dash, ids, 1);
		free(dash->queued_id);
		dash->queued_id = NULL;
	}
}

/* ---- the terminal ---- */

static int
dash_signals(void)
{
	struct sigaction	sa;
	static const int	signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH };
	size_t			i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = dash_on_signal;
	sigemptyset(&sa.sa_mask);
	/* Installed before newterm(), so curses keeps its hands off them. */
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		if (sigaction(signals[i], &sa, NULL) != 0)
			return -1;
	}
	return 0;
}

static void
dash_signals_reset(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGWINCH, SIG_DFL);
}

static void
dash_resize(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

static int
dash_terminal_open(struct dash *dash)
{
	const char	*codeset, *term;
	char		*cup;
	int		 err, usable;

	/* Characters from the environment; numbers stay "C" for the probes. */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	codeset = nl_langinfo(CODESET);
	dash->utf8 = codeset != NULL && (strcmp(codeset, "UTF-8") == 0 ||
	    strcmp(codeset, "utf8") == 0);

	/*
	 * Ask terminfo first: newterm() on an unknown TERM fails but keeps
	 * memory, and a terminal that cannot move its cursor (TERM=dumb)
	 * cannot show a dashboard.
	 */
	term = getenv("TERM") != NULL ? getenv("TERM") : "";
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		fprintf(stderr, "topo dash: unknown terminal type '%s'; "
		    "use topo check\n", term);
		return -1;
	}
	cup = tigetstr("cup");
	usable = cup != NULL && cup != (char *)-1;
	del_curterm(cur_term);
	if (!usable) {
		fprintf(stderr, "topo dash: the terminal (TERM=%s) cannot move "
		    "its cursor; use topo check\n", term);
		return -1;
	}
	if ((dash_screen = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "topo dash: cannot use the terminal (TERM=%s); "
		    "use topo check\n", term);
		return -1;
	}
	dash_curses_active = 1;
	util_set_fatal_hook(dash_restore);
	set_term(dash_screen);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);	/* Esc closes things at once */
	curs_set(0);
	leaveok(stdscr, TRUE);
	dash_colors_init();
	return 0;
}

/* How long the loop may sleep: less while something moves on screen. */
static int
dash_timeout(const struct dash *dash, double now)
{
	double	wait = 1000.0 - (double)((long long)now % 1000);

	if (dash->running)
		wait = 100;
	else if (dash->next_run_ms - now < wait)
		wait = dash->next_run_ms - now;
	if (dash->note_until > now && dash->note_until - now < wait)
		wait = dash->note_until - now;
	if (wait < 10)
		wait = 10;
	return (int)wait;
}

static void
dash_drain(int fd)
{
	char	buf[256];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

static void
dash_loop(struct dash *dash)
{
	struct pollfd	pfd[2];
	double		now;
	int		ch, fresh = 1;

	dash->next_run_ms = util_now_ms();
	while (!dash->quit) {
		now = util_now_ms();
		if (dash_signal != 0) {
			dash->exit_code = 128 + dash_signal;
			break;
		}
		if (dash_resized) {
			dash_resized = 0;
			dash_resize();
		}
		if (dash->running && !sched_busy(dash->sched)) {
			dash_run_finished(dash, now);
			fresh = 1;
		}
		if (!dash->running && now >= dash->next_run_ms) {
			if (dash_start(dash, NULL, 0) != 0)
				dash->next_run_ms = now + dash->interval * 1000.0;
			fresh = 1;
		}
		/* While a run is in flight, statuses change without notice. */
		if (fresh || dash->running) {
			dash_snapshot(dash);
			fresh = 0;
		}
		dash_draw(dash);

		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = dash->wake[0];
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, dash_timeout(dash, now)) == -1 && errno != EINTR)
			util_fatal("poll: %s", strerror(errno));
		if (pfd[1].revents & POLLIN) {
			dash_drain(dash->wake[0]);
			fresh = 1;
		}
		if (pfd[0].revents & (POLLHUP | POLLERR)) {
			/* The terminal went away: nobody is left to look. */
			dash->exit_code = 129;
			break;
		}
		while (!dash->quit && (ch = getch()) != ERR) {
			if (ch == KEY_RESIZE)
				dash_resize();
			else {
				dash->touched = 1;
				dash_key(dash, ch);
			}
		}
	}
}

/*
 * Waits for the run in flight to stop. Probes stop early when cancelled
 * (programs they run are killed: exec_job.cancel), within a few hundred
 * milliseconds; should one take longer, say so rather than look hung.
 */
static void
dash_stop(struct dash *dash)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };
	double		deadline = util_now_ms() + 300;

	while (sched_busy(dash->sched) && util_now_ms() < deadline)
		nanosleep(&ts, NULL);
	if (sched_busy(dash->sched))
		fprintf(stderr, "topo dash: waiting for the checks in flight to "
		    "stop (each within its timeout)\n");
	sched_wait(dash->sched);
}

int
dash_run(struct topology *topology, struct plan *plan,
    const struct dash_options *options)
{
	struct sched_options	 so;
	struct dash		 dash;

	if (!dash_has_terminal()) {
		fprintf(stderr, "%s\n", DASH_NO_TERMINAL);
		return 2;
	}
	memset(&dash, 0, sizeof dash);
	dash.topology = topology;
	dash.plan = plan;
	dash.interval = options->interval >= 1 ? options->interval : 10;
	if (dash.interval > DASH_INTERVAL_MAX)
		dash.interval = DASH_INTERVAL_MAX;
	dash.jobs = options->jobs >= 1 ? options->jobs : SCHED_JOBS_DEFAULT;
	dash.wake[0] = dash.wake[1] = -1;
	dash.exit_code = 0;

	if (util_pipe(dash.wake, 1) != 0) {
		fprintf(stderr, "topo dash: pipe: %s\n", strerror(errno));
		return 2;
	}
	dash_wake_fd = dash.wake[1];
	dash_signal = 0;
	dash_resized = 0;
	if (dash_signals() != 0 || dash_terminal_open(&dash) != 0) {
		dash.exit_code = 2;
		goto out;
	}

	memset(&so, 0, sizeof so);
	so.jobs = dash.jobs;
	so.notify = dash_notify;
	so.arg = &dash;
	dash.sched = sched_create(plan, &so);
	dash_snapshot(&dash);
	dash_select_first(&dash);

	dash_loop(&dash);

	/* The terminal first: the operator gets it back while probes stop
	 * (and Ctrl-C works again, should that wait be too long for them). */
	dash_restore();
	dash_signals_reset();
	sched_cancel(dash.sched);
	dash_stop(&dash);
out:
	dash_restore();
	util_set_fatal_hook(NULL);
	dash_signals_reset();
	dash_wake_fd = -1;
	if (dash_screen != NULL) {
		delscreen(dash_screen);
		dash_screen = NULL;
	}
	sched_free(dash.sched);
	dash_items_free(&dash);
	dash_history_free(&dash);
	regex_free(dash.filter_regex);
	free(dash.filter_error);
	free(dash.selected_id);
	free(dash.queued_id);
	close(dash.wake[0]);
	close(dash.wake[1]);
	return dash.exit_code;
}
