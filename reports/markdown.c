/*
 * markdown.c: the Markdown renderer, sized for a CI step summary
 * ($GITHUB_STEP_SUMMARY and the like): a heading with the system name, a
 * table of counts, then a table of the problems (or "No drift."), each
 * with where the topology declares it (file:line:column) and the evidence
 * its verdict rests on (the file:line, argv or URL a probe read). Every
 * value is escaped for a GitHub-flavoured table cell: pipes, newlines,
 * HTML and emphasis characters cannot break the table or inject markup.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/util.h"

/* Code points per cell: a list of 200 names must not swamp the summary. */
#define MARKDOWN_CELL_MAX	300

struct markdown_state {
	const struct check	**problems;
	size_t			  count;
	size_t			  alloc;
};

/* For report_escape: arg points to the count of code points written so far. */
static size_t
markdown_cell_byte(struct buf *b, const unsigned char *p, void *arg)
{
	size_t		*points = arg;
	const char	*entity;

	if ((*p & 0xc0) != 0x80 && (*points)++ == MARKDOWN_CELL_MAX) {
		buf_puts(b, "\xe2\x80\xa6");
		return 0;
	}
	if ((entity = report_entity(*p)) != NULL) {
		buf_puts(b, entity);
		return 1;
	}
	switch (*p) {
	case '|':
	case '\\':
	case '`':
	case '*':
	case '_':
	case '[':
	case ']':
	case '~':
		buf_printf(b, "\\%c", *p);
		break;
	case '\n':
		buf_puts(b, "<br>");
		break;
	case '\r':
		break;
	case '\t':
		buf_puts(b, " ");
		break;
	default:
		if (*p < 0x20 || *p == 0x7f)
			buf_puts(b, "\xef\xbf\xbd");
		else
			buf_append(b, p, 1);
		break;
	}
	return 1;
}

/*
 * s (NULL reads as "") escaped for a table cell, cut at MARKDOWN_CELL_MAX
 * code points with an ellipsis.
 */
static char *
markdown_cell(const char *s)
{
	size_t	points = 0;

	return report_escape(s, markdown_cell_byte, &points);
}

/*
 * The headline's first words: drift and error both fail the run, and are
 * named apart ("**Drift found**, **2 errors**": the system differs, or it did
 * not answer); "**Failed**" when only --strict's unknowns did.
 */
static char *
markdown_verdict(const struct report *report)
{
	size_t	drift = report->counts[STATUS_DRIFT];
	size_t	error = report->counts[STATUS_ERROR];

	if (drift > 0 && error > 0)
		return xasprintf("**Drift found**, **%zu error%s**", error,
		    error == 1 ? "" : "s");
	if (drift > 0)
		return xstrdup("**Drift found**");
	if (error > 0)
		return xasprintf("**%zu error%s**", error, error == 1 ? "" : "s");
	if (report->exit_code != 0)
		return xstrdup("**Failed**");
	return xstrdup("**No drift**");
}

static void
markdown_begin(struct report *report)
{
	static const enum status shown[] = {
		STATUS_OK, STATUS_DRIFT, STATUS_ERROR, STATUS_UNKNOWN, STATUS_SKIPPED
	};
	const struct topology	*t = report->topology;
	const char		*path;
	char			*system, *where, *verdict, *layers;
	long			 cs;
	size_t			 i;

	report->state = xcalloc(1, sizeof (struct markdown_state));

	system = markdown_cell(t != NULL && t->system != NULL ? t->system : "");
	fprintf(report->out, "## topo%s%s\n\n", *system != '\0' ? ": " : "", system);
	free(system);

	verdict = markdown_verdict(report);
	path = report->topology_path;
	if (path == NULL && t != NULL)
		path = t->path;
	where = markdown_cell(path);
	layers = markdown_cell(report->layers != NULL ? report->layers : "all");
	cs = report->duration_ms > 0 && isfinite(report->duration_ms) ?
	    lround(report->duration_ms / 10.0) : 0;
	fprintf(report->out, "%s \xe2\x80\x94 exit %d \xc2\xb7 %zu checks \xc2\xb7 "
	    "%ld.%02ld s \xc2\xb7 layers: %s", verdict, report->exit_code,
	    report->total, cs / 100, cs % 100, layers);
	if (*where != '\0')
		fprintf(report->out, " \xc2\xb7 %s", where);
	fputs("\n\n", report->out);
	free(layers);
	free(where);
	free(verdict);

	fputs("| status | count |\n|---|---:|\n", report->out);
	for (i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		fprintf(report->out, "| %s | %zu |\n", status_name(shown[i]),
		    report->counts[shown[i]]);
	}
	if (report->counts[STATUS_NOT_RUN] > 0)
		fprintf(report->out, "| not run (interrupted) | %zu |\n",
		    report->counts[STATUS_NOT_RUN]);
	fprintf(report->out, "| **total** | %zu |\n\n", report->total);
}

