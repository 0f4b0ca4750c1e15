#!/usr/bin/env bash
# bench/serve.sh: `topo serve` over time at scale. N HTTP checks (bench/gen.sh,
# against one loopback fixture server) re-probed every INTERVAL seconds for
# DURATION seconds; prints, per interval, the CPU topo used (user + system,
# from /proc), its RSS, and a /metrics scrape's latency and size; then the
# peak RSS (VmHWM) and the final one. Figures, not pass/fail.
#
#   bench/serve.sh [N [INTERVAL [DURATION]]]     (default 10000 10 600)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000} INTERVAL=${2:-10} DURATION=${3:-600}
TOPO=$ROOT/build/topo FIXTURE=$ROOT/build/tests/fixture-server
[ -x "$TOPO" ] && [ -x "$FIXTURE" ] || { echo "bench/serve.sh: make && make build/tests/fixture-server first" >&2; exit 2; }
WORK=$(mktemp -d /tmp/topo-bench-serve.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$FIXTURE" --port 0 --ready-file "$WORK/ready" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ -s "$WORK/ready" ] && break; sleep 0.05; done
FP=$(sed -n '1s/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/ready")
"$ROOT/bench/gen.sh" "$N" "$FP" 1 1 "$WORK" >/dev/null
SP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TOPO" serve -f "$WORK/http-$N.yaml" --listen "127.0.0.1:$SP" --interval "$INTERVAL" \
    2>"$WORK/serve.err" &
SPID=$!
pids+=("$SPID")
for _ in $(seq 600); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SP/readyz")" = 200 ] && break
	sleep 0.1
done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }
rss() { sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$SPID/status"; }
runs() { curl -s "http://127.0.0.1:$SP/metrics" | sed -n 's/^topo_runs_total //p'; }
echo "topo serve: $N checks, every $INTERVAL s, for $DURATION s"
echo "t(s)  runs  cpu/interval(s)  rss  scrape(s)  scrape(bytes)  ok-checks"
c0=$(cpu) t=0
while [ "$t" -lt "$DURATION" ]; do
	sleep "$INTERVAL"
	t=$((t + INTERVAL))
	c1=$(cpu)
	read -r lat size <<<"$(curl -s -o "$WORK/m" -w '%{time_total} %{size_download}' "http://127.0.0.1:$SP/metrics")"
	ok=$(sed -n 's/^topo_checks{status="ok"} //p' "$WORK/m")
	printf '%4d  %4s  %15.2f  %s  %9s  %13s  %s\n' "$t" "$(sed -n 's/^topo_runs_total //p' "$WORK/m")" \
	    "$(echo "($c1 - $c0) / $ticks" | bc -l)" "$(rss)" "$lat" "$size" "$ok"
	c0=$c1
done
echo "peak RSS $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$SPID/status"), final RSS $(rss)"
kill -TERM "$SPID"; wait "$SPID" || true
