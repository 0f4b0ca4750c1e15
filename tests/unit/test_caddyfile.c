/*
 * test_caddyfile.c: the Caddyfile hand parser and the Caddy JSON walker
 * (probes/caddyfile.c): site addresses, reverse_proxy upstreams, handle /
 * handle_path / named matchers, snippets and imports, comments and quotes,
 * faults with file:line, garbage that must not crash, and agreement with
 * what `caddy adapt` made of the same file (tests/fixtures/caddy).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../probes/caddyfile.h"
#include "../../util/buf.h"
#include "../../util/util.h"
#include "testlib.h"

static char *
fixture_path(const char *rel)
{
	const char	*root = getenv("ROOT");

	return xasprintf("%s/tests/fixtures/caddy/%s", root != NULL ? root : ".",
	    rel);
}

static char *
fixture(const char *rel, size_t *len)
{
	return testlib_fixture("tests/fixtures/caddy", rel, len);
}

static void
parse_ok(const char *text, struct caddy_routes *r)
{
	char	*cause = NULL;

	memset(r, 0, sizeof *r);
	if (caddyfile_parse(text, strlen(text), "Caddyfile", 0, r, &cause) != 0)
		fail_msg("parse failed: %s", cause);
}

/* The parse must fail with exactly this message. */
static void
parse_fails(const char *text, const char *want)
{
	struct caddy_routes	 r;
	char			*cause = NULL;

	memset(&r, 0, sizeof r);
	assert_int_equal(caddyfile_parse(text, strlen(text), "Caddyfile", 0, &r,
	    &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	caddyfile_routes_free(&r);
}

static void
assert_route(const struct caddy_routes *r, const char *site, const char *path,
    const char *upstream)
{
	const struct caddy_route *it = caddyfile_find(r, site, path);

	if (it == NULL)
		fail_msg("no route %s %s", site, path);
	assert_string_equal(it->upstream, upstream);
}

static void
test_normalise(void **state)
{
	static const char *const sites[][2] = {
		{ "http://Localhost:8443", "localhost:8443" },
		{ "localhost:8443", "localhost:8443" },
		{ "example.com", "example.com:443" },
		{ "https://example.com", "example.com:443" },
		{ "http://example.com", "example.com:80" },
		{ ":7000", ":7000" },
		{ "http://", ":80" },
		{ "example.com:8080/api/*", "example.com:8080" },
		{ "[::1]:9000", "[::1]:9000" },
		{ "[::1]", "[::1]:443" },
	};
	static const char *const ups[][2] = {
		{ "localhost:8288", "localhost:8288" },
		{ "http://localhost:8288", "localhost:8288" },
		{ "https://backend", "backend:443" },
		{ "localhost", "localhost:80" },
		{ ":3111", ":3111" },
		{ "h2c://app:9000", "app:9000" },
		{ "unix//run/app.sock", "unix//run/app.sock" },
		{ "{env.UPSTREAM}", "{env.UPSTREAM}" },
	};
	size_t	 i;
	char	*s;

	(void)state;
	for (i = 0; i < sizeof sites / sizeof sites[0]; i++) {
		s = caddyfile_site(sites[i][0]);
		assert_string_equal(s, sites[i][1]);
		free(s);
	}
	for (i = 0; i < sizeof ups / sizeof ups[0]; i++) {
		s = caddyfile_upstream(ups[i][0]);
		assert_string_equal(s, ups[i][1]);
		free(s);
	}
}

static void
test_joelclaw_shape(void **state)
{
	struct caddy_routes	 r;
	char			*text, *cause = NULL;
	size_t			 len;
	const struct caddy_route *it;

	(void)state;
	memset(&r, 0, sizeof r);
	text = fixture("joelclaw.Caddyfile", &len);
	if (caddyfile_parse(text, len, "joelclaw.Caddyfile", 0, &r, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(r.count, 8);
	assert_string_equal(r.admin, "localhost:2019");
	assert_route(&r, "panda.tail7af24.ts.net:9443", "", "localhost:8288");
	assert_route(&r, "panda.tail7af24.ts.net:8290", "", "localhost:8289");
	assert_route(&r, "panda.tail7af24.ts.net:3443", "", "localhost:3111");
	assert_route(&r, "panda.tail7af24.ts.net:5443", "", "localhost:3838");
	assert_route(&r, "panda.tail7af24.ts.net:7443", "", "localhost:7880");
	assert_route(&r, "panda.tail7af24.ts.net:6443", "", "localhost:6333");
	assert_route(&r, "localhost:8443", "/webhooks/*", "localhost:3111");
	assert_route(&r, "localhost:8443", "", "localhost:8288");
	/* file:line of the reverse_proxy itself, for evidence */
	it = caddyfile_find(&r, "localhost:8443", "/webhooks/*");
	assert_string_equal(it->where, "joelclaw.Caddyfile:50");
	assert_null(caddyfile_find(&r, "localhost:8443", "/other"));
	caddyfile_routes_free(&r);
	free(text);
}

/* The hand parser and Caddy's own adapter agree on the joelclaw file. */
static void
test_agrees_with_caddy_adapt(void **state)
{
	struct caddy_routes	 hand, adapted;
	char			*text, *json_text, *cause = NULL;
	size_t			 len, jlen, i;
	cJSON			*json;
	const struct caddy_route *it;

	(void)state;
	memset(&hand, 0, sizeof hand);
	memset(&adapted, 0, sizeof adapted);
	text = fixture("joelclaw.Caddyfile", &len);
	json_text = fixture("joelclaw.json", &jlen);
	assert_int_equal(caddyfile_parse(text, len, "joelclaw.Caddyfile", 0, &hand,
	    &cause), 0);
	json = cJSON_ParseWithLength(json_text, jlen);
	assert_non_null(json);
	if (caddyfile_json_routes(json, &adapted, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(adapted.count, hand.count);
	for (i = 0; i < hand.count; i++) {
		it = caddyfile_find(&adapted, hand.items[i].site, hand.items[i].path);
		if (it == NULL)
			fail_msg("adapt lacks %s %s", hand.items[i].site,
			    hand.items[i].path);
		assert_string_equal(it->upstream, hand.items[i].upstream);
	}
	assert_string_equal(adapted.admin, "localhost:2019");
	it = caddyfile_find(&adapted, "localhost:8443", "/webhooks/*");
	assert_non_null(strstr(it->where, "servers.srv"));
	cJSON_Delete(json);
	caddyfile_routes_free(&hand);
	caddyfile_routes_free(&adapted);
	free(text);
	free(json_text);
}

static void
test_snippets_and_imports(void **state)
{
	struct caddy_routes	r;

	(void)state;
	parse_ok(
	    "(proxy) {\n"
	    "\treverse_proxy 127.0.0.1:9000\n"
	    "}\n"
	    "(nested) {\n"
	    "\timport proxy\n"
	    "}\n"
	    "http://one:8001 {\n"
	    "\timport nested\n"
	    "}\n"
	    "http://two:8002 {\n"
	    "\thandle /api/* {\n"
	    "\t\timport proxy\n"
	    "\t}\n"
	    "}\n", &r);
	assert_int_equal(r.count, 2);
	assert_route(&r, "one:8001", "", "127.0.0.1:9000");
	assert_route(&r, "two:8002", "/api/*", "127.0.0.1:9000");
	/* where points into the snippet: that is where the route is written */
	assert_string_equal(caddyfile_find(&r, "one:8001", "")->where, "Caddyfile:2");
	caddyfile_routes_free(&r);
}

static void
test_file_imports(void **state)
{
	struct caddy_routes	 r;
	char			*path, *cause = NULL;

	(void)state;
	memset(&r, 0, sizeof r);
	path = fixture_path("imports/Caddyfile");
	if (caddyfile_load(path, NULL, &r, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(r.count, 2);
	assert_string_equal(r.admin, "127.0.0.1:2999");
	assert_route(&r, "a.localhost:8001", "", "127.0.0.1:9001");
	assert_route(&r, "b.localhost:8002", "/api/*", "127.0.0.1:9002");
	assert_non_null(strstr(caddyfile_find(&r, "a.localhost:8001", "")->where,
	    "sites/a.caddy:3"));
	caddyfile_routes_free(&r);
	free(path);

	/* Without the flag nothing is read from disk: an unknown name is a fault. */
	parse_fails("http://x:1 {\n\timport sites/*.caddy\n}\n",
	    "Caddyfile:2: import of unknown snippet 'sites/*.caddy'");
}

static void
test_matchers(void **state)
{
	struct caddy_routes	r;

	(void)state;
	parse_ok(
	    "http://localhost:8443 {\n"
	    "\treverse_proxy @hooks localhost:3111\n"	/* used before defined */
	    "\t@hooks path /webhooks/*\n"
	    "\t@api {\n"
	    "\t\tpath /api/* /v2/*\n"
	    "\t\tmethod GET\n"
	    "\t}\n"
	    "\t@ws header Connection *Upgrade*\n"
	    "\thandle @api {\n"
	    "\t\treverse_proxy localhost:4000\n"
	    "\t}\n"
	    "\treverse_proxy /inline/* localhost:5000\n"
	    "\thandle_path /strip/* {\n"
	    "\t\treverse_proxy * localhost:6000\n"
	    "\t}\n"
	    "\treverse_proxy @ws localhost:7000\n"
	    "\treverse_proxy localhost:8288\n"
	    "}\n", &r);
	assert_route(&r, "localhost:8443", "/webhooks/*", "localhost:3111");
	assert_route(&r, "localhost:8443", "/api/*", "localhost:4000");
	assert_route(&r, "localhost:8443", "/v2/*", "localhost:4000");
	assert_route(&r, "localhost:8443", "/inline/*", "localhost:5000");
	assert_route(&r, "localhost:8443", "/strip/*", "localhost:6000");
	/*
	 * A matcher on something else than the path keeps the enclosing path:
	 * the first route of the key wins (a known limit, documented).
	 */
	assert_route(&r, "localhost:8443", "", "localhost:7000");
	assert_int_equal(r.count, 7);
	caddyfile_routes_free(&r);
}

static void
test_upstreams_and_addresses(void **state)
{
	struct caddy_routes	r;

	(void)state;
	parse_ok(
	    "http://a:1, http://b:2 {\n"
	    "\treverse_proxy localhost:1 http://localhost:2\n"
	    "}\n"
	    "c.example d.example {\n"
	    "\treverse_proxy {\n"
	    "\t\tto localhost:3 localhost:4\n"
	    "\t\tlb_policy first\n"
	    "\t}\n"
	    "}\n"
	    ":7000 {\n"
	    "\treverse_proxy localhost\n"
	    "}\n", &r);
	assert_int_equal(r.count, 5);
	assert_route(&r, "a:1", "", "localhost:1 localhost:2");
	assert_route(&r, "b:2", "", "localhost:1 localhost:2");
	assert_route(&r, "c.example:443", "", "localhost:3 localhost:4");
	assert_route(&r, "d.example:443", "", "localhost:3 localhost:4");
	assert_route(&r, ":7000", "", "localhost:80");
	caddyfile_routes_free(&r);
}

static void
test_comments_and_quotes(void **state)
{
	struct caddy_routes	r;

	(void)state;
	parse_ok(
	    "# a comment { with a brace\n"
	    "{\n"
	    "\tadmin \"127.0.0.1:2999\" # trailing\n"
	    "}\n"
	    "http://q:1 { # opens\n"
	    "\theader X-Note \"a { b } # not a comment\"\n"
	    "\theader X-Hash a#b\n"
	    "\trespond `multi\n"
	    "line } {` 200\n"
	    "\treverse_proxy \"localhost:9\" # the upstream\n"
	    "\t# reverse_proxy localhost:10\n"
	    "}\n", &r);
	assert_int_equal(r.count, 1);
	assert_string_equal(r.admin, "127.0.0.1:2999");
	assert_route(&r, "q:1", "", "localhost:9");
	/* the backquoted string spans a line: the proxy is on line 10 */
	assert_string_equal(r.items[0].where, "Caddyfile:10");
	caddyfile_routes_free(&r);
}

static void
test_braceless_single_site(void **state)
{
	struct caddy_routes	r;

	(void)state;
	parse_ok("localhost:8080\n\nreverse_proxy /api/* app:3000\nreverse_proxy web:80\n",
	    &r);
	assert_int_equal(r.count, 2);
	assert_route(&r, "localhost:8080", "/api/*", "app:3000");
	assert_route(&r, "localhost:8080", "", "web:80");
	caddyfile_routes_free(&r);
}

static void
test_ignored_directives(void **state)
{
	struct caddy_routes	r;

	(void)state;
	/* Only reverse_proxy makes a route; error handlers and others do not. */
	parse_ok(
	    "http://s:1 {\n"
	    "\tlog {\n\t\toutput file /tmp/x { roll_size 1mb }\n\t}\n"
	    "\tfile_server\n"
	    "\thandle_errors {\n\t\treverse_proxy localhost:5\n\t}\n"
	    "\trespond /health 200\n"
	    "}\n"
	    "http://empty:2 {\n}\n", &r);
	assert_int_equal(r.count, 0);
	caddyfile_routes_free(&r);
}

static void
test_faults(void **state)
{
	struct caddy_routes	r;
	struct buf		b;
	char			*cause = NULL;
	int			i;

	(void)state;
	parse_fails("http://a:1 {\n\treverse_proxy x:1\n\n", "Caddyfile:1: unclosed '{' "
	    "(no matching '}' before the end of the file)");
	parse_fails("http://a:1 {\n\thandle {\n\t\treverse_proxy x:1\n}\n",
	    "Caddyfile:1: unclosed '{' (no matching '}' before the end of the file)");
	parse_fails("http://a:1 {\n}\n}\n", "Caddyfile:3: unexpected '}' (no block is open)");
	parse_fails("http://a:1 {\n\theader X \"open\n}\n",
	    "Caddyfile:2: unterminated quoted string");
	parse_fails("(loop) {\n\timport loop\n}\nhttp://a:1 {\n\timport loop\n}\n",
	    "Caddyfile:2: imports nested too deep");
	parse_fails("http://a:1 {\n\timport\n}\n", "Caddyfile:2: import needs a name");

	/* Braces nested past the cap: a fault, not a stack overflow. */
	buf_init(&b, 0);
	buf_puts(&b, "http://a:1 ");
	for (i = 0; i < 10000; i++)
		buf_puts(&b, "{\n");
	memset(&r, 0, sizeof r);
	assert_int_equal(caddyfile_parse(buf_str(&b), b.len, "deep", 0, &r, &cause),
	    -1);
	assert_non_null(strstr(cause, "nested deeper than"));
	free(cause);
	caddyfile_routes_free(&r);
	buf_free(&b);
}

/* Matchers with several paths, nested: the walk is bounded, not 2^depth. */
static void
test_blowup_bounded(void **state)
{
	struct caddy_routes	 r;
	struct buf		 b;
	cJSON			*json, *routes, *route, *match, *set, *paths, *handle,
				*sub;
	char			*cause = NULL;
	int			 i;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "http://a:1 {\n@m path /a /b\n");
	for (i = 0; i < 30; i++)
		buf_puts(&b, "handle @m {\n");
	buf_puts(&b, "respond x\n");
	for (i = 0; i < 30; i++)
		buf_puts(&b, "}\n");
	buf_puts(&b, "}\n");
	memset(&r, 0, sizeof r);
	assert_int_equal(caddyfile_parse(buf_str(&b), b.len, "blowup", 0, &r,
	    &cause), -1);
	assert_non_null(strstr(cause, "too complex"));
	free(cause);
	caddyfile_routes_free(&r);
	buf_free(&b);

	/* The same shape in JSON: subroutes whose routes match two paths. */
	json = cJSON_CreateObject();
	routes = cJSON_AddArrayToObject(cJSON_AddObjectToObject(
	    cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(
	    json, "apps"), "http"), "servers"), "srv0"), "routes");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(json,
	    "apps"), "http"), "servers"), "srv0"), "listen"), cJSON_CreateString(":1"));
	for (i = 0; i < 30; i++) {
		route = cJSON_CreateObject();
		cJSON_AddItemToArray(routes, route);
		match = cJSON_AddArrayToObject(route, "match");
		set = cJSON_CreateObject();
		cJSON_AddItemToArray(match, set);
		paths = cJSON_AddArrayToObject(set, "path");
		cJSON_AddItemToArray(paths, cJSON_CreateString("/a"));
		cJSON_AddItemToArray(paths, cJSON_CreateString("/b"));
		handle = cJSON_AddArrayToObject(route, "handle");
		sub = cJSON_CreateObject();
		cJSON_AddItemToArray(handle, sub);
		cJSON_AddStringToObject(sub, "handler", "subroute");
		routes = cJSON_AddArrayToObject(sub, "routes");
	}
	memset(&r, 0, sizeof r);
	assert_int_equal(caddyfile_json_routes(json, &r, &cause), 0);
	assert_true(r.truncated);
	caddyfile_routes_free(&r);
	cJSON_Delete(json);
}

