/*
 * draw.c: one draw function per screen state (like ncdu's browser, info and
 * help views). Drawing only reads the snapshot; it computes nothing but
 * layout. Every string goes through draw_text, which clips to the columns
 * left (by display width, so UTF-8 never overflows a line), turns control
 * characters into spaces and, when the locale is not UTF-8, shows bytes it
 * cannot display as '?'.
 */
#include "dash.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "../topology/topology.h"
#include "../util/util.h"

#define DRAW_LABEL	10	/* width of the detail pane's labels */
#define DRAW_WIDE	100	/* from this width rows show their duration */

const char *
dash_glyph(enum status status, int utf8, unsigned frame)
{
	static const char *const spin_utf8[] = {
		"\u280b", "\u2819", "\u2839", "\u2838", "\u283c", "\u2834",
		"\u2826", "\u2827", "\u2807", "\u280f"
	};
	static const char *const spin_ascii[] = { "|", "/", "-", "\\" };

	switch (status) {
	case STATUS_OK:
		return utf8 ? "\u2713" : "+";		/* check mark */
	case STATUS_DRIFT:
		return utf8 ? "\u2260" : "~";		/* not equal */
	case STATUS_ERROR:
		return utf8 ? "\u2717" : "X";		/* ballot x */
	case STATUS_UNKNOWN:
		return "?";
	case STATUS_SKIPPED:
		return utf8 ? "\u2013" : "-";		/* en dash */
	case STATUS_RUNNING:
		return utf8 ? spin_utf8[frame % 10] : spin_ascii[frame % 4];
	case STATUS_PENDING:
	default:
		return utf8 ? "\u00b7" : ".";		/* middle dot */
	}
}

/*
 * Writes s at the cursor in at most cols columns, at most len bytes of it.
 * Returns the columns used.
 */
static int
draw_textn(struct dash *dash, const char *s, size_t len, int cols)
{
	mbstate_t	 state;
	wchar_t		 wc;
	size_t		 n, i = 0;
	int		 used = 0, w;
	char		 c;

	if (s == NULL || cols <= 0)
		return 0;
	memset(&state, 0, sizeof state);
	while (i < len && s[i] != '\0' && used < cols) {
		if (!dash->utf8 || (unsigned char)s[i] < 0x80) {
			c = s[i++];
			if ((unsigned char)c >= 0x80)
				c = '?';
			else if (c < 0x20 || c == 0x7f)
				c = ' ';
			addch((chtype)(unsigned char)c);
			used++;
			continue;
		}
		n = mbrtowc(&wc, s + i, len - i, &state);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&state, 0, sizeof state);
			addch('?');
			used++;
			i++;
			continue;
		}
		w = wcwidth(wc);
		if (w < 0) {
			wc = L'?';
			w = 1;
		}
		if (used + w > cols)
			break;
		addnwstr(&wc, 1);
		used += w;
		i += n;
	}
	return used;
}

static int
draw_text(struct dash *dash, const char *s, int cols)
{
	return s != NULL ? draw_textn(dash, s, strlen(s), cols) : 0;
}

static int	draw_width(const struct dash *, const char *, size_t, int, size_t *);

/* Like draw_text, with an ellipsis when s does not fit: cut is never silent. */
static int
draw_clipped(struct dash *dash, const char *s, int cols)
{
	size_t	fit;
	int	used;

	if (s == NULL || cols <= 0)
		return 0;
	if (draw_width(dash, s, strlen(s), cols, &fit) <= cols && s[fit] == '\0')
		return draw_text(dash, s, cols);
	used = draw_textn(dash, s, strlen(s), cols - 1);
	return used + draw_text(dash, dash->utf8 ? "\u2026" : "~", 1);
}

/* Columns the first len bytes of s take, at most cols; in *fit the bytes
 * of the prefix that fits. */
static int
draw_width(const struct dash *dash, const char *s, size_t len, int cols,
    size_t *fit)
{
	mbstate_t	 state;
	wchar_t		 wc;
	size_t		 n, i = 0;
	int		 used = 0, w;

	memset(&state, 0, sizeof state);
	while (i < len && s[i] != '\0') {
		if (!dash->utf8 || (unsigned char)s[i] < 0x80) {
			n = 1;
			w = 1;
		} else {
			n = mbrtowc(&wc, s + i, len - i, &state);
			if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
				memset(&state, 0, sizeof state);
				n = 1;
				w = 1;
			} else if ((w = wcwidth(wc)) < 0)
				w = 1;
		}
		if (used + w > cols)
			break;
		used += w;
		i += n;
	}
	if (fit != NULL)
		*fit = i;
	return used;
}

