/*
 * metrics.c: /metrics of `topo serve` in the Prometheus text exposition
 * format (version 0.0.4). Names follow Prometheus' conventions (a topo_
 * prefix, base units, _seconds, _total for counters, _info for build
 * info) and blackbox_exporter's habit of one gauge per fact.
 *
 * A check's status is one-hot, like kube-state-metrics' phases: one series
 * per status with value 1 for the current one and 0 for the others, so that
 * every series exists from the first scrape and an alert is a plain
 * comparison (topo_check_status{status="drift"} == 1). The drift class is
 * one-hot the same way. Labels are only id, kind and layer (plus the
 * status or class of the one-hot families): never an expected or observed
 * value, never evidence, never a secret (ids are redacted like any text).
 * Checks a probe found undeclared (extras) are not series of their own,
 * their ids come from the system and are unbounded: topo_extras counts them
 * per kind and layer.
 */
#include "status.h"

#include <stdlib.h>
#include <string.h>

#include "../probes/probe.h"
#include "../util/buf.h"
#include "../util/util.h"

/* The one-hot values of topo_check_status, in order. */
static const enum status metrics_statuses[] = {
	STATUS_OK, STATUS_DRIFT, STATUS_ERROR, STATUS_UNKNOWN, STATUS_PENDING
};
#define METRICS_NSTATUSES (sizeof metrics_statuses / sizeof metrics_statuses[0])

static const enum drift metrics_drifts[] = {
	DRIFT_MISSING, DRIFT_CHANGED, DRIFT_EXTRA
};
#define METRICS_NDRIFTS (sizeof metrics_drifts / sizeof metrics_drifts[0])

static size_t
metrics_label_byte(struct buf *b, const unsigned char *p, void *arg)
{
	switch (*p) {
	case '\\':
		buf_puts(b, "\\\\");
		break;
	case '"':
		buf_puts(b, "\\\"");
		break;
	case '\n':
		buf_puts(b, "\\n");
		break;
	default:
		/* Legal in a label, but not for a terminal reading it. */
		if (*p < 0x20 || *p == 0x7f) {
			buf_puts(b, "\xef\xbf\xbd");
			break;
		}
		buf_append(b, p, 1);
	}
	(void)arg;
	return 1;
}

char *
metrics_label(const char *s)
{
	return report_escape(s, metrics_label_byte, NULL);
}

static void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A pending or running check has no result of its own yet. */
static enum status
metrics_status(const struct check *c)
{
	if (c->result.status == STATUS_RUNNING)
		return STATUS_PENDING;
	return c->result.status;
}

int
metrics_write(FILE *f, const struct report *r, const struct status_run *run,
    struct check *const *checks, size_t count)
{
	char		**labels, *id, *kind;
	const struct check *c;
	size_t		  i, j, nlisted = 0;
	size_t		  counts[STATUS_COUNT] = { 0 };
	size_t		  extras[2][64];
	const char	 *extra_kind[64];
	size_t		  nextra_kinds = 0;

	memset(extras, 0, sizeof extras);
	labels = xcalloc(count + 1, sizeof *labels);
	for (i = 0; i < count; i++) {
		c = checks[i];
		if (c->skipped)
			continue;
		counts[metrics_status(c)]++;
		if (c->extra) {
			const char *k = c->probe != NULL ? c->probe->name : "?";

			for (j = 0; j < nextra_kinds; j++)
				if (strcmp(extra_kind[j], k) == 0)
					break;
			if (j == nextra_kinds && nextra_kinds < 64)
				extra_kind[nextra_kinds++] = k;
			if (j < nextra_kinds)
				extras[c->layer == LAYER_LIVE][j]++;
			continue;
		}
		id = topology_redact(r->topology, c->id);
		labels[i] = metrics_label(id);
		free(id);
		kind = metrics_label(c->probe != NULL ? c->probe->name : "?");
		id = labels[i];
		labels[i] = xasprintf("id=\"%s\",kind=\"%s\",layer=\"%s\"", id,
		    kind, layer_name(c->layer));
		free(id);
		free(kind);
		nlisted++;
	}

