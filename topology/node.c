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

/* Memory handed out in chunks, freed all at once (see node.h). */
#define NODE_CHUNK	(64 * 1024)

struct node_chunk {
	struct node_chunk	*next;
	size_t			 size, used;
	/* then size bytes */
};

struct node_arena {
	struct node_chunk	*chunks;	/* the newest first */
};

struct node_arena *
node_arena_new(void)
{
	return xcalloc(1, sizeof (struct node_arena));
}

void
node_arena_free(struct node_arena *a)
{
	struct node_chunk	*c, *next;

	if (a == NULL)
		return;
	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* size bytes, zeroed, aligned for any node field. */
static void *
node_arena_alloc(struct node_arena *a, size_t size)
{
	struct node_chunk	*c = a->chunks;
	size_t			 header, chunk;
	char			*p;

	header = (sizeof *c + 15) & ~(size_t)15;
	size = (size + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < size) {
		/* A big text gets a chunk of its own; the current one stays. */
		chunk = size > NODE_CHUNK / 4 ? size : NODE_CHUNK;
		c = xmalloc(header + chunk);
		c->size = chunk;
		c->used = 0;
		if (size > NODE_CHUNK / 4 && a->chunks != NULL) {
			c->next = a->chunks->next;
			a->chunks->next = c;
		} else {
			c->next = a->chunks;
			a->chunks = c;
		}
	}
	p = (char *)c + header + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

static char *
node_arena_strdup(struct node_arena *a, const char *s)
{
	size_t	len = strlen(s);
	char	*p = node_arena_alloc(a, len + 1);

	memcpy(p, s, len);
	return p;
}

static char	node_empty[1];	/* "" for new scalars: never written */

struct node *
node_new(struct node_arena *a, enum node_type type, const char *file,
    int line, int column)
{
	struct node	*n = node_arena_alloc(a, sizeof *n);

	n->type = type;
	n->arena = a;
	n->file = file;
	n->line = line;
	n->column = column;
	if (type == NODE_SCALAR)
		n->value = n->raw = node_empty;
	return n;
}

struct node *
node_copy(struct node_arena *arena, const struct node *n, const char *file)
{
	struct node	*c = node_new(arena, n->type, file != NULL ? file : n->file,
			    n->line, n->column);
	size_t		 i;

	if (n->type == NODE_SCALAR) {
		node_set_text(c, n->value, n->raw);
		c->quoted = n->quoted;
		c->is_null = n->is_null;
		return c;
	}
	if (n->count == 0)
		return c;
	c->items = xreallocarray(NULL, n->count, sizeof *c->items);
	if (n->keys != NULL)
		c->keys = xreallocarray(NULL, n->count, sizeof *c->keys);
	for (i = 0; i < n->count; i++) {
		c->items[i] = node_copy(arena, n->items[i], file);
		if (n->keys != NULL)
			c->keys[i] = node_copy(arena, n->keys[i], file);
	}
	c->count = n->count;
	return c;
}

void
node_root(struct node *n)
{
	n->owns_arena = 1;
}

static void
node_free_arrays(struct node *n)
{
	size_t	i;

	for (i = 0; i < n->count; i++) {
		node_free_arrays(n->items[i]);
		if (n->keys != NULL)
			node_free_arrays(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	n->items = n->keys = NULL;
	n->count = n->alloc = 0;
}

void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_free_arrays(n);
	if (n->owns_arena)
		node_arena_free(n->arena);
}

void
node_set_value(struct node *n, const char *value)
{
	n->value = strcmp(value, n->raw) == 0 ? n->raw :
	    node_arena_strdup(n->arena, value);
}

void
node_set_text(struct node *n, const char *value, const char *raw)
{
	n->raw = node_arena_strdup(n->arena, raw);
	node_set_value(n, value);
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
