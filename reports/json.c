/*
 * json.c: the JSON renderer (schema in docs/report-json.md, version
 * REPORT_JSON_VERSION). The document is built with cJSON, keys always in
 * the same order, checks in the order given. Every string goes through
 * report_utf8 first: cJSON escapes control characters but copies bytes, so
 * invalid UTF-8 observed from outside would otherwise make invalid JSON.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>

#include <cJSON.h>

#include "../probes/probe.h"
#include "../util/util.h"

struct json_state {
	cJSON	*root;
	cJSON	*checks;
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

static void
json_add_number(cJSON *object, const char *key, double n)
{
	json_checked(cJSON_AddNumberToObject(object, key, n));
}

static void
json_add_null(cJSON *object, const char *key)
{
	json_checked(cJSON_AddNullToObject(object, key));
}

/* Milliseconds rounded to microseconds: enough, and short when printed. */
static void
json_add_ms(cJSON *object, const char *key, double ms)
{
	if (!isfinite(ms) || ms < 0)
		ms = 0;
	json_add_number(object, key, round(ms * 1000.0) / 1000.0);
}

static void
json_begin(struct report *report)
{
	struct json_state	*js;
	const struct topology	*t = report->topology;
	const char		*path;
	cJSON			*summary;
	char			 when[32];

	js = xcalloc(1, sizeof *js);
	js->root = json_checked(cJSON_CreateObject());
	json_add_number(js->root, "topo_json_version", REPORT_JSON_VERSION);
	json_add_string(js->root, "system", t != NULL ? t->system : NULL);
	path = report->topology_path;
	if (path == NULL && t != NULL)
		path = t->path;
	json_add_string(js->root, "topology", path);
	if (report->started_at > 0) {
		util_iso_time(when, sizeof when, report->started_at);
		json_add_string(js->root, "started_at", when);
	} else
		json_add_null(js->root, "started_at");
	json_add_ms(js->root, "duration_ms", report->duration_ms);
	json_add_string(js->root, "layers",
	    report->layers != NULL ? report->layers : "all");
	json_add_number(js->root, "exit_code", report->exit_code);

	summary = json_checked(cJSON_AddObjectToObject(js->root, "summary"));
	json_add_number(summary, "total", (double)report->total);
	json_add_number(summary, "ok", (double)report->counts[STATUS_OK]);
	json_add_number(summary, "drift",
	    (double)report->counts[STATUS_DRIFT]);
	json_add_number(summary, "error",
	    (double)report->counts[STATUS_ERROR]);
	json_add_number(summary, "unknown",
	    (double)report->counts[STATUS_UNKNOWN]);
	json_add_number(summary, "skipped",
	    (double)report->counts[STATUS_SKIPPED]);

	js->checks = json_checked(cJSON_AddArrayToObject(js->root, "checks"));
	report->state = js;
}

static void
json_result(struct report *report, const struct check *check)
{
	struct json_state	*js = report->state;
	const struct result	*r = &check->result;
	cJSON			*c;

	c = json_checked(cJSON_CreateObject());
	if (!cJSON_AddItemToArray(js->checks, c))
		util_fatal("out of memory building the JSON report");

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
		json_add_number(c, "line", check->line);
		json_add_number(c, "column", check->column);
	} else {
		json_add_null(c, "line");
		json_add_null(c, "column");
	}
	json_checked(cJSON_AddBoolToObject(c, "extra", check->extra != 0));
}

static int
json_end(struct report *report)
{
	struct json_state	*js = report->state;
	char			*text;
	int			 rc = 0;

	text = cJSON_Print(js->root);
	if (text == NULL)
		util_fatal("out of memory printing the JSON report");
	if (fputs(text, report->out) == EOF || fputc('\n', report->out) == EOF)
		rc = -1;
	cJSON_free(text);
	cJSON_Delete(js->root);
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
