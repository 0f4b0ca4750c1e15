/*
 * schema.h: the shape of the topology file as declarative tables, like tmux's
 * options table. topology/schema.c holds the top level; each probe owns the
 * table of its own section (struct probe_ops .schema). The validator and
 * `topo validate`'s messages are both driven from these tables.
 */
#ifndef TOPO_SCHEMA_H
#define TOPO_SCHEMA_H

#include "node.h"

struct problems;

enum schema_type {
	SCHEMA_STRING,		/* any scalar, kept as text */
	SCHEMA_INT,		/* a whole number within min..max */
	SCHEMA_BOOL,
	SCHEMA_REGEX,		/* a string that must compile with PCRE2 */
	SCHEMA_CHOICE,		/* one of .choices */
	SCHEMA_MAP,		/* fixed keys: .children is a table ended by .key NULL */
	SCHEMA_LIST,		/* a sequence of .children[0] */
	SCHEMA_DICT,		/* free keys, each value of .children[0] */
	SCHEMA_SCALAR_OR_MAP,	/* a scalar, or a map of .children */
	SCHEMA_ANY,		/* not checked (document prose, free tables) */
};

struct schema {
	const char		*key;
	enum schema_type	 type;
	int			 required;
	const char		*def;		/* shown by help; probes apply it */
	const char		*help;
	const struct schema	*children;
	const char *const	*choices;	/* NULL-terminated, SCHEMA_CHOICE */
	long long		 min, max;	/* SCHEMA_INT, when min < max */
};

/* Validates node against one entry; adds one problem per fault found. */
void	schema_validate(const struct schema *, const struct node *,
	    struct problems *);
/* The whole file: top-level keys, and each probe's section. */
void	schema_validate_root(const struct node *root, struct problems *);
/*
 * The candidate closest to word (edit distance, ignoring case) when it is
 * close enough to be a likely typo, else NULL. For "did you mean" hints.
 */
const char *schema_suggest(const char *word, const char *const *candidates,
	    size_t n);
/*
 * depends_on: the ids of the checks an item needs to pass. Any item table may
 * hold it (topology/causes.c): when the two fail, reports fold this one
 * under the other, its root cause.
 */
extern const struct schema schema_check_ids[];
#define SCHEMA_DEPENDS_ON \
	{ .key = "depends_on", .type = SCHEMA_LIST, .children = schema_check_ids, \
	  .help = "ids of checks this one needs: its root cause when they fail too" }

/* The top-level table (version, system, vars, secrets, doc, watch, ...). */
extern const struct schema schema_root[];

#endif