/* Pseudo-random bytes and shuffled Caddyfile words: any result, never a crash. */
static void
test_garbage(void **state)
{
	static const char *const words[] = { "{", "}", "\n", " ", "import", "x",
	    "(x)", "@m", "path", "/p/*", "reverse_proxy", "handle", "\"", "`",
	    "#", "to", "localhost:1", "http://h:2", ",", "\\", "handle_path",
	    "route", "*", "\t", "\0" };
	struct caddy_routes	 r;
	char			 text[512], *cause;
	unsigned int		 seed = 12345;
	size_t			 len, n;
	int			 round, rc;

	(void)state;
	for (round = 0; round < 4000; round++) {
		len = 0;
		while (len < sizeof text - 20) {
			seed = seed * 1103515245u + 12345u;
			if (round % 2 == 0)
				text[len++] = (char)(seed >> 16);
			else {
				const char *w = words[(seed >> 16) %
				    (sizeof words / sizeof words[0])];

				n = strlen(w) == 0 ? 1 : strlen(w);
				memcpy(text + len, w, n);
				len += n;
			}
			if ((seed >> 8) % 97 == 0)
				break;
		}
		memset(&r, 0, sizeof r);
		cause = NULL;
		rc = caddyfile_parse(text, len, "garbage", 0, &r, &cause);
		assert_true(rc == 0 || (rc == -1 && cause != NULL));
		free(cause);
		caddyfile_routes_free(&r);
	}
}

