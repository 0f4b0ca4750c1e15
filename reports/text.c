/*
 * text.c: the terminal renderer. Aligned columns (status, id, message),
 * problems first, each problem followed by its expected / observed /
 * evidence block, skipped checks counted but not listed, and one summary
 * line. Escape codes only when report->color; values observed from outside
 * are made safe to print on a terminal either way.
 */
#include "report.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../probes/probe.h"
#include "../util/buf.h"
#include "../util/util.h"

/*
 * Colour roles: the one place that says how each kind of word looks (SGR
 * parameters). Everything else asks for a role, never for a colour.
 */
#define TEXT_ROLES				\
	TEXT_ROLE(OK,		"32")		\
	TEXT_ROLE(DRIFT,	"1;33")		\
	TEXT_ROLE(ERROR,	"1;31")		\
	TEXT_ROLE(UNKNOWN,	"36")		\
	TEXT_ROLE(SKIPPED,	"2")		\
	TEXT_ROLE(PENDING,	"2")		\
	TEXT_ROLE(LABEL,	"2")		\
	TEXT_ROLE(PLAIN,	"")

enum text_role {
#define TEXT_ROLE(name, sgr) TEXT_ROLE_##name,
	TEXT_ROLES
#undef TEXT_ROLE
};

static const char *const text_role_sgr[] = {
#define TEXT_ROLE(name, sgr) sgr,
	TEXT_ROLES
#undef TEXT_ROLE
};

/* Widest status word ("unknown", "skipped", "pending", "running"). */
#define TEXT_STATUS_WIDTH	7
/* Ids longer than this push their message right instead of widening every row. */
#define TEXT_ID_WIDTH_MAX	48
#define TEXT_LABEL_WIDTH	10

struct text_state {
	const struct check	**checks;
	size_t			  count;
	size_t			  alloc;
	size_t			  skipped;
};

static enum text_role
text_status_role(enum status status)
{
	switch (status) {
	case STATUS_OK:
		return TEXT_ROLE_OK;
	case STATUS_DRIFT:
		return TEXT_ROLE_DRIFT;
	case STATUS_ERROR:
		return TEXT_ROLE_ERROR;
	case STATUS_UNKNOWN:
		return TEXT_ROLE_UNKNOWN;
	case STATUS_SKIPPED:
		return TEXT_ROLE_SKIPPED;
	case STATUS_PENDING:
	case STATUS_RUNNING:
	case STATUS_NOT_RUN:
		return TEXT_ROLE_PENDING;
	}
	return TEXT_ROLE_PLAIN;
}

static void
text_put(struct report *report, enum text_role role, const char *s)
{
	const char	*sgr = text_role_sgr[role];

	if (report->color && *sgr != '\0')
		fprintf(report->out, "\033[%sm%s\033[0m", sgr, s);
	else
		fputs(s, report->out);
}

/* For report_escape: arg points to text_clean's multiline. */
static size_t
text_clean_byte(struct buf *b, const unsigned char *p, void *arg)
{
	const int	*multiline = arg;

	if (*p == '\n' && *multiline)
		buf_puts(b, "\n");
	else if (*p == '\n')
		buf_puts(b, "\\n");
	else if (*p == '\t')
		buf_puts(b, " ");
	else if (*p < 0x20 || *p == 0x7f)
		buf_printf(b, "\\x%02x", *p);
	else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
		/* C1 controls: U+009B is a CSI to some terminals. */
		buf_printf(b, "\\u%04x", p[1]);
		return 2;
	} else
		buf_append(b, p, 1);
	return 1;
}

/*
 * A copy of s (NULL reads as "") that a terminal shows as text: valid
 * UTF-8, C0 and C1 controls and DEL written as visible escapes (an ESC in
 * an observed value must not reach the terminal), tabs as spaces. Newlines
 * are kept when multiline, else shown as "\n".
 */
static char *
text_clean(const char *s, int multiline)
{
	return report_escape(s, text_clean_byte, &multiline);
}

/* Columns a clean UTF-8 string takes (one per code point). */
static size_t
text_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

static void
text_pad(struct report *report, size_t n)
{
	while (n-- > 0)
		fputc(' ', report->out);
}

static void
text_begin(struct report *report)
{
	report->state = xcalloc(1, sizeof (struct text_state));
}

static void
text_result(struct report *report, const struct check *check)
{
	struct text_state	*ts = report->state;

	if (check->result.status == STATUS_SKIPPED) {
		ts->skipped++;
		return;
	}
	if (ts->count == ts->alloc) {
		ts->alloc = ts->alloc == 0 ? 64 : ts->alloc * 2;
		ts->checks = xreallocarray(ts->checks, ts->alloc, sizeof *ts->checks);
	}
	ts->checks[ts->count++] = check;
}

/* One "label: value" line of a problem's block; continuation lines aligned. */
static void
text_detail(struct report *report, const char *label, const char *value)
{
	char		*clean, *line, *next;
	const size_t	 indent = TEXT_STATUS_WIDTH + 2;
	size_t		 len;

	if (value == NULL || *value == '\0')
		return;
	clean = text_clean(value, 1);
	/* A value's last newline would only print an empty, padded line. */
	for (len = strlen(clean); len > 0 && clean[len - 1] == '\n'; len--)
		clean[len - 1] = '\0';
	text_pad(report, indent);
	text_put(report, TEXT_ROLE_LABEL, label);
	text_pad(report, TEXT_LABEL_WIDTH - strlen(label));
	for (line = clean; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line != clean)
			text_pad(report, indent + TEXT_LABEL_WIDTH);
		fprintf(report->out, "%s\n", line);
	}
	free(clean);
}

