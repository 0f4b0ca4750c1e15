/*
 * test_dash.c: the dashboard's rows (tui/rows.c) without a terminal:
 * grouping in the operator's order, the sorts, "problems only", the regex
 * filter on id and message, the selection following its check across
 * rebuilds, Tab between groups, flapping, and the verdict history table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tui/dash.h"
#include "../../util/regex.h"
#include "../../util/util.h"

struct fixture_item {
	const char	*id;
	const char	*kind;
	enum layer	 layer;
	enum status	 status;
	const char	*message;
	double		 duration_ms;
};

static void
dash_fill(struct dash *dash, const struct fixture_item *items, size_t n)
{
	size_t	i;

	memset(dash, 0, sizeof *dash);
	dash->items = xcalloc(n + 1, sizeof *dash->items);
	for (i = 0; i < n; i++) {
		struct dash_item	*it = &dash->items[i];

		it->id = xstrdup(items[i].id);
		it->kind = items[i].kind;
		it->layer = items[i].layer;
		it->status = items[i].status;
		it->message = items[i].message != NULL ?
		    xstrdup(items[i].message) : NULL;
		it->duration_ms = items[i].duration_ms;
		it->group = dash_group_rank(it->kind, it->layer);
	}
	dash->nitems = n;
	dash_rows_build(dash);
	dash_select_first(dash);
}

static void
dash_clear(struct dash *dash)
{
	dash_items_free(dash);
	regex_free(dash->filter_regex);
	free(dash->filter_error);
	free(dash->selected_id);
}

/* "#kind/layer" for headings, the id for checks, joined by spaces. */
static char *
rows_text(const struct dash *dash)
{
	char	*out = xstrdup(""), *next, name[128];
	size_t	 i;

	for (i = 0; i < dash->nrows; i++) {
		if (dash->rows[i].item == NULL) {
			dash_group_name(dash->rows[i + 1].item, name, sizeof name);
			next = xasprintf("%s%s#%s", out, *out ? " " : "", name);
		} else
			next = xasprintf("%s%s%s", out, *out ? " " : "",
			    dash->rows[i].item->id);
		free(out);
		out = next;
	}
	return out;
}

static const struct fixture_item mixed[] = {
	{ "http/web", "http", LAYER_LIVE, STATUS_OK, "200 ok", 12 },
	{ "http/api", "http", LAYER_LIVE, STATUS_ERROR, "connection refused", 3 },
	{ "file/readme", "files", LAYER_STATIC, STATUS_OK, "exists", 1 },
	{ "port/3111", "ports", LAYER_LIVE, STATUS_DRIFT, "closed, expected listening", 40 },
	{ "launchd/com.x", "launchd", LAYER_STATIC, STATUS_OK, "declared", 2 },
	{ "launchd/com.x-live", "launchd", LAYER_LIVE, STATUS_UNKNOWN, "no launchctl", 0 },
	{ "http/zeta", "http", LAYER_LIVE, STATUS_DRIFT, "503", 500 },
};
#define NMIXED (sizeof mixed / sizeof mixed[0])

static void
test_groups_in_operator_order(void **state)
{
	struct dash	 dash;
	char		*text;

	(void)state;
	dash_fill(&dash, mixed, NMIXED);
	text = rows_text(&dash);
	assert_string_equal(text,
	    "#launchd / static launchd/com.x "
	    "#launchd / live launchd/com.x-live "
	    "#ports / live port/3111 "
	    "#http / live http/zeta http/api http/web "
	    "#files / static file/readme");
	/* Headings count their checks and problems. */
	assert_null(dash.rows[6].item);
	assert_int_equal(dash.rows[6].count, 3);
	assert_int_equal(dash.rows[6].problems, 2);
	free(text);
	dash_clear(&dash);
}

