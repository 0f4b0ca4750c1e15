/*
 * json.c: the JSON renderer (schema in docs/report-json.md, version
 * REPORT_JSON_VERSION). Keys always come in the same order, checks in the
 * order given. The document is streamed: the header is printed by cJSON at
 * begin, then each check as one line of its own as it comes, so memory
 * stays that of one check however many there are (10,000 checks built as
 * one cJSON tree cost 20 MiB: bench/RESULTS.md). Every string goes through
 * report_utf8 first: cJSON escapes control characters but copies bytes, so
 * invalid UTF-8 observed from outside would otherwise make invalid JSON.
 * The contract is also a JSON Schema (docs/report.schema.json) that the
 * tests validate every report against: a string with no value is null,
 * never "", and a member the doc ties to a status (drift, a duration) is
 * written as the doc says whatever the result holds.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../cmd.h"
#include "../probes/probe.h"
#include "../util/util.h"

/*
 * The members of a check's object, in the order written (the enum's; a new
 * member is one line here, one in json_result). One object is
 * built at begin and its values replaced for each check, printed into one
 * reused buffer: creating, printing and freeing an object per check cost
 * 25,000 instructions a check in allocations alone (bench/RESULTS.md).
 */
enum json_field {
	JSON_ID, JSON_KIND, JSON_LAYER, JSON_STATUS, JSON_DRIFT, JSON_EXPECTED,
	JSON_OBSERVED, JSON_MESSAGE, JSON_EVIDENCE, JSON_DURATION, JSON_FILE,
	JSON_LINE, JSON_COLUMN, JSON_EXTRA, JSON_CAUSED_BY, JSON_ROOT_CAUSE,
	JSON_FIELDS
};

static const char *const json_field_names[JSON_FIELDS] = {
	[JSON_ID] = "id", [JSON_KIND] = "kind", [JSON_LAYER] = "layer",
	[JSON_STATUS] = "status", [JSON_DRIFT] = "drift",
	[JSON_EXPECTED] = "expected", [JSON_OBSERVED] = "observed",
	[JSON_MESSAGE] = "message", [JSON_EVIDENCE] = "evidence",
	[JSON_DURATION] = "duration_ms", [JSON_FILE] = "file",
	[JSON_LINE] = "line", [JSON_COLUMN] = "column", [JSON_EXTRA] = "extra",
	[JSON_CAUSED_BY] = "caused_by", [JSON_ROOT_CAUSE] = "root_cause"
};

/* Room for a number's text in a raw member (digits, point, sign). */
#define JSON_NUMBER_ROOM	32
#define JSON_LINE_MAX		(1024 * 1024 * 1024)	/* one printed check */

