/*
 * node.h: the topology file as a tree of scalars, sequences and maps, each
 * with the file:line:column it came from. Scalars are already expanded
 * (${VAR}, ~); the loader (topology/yaml.c) builds the tree, probes read it
 * through the accessors below after the schema has validated its shape.
 */
#ifndef TOPO_NODE_H
#define TOPO_NODE_H

#include <stddef.h>

enum node_type {
	NODE_SCALAR,
	NODE_SEQ,
	NODE_MAP,
};

struct node {
	enum node_type	 type;
	const char	*file;		/* shared, owned by the topology */
	int		 line;		/* 1-based */
	int		 column;	/* 1-based */

	/* NODE_SCALAR */
	char		*value;		/* expanded text, never NULL */
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

struct node	*node_new(enum node_type, const char *file, int line, int column);
void		 node_free(struct node *);
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
