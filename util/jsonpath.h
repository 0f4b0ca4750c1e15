/*
 * jsonpath.h: a small path syntax over cJSON, for the http and command
 * probes' `json:` expectations. A path is parsed once (at plan time, so a bad
 * path is a validation problem with its position) and evaluated against each
 * answer, giving the value as one line of text that expectations compare.
 *
 * Syntax (a path always starts with '$', the document root):
 *   $                      the whole document
 *   .name                  a member of an object; name runs to the next '.',
 *                          '[' or ']'; use ["a.b"] or ['a b'] for other names
 *   ["a.b"] ['a b']        a member by quoted name (\" \' \\ escapes)
 *   [0] [-1]               an array element; negative counts from the end
 *   [?field=value]         the first element of an array (or member of an
 *                          object) whose field's text equals value; field
 *                          may be dotted (a.b), value may be quoted ("x]y")
 *   .length()  or  .#      the number of elements of an array or members
 *                          of an object; only as the last step
 * Example: $.data.apps[?name=system-bus-host].functions.length()
 *
 * Text of a value: strings unquoted, numbers in their shortest form (101,
 * 0.5, 1e+300), true / false / null, arrays and objects as compact JSON cut
 * at a cap (ending in "...").
 */
#ifndef TOPO_JSONPATH_H
#define TOPO_JSONPATH_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct jsonpath;

/* Longest text of an array or object value before it is cut. */
#define JSONPATH_TEXT_CAP	1024

/*
 * Parses text. NULL on a syntax error, with *cause ("expected ']' at
 * offset 7") that the caller frees, and *offset (if not NULL) the byte
 * offset of the fault in text.
 */
struct jsonpath	*jsonpath_parse(const char *text, char **cause, size_t *offset);
void		 jsonpath_free(struct jsonpath *);
/* The path as it was given. */
const char	*jsonpath_text(const struct jsonpath *);

/*
 * Evaluates path against root. Returns 1 with *value set to the text of the
 * value found (caller frees), or 0 with *value NULL when the path leads
 * nowhere (a missing member, an index out of range, length() of a scalar).
 */
int		 jsonpath_eval(const struct jsonpath *, const cJSON *root, char **value);

/* The text of a value as described above (cap: JSONPATH_TEXT_CAP). Caller frees. */
char		*jsonpath_value_text(const cJSON *);
/* A number in its shortest round-tripping form ("101", "0.1", "-2.5e-07"). */
void		 jsonpath_number_text(double, char *buf, size_t len);

#endif