/* Spaces from the cursor to column x (exclusive). */
static void
draw_pad(int x)
{
	int	cy, cx;

	getyx(stdscr, cy, cx);
	(void)cy;
	for (; cx < x; cx++)
		addch(' ');
}

/* A full-width bar in a role (header, footer, prompt). */
static void
draw_bar(int y, enum dash_color role)
{
	attrset(dash_color_attr(role));
	move(y, 0);
	draw_pad(COLS);
	move(y, 0);
}

static void
draw_duration(char *buf, size_t len, double ms)
{
	if (ms <= 0)
		snprintf(buf, len, "-");
	else if (ms < 1)
		snprintf(buf, len, "<1 ms");
	else if (ms < 10)
		snprintf(buf, len, "%.1f ms", ms);
	else if (ms < 1000)
		snprintf(buf, len, "%.0f ms", ms);
	else if (ms < 100000)
		snprintf(buf, len, "%.1f s", ms / 1000);
	else
		snprintf(buf, len, "%.0f s", ms / 1000);
}

static void
draw_clock(char *buf, size_t len, long epoch)
{
	struct tm	tm;
	time_t		t = (time_t)epoch;

	if (epoch <= 0 || localtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "--:--:--");
	else
		strftime(buf, len, "%H:%M:%S", &tm);
}

static const char *
draw_sort_name(enum dash_sort sort)
{
	switch (sort) {
	case DASH_SORT_ID:
		return "id";
	case DASH_SORT_DURATION:
		return "duration";
	case DASH_SORT_STATUS:
	default:
		return "status";
	}
}

/* Line 1: the system, the counts by status, the time. */
static void
draw_header(struct dash *dash)
{
	static const enum status order[] = {
		STATUS_OK, STATUS_DRIFT, STATUS_ERROR, STATUS_UNKNOWN,
		STATUS_SKIPPED, STATUS_RUNNING, STATUS_PENDING
	};
	const char	*system = dash->topology != NULL &&
			    dash->topology->system != NULL ?
			    dash->topology->system : "topology";
	char		 buf[64], now[16];
	size_t		 i, flapping;
	int		 x;

	draw_bar(0, DASH_COLOR_HEADER);
	attrset(dash_color_attr(DASH_COLOR_HEADER) | A_BOLD);
	x = draw_text(dash, " topo dash ", COLS);
	attrset(dash_color_attr(DASH_COLOR_HEADER));
	x += draw_text(dash, system, COLS / 3);
	x += draw_text(dash, " ", COLS - x);
	draw_clock(now, sizeof now, (long)time(NULL));
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		/* Zero counts say nothing, except ok, drift and error. */
		if (dash->counts[order[i]] == 0 && order[i] > STATUS_ERROR)
			continue;
		snprintf(buf, sizeof buf, "  %zu %s", dash->counts[order[i]],
		    status_name(order[i]));
		if (x + (int)strlen(buf) > COLS - 10)
			break;
		x += draw_text(dash, buf, COLS - 10 - x);
	}
	/* Flapping hides between runs: count it where it is seen first. */
	for (i = 0, flapping = 0; i < dash->nitems; i++)
		flapping += dash_item_flips(&dash->items[i]) >= 2;
	if (flapping > 0) {
		snprintf(buf, sizeof buf, "  %zu flapping", flapping);
		if (x + (int)strlen(buf) <= COLS - 10) {
			attrset(dash_color_attr(DASH_COLOR_HEADER) | A_BOLD);
			x += draw_text(dash, buf, COLS - 10 - x);
			attrset(dash_color_attr(DASH_COLOR_HEADER));
		}
	}
	if (COLS - 9 > x)
		mvaddstr(0, COLS - 9, now);
}

