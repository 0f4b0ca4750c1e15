/*
 * url.c: URL parsing through curl_url() for every probe and the document,
 * so that a redis:// URL, an http:// URL and the document's rendering of
 * either agree on where the user and password are.
 */
#include "url.h"

#include <curl/curl.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *
url_part(CURLU *u, CURLUPart what, unsigned int flags)
{
	char	*part = NULL, *copy;

	if (curl_url_get(u, what, &part, flags) != CURLUE_OK || part == NULL)
		return NULL;
	copy = part[0] != '\0' ? xstrdup(part) : NULL;
	curl_free(part);
	return copy;
}

/*
 * A password written raw with an '@' in it (redis://:p@ss@host, which the
 * old redis parser and redis-cli take): every '@' of the authority but the
 * last becomes %40, so curl_url() parses it. NULL when there is nothing to
 * change. The authority ends at the first '/', '?' or '#' after the last
 * '@' before one.
 */
static char *
url_escape_ats(const char *url)
{
	const char	*auth = strstr(url, "://"), *p, *last = NULL;
	struct {
		char	*s;
		size_t	 n;
	} out;
	size_t		 ats = 0;

	if (auth == NULL)
		return NULL;
	auth += 3;
	for (p = auth; *p != '\0' && strchr("/?#", *p) == NULL; p++)
		if (*p == '@') {
			last = p;
			ats++;
		}
	if (ats < 2)
		return NULL;
	out.s = xmalloc(strlen(url) + 2 * ats + 1);
	out.n = 0;
	for (p = url; *p != '\0'; p++) {
		if (p >= auth && p < last && *p == '@') {
			memcpy(out.s + out.n, "%40", 3);
			out.n += 3;
		} else
			out.s[out.n++] = *p;
	}
	out.s[out.n] = '\0';
	return out.s;
}

int
url_parse(const char *url, struct url *out, char **cause)
{
	CURLU		*u;
	CURLUcode	 rc;
	char		*port, *end, *p, *fixed;
	long		 v;

	memset(out, 0, sizeof *out);
	if ((u = curl_url()) == NULL)
		util_fatal("out of memory");
	rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK && (fixed = url_escape_ats(url)) != NULL) {
		rc = curl_url_set(u, CURLUPART_URL, fixed, CURLU_NON_SUPPORT_SCHEME);
		memset(fixed, 0, strlen(fixed));
		free(fixed);
	}
	if (rc != CURLUE_OK) {
		*cause = xasprintf("invalid URL: %s", curl_url_strerror(rc));
		curl_url_cleanup(u);
		return -1;
	}
	out->scheme = url_part(u, CURLUPART_SCHEME, 0);
	for (p = out->scheme; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	out->user = url_part(u, CURLUPART_USER, CURLU_URLDECODE);
	out->password = url_part(u, CURLUPART_PASSWORD, CURLU_URLDECODE);
	out->host = url_part(u, CURLUPART_HOST, 0);
	if (out->host != NULL && out->host[0] == '[') {
		p = xstrndup(out->host + 1, strcspn(out->host + 1, "]"));
		free(out->host);
		out->host = p;
	}
	out->path = url_part(u, CURLUPART_PATH, 0);
	if (out->path == NULL)
		out->path = xstrdup("/");
	if ((port = url_part(u, CURLUPART_PORT, 0)) != NULL) {
		v = strtol(port, &end, 10);
		out->port = *end == '\0' && v > 0 && v <= 65535 ? (int)v : 0;
		free(port);
	}
	curl_url_cleanup(u);
	return 0;
}

void
url_free(struct url *u)
{
	free(u->scheme);
	free(u->user);
	if (u->password != NULL) {
		memset(u->password, 0, strlen(u->password));
		free(u->password);
	}
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof *u);
}

char *
url_shown(const char *url)
{
	CURLU	*u;
	char	*user = NULL, *pw = NULL, *opts = NULL, *text = NULL, *out, *auth;

	if ((u = curl_url()) == NULL)
		util_fatal("out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK) {
		curl_url_cleanup(u);
		return xstrdup(strchr(url, '@') != NULL ? "***" : url);
	}
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
	curl_url_get(u, CURLUPART_OPTIONS, &opts, 0);
	if (user == NULL && pw == NULL && opts == NULL)
		out = xstrdup(url);
	else {
		/* curl writes the URL back without the userinfo; ***@ goes
		 * where it was, after the scheme's "//". */
		curl_url_set(u, CURLUPART_USER, NULL, 0);
		curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
		curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
		if (curl_url_get(u, CURLUPART_URL, &text, 0) != CURLUE_OK ||
		    (auth = strstr(text, "://")) == NULL)
			out = xstrdup("***");
		else
			out = xasprintf("%.*s***@%s", (int)(auth + 3 - text), text,
			    auth + 3);
	}
	curl_free(user);
	curl_free(pw);
	curl_free(opts);
	curl_free(text);
	curl_url_cleanup(u);
	return out;
}

char *
url_base64(const char *s, size_t n)
{
	static const char	 abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char	*in = (const unsigned char *)s;
	char			*out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t			 i;
	unsigned long		 v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = abc[v >> 6 & 63];
		*o++ = abc[v & 63];
	}
	if (i < n) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}
