#!/usr/bin/env bash
# bench/run.sh: `make bench`. Times topo against the tools people use today,
# in the same run and interleaved, on N HTTP and N TCP checks against the
# loopback fixture server (tests/helpers/fixture-server.c: epoll, thousands
# of connections, each answer after --delay ms), and writes bench/RESULTS.md.
#
# HTTP, each URL answering "ok" after BENCH_DELAY_MS (100):
#   topo                      topo check --format json -o FILE (default --jobs)
#   topo --jobs N             every check in flight at once
#   topo --jobs 1             strictly sequential
#   curl loop                 one curl process per URL (the shell-script way)
#   curl --parallel           curl -Z --parallel-max N -K CONFIG (one process)
#   check_http loop           Debian's monitoring-plugins, one process per URL
# TCP, N listening ports:
#   topo, topo --jobs N, topo --jobs 1, nc -z loop
# Sequential ones run only up to BENCH_SEQ_MAX (100) checks; above, their
# time is extrapolated from the largest measured N, and labelled so.
# Every run is checked (topo: every check ok in the JSON; curl: N times
# status 200; check_http, nc: every call succeeded); a failed run is counted
# and shown, never silently timed.
#
# Also measured: topo validate and a static-layer check of
# topologies/joelclaw.yaml, and (bench/dash-latency.sh) the dashboard's
# keypress-to-redraw time while 1,000 checks are in flight.
#
# Knobs (environment): BENCH_SIZES ("10 100 1000 10000"), BENCH_RUNS (5),
# BENCH_SEQ_MAX (100), BENCH_DELAY_MS (100), BENCH_OUT (bench/RESULTS.md),
# BENCH_DASH (1: measure the dashboard).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

SIZES=${BENCH_SIZES:-10 100 1000 10000}
RUNS=${BENCH_RUNS:-5}
SEQ_MAX=${BENCH_SEQ_MAX:-100}
DELAY=${BENCH_DELAY_MS:-100}
OUT=${BENCH_OUT:-$ROOT/bench/RESULTS.md}
DASH=${BENCH_DASH:-1}
RUN_TIMEOUT=300				# seconds, any one measured run
CHECK_HTTP=${CHECK_HTTP:-/usr/lib/nagios/plugins/check_http}
PORTS_PER_SERVER=3500			# fixture-server takes at most 4096
# The command that reproduces this run, with the knobs it was given.
COMMAND="make bench"
for knob in BENCH_DASH BENCH_DELAY_MS BENCH_SEQ_MAX BENCH_RUNS BENCH_SIZES; do
	[ -n "${!knob:-}" ] && COMMAND="$knob=\"${!knob}\" $COMMAND"
done

TOPO=$ROOT/topo
FIXTURE=$ROOT/build/tests/fixture-server
MEASURE=$ROOT/build/bench/measure

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

# --- build: the optimised topo and fixture server, no sanitizers ---------
say "building topo, the fixture server and bench/measure"
make -s SANITIZE= topo >/dev/null || die "make topo failed"
make -s SANITIZE= helpers >/dev/null || die "make helpers failed"
mkdir -p "$ROOT/build/bench"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
    -o "$MEASURE" bench/measure.c || die "cannot build bench/measure"
for tool in curl nc jq awk; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps.sh)"
done
[ -x "$CHECK_HTTP" ] || die "$CHECK_HTTP is missing: apt-get install monitoring-plugins-basic (scripts/deps.sh)"

