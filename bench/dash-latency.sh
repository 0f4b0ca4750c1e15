#!/usr/bin/env bash
# bench/dash-latency.sh: how long `topo dash` takes from a keypress to the
# redrawn screen while checks are in flight. Called by bench/run.sh; alone:
#   bench/dash-latency.sh [CHECKS] [KEYS]      (1000 checks, 20 keys)
#
# The dashboard runs in tmux (120x40) on a topology of CHECKS HTTP checks
# against the loopback fixture server, whose answers take 20 s: every check
# stays in flight while the keys are pressed (--jobs CHECKS). Each key is
# `?`, which opens the help screen, or the key that closes it again; the
# time is from `tmux send-keys` until `tmux capture-pane` shows the change,
# captured in a tight loop. That includes tmux's own round trips (about one
# capture-pane call: printed as capture_ms), so it is an upper bound.
#
# Prints one line: MEDIAN_MS P90_MS MAX_MS KEYS IN_FLIGHT TERMINAL CAPTURE_MS
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHECKS=${1:-1000}
KEYS=${2:-20}
TOPO=$ROOT/topo
FIXTURE=$ROOT/build/tests/fixture-server
SOCK=topo-bench-$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/topo-dash-bench.XXXXXX")
SERVER=

tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	if [ -n "$SERVER" ]; then
		kill "$SERVER" 2>/dev/null
		wait "$SERVER" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

command -v tmux >/dev/null || { echo "tmux is missing" >&2; exit 1; }
[ -x "$TOPO" ] && [ -x "$FIXTURE" ] || { echo "build topo and the fixture server first (make bench)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# Ten free ports (the kernel picks them), answers after 20 s.
args=()
for ((i = 0; i < 10; i++)); do args+=(--port 0); done
"$FIXTURE" "${args[@]}" --delay 20000 --ready-file "$WORK/ready" >/dev/null 2>&1 &
SERVER=$!
for ((i = 0; i < 200; i++)); do
	[ -s "$WORK/ready" ] && break
	sleep 0.05
done
mapfile -t ports < <(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/ready")
[ "${#ports[@]}" -eq 10 ] || { echo "fixture server did not start" >&2; exit 1; }
{
	echo "version: 1"
	echo "system: bench-dash"
	echo "http:"
	for ((i = 0; i < CHECKS; i++)); do
		echo "  - {name: c$i, url: \"http://127.0.0.1:${ports[$((i % 10))]}/check/$i\", timeout_ms: 30000}"
	done
} >"$WORK/dash.yaml"

tm new-session -d -s dash -x 120 -y 40 \
    "TERM=xterm-256color $TOPO dash -f $WORK/dash.yaml --jobs $CHECKS --interval 60; sleep 60"
now_ms() { echo "${EPOCHREALTIME/./}" | awk '{ printf "%.3f", $1 / 1000 }'; }
screen() { tm capture-pane -p -t dash; }

# Wait for the first frame listing checks.
for ((i = 0; i < 200; i++)); do
	screen | grep -q 'http/c' && break
	sleep 0.05
done
sleep 0.5
# The connections topo holds to the fixture ports.
inflight=0
for p in "${ports[@]}"; do
	n=$(ss -Htn state established "( dport = :$p )" 2>/dev/null | wc -l)
	inflight=$((inflight + n))
done

# capture-pane's own cost: the resolution of what follows.
t0=$(now_ms)
for ((i = 0; i < 10; i++)); do screen >/dev/null; done
t1=$(now_ms)
capture=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 10 }')

samples=()
for ((k = 0; k < KEYS; k++)); do
	if ((k % 2 == 0)); then want=1; else want=0; fi
	t0=$(now_ms)
	tm send-keys -t dash '?'
	while :; do
		if screen | grep -q 'move the selection'; then
			[ "$want" == 1 ] && break
		else
			[ "$want" == 0 ] && break
		fi
		t1=$(now_ms)
		if awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a > 5000) }'; then
			echo "no redraw within 5 s" >&2
			exit 1
		fi
	done
	t1=$(now_ms)
	samples+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')")
	sleep 0.1
done

printf '%s\n' "${samples[@]}" | sort -n | awk -v keys="$KEYS" -v inflight="$inflight" -v cap="$capture" '
	{ v[NR] = $1 }
	END {
		p90 = v[int(NR * 0.9 + 0.999)]
		med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f %d %d tmux-120x40 %s\n", med, p90, v[NR], keys, inflight, cap
	}'
