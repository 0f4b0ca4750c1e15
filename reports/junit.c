/*
 * junit.c: the JUnit XML renderer, for CI systems that show test results.
 * One <testsuite> for the run, one <testcase> per check (classname = its
 * kind, name = its id): drift is a <failure>, error an <error>, unknown and
 * skipped are <skipped>. Whatever bytes a probe observed, the document is
 * well-formed XML 1.0: text is repaired to valid UTF-8, markup characters
 * are escaped and characters XML 1.0 forbids are replaced by U+FFFD. The
 * tests validate every report against a strict JUnit schema
 * (tests/schema/junit.xsd): a testcase has one outcome at most, every
 * failure and error a non-empty message and type.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "../probes/probe.h"
#include "../util/buf.h"
#include "../util/util.h"

/* For report_escape: arg points to junit_escape's attribute. */
static size_t
junit_escape_byte(struct buf *b, const unsigned char *p, void *arg)
{
	const int	*attribute = arg;
	const char	*entity;

	if ((entity = report_entity(*p)) != NULL) {
		buf_puts(b, entity);
		return 1;
	}
	switch (*p) {
	case '"':
		buf_puts(b, "&quot;");
		break;
	case '\'':
		buf_puts(b, "&apos;");
		break;
	case '\t':
	case '\n':
		if (*attribute)
			buf_printf(b, "&#%d;", *p);
		else
			buf_append(b, p, 1);
		break;
	case '\r':
		/* A raw CR would be read back as a newline. */
		buf_puts(b, "&#13;");
		break;
	default:
		if (*p < 0x20) {
			/* Not a character of XML 1.0, not even as a reference. */
			buf_puts(b, "\xef\xbf\xbd");
		} else if (*p == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
			/* U+FFFE and U+FFFF are not XML characters either. */
			buf_puts(b, "\xef\xbf\xbd");
			return 3;
		} else
			buf_append(b, p, 1);
		break;
	}
	return 1;
}

/*
 * s (NULL reads as "") escaped for XML 1.0 element text, or for a
 * double-quoted attribute value when attribute is set (there tab, newline
 * and carriage return become character references, which attribute value
 * normalisation would otherwise turn into spaces).
 */
static char *
junit_escape(const char *s, int attribute)
{
	return report_escape(s, junit_escape_byte, &attribute);
}

/* Writes name="escaped value" with a leading space. */
static void
junit_attribute(struct report *report, const char *name, const char *value)
{
	char	*v = junit_escape(value, 1);

	fprintf(report->out, " %s=\"%s\"", name, v);
	free(v);
}

/* Seconds with three decimals, whatever LC_NUMERIC says. */
static void
junit_time(struct report *report, double ms)
{
	long	whole = ms > 0 && isfinite(ms) ? lround(ms) : 0;

	fprintf(report->out, " time=\"%ld.%03ld\"", whole / 1000, whole % 1000);
}

static void
junit_counts(struct report *report)
{
	size_t	skipped;

	skipped = report->counts[STATUS_UNKNOWN] + report->counts[STATUS_SKIPPED] +
	    report->counts[STATUS_PENDING] + report->counts[STATUS_RUNNING] +
	    report->counts[STATUS_NOT_RUN];
	fprintf(report->out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\""
	    " skipped=\"%zu\"", report->total, report->counts[STATUS_DRIFT],
	    report->counts[STATUS_ERROR], skipped);
	junit_time(report, report->duration_ms);
}

static void
junit_property(struct report *report, const char *name, const char *value)
{
	fputs("      <property", report->out);
	junit_attribute(report, "name", name);
	junit_attribute(report, "value", value);
	fputs("/>\n", report->out);
}

static void
junit_begin(struct report *report)
{
	const struct topology	*t = report->topology;
	const char		*system, *path;
	char			*name, when[32], code[16];

	system = t != NULL && t->system != NULL ? t->system : "";
	path = report->topology_path;
	if (path == NULL && t != NULL)
		path = t->path;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites",
	    report->out);
	junit_attribute(report, "name", "topo");
	junit_counts(report);
	fputs(">\n  <testsuite", report->out);
	name = xasprintf("topo: %s", system);
	junit_attribute(report, "name", name);
	free(name);
	junit_counts(report);
	if (report->started_at > 0) {
		util_iso_time(when, sizeof when, report->started_at);
		junit_attribute(report, "timestamp", when);
	}
	fputs(">\n    <properties>\n", report->out);
	junit_property(report, "topo_version", TOPO_VERSION);
	if (path != NULL)
		junit_property(report, "topology", path);
	junit_property(report, "layers",
	    report->layers != NULL ? report->layers : "all");
	junit_property(report, "strict", report->strict ? "true" : "false");
	snprintf(code, sizeof code, "%d", report->exit_code);
	junit_property(report, "exit_code", code);
	fputs("    </properties>\n", report->out);
}

