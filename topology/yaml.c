/*
 * yaml.c: a topology file's YAML text into a struct node tree, through
 * libyaml's event API. Events rather than libyaml's document API so that
 * every limit (depth, node count, alias expansion) is enforced while the
 * text is read, before a hostile file can cost more than the limits allow,
 * and so that each node keeps the line:column it was written at.
 *
 * Anchors and aliases are accepted: an alias becomes a deep copy of the
 * anchored subtree (later stages never see sharing), and copies count
 * against TOPOLOGY_MAX_NODES, which is what stops a "billion laughs" file.
 * Merge keys (`<<: *base`) are resolved here too, by copying.
 */
#include "topology.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "../util/util.h"
#include "strmap.h"

/*
 * Aliases copy text as well as nodes: a 1 MB string aliased a thousand times
 * is a gigabyte with few nodes. This bounds all scalar text held.
 */
#define YAML_MAX_TEXT	(4 * TOPOLOGY_MAX_BYTES)


/* One open sequence or map. */
struct frame {
	struct node	*node;
	size_t		 alloc;		/* room in node->items (and keys) */
	struct node	*key;		/* a map's key waiting for its value */
	int		 drop_value;	/* the key was bad: discard its value */
	char		*anchor;	/* registered once the node is complete */
	struct strmap	 keys;		/* a map's keys, to find duplicates */
};

struct anchor {
	char		*name;
	struct node	*node;
	size_t		 size;		/* nodes in the subtree */
	size_t		 bytes;		/* scalar text in the subtree */
	int		 height;	/* containers nested in it, itself included */
};

struct parse {
	const char		*file;
	const char		*text;
	size_t			 len;
	struct problems		*problems;

	struct frame		*stack;
	size_t			 depth;
	size_t			 stack_alloc;
	struct node		*root;
	struct node_arena	*arena;		/* every node's */

	struct anchor		*anchors;
	size_t			 nanchors;
	struct strmap		 anchor_index;	/* name -> index + 1 */

	/* Nodes dropped (a duplicate key and its value, a non-scalar key):
	 * freed only at the end, since an anchor may still point into them. */
	struct node		**discarded;
	size_t			 ndiscarded;

	size_t			 nodes;
	size_t			 bytes;		/* scalar text held, see YAML_MAX_TEXT */
	int			 documents;
	int			 fatal;		/* stop reading events */
};

/* Line and column (1-based, in characters like libyaml) of a byte offset. */
static void
yaml_offset_position(const char *text, size_t len, size_t offset, int *line,
    int *column)
{
	size_t	i;

	*line = 1;
	*column = 1;
	for (i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			(*column)++;
	}
}

/*
 * The whole text must be UTF-8 without NUL bytes: libyaml reports those with
 * a byte offset only, and a NUL would silently cut a scalar short.
 */
static int
yaml_check_text(struct parse *p)
{
	const unsigned char	*s = (const unsigned char *)p->text;
	size_t			 i = 0, need, k;
	uint32_t		 cp, min;
	int			 line = 1, column = 1;

	while (i < p->len) {
		if (s[i] == '\0') {
			problems_add(p->problems, p->file, line, column,
			    "NUL byte in the file (a topology file is UTF-8 text)");
			return -1;
		}
		if (s[i] < 0x80) {
			if (s[i] == '\n') {
				line++;
				column = 1;
			} else
				column++;
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			need = 1; cp = s[i] & 0x1f; min = 0x80;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			need = 2; cp = s[i] & 0x0f; min = 0x800;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			need = 3; cp = s[i] & 0x07; min = 0x10000;
		} else
			goto bad;
		if (p->len - i <= need)
			goto bad;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += need + 1;
		column++;
	}
	return 0;
bad:
	problems_add(p->problems, p->file, line, column,
	    "invalid UTF-8 (byte 0x%02x): a topology file must be UTF-8 text",
	    s[i]);
	return -1;
}