struct json_state {
	size_t	 written;	/* checks so far */
	int	 failed;	/* a write failed */
	cJSON	*check;		/* the object, its members below */
	cJSON	*field[JSON_FIELDS];
	char	*line;		/* cJSON_PrintPreallocated's buffer */
	size_t	 size;
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

/* Adds key: s as valid UTF-8, or null when s is NULL or "". */
static void
json_add_string(cJSON *object, const char *key, const char *s)
{
	char	*valid;

	if (s == NULL || *s == '\0') {
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
json_ms_text(char *text, size_t size, double ms)
{
	long long	us;
	int		len;

	if (!isfinite(ms) || ms < 0 || ms > 1e15)
		ms = 0;
	us = llround(ms * 1000.0);
	if (us % 1000 == 0) {
		snprintf(text, size, "%lld", us / 1000);
		return;
	}
	len = snprintf(text, size, "%lld.%03lld", us / 1000, us % 1000);
	while (len > 0 && (size_t)len < size && text[len - 1] == '0')
		text[--len] = '\0';
}

static void
json_add_ms(cJSON *object, const char *key, double ms)
{
	char	text[JSON_NUMBER_ROOM];

	json_ms_text(text, sizeof text, ms);
	json_add_raw(object, key, text);
}

/* Builds the reused check object: strings "", numbers with room, false. */
static void
json_check_object(struct json_state *js)
{
	char	room[JSON_NUMBER_ROOM];
	int	i;

	memset(room, '0', sizeof room - 1);
	room[sizeof room - 1] = '\0';
	js->check = json_checked(cJSON_CreateObject());
	for (i = 0; i < JSON_FIELDS; i++) {
		if (i == JSON_DURATION || i == JSON_LINE || i == JSON_COLUMN)
			js->field[i] = cJSON_AddRawToObject(js->check,
			    json_field_names[i], room);
		else if (i == JSON_EXTRA)
			js->field[i] = cJSON_AddFalseToObject(js->check,
			    json_field_names[i]);
		else
			js->field[i] = cJSON_AddStringToObject(js->check,
			    json_field_names[i], "");
		json_checked(js->field[i]);
	}
	js->size = 4096;
	js->line = xmalloc(js->size);
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
	json_add_string(root, "topo_version", TOPO_VERSION);
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
	/* Ctrl-C or SIGTERM: the checks that had not finished are "not_run". */
	if (cJSON_AddBoolToObject(root, "interrupted", report->interrupted != 0) == NULL)
		util_fatal("out of memory");

	summary = json_checked(cJSON_AddObjectToObject(root, "summary"));
	json_add_int(summary, "total", (long long)report->total);
	json_add_int(summary, "ok", (long long)report->counts[STATUS_OK]);
	json_add_int(summary, "drift", (long long)report->counts[STATUS_DRIFT]);
	json_add_int(summary, "error", (long long)report->counts[STATUS_ERROR]);
	json_add_int(summary, "unknown", (long long)report->counts[STATUS_UNKNOWN]);
	json_add_int(summary, "skipped", (long long)report->counts[STATUS_SKIPPED]);
	json_add_int(summary, "not_run", (long long)report->counts[STATUS_NOT_RUN]);
	json_add_int(summary, "consequences", (long long)report->consequences);

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
	json_check_object(js);
	report->state = js;
}

/* A member's value: s as valid UTF-8, or null when s is NULL or "" (the
 * doc's "a string that has no value is null"). */
static void
json_set_string(cJSON *item, const char *s)
{
	char	*valid;

	if (s == NULL || *s == '\0') {
		item->type = cJSON_NULL;	/* valuestring kept for later */
		return;
	}
	valid = report_utf8(s);
	item->type = cJSON_String;
	if (cJSON_SetValuestring(item, valid) == NULL)
		util_fatal("out of memory building the JSON report");
	free(valid);
}

static void
json_set_int(cJSON *item, long long n)
{
	item->type = cJSON_Raw;
	snprintf(item->valuestring, JSON_NUMBER_ROOM, "%lld", n);
}

static void
json_set_ms(cJSON *item, double ms)
{
	item->type = cJSON_Raw;
	json_ms_text(item->valuestring, JSON_NUMBER_ROOM, ms);
}

/* Whether a check with this status was observed (else its duration is 0). */
static int
json_ran(enum status status)
{
	return status == STATUS_OK || status == STATUS_DRIFT ||
	    status == STATUS_ERROR || status == STATUS_UNKNOWN;
}

static void
json_result(struct report *report, const struct check *check)
{
	struct json_state	*js = report->state;
	const struct result	*r = &check->result;
	cJSON			**f = js->field;

	json_set_string(f[JSON_ID], check->id);
	json_set_string(f[JSON_KIND], check->probe != NULL ?
	    check->probe->name : NULL);
	json_set_string(f[JSON_LAYER], layer_name(check->layer));
	json_set_string(f[JSON_STATUS], status_name(r->status));
	/* A drift class only on a drift, as the doc says. */
	json_set_string(f[JSON_DRIFT], r->status == STATUS_DRIFT &&
	    r->drift != DRIFT_NONE ? drift_name(r->drift) : NULL);
	json_set_string(f[JSON_EXPECTED], r->expected);
	json_set_string(f[JSON_OBSERVED], r->observed);
	json_set_string(f[JSON_MESSAGE], r->message);
	json_set_string(f[JSON_EVIDENCE], r->evidence);
	json_set_ms(f[JSON_DURATION], json_ran(r->status) ? r->duration_ms : 0);
	json_set_string(f[JSON_FILE], check->file);
	/* Lines and columns count from 1: anything else is unknown. */
	if (check->line > 0) {
		json_set_int(f[JSON_LINE], check->line);
		if (check->column > 0)
			json_set_int(f[JSON_COLUMN], check->column);
		else
			f[JSON_COLUMN]->type = cJSON_NULL;
	} else
		f[JSON_LINE]->type = f[JSON_COLUMN]->type = cJSON_NULL;
	f[JSON_EXTRA]->type = check->extra ? cJSON_True : cJSON_False;
	json_set_string(f[JSON_CAUSED_BY], r->cause != NULL ? r->cause->id : NULL);
	json_set_string(f[JSON_ROOT_CAUSE], r->cause != NULL ?
	    causes_root(check)->id : NULL);

	/* One check a line: grep finds a check, jq reads the whole. cJSON
	 * asks for 5 bytes more than it needs. */
	while (!cJSON_PrintPreallocated(js->check, js->line, (int)js->size - 5,
	    0)) {
		if (js->size >= JSON_LINE_MAX)
			util_fatal("a check too large for the JSON report");
		js->size *= 2;
		js->line = xrealloc(js->line, js->size);
	}
	if (fputs(js->written > 0 ? ",\n\t\t" : "\n\t\t", report->out) == EOF ||
	    fputs(js->line, report->out) == EOF)
		js->failed = 1;
	js->written++;
}

static int
json_end(struct report *report)
{
	struct json_state	*js = report->state;
	int			 rc = js->failed ? -1 : 0;

	if (fputs(js->written > 0 ? "\n\t]\n}\n" : "]\n}\n", report->out) == EOF)
		rc = -1;
	cJSON_Delete(js->check);
	free(js->line);
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
