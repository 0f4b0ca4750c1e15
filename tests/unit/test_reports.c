/*
 * test_reports.c: the renderers (reports/) on checks built by hand, each
 * rendered into memory and read back: JSON parsed with cJSON, JUnit checked
 * for counts, escaping and well-formedness (with xmllint when installed),
 * Markdown for table-safe cells, text for order, alignment and colour.
 * Hostile values (ESC, control bytes, invalid UTF-8, markup) go through
 * every format.
 */
#include <sys/stat.h>

#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "../../cmd.h"
#include "../../probes/probe.h"
#include "../../reports/report.h"
#include "../../util/exec.h"
#include "../../util/util.h"

/* Fake kinds: the renderers only read probe->name. */
static const struct probe_ops fake_port = { .name = "ports" };
static const struct probe_ops fake_http = { .name = "http" };
static const struct probe_ops fake_redis = { .name = "redis" };
static const struct probe_ops fake_launchd = { .name = "launchd" };
static const struct probe_ops fake_k8s = { .name = "kubernetes" };
static const struct probe_ops fake_sources = { .name = "sources" };

/* ESC, a C0 byte, markup, quotes, a pipe, newlines and invalid UTF-8. */
#define HOSTILE "a|b\nc <tag> & \"q\" 'a' \033[31mred\001 \xff\xfe end\r\n"

#define NCHECKS 6

struct fixture {
	struct check		 checks[NCHECKS];
	struct check		*ptrs[NCHECKS];
	struct topology		 topology;
	struct report		 report;
};

static void
fill(struct check *c, const struct probe_ops *probe, const char *id,
    enum layer layer, enum status status, enum drift drift)
{
	memset(c, 0, sizeof *c);
	c->id = (char *)id;
	c->probe = probe;
	c->layer = layer;
	c->result.status = status;
	c->result.drift = drift;
}

/*
 * Six checks, in plan order with the ok one first so that "problems first"
 * has something to do: ok, drift changed, error, unknown, skipped, and an
 * extra drift made of hostile bytes with NULL strings.
 */
static struct fixture *
fixture_new(void)
{
	struct fixture	*f = xcalloc(1, sizeof *f);
	struct check	*c;
	size_t		 i;

	c = &f->checks[0];
	fill(c, &fake_port, "port/3111", LAYER_LIVE, STATUS_OK, DRIFT_NONE);
	c->result.expected = "listening";
	c->result.observed = "listening";
	c->result.message = "listening";
	c->result.duration_ms = 1.5;

	c = &f->checks[1];
	fill(c, &fake_http, "http/talon-health", LAYER_LIVE, STATUS_DRIFT,
	    DRIFT_CHANGED);
	c->file = "topology.yaml";
	c->line = 40;
	c->column = 5;
	c->result.expected = "status 200";
	c->result.observed = "status 503";
	c->result.message = "status 503, expected 200";
	c->result.evidence = "GET http://127.0.0.1:9999/health -> 503";
	c->result.duration_ms = 12.25;

	c = &f->checks[2];
	fill(c, &fake_redis, "redis/joelclaw:queue:events", LAYER_LIVE,
	    STATUS_ERROR, DRIFT_NONE);
	c->result.message = "connection refused";
	c->result.evidence = "redis://127.0.0.1:6379";

	c = &f->checks[3];
	fill(c, &fake_launchd, "launchd/com.joel.gateway", LAYER_LIVE,
	    STATUS_UNKNOWN, DRIFT_NONE);
	c->result.message = "launchctl does not exist on Linux";

	c = &f->checks[4];
	fill(c, &fake_sources, "source/host functions", LAYER_STATIC,
	    STATUS_SKIPPED, DRIFT_NONE);

	c = &f->checks[5];
	fill(c, &fake_k8s, "k8s/joelclaw/Service/x|y", LAYER_STATIC,
	    STATUS_DRIFT, DRIFT_EXTRA);
	c->extra = 1;
	c->file = "";	/* as the scheduler makes extras found near no file */
	c->result.observed = HOSTILE;

	for (i = 0; i < NCHECKS; i++)
		f->ptrs[i] = &f->checks[i];

	f->topology.system = "joelclaw";
	f->topology.path = "topologies/joelclaw.yaml";
	f->report.topology = &f->topology;
	f->report.topology_path = "topology.yaml";
	f->report.started_at = 1795798800;	/* 2026-11-27T17:00:00Z */
	f->report.duration_ms = 410.4;
	f->report.layers = "all";
	f->report.exit_code = 1;
	return f;
}

/* Renders checks with the named format into a string (caller frees). */
static char *
render(const char *format, struct report *report, struct check *const *checks,
    size_t count)
{
	const struct report_ops	*ops = report_find(format);
	char			*text = NULL;
	size_t			 len = 0;

	assert_non_null(ops);
	report->out = open_memstream(&text, &len);
	assert_non_null(report->out);
	assert_int_equal(report_write(ops, report, checks, count), 0);
	assert_int_equal(fclose(report->out), 0);
	report->out = NULL;
	assert_null(report->state);
	assert_int_equal(strlen(text), len);	/* no NUL byte inside */
	return text;
}

