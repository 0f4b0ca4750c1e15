/*
 * textfile.h: what the static repository probes share: resolving a declared
 * path, the rule of --root (which paths they may read at all), reading a
 * text file under a hard cap, turning a byte offset into a line number and
 * an excerpt, and the machine-independent form of a path for check ids.
 */
#ifndef TOPO_TEXTFILE_H
#define TOPO_TEXTFILE_H

#include <stddef.h>

#include "../util/buf.h"

struct node;
struct topology;

/* Largest file the static probes read; a larger one is an error. */
#define TEXTFILE_MAX_BYTES	(16 * 1024 * 1024)
/* Longest excerpt of a line kept as a fact or in evidence. */
#define TEXTFILE_EXCERPT	240

/*
 * path as declared, made absolute against the folder of the topology file
 * when it is relative (like docker-compose: a topology can carry its tree
 * beside it). Caller frees.
 */
char		*textfile_resolve(const char *topology_path, const char *path);
/* The same, relative to the file where declared is written (an included
 * file), else to the topology's own file. */
char		*textfile_resolve_at(const struct topology *, const struct node *declared,
		    const char *path);
/*
 * The rule of --root, the one every static read and stat goes through: 0
 * when path resolves to root or below, -1 with *cause "path P is outside the
 * root R (--root)" otherwise (caller frees). Resolved means realpath: ".."
 * and symbolic links are followed, so neither leads out; a path that does
 * not exist is judged by its nearest existing parent (and a dangling link by
 * where it points). On 0, *resolved (caller frees) is the path to open: the
 * one judged, so nothing is resolved twice. root is an absolute, resolved
 * folder (cmd.c makes it so), or NULL: every path is allowed and *resolved
 * is a copy of path. The message is the same whether the path exists or
 * not, so it tells nothing of what lies outside.
 */
int		 textfile_allowed(const char *root, const char *path, char **resolved,
		    char **cause);
/* Reads path into b (initialised here, capped at TEXTFILE_MAX_BYTES) when
 * textfile_allowed(root, path) lets it. 0, or -1 with *cause ("x is larger
 * than 16 MiB", "cannot open x: ...", "path x is outside the root ..."). */
int		 textfile_read(const char *root, const char *path, struct buf *b,
		    char **cause);
/* 1-based number of the line holding byte offset of text. */
int		 textfile_line(const char *text, size_t len, size_t offset);
/* The line holding offset, at most TEXTFILE_EXCERPT bytes around offset,
 * control characters shown as '?', trimmed. Caller frees. */
char		*textfile_excerpt(const char *text, size_t len, size_t offset);
/* raw (a path before variable expansion) without a leading "${VAR}/" or
 * "~/": "${REPO}/packages/x.ts" -> "packages/x.ts". Points into raw. */
const char	*textfile_stable_path(const char *raw);

#endif
