/*
 * fuzz_caddyfile.c: the Caddyfile reader of the caddy probe (without file
 * imports: a fuzzer must not read the disk), and the site and upstream
 * normalisers on the first line of the input.
 */
#include "fuzz.h"

#include "../../probes/caddyfile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct caddy_routes	 routes;
	char			*text, *cause = NULL, *first, *s;
	const char		*rest;
	size_t			 restlen, i;

	if (size > CADDYFILE_MAX_BYTES)
		return 0;
	text = fuzz_copy(data, size);
	memset(&routes, 0, sizeof routes);
	if (caddyfile_parse(text, size, "Caddyfile", 0, &routes, &cause) != 0)
		free(cause);
	for (i = 0; i < routes.count; i++)
		(void)caddyfile_find(&routes, routes.items[i].site, routes.items[i].path);
	caddyfile_routes_free(&routes);

	first = fuzz_split(data, size, &rest, &restlen);
	s = caddyfile_site(first);
	free(s);
	s = caddyfile_upstream(first);
	free(s);
	free(first);
	free(text);
	return 0;
}