static void
test_sorts(void **state)
{
	struct dash	 dash;
	char		*text;

	(void)state;
	dash_fill(&dash, mixed, NMIXED);
	dash.sort = DASH_SORT_ID;
	dash_rows_build(&dash);
	text = rows_text(&dash);
	assert_non_null(strstr(text, "#http / live http/api http/web http/zeta"));
	free(text);
	dash.sort = DASH_SORT_DURATION;
	dash_rows_build(&dash);
	text = rows_text(&dash);
	assert_non_null(strstr(text, "#http / live http/zeta http/web http/api"));
	free(text);
	dash_clear(&dash);
}

static void
test_problems_only(void **state)
{
	struct dash	 dash;
	char		*text;

	(void)state;
	dash_fill(&dash, mixed, NMIXED);
	/* A check in flight keeps its last verdict for filtering. */
	dash.items[6].status = STATUS_RUNNING;
	dash.items[6].history[0] = STATUS_DRIFT;
	dash.items[6].nhistory = 1;
	dash.problems_only = 1;
	dash_rows_build(&dash);
	text = rows_text(&dash);
	assert_string_equal(text,
	    "#ports / live port/3111 #http / live http/zeta http/api");
	free(text);
	dash_clear(&dash);
}

static void
test_filter_regex(void **state)
{
	struct dash	 dash;
	char		*text;

	(void)state;
	dash_fill(&dash, mixed, NMIXED);
	dash_filter_set(&dash, "^http/(api|web)$");
	text = rows_text(&dash);
	assert_string_equal(text, "#http / live http/api http/web");
	free(text);
	/* The message matches too. */
	dash_filter_set(&dash, "refused|expected");
	text = rows_text(&dash);
	assert_string_equal(text, "#ports / live port/3111 #http / live http/api");
	free(text);
	/* An invalid pattern filters nothing and says why. */
	dash_filter_set(&dash, "(unclosed");
	assert_non_null(dash.filter_error);
	assert_null(dash.filter_regex);
	assert_int_equal(dash.nrows, NMIXED + 5);
	dash_filter_set(&dash, NULL);
	assert_null(dash.filter_error);
	dash_clear(&dash);
}

static void
test_selection_follows_id(void **state)
{
	struct dash	 dash;

	(void)state;
	dash_fill(&dash, mixed, NMIXED);
	assert_string_equal(dash_selected(&dash)->id, "launchd/com.x");
	dash_select_move(&dash, 1);	/* skips the heading */
	assert_string_equal(dash_selected(&dash)->id, "launchd/com.x-live");
	dash_select_move(&dash, 3);
	assert_string_equal(dash_selected(&dash)->id, "http/api");
	dash.sort = DASH_SORT_ID;	/* rows move, the selection follows */
	dash_rows_build(&dash);
	assert_string_equal(dash_selected(&dash)->id, "http/api");
	/* Filtered away: the selection stays near, on a check. */
	dash_filter_set(&dash, "^port");
	assert_string_equal(dash_selected(&dash)->id, "port/3111");
	dash_filter_set(&dash, "nothing matches this");
	assert_null(dash_selected(&dash));
	dash_select_move(&dash, 1);
	assert_null(dash_selected(&dash));
	dash_filter_set(&dash, NULL);
	assert_non_null(dash_selected(&dash));
	dash_select_last(&dash);
	assert_string_equal(dash_selected(&dash)->id, "file/readme");
	dash_select_move(&dash, 100);
	assert_string_equal(dash_selected(&dash)->id, "file/readme");
	dash_select_move(&dash, -100);
	assert_string_equal(dash_selected(&dash)->id, "launchd/com.x");
	dash_clear(&dash);
}