/*
 * libyaml's messages for a tab in indentation ("found character that cannot
 * start any token") do not say what is wrong. If the line of an error starts
 * with blanks that include a tab, that is the fault: returns its column.
 */
static int
yaml_tab_column(const struct parse *p, int line)
{
	const char	*s = p->text, *end = p->text + p->len;
	int		 n, column;

	for (n = 1; n < line && s < end; s++) {
		if (*s == '\n')
			n++;
	}
	for (column = 1; s < end && (*s == ' ' || *s == '\t'); s++, column++) {
		if (*s == '\t')
			return column;
	}
	return 0;
}

static void
yaml_parser_problem(struct parse *p, yaml_parser_t *parser)
{
	const char	*problem = parser->problem != NULL ? parser->problem :
			    "cannot parse YAML";
	int		 line, column, tab;

	if (parser->error == YAML_READER_ERROR) {
		yaml_offset_position(p->text, p->len, parser->problem_offset,
		    &line, &column);
		problems_add(p->problems, p->file, line, column, "%s", problem);
		return;
	}
	if (parser->error == YAML_MEMORY_ERROR)
		util_fatal("out of memory (libyaml)");
	line = (int)parser->problem_mark.line + 1;
	column = (int)parser->problem_mark.column + 1;
	if ((tab = yaml_tab_column(p, line)) != 0) {
		problems_add(p->problems, p->file, line, tab,
		    "tab character used for indentation (indent with spaces)");
		return;
	}
	if (parser->context != NULL &&
	    (parser->context_mark.line != parser->problem_mark.line ||
	    parser->context_mark.column != parser->problem_mark.column)) {
		problems_add(p->problems, p->file, line, column,
		    "%s (%s at %d:%d)", problem, parser->context,
		    (int)parser->context_mark.line + 1,
		    (int)parser->context_mark.column + 1);
	} else if (parser->context != NULL) {
		problems_add(p->problems, p->file, line, column, "%s (%s)",
		    problem, parser->context);
	} else
		problems_add(p->problems, p->file, line, column, "%s", problem);
}

static struct node *
yaml_node(struct parse *p, enum node_type type, const yaml_mark_t *mark)
{
	if (p->nodes >= TOPOLOGY_MAX_NODES) {
		problems_add(p->problems, p->file, (int)mark->line + 1,
		    (int)mark->column + 1, "the file has more than %d nodes",
		    TOPOLOGY_MAX_NODES);
		p->fatal = 1;
		return NULL;
	}
	p->nodes++;
	return node_new(p->arena, type, p->file, (int)mark->line + 1,
	    (int)mark->column + 1);
}

/* Nodes in a subtree, its text, and how many containers deep it goes. */
static size_t
yaml_measure(const struct node *n, int *height, size_t *bytes)
{
	size_t	size = 1, i;
	int	h, deepest = 0;

	*height = 0;
	if (n->type == NODE_SCALAR) {
		*bytes += strlen(n->raw) + strlen(n->value) + 2;
		return 1;
	}
	for (i = 0; i < n->count; i++) {
		if (n->keys != NULL)
			size += yaml_measure(n->keys[i], &h, bytes);
		size += yaml_measure(n->items[i], &h, bytes);
		if (h > deepest)
			deepest = h;
	}
	*height = deepest + 1;
	return size;
}

static void
yaml_anchor_add(struct parse *p, const char *name, struct node *n)
{
	struct anchor	*a;
	uintptr_t	 index;

	index = (uintptr_t)strmap_get(&p->anchor_index, name);
	if (index != 0)
		a = &p->anchors[index - 1];
	else {
		if ((p->nanchors & (p->nanchors - 1)) == 0)
			p->anchors = xreallocarray(p->anchors,
			    p->nanchors < 4 ? 8 : p->nanchors * 2,
			    sizeof *p->anchors);
		a = &p->anchors[p->nanchors++];
		a->name = xstrdup(name);
		strmap_set(&p->anchor_index, a->name,
		    (void *)(uintptr_t)p->nanchors);
	}
	a->node = n;
	a->bytes = 0;
	a->size = yaml_measure(n, &a->height, &a->bytes);
}