# 10,000 checks in flight are 10,000 sockets here and 10,000 in the server:
# the soft limit goes up to the hard one (root may raise both).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/topo-bench.XXXXXX")
SERVER_PIDS=()
cleanup() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${SERVER_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NMAX=0
for n in $SIZES; do [ "$n" -gt "$NMAX" ] && NMAX=$n; done
HTTP_STRIDE=$((NMAX / 100 > 0 ? NMAX / 100 : 1))
if [ "$NOFILE" != unlimited ] && [ "$NOFILE" -lt $((2 * NMAX + 256)) ]; then
	die "N=$NMAX needs $((2 * NMAX + 256)) file descriptors, ulimit -n allows $NOFILE: raise it (ulimit -Hn) or set BENCH_SIZES lower"
fi

# --- the fixture servers: NMAX listening ports from BASE, on 127.0.0.1 -----
# Several processes (one holds at most PORTS_PER_SERVER ports); a base
# whose ports are taken is skipped for the next one.
start_servers() {
	local base=$1 first last i=0 deadline
	SERVER_PIDS=()
	for ((first = base; first < base + NMAX; first += PORTS_PER_SERVER)); do
		last=$((first + PORTS_PER_SERVER - 1))
		[ "$last" -ge $((base + NMAX)) ] && last=$((base + NMAX - 1))
		rm -f "$WORK/ready.$i"
		"$FIXTURE" --ports "$first-$last" --delay "$DELAY" \
		    --ready-file "$WORK/ready.$i" >/dev/null 2>"$WORK/server.$i.err" &
		SERVER_PIDS+=($!)
		i=$((i + 1))
	done
	deadline=$((SECONDS + 20))
	for ((i = 0; i < ${#SERVER_PIDS[@]}; i++)); do
		while [ ! -s "$WORK/ready.$i" ]; do
			if ! kill -0 "${SERVER_PIDS[$i]}" 2>/dev/null ||
			    [ "$SECONDS" -gt "$deadline" ]; then
				return 1
			fi
			sleep 0.05
		done
	done
}
stop_servers() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	SERVER_PIDS=()
}

BASE=
for base in 20000 12000 4000 30000 40000 50000; do
	[ $((base + NMAX)) -gt 65535 ] && continue
	if start_servers "$base"; then
		BASE=$base
		break
	fi
	stop_servers
done
[ -n "$BASE" ] || die "no free block of $NMAX ports on 127.0.0.1 ($(cat "$WORK"/server.*.err 2>/dev/null | head -1))"
say "fixture servers: ports $BASE-$((BASE + NMAX - 1)) on 127.0.0.1, answers after $DELAY ms"

for n in $SIZES; do
	hports=$((n < 100 ? n : 100))
	bench/gen.sh "$n" "$BASE" "$hports" "$HTTP_STRIDE" "$WORK" ||
	    die "bench/gen.sh failed"
done

# --- one measured run -----------------------------------------------------
RAW=$WORK/raw			# workload n tool round wall user sys rss valid
: >"$RAW"

# count_200 FILE: lines that are exactly 200.
count_200() { grep -c '^200$' "$1" 2>/dev/null || true; }

# topo_ok N: the JSON report says every one of the N checks is ok.
topo_ok() {
	[ "$(jq -r '"\(.summary.total) \(.summary.ok)"' "$WORK/report.json" 2>/dev/null)" == "$1 $1" ]
}

# measure ROUND WORKLOAD N TOOL: runs TOOL once, appends a line to RAW.
measure() {
	local round=$1 wl=$2 n=$3 tool=$4 out=$WORK/stdout valid=0 line
	local -a cmd
	rm -f "$WORK/report.json" "$out"
	case "$wl/$tool" in
	http/topo)	cmd=("$TOPO" check -f "$WORK/http-$n.yaml" --format json -o "$WORK/report.json") ;;
	http/topo-jn)	cmd=("$TOPO" check -f "$WORK/http-$n.yaml" --jobs "$n" --format json -o "$WORK/report.json") ;;
	http/topo-j1)	cmd=("$TOPO" check -f "$WORK/http-$n.yaml" --jobs 1 --format json -o "$WORK/report.json") ;;
	http/topo-j300)	cmd=("$TOPO" check -f "$WORK/http-$n.yaml" --jobs 300 --format json -o "$WORK/report.json") ;;
	http/curl-loop)	cmd=(bash -c 'while read -r u; do curl -s -o /dev/null -w "%{http_code}\n" "$u"; done <"$1"' - "$WORK/http-$n.urls") ;;
	http/curl-par)	cmd=(curl -s --no-progress-meter -Z --parallel-max "$n" -w '%{http_code}\n' -K "$WORK/http-$n.curl") ;;
	http/check-http) cmd=(bash -c 'while read -r u; do u=${u#http://}; h=${u%%/*};
		"$2" -I "${h%:*}" -p "${h##*:}" -u "/${u#*/}" -e 200 -s ok >/dev/null || exit 1; done <"$1"' - "$WORK/http-$n.urls" "$CHECK_HTTP") ;;
	render/topo)	cmd=("$TOPO" check -f "$WORK/http-$n.yaml" --layer static --format json -o "$WORK/report.json") ;;
	tcp/topo)	cmd=("$TOPO" check -f "$WORK/tcp-$n.yaml" --format json -o "$WORK/report.json") ;;
	tcp/topo-jn)	cmd=("$TOPO" check -f "$WORK/tcp-$n.yaml" --jobs "$n" --format json -o "$WORK/report.json") ;;
	tcp/topo-j1)	cmd=("$TOPO" check -f "$WORK/tcp-$n.yaml" --jobs 1 --format json -o "$WORK/report.json") ;;
	tcp/nc-loop)	cmd=(bash -c 'while read -r p; do nc -z -w 5 127.0.0.1 "$p" || exit 1; done <"$1"' - "$WORK/tcp-$n.ports") ;;
	*)		die "unknown tool $wl/$tool" ;;
	esac
	line=$("$MEASURE" --timeout "$RUN_TIMEOUT" --stdout "$out" -- "${cmd[@]}" 2>>"$WORK/stderr")
	set -- $line		# wall user sys rss exit
	case "$wl/$tool" in
	render/*)	[ "$5" == 0 ] && [ "$(jq -r '.summary.skipped' "$WORK/report.json" 2>/dev/null)" == "$n" ] && valid=1 ;;
	*/topo*)	[ "$5" == 0 ] && topo_ok "$n" && valid=1 ;;
	*/curl-*)	[ "$5" == 0 ] && [ "$(count_200 "$out")" == "$n" ] && valid=1 ;;
	*)		[ "$5" == 0 ] && valid=1 ;;
	esac
	[ "$valid" == 1 ] || say "INVALID run: $wl $tool N=$n (exit $5)"
	echo "$wl $n $tool $round $1 $2 $3 $4 $valid" >>"$RAW"
}