/* Line 2: the last run, the next one, the filters in effect. */
static void
draw_subheader(struct dash *dash, double now)
{
	char	buf[512], took[32], at[16];
	size_t	i, shown = 0, total, inflight;
	int	x = 0;

	move(1, 0);
	/* What narrows the list comes first: it must never go unnoticed. */
	attrset(dash_color_attr(DASH_COLOR_KEY));
	if (dash->filter_regex != NULL) {
		x += draw_text(dash, " /", COLS - x);
		x += draw_text(dash, dash->filter, COLS - x);
		x += draw_text(dash, "/", COLS - x);
	}
	if (dash->problems_only)
		x += draw_text(dash, " problems only", COLS - x);
	if (dash->problems_only || dash->filter_regex != NULL) {
		for (i = 0; i < dash->nrows; i++)
			shown += dash->rows[i].item != NULL;
		snprintf(buf, sizeof buf, " (%zu of %zu) |", shown, dash->nitems);
		x += draw_text(dash, buf, COLS - x);
	}

	attrset(dash_color_attr(DASH_COLOR_SUBHEADER));
	if (dash->running) {
		/* The header counts finished checks; this says how far along. */
		inflight = dash->counts[STATUS_RUNNING] + dash->counts[STATUS_PENDING];
		total = 0;
		for (i = 0; i < STATUS_COUNT; i++)
			total += i == STATUS_SKIPPED ? 0 : dash->counts[i];
		draw_duration(took, sizeof took, now - dash->run_started_ms);
		snprintf(buf, sizeof buf, " probing %zu/%zu %s", total - inflight,
		    total, took);
	} else if (dash->runs == 0) {
		snprintf(buf, sizeof buf, " no run yet");
	} else {
		draw_clock(at, sizeof at, dash->last_started);
		draw_duration(took, sizeof took, dash->last_duration_ms);
		snprintf(buf, sizeof buf, " last run %s took %s, next in %d s",
		    at, took, dash->next_run_ms > now ?
		    (int)((dash->next_run_ms - now + 999) / 1000) : 0);
	}
	x += draw_text(dash, buf, COLS - x);
	snprintf(buf, sizeof buf, " | every %d s | sort %s", dash->interval,
	    draw_sort_name(dash->sort));
	x += draw_text(dash, buf, COLS - x);
	if (dash->hidden > 0) {
		snprintf(buf, sizeof buf, " | %zu filtered out", dash->hidden);
		draw_text(dash, buf, COLS - x);
	}
	attrset(A_NORMAL);
}

/* The message of a row: a check in flight tells how long it has been. */
static void
draw_row_message(struct dash_item *item, double now, char *buf, size_t len)
{
	char	elapsed[32], limit[32];

	if (dash_item_shown(item, now) == STATUS_RUNNING && item->started_ms > 0) {
		draw_duration(elapsed, sizeof elapsed, now - item->started_ms);
		draw_duration(limit, sizeof limit, item->timeout_ms);
		snprintf(buf, len, "in flight for %s (timeout %s)", elapsed, limit);
	} else if (item->status == STATUS_PENDING)
		snprintf(buf, len, "waiting for its probe");
	else
		snprintf(buf, len, "%s", item->message != NULL ? item->message : "");
}

