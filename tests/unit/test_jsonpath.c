/*
 * test_jsonpath.c: the JSON path syntax of util/jsonpath.h: parsing (with
 * the offset of each fault), evaluation, and the text of values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../util/jsonpath.h"

/* The shape of Inngest's GraphQL answer for its registered apps. */
static const char inngest_json[] =
    "{\"data\":{\"apps\":["
    "{\"name\":\"system-bus-host\",\"functions\":[{\"id\":\"a\"},{\"id\":\"b\"}]},"
    "{\"name\":\"system-bus-cluster\",\"functions\":"
    "[{\"id\":\"c\"},{\"id\":\"d\"},{\"id\":\"e\"}]}]}}";

static const char misc_json[] =
    "{\"status\":\"ok\",\"n\":101,\"half\":0.5,\"tiny\":-2.5e-7,\"big\":1e300,"
    "\"neg\":-3,\"yes\":true,\"no\":false,\"nothing\":null,"
    "\"a.b\":\"dotted\",\"it's\":\"quoted\",\"list\":[10,20,30],"
    "\"empty\":[],\"obj\":{\"x\":1,\"y\":[1,2]},\"utf\":\"h\\u00e9\","
    "\"people\":[{\"id\":1,\"meta\":{\"role\":\"admin\"},\"ok\":true},"
    "{\"id\":2,\"meta\":{\"role\":\"x]y\"},\"ok\":false}],"
    "\"length\":\"a member named length\"}";

/* Evaluates path against json; returns the text or NULL (caller frees). */
static char *
eval(const char *json, const char *text)
{
	struct jsonpath	*path;
	cJSON		*root;
	char		*cause = NULL, *value = NULL;
	int		 found;

	root = cJSON_Parse(json);
	assert_non_null(root);
	path = jsonpath_parse(text, &cause, NULL);
	if (path == NULL)
		fail_msg("parse %s: %s", text, cause);
	found = jsonpath_eval(path, root, &value);
	if (found)
		assert_non_null(value);
	else
		assert_null(value);
	jsonpath_free(path);
	cJSON_Delete(root);
	return value;
}

static void
assert_eval(const char *json, const char *path, const char *want)
{
	char	*got = eval(json, path);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s: expected nothing, got \"%s\"", path, got);
		return;
	}
	if (got == NULL)
		fail_msg("%s: expected \"%s\", got nothing", path, want);
	if (strcmp(got, want) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\"", path, want, got);
	free(got);
}

/* Parsing text must fail at offset with a cause containing words. */
static void
assert_parse_error(const char *text, size_t want_offset, const char *words)
{
	struct jsonpath	*path;
	char		*cause = NULL;
	size_t		 offset = 999;

	path = jsonpath_parse(text, &cause, &offset);
	if (path != NULL)
		fail_msg("%s: parsed, expected an error", text);
	assert_non_null(cause);
	if (strstr(cause, words) == NULL)
		fail_msg("%s: cause \"%s\" lacks \"%s\"", text, cause, words);
	if (offset != want_offset)
		fail_msg("%s: offset %zu, expected %zu (%s)", text, offset,
		    want_offset, cause);
	free(cause);
}

static void
test_inngest_function_count(void **state)
{
	(void)state;
	assert_eval(inngest_json,
	    "$.data.apps[?name=system-bus-host].functions.length()", "2");
	assert_eval(inngest_json,
	    "$.data.apps[?name=system-bus-cluster].functions.#", "3");
	assert_eval(inngest_json,
	    "$.data.apps[?name=\"system-bus-host\"].functions[-1].id", "b");
	assert_eval(inngest_json, "$.data.apps.length()", "2");
	/* No such app: nothing, not zero. */
	assert_eval(inngest_json,
	    "$.data.apps[?name=system-bus-gone].functions.length()", NULL);
}

