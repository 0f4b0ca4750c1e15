/*
 * fuzz_report.c: the renderers (text, JSON, Markdown, JUnit) on results
 * whose strings come from outside (a service's body, a tool's output, a
 * label in the topology): any bytes, invalid UTF-8, control characters,
 * markup. The input is split at its first four newlines into id, expected,
 * observed and message; the rest is the evidence; its first byte also picks
 * the status. What must hold: the JSON report parses, with the check in
 * it; the JUnit report has no byte XML 1.0 forbids; with colour off, no
 * report carries an escape byte (a service cannot drive the terminal).
 * The renderers of topo serve too: every line of /metrics is a comment or
 * a topo_ sample (a label value cannot break a line or the format), and
 * the status page holds no markup that came from the input.
 */
#include "fuzz.h"

#include <stdio.h>

#include <cjson/cJSON.h>

#include "../../probes/probe.h"
#include "../../reports/report.h"
#include "../../reports/status.h"
#include "../../topology/check.h"

static char *
fuzz_field(const char **p, size_t *left)
{
	const char	*rest;
	size_t		 restlen;
	char		*s;

	s = fuzz_split((const uint8_t *)*p, *left, &rest, &restlen);
	*p = rest;
	*left = restlen;
	return s;
}

static struct check *
fuzz_check(const char *id, enum status st)
{
	struct check	*c = calloc(1, sizeof *c);

	if (c == NULL)
		abort();
	c->id = strdup(id);
	c->probe = &probe_http;
	c->layer = LAYER_LIVE;
	c->file = strdup("fuzz.yaml");
	c->line = 3;
	c->column = 5;
	c->result.status = st;
	c->result.drift = st == STATUS_DRIFT ? DRIFT_CHANGED : DRIFT_NONE;
	c->result.duration_ms = 1.5;
	return c;
}

/* Renders checks with ops into a memory buffer. Caller frees. */
static char *
fuzz_render(const struct report_ops *ops, struct check **checks, size_t n, size_t *len)
{
	struct report	 r;
	char		*text = NULL;
	FILE		*f;

	f = open_memstream(&text, len);
	if (f == NULL)
		abort();
	memset(&r, 0, sizeof r);
	r.out = f;
	r.topology_path = "fuzz.yaml";
	r.color = 0;
	r.layers = "all";
	r.exit_code = 1;
	if (report_write(ops, &r, checks, n) != 0)
		abort();
	fclose(f);
	return text;
}

/* /metrics and the page of topo serve on the same checks. */
static void
fuzz_status(struct check **checks, size_t n)
{
	struct status_run	 run;
	struct report		 r;
	const char		*line, *end;
	char			*text = NULL;
	size_t			 len = 0;
	FILE			*f;
	int			 page;

	memset(&run, 0, sizeof run);
	run.version = "fuzz";
	run.interval = 10;
	memset(&r, 0, sizeof r);
	r.topology_path = "fuzz.yaml";
	for (page = 0; page < 2; page++) {
		if ((f = open_memstream(&text, &len)) == NULL)
			abort();
		if ((page ? html_write(f, &r, &run, checks, n) :
		    metrics_write(f, &r, &run, checks, n)) != 0)
			abort();
		fclose(f);
		if (memchr(text, '\033', len) != NULL || memchr(text, '\0', len) != NULL)
			abort();
		if (page && (strstr(text, "<script") != NULL ||
		    strstr(text, "<fuzz") != NULL))
			abort();	/* markup from the input */
		for (line = text; !page && line < text + len; line = end + 1) {
			if ((end = memchr(line, '\n', text + len - line)) == NULL)
				abort();	/* the last line unterminated */
			if (strncmp(line, "# HELP topo_", 12) != 0 &&
			    strncmp(line, "# TYPE topo_", 12) != 0 &&
			    strncmp(line, "topo_", 5) != 0)
				abort();	/* a label value broke a line */
		}
		free(text);
		text = NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check	*checks[2];
	const char	*p = (const char *)data;
	size_t		 left = size, len, i, k;
	char		*id, *text, *evidence;
	cJSON		*json, *list;

	if (size == 0)
		return 0;
	id = fuzz_field(&p, &left);
	checks[0] = fuzz_check(id, (enum status)(data[0] % 5));
	checks[0]->result.expected = fuzz_field(&p, &left);
	checks[0]->result.observed = fuzz_field(&p, &left);
	checks[0]->result.message = fuzz_field(&p, &left);
	evidence = fuzz_copy((const uint8_t *)p, left);
	checks[0]->result.evidence = evidence;
	checks[0]->summary = strdup(id);
	checks[1] = fuzz_check("port/8080", STATUS_OK);
	checks[1]->result.message = strdup("127.0.0.1:8080 listening");

	for (k = 0; report_table[k] != NULL; k++) {
		text = fuzz_render(report_table[k], checks, 2, &len);
		if (memchr(text, '\033', len) != NULL)
			abort();	/* an escape code with colour off */
		if (strcmp(report_table[k]->name, "json") == 0) {
			json = cJSON_ParseWithLength(text, len);
			if (json == NULL)
				abort();	/* the JSON report must parse */
			list = cJSON_GetObjectItemCaseSensitive(json, "checks");
			if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) != 2)
				abort();
			cJSON_Delete(json);
		}
		if (strcmp(report_table[k]->name, "junit") == 0) {
			for (i = 0; i < len; i++) {
				unsigned char c = (unsigned char)text[i];
				if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
					abort();	/* not allowed in XML 1.0 */
			}
		}
		free(text);
	}
	fuzz_status(checks, 2);
	check_free(checks[0]);
	check_free(checks[1]);
	free(id);
	return 0;
}
