/*
 * html.c: the status page of `topo serve` (/): one self-contained HTML
 * document, no script, no external asset (the style is inline), refreshed
 * by <meta http-equiv="refresh">. Problems come first (report_sort), each
 * with what was expected, what was observed and the evidence, like the
 * dashboard's detail pane; passing checks follow, one short row each.
 * Every piece of text is HTML-escaped (html_escape); attribute values are
 * topo's own words (status names).
 *
 * Row colours are part of the interface: tests/integration/serve.sh finds
 * the problem rows in a screenshot by their background (drift #ffc8c8,
 * error #ffe0a8, unknown #e4e4e4, ok #dcf2dc).
 */
#include "status.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../probes/probe.h"
#include "../util/buf.h"
#include "../util/util.h"

static size_t
html_byte(struct buf *b, const unsigned char *p, void *arg)
{
	const char	*entity = report_entity(*p);

	(void)arg;
	if (entity != NULL)
		buf_puts(b, entity);
	else if (*p == '"')
		buf_puts(b, "&quot;");
	else if (*p == '\'')
		buf_puts(b, "&#39;");
	else if (*p < 0x20 && *p != '\n' && *p != '\t')
		buf_puts(b, "\xef\xbf\xbd");	/* not allowed in HTML text */
	else
		buf_append(b, p, 1);
	return 1;
}

char *
html_escape(const char *s)
{
	return report_escape(s, html_byte, NULL);
}

/* Writes s escaped; NULL or "" as an em dash. */
static void
html_text(FILE *f, const char *s)
{
	char	*e;

	if (s == NULL || *s == '\0') {
		fputs("\xe2\x80\x94", f);
		return;
	}
	e = html_escape(s);
	fputs(e, f);
	free(e);
}

/* Text written with redaction first (the planned summary is raw). */
static void
html_redacted(FILE *f, const struct report *r, const char *s)
{
	char	*red;

	if (s == NULL) {
		html_text(f, NULL);
		return;
	}
	red = topology_redact(r->topology, s);
	html_text(f, red);
	free(red);
}

static const char html_style[] =
	"body{font-family:sans-serif;margin:1em;background:#fff;color:#111}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{border:1px solid #999;padding:4px 6px;text-align:left;vertical-align:top}"
	"th{background:#eee}"
	"pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:90%}"
	"tr.drift td{background:#ffc8c8}"
	"tr.error td{background:#ffe0a8}"
	"tr.unknown td{background:#e4e4e4}"
	"tr.ok td{background:#dcf2dc}"
	"tr.pending td{background:#ffffff}"
	".summary span{margin-right:1.5em}";

int
html_write(FILE *f, const struct report *r, const struct status_run *run,
    struct check *const *checks, size_t count)
{
	const struct check	**sorted, *c;
	size_t			  i, n = 0, problems = 0;
	size_t			  counts[STATUS_COUNT] = { 0 };
	char			  when[64] = "never";
	struct tm		  tm;
	time_t			  t;
	enum status		  st;

	sorted = xcalloc(count + 1, sizeof *sorted);
	for (i = 0; i < count; i++) {
		if (checks[i]->skipped)
			continue;
		sorted[n++] = checks[i];
		st = checks[i]->result.status;
		if (st == STATUS_RUNNING)
			st = STATUS_PENDING;
		counts[st]++;
		if (status_is_problem(st, 1))
			problems++;
	}
	report_sort(sorted, n);
	if (r->started_at > 0) {
		t = (time_t)r->started_at;
		if (gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	}

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"refresh\" content=\"%d\">\n"
	    "<title>topo: %zu drift, %zu error, %zu unknown</title>\n"
	    "<style>%s</style>\n</head>\n<body>\n",
	    run->interval, counts[STATUS_DRIFT], counts[STATUS_ERROR],
	    counts[STATUS_UNKNOWN], html_style);
	fputs("<h1>topo: ", f);
	html_text(f, r->topology_path);
	fputs("</h1>\n<p class=\"summary\">", f);
	fprintf(f, "<span id=\"drift\">%zu drift</span><span id=\"error\">%zu error</span>"
	    "<span id=\"unknown\">%zu unknown</span><span id=\"ok\">%zu ok</span>"
	    "<span id=\"pending\">%zu pending</span></p>\n",
	    counts[STATUS_DRIFT], counts[STATUS_ERROR], counts[STATUS_UNKNOWN],
	    counts[STATUS_OK], counts[STATUS_PENDING]);
	fprintf(f, "<p>%s; last run started %s, took %.0f ms; runs so far: %lu; "
	    "refreshed every %d s.</p>\n",
	    run->ready ? "ready" : "first run in flight", when, r->duration_ms,
	    run->runs, run->interval);

	fprintf(f, "<h2>Problems (%zu)</h2>\n", problems);
	if (problems == 0)
		fputs("<p id=\"no-problems\">No drift, no error, nothing unknown.</p>\n", f);
	else {
		fputs("<table id=\"problems\">\n<tr><th>status</th><th>check</th>"
		    "<th>expected</th><th>observed</th><th>evidence</th></tr>\n", f);
		for (i = 0; i < n; i++) {
			c = sorted[i];
			if (!status_is_problem(c->result.status, 1))
				continue;
			fprintf(f, "<tr class=\"%s\"><td>%s", status_name(c->result.status),
			    status_name(c->result.status));
			if (c->result.status == STATUS_DRIFT && c->result.drift != DRIFT_NONE)
				fprintf(f, " (%s)", drift_name(c->result.drift));
			fputs("</td><td><b>", f);
			html_redacted(f, r, c->id);
			fputs("</b><br>", f);
			html_text(f, c->probe != NULL ? c->probe->name : "?");
			fprintf(f, ", %s", layer_name(c->layer));
			if (c->file != NULL && *c->file != '\0') {
				fputs(", ", f);
				html_text(f, c->file);
				if (c->line > 0)
					fprintf(f, ":%d:%d", c->line, c->column);
			}
			if (c->result.message != NULL && *c->result.message != '\0') {
				fputs("<br>", f);
				html_text(f, c->result.message);
			}
			fputs("</td><td><pre>", f);
			html_text(f, c->result.expected);
			fputs("</pre></td><td><pre>", f);
			html_text(f, c->result.observed);
			fputs("</pre></td><td><pre>", f);
			html_text(f, c->result.evidence);
			fputs("</pre></td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}

	fprintf(f, "<h2>Passing and pending (%zu)</h2>\n", n - problems);
	fputs("<table id=\"checks\">\n<tr><th>status</th><th>check</th><th>kind</th>"
	    "<th>layer</th><th>what it checks</th><th>ms</th></tr>\n", f);
	for (i = 0; i < n; i++) {
		c = sorted[i];
		if (status_is_problem(c->result.status, 1))
			continue;
		st = c->result.status == STATUS_RUNNING ? STATUS_PENDING :
		    c->result.status;
		fprintf(f, "<tr class=\"%s\"><td>%s</td><td>", status_name(st),
		    status_name(st));
		html_redacted(f, r, c->id);
		fputs("</td><td>", f);
		html_text(f, c->probe != NULL ? c->probe->name : "?");
		fprintf(f, "</td><td>%s</td><td>", layer_name(c->layer));
		html_redacted(f, r, c->summary);
		fprintf(f, "</td><td>%.0f</td></tr>\n", c->result.duration_ms);
	}
	fputs("</table>\n</body>\n</html>\n", f);
	free(sorted);
	return ferror(f) ? -1 : 0;
}