static void
test_members_and_indexes(void **state)
{
	(void)state;
	assert_eval(misc_json, "$.status", "ok");
	assert_eval(misc_json, "$.list[0]", "10");
	assert_eval(misc_json, "$.list[2]", "30");
	assert_eval(misc_json, "$.list[-1]", "30");
	assert_eval(misc_json, "$.list[-3]", "10");
	assert_eval(misc_json, "$.list[3]", NULL);
	assert_eval(misc_json, "$.list[-4]", NULL);
	assert_eval(misc_json, "$.obj.y[1]", "2");
	assert_eval(misc_json, "$[\"a.b\"]", "dotted");
	assert_eval(misc_json, "$['it\\'s']", "quoted");
	assert_eval(misc_json, "$[\"obj\"][\"x\"]", "1");
	assert_eval(misc_json, "$.missing", NULL);
	assert_eval(misc_json, "$.status.deeper", NULL);
	assert_eval(misc_json, "$.obj[0]", NULL);	/* index of an object */
	assert_eval(misc_json, "$.list.x", NULL);	/* member of an array */
	assert_eval(misc_json, "$.utf", "h\xc3\xa9");
	/* .length without () is a member like any other. */
	assert_eval(misc_json, "$.length", "a member named length");
}

static void
test_value_text(void **state)
{
	(void)state;
	assert_eval(misc_json, "$.n", "101");
	assert_eval(misc_json, "$.half", "0.5");
	assert_eval(misc_json, "$.tiny", "-2.5e-07");
	assert_eval(misc_json, "$.big", "1e+300");
	assert_eval(misc_json, "$.neg", "-3");
	assert_eval(misc_json, "$.yes", "true");
	assert_eval(misc_json, "$.no", "false");
	assert_eval(misc_json, "$.nothing", "null");
	assert_eval(misc_json, "$.obj", "{\"x\":1,\"y\":[1,2]}");
	assert_eval(misc_json, "$.empty", "[]");
	assert_eval("[1,2]", "$", "[1,2]");
	assert_eval("\"top\"", "$", "top");
}

static void
test_length(void **state)
{
	(void)state;
	assert_eval(misc_json, "$.list.length()", "3");
	assert_eval(misc_json, "$.list.#", "3");
	assert_eval(misc_json, "$.empty.length()", "0");
	assert_eval(misc_json, "$.obj.#", "2");
	assert_eval(misc_json, "$.status.length()", NULL);	/* a string */
	assert_eval(misc_json, "$.missing.#", NULL);
}

static void
test_filters(void **state)
{
	(void)state;
	assert_eval(misc_json, "$.people[?id=2].meta.role", "x]y");
	assert_eval(misc_json, "$.people[?meta.role=admin].id", "1");
	assert_eval(misc_json, "$.people[?meta.role=\"x]y\"].id", "2");
	assert_eval(misc_json, "$.people[?ok=false].id", "2");
	assert_eval(misc_json, "$.people[?id=3]", NULL);
	/* The first match wins. */
	assert_eval("{\"l\":[{\"k\":1,\"v\":\"first\"},{\"k\":1,\"v\":\"second\"}]}",
	    "$.l[?k=1].v", "first");
	/* Elements that are not objects are skipped, not an error. */
	assert_eval("{\"l\":[1,\"x\",{\"k\":\"x\"}]}", "$.l[?k=x].k", "x");
	/* A filter over an object's members. */
	assert_eval("{\"m\":{\"a\":{\"k\":1},\"b\":{\"k\":2}}}", "$.m[?k=2].k", "2");
	assert_eval(misc_json, "$.status[?a=b]", NULL);
	/* An empty value matches an empty string. */
	assert_eval("{\"l\":[{\"k\":\"\"}]}", "$.l[?k=].k", "");
}

