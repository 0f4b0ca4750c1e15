/*
 * url.h: the one URL parser of topo (libcurl's URL API, for every scheme:
 * http, https, redis, rediss) and the one way a URL is shown: without its
 * user and password.
 */
#ifndef TOPO_URL_H
#define TOPO_URL_H

#include <stddef.h>

struct url {
	char	*scheme;	/* lower case */
	char	*user;		/* percent-decoded, NULL when absent or empty */
	char	*password;	/* percent-decoded, NULL when absent or empty */
	char	*host;		/* without [ ] around an IPv6 literal */
	int	 port;		/* 0 when the URL gives none */
	char	*path;		/* "/" at least */
};

/* Parses url. 0, or -1 with *cause (which never quotes the URL: it may hold
 * a password). Free with url_free. */
int	 url_parse(const char *url, struct url *, char **cause);
void	 url_free(struct url *);
/* The URL with its userinfo shown as ***@ (unchanged without one; "***"
 * when it cannot be parsed and holds an @). Caller frees. */
char	*url_shown(const char *url);
/* Standard base64 of n bytes (what an HTTP client sends as Basic
 * credentials, so that redaction can find them). Caller frees. */
char	*url_base64(const char *s, size_t n);

#endif
