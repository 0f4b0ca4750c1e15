/*
 * test_status.c: the renderers of topo serve (reports/metrics.c,
 * reports/html.c) on checks built by hand: label escaping per the
 * exposition format, one-hot status and drift series, extras counted and
 * not listed, skipped checks left out, nothing but id/kind/layer in labels;
 * the page's escaping, problems-first order and the absence of script.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../probes/probe.h"
#include "../../reports/status.h"
#include "../../util/util.h"

static const struct probe_ops fake_http = { .name = "http" };
static const struct probe_ops fake_k8s = { .name = "kubernetes" };

#define N 5

struct fixture {
	struct check		 checks[N];
	struct check		*ptrs[N];
	struct topology		 topology;
	struct report		 report;
	struct status_run	 run;
	const char		*kinds[2];
	unsigned long		 errors[2];
};

static void
fill(struct check *c, const struct probe_ops *probe, const char *id,
    enum status status, enum drift drift)
{
	memset(c, 0, sizeof *c);
	c->id = (char *)id;
	c->probe = probe;
	c->layer = LAYER_LIVE;
	c->result.status = status;
	c->result.drift = drift;
	c->result.finished_at = 1700000000;
	c->result.duration_ms = 2.5;
}

static struct fixture *
fixture_new(void)
{
	struct fixture	*f = xcalloc(1, sizeof *f);
	size_t		 i;

	fill(&f->checks[0], &fake_http, "http/ok", STATUS_OK, DRIFT_NONE);
	fill(&f->checks[1], &fake_http, "http/we\"ird\\id\nx", STATUS_DRIFT,
	    DRIFT_CHANGED);
	f->checks[1].result.expected = "<b>version-1</b>";
	f->checks[1].result.observed = "version-2 & 'more'";
	f->checks[1].result.evidence = "GET /v -> 200: <script>alert(1)</script>";
	fill(&f->checks[2], &fake_k8s, "kubernetes/svc/undeclared", STATUS_DRIFT,
	    DRIFT_EXTRA);
	f->checks[2].extra = 1;
	fill(&f->checks[3], &fake_http, "http/skipped", STATUS_SKIPPED, DRIFT_NONE);
	f->checks[3].skipped = 1;
	fill(&f->checks[4], &fake_http, "http/err", STATUS_ERROR, DRIFT_NONE);
	for (i = 0; i < N; i++)
		f->ptrs[i] = &f->checks[i];
	f->report.topology = &f->topology;
	f->report.topology_path = "t<1>.yaml";
	f->report.started_at = 1700000000;
	f->report.duration_ms = 12.5;
	f->kinds[0] = "http";
	f->kinds[1] = "kubernetes";
	f->errors[0] = 3;
	f->run.version = "9.9";
	f->run.ready = 1;
	f->run.runs = 4;
	f->run.kinds = f->kinds;
	f->run.errors = f->errors;
	f->run.nkinds = 2;
	f->run.interval = 7;
	return f;
}

static char *
render(struct fixture *f, int html)
{
	char	*data = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&data, &len);

	assert_non_null(fp);
	if (html)
		assert_int_equal(html_write(fp, &f->report, &f->run, f->ptrs, N), 0);
	else
		assert_int_equal(metrics_write(fp, &f->report, &f->run, f->ptrs, N), 0);
	assert_int_equal(fclose(fp), 0);
	return data;
}

static void
test_label(void **state)
{
	char	*s;

	(void)state;
	s = metrics_label("a\\b\"c\nd");
	assert_string_equal(s, "a\\\\b\\\"c\\nd");
	free(s);
	s = metrics_label("esc\033[31m");
	assert_string_equal(s, "esc\xef\xbf\xbd[31m");
	free(s);
	s = metrics_label("bad \xff utf8");
	assert_string_equal(s, "bad \xef\xbf\xbd utf8");
	free(s);
}

static void
test_metrics(void **state)
{
	struct fixture	*f = fixture_new();
	char		*m = render(f, 0);
	const char	*p;

	(void)state;
	assert_non_null(strstr(m, "topo_build_info{version=\"9.9\"} 1\n"));
	assert_non_null(strstr(m, "topo_runs_total 4\n"));
	assert_non_null(strstr(m, "topo_run_duration_seconds 0.012500\n"));
	assert_non_null(strstr(m, "topo_probe_errors_total{kind=\"http\"} 3\n"));
	assert_non_null(strstr(m, "topo_checks{status=\"drift\"} 2\n"));
	assert_non_null(strstr(m,
	    "topo_check_status{id=\"http/ok\",kind=\"http\",layer=\"live\",status=\"ok\"} 1\n"));
	assert_non_null(strstr(m,
	    "topo_check_status{id=\"http/ok\",kind=\"http\",layer=\"live\",status=\"drift\"} 0\n"));
	/* escaped per the exposition format */
	assert_non_null(strstr(m,
	    "topo_check_status{id=\"http/we\\\"ird\\\\id\\nx\",kind=\"http\",layer=\"live\",status=\"drift\"} 1\n"));
	assert_non_null(strstr(m,
	    "topo_check_drift{id=\"http/we\\\"ird\\\\id\\nx\",kind=\"http\",layer=\"live\",class=\"changed\"} 1\n"));
	assert_non_null(strstr(m,
	    "topo_check_duration_seconds{id=\"http/ok\",kind=\"http\",layer=\"live\"} 0.002500\n"));
	assert_non_null(strstr(m,
	    "topo_check_last_run_timestamp_seconds{id=\"http/ok\",kind=\"http\",layer=\"live\"} 1700000000\n"));
	/* extras counted, not listed; skipped left out; no evidence anywhere */
	assert_non_null(strstr(m, "topo_extras{kind=\"kubernetes\",layer=\"live\"} 1\n"));
	assert_null(strstr(m, "undeclared"));
	assert_null(strstr(m, "http/skipped"));
	assert_null(strstr(m, "version-2"));
	/* every sample line: name{labels} value, no raw newline inside */
	for (p = m; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (*p != '#')
			assert_true(strncmp(p, "topo_", 5) == 0);
	}
	free(m);
	free(f);
}

static void
test_html(void **state)
{
	struct fixture	*f = fixture_new();
	char		*h = render(f, 1);
	char		*drift, *ok;

	(void)state;
	assert_non_null(strstr(h, "<meta http-equiv=\"refresh\" content=\"7\">"));
	assert_null(strstr(h, "<script"));
	assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(h, "&lt;b&gt;version-1&lt;/b&gt;"));
	assert_non_null(strstr(h, "version-2 &amp; &#39;more&#39;"));
	assert_non_null(strstr(h, "http/we&quot;ird\\id"));
	assert_non_null(strstr(h, "t&lt;1&gt;.yaml"));
	assert_null(strstr(h, "http/skipped"));
	drift = strstr(h, "<tr class=\"drift\">");
	ok = strstr(h, "<tr class=\"ok\">");
	assert_non_null(drift);
	assert_non_null(ok);
	assert_true(drift < ok);
	assert_non_null(strstr(h, "<tr class=\"error\">"));
	free(h);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
