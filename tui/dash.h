/*
 * dash.h: the dashboard (`topo dash`), a live ncurses view of the drift.
 *
 * The scheduler runs in the background; its notify callback records each
 * verdict in a short per-check history and wakes the UI thread through a
 * self-pipe. The UI thread copies the results into its own snapshot (under
 * the scheduler lock), builds the visible rows from it (filter, grouping,
 * sort: pure, see dash_rows_build) and draws. Like ncdu, each screen state
 * has one draw function (tui/draw.c) and one key handler (tui/keys.c);
 * colours are named roles mapped in one place (tui/colors.c).
 */
#ifndef TOPO_DASH_H
#define TOPO_DASH_H

#include <stddef.h>

#include "../topology/check.h"

struct plan;
struct regex;
struct sched;
struct topology;

struct dash_options {
	int	 interval;	/* seconds between runs, >= 1 */
	int	 jobs;		/* checks in flight at once */
};

/*
 * Runs the dashboard until the user quits. Returns the exit code: 0 after q,
 * 130 after Ctrl-C, 143 after SIGTERM, 2 when there is no terminal (with a
 * message pointing at `topo check` on stderr).
 */
int	dash_run(struct topology *, struct plan *, const struct dash_options *);
/* 1 when stdin and stdout are both terminals. */
int	dash_has_terminal(void);
#define DASH_NO_TERMINAL "topo dash needs a terminal; use topo check"

/* ---- internals shared by the files of tui/ ---- */

#define DASH_HISTORY	8	/* verdicts kept per check */
#define DASH_FILTER_MAX	200	/* bytes of a filter pattern */
#define DASH_INTERVAL_MAX 86400	/* what --interval accepts */

enum dash_screen {
	DASH_LIST,	/* the grouped list */
	DASH_DETAIL,	/* the list with the detail pane of the selected check */
	DASH_FILTER,	/* typing a / filter (over the list or the detail) */
	DASH_HELP,	/* the keys */
};

enum dash_sort {
	DASH_SORT_STATUS,	/* problems first, then id */
	DASH_SORT_ID,
	DASH_SORT_DURATION,	/* slowest first */
};
#define DASH_SORT_COUNT 3

/* One check as the UI thread last copied it; it owns every string. */
struct dash_item {
	char		*id;
	const char	*kind;		/* the probe's name (static storage) */
	enum layer	 layer;
	enum status	 status;
	enum drift	 drift;
	char		*summary;
	char		*where;		/* file:line:column, or NULL */
	char		*expected;
	char		*observed;
	char		*message;
	char		*evidence;
	char		*cause;		/* the chain of causes, NULL for a root */
	char		*root_of;	/* the checks failing because of it, or NULL */
	double		 duration_ms;
	double		 started_ms;	/* util_now_ms() when first seen in flight */
	int		 timeout_ms;
	long		 finished_at;	/* epoch seconds, 0 = never */
	int		 extra;
	/* Being re-probed: status and strings are still its last verdict's
	 * (so rows do not flicker at every run), see dash_item_shown. */
	int		 in_flight;
	/* Last verdicts, oldest first (enum status values). */
	unsigned char	 history[DASH_HISTORY];
	size_t		 nhistory;
	int		 group;		/* rank: kind order, then layer */
};

/* A visible row: a group heading (item NULL) or a check. */
struct dash_row {
	int			 group;
	struct dash_item	*item;
	/* Headings only: checks shown in the group, and how many are problems. */
	size_t			 count;
	size_t			 problems;
};

/* Verdicts of one check id; touched only under the scheduler lock. */
struct dash_history {
	char		*id;		/* NULL = free slot */
	unsigned char	 verdicts[DASH_HISTORY];
	size_t		 count;
};

struct dash {
	struct topology		*topology;
	struct plan		*plan;
	struct sched		*sched;
	int			 interval;	/* seconds */
	int			 jobs;

	/* Written from probe threads by notify, under the scheduler lock. */
	struct dash_history	*history;	/* open addressing by id */
	size_t			 history_size;	/* slots, a power of two */
	size_t			 history_used;
	int			 wake[2];	/* self-pipe: results, signals */