static void
draw_row(struct dash *dash, int y, struct dash_row *row, int selected,
    int idw, double now)
{
	struct dash_item	*item = row->item;
	char			 buf[512], name[128];
	size_t			 i, first;
	int			 x, base;
	enum status		 shown;

	move(y, 0);
	if (item == NULL) {
		dash_group_name(dash->rows[(size_t)(row - dash->rows) + 1].item,
		    name, sizeof name);
		attrset(dash_color_attr(DASH_COLOR_GROUP));
		x = draw_text(dash, " ", COLS);
		x += draw_text(dash, name, COLS - x);
		attrset(dash_color_attr(DASH_COLOR_DIM));
		if (row->problems > 0)
			snprintf(buf, sizeof buf, "  %zu check%s, %zu problem%s",
			    row->count, row->count == 1 ? "" : "s", row->problems,
			    row->problems == 1 ? "" : "s");
		else
			snprintf(buf, sizeof buf, "  %zu check%s", row->count,
			    row->count == 1 ? "" : "s");
		draw_text(dash, buf, COLS - x);
		attrset(A_NORMAL);
		return;
	}

	shown = dash_item_shown(item, now);
	base = selected ? dash_color_attr(DASH_COLOR_SELECTED) : (int)A_NORMAL;
	if (selected) {
		attrset(base);
		draw_pad(COLS);
		move(y, 0);
	}
	attrset(base);
	x = draw_text(dash, selected ? ">" : " ", COLS);
	x += draw_text(dash, " ", COLS - x);
	if (!selected)
		attrset(dash_color_attr(dash_color_status(shown)));
	x += draw_text(dash, dash_glyph(shown, dash->utf8, (unsigned)(now / 100)),
	    COLS - x);
	x += draw_text(dash, " ", COLS - x);
	snprintf(buf, sizeof buf, "%-7s ", status_name(shown));
	x += draw_text(dash, buf, COLS - x);
	attrset(base);
	draw_clipped(dash, item->id, idw < COLS - x ? idw : COLS - x);
	x = 12 + idw + 1 < COLS ? 12 + idw + 1 : COLS;
	draw_pad(x);

	/* The last verdicts, oldest first: a flapping check shows it. */
	first = item->nhistory > 5 ? item->nhistory - 5 : 0;
	for (i = 0; i < 5; i++) {
		if (first + i < item->nhistory) {
			if (!selected)
				attrset(dash_color_attr(dash_color_status(
				    (enum status)item->history[first + i])));
			x += draw_text(dash, dash_glyph(
			    (enum status)item->history[first + i], dash->utf8, 0),
			    COLS - x);
		} else
			x += draw_text(dash, " ", COLS - x);
	}
	attrset(base);
	x += draw_text(dash, "  ", COLS - x);

	/* Duration (elapsed while in flight) where there is room for it. */
	if (COLS >= DRAW_WIDE) {
		if (shown == STATUS_RUNNING && item->started_ms > 0)
			draw_duration(name, sizeof name, now - item->started_ms);
		else
			draw_duration(name, sizeof name, item->duration_ms);
		snprintf(buf, sizeof buf, "%7s  ", name);
		x += draw_text(dash, buf, COLS - x);
	}
	draw_row_message(item, now, buf, sizeof buf);
	if (item->extra && x < COLS)
		x += draw_text(dash, "[extra] ", COLS - x);
	draw_clipped(dash, buf, COLS - x);
	attrset(A_NORMAL);
}

/* Keeps the selection in view; returns the id column width. */
static int
draw_list(struct dash *dash, int y0, int height, double now)
{
	size_t	i, longest = 0;
	int	y, idw;

	dash->list_height = height;
	if (height <= 0)
		return 0;
	for (i = 0; i < dash->nitems; i++) {
		size_t	len = strlen(dash->items[i].id);

		if (len > longest)
			longest = len;
	}
	/* The id column: as wide as the longest id, at most a third. */
	idw = (COLS - 12 - 1 - 7 - (COLS >= DRAW_WIDE ? 9 : 0)) * 55 / 100;
	if (idw > (int)longest)
		idw = (int)longest;
	if (idw < 12)
		idw = 12;

	if (dash->nrows == 0) {
		attrset(dash_color_attr(DASH_COLOR_DIM));
		mvaddstr(y0 + (height > 1 ? 1 : 0), 2, "");
		draw_text(dash, dash->nitems == 0 ? "no checks" :
		    "no check matches the filter (Esc clears it, p shows all)",
		    COLS - 2);
		attrset(A_NORMAL);
		return idw;
	}
	if (dash->selected < dash->top)
		dash->top = dash->selected;
	/* Show the group heading of the first check when there is room. */
	if (dash->top > 0 && dash->top == dash->selected &&
	    dash->rows[dash->top - 1].item == NULL)
		dash->top--;
	if (dash->selected >= dash->top + (size_t)height)
		dash->top = dash->selected - (size_t)height + 1;
	if (dash->top + (size_t)height > dash->nrows)
		dash->top = dash->nrows > (size_t)height ?
		    dash->nrows - (size_t)height : 0;
	for (y = 0; y < height && dash->top + (size_t)y < dash->nrows; y++) {
		i = dash->top + (size_t)y;
		draw_row(dash, y0 + y, &dash->rows[i], i == dash->selected, idw, now);
	}
	return idw;
}

