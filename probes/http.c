/*
 * http.c: the `http:` section. Each item is an HTTP(S) endpoint of the
 * running system (live layer) with an expected status (200 unless declared;
 * a list of them, or a class such as 2xx), and optionally a body regex, a
 * regex the body must not match, response headers (each a regex), JSON
 * values (util/jsonpath.h) and a latency bound. Facts: "status", "body"
 * (only when a body_regex is declared: the whole body, up to HTTP_BODY_CAP),
 * "body_not_regex" (the line that matched, only when one did),
 * "header:<name>" (the declared ones, lower case; several of one name
 * joined with ", "), "json:<path>" and "latency_ms".
 *
 * The whole batch runs through one curl multi handle, at most batch->jobs
 * transfers in flight, connections reused between transfers to one host.
 * The multi handle is driven through its socket interface
 * (curl_multi_socket_action) from one wait on the sockets curl asks to
 * watch (util/poller.h: epoll on Linux): each wake-up costs the sockets
 * that are ready, where curl_multi_perform / curl_multi_poll walk every
 * transfer, which made 10,000 checks in flight quadratic (measured:
 * bench/RESULTS.md).
 * Each transfer is bounded by its check's timeout_ms and its body by
 * HTTP_BODY_CAP; only http and https are spoken, redirects are followed
 * only when asked, no proxy is used (a health check observes the endpoint
 * itself, not what a proxy makes of it). Evidence names the method, the URL
 * without its credentials and the status, the Location of a redirect not
 * followed, and the declared response headers, redacted before they are cut
 * (SECURITY.md); never a request header's value.
 *
 * A body that is not JSON while JSON values are expected is an error, but
 * only when the status is the expected one: a 404 page is not JSON, and the
 * status drift says more than "invalid JSON" would.
 */
#include "probe.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "../util/buf.h"
#include "../util/url.h"
#include "../util/jsonpath.h"
#include "../util/poller.h"
#include "../util/regex.h"
#include "../util/util.h"
#include "textfile.h"

/* curl_easy_header (7.83): without it, declared response headers are unknown. */
#if LIBCURL_VERSION_NUM >= 0x075300
#define HTTP_HAVE_HEADER_API	1
#endif

#define HTTP_BODY_CAP		(1024 * 1024)
#define HTTP_BODY_CAP_TEXT	"1 MiB"
#define HTTP_EXCERPT		80	/* body bytes shown in evidence */
#define HTTP_VALUE_EXCERPT	200	/* header and Location bytes shown */
#define HTTP_MAX_REDIRECTS	10
#define HTTP_DEFAULT_TIMEOUT_MS	5000	/* never wait without a bound */
#define HTTP_REDACT_WINDOW	(64 * 1024)	/* body bytes redacted for it */
#define HTTP_POLL_MS		100	/* how often a cancelled run is noticed */
#define HTTP_READY_MAX		256	/* sockets acted on per wake-up */
/* Transfers started between two waits: curl connects every transfer added
 * before it sends any request, so 512 added at once sent nothing for the
 * 50 ms their connects took, and every later round inherited the delay. */
#define HTTP_START_BURST	32
/* curl's receive buffer, per transfer in flight (curl's default is 16 KiB:
 * 160 MiB for 10,000 checks at once; health answers are small). */
#define HTTP_RECV_BUFFER	1024

struct http_config {
	char			*url;		/* as sent: credentials and all */
	char			*shown;		/* without user:password, for people */
	char			*origin;	/* scheme://host:port: who can share a connection */
	char			*method;
	char			*body;		/* NULL: none */
	struct curl_slist	*headers;
	int			 follow_redirects;
	int			 tls_verify;
	struct http_status	*statuses;	/* any of them is the expected status */
	size_t			 nstatuses;
	int			 keep_body;	/* a "body" fact is expected */
	struct regex		*body_not;	/* body_not_regex, or NULL */
	char			**header_names;	/* expect.headers, lower case */
	size_t			 nheaders;
	struct jsonpath		**paths;	/* each json: expectation */
	size_t			 npaths;
};

/* An expected status: one (200..200) or a class (200..299). */
struct http_status {
	long	lo, hi;
};

static const char *const http_methods[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL
};

static const char *const http_layers[] = { "live", NULL };

static const struct schema http_json_value_schema[] = {
	{ .key = "value", .type = SCHEMA_STRING,
	  .help = "the value's text: a string, a number, true, false or null" },
	{ .key = NULL },
};

static const struct schema http_headers_value_schema[] = {
	{ .key = "value", .type = SCHEMA_STRING, .help = "header value" },
	{ .key = NULL },
};

static const struct schema http_expect_headers_value_schema[] = {
	{ .key = "value", .type = SCHEMA_REGEX,
	  .help = "PCRE2 pattern that must be found in the header's value" },
	{ .key = NULL },
};

static const struct schema http_expect_schema[] = {
	/* An integer, a list or a class: checked by http_plan_status. */
	{ .key = "status", .type = SCHEMA_ANY, .def = "200",
	  .help = "expected HTTP status: 200, a list [200, 204], or a class "
	  "2xx, 3xx, 4xx or 5xx (or a list mixing them)" },
	{ .key = "body_regex", .type = SCHEMA_REGEX,
	  .help = "PCRE2 pattern that must be found in the body (first "
	  HTTP_BODY_CAP_TEXT ")" },
	{ .key = "body_not_regex", .type = SCHEMA_REGEX,
	  .help = "PCRE2 pattern the body must NOT match; a match is drift, "
	  "its line the evidence" },
	{ .key = "headers", .type = SCHEMA_DICT,
	  .children = http_expect_headers_value_schema,
	  .help = "{Name: regex} response headers (name in any case); a "
	  "missing one is drift missing, one not matching drift changed" },
	{ .key = "json", .type = SCHEMA_DICT,
	  .children = http_json_value_schema,
	  .help = "{PATH: value}: values the JSON body must hold, e.g. "
	  "\"$.apps[?name=x].functions.length()\": 101" },
	{ .key = "max_latency_ms", .type = SCHEMA_INT, .min = 0, .max = 3600000,
	  .help = "slowest acceptable answer" },
	{ .key = NULL },
};

