/*
 * fuzz_plist.c: a launchd job's property list, XML or binary (libplist),
 * as the launchd probe reads the repository's plists folder.
 */
#include "fuzz.h"

#include "../../probes/launchd-parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct launchd_plist	 pl;
	char			*text, *cause = NULL;

	text = fuzz_copy(data, size);
	memset(&pl, 0, sizeof pl);
	if (launchd_plist_parse(text, size, &pl, &cause) == 0)
		launchd_plist_free(&pl);
	else
		free(cause);
	free(text);
	return 0;
}