static void
markdown_result(struct report *report, const struct check *check)
{
	struct markdown_state	*ms = report->state;
	enum status		 s = check->result.status;

	if (s != STATUS_DRIFT && s != STATUS_ERROR && s != STATUS_UNKNOWN)
		return;
	if (ms->count == ms->alloc) {
		ms->alloc = ms->alloc == 0 ? 32 : ms->alloc * 2;
		ms->problems = xreallocarray(ms->problems, ms->alloc,
		    sizeof *ms->problems);
	}
	ms->problems[ms->count++] = check;
}

/* Where the check is declared: "file:line:column", "file", or NULL. */
static char *
markdown_declared(const struct check *check)
{
	if (check->file == NULL || *check->file == '\0')
		return NULL;
	if (check->line <= 0)
		return xstrdup(check->file);
	if (check->column <= 0)
		return xasprintf("%s:%d", check->file, check->line);
	return xasprintf("%s:%d:%d", check->file, check->line, check->column);
}

#define MARKDOWN_PROBLEM_CELLS	6

static void
markdown_row(struct report *report, const struct check *check)
{
	const struct result	*r = &check->result;
	char			*cells[MARKDOWN_PROBLEM_CELLS], *declared, *text;
	size_t			 i;

	/* A consequence, listed under its root cause: "↳ id", "caused by ROOT". */
	declared = markdown_declared(check);
	text = xasprintf("%s%s", r->cause != NULL ? "\xe2\x86\xb3 " : "", check->id);
	cells[0] = markdown_cell(text);
	free(text);
	cells[1] = markdown_cell(r->expected);
	cells[2] = markdown_cell(r->observed);
	text = r->cause == NULL ? xstrdup(r->message != NULL ? r->message : "") :
	    xasprintf("caused by %s: %s", causes_root(check)->id,
	    r->message != NULL ? r->message : "");
	cells[3] = markdown_cell(text);
	free(text);
	cells[4] = markdown_cell(declared);
	cells[5] = markdown_cell(r->evidence);
	free(declared);
	if (r->status == STATUS_DRIFT && r->drift != DRIFT_NONE)
		fprintf(report->out, "| %s (%s) |", status_name(r->status),
		    drift_name(r->drift));
	else
		fprintf(report->out, "| %s |", status_name(r->status));
	for (i = 0; i < MARKDOWN_PROBLEM_CELLS; i++) {
		fprintf(report->out, " %s |", cells[i]);
		free(cells[i]);
	}
	fputc('\n', report->out);
}

static int
markdown_end(struct report *report)
{
	struct markdown_state	*ms = report->state;
	size_t			 i, drifts = 0;

	for (i = 0; i < ms->count; i++) {
		if (ms->problems[i]->result.status == STATUS_DRIFT)
			drifts++;
	}
	if (drifts == 0 && report->counts[STATUS_ERROR] > 0)
		fputs("No drift found, but the checks in error got no answer: "
		    "the run fails.\n", report->out);
	else if (drifts == 0)
		fputs("No drift.\n", report->out);
	if (ms->count > 0) {
		if (drifts == 0)
			fputc('\n', report->out);
		report_sort(ms->problems, ms->count);
		fputs("### Problems\n\n"
		    "| status | id | expected | observed | message | declared | evidence |\n"
		    "|---|---|---|---|---|---|---|\n", report->out);
		for (i = 0; i < ms->count; i++)
			markdown_row(report, ms->problems[i]);
	}
	free(ms->problems);
	free(ms);
	report->state = NULL;
	return ferror(report->out) ? -1 : 0;
}

const struct report_ops report_markdown = {
	.name = "markdown",
	.begin = markdown_begin,
	.result = markdown_result,
	.end = markdown_end,
};