# The tools of a workload at size n (sequential ones only up to SEQ_MAX).
tools_for() {
	local wl=$1 n=$2
	if [ "$wl" == render ]; then
		echo topo
	elif [ "$wl" == http ]; then
		echo topo topo-jn curl-par
		# curl runs at most 300 at once: topo at the same concurrency.
		[ "$n" -gt 300 ] && echo topo-j300
		[ "$n" -le "$SEQ_MAX" ] && echo topo-j1 curl-loop check-http
	else
		echo topo topo-jn
		[ "$n" -le "$SEQ_MAX" ] && echo topo-j1 nc-loop
	fi
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
STARTED=$SECONDS

# Warm-up (not counted): page cache, first-run costs of every tool.
for wl in http tcp; do
	for tool in $(tools_for "$wl" 1); do
		measure 0 "$wl" "$(set -- $SIZES; echo "$1")" "$tool"
	done
done
: >"$RAW"

# Interleaved: every round runs every tool at every size, the order of the
# tools rotated each round, so a slow moment of the machine (others share
# it) falls on all of them alike.
for ((round = 1; round <= RUNS; round++)); do
	say "round $round of $RUNS"
	for n in $SIZES; do
		for wl in http tcp render; do
			mapfile -t list < <(tools_for "$wl" "$n" | tr ' ' '\n' | grep .)
			k=${#list[@]}
			for ((i = 0; i < k; i++)); do
				measure "$round" "$wl" "$n" "${list[$(((i + round) % k))]}"
			done
		done
	done
done
BENCH_SECONDS=$((SECONDS - STARTED))

# --- topo validate and a static-layer check of the joelclaw topology -------
JOELCLAW=$ROOT/topologies/joelclaw.yaml
STATIC_NOTE=
# The real repository at the commit the document describes (what
# tests/integration/joelclaw.sh checks); without it, the measurement says so.
A92=${JOELCLAW_REPO:-$ROOT/../shared/fixtures/joelclaw-a92}
if [ -f "$JOELCLAW" ] && [ -d "$A92" ]; then
	repo=$WORK/joelclaw-a92
	mkdir -p "$repo"
	cp -R "$A92/." "$repo/"
	caddyfile=$ROOT/tests/joelclaw/Caddyfile
	for ((round = 1; round <= RUNS * 2; round++)); do
		line=$("$MEASURE" --timeout 60 --stdout /dev/null -- "$TOPO" validate -f "$JOELCLAW")
		set -- $line
		echo "joelclaw 0 validate $round $1 $2 $3 $4 $([ "$5" == 0 ] && echo 1 || echo 0)" >>"$RAW"
		line=$("$MEASURE" --timeout 60 --stdout /dev/null -- "$TOPO" check -f "$JOELCLAW" \
		    --layer static --set "REPO=$repo" --set "CADDYFILE=$caddyfile" \
		    --format json -o "$WORK/joelclaw.json")
		set -- $line
		# Exit 1 (drift) is a finished check; only 2 is a failure.
		echo "joelclaw 0 static $round $1 $2 $3 $4 $([ "$5" -le 1 ] && echo 1 || echo 0)" >>"$RAW"
		# The same without the caddy probe's cross-check by `caddy adapt`
		# (a Go program, run once per Caddyfile when caddy is installed).
		line=$(TOPO_CADDY=/nonexistent/caddy "$MEASURE" --timeout 60 --stdout /dev/null -- "$TOPO" check \
		    -f "$JOELCLAW" --layer static --set "REPO=$repo" --set "CADDYFILE=$caddyfile" \
		    --format json -o "$WORK/joelclaw-noadapt.json")
		set -- $line
		echo "joelclaw 0 static-noadapt $round $1 $2 $3 $4 $([ "$5" -le 1 ] && echo 1 || echo 0)" >>"$RAW"
		# topo init: a topology proposed from the whole checkout.
		line=$("$MEASURE" --timeout 60 --stdout /dev/null -- "$TOPO" init --repo "$repo" \
		    -o "$WORK/joelclaw-init.yaml")
		set -- $line
		echo "joelclaw 0 init $round $1 $2 $3 $4 $([ "$5" == 0 ] && echo 1 || echo 0)" >>"$RAW"
	done
	STATIC_NOTE=$(jq -r '"\(.summary.total) checks: \(.summary.ok) ok, \(.summary.drift) drift, \(.summary.error) error, \(.summary.unknown) unknown, \(.summary.skipped) skipped (live layer)"' \
	    "$WORK/joelclaw.json" 2>/dev/null)
fi

stop_servers

# --- the dashboard ----------------------------------------------------------
DASH_LINE=
if [ "$DASH" == 1 ] && [ -x "$ROOT/bench/dash-latency.sh" ]; then
	say "dashboard latency (1,000 checks in flight)"
	DASH_LINE=$("$ROOT/bench/dash-latency.sh" 2>>"$WORK/stderr") || DASH_LINE=
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)

# --- the report -------------------------------------------------------------
# STATS: workload n tool runs invalid median_wall_ms median_cpu_ms max_rss_kb
STATS=$WORK/stats
awk '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) {		# insertion sort: few runs
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (n % 2)
		return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1 " " $2 " " $3
	if (!(k in runs))
		order[++nk] = k
	runs[k]++
	if ($9 != 1) {
		invalid[k]++
		next
	}
	wall[k] = wall[k] " " $5
	cpu[k] = cpu[k] " " ($6 + $7)
	if ($8 > rss[k])
		rss[k] = $8
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		if (wall[k] == "")
			printf "%s %d %d - - -\n", k, runs[k], invalid[k] + 0
		else
			printf "%s %d %d %.3f %.3f %d\n", k, runs[k], invalid[k] + 0,
			    median(wall[k]), median(cpu[k]), rss[k]
	}
}' "$RAW" >"$STATS"

