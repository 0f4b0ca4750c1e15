/*
 * textfile.h: what the static repository probes (files, sources) share:
 * resolving a declared path, reading a text file under a hard cap, turning a
 * byte offset into a line number and an excerpt, and the machine-independent
 * form of a path for check ids.
 */
#ifndef TOPO_TEXTFILE_H
#define TOPO_TEXTFILE_H

#include <stddef.h>

#include "../util/buf.h"

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
/* Reads path into b (initialised here, capped at TEXTFILE_MAX_BYTES). 0, or
 * -1 with *cause ("x is larger than 16 MiB", "cannot open x: ..."). */
int		 textfile_read(const char *path, struct buf *b, char **cause);
/* 1-based number of the line holding byte offset of text. */
int		 textfile_line(const char *text, size_t len, size_t offset);
/* The line holding offset, at most TEXTFILE_EXCERPT bytes around offset,
 * control characters shown as '?', trimmed. Caller frees. */
char		*textfile_excerpt(const char *text, size_t len, size_t offset);
/* raw (a path before variable expansion) without a leading "${VAR}/" or
 * "~/": "${REPO}/packages/x.ts" -> "packages/x.ts". Points into raw. */
const char	*textfile_stable_path(const char *raw);

#endif