static const struct schema http_item_schema[] = {
	{ .key = "name", .type = SCHEMA_STRING, .required = 1,
	  .help = "unique name; the check id is http/<name>" },
	{ .key = "url", .type = SCHEMA_STRING, .required = 1,
	  .help = "http:// or https:// URL; credentials in it are never shown" },
	{ .key = "method", .type = SCHEMA_CHOICE, .choices = http_methods,
	  .def = "GET", .help = "request method" },
	{ .key = "body", .type = SCHEMA_STRING,
	  .help = "request body (POST, PUT, PATCH); JSON is sent as "
	  "application/json unless headers say otherwise" },
	{ .key = "headers", .type = SCHEMA_DICT,
	  .children = http_headers_value_schema,
	  .help = "{Name: value} request headers; values are never shown" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "whole request timeout (default: --timeout)" },
	{ .key = "tls_verify", .type = SCHEMA_BOOL, .def = "true",
	  .help = "verify the server's TLS certificate and name" },
	{ .key = "follow_redirects", .type = SCHEMA_BOOL, .def = "false",
	  .help = "follow redirects (http and https only, at most 10); when "
	  "not, a 3xx is the status observed and its Location the evidence" },
	{ .key = "layer", .type = SCHEMA_CHOICE, .choices = http_layers,
	  .def = "live", .help = "always live" },
	{ .key = "what", .type = SCHEMA_STRING,
	  .help = "what the endpoint is (documentation)" },
	{ .key = "expect", .type = SCHEMA_MAP, .children = http_expect_schema,
	  .help = "{status, body_regex, body_not_regex, headers, json, "
	  "max_latency_ms}" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema http_entry_schema[] = {
	{ .key = "http", .type = SCHEMA_MAP, .children = http_item_schema,
	  .help = "{name, url, method, body, headers, timeout_ms, tls_verify, "
	  "follow_redirects, expect}" },
	{ .key = NULL },
};

static const struct schema http_schema = {
	.key = "http", .type = SCHEMA_LIST, .children = http_entry_schema,
	.help = "HTTP endpoints: status, body regex, JSON values, latency",
};

static void
http_free_config(void *p)
{
	struct http_config	*hc = p;
	size_t			 i;

	if (hc == NULL)
		return;
	free(hc->url);
	free(hc->shown);
	free(hc->origin);
	free(hc->method);
	free(hc->body);
	curl_slist_free_all(hc->headers);
	free(hc->statuses);
	regex_free(hc->body_not);
	for (i = 0; i < hc->nheaders; i++)
		free(hc->header_names[i]);
	free(hc->header_names);
	for (i = 0; i < hc->npaths; i++)
		jsonpath_free(hc->paths[i]);
	free(hc->paths);
	free(hc);
}

/*
 * Checks url (http or https, parsable) and gives it back without user and
 * password (as curl writes it then; as written otherwise), and its origin,
 * the part before the path (transfers with the same origin can take turns
 * on one connection). NULL with *cause when it cannot be used.
 */
static char *
http_url_shown(const char *url, char **origin, char **cause)
{
	CURLU		*u;
	CURLUcode	 rc;
	char		*scheme = NULL, *text = NULL, *shown = NULL, *part;
	const char	*authority;
	int		 credentials = 0;

	if ((u = curl_url()) == NULL)
		util_fatal("out of memory");
	if ((rc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK) {
		*cause = xasprintf("invalid URL: %s", curl_url_strerror(rc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
		*cause = xasprintf("URL scheme must be http or https, not %s",
		    scheme != NULL ? scheme : "none");
		goto out;
	}
	/* Only a URL with credentials is rewritten (curl_url_get of the whole
	 * URL was a third of planning 10,000 checks); others show as written. */
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK) {
		credentials = 1;
		curl_free(part);
	}
	if (curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
		credentials = 1;
		curl_free(part);
	}
	if (curl_url_get(u, CURLUPART_OPTIONS, &part, 0) == CURLUE_OK) {
		credentials = 1;
		curl_free(part);
	}
	if (!credentials)
		shown = xstrdup(url);
	else {
		curl_url_set(u, CURLUPART_USER, NULL, 0);
		curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
		curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
		if ((rc = curl_url_get(u, CURLUPART_URL, &text, 0)) != CURLUE_OK) {
			*cause = xasprintf("invalid URL: %s",
			    curl_url_strerror(rc));
			goto out;
		}
		shown = xstrdup(text);
	}
	authority = strstr(shown, "://");
	authority = authority != NULL ? authority + 3 : shown;
	*origin = xstrndup(shown, (size_t)(authority - shown) +
	    strcspn(authority, "/?#"));
out:
	curl_free(scheme);
	curl_free(text);
	curl_url_cleanup(u);
	return shown;
}

/* Request headers whose values say nothing secret: they describe the request. */
static int
http_header_public(const char *name)
{
	static const char *const public[] = {
		"Host", "Content-Type", "Accept", "Accept-Encoding",
		"Accept-Language", "User-Agent", "Cache-Control", "Connection",
		"Expect", NULL
	};
	const char *const	*p;

	for (p = public; *p != NULL; p++) {
		if (strcasecmp(name, *p) == 0)
			return 1;
	}
	return 0;
}

/* Adds the headers map to hc; 0, or -1 after adding problems. */
static int
http_plan_headers(struct plan *p, struct http_config *hc,
    const struct node *headers)
{
	const struct node	*key, *value;
	struct curl_slist	*list;
	char			*line;
	size_t			 i;
	int			 rc = 0, has_type = 0, has_expect = 0;

	for (i = 0; headers != NULL && headers->type == NODE_MAP &&
	    i < headers->count; i++) {
		key = headers->keys[i];
		value = headers->items[i];
		if (*key->value == '\0' ||
		    key->value[strcspn(key->value, ": \t\r\n")] != '\0') {
			problems_add_at(p->problems, key,
			    "headers: \"%s\" is not a header name", key->value);
			rc = -1;
			continue;
		}
		if (value->type != NODE_SCALAR) {
			problems_add_at(p->problems, value,
			    "headers: the value of %s must be a string, not %s",
			    key->value, node_type_name(value));
			rc = -1;
			continue;
		}
		/* A line break would smuggle a header in; never print the value. */
		if (strpbrk(value->value, "\r\n") != NULL) {
			problems_add_at(p->problems, value,
			    "headers: the value of %s holds a line break",
			    key->value);
			rc = -1;
			continue;
		}
		/* Every header value is a secret (SECURITY.md): a service may
		 * echo it. "Bearer TOKEN": the token alone too. Not the few
		 * that only describe the request (Host: localhost:9443 would
		 * turn every id and URL naming that site into ***). */
		if (!http_header_public(key->value)) {
			topology_add_secret(p->topology, value->value);
			if (strchr(value->value, ' ') != NULL)
				topology_add_secret(p->topology,
				    value->value + strcspn(value->value, " ") +
				    strspn(value->value + strcspn(value->value, " "), " "));
		}
		if (strcasecmp(key->value, "Content-Type") == 0)
			has_type = 1;
		if (strcasecmp(key->value, "Expect") == 0)
			has_expect = 1;
		/* "Name;" is how curl sends a header with an empty value. */
		if (*value->value == '\0')
			line = xasprintf("%s;", key->value);
		else
			line = xasprintf("%s: %s", key->value, value->value);
		if ((list = curl_slist_append(hc->headers, line)) == NULL)
			util_fatal("out of memory");
		hc->headers = list;
		free(line);
	}
	if (hc->body != NULL && !has_type &&
	    (hc->body[strspn(hc->body, " \t\r\n")] == '{' ||
	    hc->body[strspn(hc->body, " \t\r\n")] == '[')) {
		if ((list = curl_slist_append(hc->headers,
		    "Content-Type: application/json")) == NULL)
			util_fatal("out of memory");
		hc->headers = list;
	}
	/* Waiting for "100 Continue" costs a second with servers that never
	 * send it; the bodies here are small. */
	if (hc->body != NULL && !has_expect) {
		if ((list = curl_slist_append(hc->headers, "Expect:")) == NULL)
			util_fatal("out of memory");
		hc->headers = list;
	}
	return rc;
}

static void
http_plan_json(struct plan *p, struct check *c, struct http_config *hc,
    const struct node *json)
{
	const struct node	*key, *value;
	struct jsonpath		*path;
	char			*cause = NULL, *field;
	size_t			 i, offset = 0;

	if (json->type != NODE_MAP)
		return;		/* the schema has said why */
	hc->paths = xcalloc(json->count + 1, sizeof *hc->paths);
	for (i = 0; i < json->count; i++) {
		key = json->keys[i];
		value = json->items[i];
		if (value->type != NODE_SCALAR) {
			problems_add_at(p->problems, value,
			    "json: the value of %s must be a string, a number, "
			    "true, false or null, not %s", key->value,
			    node_type_name(value));
			continue;
		}
		if ((path = jsonpath_parse(key->value, &cause, &offset)) == NULL) {
			/* Point at the fault itself, past an opening quote. */
			problems_add(p->problems, key->file, key->line,
			    key->column + (key->quoted ? 1 : 0) + (int)offset,
			    "json: invalid path \"%s\": %s", key->value, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		hc->paths[hc->npaths++] = path;
		field = xasprintf("json:%s", jsonpath_text(path));
		/* YAML null compares with JSON null. */
		plan_expect(p, c, value, field, MATCH_EQUALS,
		    value->is_null ? "null" : value->value);
		free(field);
	}
}

/* The TCP port the URL sends to (topology/causes.c). */
static void
http_edges(struct check *c, const char *url)
{
	struct url	 u;
	char		*cause = NULL, *token;
	int		 port;

	if (url_parse(url, &u, &cause) != 0) {
		free(cause);
		return;
	}
	port = u.port > 0 ? u.port : strcmp(u.scheme, "https") == 0 ? 443 : 80;
	token = causes_tcp(u.host, port);
	causes_need(c, "%s", token);
	free(token);
	url_free(&u);
}

/*
 * One element of expect.status: a whole number 100..599 or a class "2xx"
 * (1xx..5xx, x in either case). 0, or -1 with a problem at n.
 */
static int
http_plan_status_one(struct plan *p, const struct node *n,
    struct http_status *out)
{
	const char	*v = n->value;
	char		*end;
	long		 status;

	if (n->type != NODE_SCALAR || n->is_null) {
		problems_add_at(p->problems, n, "expect.status: expected a "
		    "status (200) or a class (2xx), not %s", node_type_name(n));
		return -1;
	}
	if (v[0] >= '1' && v[0] <= '5' && (v[1] == 'x' || v[1] == 'X') &&
	    (v[2] == 'x' || v[2] == 'X') && v[3] == '\0') {
		out->lo = (v[0] - '0') * 100L;
		out->hi = out->lo + 99;
		return 0;
	}
	errno = 0;
	status = strtol(v, &end, 10);
	if (v[0] >= '0' && v[0] <= '9' && *end == '\0' && errno == 0 &&
	    status >= 100 && status <= 599) {
		out->lo = out->hi = status;
		return 0;
	}
	if (n->secret)	/* never print a secret's value */
		problems_add_at(p->problems, n, "expect.status: a secret value "
		    "is not a status: write 200, [200, 204] or a class 2xx..5xx");
	else
		problems_add_at(p->problems, n, "expect.status: '%.*s%s' is not "
		    "a status: write 100..599, [200, 204] or a class 2xx..5xx",
		    PROBLEM_QUOTE(v));
	return -1;
}

/*
 * expect.status (absent: 200) into hc->statuses and one expectation of the
 * "status" fact: = 200, one of 200|204, or ~ /^(?:200|3\d\d)$/ as soon as
 * a class is in it. *shown gets the statuses as written ("200|3xx"), for
 * the summary. 0, or -1 after adding problems.
 */
static int
http_plan_status(struct plan *p, struct check *c, struct http_config *hc,
    const struct node *item, const struct node *status_node, char **shown)
{
	const struct node	*one;
	struct buf		 words, pattern;
	size_t			 i, count;
	int			 rc = 0, classes = 0;

	if (status_node == NULL || (status_node->type == NODE_SCALAR &&
	    status_node->is_null)) {
		hc->statuses = xcalloc(1, sizeof *hc->statuses);
		hc->statuses[0].lo = hc->statuses[0].hi = 200;
		hc->nstatuses = 1;
		plan_expect(p, c, item, "status", MATCH_EQUALS, "200");
		*shown = xstrdup("200");
		return 0;
	}
	if (status_node->type == NODE_MAP) {
		problems_add_at(p->problems, status_node, "expect.status: "
		    "expected a status, a list of them or a class, not a map");
		return -1;
	}
	count = status_node->type == NODE_SEQ ? status_node->count : 1;
	if (count == 0) {
		problems_add_at(p->problems, status_node, "expect.status: an "
		    "empty list allows no status: write at least one");
		return -1;
	}
	hc->statuses = xcalloc(count, sizeof *hc->statuses);
	buf_init(&words, 4096);
	buf_init(&pattern, 4096);
	for (i = 0; i < count; i++) {
		one = status_node->type == NODE_SEQ ? status_node->items[i] :
		    status_node;
		if (http_plan_status_one(p, one, &hc->statuses[i]) != 0) {
			rc = -1;
			continue;
		}
		if (hc->statuses[i].lo != hc->statuses[i].hi) {
			classes = 1;
			buf_printf(&words, "%s%ldxx", words.len > 0 ? "|" : "",
			    hc->statuses[i].lo / 100);
			buf_printf(&pattern, "%s%ld\\d\\d", pattern.len > 0 ?
			    "|" : "", hc->statuses[i].lo / 100);
		} else {
			buf_printf(&words, "%s%ld", words.len > 0 ? "|" : "",
			    hc->statuses[i].lo);
			buf_printf(&pattern, "%s%ld", pattern.len > 0 ? "|" : "",
			    hc->statuses[i].lo);
		}
	}
	hc->nstatuses = count;
	if (rc == 0) {
		if (classes) {
			char	*re = xasprintf(count == 1 ? "^%s$" : "^(?:%s)$",
			    buf_str(&pattern));

			plan_expect(p, c, status_node, "status", MATCH_REGEX, re);
			free(re);
		} else
			plan_expect(p, c, status_node, "status", count == 1 ?
			    MATCH_EQUALS : MATCH_ONE_OF, buf_str(&words));
		*shown = xstrdup(buf_str(&words));
	}
	buf_free(&words);
	buf_free(&pattern);
	return rc;
}

/* Is status one of those expected? */
static int
http_status_expected(const struct http_config *hc, long status)
{
	size_t	i;

	for (i = 0; i < hc->nstatuses; i++) {
		if (status >= hc->statuses[i].lo && status <= hc->statuses[i].hi)
			return 1;
	}
	return 0;
}

/*
 * expect.headers: each name (any case, compared in lower case) with a
 * pattern its value must match, an expectation of the "header:<name>" fact.
 */
static void
http_plan_expect_headers(struct plan *p, struct check *c,
    struct http_config *hc, const struct node *headers)
{
	const struct node	*key, *value;
	char			*name, *field;
	size_t			 i, j;
	int			 twice;

	if (headers == NULL || headers->type != NODE_MAP)
		return;		/* absent, or the schema has said why */
	hc->header_names = xcalloc(headers->count + 1,
	    sizeof *hc->header_names);
	for (i = 0; i < headers->count; i++) {
		key = headers->keys[i];
		value = headers->items[i];
		if (*key->value == '\0' ||
		    key->value[strcspn(key->value, ": \t\r\n")] != '\0') {
			problems_add_at(p->problems, key, "expect.headers: "
			    "'%.*s%s' is not a header name",
			    PROBLEM_QUOTE(key->value));
			continue;
		}
		if (value->type != NODE_SCALAR || value->is_null)
			continue;	/* the schema has said why */
		name = xstrdup(key->value);
		for (j = 0; name[j] != '\0'; j++)
			name[j] = (char)tolower((unsigned char)name[j]);
		for (j = 0, twice = 0; j < hc->nheaders && !twice; j++)
			twice = strcmp(hc->header_names[j], name) == 0;
		if (twice) {
			problems_add_at(p->problems, key, "expect.headers: %s "
			    "is declared twice (names are compared in any case)",
			    name);
			free(name);
			continue;
		}
		hc->header_names[hc->nheaders++] = name;
		field = xasprintf("header:%s", name);
		plan_expect(p, c, value, field, MATCH_PART_REGEX, value->value);
		free(field);
	}
}

static void
http_plan_item(struct plan *p, const struct node *item)
{
	const struct node	*url_node, *expect, *regex_node, *not_node;
	const struct node	*json, *latency_node;
	struct http_config	*hc;
	struct check		*c;
	const char		*name, *method, *regex, *body, *not_regex;
	char			*shown, *origin = NULL, *cause = NULL, *text, *summary;
	char			*statuses = NULL;
	struct buf		 more;
	size_t			 i;

	if (item->type != NODE_MAP)
		return;		/* the schema has said why */
	name = node_str(item, "name", NULL);
	url_node = node_get(item, "url");
	if (name == NULL || *name == '\0' || url_node == NULL ||
	    url_node->type != NODE_SCALAR)
		return;		/* required: the schema has said so */
	if ((shown = http_url_shown(url_node->value, &origin, &cause)) == NULL) {
		/* The message names no part of the URL: it may hold a password. */
		problems_add_at(p->problems, url_node, "url: %s", cause);
		free(cause);
		return;
	}

	if (strcmp(shown, url_node->value) != 0) {
		/* Credentials: redacted everywhere, as sent too (Basic). */
		struct url	 u;

		if (url_parse(url_node->value, &u, &cause) == 0) {
			topology_add_credentials(p->topology, u.user, u.password);
			url_free(&u);
		} else
			free(cause);
		cause = NULL;
	}
	c = plan_add(p, &probe_http, LAYER_LIVE, item, "http/%s", name);
	hc = xcalloc(1, sizeof *hc);
	c->config = hc;
	hc->url = xstrdup(url_node->value);
	hc->shown = shown;
	hc->origin = origin;
	method = node_str(item, "method", "GET");
	hc->method = xstrdup(*method != '\0' ? method : "GET");
	body = node_str(item, "body", NULL);
	hc->body = body != NULL ? xstrdup(body) : NULL;
	hc->tls_verify = node_bool(item, "tls_verify", 1);
	hc->follow_redirects = node_bool(item, "follow_redirects", 0);
	http_edges(c, url_node->value);
	http_plan_headers(p, hc, node_get(item, "headers"));

	expect = node_get(item, "expect");
	http_plan_status(p, c, hc, item, node_get(expect, "status"), &statuses);
	regex_node = node_get(expect, "body_regex");
	regex = node_str(expect, "body_regex", NULL);
	if (regex != NULL) {
		plan_expect(p, c, regex_node, "body", MATCH_REGEX, regex);
		hc->keep_body = 1;
	}
	not_node = node_get(expect, "body_not_regex");
	not_regex = node_str(expect, "body_not_regex", NULL);
	if (not_regex != NULL) {
		/* Matched here, in the probe: the fact is the line that matched. */
		if ((hc->body_not = regex_compile(not_regex, &cause)) == NULL) {
			problems_add_at(p->problems, not_node, "%s", cause);
			free(cause);
			cause = NULL;
		}
		plan_expect(p, c, not_node, "body_not_regex", MATCH_ABSENT,
		    not_regex);
	}
	http_plan_expect_headers(p, c, hc, node_get(expect, "headers"));
	if ((json = node_get(expect, "json")) != NULL)
		http_plan_json(p, c, hc, json);
	latency_node = node_get(expect, "max_latency_ms");
	if (latency_node != NULL && latency_node->type == NODE_SCALAR)
		plan_expect(p, c, latency_node, "latency_ms", MATCH_MAX,
		    latency_node->value);

	buf_init(&more, 0);
	if (regex != NULL)
		buf_printf(&more, ", body ~ /%s/", regex);
	if (not_regex != NULL)
		buf_printf(&more, ", body !~ /%s/", not_regex);
	for (i = 0; i < hc->nheaders; i++)
		buf_printf(&more, "%s%s", i == 0 ? ", headers " : ", ",
		    hc->header_names[i]);
	if (hc->npaths > 0)
		buf_puts(&more, ", JSON values");
	if (latency_node != NULL)
		buf_printf(&more, ", within %s ms", latency_node->value);
	text = xasprintf("%s %s -> %s%s", hc->method, hc->shown,
	    statuses != NULL ? statuses : "?", buf_str(&more));
	summary = topology_redact(p->topology, text);
	plan_summary(c, "%s", summary);
	free(summary);
	free(text);
	free(statuses);
	buf_free(&more);
}

static void
http_plan(struct plan *p, const struct node *section)
{
	size_t	i;

	if (section->type != NODE_SEQ)
		return;		/* the schema has said why */
	for (i = 0; i < section->count; i++)
		http_plan_item(p, section->items[i]);
}

/* One check's transfer. */
struct http_transfer {
	struct check			*check;
	const struct http_config	*config;
	CURL				*easy;
	struct buf			 body;
	int				 reuse;		/* keep the connection */
	CURLcode			 result;
	char				 error[CURL_ERROR_SIZE];
};

static size_t
http_write(char *data, size_t size, size_t n, void *arg)
{
	struct http_transfer	*t = arg;

	/* Returning less than given stops the transfer: CURLE_WRITE_ERROR. */
	if (buf_append(&t->body, data, size * n) != 0)
		return 0;
	return size * n;
}

/* Sets up t's easy handle. 0, or -1 with an error observed. */
static int
http_setup(struct http_transfer *t)
{
	const struct http_config	*hc = t->config;
	CURL				*e = t->easy;
	long				 timeout = t->check->timeout_ms > 0 ?
					    t->check->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	CURLcode			 rc = CURLE_OK;

#define HTTP_SET(option, value) do {					\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(e, option, value);		\
} while (0)
	HTTP_SET(CURLOPT_URL, hc->url);
	HTTP_SET(CURLOPT_PRIVATE, t);
	HTTP_SET(CURLOPT_NOSIGNAL, 1L);
	HTTP_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	HTTP_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	HTTP_SET(CURLOPT_PROXY, "");
	HTTP_SET(CURLOPT_TIMEOUT_MS, timeout);
	HTTP_SET(CURLOPT_CONNECTTIMEOUT_MS, timeout);
	HTTP_SET(CURLOPT_ERRORBUFFER, t->error);
	HTTP_SET(CURLOPT_WRITEFUNCTION, http_write);
	HTTP_SET(CURLOPT_WRITEDATA, t);
	HTTP_SET(CURLOPT_USERAGENT, "topo");
	HTTP_SET(CURLOPT_BUFFERSIZE, (long)HTTP_RECV_BUFFER);
	/* A connection nobody can reuse is closed at once: see http_reuse. */
	HTTP_SET(CURLOPT_FORBID_REUSE, t->reuse ? 0L : 1L);
	HTTP_SET(CURLOPT_FOLLOWLOCATION, hc->follow_redirects ? 1L : 0L);
	HTTP_SET(CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	HTTP_SET(CURLOPT_SSL_VERIFYPEER, hc->tls_verify ? 1L : 0L);
	HTTP_SET(CURLOPT_SSL_VERIFYHOST, hc->tls_verify ? 2L : 0L);
	if (hc->headers != NULL)
		HTTP_SET(CURLOPT_HTTPHEADER, hc->headers);
	if (strcmp(hc->method, "HEAD") == 0)
		HTTP_SET(CURLOPT_NOBODY, 1L);
	else if (strcmp(hc->method, "POST") == 0)
		HTTP_SET(CURLOPT_POST, 1L);
	else if (strcmp(hc->method, "GET") != 0)
		HTTP_SET(CURLOPT_CUSTOMREQUEST, hc->method);
	if (hc->body != NULL) {
		if (strcmp(hc->method, "GET") == 0)
			HTTP_SET(CURLOPT_CUSTOMREQUEST, "GET");
		HTTP_SET(CURLOPT_POSTFIELDSIZE, (long)strlen(hc->body));
		HTTP_SET(CURLOPT_POSTFIELDS, hc->body);
	} else if (strcmp(hc->method, "POST") == 0) {
		HTTP_SET(CURLOPT_POSTFIELDSIZE, 0L);
		HTTP_SET(CURLOPT_POSTFIELDS, "");
	}
#undef HTTP_SET
	if (rc != CURLE_OK) {
		observation_error(&t->check->observation, "cannot set up the "
		    "request: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* The one-line reason a transfer failed, as a person would say it. */
static char *
http_failure(struct http_transfer *t, CURLcode code)
{
	long	os_errno = 0;

	curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return xasprintf("timed out after %d ms", t->check->timeout_ms > 0 ?
		    t->check->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS);
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED)
			return xstrdup("connection refused");
		if (os_errno != 0)
			return xasprintf("cannot connect: %s",
			    strerror((int)os_errno));
		break;
	case CURLE_WRITE_ERROR:
		if (t->body.toobig)
			return xstrdup("body larger than " HTTP_BODY_CAP_TEXT);
		break;
	case CURLE_GOT_NOTHING:
		return xstrdup("empty reply from server");
	case CURLE_UNSUPPORTED_PROTOCOL:
		/* The scheme was checked when planning: here the server's answer
		 * is not HTTP (curl: "Received HTTP/0.9 when not allowed"). */
		return xasprintf("not an HTTP answer: %s", *t->error != '\0' ?
		    t->error : curl_easy_strerror(code));
	case CURLE_TOO_MANY_REDIRECTS:
		return xasprintf("more than %d redirects", HTTP_MAX_REDIRECTS);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return xasprintf("TLS: %s", *t->error != '\0' ? t->error :
		    curl_easy_strerror(code));
	default:
		break;
	}
	return xstrdup(*t->error != '\0' ? t->error : curl_easy_strerror(code));
}

/*
 * A short excerpt of the body for evidence: one line, each run of white
 * space one space, other control bytes as '.'. Secrets are redacted before
 * the cut: cut first, and half a secret would survive redaction.
 */
static void
http_excerpt(struct buf *b, const struct topology *t, const struct buf *body)
{
	const unsigned char	*s;
	char			*head, *redacted;
	size_t			 i, n = 0, len;
	int			 space = 0;

	len = body->len < HTTP_REDACT_WINDOW ? body->len : HTTP_REDACT_WINDOW;
	head = xstrndup(buf_str(body), len);
	redacted = t != NULL ? topology_redact(t, head) : xstrdup(head);
	s = (const unsigned char *)redacted;
	len = strlen(redacted);
	i = 0;
	while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	if (i == len)
		goto out;
	buf_puts(b, ": ");
	for (; i < len && n < HTTP_EXCERPT; i++) {
		if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
			space = 1;
			continue;
		}
		if (space) {
			buf_puts(b, " ");
			n++;
			space = 0;
		}
		buf_append(b, s[i] < 0x20 || s[i] == 0x7f ? "." :
		    (const char *)s + i, 1);
		n++;
	}
	if (i < len || len < body->len)
		buf_puts(b, "...");
out:
	free(redacted);
	free(head);
}

/* Fills the JSON facts; 0, or -1 with an error observed. */
static int
http_observe_json(struct http_transfer *t, long status)
{
	const struct http_config	*hc = t->config;
	struct observation		*o = &t->check->observation;
	cJSON				*root;
	char				*field, *value;
	size_t				 i;

	if (!http_status_expected(hc, status)) {
		/* The status drift tells; the values are simply not there. */
		for (i = 0; i < hc->npaths; i++) {
			field = xasprintf("json:%s", jsonpath_text(hc->paths[i]));
			observation_fact(o, field, NULL);
			free(field);
		}
		return 0;
	}
	if ((root = cJSON_ParseWithLength(buf_str(&t->body), t->body.len)) == NULL) {
		observation_error(o, "the body is not JSON (HTTP %ld, %zu bytes)",
		    status, t->body.len);
		return -1;
	}
	for (i = 0; i < hc->npaths; i++) {
		field = xasprintf("json:%s", jsonpath_text(hc->paths[i]));
		value = NULL;
		jsonpath_eval(hc->paths[i], root, &value);
		observation_fact(o, field, value);	/* NULL: not there */
		free(value);
		free(field);
	}
	cJSON_Delete(root);
	return 0;
}

/*
 * Appends value to evidence, redacted first and then cut at
 * HTTP_VALUE_EXCERPT bytes (cut first, and half a secret would survive
 * redaction), control bytes as '.'.
 */
static void
http_value_excerpt(struct buf *b, const struct topology *t, const char *value)
{
	char	*redacted;
	size_t	 i, len;

	redacted = t != NULL ? topology_redact(t, value) : xstrdup(value);
	len = strlen(redacted);
	for (i = 0; i < len && i < HTTP_VALUE_EXCERPT; i++) {
		buf_append(b, (unsigned char)redacted[i] < 0x20 ||
		    redacted[i] == 0x7f ? "." : redacted + i, 1);
	}
	if (i < len)
		buf_puts(b, "...");
	free(redacted);
}

/*
 * Where a redirect not followed leads, without its user and password (for
 * any scheme: a server may send ftp://user:pw@...); NULL when curl saw no
 * Location.
 */
static char *
http_location(CURL *easy)
{
	CURLU	*u;
	char	*location = NULL, *text = NULL, *shown;

	if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location) !=
	    CURLE_OK || location == NULL)
		return NULL;
	if ((u = curl_url()) == NULL)
		util_fatal("out of memory");
	if (curl_url_set(u, CURLUPART_URL, location,
	    CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(u);
		return xstrdup("(not a URL)");
	}
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &text, 0) != CURLUE_OK)
		shown = xstrdup("(not a URL)");
	else
		shown = xstrdup(text);
	curl_free(text);
	curl_url_cleanup(u);
	return shown;
}

/*
 * The declared response headers of the last answer (after redirects), as
 * facts (NULL: not sent) and evidence. 0, or -1 with the check unknown:
 * this libcurl cannot tell.
 */
static int
http_observe_headers(struct http_transfer *t, const struct topology *topology,
    struct buf *evidence)
{
	const struct http_config	*hc = t->config;
	struct observation		*o = &t->check->observation;
	char				*field;
	size_t				 i;
#ifdef HTTP_HAVE_HEADER_API
	struct curl_header		*h;
	struct buf			 value;
	size_t				 j, amount;
#endif

	if (hc->nheaders == 0)
		return 0;
#ifndef HTTP_HAVE_HEADER_API
	(void)topology;
	(void)evidence;
	(void)field;
	(void)i;
	observation_unknown(o, "response headers need libcurl 7.83 or later "
	    "(this one is %s)", LIBCURL_VERSION);
	return -1;
#else
	for (i = 0; i < hc->nheaders; i++) {
		field = xasprintf("header:%s", hc->header_names[i]);
		buf_printf(evidence, "; %s: ", hc->header_names[i]);
		if (curl_easy_header(t->easy, hc->header_names[i], 0,
		    CURLH_HEADER, -1, &h) != CURLHE_OK) {
			observation_fact(o, field, NULL);
			buf_puts(evidence, "(none)");
			free(field);
			continue;
		}
		/* Several of one name are one list (RFC 9110, 5.3). */
		amount = h->amount;
		buf_init(&value, 0);
		for (j = 0; j < amount; j++) {
			if (j > 0 && curl_easy_header(t->easy,
			    hc->header_names[i], j, CURLH_HEADER, -1, &h) !=
			    CURLHE_OK)
				break;
			buf_printf(&value, "%s%s", j > 0 ? ", " : "", h->value);
		}
		observation_fact(o, field, buf_str(&value));
		http_value_excerpt(evidence, topology, buf_str(&value));
		buf_free(&value);
		free(field);
	}
	return 0;
#endif
}

/*
 * body_not_regex: the line of the body that matched, as the fact (none:
 * no match) and in evidence, redacted before it is cut. 0, or -1 with an
 * error observed (the pattern hit its match limit).
 */
static int
http_observe_body_not(struct http_transfer *t, const struct topology *topology,
    struct buf *evidence)
{
	const struct http_config	*hc = t->config;
	struct observation		*o = &t->check->observation;
	const char			*body = buf_str(&t->body);
	size_t				 len = t->body.len, offset = 0;
	size_t				 start, end, at;
	char				*cause = NULL, *line, *prefix;
	char				*redacted, *redacted_prefix, *excerpt;
	int				 rc;

	if (hc->body_not == NULL)
		return 0;
	rc = regex_match(hc->body_not, body, len, NULL, &offset, &cause);
	if (rc == -1) {
		observation_error(o, "body_not_regex: %s", cause);
		free(cause);
		return -1;
	}
	if (rc == 0)
		return 0;
	/* The line around the match, within the redaction window. */
	for (start = offset; start > 0 && body[start - 1] != '\n' &&
	    offset - start < HTTP_REDACT_WINDOW / 2; start--)
		;
	for (end = offset; end < len && body[end] != '\n' &&
	    end - offset < HTTP_REDACT_WINDOW / 2; end++)
		;
	line = xstrndup(body + start, end - start);
	prefix = xstrndup(body + start, offset - start);
	redacted = topology != NULL ? topology_redact(topology, line) :
	    xstrdup(line);
	redacted_prefix = topology != NULL ? topology_redact(topology, prefix) :
	    xstrdup(prefix);
	at = strlen(redacted_prefix);
	if (at > strlen(redacted))
		at = strlen(redacted);
	excerpt = textfile_excerpt(redacted, strlen(redacted), at);
	observation_fact(o, "body_not_regex", excerpt);
	buf_printf(evidence, "; body line %d matches /%s/: %s",
	    textfile_line(body, len, offset), regex_pattern(hc->body_not),
	    excerpt);
	free(excerpt);
	free(redacted_prefix);
	free(redacted);
	free(prefix);
	free(line);
	return 0;
}

/* A finished transfer: facts or error, evidence. */
static void
http_observe(struct batch *b, struct http_transfer *t, CURLcode code)
{
	const struct http_config	*hc = t->config;
	struct observation		*o = &t->check->observation;
	struct buf			 evidence;
	curl_off_t			 total_us = 0;
	long				 status = 0, redirects = 0;
	long long			 latency_ms;
	char				*reason, *redacted, *location;

	buf_init(&evidence, 4096);
	buf_printf(&evidence, "%s %s -> ", hc->method, hc->shown);
	if (code != CURLE_OK) {
		reason = http_failure(t, code);
		buf_puts(&evidence, reason);
		observation_error(o, "%s", reason);
		free(reason);
		goto out;
	}
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &redirects);
	latency_ms = (total_us + 500) / 1000;	/* rounded */
	buf_printf(&evidence, "%ld", status);
	if (redirects > 0)
		buf_printf(&evidence, " after %ld redirect%s", redirects,
		    redirects == 1 ? "" : "s");
	if (status >= 300 && status <= 399 &&
	    (location = http_location(t->easy)) != NULL) {
		buf_puts(&evidence, ", Location: ");
		http_value_excerpt(&evidence, b->topology, location);
		free(location);
	}
	buf_printf(&evidence, " in %lld ms, %zu bytes", latency_ms, t->body.len);
	http_excerpt(&evidence, b->topology, &t->body);

	observation_factf(o, "status", "%ld", status);
	observation_factf(o, "latency_ms", "%lld", latency_ms);
	if (hc->keep_body)
		observation_fact(o, "body", buf_str(&t->body));
	if (http_observe_headers(t, b->topology, &evidence) != 0 ||
	    http_observe_body_not(t, b->topology, &evidence) != 0)
		goto out;
	if (hc->npaths > 0)
		http_observe_json(t, status);
out:
	redacted = topology_redact(b->topology, buf_str(&evidence));
	observation_evidence(o, "%s", redacted);
	free(redacted);
	buf_free(&evidence);
}

/*
 * The sockets curl asks to watch, curl's timer, and the easy handles of
 * finished transfers, reset for the next (a new handle for each of 10,000
 * checks cost a tenth of the run's CPU time in curl_easy_init and
 * curl_easy_cleanup).
 */
struct http_loop {
	CURLM			*multi;
	struct poller		*poller;
	struct poller_event	*ready;		/* HTTP_READY_MAX */
	double			 deadline_ms;	/* curl's next timeout; < 0: none */
	CURL			**spare;
	size_t			  nspare, spare_size;
};

static void
http_transfer_free(struct http_transfer *t)
{
	if (t->easy != NULL)
		curl_easy_cleanup(t->easy);
	t->easy = NULL;
	buf_free(&t->body);
}

/* A finished transfer: its handle out of the multi handle, kept for the next. */
static void
http_transfer_done(struct http_loop *l, struct http_transfer *t)
{
	curl_multi_remove_handle(l->multi, t->easy);
	if (l->nspare == l->spare_size) {
		l->spare_size = l->spare_size == 0 ? 64 : l->spare_size * 2;
		l->spare = xreallocarray(l->spare, l->spare_size,
		    sizeof *l->spare);
	}
	curl_easy_reset(t->easy);
	l->spare[l->nspare++] = t->easy;
	t->easy = NULL;
	buf_free(&t->body);
}

/* Starts transfer i; a transfer that cannot start is done at once. */
static int
http_start(struct batch *b, struct http_loop *l, struct http_transfer *t)
{
	t->check->observation.started_ms = util_now_ms();
	buf_init(&t->body, HTTP_BODY_CAP);
	if (l->nspare > 0)
		t->easy = l->spare[--l->nspare];
	else if ((t->easy = curl_easy_init()) == NULL) {
		observation_error(&t->check->observation, "cannot start curl");
		goto fail;
	}
	if (http_setup(t) != 0)
		goto fail;
	if (curl_multi_add_handle(l->multi, t->easy) != CURLM_OK) {
		observation_error(&t->check->observation,
		    "cannot add the transfer");
		goto fail;
	}
	return 0;
fail:
	http_transfer_free(t);
	batch_done(b, t->check);
	return -1;
}


/*
 * CURLMOPT_SOCKETFUNCTION: keeps the poller in step with what curl wants. A
 * socket curl has not told of before has no curl_multi_assign() pointer.
 */
static int
http_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *socketp)
{
	struct http_loop	*l = arg;
	int			 events;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		poller_del(l->poller, s);
		return 0;
	}
	events = ((what & CURL_POLL_IN) ? POLLER_IN : 0) |
	    ((what & CURL_POLL_OUT) ? POLLER_OUT : 0);
	if (socketp != NULL)
		return poller_set(l->poller, s, events) == 0 ? 0 : -1;
	if (poller_add(l->poller, s, events) != 0)
		return -1;	/* curl fails that transfer */
	curl_multi_assign(l->multi, s, l);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: when curl next wants to be called without I/O. */
static int
http_timer(CURLM *multi, long timeout_ms, void *arg)
{
	struct http_loop	*l = arg;

	(void)multi;
	l->deadline_ms = timeout_ms < 0 ? -1 : util_now_ms() + (double)timeout_ms;
	return 0;
}

/*
 * Waits for the sockets (at most until curl's timeout, or max_ms) and acts
 * on them.
 */
static CURLMcode
http_wait(struct http_loop *l, double max_ms)
{
	CURLMcode	mrc = CURLM_OK;
	double		now = util_now_ms(), wait = max_ms;
	int		i, n, running, mask;

	if (l->deadline_ms >= 0 && l->deadline_ms - now < wait)
		wait = l->deadline_ms > now ? l->deadline_ms - now : 0;
	/* Rounded up: a wait of 0.4 ms must not spin as a wait of 0. */
	n = poller_wait(l->poller, l->ready, HTTP_READY_MAX, (int)(wait + 0.999));
	if (n < 0)
		n = 0;
	for (i = 0; i < n && mrc == CURLM_OK; i++) {
		mask = 0;
		if (l->ready[i].events & (POLLER_IN | POLLER_HUP))
			mask |= CURL_CSELECT_IN;
		if (l->ready[i].events & POLLER_OUT)
			mask |= CURL_CSELECT_OUT;
		if (l->ready[i].events & POLLER_ERR)
			mask |= CURL_CSELECT_ERR;
		mrc = curl_multi_socket_action(l->multi, l->ready[i].fd, mask,
		    &running);
	}
	/* Expired timers run with any socket action; a quiet wait runs them
	 * too, so no timeout is ever missed. */
	if (mrc == CURLM_OK && (n == 0 ||
	    (l->deadline_ms >= 0 && util_now_ms() >= l->deadline_ms))) {
		l->deadline_ms = -1;
		mrc = curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0,
		    &running);
	}
	return mrc;
}