# stat WORKLOAD N TOOL FIELD (4 runs, 5 invalid, 6 wall, 7 cpu, 8 rss)
stat() { awk -v k="$1 $2 $3" -v f="$4" '$1 " " $2 " " $3 == k { print $f; exit }' "$STATS"; }
# best WORKLOAD TOOL: the fastest valid run (what a quiet machine gives).
best() { awk -v w="$1" -v t="$2" '$1 == w && $3 == t && $9 == 1 && (m == "" || $5 < m) { m = $5 } END { print m }' "$RAW"; }
# Extrapolated wall of a sequential tool at n: per-check time at SEQ_MAX.
extra_wall() {
	local w
	w=$(stat "$1" "$SEQ_MAX" "$3" 6)
	[ -n "$w" ] && [ "$w" != - ] && awk -v w="$w" -v m="$SEQ_MAX" -v n="$2" 'BEGIN { printf "%.3f", w / m * n }'
}
fmt_ms() { awk -v v="$1" 'BEGIN { if (v == "" || v == "-") print "-"; else if (v >= 10000) printf "%.1f s", v / 1000; else if (v >= 100) printf "%.0f ms", v; else printf "%.1f ms", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

label() {
	[ "${LABEL_WORKLOAD:-}" == render ] && { echo "topo check --layer static --format json"; return; }
	case "$1" in
	topo)		echo "topo (default --jobs 512)" ;;
	topo-jn)	echo "topo --jobs N" ;;
	topo-j1)	echo "topo --jobs 1" ;;
	topo-j300)	echo "topo --jobs 300 (curl's real concurrency)" ;;
	curl-loop)	echo "curl loop (one process per URL)" ;;
	curl-par)	echo "curl --parallel --parallel-max N" ;;
	check-http)	echo "check_http loop" ;;
	nc-loop)	echo "nc -z loop" ;;
	esac
}

