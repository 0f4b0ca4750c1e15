/*
 * history.c: the last verdicts of every check, by id, so a flapping check
 * shows as flapping. An open-addressing table (FNV-1a), written by the
 * scheduler's notify callback and read by the snapshot, both under the
 * scheduler lock; it has no lock of its own.
 */
#include "dash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

static uint64_t
dash_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct dash_history *
dash_history_slot(struct dash_history *table, size_t size, const char *id)
{
	size_t	i = (size_t)dash_hash(id) & (size - 1);

	while (table[i].id != NULL && strcmp(table[i].id, id) != 0)
		i = (i + 1) & (size - 1);
	return &table[i];
}

const struct dash_history *
dash_history_find(const struct dash *dash, const char *id)
{
	const struct dash_history	*slot;

	if (dash->history_size == 0)
		return NULL;
	slot = dash_history_slot(dash->history, dash->history_size, id);
	return slot->id != NULL ? slot : NULL;
}

void
dash_history_add(struct dash *dash, const char *id, enum status status)
{
	struct dash_history	*table, *slot;
	size_t			 size, i;

	if (2 * (dash->history_used + 1) > dash->history_size) {
		size = dash->history_size == 0 ? 64 : 2 * dash->history_size;
		table = xcalloc(size, sizeof *table);
		for (i = 0; i < dash->history_size; i++) {
			if (dash->history[i].id != NULL)
				*dash_history_slot(table, size, dash->history[i].id) =
				    dash->history[i];
		}
		free(dash->history);
		dash->history = table;
		dash->history_size = size;
	}
	slot = dash_history_slot(dash->history, dash->history_size, id);
	if (slot->id == NULL) {
		slot->id = xstrdup(id);
		dash->history_used++;
	}
	if (slot->count == DASH_HISTORY) {
		memmove(slot->verdicts, slot->verdicts + 1, DASH_HISTORY - 1);
		slot->count--;
	}
	slot->verdicts[slot->count++] = (unsigned char)status;
}

void
dash_history_free(struct dash *dash)
{
	size_t	i;

	for (i = 0; i < dash->history_size; i++)
		free(dash->history[i].id);
	free(dash->history);
	dash->history = NULL;
	dash->history_size = dash->history_used = 0;
}
