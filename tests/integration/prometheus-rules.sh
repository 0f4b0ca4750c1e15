#!/usr/bin/env bash
# tests/integration/prometheus-rules.sh: docs/prometheus/ as shipped:
# `promtool check config`, `promtool check rules` and the rules' unit tests
# (`promtool test rules`), plus a broken copy of the rules that the unit
# tests must refuse (so that a passing run means something).
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

if ! command -v promtool >/dev/null 2>&1; then
	echo "SKIP: promtool missing (Debian package prometheus)"
	exit 0
fi
D=$ROOT/docs/prometheus
t_exit "promtool: check config" 0 promtool check config "$D/prometheus.yml"
t_exit "promtool: check rules" 0 promtool check rules \
    "$D/topo-recording.rules.yml" "$D/topo-alerts.rules.yml"
t_exit "promtool: test rules" 0 promtool test rules "$D/topo-alerts.test.yml"
t_contains "promtool: test rules ran" "$T_OUT$T_ERR" "SUCCESS"

# The same tests against rules that wait 30 minutes before paging drift:
# they must fail.
cp "$D"/*.yml "$TMPDIR/"
sed -i '/alert: TopoDrift/,/for:/s/for: 15m/for: 30m/' "$TMPDIR/topo-alerts.rules.yml"
t_exit "promtool: the unit tests catch a changed for:" 1 \
    promtool test rules "$TMPDIR/topo-alerts.test.yml"