	/* The UI thread's own. */
	struct dash_item	*items;
	size_t			 nitems;
	size_t			 hidden;	/* filtered out by --only/--layer */
	struct dash_row		*rows;
	size_t			 nrows;
	size_t			 counts[STATUS_COUNT];
	enum dash_screen	 screen;
	enum dash_screen	 back;		/* where FILTER and HELP return */
	size_t			 selected;	/* a check row, or nrows when none */
	size_t			 top;		/* first row drawn in the list */
	char			*selected_id;	/* kept across rebuilds */
	size_t			 detail_scroll;
	size_t			 detail_lines;	/* at the last draw: all of them */
	size_t			 detail_height;	/* and how many the pane shows */
	char			 filter[DASH_FILTER_MAX + 1];
	size_t			 filter_len;
	struct regex		*filter_regex;	/* NULL: no filter */
	char			*filter_error;	/* the pattern does not compile */
	int			 problems_only;
	/* No key pressed yet: the selection follows the first problem. */
	int			 touched;
	enum dash_sort		 sort;

	int			 running;	/* a run started by us is in flight */
	int			 queued_all;	/* re-probe asked while busy */
	char			*queued_id;
	double			 next_run_ms;	/* util_now_ms() of the next run */
	double			 run_started_ms;
	long			 last_started;	/* epoch seconds of the last run */
	double			 last_duration_ms;
	int			 runs;		/* finished runs */
	char			 note[200];	/* a short message in the footer */
	double			 note_until;

	int			 utf8;		/* UTF-8 glyphs */
	int			 list_height;	/* list rows at the last draw */
	int			 quit;
	int			 exit_code;
};

/* tui/dash.c */
void	dash_note(struct dash *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	dash_probe_all(struct dash *);
void	dash_probe_selected(struct dash *);

/* tui/history.c */
/* Records a final verdict of id (caller holds the scheduler lock). */
void	dash_history_add(struct dash *, const char *id, enum status);
const struct dash_history *dash_history_find(const struct dash *, const char *id);
void	dash_history_free(struct dash *);

/* tui/rows.c: the visible rows, pure (no curses, no clock). */
void	dash_rows_build(struct dash *);
/* Rank of a check's group: kinds in the operator's order, static before live. */
int	dash_group_rank(const char *kind, enum layer);
/* "http · live" into buf. */
void	dash_group_name(const struct dash_item *, char *buf, size_t len);
/* Sets the / filter; an invalid pattern keeps no filter and sets filter_error. */
void	dash_filter_set(struct dash *, const char *pattern);
void	dash_select_move(struct dash *, long delta);	/* by check rows */
void	dash_select_first(struct dash *);
void	dash_select_last(struct dash *);
void	dash_select_group(struct dash *, int direction);	/* Tab, Shift-Tab */
/* The next (previous) drift or error, wrapping; 0 when there is none. */
int	dash_select_problem(struct dash *, int direction);
struct dash_item *dash_selected(const struct dash *);
/*
 * The status a row shows at time now: its last verdict while a re-probe is
 * young, "running" once the probe has been in flight DASH_SHOW_RUNNING_MS.
 */
enum status dash_item_shown(const struct dash_item *, double now);
#define DASH_SHOW_RUNNING_MS 500
/* Status changes among the last verdicts: >= 2 is flapping. */
int	dash_item_flips(const struct dash_item *);
void	dash_items_free(struct dash *);

/* tui/draw.c */
void	dash_draw(struct dash *);
/* The glyph of a status (UTF-8 or ASCII), frame animates "running". */
const char *dash_glyph(enum status, int utf8, unsigned frame);

/* tui/keys.c: one handler per screen state; returns 1 when a redraw is needed. */
int	dash_key(struct dash *, int key);

/* tui/colors.c: roles, mapped in one place. */
enum dash_color {
#define DASH_COLOR(role, fg, bg, attr, mono) DASH_COLOR_##role,
#include "colors.def"
#undef DASH_COLOR
	DASH_COLOR_COUNT
};
/* Colours unless NO_COLOR is set or the terminal has none. */
void	dash_colors_init(void);
int	dash_color_attr(enum dash_color);	/* an attr_t for attron */
int	dash_color_status(enum status);		/* the role of a status */
int	dash_colors_enabled(void);

#endif
