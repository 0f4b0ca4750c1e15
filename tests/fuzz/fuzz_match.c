/*
 * fuzz_match.c: the HTTP body and JSON matchers end to end, as an http
 * check sees a service's answer. The input is three parts: a body regex
 * (first line, from the topology), a JSON path (second line) and a body
 * (the rest, from the service). The regex is matched with PCRE2's limits
 * (util/regex.c), the path evaluated over the body, and the observed facts
 * go through the pure diff with every kind of expectation, with a secret
 * to redact from the result.
 */
#include "fuzz.h"

#include "../../topology/check.h"
#include "../../topology/diff.h"
#include "../../topology/topology.h"
#include "../../util/jsonpath.h"
#include "../../util/regex.h"

static void
fuzz_expect(struct check *c, const char *field, enum match m, const char *value,
    struct regex *re)
{
	struct expect	*e;

	c->expects = realloc(c->expects, (c->nexpects + 1) * sizeof *c->expects);
	if (c->expects == NULL)
		abort();
	e = &c->expects[c->nexpects++];
	e->field = strdup(field);
	e->match = m;
	e->value = strdup(value);
	e->regex = re;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topology	 t = {0};
	struct check	*c;
	struct regex	*re;
	struct jsonpath	*path;
	cJSON		*root;
	char		*pattern, *pathtext, *body, *cause = NULL, *capture = NULL;
	char		*value = NULL;
	char		*secrets[] = { "s3cr3t-marker", "tok" };
	const char	*rest, *rest2;
	size_t		 restlen, restlen2, offset;

	pattern = fuzz_split(data, size, &rest, &restlen);
	pathtext = fuzz_split((const uint8_t *)rest, restlen, &rest2, &restlen2);
	body = fuzz_copy((const uint8_t *)rest2, restlen2);

	c = calloc(1, sizeof *c);
	if (c == NULL)
		abort();
	c->id = strdup("http/fuzz");
	c->layer = LAYER_LIVE;
	re = regex_compile(pattern, &cause);
	free(cause);
	cause = NULL;
	if (re != NULL) {
		if (regex_match(re, body, restlen2, &capture, &offset, &cause) == -1)
			free(cause);
		free(capture);
		fuzz_expect(c, "body", MATCH_REGEX, pattern, re);
	}
	fuzz_expect(c, "status", MATCH_EQUALS, "200", NULL);
	fuzz_expect(c, "latency_ms", MATCH_MAX, "500", NULL);
	fuzz_expect(c, "body", MATCH_ONE_OF, "ok|healthy|tok", NULL);
	observation_fact(&c->observation, "status", "200");
	observation_fact(&c->observation, "latency_ms", pattern);
	observation_fact(&c->observation, "body", body);

	path = jsonpath_parse(pathtext, &cause, &offset);
	free(cause);
	if (path != NULL && (root = cJSON_ParseWithLength(rest2, restlen2)) != NULL) {
		(void)jsonpath_eval(path, root, &value);
		fuzz_expect(c, "json", MATCH_EQUALS, pathtext, NULL);
		fuzz_expect(c, "json", MATCH_MIN, "3", NULL);
		fuzz_expect(c, "json", MATCH_SET, "a\nb\ns3cr3t-marker", NULL);
		observation_fact(&c->observation, "json", value);	/* NULL: not there */
		free(value);
		cJSON_Delete(root);
	}
	jsonpath_free(path);
	observation_evidence(&c->observation, "GET http://127.0.0.1/ -> %s", body);

	t.secrets = secrets;
	t.nsecrets = 2;
	c->observation.state = OBSERVATION_SEEN;
	diff_check(&t, c);
	if (c->result.message != NULL && strstr(c->result.message, "s3cr3t-marker") != NULL)
		abort();	/* a secret survived the redaction */
	if (c->result.evidence != NULL && strstr(c->result.evidence, "s3cr3t-marker") != NULL)
		abort();
	if (c->result.observed != NULL && strstr(c->result.observed, "s3cr3t-marker") != NULL)
		abort();
	check_free(c);
	free(body);
	free(pathtext);
	free(pattern);
	return 0;
}
