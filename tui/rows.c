/*
 * rows.c: what the dashboard shows, computed from its snapshot of results:
 * the / filter, "problems only", the grouping by kind and layer, the sort
 * inside a group, and the selection, which follows its check id across
 * refreshes. Pure: no curses, no clock, so tests/unit/test_dash.c drives it.
 */
#include "dash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/report.h"
#include "../util/regex.h"
#include "../util/util.h"

/* The operator's order: the machine's services first, then what they
 * serve, then the repository's facts, then what cannot be checked. */
static const char *const rows_kind_order[] = {
	"launchd", "systemd", "kubernetes", "ports", "http", "caddy",
	"redis", "command", "sources", "files", "unknowns", NULL
};

int
dash_group_rank(const char *kind, enum layer layer)
{
	int	i;

	for (i = 0; kind != NULL && rows_kind_order[i] != NULL; i++) {
		if (strcmp(kind, rows_kind_order[i]) == 0)
			break;
	}
	return i * 2 + (layer == LAYER_LIVE ? 1 : 0);
}

void
dash_group_name(const struct dash_item *item, char *buf, size_t len)
{
	snprintf(buf, len, "%s / %s", item->kind != NULL ? item->kind : "?",
	    layer_name(item->layer));
}

/* The verdict a row is filtered and sorted by: while a check is in flight,
 * its last final verdict, so rows do not jump about at every run. */
static enum status
rows_status(const struct dash_item *item)
{
	if ((item->status == STATUS_RUNNING || item->status == STATUS_PENDING) &&
	    item->nhistory > 0)
		return (enum status)item->history[item->nhistory - 1];
	return item->status;
}

static int
rows_is_problem(const struct dash_item *item)
{
	enum status	status = rows_status(item);

	return status == STATUS_DRIFT || status == STATUS_ERROR;
}

static int
rows_matches(const struct dash *dash, const struct dash_item *item)
{
	const char	*message = item->message != NULL ? item->message : "";
	char		*cause = NULL;
	int		 found;

	if (dash->problems_only && !rows_is_problem(item))
		return 0;
	if (dash->filter_regex == NULL)
		return 1;
	found = regex_match(dash->filter_regex, item->id, strlen(item->id),
	    NULL, NULL, &cause) == 1 ||
	    regex_match(dash->filter_regex, message, strlen(message), NULL,
	    NULL, &cause) == 1;
	free(cause);
	return found;
}

/* qsort has no context argument in C11: the sort in effect, for one call. */
static enum dash_sort rows_sort_key;

static int
rows_compare(const void *a, const void *b)
{
	const struct dash_item	*x = *(struct dash_item *const *)a;
	const struct dash_item	*y = *(struct dash_item *const *)b;
	int			 c;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	/* Kinds outside the known order share a rank: keep them apart. */
	c = strcmp(x->kind != NULL ? x->kind : "", y->kind != NULL ? y->kind : "");
	if (c != 0)
		return c;
	switch (rows_sort_key) {
	case DASH_SORT_STATUS:
		c = report_status_rank(rows_status(x)) - report_status_rank(rows_status(y));
		break;
	case DASH_SORT_DURATION:
		if (x->duration_ms != y->duration_ms)
			c = x->duration_ms > y->duration_ms ? -1 : 1;
		break;
	case DASH_SORT_ID:
		break;
	}
	if (c != 0)
		return c;
	return strcmp(x->id, y->id);
}

static size_t
rows_find_id(const struct dash *dash, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < dash->nrows; i++) {
		if (dash->rows[i].item != NULL && strcmp(dash->rows[i].item->id, id) == 0)
			return i;
	}
	return dash->nrows;
}

static void
rows_set_selected(struct dash *dash, size_t row)
{
	dash->selected = row;
	free(dash->selected_id);
	dash->selected_id = NULL;
	if (row < dash->nrows && dash->rows[row].item != NULL)
		dash->selected_id = xstrdup(dash->rows[row].item->id);
}

void
dash_rows_build(struct dash *dash)
{
	struct dash_item	**shown;
	size_t			  i, n = 0, heading = 0, old = dash->selected;
	int			  group = -1;
	const char		 *kind = NULL;

	shown = xcalloc(dash->nitems + 1, sizeof *shown);
	for (i = 0; i < dash->nitems; i++) {
		if (rows_matches(dash, &dash->items[i]))
			shown[n++] = &dash->items[i];
	}
	rows_sort_key = dash->sort;
	qsort(shown, n, sizeof *shown, rows_compare);

	free(dash->rows);
	/* At worst one heading per check. */
	dash->rows = xcalloc(2 * n + 1, sizeof *dash->rows);
	dash->nrows = 0;
	for (i = 0; i < n; i++) {
		if (shown[i]->group != group || kind == NULL ||
		    strcmp(kind, shown[i]->kind != NULL ? shown[i]->kind : "") != 0) {
			group = shown[i]->group;
			kind = shown[i]->kind != NULL ? shown[i]->kind : "";
			heading = dash->nrows++;
			dash->rows[heading].group = group;
		}
		dash->rows[heading].count++;
		if (rows_is_problem(shown[i]))
			dash->rows[heading].problems++;
		dash->rows[dash->nrows].group = group;
		dash->rows[dash->nrows].item = shown[i];
		dash->nrows++;
	}
	free(shown);

	/* The selection follows its check; if it went, stay where it was. */
	i = rows_find_id(dash, dash->selected_id);
	if (i < dash->nrows) {
		dash->selected = i;
		return;
	}
	if (dash->nrows == 0) {
		dash->selected = 0;
		return;
	}
	if (old >= dash->nrows)
		old = dash->nrows - 1;
	for (i = old; i < dash->nrows && dash->rows[i].item == NULL; i++)
		;
	if (i == dash->nrows) {
		for (i = old; i > 0 && dash->rows[i].item == NULL; i--)
			;
	}
	rows_set_selected(dash, dash->rows[i].item != NULL ? i : dash->nrows);
	if (dash->selected_id == NULL)
		dash->selected = 0;
}