/* The body of a failure or error: what a reader needs to see why. */
static void
junit_details(struct report *report, const struct check *check)
{
	const struct result	*r = &check->result;
	struct buf		 b;
	char			*text;

	buf_init(&b, 0);
	if (r->cause != NULL) {
		text = causes_chain(check);
		buf_printf(&b, "caused by: %s\n", text);
		free(text);
	}
	if (r->expected != NULL && *r->expected != '\0')
		buf_printf(&b, "expected: %s\n", r->expected);
	if (r->observed != NULL && *r->observed != '\0')
		buf_printf(&b, "observed: %s\n", r->observed);
	if (r->evidence != NULL && *r->evidence != '\0')
		buf_printf(&b, "evidence: %s\n", r->evidence);
	if (check->file != NULL && *check->file != '\0') {
		if (check->line > 0)
			buf_printf(&b, "declared: %s:%d:%d\n", check->file,
			    check->line, check->column);
		else
			buf_printf(&b, "declared: %s\n", check->file);
	}
	text = junit_escape(buf_str(&b), 0);
	fputs(text, report->out);
	free(text);
	buf_free(&b);
}

static void
junit_result(struct report *report, const struct check *check)
{
	const struct result	*r = &check->result;
	const char		*message = r->message != NULL ? r->message : "";
	char			*type, *why;
	char			 line[16];

	fputs("    <testcase", report->out);
	junit_attribute(report, "classname",
	    check->probe != NULL ? check->probe->name : "");
	junit_attribute(report, "name", check->id);
	junit_time(report, r->duration_ms);
	if (check->file != NULL && *check->file != '\0') {
		junit_attribute(report, "file", check->file);
		if (check->line > 0) {
			snprintf(line, sizeof line, "%d", check->line);
			junit_attribute(report, "line", line);
		}
	}

	switch (r->status) {
	case STATUS_OK:
		fputs("/>\n", report->out);
		return;
	case STATUS_DRIFT:
		fputs(">\n      <failure", report->out);
		type = r->drift != DRIFT_NONE ?
		    xasprintf("drift:%s", drift_name(r->drift)) : xstrdup("drift");
		/* CI tools show the message as the headline: never leave it empty. */
		junit_attribute(report, "message", *message != '\0' ? message : type);
		junit_attribute(report, "type", type);
		free(type);
		fputs(">", report->out);
		junit_details(report, check);
		fputs("</failure>\n", report->out);
		break;
	case STATUS_ERROR:
		fputs(">\n      <error", report->out);
		junit_attribute(report, "message", *message != '\0' ? message :
		    "the probe could not complete");
		junit_attribute(report, "type", "error");
		fputs(">", report->out);
		junit_details(report, check);
		fputs("</error>\n", report->out);
		break;
	case STATUS_UNKNOWN:
	case STATUS_SKIPPED:
	case STATUS_PENDING:
	case STATUS_RUNNING:
	case STATUS_NOT_RUN:
	default:
		fputs(">\n      <skipped", report->out);
		if (*message == '\0' && r->status == STATUS_SKIPPED)
			message = "filtered out";
		else if (*message == '\0' && r->status != STATUS_UNKNOWN)
			message = "not run";
		why = xasprintf("%s: %s", status_name(r->status), message);
		junit_attribute(report, "message", why);
		free(why);
		fputs("/>\n", report->out);
		break;
	}
	fputs("    </testcase>\n", report->out);
}

static int
junit_end(struct report *report)
{
	fputs("  </testsuite>\n</testsuites>\n", report->out);
	return ferror(report->out) ? -1 : 0;
}

const struct report_ops report_junit = {
	.name = "junit",
	.begin = junit_begin,
	.result = junit_result,
	.end = junit_end,
};
