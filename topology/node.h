/*
 * node.h: the topology file as a tree of scalars, sequences and maps, each
 * with the file:line:column it came from. Scalars are already expanded
 * (${VAR}, ~); the loader (topology/yaml.c) builds the tree, probes read it
 * through the accessors below after the schema has validated its shape.
 *
 * A tree's nodes and their text live in one arena, freed with the tree's
 * root (node_free): a topology of 10,000 checks is some 500,000 nodes and
 * strings, and allocating and freeing each one cost a fifth of loading it
 * (bench/RESULTS.md). The items and keys arrays are ordinary allocations.
 */
#ifndef TOPO_NODE_H
#define TOPO_NODE_H

#include <stddef.h>

enum node_type {
	NODE_SCALAR,
	NODE_SEQ,
	NODE_MAP,
};

struct node_arena;

struct node {
	enum node_type	 type;
	struct node_arena *arena;	/* where the node and its text live */
	int		 owns_arena;	/* the root: node_free frees the arena */
	const char	*file;		/* shared, owned by the topology */
	int		 line;		/* 1-based */
	int		 column;	/* 1-based */

	/* NODE_SCALAR */
	char		*value;		/* expanded text, never NULL (node_set_value) */
	char		*raw;		/* as written, before expansion (for stable ids) */
	int		 quoted;	/* written quoted: a string, never a number */
	int		 secret;	/* expanded from a secret variable */
	int		 is_null;	/* ~, null or empty */

	/* NODE_SEQ: items[0..count); NODE_MAP: keys[i] -> items[i] */
	struct node	**items;
	struct node	**keys;		/* scalar nodes, NODE_MAP only */
	size_t		 count;
	size_t		 alloc;		/* node_append's capacity (0: exactly count) */
};

struct node_arena *node_arena_new(void);
/* Frees an arena whose tree has no root (a failed parse). */
void		 node_arena_free(struct node_arena *);
/*
 * A node in arena; a scalar's value and raw text are "". The first node
 * made with node_root owns the arena.
 */
struct node	*node_new(struct node_arena *, enum node_type, const char *file,
		    int line, int column);
/*
 * A deep copy of n's subtree in arena (YAML merge keys and aliases, an
 * included file's tree); file, when not NULL, replaces every node's file.
 */
struct node	*node_copy(struct node_arena *, const struct node *n, const char *file);
/* Makes n the root of its tree: node_free(n) frees the arena too. */
void		 node_root(struct node *n);
/*
 * Frees the items and keys arrays of n's subtree; on the root, the whole
 * arena (every node and text) as well. Other nodes' memory goes with it.
 */
void		 node_free(struct node *);
/* A scalar's text, copied into its arena (the old text stays there). */
void		 node_set_value(struct node *, const char *value);
void		 node_set_text(struct node *, const char *value, const char *raw);
/* Appends to a sequence, or key -> value to a map. */
void		 node_append(struct node *, struct node *item);
void		 node_put(struct node *map, struct node *key, struct node *value);

/* The value of key in a map, or NULL (also when map is NULL or not a map). */
const struct node *node_get(const struct node *map, const char *key);
/* A scalar's text, or def when the key is absent or not a scalar. */
const char	*node_str(const struct node *map, const char *key, const char *def);
/* An integer value, or def. Validation has checked that it parses. */
long long	 node_int(const struct node *map, const char *key, long long def);
/* true / yes / on -> 1; false / no / off -> 0; else def. */
int		 node_bool(const struct node *map, const char *key, int def);
/* "file:line:column" of a node, into a static-free caller buffer. */
void		 node_where(const struct node *, char *buf, size_t len);
/* Human name of a node's type: "a string", "a list", "a map". */
const char	*node_type_name(const struct node *);

#endif