void
dash_filter_set(struct dash *dash, const char *pattern)
{
	char	*cause = NULL;

	regex_free(dash->filter_regex);
	dash->filter_regex = NULL;
	free(dash->filter_error);
	dash->filter_error = NULL;
	if (pattern != NULL && *pattern != '\0') {
		dash->filter_regex = regex_compile(pattern, &cause);
		if (dash->filter_regex == NULL)
			dash->filter_error = cause != NULL ? cause : xstrdup("invalid");
		else
			free(cause);
	}
	dash_rows_build(dash);
}

struct dash_item *
dash_selected(const struct dash *dash)
{
	if (dash->selected >= dash->nrows)
		return NULL;
	return dash->rows[dash->selected].item;
}

void
dash_select_move(struct dash *dash, long delta)
{
	size_t	i = dash->selected, last = dash->selected;

	if (dash->nrows == 0)
		return;
	if (i >= dash->nrows)
		i = last = 0;
	while (delta != 0) {
		if (delta > 0) {
			if (i + 1 >= dash->nrows)
				break;
			i++;
		} else {
			if (i == 0)
				break;
			i--;
		}
		if (dash->rows[i].item != NULL) {
			last = i;
			delta += delta > 0 ? -1 : 1;
		}
	}
	if (dash->rows[last].item == NULL) {
		dash_select_first(dash);
		return;
	}
	rows_set_selected(dash, last);
	dash->detail_scroll = 0;
}

void
dash_select_first(struct dash *dash)
{
	size_t	i;

	for (i = 0; i < dash->nrows && dash->rows[i].item == NULL; i++)
		;
	rows_set_selected(dash, i);
	dash->top = 0;
	dash->detail_scroll = 0;
}

void
dash_select_last(struct dash *dash)
{
	size_t	i = dash->nrows;

	while (i > 0 && dash->rows[i - 1].item == NULL)
		i--;
	rows_set_selected(dash, i > 0 ? i - 1 : dash->nrows);
	dash->detail_scroll = 0;
}

void
dash_select_group(struct dash *dash, int direction)
{
	size_t	i = dash->selected < dash->nrows ? dash->selected : 0;
	size_t	heading;

	if (dash->nrows == 0)
		return;
	/* The heading of the current group. */
	heading = i;
	while (heading > 0 && dash->rows[heading].item != NULL)
		heading--;
	if (direction > 0) {
		for (i = heading + 1; i < dash->nrows && dash->rows[i].item != NULL; i++)
			;
		if (i >= dash->nrows)
			i = 0;		/* wrap to the first group */
	} else {
		if (heading == 0) {
			i = dash->nrows - 1;
			while (i > 0 && dash->rows[i].item != NULL)
				i--;
		} else {
			i = heading - 1;
			while (i > 0 && dash->rows[i].item != NULL)
				i--;
		}
	}
	/* i is a heading: select its first check. */
	if (i + 1 < dash->nrows && dash->rows[i + 1].item != NULL)
		rows_set_selected(dash, i + 1);
	dash->detail_scroll = 0;
}

enum status
dash_item_shown(const struct dash_item *item, double now)
{
	if (!item->in_flight || item->status == STATUS_RUNNING ||
	    item->status == STATUS_PENDING)
		return item->status;
	if (item->started_ms > 0 && now - item->started_ms >= DASH_SHOW_RUNNING_MS)
		return STATUS_RUNNING;
	return item->status;
}

int
dash_select_problem(struct dash *dash, int direction)
{
	size_t	i, n = dash->nrows, start;

	if (n == 0)
		return 0;
	start = dash->selected < n ? dash->selected : (direction > 0 ? n - 1 : 0);
	/* Around the list once, starting past the selection, wrapping. */
	for (i = 1; i <= n; i++) {
		size_t	row = direction > 0 ? (start + i) % n : (start + n - i) % n;

		if (dash->rows[row].item != NULL &&
		    rows_is_problem(dash->rows[row].item)) {
			rows_set_selected(dash, row);
			dash->detail_scroll = 0;
			return 1;
		}
	}
	return 0;
}

int
dash_item_flips(const struct dash_item *item)
{
	size_t	i;
	int	flips = 0;

	for (i = 1; i < item->nhistory; i++) {
		if (item->history[i] != item->history[i - 1])
			flips++;
	}
	return flips;
}

static void
rows_item_free(struct dash_item *item)
{
	free(item->id);
	free(item->summary);
	free(item->where);
	free(item->expected);
	free(item->observed);
	free(item->message);
	free(item->evidence);
	free(item->cause);
	free(item->root_of);
}

void
dash_items_free(struct dash *dash)
{
	size_t	i;

	for (i = 0; i < dash->nitems; i++)
		rows_item_free(&dash->items[i]);
	free(dash->items);
	dash->items = NULL;
	dash->nitems = 0;
	free(dash->rows);
	dash->rows = NULL;
	dash->nrows = 0;
}