static int
http_compare_origins(const void *a, const void *b)
{
	const struct http_transfer *const	*x = a, *const *y = b;
	int					 rc;

	rc = strcmp((*x)->config->origin, (*y)->config->origin);
	if (rc == 0)
		rc = (*x < *y) ? -1 : (*x > *y);
	return rc;
}

/*
 * Which transfers should keep their connection: those with a later
 * transfer to the same origin that starts after some finish (index >=
 * jobs; the first jobs start together and cannot share). The others close
 * theirs when done. Besides saving descriptors and memory, this matters
 * for speed: curl 7.88's curl_multi_remove_handle walks the whole
 * connection cache when the transfer kept its connection, so 10,000 kept
 * connections cost 10,000 x 10,000 steps (measured: a third of the CPU
 * time of 10,000 checks in flight).
 */
static void
http_reuse(struct http_transfer *transfers, size_t count, size_t jobs)
{
	struct http_transfer	**sorted;
	size_t			  i, j, k;

	if (jobs >= count)
		return;		/* every one starts at once: none reuses */
	sorted = xreallocarray(NULL, count, sizeof *sorted);
	for (i = 0; i < count; i++)
		sorted[i] = &transfers[i];
	/* By origin, then by position: each group ends with its last. */
	qsort(sorted, count, sizeof *sorted, http_compare_origins);
	for (i = 0; i < count; i = j) {
		for (j = i + 1; j < count && strcmp(sorted[j]->config->origin,
		    sorted[i]->config->origin) == 0; j++)
			;
		if ((size_t)(sorted[j - 1] - transfers) < jobs)
			continue;	/* the last of the group starts at once */
		for (k = i; k + 1 < j; k++)
			sorted[k]->reuse = 1;
	}
	free(sorted);
}