/* One labelled, wrapped value of the detail pane; returns lines used. */
static int
draw_field(struct dash *dash, int *y, int y_end, size_t *skip,
    const char *label, const char *value, int role)
{
	const char	*p, *nl;
	size_t		 fit, len;
	int		 lines = 0, width = COLS - DRAW_LABEL - 2, first = 1;

	if (value == NULL || *value == '\0')
		value = "-";
	if (width < 10)
		width = 10;
	p = value;
	while (*p != '\0' || first) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		draw_width(dash, p, len, width, &fit);
		if (fit == 0 && len > 0)
			fit = 1;
		if (*skip > 0)
			(*skip)--;
		else if (*y < y_end) {
			move(*y, 0);
			attrset(dash_color_attr(DASH_COLOR_LABEL));
			draw_text(dash, " ", COLS);
			draw_text(dash, first ? label : "", DRAW_LABEL);
			draw_pad(DRAW_LABEL + 2);
			attrset(dash_color_attr(role));
			draw_textn(dash, p, fit, width);
			attrset(A_NORMAL);
			(*y)++;
		}
		lines++;
		first = 0;
		p += fit;
		if (fit == len && nl != NULL)
			p++;	/* past the newline */
		else if (fit == len)
			break;
	}
	return lines;
}

static void
draw_detail(struct dash *dash, int y0, int height, double now)
{
	struct dash_item	*item = dash_selected(dash);
	char			 buf[512], took[32], at[16];
	size_t			 skip = dash->detail_scroll, i;
	int			 y = y0 + 1, y_end = y0 + height, x, lines = 0;
	int			 flips;
	const char		*more;

	if (height <= 0)
		return;
	draw_bar(y0, DASH_COLOR_SUBHEADER);
	attrset(dash_color_attr(DASH_COLOR_SELECTED) | A_BOLD);
	move(y0, 0);
	draw_pad(COLS);
	move(y0, 0);
	if (item == NULL) {
		draw_text(dash, " no check selected", COLS);
		attrset(A_NORMAL);
		return;
	}
	x = draw_text(dash, " ", COLS);
	x += draw_text(dash, item->id, COLS - x);
	snprintf(buf, sizeof buf, "  (%s, %s%s)", item->kind,
	    layer_name(item->layer), item->extra ? ", not declared" : "");
	draw_text(dash, buf, COLS - x);
	attrset(A_NORMAL);

	if (item->drift != DRIFT_NONE)
		snprintf(buf, sizeof buf, "%s (%s)", status_name(item->status),
		    drift_name(item->drift));
	else
		snprintf(buf, sizeof buf, "%s", status_name(item->status));
	if (item->in_flight && item->status != STATUS_RUNNING &&
	    item->status != STATUS_PENDING) {
		size_t	len = strlen(buf);

		draw_duration(took, sizeof took, item->started_ms > 0 ?
		    now - item->started_ms : 0);
		snprintf(buf + len, sizeof buf - len, "  (re-probing: %s)",
		    item->started_ms > 0 ? took : "queued");
	}
	lines += draw_field(dash, &y, y_end, &skip, "status", buf,
	    dash_color_status(item->status));
	lines += draw_field(dash, &y, y_end, &skip, "expected", item->expected,
	    DASH_COLOR_DEFAULT);
	lines += draw_field(dash, &y, y_end, &skip, "observed", item->observed,
	    item->status == STATUS_OK ? DASH_COLOR_DEFAULT :
	    dash_color_status(item->status));
	draw_row_message(item, now, buf, sizeof buf);
	lines += draw_field(dash, &y, y_end, &skip, "message", buf,
	    DASH_COLOR_DEFAULT);
	if (item->cause != NULL)
		lines += draw_field(dash, &y, y_end, &skip, "caused by",
		    item->cause, DASH_COLOR_WARNING);
	if (item->root_of != NULL)
		lines += draw_field(dash, &y, y_end, &skip, "root of",
		    item->root_of, DASH_COLOR_WARNING);
	lines += draw_field(dash, &y, y_end, &skip, "evidence", item->evidence,
	    DASH_COLOR_DEFAULT);
	draw_duration(took, sizeof took, item->duration_ms);
	draw_clock(at, sizeof at, item->finished_at);
	snprintf(buf, sizeof buf, "%s, finished %s, timeout %d ms", took,
	    item->finished_at > 0 ? at : "never", item->timeout_ms);
	lines += draw_field(dash, &y, y_end, &skip, "duration", buf,
	    DASH_COLOR_DEFAULT);

	buf[0] = '\0';
	for (i = 0; i < item->nhistory; i++) {
		size_t	len = strlen(buf);

		snprintf(buf + len, sizeof buf - len, "%s%s", i > 0 ? " " : "",
		    status_name((enum status)item->history[i]));
	}
	flips = dash_item_flips(item);
	if (item->nhistory == 0)
		snprintf(buf, sizeof buf, "no verdict yet");
	else {
		size_t	len = strlen(buf);

		snprintf(buf + len, sizeof buf - len, "  (oldest first%s)",
		    flips >= 2 ? "; FLAPPING" : "");
	}
	lines += draw_field(dash, &y, y_end, &skip, "history", buf,
	    flips >= 2 ? DASH_COLOR_WARNING : DASH_COLOR_DEFAULT);
	lines += draw_field(dash, &y, y_end, &skip, "checks", item->summary,
	    DASH_COLOR_DIM);
	lines += draw_field(dash, &y, y_end, &skip, "declared", item->where,
	    DASH_COLOR_DIM);
	/* Scrolled past the end (the check changed): come back. */
	if ((size_t)lines <= dash->detail_scroll && dash->detail_scroll > 0)
		dash->detail_scroll = lines > 0 ? (size_t)lines - 1 : 0;
	dash->detail_lines = (size_t)lines;
	dash->detail_height = (size_t)(height - 1);
	/* Say when there is more than the pane shows. */
	more = dash->detail_scroll > 0 ?
	    ((size_t)lines > dash->detail_scroll + (size_t)(height - 1) ?
	    " J/K: more " : " K: more above ") :
	    ((size_t)lines > (size_t)(height - 1) ? " J: more below " : NULL);
	if (more != NULL && COLS > (int)strlen(more) + 20) {
		attrset(dash_color_attr(DASH_COLOR_SELECTED) | A_BOLD);
		mvaddstr(y0, COLS - (int)strlen(more) - 1, more);
		attrset(A_NORMAL);
	}
}

