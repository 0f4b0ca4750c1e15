/*
 * fuzz_jsonpath.c: the `json:` expectations of the http and command probes:
 * a path (the first line of the input, from the topology) evaluated over a
 * JSON document (the rest, from a service).
 */
#include "fuzz.h"

#include "../../util/jsonpath.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonpath	*path;
	cJSON		*root;
	char		*text, *cause = NULL, *value = NULL;
	const char	*rest;
	size_t		 restlen, offset = 0;

	text = fuzz_split(data, size, &rest, &restlen);
	path = jsonpath_parse(text, &cause, &offset);
	if (path == NULL) {
		if (offset > strlen(text))
			abort();	/* the fault must be inside the path */
		free(cause);
		free(text);
		return 0;
	}
	(void)jsonpath_text(path);
	root = cJSON_ParseWithLength(rest, restlen);
	if (root != NULL) {
		if (jsonpath_eval(path, root, &value) == 1) {
			if (value == NULL)
				abort();
			free(value);
		} else if (value != NULL)
			abort();
		value = jsonpath_value_text(root);
		free(value);
		cJSON_Delete(root);
	}
	jsonpath_free(path);
	free(text);
	return 0;
}