static void
text_problem_block(struct report *report, const struct check *check)
{
	const struct result	*r = &check->result;
	const struct text_state	*ts = report->state;
	char			*declared, *drift, *chain, *folded;
	size_t			 n;

	if (r->status == STATUS_DRIFT && r->drift != DRIFT_NONE) {
		drift = xasprintf("%s%s", drift_name(r->drift),
		    r->drift == DRIFT_MISSING ? " (declared, not found)" :
		    r->drift == DRIFT_EXTRA ? " (found, not declared)" :
		    " (found, different)");
		text_detail(report, "drift:", drift);
		free(drift);
	}
	if (r->cause != NULL) {
		/* Folded under its root cause, listed just above: the chain
		 * instead of expected and observed, but still what its own
		 * verdict rests on (every failing check says where to look). */
		chain = causes_chain(check);
		text_detail(report, "cause:", chain);
		free(chain);
		text_detail(report, "evidence:", r->evidence);
	} else {
		text_detail(report, "expected:", r->expected);
		text_detail(report, "observed:", r->observed);
		text_detail(report, "evidence:", r->evidence);
		folded = report_folded(ts->checks, ts->count, check, &n);
		if (folded != NULL) {
			chain = xasprintf("%zu %s because of it: %s", n,
			    n == 1 ? "check fails" : "checks fail", folded);
			text_detail(report, "root of:", chain);
			free(chain);
			free(folded);
		}
	}
	if (check->file != NULL && *check->file != '\0') {
		if (check->line > 0)
			declared = xasprintf("%s:%d:%d", check->file, check->line,
			    check->column);
		else
			declared = xstrdup(check->file);
		text_detail(report, "declared:", declared);
		free(declared);
	}
}

static void
text_row(struct report *report, const struct check *check, size_t id_width)
{
	const struct result	*r = &check->result;
	const char		*word = status_name(r->status);
	const char		*message;
	char			*id, *text;
	size_t			 w;

	text_put(report, text_status_role(r->status), word);
	text_pad(report, TEXT_STATUS_WIDTH + 2 - strlen(word));

	id = text_clean(check->id, 0);
	message = r->message != NULL && *r->message != '\0' ? r->message :
	    check->summary;
	text = text_clean(message, 0);
	fputs(id, report->out);
	if (*text != '\0') {
		w = text_width(id);
		text_pad(report, (w < id_width ? id_width - w : 0) + 2);
		fputs(text, report->out);
	}
	fputc('\n', report->out);
	free(text);
	free(id);

	if (r->status == STATUS_DRIFT || r->status == STATUS_ERROR ||
	    r->status == STATUS_UNKNOWN)
		text_problem_block(report, check);
}

/* "0.41": seconds with two decimals, whatever LC_NUMERIC says. */
static char *
text_seconds(double ms)
{
	long	cs = ms > 0 && isfinite(ms) ? lround(ms / 10.0) : 0;

	return xasprintf("%ld.%02ld", cs / 100, cs % 100);
}

static void
text_summary(struct report *report)
{
	static const enum status shown[] = {
		STATUS_OK, STATUS_DRIFT, STATUS_ERROR, STATUS_UNKNOWN, STATUS_SKIPPED
	};
	char	*n, *seconds;
	size_t	 i, count;

	fprintf(report->out, "%zu %s:", report->total,
	    report->total == 1 ? "check" : "checks");
	for (i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		count = report->counts[shown[i]];
		n = xasprintf("%zu %s", count, status_name(shown[i]));
		fputs(i == 0 ? " " : ", ", report->out);
		text_put(report, count > 0 && shown[i] != STATUS_SKIPPED ?
		    text_status_role(shown[i]) : TEXT_ROLE_PLAIN, n);
		free(n);
	}
	if (report->counts[STATUS_NOT_RUN] > 0)
		fprintf(report->out, ", %zu not run", report->counts[STATUS_NOT_RUN]);
	seconds = text_seconds(report->duration_ms);
	if (report->interrupted != 0)
		fprintf(report->out, " (%s s, interrupted by %s)", seconds,
		    report->interrupted == SIGTERM ? "SIGTERM" : "SIGINT");
	else
		fprintf(report->out, " (%s s)", seconds);
	fprintf(report->out, " \xe2\x80\x94 exit %d\n", report->exit_code);
	free(seconds);
}

static int
text_end(struct report *report)
{
	struct text_state	*ts = report->state;
	size_t			 i, w, id_width = 0;
	char			*id;

	report_sort(ts->checks, ts->count);
	for (i = 0; i < ts->count; i++) {
		id = text_clean(ts->checks[i]->id, 0);
		w = text_width(id);
		free(id);
		if (w > id_width && w <= TEXT_ID_WIDTH_MAX)
			id_width = w;
	}
	for (i = 0; i < ts->count; i++)
		text_row(report, ts->checks[i], id_width);
	if (ts->skipped > 0) {
		fprintf(report->out, "(%zu skipped %s not shown)\n", ts->skipped,
		    ts->skipped == 1 ? "check" : "checks");
	}
	if (ts->count > 0 || ts->skipped > 0)
		fputc('\n', report->out);
	text_summary(report);

	free(ts->checks);
	free(ts);
	report->state = NULL;
	return ferror(report->out) ? -1 : 0;
}

const struct report_ops report_text = {
	.name = "text",
	.begin = text_begin,
	.result = text_result,
	.end = text_end,
};
