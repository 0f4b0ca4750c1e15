#!/usr/bin/env bash
# tests/integration/bench.sh: the benchmark's own parts work, so its numbers
# can be trusted: bench/gen.sh writes N valid checks (and the same N URLs
# and ports for the other tools), bench/measure reports exit codes, kills a
# command past its timeout and times a known sleep, and a tiny `make bench`
# (5 checks, 1 round) validates every tool's run and writes its table.
# No timing is asserted beyond what a sleep guarantees.
. "$ROOT/tests/lib.sh"

FIXTURE=$BUILD/tests/fixture-server
MEASURE=$TMPDIR/measure

# --- bench/gen.sh ------------------------------------------------------------
"$ROOT/bench/gen.sh" 5 21000 5 10 "$TMPDIR/gen"
t_exit "gen: 5 HTTP checks validate" 0 "$TOPO" validate -f "$TMPDIR/gen/http-5.yaml"
t_contains "gen: 5 HTTP checks counted" "$T_OUT" "5 checks (0 static, 5 live)"
t_exit "gen: 5 TCP checks validate" 0 "$TOPO" validate -f "$TMPDIR/gen/tcp-5.yaml"
t_contains "gen: 5 TCP checks counted" "$T_OUT" "5 checks (0 static, 5 live)"
t_eq "gen: the URLs, spread over the ports" \
    "http://127.0.0.1:21000/check/0 http://127.0.0.1:21010/check/1 http://127.0.0.1:21020/check/2 http://127.0.0.1:21030/check/3 http://127.0.0.1:21040/check/4" \
    "$(tr '\n' ' ' <"$TMPDIR/gen/http-5.urls" | sed 's/ $//')"
t_eq "gen: curl config has the same URLs" "$(cat "$TMPDIR/gen/http-5.urls")" \
    "$(sed -n 's/^url = "\(.*\)"$/\1/p' "$TMPDIR/gen/http-5.curl")"
t_eq "gen: curl config discards every body" 5 "$(grep -c '^output = "/dev/null"$' "$TMPDIR/gen/http-5.curl")"
t_eq "gen: TCP ports are consecutive" "21000 21001 21002 21003 21004" \
    "$(tr '\n' ' ' <"$TMPDIR/gen/tcp-5.ports" | sed 's/ $//')"
t_exit "gen: wrong arguments: exit 2" 2 "$ROOT/bench/gen.sh" 5

# --- bench/measure ---------------------------------------------------------
if ! cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$MEASURE" "$ROOT/bench/measure.c"; then
	t_fail "measure: builds"
	exit 0
fi
read -r wall user sys rss code < <("$MEASURE" -- sh -c 'exit 3')
t_eq "measure: the command's exit status" 3 "$code"
read -r wall user sys rss code < <("$MEASURE" -- sh -c 'kill -TERM $$')
t_eq "measure: killed by a signal is 128+N" 143 "$code"
read -r wall user sys rss code < <("$MEASURE" -- sleep 0.3)
t_eq "measure: sleep 0.3 exits 0" 0 "$code"
awk -v w="$wall" 'BEGIN { exit !(w >= 300) }' && t_pass "measure: sleep 0.3 takes at least 300 ms ($wall)" ||
	t_fail "measure: sleep 0.3 takes at least 300 ms" "wall $wall"
awk -v r="$rss" 'BEGIN { exit !(r > 0) }' && t_pass "measure: a peak RSS is reported" ||
	t_fail "measure: a peak RSS is reported" "rss $rss"
read -r wall user sys rss code < <("$MEASURE" --timeout 1 -- sh -c 'sleep 30 & echo $! >"$1"; wait' - "$TMPDIR/grandchild")
t_eq "measure: past the timeout: 124" 124 "$code"
sleep 0.2
# Gone, or a zombie left to a PID 1 that does not reap: dead either way.
gc=$(cat "$TMPDIR/grandchild" 2>/dev/null)
if [ -n "$gc" ] && { [ ! -e "/proc/$gc" ] || [ "$(cut -d' ' -f3 "/proc/$gc/stat" 2>/dev/null)" == Z ]; }; then
	t_pass "measure: the timeout kills the whole group"
else
	t_fail "measure: the timeout kills the whole group" "pid $(cat "$TMPDIR/grandchild" 2>/dev/null) still there"
	kill "$(cat "$TMPDIR/grandchild" 2>/dev/null)" 2>/dev/null
fi
"$MEASURE" --stdout "$TMPDIR/said" -- echo hello >/dev/null
t_eq "measure: --stdout takes the command's output" hello "$(cat "$TMPDIR/said")"
t_exit "measure: no command: exit 2" 2 "$MEASURE" --

# --- the generated checks against the fixture server -------------------------
t_fixture fixture --delay 50
port=$FIXTURE_PORT
"$ROOT/bench/gen.sh" 20 "$port" 1 1 "$TMPDIR/live"
t_exit "live: 20 HTTP checks pass" 0 "$TOPO" check -f "$TMPDIR/live/http-20.yaml" --format json -o "$TMPDIR/live.json"
t_eq "live: 20 ok in the JSON report" "20 20" "$(jq -r '"\(.summary.total) \(.summary.ok)"' "$TMPDIR/live.json")"
t_exit "live: the same with --jobs 1" 0 "$TOPO" check -f "$TMPDIR/live/http-20.yaml" --jobs 1 --format json -o "$TMPDIR/live1.json"
t_eq "live: --jobs 1: 20 ok" "20 20" "$(jq -r '"\(.summary.total) \(.summary.ok)"' "$TMPDIR/live1.json")"

# --- a tiny make bench ---------------------------------------------------------
if [ ! -x /usr/lib/nagios/plugins/check_http ]; then
	t_fail "bench: check_http installed (scripts/deps.sh: monitoring-plugins-basic)"
	exit 0
fi
BENCH_SIZES=5 BENCH_RUNS=1 BENCH_DASH=0 BENCH_OUT=$TMPDIR/RESULTS.md \
    "$ROOT/bench/run.sh" >"$TMPDIR/bench.out" 2>&1
t_eq "bench: run.sh exits 0" 0 "$?"
results=$(cat "$TMPDIR/RESULTS.md" 2>/dev/null)
t_not_contains "bench: no invalid run" "$(cat "$TMPDIR/bench.out")" "INVALID"
for row in "| 5 | topo (default --jobs 512) |" "| 5 | topo --jobs N |" "| 5 | topo --jobs 1 |" \
    "| 5 | curl loop (one process per URL) |" "| 5 | curl --parallel --parallel-max N |" \
    "| 5 | check_http loop |" "| 5 | nc -z loop |"; do
	t_contains "bench: row $row" "$results" "$row"
done
t_not_contains "bench: no failed runs" "$results" "failed"
t_contains "bench: targets section" "$results" "## Targets (issue 6)"
if [ -d "${JOELCLAW_REPO:-$ROOT/../shared/fixtures/joelclaw-a92}" ]; then
	t_contains "bench: the joelclaw static check on the real tree" "$results" "a copy of the real repository"
	t_contains "bench: topo init on the joelclaw checkout is measured" "$results" "| topo init --repo on the joelclaw checkout (a92e88ab) | median "
else
	t_skip "bench: joelclaw rows" "../shared/fixtures/joelclaw-a92 is absent"
fi
t_contains "bench: reproducing command" "$results" 'BENCH_SIZES="5" BENCH_RUNS="1" BENCH_DASH="0" make bench'
t_eq "bench: every raw run valid" "" "$(awk '/^(http|tcp|joelclaw) / && $9 != 1' "$TMPDIR/RESULTS.md")"
