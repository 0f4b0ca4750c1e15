/*
 * fuzz_events.c: the event graph's reader (probes/events.h) on arbitrary
 * TypeScript: createFunction calls, emits, waits, constants, aliases. The
 * input is the source file; its names are then registered as a worker list.
 */
#include "fuzz.h"

#include <string.h>

#include "../../probes/events.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct events_graph	 g;
	char			*text = fuzz_copy(data, size);
	char			*names[] = { "a", "...b", "c()" };
	size_t			 i;

	events_graph_init(&g);
	events_scan_text(&g, "fuzz.ts", text, size, 1);
	g.nworkers = 1;
	events_register(&g, 0, names, 3, 1);
	for (i = 0; i < g.nsites; i++) {
		/* A site has a name or the text of what could not be read. */
		if (g.sites[i].name == NULL && g.sites[i].text == NULL)
			abort();
		if (g.sites[i].function >= (int)g.nfunctions)
			abort();
	}
	(void)events_has(&g, EVENTS_EMIT, "x");
	events_graph_free(&g);
	free(text);
	return 0;
}
