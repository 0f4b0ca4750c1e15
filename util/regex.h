/*
 * regex.h: PCRE2 with limits. Every pattern that comes from a topology or
 * matches outside text goes through here, so catastrophic backtracking ends
 * with an error instead of a hang.
 */
#ifndef TOPO_REGEX_H
#define TOPO_REGEX_H

#include <stddef.h>

struct regex;

/* NULL with *cause ("missing ) at offset 3") when the pattern is invalid. */
struct regex	*regex_compile(const char *pattern, char **cause);
/* One more holder of re (a compiled pattern is read-only: holders share). */
struct regex	*regex_ref(struct regex *);
/* Drops a holder; the last one frees it. */
void		 regex_free(struct regex *);
const char	*regex_pattern(const struct regex *);
/*
 * 1 on a match, 0 on none, -1 when the match limit was hit (with *cause).
 * If capture is not NULL, *capture is set to the text of the first group
 * that took part in the match (else the whole match); caller frees. If
 * offset is not NULL it gets the byte offset of the match.
 */
int		 regex_match(const struct regex *, const char *subject, size_t len,
		    char **capture, size_t *offset, char **cause);
/* The same, searching from byte start; *end (if not NULL) gets the offset
 * just past the match, so that a caller can walk every match of a text. */
int		 regex_match_from(const struct regex *, const char *subject,
		    size_t len, size_t start, char **capture, size_t *offset,
		    size_t *end, char **cause);

#endif
