/*
 * node.c: the topology tree and its accessors (see node.h). The loader
 * (yaml.c) builds trees with node_new / node_append / node_put.
 */
#include "node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/util.h"

struct node *
node_new(enum node_type type, const char *file, int line, int column)
{
	struct node	*n = xcalloc(1, sizeof *n);

	n->type = type;
	n->file = file;
	n->line = line;
	n->column = column;
	if (type == NODE_SCALAR)
		n->value = xstrdup("");
	return n;
}

void
node_free(struct node *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->count; i++) {
		node_free(n->items[i]);
		if (n->keys != NULL)
			node_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->value);
	free(n->raw);
	free(n);
}

/*
 * Arrays grow by doubling, so a hostile file with a million items costs
 * log(n) reallocations, not n. Arrays the loader sized itself have alloc 0
 * (exactly count): the first append here reallocates them.
 */
static void
node_grow(struct node *n)
{
	if (n->count < n->alloc)
		return;
	n->alloc = n->count < 2 ? 4 : n->count * 2;
	n->items = xreallocarray(n->items, n->alloc, sizeof *n->items);
	if (n->type == NODE_MAP)
		n->keys = xreallocarray(n->keys, n->alloc, sizeof *n->keys);
}

void
node_append(struct node *seq, struct node *item)
{
	node_grow(seq);
	seq->items[seq->count++] = item;
}

void
node_put(struct node *map, struct node *key, struct node *value)
{
	node_grow(map);
	map->keys[map->count] = key;
	map->items[map->count++] = value;
}

const struct node *
node_get(const struct node *map, const char *key)
{
	size_t	i;

	if (map == NULL || map->type != NODE_MAP)
		return NULL;
	for (i = 0; i < map->count; i++) {
		if (strcmp(map->keys[i]->value, key) == 0)
			return map->items[i];
	}
	return NULL;
}

const char *
node_str(const struct node *map, const char *key, const char *def)
{
	const struct node	*n = node_get(map, key);

	if (n == NULL || n->type != NODE_SCALAR || n->is_null)
		return def;
	return n->value;
}

long long
node_int(const struct node *map, const char *key, long long def)
{
	const char	*s = node_str(map, key, NULL);
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return def;
	return v;
}

int
node_bool(const struct node *map, const char *key, int def)
{
	const char	*s = node_str(map, key, NULL);

	if (s == NULL)
		return def;
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcasecmp(s, "on") == 0)
		return 1;
	if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 ||
	    strcasecmp(s, "off") == 0)
		return 0;
	return def;
}

void
node_where(const struct node *n, char *buf, size_t len)
{
	if (n == NULL)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s:%d:%d", n->file, n->line, n->column);
}

const char *
node_type_name(const struct node *n)
{
	if (n == NULL)
		return "nothing";
	switch (n->type) {
	case NODE_SCALAR:
		return n->is_null ? "null" : "a scalar";
	case NODE_SEQ:
		return "a list";
	case NODE_MAP:
		return "a map";
	}
	return "?";
}