/* Grows a container's arrays by doubling: node_append's one-at-a-time growth
 * would be quadratic on a list of a million items. */
static void
yaml_frame_push_item(struct frame *f, struct node *key, struct node *item)
{
	struct node	*n = f->node;

	if (n->count == f->alloc) {
		f->alloc = f->alloc == 0 ? 8 : f->alloc * 2;
		n->items = xreallocarray(n->items, f->alloc, sizeof *n->items);
		if (n->type == NODE_MAP)
			n->keys = xreallocarray(n->keys, f->alloc,
			    sizeof *n->keys);
	}
	if (n->type == NODE_MAP)
		n->keys[n->count] = key;
	n->items[n->count++] = item;
}

static void
yaml_discard(struct parse *p, struct node *n)
{
	size_t	size;

	/* Doubling at powers of two: a file of repeated keys discards
	 * hundreds of thousands. */
	if ((p->ndiscarded & (p->ndiscarded - 1)) == 0) {
		size = p->ndiscarded < 4 ? 8 : p->ndiscarded * 2;
		p->discarded = xreallocarray(p->discarded, size,
		    sizeof *p->discarded);
	}
	p->discarded[p->ndiscarded++] = n;
}

static int
yaml_is_merge_key(const struct node *key)
{
	return !key->quoted && strcmp(key->raw, "<<") == 0;
}

/* A map's keys by name, for duplicates; a merge key is not the key "<<". */
static const char *
yaml_key_name(const struct node *key)
{
	return yaml_is_merge_key(key) ? "\001<<" : key->raw;
}

/* A complete node goes into the open container, or becomes the root. */
static void
yaml_attach(struct parse *p, struct node *n)
{
	struct frame	*f;
	struct node	*first;

	if (p->depth == 0) {
		if (p->root != NULL)
			node_free(p->root);	/* cannot happen: one document */
		p->root = n;
		return;
	}
	f = &p->stack[p->depth - 1];
	if (f->node->type == NODE_SEQ) {
		yaml_frame_push_item(f, NULL, n);
		return;
	}
	if (f->drop_value) {
		f->drop_value = 0;
		yaml_discard(p, n);
		return;
	}
	if (f->key == NULL) {
		if (n->type != NODE_SCALAR) {
			problems_add(p->problems, p->file, n->line, n->column,
			    "a map key must be a scalar, not %s",
			    n->type == NODE_SEQ ? "a list" : "a map");
			yaml_discard(p, n);
			f->drop_value = 1;
			return;
		}
		first = strmap_get(&f->keys, yaml_key_name(n));
		if (first != NULL) {
			problems_add(p->problems, p->file, n->line, n->column,
			    "duplicate key '%.*s%s' (first at %d:%d)",
			    PROBLEM_QUOTE(n->raw),
			    first->line, first->column);
			yaml_discard(p, n);
			f->drop_value = 1;
			return;
		}
		f->key = n;
		return;
	}
	strmap_set(&f->keys, yaml_key_name(f->key), f->key);
	yaml_frame_push_item(f, f->key, n);
	f->key = NULL;
}

static void
yaml_push(struct parse *p, enum node_type type, const yaml_event_t *e,
    const yaml_char_t *anchor)
{
	struct frame	*f;
	struct node	*n;

	if (p->depth >= TOPOLOGY_MAX_DEPTH) {
		problems_add(p->problems, p->file, (int)e->start_mark.line + 1,
		    (int)e->start_mark.column + 1,
		    "nesting deeper than %d levels", TOPOLOGY_MAX_DEPTH);
		p->fatal = 1;
		return;
	}
	if ((n = yaml_node(p, type, &e->start_mark)) == NULL)
		return;
	if (p->depth == p->stack_alloc) {
		p->stack_alloc = p->stack_alloc == 0 ? 16 : p->stack_alloc * 2;
		p->stack = xreallocarray(p->stack, p->stack_alloc,
		    sizeof *p->stack);
	}
	f = &p->stack[p->depth++];
	memset(f, 0, sizeof *f);
	f->node = n;
	if (anchor != NULL)
		f->anchor = xstrdup((const char *)anchor);
}