static void
test_tab_between_groups(void **state)
{
	struct dash	 dash;

	(void)state;
	dash_fill(&dash, mixed, NMIXED);
	dash_select_group(&dash, 1);
	assert_string_equal(dash_selected(&dash)->id, "launchd/com.x-live");
	dash_select_group(&dash, 1);
	assert_string_equal(dash_selected(&dash)->id, "port/3111");
	dash_select_group(&dash, 1);
	assert_string_equal(dash_selected(&dash)->id, "http/zeta");
	dash_select_move(&dash, 1);	/* inside a group, Tab still jumps */
	dash_select_group(&dash, 1);
	assert_string_equal(dash_selected(&dash)->id, "file/readme");
	dash_select_group(&dash, 1);	/* wraps */
	assert_string_equal(dash_selected(&dash)->id, "launchd/com.x");
	dash_select_group(&dash, -1);	/* wraps back */
	assert_string_equal(dash_selected(&dash)->id, "file/readme");
	dash_select_group(&dash, -1);
	assert_string_equal(dash_selected(&dash)->id, "http/zeta");
	dash_clear(&dash);
}

static void
test_next_problem(void **state)
{
	struct dash	 dash;

	(void)state;
	dash_fill(&dash, mixed, NMIXED);
	/* launchd/com.x is selected; problems: port/3111, http/zeta, http/api (drift before error, as in reports). */
	assert_true(dash_select_problem(&dash, 1));
	assert_string_equal(dash_selected(&dash)->id, "port/3111");
	assert_true(dash_select_problem(&dash, 1));
	assert_string_equal(dash_selected(&dash)->id, "http/zeta");
	assert_true(dash_select_problem(&dash, 1));
	assert_string_equal(dash_selected(&dash)->id, "http/api");
	assert_true(dash_select_problem(&dash, 1));	/* wraps */
	assert_string_equal(dash_selected(&dash)->id, "port/3111");
	assert_true(dash_select_problem(&dash, -1));	/* wraps back */
	assert_string_equal(dash_selected(&dash)->id, "http/api");
	dash_filter_set(&dash, "^launchd|^file");
	assert_false(dash_select_problem(&dash, 1));
	dash_clear(&dash);
}

static void
test_keys(void **state)
{
	struct dash	 dash;
	int		 i;

	(void)state;
	dash_fill(&dash, mixed, NMIXED);
	dash.interval = 10;
	/* + and - step through 1 2 3 5 10 15 30 60 ..., clamped at the ends. */
	dash_key(&dash, '+');
	assert_int_equal(dash.interval, 15);
	dash_key(&dash, '-');
	dash_key(&dash, '-');
	assert_int_equal(dash.interval, 5);
	for (i = 0; i < 10; i++)
		dash_key(&dash, '-');
	assert_int_equal(dash.interval, 1);
	for (i = 0; i < 40; i++)
		dash_key(&dash, '+');
	assert_int_equal(dash.interval, 3600);

	/* Enter opens the detail, Esc closes it. */
	assert_int_equal(dash.screen, DASH_LIST);
	dash_key(&dash, '\n');
	assert_int_equal(dash.screen, DASH_DETAIL);
	dash_key(&dash, 27);
	assert_int_equal(dash.screen, DASH_LIST);

	/* / types a filter that narrows as it goes; Enter keeps it. */
	dash_key(&dash, '/');
	assert_int_equal(dash.screen, DASH_FILTER);
	dash_key(&dash, 'z');
	dash_key(&dash, 'e');
	assert_string_equal(dash.filter, "ze");
	assert_string_equal(dash_selected(&dash)->id, "http/zeta");
	dash_key(&dash, 127);	/* backspace */
	assert_string_equal(dash.filter, "z");
	dash_key(&dash, '\n');
	assert_int_equal(dash.screen, DASH_LIST);
	assert_non_null(dash.filter_regex);
	/* Esc in the list clears it. */
	dash_key(&dash, 27);
	assert_null(dash.filter_regex);
	assert_int_equal(dash.nrows, NMIXED + 5);

	/* p toggles problems only; s cycles the sort; ? and any key. */
	dash_key(&dash, 'p');
	assert_true(dash.problems_only);
	assert_int_equal(dash.nrows, 3 + 2);
	dash_key(&dash, 'p');
	assert_false(dash.problems_only);
	dash_key(&dash, 's');
	assert_int_equal(dash.sort, DASH_SORT_ID);
	dash_key(&dash, '?');
	assert_int_equal(dash.screen, DASH_HELP);
	dash_key(&dash, 'q');	/* closes the help, does not quit */
	assert_int_equal(dash.screen, DASH_LIST);
	assert_false(dash.quit);
	dash_key(&dash, 'q');
	assert_true(dash.quit);
	assert_int_equal(dash.exit_code, 0);
	dash_clear(&dash);
}

