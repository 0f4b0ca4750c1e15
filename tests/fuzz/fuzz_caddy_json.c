/*
 * fuzz_caddy_json.c: Caddy's JSON config (the admin API's /config/, or
 * `caddy adapt`), walked by the caddy probe for its routes.
 */
#include "fuzz.h"

#include <cjson/cJSON.h>

#include "../../probes/caddyfile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct caddy_routes	 routes;
	cJSON			*json;
	char			*cause = NULL;

	json = cJSON_ParseWithLength((const char *)data, size);
	if (json == NULL)
		return 0;
	memset(&routes, 0, sizeof routes);
	if (caddyfile_json_routes(json, &routes, &cause) != 0)
		free(cause);
	caddyfile_routes_free(&routes);
	cJSON_Delete(json);
	return 0;
}