/*
 * Strict UTF-8 check written independently of report_utf8: decode each
 * code point and reject overlong forms, surrogates and values past U+10FFFF.
 */
static int
utf8_valid(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 cp, min;
	int			 n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1; cp = *p & 0x1f; min = 0x80;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2; cp = *p & 0x0f; min = 0x800;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3; cp = *p & 0x07; min = 0x10000;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* The line of text that contains needle (caller frees), or NULL. */
static char *
line_with(const char *text, const char *needle)
{
	const char	*at = strstr(text, needle), *start, *end;

	if (at == NULL)
		return NULL;
	for (start = at; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(at, '\n');
	return xstrndup(start, end != NULL ? (size_t)(end - start) : strlen(start));
}

static size_t
offset_of(const char *text, const char *needle)
{
	const char	*at = strstr(text, needle);

	if (at == NULL)
		fail_msg("not found: %s", needle);
	return (size_t)(at - text);
}

/*
 * Writes text to a scratch file and runs program with option (and, for jq,
 * the filter "type"; with schema, "--schema schema") and that file. Returns
 * its exit code, or -1 when the program is not installed.
 */
static int
run_on(const char *text, const char *program, const char *option,
    const char *schema)
{
	char		 path[PATH_MAX];
	const char	*tmp = getenv("TMPDIR");
	char		*argv[7];
	int		 argc = 0;
	struct exec_job	 job;
	FILE		*fp;
	int		 fd, rc;

	snprintf(path, sizeof path, "%s/test_reports.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);

	argv[argc++] = (char *)program;
	argv[argc++] = (char *)option;
	if (strcmp(program, "jq") == 0)
		argv[argc++] = "type";
	if (schema != NULL) {
		argv[argc++] = "--schema";
		argv[argc++] = (char *)schema;
	}
	argv[argc++] = path;
	argv[argc] = NULL;
	memset(&job, 0, sizeof job);
	job.argv = argv;
	job.timeout_ms = 10000;
	job.out_cap = 65536;
	exec_run(&job);
	if (!job.started)
		rc = -1;
	else if (job.exited)
		rc = job.exit_code;
	else
		rc = 255;
	if (rc != 0 && rc != -1)
		fprintf(stderr, "%s: %s\n", program, buf_str(&job.err));
	exec_job_free(&job);
	unlink(path);
	return rc;
}

/* ---- report.c ---------------------------------------------------------- */

static void
test_find(void **state)
{
	(void)state;
	assert_ptr_equal(report_find("text"), &report_text);
	assert_ptr_equal(report_find("json"), &report_json);
	assert_ptr_equal(report_find("markdown"), &report_markdown);
	assert_ptr_equal(report_find("junit"), &report_junit);
	assert_null(report_find("xml"));
	assert_null(report_find("JSON"));
	assert_null(report_find(""));
	assert_null(report_find(NULL));
}

static void
expect_utf8(const char *in, const char *want)
{
	char	*got = report_utf8(in);

	assert_string_equal(got, want);
	assert_true(utf8_valid(got));
	free(got);
}

#define FFFD "\xef\xbf\xbd"

static void
test_utf8_repair(void **state)
{
	(void)state;
	expect_utf8(NULL, "");
	expect_utf8("", "");
	expect_utf8("plain ascii", "plain ascii");
	/* é, €, 𝄞 (two, three and four bytes) pass untouched. */
	expect_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e");
	expect_utf8("a\xff" "b", "a" FFFD "b");
	expect_utf8("\x80", FFFD);
	/* Truncated at the end: one replacement for the whole prefix. */
	expect_utf8("a\xe2\x82", "a" FFFD);
	expect_utf8("a\xf0\x9d\x84", "a" FFFD);
	/* Overlong forms. */
	expect_utf8("\xc0\xaf", FFFD FFFD);
	expect_utf8("\xe0\x80\xaf", FFFD FFFD FFFD);
	/* A surrogate, and a code point past U+10FFFF. */
	expect_utf8("\xed\xa0\x80", FFFD FFFD FFFD);
	expect_utf8("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	/* A lead byte followed by ASCII keeps the ASCII. */
	expect_utf8("\xe2(x", FFFD "(x");
}

static void
test_sort_is_stable_problems_first(void **state)
{
	static const enum status order[] = {
		STATUS_OK, STATUS_SKIPPED, STATUS_UNKNOWN, STATUS_DRIFT,
		STATUS_ERROR, STATUS_DRIFT, STATUS_OK, STATUS_RUNNING,
		STATUS_PENDING, (enum status)42
	};
	/* Where each of order[] must land. */
	static const size_t want[] = { 3, 5, 4, 2, 8, 7, 0, 6, 1, 9 };
	struct check		 c[10];
	const struct check	*p[10];
	size_t			 i;

	(void)state;
	for (i = 0; i < 10; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].result.status = order[i];
		p[i] = &c[i];
	}
	report_sort(p, 10);
	for (i = 0; i < 10; i++)
		assert_ptr_equal(p[i], &c[want[i]]);
	report_sort(p, 0);
	report_sort(NULL, 0);
}

static void
test_write_counts(void **state)
{
	struct fixture	*f = fixture_new();
	char		*text;

	(void)state;
	f->report.total = 99;	/* stale values are replaced */
	f->report.counts[STATUS_OK] = 42;
	text = render("text", &f->report, f->ptrs, NCHECKS);
	assert_int_equal(f->report.total, NCHECKS);
	assert_int_equal(f->report.counts[STATUS_OK], 1);
	assert_int_equal(f->report.counts[STATUS_DRIFT], 2);
	assert_int_equal(f->report.counts[STATUS_ERROR], 1);
	assert_int_equal(f->report.counts[STATUS_UNKNOWN], 1);
	assert_int_equal(f->report.counts[STATUS_SKIPPED], 1);
	free(text);
	free(f);
}

static void
test_write_error_is_reported(void **state)
{
	const char	*formats[] = { "text", "json", "markdown", "junit" };
	struct fixture	*f;
	size_t		 i;

	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	for (i = 0; i < 4; i++) {
		f = fixture_new();
		f->report.out = fopen("/dev/full", "w");
		assert_non_null(f->report.out);
		assert_int_equal(report_write(report_find(formats[i]), &f->report,
		    f->ptrs, NCHECKS), -1);
		fclose(f->report.out);
		free(f);
	}
}

/* Every string NULL, no probe, no topology: no crash, sane output. */
static void
test_all_null(void **state)
{
	const char	*formats[] = { "text", "json", "markdown", "junit" };
	struct check	 c[3];
	struct check	*p[3];
	struct report	 report;
	char		*text;
	cJSON		*root, *check;
	size_t		 i;
	int		 rc;

	(void)state;
	memset(c, 0, sizeof c);
	c[0].result.status = STATUS_DRIFT;
	c[0].result.drift = DRIFT_MISSING;
	c[1].result.status = STATUS_ERROR;
	c[2].result.status = STATUS_UNKNOWN;
	for (i = 0; i < 3; i++)
		p[i] = &c[i];
	for (i = 0; i < 4; i++) {
		memset(&report, 0, sizeof report);
		text = render(formats[i], &report, p, 3);
		assert_true(strlen(text) > 0);
		if (strcmp(formats[i], "json") == 0) {
			root = cJSON_Parse(text);
			assert_non_null(root);
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "system")));
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "topology")));
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "started_at")));
			check = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "checks"), 0);
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(check, "id")));
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(check, "kind")));
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(check, "expected")));
			assert_string_equal(cJSON_GetObjectItem(check, "drift")->valuestring,
			    "missing");
			cJSON_Delete(root);
		}
		if (strcmp(formats[i], "junit") == 0) {
			rc = run_on(text, "xmllint", "--noout", NULL);
			if (rc != -1)
				assert_int_equal(rc, 0);
		}
		free(text);
	}
}