static void
test_json_walker(void **state)
{
	struct caddy_routes	 r;
	char			*cause = NULL;
	cJSON			*json;

	(void)state;
	json = cJSON_Parse(
	    "{\"apps\":{\"http\":{\"servers\":{\"srv0\":{"
	    "\"listen\":[\":8443\"],"
	    "\"routes\":[{\"match\":[{\"host\":[\"localhost\",\"other\"]}],"
	    "  \"handle\":[{\"handler\":\"subroute\",\"routes\":["
	    "    {\"match\":[{\"path\":[\"/webhooks/*\"]}],"
	    "     \"handle\":[{\"handler\":\"subroute\",\"routes\":[{\"handle\":["
	    "        {\"handler\":\"reverse_proxy\",\"upstreams\":[{\"dial\":\"localhost:3111\"}]}]}]}]},"
	    "    {\"handle\":[{\"handler\":\"reverse_proxy\",\"upstreams\":"
	    "        [{\"dial\":\"localhost:8288\"},{\"dial\":\"localhost:8289\"},{\"nodial\":1}]}]}"
	    "  ]}]},"
	    " {\"handle\":[{\"handler\":\"static_response\"}]},"
	    " {\"match\":\"not a list\",\"handle\":{\"not\":\"a list\"}}"
	    "]},"
	    "\"srv1\":{\"listen\":[\"127.0.0.1:9000\"],\"routes\":[{\"handle\":"
	    "  [{\"handler\":\"reverse_proxy\",\"upstreams\":[{\"dial\":\"app:1\"}]}]}]},"
	    "\"bad\":{\"listen\":7,\"routes\":{}}"
	    "}}}}");
	assert_non_null(json);
	memset(&r, 0, sizeof r);
	assert_int_equal(caddyfile_json_routes(json, &r, &cause), 0);
	assert_route(&r, "localhost:8443", "/webhooks/*", "localhost:3111");
	assert_route(&r, "other:8443", "/webhooks/*", "localhost:3111");
	assert_route(&r, "localhost:8443", "", "localhost:8288 localhost:8289");
	assert_route(&r, ":9000", "", "app:1");
	assert_int_equal(r.count, 5);
	caddyfile_routes_free(&r);
	cJSON_Delete(json);

	/* Caddy with no config answers null: no routes, no fault. */
	json = cJSON_Parse("null");
	memset(&r, 0, sizeof r);
	assert_int_equal(caddyfile_json_routes(json, &r, &cause), 0);
	assert_int_equal(r.count, 0);
	cJSON_Delete(json);

	json = cJSON_Parse("[1,2]");
	assert_int_equal(caddyfile_json_routes(json, &r, &cause), -1);
	assert_string_equal(cause, "not a Caddy config (expected a JSON object)");
	free(cause);
	cJSON_Delete(json);
	json = cJSON_Parse("{\"apps\":{\"http\":{\"servers\":[]}}}");
	assert_int_equal(caddyfile_json_routes(json, &r, &cause), -1);
	free(cause);
	cJSON_Delete(json);
	caddyfile_routes_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_joelclaw_shape),
		cmocka_unit_test(test_agrees_with_caddy_adapt),
		cmocka_unit_test(test_snippets_and_imports),
		cmocka_unit_test(test_file_imports),
		cmocka_unit_test(test_matchers),
		cmocka_unit_test(test_upstreams_and_addresses),
		cmocka_unit_test(test_comments_and_quotes),
		cmocka_unit_test(test_braceless_single_site),
		cmocka_unit_test(test_ignored_directives),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_blowup_bounded),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_json_walker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
