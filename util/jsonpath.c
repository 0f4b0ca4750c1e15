/*
 * jsonpath.c: parse and evaluate the small path syntax of jsonpath.h over
 * cJSON trees. A parsed path is a list of steps; evaluation walks them from
 * the root and never allocates except for the final text.
 */
#include "jsonpath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum step_type {
	STEP_MEMBER,		/* .name or ["name"] */
	STEP_INDEX,		/* [3] or [-1] */
	STEP_FILTER,		/* [?field=value] */
	STEP_LENGTH,		/* .length() or .# */
};

struct step {
	enum step_type	 type;
	char		*name;		/* STEP_MEMBER */
	long		 index;		/* STEP_INDEX */
	char		**field;	/* STEP_FILTER: the dotted field, split */
	size_t		 nfield;
	char		*value;		/* STEP_FILTER */
};

struct jsonpath {
	char		*text;
	struct step	*steps;
	size_t		 nsteps;
};

/* Longest index accepted, so that a path cannot overflow a long. */
#define JSONPATH_INDEX_DIGITS	9

static struct step *
jsonpath_add_step(struct jsonpath *path, enum step_type type)
{
	struct step	*step;

	path->steps = xreallocarray(path->steps, path->nsteps + 1,
	    sizeof *path->steps);
	step = &path->steps[path->nsteps++];
	memset(step, 0, sizeof *step);
	step->type = type;
	return step;
}

static void
jsonpath_step_free(struct step *step)
{
	size_t	i;

	free(step->name);
	for (i = 0; i < step->nfield; i++)
		free(step->field[i]);
	free(step->field);
	free(step->value);
}

void
jsonpath_free(struct jsonpath *path)
{
	size_t	i;

	if (path == NULL)
		return;
	for (i = 0; i < path->nsteps; i++)
		jsonpath_step_free(&path->steps[i]);
	free(path->steps);
	free(path->text);
	free(path);
}

const char *
jsonpath_text(const struct jsonpath *path)
{
	return path->text;
}

/*
 * Reads a quoted string starting at text[*at] (the quote). Returns the
 * unescaped text, or NULL with *cause when it is not closed.
 */
static char *
jsonpath_parse_quoted(const char *text, size_t *at, char **cause)
{
	char	 quote = text[*at];
	size_t	 i = *at + 1, n = 0;
	char	*out;

	out = xmalloc(strlen(text) + 1);
	for (;;) {
		if (text[i] == '\0') {
			*cause = xasprintf("unterminated quoted name at offset %zu",
			    *at);
			free(out);
			return NULL;
		}
		if (text[i] == quote)
			break;
		if (text[i] == '\\' && text[i + 1] != '\0')
			i++;
		out[n++] = text[i++];
	}
	out[n] = '\0';
	*at = i + 1;
	return out;
}

/* Splits a dotted filter field ("a.b") into its names; 0, or -1 if one is empty. */
static int
jsonpath_split_field(struct step *step, const char *field, size_t len)
{
	size_t	start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i < len && field[i] != '.')
			continue;
		if (i == start)
			return -1;
		step->field = xreallocarray(step->field, step->nfield + 1,
		    sizeof *step->field);
		step->field[step->nfield++] = xstrndup(field + start, i - start);
		start = i + 1;
	}
	return 0;
}