	metrics_family(f, "topo_build_info", "gauge",
	    "topo's version; always 1.");
	fprintf(f, "topo_build_info{version=\"%s\"} 1\n", run->version);
	metrics_family(f, "topo_ready", "gauge",
	    "1 once a first run finished (what /readyz says).");
	fprintf(f, "topo_ready %d\n", run->ready ? 1 : 0);
	metrics_family(f, "topo_runs_total", "counter",
	    "Runs of every check finished since start.");
	fprintf(f, "topo_runs_total %lu\n", run->runs);
	metrics_family(f, "topo_last_run_timestamp_seconds", "gauge",
	    "When the last finished run started, in seconds since the epoch.");
	fprintf(f, "topo_last_run_timestamp_seconds %ld\n", r->started_at);
	metrics_family(f, "topo_run_duration_seconds", "gauge",
	    "How long the last finished run took.");
	fprintf(f, "topo_run_duration_seconds %.6f\n", r->duration_ms / 1000.0);
	metrics_family(f, "topo_checks", "gauge",
	    "Checks of the last run per status (extras included).");
	for (i = 0; i < METRICS_NSTATUSES; i++)
		fprintf(f, "topo_checks{status=\"%s\"} %zu\n",
		    status_name(metrics_statuses[i]), counts[metrics_statuses[i]]);
	metrics_family(f, "topo_probe_errors_total", "counter",
	    "Checks that ended in error (the probe could not observe), summed over runs.");
	for (i = 0; i < run->nkinds; i++)
		fprintf(f, "topo_probe_errors_total{kind=\"%s\"} %lu\n",
		    run->kinds[i], run->errors[i]);
	metrics_family(f, "topo_extras", "gauge",
	    "Things found running or present that the topology does not declare.");
	for (i = 0; i < nextra_kinds; i++) {
		for (j = 0; j < 2; j++) {
			if (extras[j][i] > 0)
				fprintf(f, "topo_extras{kind=\"%s\",layer=\"%s\"} %zu\n",
				    extra_kind[i], j ? "live" : "static",
				    extras[j][i]);
		}
	}

	metrics_family(f, "topo_check_status", "gauge",
	    "1 for the check's current status, 0 for the others (one-hot).");
	for (i = 0; i < count; i++) {
		if (labels[i] == NULL)
			continue;
		for (j = 0; j < METRICS_NSTATUSES; j++)
			fprintf(f, "topo_check_status{%s,status=\"%s\"} %d\n",
			    labels[i], status_name(metrics_statuses[j]),
			    metrics_status(checks[i]) == metrics_statuses[j]);
	}
	metrics_family(f, "topo_check_drift", "gauge",
	    "1 for the class of the check's drift (missing, changed, extra), 0 for the others.");
	for (i = 0; i < count; i++) {
		if (labels[i] == NULL)
			continue;
		for (j = 0; j < METRICS_NDRIFTS; j++)
			fprintf(f, "topo_check_drift{%s,class=\"%s\"} %d\n",
			    labels[i], drift_name(metrics_drifts[j]),
			    checks[i]->result.status == STATUS_DRIFT &&
			    checks[i]->result.drift == metrics_drifts[j]);
	}
	metrics_family(f, "topo_check_duration_seconds", "gauge",
	    "How long the check's last observation took.");
	for (i = 0; i < count; i++) {
		if (labels[i] != NULL && checks[i]->result.finished_at > 0)
			fprintf(f, "topo_check_duration_seconds{%s} %.6f\n",
			    labels[i], checks[i]->result.duration_ms / 1000.0);
	}
	metrics_family(f, "topo_check_last_run_timestamp_seconds", "gauge",
	    "When the check's last observation finished, in seconds since the epoch.");
	for (i = 0; i < count; i++) {
		if (labels[i] != NULL && checks[i]->result.finished_at > 0)
			fprintf(f, "topo_check_last_run_timestamp_seconds{%s} %ld\n",
			    labels[i], checks[i]->result.finished_at);
	}
	for (i = 0; i < count; i++)
		free(labels[i]);
	free(labels);
	(void)nlisted;
	return ferror(f) ? -1 : 0;
}
