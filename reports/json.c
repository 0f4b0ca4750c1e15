/*
 * json.c: the JSON renderer (schema in docs/report-json.md, version
 * REPORT_JSON_VERSION). Keys always come in the same order, checks in the
 * order given. The document is streamed: the header is printed by cJSON at
 * begin, then each check as one line of its own as it comes, so memory
 * stays that of one check however many there are (10,000 checks built as
 * one cJSON tree cost 20 MiB: bench/RESULTS.md). Every string goes through
 * report_utf8 first: cJSON escapes control characters but copies bytes, so
 * invalid UTF-8 observed from outside would otherwise make invalid JSON.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../probes/probe.h"
#include "../util/util.h"

struct json_state {
	size_t	written;	/* checks so far */
	int	failed;		/* a write failed */
};

/*
 * cJSON reports a failed allocation by returning NULL and leaving the
 * field out; topo's rule is that allocation failure is fatal, never a
 * silently thinner report.
 */
static cJSON *
json_checked(cJSON *item)
{
	if (item == NULL)
		util_fatal("out of memory building the JSON report");
	return item;
}

/* Adds key: s as valid UTF-8, or null when s is NULL. */
static void
json_add_string(cJSON *object, const char *key, const char *s)
{
	char	*valid;

	if (s == NULL) {
		json_checked(cJSON_AddNullToObject(object, key));
		return;
	}
	valid = report_utf8(s);
	json_checked(cJSON_AddStringToObject(object, key, valid));
	free(valid);
}

/*
 * Numbers are written as raw text formatted here: cJSON prints a double with
 * "%1.15g" and reads it back with sscanf to check it, the dearest part of
 * a report of 10,000 checks (bench/RESULTS.md).
 */
static void
json_add_raw(cJSON *object, const char *key, const char *text)
{
	json_checked(cJSON_AddRawToObject(object, key, text));
}

static void
json_add_int(cJSON *object, const char *key, long long n)
{
	char	text[32];

	snprintf(text, sizeof text, "%lld", n);
	json_add_raw(object, key, text);
}

static void
json_add_null(cJSON *object, const char *key)
{
	json_checked(cJSON_AddNullToObject(object, key));
}

/*
 * Milliseconds to the microsecond, without trailing zeros: 0.214, 12.25,
 * 0 (enough, and short when printed).
 */
static void
json_add_ms(cJSON *object, const char *key, double ms)
{
	long long	us;
	char		text[48];
	int		len;

	if (!isfinite(ms) || ms < 0 || ms > 1e15)
		ms = 0;
	us = llround(ms * 1000.0);
	if (us % 1000 == 0) {
		json_add_int(object, key, us / 1000);
		return;
	}
	len = snprintf(text, sizeof text, "%lld.%03lld", us / 1000, us % 1000);
	while (len > 0 && text[len - 1] == '0')
		text[--len] = '\0';
	json_add_raw(object, key, text);
}

static void
json_begin(struct report *report)
{
	struct json_state	*js;
	const struct topology	*t = report->topology;
	const char		*path;
	cJSON			*root, *summary;
	char			 when[32], *text;
	size_t			 len;

	js = xcalloc(1, sizeof *js);
	root = json_checked(cJSON_CreateObject());
	json_add_int(root, "topo_json_version", REPORT_JSON_VERSION);
	json_add_string(root, "system", t != NULL ? t->system : NULL);
	path = report->topology_path;
	if (path == NULL && t != NULL)
		path = t->path;
	json_add_string(root, "topology", path);
	if (report->started_at > 0) {
		util_iso_time(when, sizeof when, report->started_at);
		json_add_string(root, "started_at", when);
	} else
		json_add_null(root, "started_at");
	json_add_ms(root, "duration_ms", report->duration_ms);
	json_add_string(root, "layers",
	    report->layers != NULL ? report->layers : "all");
	json_add_int(root, "exit_code", report->exit_code);

	summary = json_checked(cJSON_AddObjectToObject(root, "summary"));
	json_add_int(summary, "total", (long long)report->total);
	json_add_int(summary, "ok", (long long)report->counts[STATUS_OK]);
	json_add_int(summary, "drift", (long long)report->counts[STATUS_DRIFT]);
	json_add_int(summary, "error", (long long)report->counts[STATUS_ERROR]);
	json_add_int(summary, "unknown", (long long)report->counts[STATUS_UNKNOWN]);
	json_add_int(summary, "skipped", (long long)report->counts[STATUS_SKIPPED]);

	/* The header as cJSON prints it ("{ ... \n}"), its closing brace
	 * replaced by the opening of the checks array. */
	if ((text = cJSON_Print(root)) == NULL)
		util_fatal("out of memory printing the JSON report");
	len = strlen(text);
	if (len >= 2 && text[len - 1] == '}' && text[len - 2] == '\n')
		len -= 2;
	if (fwrite(text, 1, len, report->out) != len ||
	    fputs(",\n\t\"checks\":\t[", report->out) == EOF)
		js->failed = 1;
	cJSON_free(text);
	cJSON_Delete(root);
	report->state = js;
}

static void
json_result(struct report *report, const struct check *check)
{
	struct json_state	*js = report->state;
	const struct result	*r = &check->result;
	cJSON			*c;
	char			*text;

	c = json_checked(cJSON_CreateObject());

	json_add_string(c, "id", check->id);
	json_add_string(c, "kind", check->probe != NULL ? check->probe->name : NULL);
	json_add_string(c, "layer", layer_name(check->layer));
	json_add_string(c, "status", status_name(r->status));
	if (r->drift == DRIFT_NONE)
		json_add_null(c, "drift");
	else
		json_add_string(c, "drift", drift_name(r->drift));
	json_add_string(c, "expected", r->expected);
	json_add_string(c, "observed", r->observed);
	json_add_string(c, "message", r->message);
	json_add_string(c, "evidence", r->evidence);
	json_add_ms(c, "duration_ms", r->duration_ms);
	json_add_string(c, "file", check->file != NULL && *check->file != '\0' ?
	    check->file : NULL);
	if (check->line > 0) {
		json_add_int(c, "line", check->line);
		json_add_int(c, "column", check->column);
	} else {
		json_add_null(c, "line");
		json_add_null(c, "column");
	}
	json_checked(cJSON_AddBoolToObject(c, "extra", check->extra != 0));

	/* One check a line: grep finds a check, jq reads the whole. */
	if ((text = cJSON_PrintUnformatted(c)) == NULL)
		util_fatal("out of memory printing the JSON report");
	if (fputs(js->written > 0 ? ",\n\t\t" : "\n\t\t", report->out) == EOF ||
	    fputs(text, report->out) == EOF)
		js->failed = 1;
	js->written++;
	cJSON_free(text);
	cJSON_Delete(c);
}

static int
json_end(struct report *report)
{
	struct json_state	*js = report->state;
	int			 rc = js->failed ? -1 : 0;

	if (fputs(js->written > 0 ? "\n\t]\n}\n" : "]\n}\n", report->out) == EOF)
		rc = -1;
	free(js);
	report->state = NULL;
	return rc != 0 || ferror(report->out) ? -1 : 0;
}

const struct report_ops report_json = {
	.name = "json",
	.begin = json_begin,
	.result = json_result,
	.end = json_end,
};