/* Parses "[...]" at text[*at] (the '['). 0, or -1 with *cause. */
static int
jsonpath_parse_bracket(struct jsonpath *path, const char *text, size_t *at,
    char **cause)
{
	size_t		 i = *at + 1, start, digits;
	struct step	*step;
	char		*name, *end;
	int		 negative;

	if (text[i] == '"' || text[i] == '\'') {
		if ((name = jsonpath_parse_quoted(text, &i, cause)) == NULL) {
			*at = i;
			return -1;
		}
		step = jsonpath_add_step(path, STEP_MEMBER);
		step->name = name;
	} else if (text[i] == '?') {
		start = ++i;
		while (text[i] != '\0' && text[i] != '=' && text[i] != ']')
			i++;
		if (text[i] != '=') {
			*cause = xasprintf("expected '=' in filter at offset %zu", i);
			*at = i;
			return -1;
		}
		step = jsonpath_add_step(path, STEP_FILTER);
		if (jsonpath_split_field(step, text + start, i - start) != 0) {
			*cause = xasprintf("expected a field name at offset %zu",
			    start);
			*at = start;
			return -1;
		}
		i++;
		if (text[i] == '"' || text[i] == '\'') {
			if ((step->value = jsonpath_parse_quoted(text, &i,
			    cause)) == NULL) {
				*at = i;
				return -1;
			}
		} else {
			start = i;
			while (text[i] != '\0' && text[i] != ']')
				i++;
			step->value = xstrndup(text + start, i - start);
		}
	} else {
		start = i;
		negative = text[i] == '-';
		if (negative)
			i++;
		digits = 0;
		while (text[i] >= '0' && text[i] <= '9') {
			i++;
			digits++;
		}
		if (digits == 0) {
			*cause = xasprintf("expected an index, a quoted name or "
			    "?field=value at offset %zu", start);
			*at = start;
			return -1;
		}
		if (digits > JSONPATH_INDEX_DIGITS) {
			*cause = xasprintf("index too large at offset %zu", start);
			*at = start;
			return -1;
		}
		step = jsonpath_add_step(path, STEP_INDEX);
		step->index = strtol(text + start, &end, 10);
	}
	if (text[i] != ']') {
		*cause = xasprintf("expected ']' at offset %zu", i);
		*at = i;
		return -1;
	}
	*at = i + 1;
	return 0;
}

struct jsonpath *
jsonpath_parse(const char *text, char **cause, size_t *offset)
{
	struct jsonpath	*path;
	struct step	*step;
	size_t		 i = 0, start;

	*cause = NULL;
	path = xcalloc(1, sizeof *path);
	path->text = xstrdup(text);
	if (text[0] != '$') {
		*cause = xstrdup("a path starts with '$' at offset 0");
		goto fail;
	}
	i = 1;
	while (text[i] != '\0') {
		if (path->nsteps > 0 &&
		    path->steps[path->nsteps - 1].type == STEP_LENGTH) {
			*cause = xasprintf("length() must be the last step, "
			    "at offset %zu", i);
			goto fail;
		}
		if (text[i] == '[') {
			if (jsonpath_parse_bracket(path, text, &i, cause) != 0)
				goto fail;
			continue;
		}
		if (text[i] != '.') {
			*cause = xasprintf("expected '.' or '[' at offset %zu", i);
			goto fail;
		}
		start = ++i;
		if (strncmp(text + i, "length()", 8) == 0 &&
		    (text[i + 8] == '\0' || text[i + 8] == '.' ||
		    text[i + 8] == '[')) {
			jsonpath_add_step(path, STEP_LENGTH);
			i += 8;
			continue;
		}
		if (text[i] == '#' && (text[i + 1] == '\0' ||
		    text[i + 1] == '.' || text[i + 1] == '[')) {
			jsonpath_add_step(path, STEP_LENGTH);
			i++;
			continue;
		}
		while (text[i] != '\0' && text[i] != '.' && text[i] != '[' &&
		    text[i] != ']')
			i++;
		if (i == start) {
			*cause = xasprintf("expected a name after '.' at offset %zu",
			    start);
			goto fail;
		}
		step = jsonpath_add_step(path, STEP_MEMBER);
		step->name = xstrndup(text + start, i - start);
	}
	if (offset != NULL)
		*offset = 0;
	return path;

fail:
	if (offset != NULL)
		*offset = i;
	jsonpath_free(path);
	return NULL;
}

