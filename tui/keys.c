/*
 * keys.c: one key handler per screen state (like ncdu). Every key acts at
 * once on the snapshot; the only keys that touch the scheduler are r and R,
 * and they never wait for it (a re-probe asked during a run is queued).
 */
#include "dash.h"

#include <curses.h>
#include <string.h>

#include "../util/util.h"

#define KEY_ESC		27
#define KEY_CTRL(c)	((c) & 0x1f)

static const int interval_steps[] = {
	1, 2, 3, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600
};
#define INTERVAL_STEPS (int)(sizeof interval_steps / sizeof interval_steps[0])

static void
keys_interval(struct dash *dash, int direction)
{
	int	i, old = dash->interval, next = old;

	if (direction > 0) {
		for (i = 0; i < INTERVAL_STEPS; i++) {
			if (interval_steps[i] > old) {
				next = interval_steps[i];
				break;
			}
		}
	} else {
		for (i = INTERVAL_STEPS - 1; i >= 0; i--) {
			if (interval_steps[i] < old) {
				next = interval_steps[i];
				break;
			}
		}
	}
	dash->interval = next;
	/* The next run moves with the interval, never into the past. */
	dash->next_run_ms += (next - old) * 1000.0;
	if (dash->next_run_ms < util_now_ms())
		dash->next_run_ms = util_now_ms();
	dash_note(dash, "refresh every %d s", next);
}

static void
keys_sort(struct dash *dash)
{
	static const char *const names[DASH_SORT_COUNT] = {
		"status (problems first)", "id", "duration (slowest first)"
	};

	dash->sort = (enum dash_sort)((dash->sort + 1) % DASH_SORT_COUNT);
	dash_rows_build(dash);
	dash_note(dash, "sort: %s", names[dash->sort]);
}

static void
keys_filter_open(struct dash *dash)
{
	dash->back = dash->screen;
	dash->screen = DASH_FILTER;
}

static void
keys_filter_clear(struct dash *dash)
{
	dash->filter[0] = '\0';
	dash->filter_len = 0;
	dash_filter_set(dash, NULL);
}

/* Keys the list and the detail pane share: moving, toggles, runs. */
static int
keys_common(struct dash *dash, int key)
{
	long	page = dash->list_height > 2 ? dash->list_height - 1 : 1;

	switch (key) {
	case 'q':
	case 'Q':
		dash->quit = 1;
		dash->exit_code = 0;
		break;
	case 'j':
	case KEY_DOWN:
		dash_select_move(dash, 1);
		break;
	case 'k':
	case KEY_UP:
		dash_select_move(dash, -1);
		break;
	case KEY_NPAGE:
	case ' ':
	case KEY_CTRL('f'):
		dash_select_move(dash, page);
		break;
	case KEY_PPAGE:
	case KEY_CTRL('b'):
		dash_select_move(dash, -page);
		break;
	case 'g':
	case KEY_HOME:
		dash_select_first(dash);
		break;
	case 'G':
	case KEY_END:
		dash_select_last(dash);
		break;
	case '\t':
		dash_select_group(dash, 1);
		break;
	case 'n':
		if (!dash_select_problem(dash, 1))
			dash_note(dash, "no drift, no error");
		break;
	case 'N':
		if (!dash_select_problem(dash, -1))
			dash_note(dash, "no drift, no error");
		break;
	case KEY_BTAB:
		dash_select_group(dash, -1);
		break;
	case '/':
		keys_filter_open(dash);
		break;
	case 'p':
		dash->problems_only = !dash->problems_only;
		dash_rows_build(dash);
		dash_note(dash, "%s", dash->problems_only ? "showing problems only (p: all)" :
		    "showing every check");
		break;
	case 'R':
		dash_probe_all(dash);
		break;
	case 's':
		keys_sort(dash);
		break;
	case '+':
	case '=':
		keys_interval(dash, 1);
		break;
	case '-':
		keys_interval(dash, -1);
		break;
	case '?':
	case KEY_F(1):
		dash->back = dash->screen;
		dash->screen = DASH_HELP;
		break;
	case KEY_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	default:
		return 0;
	}
	return 1;
}

static int
keys_list(struct dash *dash, int key)
{
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
	case 'l':
	case KEY_RIGHT:
		if (dash_selected(dash) != NULL) {
			dash->screen = DASH_DETAIL;
			dash->detail_scroll = 0;
		}
		return 1;
	case KEY_ESC:
		if (dash->filter_regex != NULL || dash->filter_error != NULL)
			keys_filter_clear(dash);
		else if (dash->problems_only) {
			dash->problems_only = 0;
			dash_rows_build(dash);
		}
		return 1;
	case 'r':
		dash_probe_all(dash);
		return 1;
	}
	return keys_common(dash, key);
}

static int
keys_detail(struct dash *dash, int key)
{
	switch (key) {
	case KEY_ESC:
	case 'h':
	case KEY_LEFT:
	case KEY_BACKSPACE:
		dash->screen = DASH_LIST;
		return 1;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case 'l':
	case KEY_RIGHT:
		return 1;
	case 'J':
		if (dash->detail_scroll + dash->detail_height < dash->detail_lines)
			dash->detail_scroll++;
		return 1;
	case 'K':
		if (dash->detail_scroll > 0)
			dash->detail_scroll--;
		return 1;
	case 'r':
		dash_probe_selected(dash);
		return 1;
	}
	return keys_common(dash, key);
}

static int
keys_filter(struct dash *dash, int key)
{
	switch (key) {
	case KEY_ESC:
		keys_filter_clear(dash);
		dash->screen = dash->back;
		return 1;
	case '\n':
	case '\r':
	case KEY_ENTER:
		/* A pattern that does not compile filters nothing: drop it. */
		if (dash->filter_error != NULL)
			keys_filter_clear(dash);
		dash->screen = dash->back;
		if (dash_selected(dash) == NULL)
			dash_select_first(dash);
		return 1;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		/* Whole UTF-8 characters: drop continuation bytes too. */
		while (dash->filter_len > 0 &&
		    ((unsigned char)dash->filter[--dash->filter_len] & 0xc0) == 0x80)
			;
		dash->filter[dash->filter_len] = '\0';
		break;
	case KEY_CTRL('u'):
		dash->filter_len = 0;
		dash->filter[0] = '\0';
		break;
	case KEY_DOWN:
	case KEY_UP:
		/* Move through the matches while typing, as in htop. */
		dash_select_move(dash, key == KEY_DOWN ? 1 : -1);
		return 1;
	default:
		if (key < 0x20 || key > 0xff || key == 0x7f)
			return 0;
		if (dash->filter_len < DASH_FILTER_MAX) {
			dash->filter[dash->filter_len++] = (char)key;
			dash->filter[dash->filter_len] = '\0';
		}
		break;
	}
	/* Narrow as you type, like htop's filter. */
	dash_filter_set(dash, dash->filter);
	if (dash_selected(dash) == NULL)
		dash_select_first(dash);
	return 1;
}

static int
keys_help(struct dash *dash, int key)
{
	(void)key;
	dash->screen = dash->back == DASH_DETAIL ? DASH_DETAIL : DASH_LIST;
	return 1;
}

int
dash_key(struct dash *dash, int key)
{
	switch (dash->screen) {
	case DASH_LIST:
		return keys_list(dash, key);
	case DASH_DETAIL:
		return keys_detail(dash, key);
	case DASH_FILTER:
		return keys_filter(dash, key);
	case DASH_HELP:
		return keys_help(dash, key);
	}
	return 0;
}