table() {
	local wl=$1 n tool w cpu rss runs bad topo_w seqtools
	echo "| N | tool | median wall | x topo | CPU per check | peak RSS | runs |"
	echo "|---:|---|---:|---:|---:|---:|---:|"
	if [ "$wl" == http ]; then seqtools="topo-j1 curl-loop check-http"; else seqtools="topo-j1 nc-loop"; fi
	for n in $SIZES; do
		topo_w=$(stat "$wl" "$n" topo 6)
		for tool in $(tools_for "$wl" "$n") $( [ "$n" -gt "$SEQ_MAX" ] && echo $seqtools); do
			runs=$(stat "$wl" "$n" "$tool" 4)
			if [ -z "$runs" ]; then
				# Sequential above SEQ_MAX: extrapolated, labelled.
				w=$(extra_wall "$wl" "$n" "$tool")
				[ -z "$w" ] && continue
				cpu=$(stat "$wl" "$SEQ_MAX" "$tool" 7)
				printf '| %s | %s | *%s* | *%s* | *%.0f µs* | *%.1f MiB* | extrapolated from N=%s |\n' \
				    "$n" "$(label "$tool")" "$(fmt_ms "$w")" "$(ratio "$w" "$topo_w")" \
				    "$(awk -v c="$cpu" -v m="$SEQ_MAX" 'BEGIN { print c / m * 1000 }')" \
				    "$(awk -v r="$(stat "$wl" "$SEQ_MAX" "$tool" 8)" 'BEGIN { print r / 1024 }')" "$SEQ_MAX"
				continue
			fi
			bad=$(stat "$wl" "$n" "$tool" 5)
			w=$(stat "$wl" "$n" "$tool" 6)
			cpu=$(stat "$wl" "$n" "$tool" 7)
			rss=$(stat "$wl" "$n" "$tool" 8)
			if [ "$w" == - ]; then
				printf '| %s | %s | every run failed | | | | %s |\n' "$n" "$(label "$tool")" "$runs"
				continue
			fi
			printf '| %s | %s | %s | %s | %.0f µs | %.1f MiB | %s%s |\n' "$n" "$(label "$tool")" \
			    "$(fmt_ms "$w")" "$(ratio "$w" "$topo_w")" \
			    "$(awk -v c="$cpu" -v n="$n" 'BEGIN { print c / n * 1000 }')" \
			    "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$runs" \
			    "$([ "$bad" != 0 ] && echo " ($bad failed)")"
		done
	done
}

# The issue's targets, each a ratio from this run.
verdict() { awk -v v="$1" -v lim="$2" -v op="$3" 'BEGIN { if (v == "" || v == "-") print "not measured"; else if ((op == "<=" && v + 0 <= lim + 0) || (op == ">=" && v + 0 >= lim + 0)) print "**met**"; else print "**not met**" }'; }