static void
yaml_frame_clear(struct frame *f)
{
	node_free(f->key);
	free(f->anchor);
	strmap_free(&f->keys);
	memset(f, 0, sizeof *f);
}

/* Copies one merged entry into the map unless the map has its key already. */
static void
yaml_merge_entry(struct parse *p, struct frame *f, const struct node *key,
    const struct node *value, struct node ***keys, struct node ***items,
    size_t *count, size_t *alloc)
{
	size_t	size, bytes = 0;
	int	height;

	if (strmap_get(&f->keys, key->raw) != NULL)
		return;		/* the map's own keys, and earlier merges, win */
	size = yaml_measure(key, &height, &bytes) +
	    yaml_measure(value, &height, &bytes);
	if (size > TOPOLOGY_MAX_NODES - p->nodes ||
	    bytes > YAML_MAX_TEXT - p->bytes) {
		problems_add(p->problems, p->file, key->line, key->column,
		    "merge (<<) expansion exceeds %d nodes or %d bytes",
		    TOPOLOGY_MAX_NODES, YAML_MAX_TEXT);
		p->fatal = 1;
		return;
	}
	p->nodes += size;
	p->bytes += bytes;
	if (*count == *alloc) {
		*alloc = *alloc == 0 ? 8 : *alloc * 2;
		*keys = xreallocarray(*keys, *alloc, sizeof **keys);
		*items = xreallocarray(*items, *alloc, sizeof **items);
	}
	(*keys)[*count] = node_copy(key->arena, key, NULL);
	(*items)[*count] = node_copy(value->arena, value, NULL);
	strmap_set(&f->keys, (*keys)[*count]->raw, (*keys)[*count]);
	(*count)++;
}

/*
 * YAML merge keys: `<<: *base` (or a list of them) puts base's entries into
 * this map where the `<<` was, except keys the map sets itself; among several
 * bases the first wins. Entries are copied: anchors may point into the base.
 */
static void
yaml_merge(struct parse *p, struct frame *f)
{
	struct node		*n = f->node, **keys = NULL, **items = NULL;
	const struct node	*v, *src;
	size_t			 i, j, k, nsrc, count = 0, alloc = 0;

	for (i = 0; i < n->count; i++) {
		if (yaml_is_merge_key(n->keys[i]))
			break;
	}
	if (i == n->count)
		return;
	for (i = 0; i < n->count && !p->fatal; i++) {
		if (!yaml_is_merge_key(n->keys[i])) {
			if (count == alloc) {
				alloc = alloc == 0 ? 8 : alloc * 2;
				keys = xreallocarray(keys, alloc, sizeof *keys);
				items = xreallocarray(items, alloc,
				    sizeof *items);
			}
			keys[count] = n->keys[i];
			items[count++] = n->items[i];
			n->keys[i] = n->items[i] = NULL;
			continue;
		}
		v = n->items[i];
		nsrc = v->type == NODE_SEQ ? v->count : 1;
		for (j = 0; j < nsrc && !p->fatal; j++) {
			src = v->type == NODE_SEQ ? v->items[j] : v;
			if (src->type != NODE_MAP) {
				problems_add(p->problems, p->file, src->line,
				    src->column, "a merge (<<) takes a map or a "
				    "list of maps, not %s", src->type == NODE_SEQ ?
				    "a list" : "a scalar");
				continue;
			}
			for (k = 0; k < src->count && !p->fatal; k++)
				yaml_merge_entry(p, f, src->keys[k],
				    src->items[k], &keys, &items, &count,
				    &alloc);
		}
	}
	/* What was not moved (the << entries, or all on a fatal error) is
	 * dropped; anchors may point into it, so it is freed at the end. */
	for (i = 0; i < n->count; i++) {
		if (n->keys[i] != NULL)
			yaml_discard(p, n->keys[i]);
		if (n->items[i] != NULL)
			yaml_discard(p, n->items[i]);
	}
	free(n->keys);
	free(n->items);
	n->keys = keys;
	n->items = items;
	n->count = count;
	f->alloc = alloc;
}