static void
http_run(struct batch *b)
{
	struct http_transfer	*transfers, *t, **done;
	struct http_loop	 l;
	CURLMsg			*msg;
	size_t			 next = 0, active = 0, i, ndone, burst;
	int			 left, jobs = b->jobs > 0 ? b->jobs : 1;
	CURLMcode		 mrc;

	if (b->count == 0)
		return;
	memset(&l, 0, sizeof l);
	l.deadline_ms = -1;
	transfers = xcalloc(b->count, sizeof *transfers);
	for (i = 0; i < b->count; i++) {
		transfers[i].check = b->checks[i];
		transfers[i].config = b->checks[i]->config;
	}
	http_reuse(transfers, b->count, (size_t)jobs);
	done = xcalloc(b->count, sizeof *done);
	l.ready = xcalloc(HTTP_READY_MAX, sizeof *l.ready);
	if ((l.poller = poller_create()) == NULL ||
	    (l.multi = curl_multi_init()) == NULL ||
	    curl_multi_setopt(l.multi, CURLMOPT_SOCKETFUNCTION, http_socket) != CURLM_OK ||
	    curl_multi_setopt(l.multi, CURLMOPT_SOCKETDATA, &l) != CURLM_OK ||
	    curl_multi_setopt(l.multi, CURLMOPT_TIMERFUNCTION, http_timer) != CURLM_OK ||
	    curl_multi_setopt(l.multi, CURLMOPT_TIMERDATA, &l) != CURLM_OK) {
		for (i = 0; i < b->count; i++) {
			observation_error(&b->checks[i]->observation,
			    "cannot start curl");
			batch_done(b, b->checks[i]);
		}
		if (l.multi != NULL)
			curl_multi_cleanup(l.multi);
		poller_free(l.poller);
		free(l.ready);
		free(done);
		free(transfers);
		return;
	}

	for (;;) {
		if (batch_cancelled(b))
			break;
		for (burst = 0; active < (size_t)jobs && next < b->count &&
		    burst < HTTP_START_BURST; burst++) {
			if (http_start(b, &l, &transfers[next++]) == 0)
				active++;
		}
		if (active == 0 && next == b->count)
			break;
		/* More to start: only look at what is ready now. */
		mrc = http_wait(&l, active < (size_t)jobs && next < b->count ?
		    0 : HTTP_POLL_MS);
		/* Every message first: curl_multi_remove_handle walks the
		 * messages still queued (quadratic when thousands finish at once). */
		ndone = 0;
		while ((msg = curl_multi_info_read(l.multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			t = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&t);
			t->result = msg->data.result;
			done[ndone++] = t;
		}
		for (i = 0; i < ndone; i++) {
			t = done[i];
			http_observe(b, t, t->result);
			http_transfer_done(&l, t);
			active--;
			batch_done(b, t->check);
		}
		if (mrc != CURLM_OK) {
			/* The multi handle is broken: fail what is left. */
			for (i = 0; i < next; i++) {
				t = &transfers[i];
				if (t->easy == NULL)
					continue;
				curl_multi_remove_handle(l.multi, t->easy);
				http_transfer_free(t);
				observation_error(&t->check->observation, "curl: %s",
				    curl_multi_strerror(mrc));
				batch_done(b, t->check);
			}
			for (; next < b->count; next++) {
				observation_error(&transfers[next].check->observation,
				    "curl: %s", curl_multi_strerror(mrc));
				batch_done(b, transfers[next].check);
			}
			break;
		}
	}

	/* Cancelled: drop what is in flight, leave those checks undone. */
	for (i = 0; i < b->count; i++) {
		t = &transfers[i];
		if (t->easy != NULL) {
			curl_multi_remove_handle(l.multi, t->easy);
			http_transfer_free(t);
		}
	}
	for (i = 0; i < l.nspare; i++)
		curl_easy_cleanup(l.spare[i]);
	free(l.spare);
	/* Closing cached connections calls http_socket: l must still be whole. */
	curl_multi_cleanup(l.multi);
	poller_free(l.poller);
	free(l.ready);
	free(done);
	free(transfers);
}

const struct probe_ops probe_http = {
	.name = "http",
	.help = "HTTP endpoints: status, body regex, JSON values, latency (libcurl)",
	.schema = &http_schema,
	.plan = http_plan,
	.run = http_run,
	.split = 1,
	.free_config = http_free_config,
};