void
jsonpath_number_text(double number, char *buf, size_t len)
{
	int	precision;

	if (!isfinite(number)) {
		/* JSON has no such numbers; cJSON prints them as null. */
		snprintf(buf, len, "null");
		return;
	}
	if (number == 0) {
		snprintf(buf, len, "0");	/* also -0 */
		return;
	}
	if (number == floor(number) && fabs(number) < 1e15) {
		snprintf(buf, len, "%.0f", number);
		return;
	}
	for (precision = 1; precision <= 17; precision++) {
		snprintf(buf, len, "%.*g", precision, number);
		if (strtod(buf, NULL) == number)
			return;
	}
}

char *
jsonpath_value_text(const cJSON *item)
{
	char	 number[64], *printed, *text;
	size_t	 len;

	if (item == NULL || cJSON_IsNull(item))
		return xstrdup("null");
	if (cJSON_IsTrue(item))
		return xstrdup("true");
	if (cJSON_IsFalse(item))
		return xstrdup("false");
	if (cJSON_IsString(item) || cJSON_IsRaw(item))
		return xstrdup(item->valuestring != NULL ? item->valuestring : "");
	if (cJSON_IsNumber(item)) {
		jsonpath_number_text(item->valuedouble, number, sizeof number);
		return xstrdup(number);
	}
	if ((printed = cJSON_PrintUnformatted(item)) == NULL)
		util_fatal("out of memory printing JSON");
	len = strlen(printed);
	if (len <= JSONPATH_TEXT_CAP) {
		text = xstrdup(printed);
	} else {
		/* Cut on a UTF-8 character boundary. */
		len = JSONPATH_TEXT_CAP;
		while (len > 0 && ((unsigned char)printed[len] & 0xc0) == 0x80)
			len--;
		text = xasprintf("%.*s...", (int)len, printed);
	}
	cJSON_free(printed);
	return text;
}

/* 1 if element's (dotted) field has the text value. */
static int
jsonpath_filter_matches(const struct step *step, const cJSON *element)
{
	const cJSON	*field = element;
	char		*text;
	size_t		 i;
	int		 matches;

	for (i = 0; i < step->nfield; i++) {
		if (!cJSON_IsObject(field))
			return 0;
		field = cJSON_GetObjectItemCaseSensitive(field, step->field[i]);
		if (field == NULL)
			return 0;
	}
	if (cJSON_IsString(field))
		return strcmp(field->valuestring, step->value) == 0;
	text = jsonpath_value_text(field);
	matches = strcmp(text, step->value) == 0;
	free(text);
	return matches;
}

int
jsonpath_eval(const struct jsonpath *path, const cJSON *root, char **value)
{
	const cJSON		*at = root, *element;
	const struct step	*step;
	size_t			 i;
	int			 size;
	long			 index;

	*value = NULL;
	for (i = 0; i < path->nsteps && at != NULL; i++) {
		step = &path->steps[i];
		switch (step->type) {
		case STEP_MEMBER:
			if (!cJSON_IsObject(at))
				return 0;
			at = cJSON_GetObjectItemCaseSensitive(at, step->name);
			break;
		case STEP_INDEX:
			if (!cJSON_IsArray(at))
				return 0;
			size = cJSON_GetArraySize(at);
			index = step->index < 0 ? size + step->index : step->index;
			if (index < 0 || index >= size)
				return 0;
			at = cJSON_GetArrayItem(at, (int)index);
			break;
		case STEP_FILTER:
			if (!cJSON_IsArray(at) && !cJSON_IsObject(at))
				return 0;
			element = NULL;
			cJSON_ArrayForEach(element, at) {
				if (jsonpath_filter_matches(step, element))
					break;
			}
			at = element;
			break;
		case STEP_LENGTH:
			if (!cJSON_IsArray(at) && !cJSON_IsObject(at))
				return 0;
			*value = xasprintf("%d", cJSON_GetArraySize(at));
			return 1;
		}
	}
	if (at == NULL)
		return 0;
	*value = jsonpath_value_text(at);
	return 1;
}