/* ---- text ------------------------------------------------------------- */

static void
test_text_plain(void **state)
{
	struct fixture	*f = fixture_new();
	char		*text, *line, *ok, *drift;

	(void)state;
	text = render("text", &f->report, f->ptrs, NCHECKS);
	assert_null(strchr(text, '\033'));
	assert_null(strchr(text, '\001'));
	assert_true(utf8_valid(text));

	/* Problems first: drift, drift (in plan order), error, unknown, then ok. */
	assert_true(offset_of(text, "drift    http/talon-health") <
	    offset_of(text, "drift    k8s/joelclaw/Service/x|y"));
	assert_true(offset_of(text, "drift    k8s/joelclaw/Service/x|y") <
	    offset_of(text, "error    redis/"));
	assert_true(offset_of(text, "error    redis/") <
	    offset_of(text, "unknown  launchd/"));
	assert_true(offset_of(text, "unknown  launchd/") <
	    offset_of(text, "ok       port/3111"));
	/* Skipped: counted, not listed. */
	assert_null(strstr(text, "source/host functions"));
	assert_non_null(strstr(text, "(1 skipped check not shown)"));

	/* The block under a problem. */
	assert_non_null(strstr(text,
	    "drift    http/talon-health            status 503, expected 200\n"
	    "         drift:    changed (found, different)\n"
	    "         expected: status 200\n"
	    "         observed: status 503\n"
	    "         evidence: GET http://127.0.0.1:9999/health -> 503\n"
	    "         declared: topology.yaml:40:5\n"));
	assert_non_null(strstr(text,
	    "         evidence: redis://127.0.0.1:6379\n"));
	/* Hostile bytes are shown, not obeyed; continuation lines aligned. */
	assert_non_null(strstr(text, "observed: a|b\n                   c <tag>"));
	assert_non_null(strstr(text, "\\x1b[31mred\\x01 " FFFD));
	/* The ok row has no block. */
	line = line_with(text, "ok       port/3111");
	assert_non_null(line);
	assert_non_null(strstr(text, "port/3111                    listening\n"
	    "(1 skipped check not shown)\n\n6 checks"));
	free(line);

	/* Messages line up in one column. */
	ok = line_with(text, "port/3111");
	drift = line_with(text, "http/talon-health");
	assert_int_equal(strstr(ok, "listening") - ok,
	    strstr(drift, "status 503") - drift);
	free(ok);
	free(drift);

	assert_non_null(strstr(text,
	    "\n6 checks: 1 ok, 2 drift, 1 error, 1 unknown, 1 skipped (0.41 s)"
	    " \xe2\x80\x94 exit 1\n"));
	free(text);
	free(f);
}