targets() {
	local t1 tj c1 r1 rj r3 seq1 s1 r1000 rj1000 r10000 rj10000 st va n1 nlast t10 tl grow bound tj10 tjl
	echo "| target | measured (this run) | |"
	echo "|---|---|---|"
	if stat http 1000 topo 6 >/dev/null && [ -n "$(stat http 1000 topo 6)" ]; then
		t1=$(stat http 1000 topo 6); tj=$(stat http 1000 topo-jn 6); c1=$(stat http 1000 curl-par 6)
		r1=$(ratio "$t1" "$c1"); rj=$(ratio "$tj" "$c1")
		r3=$(ratio "$(stat http 1000 topo-j300 6)" "$c1")
		echo "| 1,000 HTTP checks (${DELAY} ms answers): topo ≤ 1.0x curl --parallel --parallel-max 1000, asserting status + body, writing JSON | topo --jobs 1000: ${rj}x ($(fmt_ms "$tj") vs $(fmt_ms "$c1")); --jobs 300 (curl's own cap): ${r3}x; default --jobs 512: ${r1}x | $(verdict "$rj" 1.0 "<=") (--jobs 1000) / $(verdict "$r3" 1.0 "<=") (--jobs 300) / $(verdict "$r1" 1.0 "<=") (default) |"
		seq1=$(extra_wall http 1000 curl-loop)
		s1=$(ratio "$seq1" "$tj")
		echo "| the same 1,000: ≥ 50x faster than the sequential curl loop | ${s1}x with --jobs 1000, $(ratio "$seq1" "$t1")x with the default (loop extrapolated from N=$SEQ_MAX: $(fmt_ms "$seq1")) | $(verdict "$s1" 50 ">=") |"
	fi
	n1=$(set -- $SIZES; echo "$1"); nlast=$(set -- $SIZES; echo "${!#}")
	t10=$(stat http "$n1" topo 6); tl=$(stat http "$nlast" topo 6)
	if [ -n "$t10" ] && [ -n "$tl" ] && [ "$n1" != "$nlast" ]; then
		grow=$(ratio "$tl" "$t10")
		bound=$(awk -v a="$nlast" -v b="$n1" 'BEGIN { ca = int((a + 511) / 512); cb = int((b + 511) / 512); printf "%.2f", ca / cb }')
		echo "| wall time from N=$n1 to N=$nlast grows no faster than N / --jobs (default 512: ≤ ${bound}x) | ${grow}x ($(fmt_ms "$t10") → $(fmt_ms "$tl")) | $(verdict "$grow" "$bound" "<=") |"
		tj10=$(stat http "$n1" topo-jn 6); tjl=$(stat http "$nlast" topo-jn 6)
		echo "| the same with --jobs N (every check in flight: the ideal is 1x) | $(ratio "$tjl" "$tj10")x ($(fmt_ms "$tj10") → $(fmt_ms "$tjl")) | (no bound: shows the per-check cost) |"
	fi
	for n in 1000 10000; do
		local lim=32
		[ "$n" == 10000 ] && lim=128
		r1000=$(stat http "$n" topo 8); rj1000=$(stat http "$n" topo-jn 8)
		[ -z "$r1000" ] && continue
		r1000=$(awk -v r="$r1000" 'BEGIN { printf "%.1f", r / 1024 }')
		rj1000=$(awk -v r="$rj1000" 'BEGIN { printf "%.1f", r / 1024 }')
		echo "| peak RSS for $n HTTP checks ≤ $lim MiB | default: $r1000 MiB; --jobs $n: $rj1000 MiB | $(verdict "$r1000" "$lim" "<=") (default) / $(verdict "$rj1000" "$lim" "<=") (--jobs $n) |"
	done
	st=$(stat joelclaw 0 static 6); va=$(stat joelclaw 0 validate 6)
	if [ -n "$st" ]; then
		echo "| static-layer check of topologies/joelclaw.yaml < 50 ms wall | median $(fmt_ms "$st"), best $(fmt_ms "$(best joelclaw static)") of $(stat joelclaw 0 static 4), CPU $(fmt_ms "$(stat joelclaw 0 static 7)"), (joelclaw.yaml leaves the caddy probe's opt-in \`caddy adapt\` cross-check off); with no caddy program at all (\$TOPO_CADDY set to a missing program): median $(fmt_ms "$(stat joelclaw 0 static-noadapt 6)"), best $(fmt_ms "$(best joelclaw static-noadapt)"), CPU $(fmt_ms "$(stat joelclaw 0 static-noadapt 7)"); topo validate: median $(fmt_ms "$va"), best $(fmt_ms "$(best joelclaw validate)") | $(verdict "$st" 50 "<=") (median) / $(verdict "$(stat joelclaw 0 static-noadapt 6)" 50 "<=") (median, no caddy adapt) |"
		it=$(stat joelclaw 0 init 6)
		echo "| topo init --repo on the joelclaw checkout (a92e88ab) | median $(fmt_ms "$it"), best $(fmt_ms "$(best joelclaw init)"), peak RSS $(awk -v r="$(stat joelclaw 0 init 8)" 'BEGIN { printf "%.1f", r / 1024 }') MiB | (no bound: measured) |"
	else
		echo "| static-layer check of topologies/joelclaw.yaml < 50 ms wall | not measured (no ../shared/fixtures/joelclaw-a92: set JOELCLAW_REPO) | |"
	fi
	if [ -n "$DASH_LINE" ]; then
		set -- $DASH_LINE	# median p90 max keys inflight terminal capture_ms
		echo "| dashboard redraws within 50 ms of a keypress while checks are in flight | median $1 ms, p90 $2 ms, max $3 ms over $4 keys, $5 checks in flight | $(verdict "$3" 50 "<=") (max) |"
	else
		echo "| dashboard redraws within 50 ms of a keypress while checks are in flight | not measured | |"
	fi
}

