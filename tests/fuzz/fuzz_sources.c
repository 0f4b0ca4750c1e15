/*
 * fuzz_sources.c: the sources probe's list counter (`export const LIST =
 * [ ... ]` in TypeScript source). The first line of the input is the list
 * name, the rest the source file.
 */
#include "fuzz.h"

#include "../../probes/sources.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*list, *text, *cause = NULL, **names = NULL;
	const char	*rest;
	size_t		 restlen, count = 0;
	int		 line = 0;

	list = fuzz_split(data, size, &rest, &restlen);
	text = fuzz_copy((const uint8_t *)rest, restlen);
	if (sources_list_parse(text, restlen, list, &names, &count, &line, &cause) == 0) {
		if (count > 0 && names == NULL)
			abort();
		sources_names_free(names, count);
	} else
		free(cause);
	free(text);
	free(list);
	return 0;
}