static void
test_text_color(void **state)
{
	struct fixture	*f = fixture_new();
	char		*text;

	(void)state;
	f->report.color = 1;
	text = render("text", &f->report, f->ptrs, NCHECKS);
	assert_non_null(strchr(text, '\033'));
	/* Status words in their roles, reset after each. */
	assert_non_null(strstr(text, "\033[1;33mdrift\033[0m"));
	assert_non_null(strstr(text, "\033[1;31merror\033[0m"));
	assert_non_null(strstr(text, "\033[32mok\033[0m"));
	assert_non_null(strstr(text, "\033[36munknown\033[0m"));
	/* The observed ESC is still escaped: only our own sequences are raw. */
	assert_null(strstr(text, "\033[31mred"));
	assert_non_null(strstr(text, "\\x1b[31mred"));
	free(text);
	free(f);
}

static void
test_text_empty(void **state)
{
	struct report	 report;
	char		*text;

	(void)state;
	memset(&report, 0, sizeof report);
	text = render("text", &report, NULL, 0);
	assert_string_equal(text,
	    "0 checks: 0 ok, 0 drift, 0 error, 0 unknown, 0 skipped (0.00 s)"
	    " \xe2\x80\x94 exit 0\n");
	free(text);
}

/* A clock gone wrong prints zero, never "nan" or "inf" (which JSON lacks). */
static void
test_bad_durations(void **state)
{
	struct fixture	*f = fixture_new();
	char		*text;
	cJSON		*root;

	(void)state;
	f->report.duration_ms = NAN;
	f->checks[0].result.duration_ms = INFINITY;
	f->checks[1].result.duration_ms = -5;
	text = render("json", &f->report, f->ptrs, NCHECKS);
	root = cJSON_Parse(text);
	assert_non_null(root);
	assert_true(cJSON_GetObjectItem(root, "duration_ms")->valuedouble == 0);
	assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root,
	    "checks"), 0), "duration_ms")->valuedouble == 0);
	assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root,
	    "checks"), 1), "duration_ms")->valuedouble == 0);
	cJSON_Delete(root);
	free(text);
	text = render("text", &f->report, f->ptrs, NCHECKS);
	assert_non_null(strstr(text, "(0.00 s)"));
	free(text);
	text = render("junit", &f->report, f->ptrs, NCHECKS);
	assert_non_null(strstr(text, "time=\"0.000\">"));
	assert_null(strstr(text, "nan"));
	assert_null(strstr(text, "inf"));
	free(text);
	text = render("markdown", &f->report, f->ptrs, NCHECKS);
	assert_non_null(strstr(text, "0.00 s"));
	free(text);
	free(f);
}

/* run_on with xmllint and tests/schema/junit.xsd (under $ROOT when set). */
static int
junit_schema_valid(const char *text)
{
	char		 xsd[PATH_MAX];
	const char	*root = getenv("ROOT");

	snprintf(xsd, sizeof xsd, "%s/tests/schema/junit.xsd",
	    root != NULL && *root != '\0' ? root : ".");
	return run_on(text, "xmllint", "--noout", xsd);
}

/* run_on with tests/schema/validate-report.py (docs/report.schema.json). */
static int
json_schema_valid(const char *text)
{
	char		 script[PATH_MAX];
	const char	*root = getenv("ROOT");

	snprintf(script, sizeof script, "%s/tests/schema/validate-report.py",
	    root != NULL && *root != '\0' ? root : ".");
	return run_on(text, "python3", script, NULL);
}

/* ---- json ------------------------------------------------------------- */

static void
expect_keys(const cJSON *object, const char *const *keys, size_t n)
{
	const cJSON	*item = object->child;
	size_t		 i;

	for (i = 0; i < n; i++, item = item->next) {
		assert_non_null(item);
		assert_string_equal(item->string, keys[i]);
	}
	assert_null(item);
}

static const char *
json_string(const cJSON *object, const char *key)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(object, key);

	assert_true(cJSON_IsString(item));
	return item->valuestring;
}