static void
test_long_values_are_cut(void **state)
{
	char	*json, *got;
	size_t	 i, n = 2000;

	(void)state;
	json = malloc(n * 4 + 16);
	assert_non_null(json);
	strcpy(json, "{\"l\":[");
	for (i = 0; i < n; i++)
		strcat(json, i == 0 ? "1" : ",1");
	strcat(json, "]}");
	got = eval(json, "$.l");
	assert_non_null(got);
	assert_int_equal(strlen(got), JSONPATH_TEXT_CAP + 3);
	assert_string_equal(got + JSONPATH_TEXT_CAP, "...");
	assert_memory_equal(got, "[1,1,1", 6);
	free(got);
	got = eval(json, "$.l.length()");
	assert_string_equal(got, "2000");
	free(got);
	free(json);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	assert_parse_error("", 0, "starts with '$'");
	assert_parse_error("status", 0, "starts with '$'");
	assert_parse_error("$.", 2, "expected a name");
	assert_parse_error("$..a", 2, "expected a name");
	assert_parse_error("$.a[", 4, "expected an index");
	assert_parse_error("$.a[x]", 4, "expected an index");
	assert_parse_error("$.a[1", 5, "expected ']'");
	assert_parse_error("$.a[-]", 4, "expected an index");
	assert_parse_error("$.a[12345678901]", 4, "too large");
	assert_parse_error("$[\"abc", 2, "unterminated");
	assert_parse_error("$[\"abc\"", 7, "expected ']'");
	assert_parse_error("$.a[?name]", 9, "expected '='");
	assert_parse_error("$.a[?=x]", 5, "expected a field name");
	assert_parse_error("$.a[?b..c=x]", 5, "expected a field name");
	assert_parse_error("$.a[?b=x", 8, "expected ']'");
	assert_parse_error("$.a[?b=\"x]", 7, "unterminated");
	assert_parse_error("$.a.length().b", 12, "last step");
	assert_parse_error("$.a.#[0]", 5, "last step");
	assert_parse_error("$x", 1, "expected '.' or '['");
	assert_parse_error("$.a]", 3, "expected '.' or '['");
}

static void
test_parse_keeps_text(void **state)
{
	struct jsonpath	*path;
	char		*cause = (char *)"unset";
	size_t		 offset = 5;

	(void)state;
	path = jsonpath_parse("$.a[0]", &cause, &offset);
	assert_non_null(path);
	assert_null(cause);
	assert_string_equal(jsonpath_text(path), "$.a[0]");
	jsonpath_free(path);
	jsonpath_free(NULL);
}

static void
test_number_text(void **state)
{
	char	buf[64];

	(void)state;
	jsonpath_number_text(0.1, buf, sizeof buf);
	assert_string_equal(buf, "0.1");
	jsonpath_number_text(-0.0, buf, sizeof buf);
	assert_string_equal(buf, "0");
	jsonpath_number_text(123456789012345.0, buf, sizeof buf);
	assert_string_equal(buf, "123456789012345");
	jsonpath_number_text(1e16, buf, sizeof buf);
	assert_string_equal(buf, "1e+16");
	jsonpath_number_text(1.0 / 3.0, buf, sizeof buf);
	assert_string_equal(buf, "0.3333333333333333");
}

/* Random paths from the syntax's own characters: parsed or refused with a
 * cause and an offset inside the text, never a crash (ASan watches). */
static void
test_random_paths(void **state)
{
	static const char	 alphabet[] = "$.[]?=\"'\\-0123456789#()lengthab ";
	struct jsonpath		*path;
	cJSON			*root;
	char			 text[24], *cause, *value;
	size_t			 i, j, len, offset;
	unsigned		 seed = 12345;
	int			 parsed = 0;

	(void)state;
	root = cJSON_Parse(misc_json);
	assert_non_null(root);
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		len = 1 + (seed >> 16) % (sizeof text - 1);
		text[0] = '$';
		for (j = 1; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			text[j] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		text[len] = '\0';
		cause = NULL;
		offset = 0;
		path = jsonpath_parse(text, &cause, &offset);
		if (path == NULL) {
			assert_non_null(cause);
			assert_true(offset <= len);
			free(cause);
			continue;
		}
		parsed++;
		assert_null(cause);
		value = NULL;
		if (jsonpath_eval(path, root, &value))
			assert_non_null(value);
		free(value);
		jsonpath_free(path);
	}
	assert_true(parsed > 100);	/* the generator does reach valid paths */
	cJSON_Delete(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inngest_function_count),
		cmocka_unit_test(test_members_and_indexes),
		cmocka_unit_test(test_value_text),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_long_values_are_cut),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_keeps_text),
		cmocka_unit_test(test_number_text),
		cmocka_unit_test(test_random_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