static void
draw_keys(struct dash *dash, int y, const char *const *keys)
{
	int	x = 0;
	size_t	i;

	draw_bar(y, DASH_COLOR_FOOTER);
	for (i = 0; keys[i] != NULL && keys[i + 1] != NULL; i += 2) {
		if (x + (int)strlen(keys[i]) + (int)strlen(keys[i + 1]) + 2 > COLS)
			break;
		attrset(dash_color_attr(DASH_COLOR_FOOTER) | A_BOLD);
		x += draw_text(dash, " ", COLS - x);
		x += draw_text(dash, keys[i], COLS - x);
		attrset(dash_color_attr(DASH_COLOR_FOOTER));
		x += draw_text(dash, " ", COLS - x);
		x += draw_text(dash, keys[i + 1], COLS - x);
	}
	attrset(A_NORMAL);
}

static void
draw_footer(struct dash *dash, double now)
{
	static const char *const list_keys[] = {
		"q", "quit", "?", "help", "Enter", "detail", "n", "next problem",
		"/", "filter", "p", "problems", "r", "re-probe", "s", "sort",
		"Tab", "group", "+/-", "interval", "R", "all", NULL
	};
	static const char *const detail_keys[] = {
		"q", "quit", "Esc", "close", "j/k", "next", "J/K", "scroll",
		"r", "re-probe this", "R", "all", "/", "filter", "?", "help", NULL
	};

	if (dash->note_until > now && dash->note[0] != '\0') {
		draw_bar(LINES - 1, DASH_COLOR_FOOTER);
		draw_text(dash, " ", COLS);
		draw_text(dash, dash->note, COLS - 1);
		attrset(A_NORMAL);
		return;
	}
	draw_keys(dash, LINES - 1, dash->screen == DASH_DETAIL ? detail_keys :
	    list_keys);
}

/* The list, alone or with the detail pane under it. */
static void
draw_main(struct dash *dash, int detail, double now)
{
	int	avail = LINES - 3, list_h, detail_h;

	if (!detail) {
		draw_list(dash, 2, avail, now);
		return;
	}
	/* The evidence matters most once asked for: give it the larger part. */
	detail_h = avail * 3 / 5;
	if (detail_h < 8)
		detail_h = avail - 3 > 8 ? 8 : avail - 3;
	list_h = avail - detail_h;
	if (list_h < 3) {
		list_h = avail > 3 ? 3 : avail;
		detail_h = avail - list_h;
	}
	draw_list(dash, 2, list_h, now);
	draw_detail(dash, 2 + list_h, detail_h, now);
}

static void
draw_screen_list(struct dash *dash, double now)
{
	draw_main(dash, 0, now);
	draw_footer(dash, now);
}