static double
json_number(const cJSON *object, const char *key)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(object, key);

	assert_true(cJSON_IsNumber(item));
	return item->valuedouble;
}

static void
test_json(void **state)
{
	static const char *const root_keys[] = {
		"topo_json_version", "topo_version", "system", "topology", "started_at",
		"duration_ms", "layers", "exit_code", "interrupted", "summary", "checks"
	};
	static const char *const summary_keys[] = {
		"total", "ok", "drift", "error", "unknown", "skipped", "not_run",
		"consequences"
	};
	static const char *const check_keys[] = {
		"id", "kind", "layer", "status", "drift", "expected", "observed",
		"message", "evidence", "duration_ms", "file", "line", "column", "extra",
		"caused_by", "root_cause"
	};
	struct fixture	*f = fixture_new();
	char		*text, *again;
	cJSON		*root, *summary, *checks, *c;
	size_t		 i;
	int		 rc;

	(void)state;
	text = render("json", &f->report, f->ptrs, NCHECKS);
	assert_true(utf8_valid(text));
	root = cJSON_Parse(text);
	assert_non_null(root);

	expect_keys(root, root_keys, sizeof root_keys / sizeof root_keys[0]);
	assert_int_equal(json_number(root, "topo_json_version"), REPORT_JSON_VERSION);
	assert_string_equal(json_string(root, "topo_version"), TOPO_VERSION);
	assert_string_equal(json_string(root, "system"), "joelclaw");
	assert_string_equal(json_string(root, "topology"), "topology.yaml");
	assert_string_equal(json_string(root, "started_at"), "2026-11-27T17:00:00Z");
	assert_true(json_number(root, "duration_ms") == 410.4);
	assert_string_equal(json_string(root, "layers"), "all");
	assert_int_equal(json_number(root, "exit_code"), 1);

	summary = cJSON_GetObjectItem(root, "summary");
	expect_keys(summary, summary_keys, sizeof summary_keys / sizeof summary_keys[0]);
	assert_int_equal(json_number(summary, "total"), 6);
	assert_int_equal(json_number(summary, "ok"), 1);
	assert_int_equal(json_number(summary, "drift"), 2);
	assert_int_equal(json_number(summary, "error"), 1);
	assert_int_equal(json_number(summary, "unknown"), 1);
	assert_int_equal(json_number(summary, "skipped"), 1);

	/* Checks in the order given, every key present in the same order. */
	checks = cJSON_GetObjectItem(root, "checks");
	assert_int_equal(cJSON_GetArraySize(checks), NCHECKS);
	for (i = 0; i < NCHECKS; i++) {
		c = cJSON_GetArrayItem(checks, (int)i);
		expect_keys(c, check_keys, sizeof check_keys / sizeof check_keys[0]);
		assert_string_equal(json_string(c, "id"), f->checks[i].id);
	}

	c = cJSON_GetArrayItem(checks, 0);
	assert_string_equal(json_string(c, "kind"), "ports");
	assert_string_equal(json_string(c, "layer"), "live");
	assert_string_equal(json_string(c, "status"), "ok");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "drift")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "evidence")));
	assert_true(json_number(c, "duration_ms") == 1.5);

	c = cJSON_GetArrayItem(checks, 1);
	assert_string_equal(json_string(c, "kind"), "http");
	assert_string_equal(json_string(c, "status"), "drift");
	assert_string_equal(json_string(c, "drift"), "changed");
	assert_string_equal(json_string(c, "expected"), "status 200");
	assert_string_equal(json_string(c, "observed"), "status 503");
	assert_string_equal(json_string(c, "message"), "status 503, expected 200");
	assert_string_equal(json_string(c, "evidence"),
	    "GET http://127.0.0.1:9999/health -> 503");
	assert_string_equal(json_string(c, "file"), "topology.yaml");
	assert_int_equal(json_number(c, "line"), 40);
	assert_int_equal(json_number(c, "column"), 5);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(c, "extra")));
	assert_true(json_number(c, "duration_ms") == 12.25);

	c = cJSON_GetArrayItem(checks, 4);
	assert_string_equal(json_string(c, "layer"), "static");
	assert_string_equal(json_string(c, "status"), "skipped");

	/* The hostile one: control characters round-trip, invalid bytes are U+FFFD. */
	c = cJSON_GetArrayItem(checks, 5);
	assert_string_equal(json_string(c, "drift"), "extra");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "extra")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "expected")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "message")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "file")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "line")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "column")));
	assert_string_equal(json_string(c, "observed"),
	    "a|b\nc <tag> & \"q\" 'a' \033[31mred\001 " FFFD FFFD " end\r\n");

	/* Deterministic: the same input renders the same bytes. */
	again = render("json", &f->report, f->ptrs, NCHECKS);
	assert_string_equal(text, again);
	free(again);

	/* The schema of docs/report.schema.json holds (python3-jsonschema). */
	assert_int_equal(json_schema_valid(text), 0);

	/* An independent strict parser agrees (jq, when installed). */
	rc = run_on(text, "jq", "-e", NULL);
	if (rc == -1)
		fprintf(stderr, "(jq not installed: not cross-checked)\n");
	else
		assert_int_equal(rc, 0);

	cJSON_Delete(root);
	free(text);
	free(f);
}