static void
test_flips(void **state)
{
	struct dash_item	item;

	(void)state;
	memset(&item, 0, sizeof item);
	assert_int_equal(dash_item_flips(&item), 0);
	item.history[0] = STATUS_OK;
	item.history[1] = STATUS_OK;
	item.history[2] = STATUS_OK;
	item.nhistory = 3;
	assert_int_equal(dash_item_flips(&item), 0);
	item.history[1] = STATUS_ERROR;
	assert_int_equal(dash_item_flips(&item), 2);
}

static void
test_shown_while_in_flight(void **state)
{
	struct dash_item	item;

	(void)state;
	memset(&item, 0, sizeof item);
	item.status = STATUS_DRIFT;
	assert_int_equal(dash_item_shown(&item, 1e6), STATUS_DRIFT);
	/* Re-probed: the last verdict stays until the probe is slow. */
	item.in_flight = 1;
	item.started_ms = 1000;
	assert_int_equal(dash_item_shown(&item, 1000 + DASH_SHOW_RUNNING_MS - 1),
	    STATUS_DRIFT);
	assert_int_equal(dash_item_shown(&item, 1000 + DASH_SHOW_RUNNING_MS),
	    STATUS_RUNNING);
	/* Waiting for a batch slot: not started, not running. */
	item.started_ms = 0;
	assert_int_equal(dash_item_shown(&item, 1e9), STATUS_DRIFT);
	/* Never judged yet: running at once. */
	item.status = STATUS_RUNNING;
	item.started_ms = 1000;
	assert_int_equal(dash_item_shown(&item, 1001), STATUS_RUNNING);
}

static void
test_history_table(void **state)
{
	const struct dash_history	*h;
	struct dash			 dash;
	char				 id[32];
	int				 i;

	(void)state;
	memset(&dash, 0, sizeof dash);
	assert_null(dash_history_find(&dash, "http/web"));
	/* Enough ids to make the table grow a few times. */
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof id, "port/%d", i);
		dash_history_add(&dash, id, STATUS_OK);
	}
	for (i = 0; i < DASH_HISTORY + 3; i++)
		dash_history_add(&dash, "http/web",
		    i % 2 ? STATUS_ERROR : STATUS_OK);
	h = dash_history_find(&dash, "http/web");
	assert_non_null(h);
	/* Only the last DASH_HISTORY are kept, oldest first. */
	assert_int_equal(h->count, DASH_HISTORY);
	assert_int_equal(h->verdicts[DASH_HISTORY - 1],
	    (DASH_HISTORY + 2) % 2 ? STATUS_ERROR : STATUS_OK);
	assert_int_equal(h->verdicts[0], 3 % 2 ? STATUS_ERROR : STATUS_OK);
	h = dash_history_find(&dash, "port/299");
	assert_non_null(h);
	assert_int_equal(h->count, 1);
	assert_null(dash_history_find(&dash, "port/300"));
	dash_history_free(&dash);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_in_operator_order),
		cmocka_unit_test(test_sorts),
		cmocka_unit_test(test_problems_only),
		cmocka_unit_test(test_filter_regex),
		cmocka_unit_test(test_selection_follows_id),
		cmocka_unit_test(test_tab_between_groups),
		cmocka_unit_test(test_next_problem),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_flips),
		cmocka_unit_test(test_shown_while_in_flight),
		cmocka_unit_test(test_history_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
