/*
 * sources.h: the list parser of the sources probe, exported so that unit
 * tests and fuzz targets reach it without a topology.
 */
#ifndef TOPO_SOURCES_H
#define TOPO_SOURCES_H

#include <stddef.h>

/*
 * Finds `export const LIST = [ ... ]` (also `const LIST: T[] = [`, and
 * `] as const`) in text (len bytes; NUL bytes allowed) and returns the name
 * of each entry in source order: `foo` -> foo, `foo()` -> foo, `a.b` -> a.b,
 * `...more` -> ...more, `"x"` -> x, anything else its text with whitespace
 * collapsed (at most 80 bytes). Comments, strings, template literals and
 * nested brackets are respected; empty entries are not counted.
 *
 * Returns 0 with *names (caller frees each and the array; NULL when empty),
 * *count and *line (1-based line of the declaration), or -1 with *cause
 * ("no `export const LIST = [`", "list `LIST` (line 4) is not closed").
 */
int	sources_list_parse(const char *text, size_t len, const char *list,
	    char ***names, size_t *count, int *line, char **cause);
/*
 * The same, and *plain (caller frees; NULL when empty): plain[i] is 1 when
 * entry i is one plain name (an identifier, `a.b`, a string), surely one
 * element of the list; 0 for what cannot be counted statically (a spread,
 * a call, a conditional, any other expression).
 */
int	sources_list_parse_plain(const char *text, size_t len, const char *list,
	    char ***names, int **plain, size_t *count, int *line, char **cause);
void	sources_names_free(char **names, size_t count);

#endif