/* ---- markdown --------------------------------------------------------- */

/* Pipes that separate cells (not escaped with a backslash). */
static size_t
cell_separators(const char *line)
{
	size_t	n = 0;

	for (; *line != '\0'; line++) {
		if (*line == '\\' && line[1] != '\0')
			line++;
		else if (*line == '|')
			n++;
	}
	return n;
}

static void
test_markdown(void **state)
{
	struct fixture	*f = fixture_new();
	char		*text, *line, *row;

	(void)state;
	text = render("markdown", &f->report, f->ptrs, NCHECKS);
	assert_true(utf8_valid(text));
	assert_true(util_starts_with(text, "## topo: joelclaw\n"));
	assert_non_null(strstr(text, "| status | count |\n|---|---:|\n"));
	assert_non_null(strstr(text, "| ok | 1 |\n| drift | 2 |\n| error | 1 |\n"
	    "| unknown | 1 |\n| skipped | 1 |\n| **total** | 6 |\n"));
	assert_null(strstr(text, "No drift."));
	assert_non_null(strstr(text,
	    "| status | id | expected | observed | message | declared | evidence |\n"
	    "|---|---|---|---|---|---|---|\n"));
	/* Problems only, problems first; ok and skipped are not rows. */
	assert_true(offset_of(text, "| drift (changed) | http/talon-health |") <
	    offset_of(text, "| drift (extra) | k8s/joelclaw/Service/x\\|y |"));
	assert_true(offset_of(text, "| drift (extra) |") <
	    offset_of(text, "| error | redis/"));
	assert_true(offset_of(text, "| error | redis/") <
	    offset_of(text, "| unknown | launchd/"));
	assert_null(strstr(text, "port/3111"));
	assert_null(strstr(text, "source/host functions"));

	/* The hostile cell: one line, pipes escaped, markup neutralised. */
	row = line_with(text, "| drift (extra) |");
	assert_non_null(row);
	assert_int_equal(cell_separators(row), 8);
	assert_non_null(strstr(row, "a\\|b<br>c &lt;tag&gt; &amp; \"q\" 'a' "));
	assert_null(strchr(row, '\033'));
	assert_null(strchr(row, '\001'));
	assert_null(strchr(row, '\r'));
	free(row);
	/* Every table row has its number of cells. */
	line = line_with(text, "| drift (changed) |");
	assert_int_equal(cell_separators(line), 8);
	/* Where it is declared, and what the verdict rests on. */
	assert_non_null(strstr(line, "| status 200 | status 503 | status 503, expected 200 |"
	    " topology.yaml:40:5 | GET http://127.0.0.1:9999/health -&gt; 503 |"));
	free(line);
	free(text);
	free(f);
}

static void
test_markdown_no_drift(void **state)
{
	struct fixture	*f = fixture_new();
	char		*text;

	(void)state;
	f->report.exit_code = 0;
	text = render("markdown", &f->report, f->ptrs, 1);
	assert_non_null(strstr(text, "\nNo drift.\n"));
	assert_non_null(strstr(text, "**No drift**"));
	assert_null(strstr(text, "### Problems"));
	free(text);
	free(f);
}

static void
test_markdown_long_cell_is_cut(void **state)
{
	struct fixture	*f = fixture_new();
	char		*text, *row, *big;

	(void)state;
	big = xmalloc(5001);
	memset(big, 'x', 5000);
	big[5000] = '\0';
	f->checks[1].result.observed = big;
	text = render("markdown", &f->report, f->ptrs, NCHECKS);
	row = line_with(text, "| drift (changed) |");
	assert_true(strlen(row) < 1000);
	assert_non_null(strstr(row, "xxx\xe2\x80\xa6 |"));
	free(row);
	free(text);
	free(big);
	free(f);
}

/* ---- junit ------------------------------------------------------------ */

