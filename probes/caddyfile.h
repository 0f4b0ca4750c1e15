/*
 * caddyfile.h: Caddy's reverse-proxy routes as (site, path, upstream),
 * read either from a Caddyfile (a hand parser of the subset joelclaw uses)
 * or from Caddy's JSON config (the admin API's GET /config/, or the output
 * of `caddy adapt`). Both sides give the same normalised keys, so the caddy
 * probe compares what the topology declares with either.
 *
 * Kept apart from probes/caddy.c so unit tests and fuzz targets can call it.
 */
#ifndef TOPO_CADDYFILE_H
#define TOPO_CADDYFILE_H

#include <stddef.h>

struct cJSON;

struct caddy_route {
	char	*site;		/* "localhost:8443", "example.com:443", ":7000" */
	char	*path;		/* "/webhooks/..." (as written), or "" */
	char	*upstream;	/* dials in order, one space between: "localhost:3111" */
	char	*where;		/* "Caddyfile:12" or "srv0 routes[1]" */
};

struct caddy_routes {
	struct caddy_route	*items;
	size_t			 count;
	size_t			 alloc;
	char			*admin;		/* global `admin` address, or NULL */
	int			 truncated;	/* more than CADDYFILE_MAX_ROUTES */
};

#define CADDYFILE_MAX_BYTES	(4 * 1024 * 1024)	/* per file read */
#define CADDYFILE_MAX_ROUTES	10000
#define CADDYFILE_MAX_DEPTH	32			/* braces, imports, subroutes */
#define CADDYFILE_MAX_FILES	32			/* `import FILE` */

/* caddyfile_parse flags */
#define CADDYFILE_FILE_IMPORTS	0x1	/* `import path` reads files next to name */

/*
 * Parses Caddyfile text (name is used for file:line, and as the base of
 * file imports). Only routes that end in reverse_proxy are kept. Returns 0,
 * or -1 with *cause "Caddyfile:7: unclosed '{'" (caller frees); routes may
 * hold what was found before the fault. Never reads files without
 * CADDYFILE_FILE_IMPORTS.
 */
int	caddyfile_parse(const char *text, size_t len, const char *name, int flags,
	    struct caddy_routes *, char **cause);
/*
 * Reads path (capped) and parses it with file imports. root (--root, or
 * NULL) confines what is read: path and every import must be in it
 * (textfile_allowed), and under it a wildcard is followed only in an
 * import's last part, so that no folder outside is even listed.
 */
int	caddyfile_load(const char *path, const char *root, struct caddy_routes *,
	    char **cause);
/*
 * Walks Caddy's JSON config (apps.http.servers.*: listen, routes, match
 * host/path, reverse_proxy upstreams, subroutes recursively). Returns 0,
 * or -1 with *cause when the document is not a Caddy config.
 */
int	caddyfile_json_routes(const struct cJSON *config, struct caddy_routes *,
	    char **cause);
/* The first route with this site and path, or NULL. */
const struct caddy_route *caddyfile_find(const struct caddy_routes *,
	    const char *site, const char *path);
void	caddyfile_routes_free(struct caddy_routes *);

/*
 * Normalised forms, shared by both readers and by the topology side:
 * site "http://Localhost:8443" -> "localhost:8443", "example.com" ->
 * "example.com:443", ":8443" stays; upstream "http://localhost:8288" ->
 * "localhost:8288", "localhost" -> "localhost:80". Caller frees.
 */
char	*caddyfile_site(const char *address);
char	*caddyfile_upstream(const char *address);

#endif