static void
yaml_pop(struct parse *p)
{
	struct frame	*f = &p->stack[p->depth - 1];
	struct node	*n = f->node;

	if (f->key != NULL) {
		/* libyaml always pairs keys and values; be safe anyway. */
		yaml_discard(p, f->key);
		f->key = NULL;
	}
	if (n->type == NODE_MAP)
		yaml_merge(p, f);
	if (f->anchor != NULL)
		yaml_anchor_add(p, f->anchor, n);
	yaml_frame_clear(f);
	p->depth--;
	yaml_attach(p, n);
}

static int
yaml_is_null(const yaml_event_t *e)
{
	const char	*s = (const char *)e->data.scalar.value;

	if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    e->data.scalar.tag != NULL)
		return 0;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static void
yaml_scalar(struct parse *p, const yaml_event_t *e)
{
	const char	*value = (const char *)e->data.scalar.value;
	struct node	*n;

	if ((n = yaml_node(p, NODE_SCALAR, &e->start_mark)) == NULL)
		return;
	if (strlen(value) != e->data.scalar.length) {
		/* "\0" written as an escape in a double-quoted string. */
		problems_add(p->problems, p->file, n->line, n->column,
		    "NUL character in a string");
	}
	n->is_null = yaml_is_null(e);
	n->quoted = e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    (e->data.scalar.tag != NULL &&
	    strcmp((const char *)e->data.scalar.tag, YAML_STR_TAG) == 0);
	node_set_text(n, n->is_null ? "" : value, value);
	p->bytes += 2 * e->data.scalar.length + 2;
	if (e->data.scalar.anchor != NULL)
		yaml_anchor_add(p, (const char *)e->data.scalar.anchor, n);
	yaml_attach(p, n);
}

static void
yaml_alias(struct parse *p, const yaml_event_t *e)
{
	const char	*name = (const char *)e->data.alias.anchor;
	struct anchor	*a;
	struct node	*n;
	uintptr_t	 index;
	size_t		 i;
	int		 line = (int)e->start_mark.line + 1;
	int		 column = (int)e->start_mark.column + 1;

	index = (uintptr_t)strmap_get(&p->anchor_index, name);
	if (index == 0) {
		for (i = 0; i < p->depth; i++) {
			if (p->stack[i].anchor != NULL &&
			    strcmp(p->stack[i].anchor, name) == 0)
				break;
		}
		if (i < p->depth) {
			problems_add(p->problems, p->file, line, column,
			    "alias *%s refers to a node that contains it", name);
		} else {
			problems_add(p->problems, p->file, line, column,
			    "alias *%s has no anchor &%s before it", name, name);
		}
		/* Keep the structure: a null stands for the alias. */
		if ((n = yaml_node(p, NODE_SCALAR, &e->start_mark)) == NULL)
			return;
		n->is_null = 1;
		node_set_text(n, "", "");
		yaml_attach(p, n);
		return;
	}
	a = &p->anchors[index - 1];
	if (a->size > TOPOLOGY_MAX_NODES - p->nodes) {
		problems_add(p->problems, p->file, line, column,
		    "alias expansion exceeds %d nodes (alias *%s)",
		    TOPOLOGY_MAX_NODES, name);
		p->fatal = 1;
		return;
	}
	if (a->bytes > YAML_MAX_TEXT - p->bytes) {
		problems_add(p->problems, p->file, line, column,
		    "alias expansion exceeds %d bytes of text (alias *%s)",
		    YAML_MAX_TEXT, name);
		p->fatal = 1;
		return;
	}
	if (p->depth + (size_t)a->height > TOPOLOGY_MAX_DEPTH) {
		problems_add(p->problems, p->file, line, column,
		    "nesting deeper than %d levels (through alias *%s)",
		    TOPOLOGY_MAX_DEPTH, name);
		p->fatal = 1;
		return;
	}
	p->nodes += a->size;
	p->bytes += a->bytes;
	n = node_copy(a->node->arena, a->node, NULL);
	/* The copy as a whole is where the alias is; its inside points at
	 * the anchored text, which is where a fault in it would be fixed. */
	n->line = line;
	n->column = column;
	yaml_attach(p, n);
}