static void
test_junit(void **state)
{
	struct fixture		*f = fixture_new();
	char			*text;
	const unsigned char	*p;

	(void)state;
	text = render("junit", &f->report, f->ptrs, NCHECKS);
	assert_true(utf8_valid(text));
	assert_true(util_starts_with(text,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"topo\""
	    " tests=\"6\" failures=\"2\" errors=\"1\" skipped=\"2\" time=\"0.410\">\n"));
	assert_non_null(strstr(text, "<testsuite name=\"topo: joelclaw\" tests=\"6\""
	    " failures=\"2\" errors=\"1\" skipped=\"2\" time=\"0.410\""
	    " timestamp=\"2026-11-27T17:00:00Z\">"));
	assert_non_null(strstr(text,
	    "<property name=\"exit_code\" value=\"1\"/>"));

	assert_non_null(strstr(text,
	    "<testcase classname=\"ports\" name=\"port/3111\" time=\"0.002\"/>"));
	assert_non_null(strstr(text,
	    "<testcase classname=\"http\" name=\"http/talon-health\" time=\"0.012\""
	    " file=\"topology.yaml\" line=\"40\">\n"
	    "      <failure message=\"status 503, expected 200\" type=\"drift:changed\">"
	    "expected: status 200\nobserved: status 503\n"
	    "evidence: GET http://127.0.0.1:9999/health -&gt; 503\n"
	    "declared: topology.yaml:40:5\n</failure>\n    </testcase>\n"));
	assert_non_null(strstr(text, "<error message=\"connection refused\" type=\"error\">"
	    "evidence: redis://127.0.0.1:6379\n</error>"));
	assert_non_null(strstr(text,
	    "<skipped message=\"unknown: launchctl does not exist on Linux\"/>"));
	assert_non_null(strstr(text, "<skipped message=\"skipped: filtered out\"/>"));
	/* No message: the drift class stands in, never an empty headline. */
	assert_non_null(strstr(text,
	    "<failure message=\"drift:extra\" type=\"drift:extra\">"));

	/* Escaping of <>&"' and of control characters. */
	assert_non_null(strstr(text, "name=\"k8s/joelclaw/Service/x|y\""));
	assert_non_null(strstr(text, "observed: a|b\nc &lt;tag&gt; &amp; &quot;q&quot;"
	    " &apos;a&apos; " FFFD "[31mred" FFFD " " FFFD FFFD " end&#13;\n"));
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p < 0x20 && *p != '\n')
			fail_msg("raw control byte 0x%02x at %zu", *p,
			    (size_t)(p - (const unsigned char *)text));
	}
	assert_int_equal(strstr(text, "<testcase") != NULL, 1);
	assert_true(strstr(text, "</testsuites>\n") != NULL);

	/* Valid against the strict JUnit schema (scripts/deps.sh installs
	 * xmllint: its absence is a failure, not a skip). */
	assert_int_equal(junit_schema_valid(text), 0);
	free(text);
	free(f);
}

/* Attribute values keep tabs and newlines as references. */
static void
test_junit_attribute_whitespace(void **state)
{
	struct fixture	*f = fixture_new();
	char		*text;

	(void)state;
	f->checks[1].result.message = "two\tparts\nand <more>";
	f->topology.system = "sys\"tem'&";
	text = render("junit", &f->report, f->ptrs, NCHECKS);
	assert_non_null(strstr(text, "message=\"two&#9;parts&#10;and &lt;more&gt;\""));
	assert_non_null(strstr(text, "name=\"topo: sys&quot;tem&apos;&amp;\""));
	assert_int_equal(junit_schema_valid(text), 0);
	free(text);
	free(f);
}

/* Every byte value 1..255 in every field: still well-formed, still valid JSON. */
static void
test_every_byte(void **state)
{
	struct fixture	*f = fixture_new();
	char		 all[256], *text;
	cJSON		*root;
	int		 i, rc;

	(void)state;
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	for (i = 0; i < NCHECKS; i++) {
		f->checks[i].result.observed = all;
		f->checks[i].result.evidence = all;
		f->checks[i].result.message = all;
	}
	f->checks[2].id = all;
	f->topology.system = all;

	text = render("junit", &f->report, f->ptrs, NCHECKS);
	assert_true(utf8_valid(text));
	assert_int_equal(junit_schema_valid(text), 0);
	free(text);

	text = render("json", &f->report, f->ptrs, NCHECKS);
	assert_true(utf8_valid(text));
	root = cJSON_Parse(text);
	assert_non_null(root);
	cJSON_Delete(root);
	rc = run_on(text, "jq", "-e", NULL);
	if (rc != -1)
		assert_int_equal(rc, 0);
	free(text);

	f->report.color = 0;
	text = render("text", &f->report, f->ptrs, NCHECKS);
	assert_null(strchr(text, '\033'));
	assert_true(utf8_valid(text));
	free(text);

	text = render("markdown", &f->report, f->ptrs, NCHECKS);
	assert_null(strchr(text, '\033'));
	assert_true(utf8_valid(text));
	free(text);
	free(f);
}

/*
 * The JSON renderer reuses one object for every check: nothing of a check
 * may show in the next (a long value then a short one, a value then null,
 * a line then none, extra then not), and a check far larger than the
 * print buffer comes out whole.
 */