{
	echo "# topo benchmark results"
	echo
	echo "Written by \`$COMMAND\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'):"
	echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')),"
	echo "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr), descriptor limit $NOFILE;"
	echo "load average $LOAD_BEFORE before, $LOAD_AFTER after (the machine is shared: the"
	echo "tools ran interleaved, so a busy moment falls on all of them alike)."
	echo "$(./topo version 2>/dev/null | head -1 | cut -d' ' -f1-2); $(curl --version | head -1 | cut -d' ' -f1-2); check_http from monitoring-plugins $(dpkg-query -W -f='${Version}' monitoring-plugins-basic 2>/dev/null)."
	echo
	echo "Every check asks 127.0.0.1: the loopback fixture server"
	echo "(tests/helpers/fixture-server.c, epoll) answers each HTTP request \`ok\`"
	echo "after **$DELAY ms**; HTTP checks are spread over 100 ports, TCP checks"
	echo "connect to N distinct listening ports. topo asserts status 200 and body"
	echo "\`/^ok\$/\` and writes its JSON report; curl only fetches; check_http"
	echo "asserts status and body. Median of $RUNS runs per row; CPU is user +"
	echo "system time of the command and every process it waited for, divided by"
	echo "N; peak RSS is the largest resident set of any one of its processes, the"
	echo "highest over the runs. *Italic* rows are sequential tools not run above"
	echo "N=$SEQ_MAX: their time is extrapolated linearly from N=$SEQ_MAX."
	echo "\"x topo\" is the row's wall time divided by default topo's at the same N."
	echo "curl caps \`--parallel-max\` at 300 whatever is asked (curl's tool limit),"
	echo "so \"--parallel-max N\" is min(N, 300) transfers at once."
	echo
	echo "## HTTP checks"
	echo
	table http
	echo
	echo "## TCP checks"
	echo
	table tcp
	echo
	echo "## Loading, planning, diffing and rendering alone"
	echo
	echo "\`topo check --layer static --format json\` of the HTTP topologies: every"
	echo "check planned, skipped by the layer, diffed and written to the JSON"
	echo "report; no probe runs. Flat CPU per check means no quadratic work."
	echo
	LABEL_WORKLOAD=render table render
	echo
	echo "## Targets (issue 6), as ratios measured in this run"
	echo
	targets
	echo
	if [ -n "$STATIC_NOTE" ]; then
		echo "The joelclaw static check ran against a copy of the real repository"
		echo "at a92e88ab (what tests/integration/joelclaw.sh checks): $STATIC_NOTE."
		echo
	fi
	if [ -n "$DASH_LINE" ]; then
		set -- $DASH_LINE	# median p90 max keys inflight terminal capture_ms
		echo "Dashboard: \`topo dash --jobs 1000\` in tmux (120x40) on 1,000 HTTP checks whose"
		echo "answers take 20 s, so all of them are in flight while keys are pressed"
		echo "($5 connections established when measured). Per key (\`?\` opening,"
		echo "then closing the help screen), the time from \`tmux send-keys\` until"
		echo "\`tmux capture-pane\`, polled in a tight loop, shows the change: an upper"
		echo "bound, since one capture-pane call alone takes about $7 ms here."
		echo
	fi
	echo "Benchmark wall time: ${BENCH_SECONDS} s for the interleaved rounds."
	echo
	echo "Reproduce: \`./scripts/deps.sh && $COMMAND\` (knobs: BENCH_SIZES,"
	echo "BENCH_RUNS, BENCH_SEQ_MAX, BENCH_DELAY_MS, BENCH_DASH; see bench/run.sh)."
	echo
	echo "<details><summary>raw runs (workload N tool round wall_ms user_ms sys_ms maxrss_kb valid)</summary>"
	echo
	echo '```'
	cat "$RAW"
	echo '```'
	echo "</details>"
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"

if [ -s "$WORK/stderr" ]; then
	say "stderr of the measured commands (first lines):"
	head -5 "$WORK/stderr" >&2
fi
say "wrote ${OUT#"$ROOT"/}"