static void
draw_screen_detail(struct dash *dash, double now)
{
	draw_main(dash, 1, now);
	draw_footer(dash, now);
}

static void
draw_screen_filter(struct dash *dash, double now)
{
	int	x;

	draw_main(dash, dash->back == DASH_DETAIL, now);
	draw_bar(LINES - 1, DASH_COLOR_PROMPT);
	x = draw_text(dash, "/", COLS);
	x += draw_text(dash, dash->filter, COLS - x - 1);
	x += draw_text(dash, "_", COLS - x);
	if (dash->filter_error != NULL) {
		attrset(dash_color_attr(DASH_COLOR_PROMPT) | A_BOLD);
		x += draw_text(dash, "  invalid: ", COLS - x);
		draw_text(dash, dash->filter_error, COLS - x);
	} else
		draw_text(dash, "   regex on id and message; Enter keeps, Esc clears",
		    COLS - x);
	attrset(A_NORMAL);
}

static void
draw_screen_help(struct dash *dash, double now)
{
	static const char *const help[] = {
		"j k, Down Up", "move the selection",
		"PgDn PgUp, Space", "move a page",
		"g G, Home End", "first, last check",
		"Tab Shift-Tab", "next, previous group",
		"n N", "next, previous problem (drift, error)",
		"Enter l, Right", "open the detail pane (expected, observed, evidence)",
		"Esc h, Left", "close the detail pane; clear the filter",
		"J K", "scroll the detail pane",
		"/", "filter by regex on id and message (Esc clears)",
		"p", "show only problems (drift, error) / everything",
		"r", "re-probe now: every check (list), this check (detail)",
		"R", "re-probe every check now",
		"s", "sort inside groups: status, id, duration",
		"+ -", "refresh interval up, down",
		"?", "this help",
		"q, Ctrl-C", "quit",
		NULL, NULL
	};
	size_t	i;
	int	y = 3, x;
	char	line[128];

	(void)now;
	attrset(dash_color_attr(DASH_COLOR_GROUP));
	mvaddstr(2, 0, "");
	draw_text(dash, " Keys (any key closes this)", COLS);
	for (i = 0; help[i] != NULL && y < LINES - 2; i += 2, y++) {
		move(y, 0);
		attrset(dash_color_attr(DASH_COLOR_KEY));
		x = draw_text(dash, "   ", COLS);
		x += draw_text(dash, help[i], COLS - x);
		draw_pad(22 < COLS ? 22 : COLS);
		attrset(A_NORMAL);
		draw_text(dash, help[i + 1], COLS - 22);
	}
	if (y < LINES - 2) {
		snprintf(line, sizeof line, "   statuses: %s ok  %s drift  %s error  "
		    "%s unknown  %s skipped  %s running",
		    dash_glyph(STATUS_OK, dash->utf8, 0),
		    dash_glyph(STATUS_DRIFT, dash->utf8, 0),
		    dash_glyph(STATUS_ERROR, dash->utf8, 0),
		    dash_glyph(STATUS_UNKNOWN, dash->utf8, 0),
		    dash_glyph(STATUS_SKIPPED, dash->utf8, 0),
		    dash_glyph(STATUS_RUNNING, dash->utf8, 0));
		move(y + 1, 0);
		draw_text(dash, line, COLS);
	}
	if (y + 2 < LINES - 1) {
		move(y + 2, 0);
		draw_text(dash, "   a row: status, id, its last 5 verdicts (oldest "
		    "first), duration, message", COLS);
	}
	draw_bar(LINES - 1, DASH_COLOR_FOOTER);
	draw_text(dash, " any key: back", COLS);
	attrset(A_NORMAL);
}

void
dash_draw(struct dash *dash)
{
	double	now = util_now_ms();

	erase();
	attrset(A_NORMAL);
	if (LINES < 6 || COLS < 30) {
		mvaddstr(0, 0, "");
		draw_text(dash, "terminal too small (80x24 or more)", COLS);
		refresh();
		return;
	}
	draw_header(dash);
	draw_subheader(dash, now);
	switch (dash->screen) {
	case DASH_LIST:
		draw_screen_list(dash, now);
		break;
	case DASH_DETAIL:
		draw_screen_detail(dash, now);
		break;
	case DASH_FILTER:
		draw_screen_filter(dash, now);
		break;
	case DASH_HELP:
		draw_screen_help(dash, now);
		break;
	}
	refresh();
}