static void
test_json_checks_independent(void **state)
{
	struct check	 c[3];
	struct check	*p[3];
	struct report	 report;
	char		*text, *big;
	cJSON		*root, *checks, *x;
	size_t		 i, bigsize = 300 * 1024;

	(void)state;
	big = malloc(bigsize + 1);
	assert_non_null(big);
	for (i = 0; i < bigsize; i++)
		big[i] = i % 97 == 0 ? '\n' : (char)('a' + i % 26);
	big[bigsize] = '\0';
	memset(c, 0, sizeof c);
	c[0].id = "first";
	c[0].file = "t.yaml";
	c[0].line = 12;
	c[0].column = 3;
	c[0].extra = 1;
	c[0].result.status = STATUS_DRIFT;
	c[0].result.drift = DRIFT_EXTRA;
	c[0].result.evidence = big;
	c[0].result.message = "a rather long message for the first check";
	c[0].result.duration_ms = 12.5;
	c[1].id = "second";
	c[1].result.status = STATUS_OK;
	c[1].result.message = "short";
	c[2].id = "3";
	c[2].result.status = STATUS_ERROR;
	c[2].result.evidence = "e";
	c[2].result.duration_ms = 7;
	c[2].line = 1;
	c[2].column = 1;
	for (i = 0; i < 3; i++)
		p[i] = &c[i];
	memset(&report, 0, sizeof report);
	text = render("json", &report, p, 3);
	root = cJSON_Parse(text);
	assert_non_null(root);
	checks = cJSON_GetObjectItem(root, "checks");
	assert_int_equal(cJSON_GetArraySize(checks), 3);

	x = cJSON_GetArrayItem(checks, 0);
	assert_string_equal(json_string(x, "evidence"), big);
	assert_string_equal(json_string(x, "drift"), "extra");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(x, "extra")));
	assert_int_equal(json_number(x, "line"), 12);
	assert_true(json_number(x, "duration_ms") == 12.5);

	x = cJSON_GetArrayItem(checks, 1);
	assert_string_equal(json_string(x, "id"), "second");
	assert_string_equal(json_string(x, "message"), "short");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "evidence")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "drift")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "file")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "line")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "column")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(x, "extra")));
	assert_true(json_number(x, "duration_ms") == 0);

	x = cJSON_GetArrayItem(checks, 2);
	assert_string_equal(json_string(x, "id"), "3");
	assert_string_equal(json_string(x, "evidence"), "e");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "message")));
	assert_int_equal(json_number(x, "line"), 1);
	assert_true(json_number(x, "duration_ms") == 7);
	/* One check a line. */
	assert_non_null(strstr(text, "\n\t\t{\"id\":\"second\","));
	cJSON_Delete(root);
	free(text);
	free(big);
}

/*
 * The doc's promises where the results hold something else: "" is null
 * (never an empty string), a column of 0 is null, a drift class on a
 * status that is not drift is null, a check that did not run took 0 ms.
 */
static void
test_json_doc_promises(void **state)
{
	struct check	 c[3];
	struct check	*p[3];
	struct report	 report;
	char		*text;
	cJSON		*root, *x;
	size_t		 i;

	(void)state;
	memset(c, 0, sizeof c);
	c[0].id = "empty";
	c[0].file = "t.yaml";
	c[0].line = 4;
	c[0].column = 0;
	c[0].result.status = STATUS_UNKNOWN;
	c[0].result.expected = "";
	c[0].result.observed = "";
	c[0].result.message = "";
	c[0].result.evidence = "";
	c[0].result.drift = DRIFT_CHANGED;
	c[0].result.duration_ms = 3;
	c[1].id = "skipped";
	c[1].result.status = STATUS_SKIPPED;
	c[1].result.duration_ms = 9;
	c[2].id = "interrupted";
	c[2].result.status = STATUS_NOT_RUN;
	c[2].result.duration_ms = 5;
	for (i = 0; i < 3; i++)
		p[i] = &c[i];
	memset(&report, 0, sizeof report);
	report.layers = "live";
	text = render("json", &report, p, 3);
	root = cJSON_Parse(text);
	assert_non_null(root);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "system")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "topology")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "started_at")));
	assert_string_equal(json_string(root, "topo_version"), TOPO_VERSION);

	x = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "checks"), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "expected")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "observed")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "message")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "evidence")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "drift")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "kind")));
	assert_int_equal(json_number(x, "line"), 4);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "column")));
	assert_true(json_number(x, "duration_ms") == 3);

	x = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "checks"), 1);
	assert_string_equal(json_string(x, "status"), "skipped");
	assert_true(json_number(x, "duration_ms") == 0);
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "checks"), 2);
	assert_string_equal(json_string(x, "status"), "not_run");
	assert_true(json_number(x, "duration_ms") == 0);
	cJSON_Delete(root);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_utf8_repair),
		cmocka_unit_test(test_sort_is_stable_problems_first),
		cmocka_unit_test(test_write_counts),
		cmocka_unit_test(test_write_error_is_reported),
		cmocka_unit_test(test_all_null),
		cmocka_unit_test(test_text_plain),
		cmocka_unit_test(test_text_color),
		cmocka_unit_test(test_text_empty),
		cmocka_unit_test(test_bad_durations),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_markdown_no_drift),
		cmocka_unit_test(test_markdown_long_cell_is_cut),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_junit_attribute_whitespace),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_json_checks_independent),
		cmocka_unit_test(test_json_doc_promises),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