/*
 * Parses text (len bytes) into a tree whose nodes point at file. Returns the
 * root, or NULL when the text cannot be read as one YAML document; every
 * fault found goes to problems (a tree can come back with problems too, e.g.
 * a duplicate key, so that validation can report the rest in the same run).
 */
struct node *
yaml_parse(const char *file, const char *text, size_t len,
    struct problems *problems)
{
	struct parse	 p;
	yaml_parser_t	 parser;
	yaml_event_t	 e;
	struct node	*root = NULL;
	size_t		 i;
	int		 done = 0;

	memset(&p, 0, sizeof p);
	p.file = file;
	p.text = text;
	p.len = len;
	p.problems = problems;

	if (len > TOPOLOGY_MAX_BYTES) {
		problems_add(problems, file, 0, 0,
		    "the file is %zu bytes, more than the %d allowed", len,
		    TOPOLOGY_MAX_BYTES);
		return NULL;
	}
	if (yaml_check_text(&p) != 0)
		return NULL;

	if (!yaml_parser_initialize(&parser))
		util_fatal("out of memory (libyaml)");
	p.arena = node_arena_new();
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && !p.fatal) {
		if (!yaml_parser_parse(&parser, &e)) {
			yaml_parser_problem(&p, &parser);
			p.fatal = 1;
			break;
		}
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++p.documents > 1) {
				problems_add(problems, file,
				    (int)e.start_mark.line + 1,
				    (int)e.start_mark.column + 1,
				    "a second YAML document starts here: a "
				    "topology file holds exactly one");
				done = 1;
			}
			break;
		case YAML_SCALAR_EVENT:
			yaml_scalar(&p, &e);
			break;
		case YAML_SEQUENCE_START_EVENT:
			yaml_push(&p, NODE_SEQ, &e, e.data.sequence_start.anchor);
			break;
		case YAML_MAPPING_START_EVENT:
			yaml_push(&p, NODE_MAP, &e, e.data.mapping_start.anchor);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (p.depth > 0)
				yaml_pop(&p);
			break;
		case YAML_ALIAS_EVENT:
			yaml_alias(&p, &e);
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&parser);

	for (i = p.depth; i > 0; i--) {
		node_free(p.stack[i - 1].node);
		yaml_frame_clear(&p.stack[i - 1]);
	}
	free(p.stack);
	for (i = 0; i < p.ndiscarded; i++)
		node_free(p.discarded[i]);
	free(p.discarded);
	for (i = 0; i < p.nanchors; i++)
		free(p.anchors[i].name);
	free(p.anchors);
	strmap_free(&p.anchor_index);

	if (p.fatal) {
		node_free(p.root);
		node_arena_free(p.arena);
		return NULL;
	}
	root = p.root;
	if (root == NULL) {
		problems_add(problems, file, 1, 1,
		    "the file is empty: a topology starts with `version: 1` "
		    "and `system: NAME`");
		node_arena_free(p.arena);
		return NULL;
	}
	node_root(root);
	return root;
}
