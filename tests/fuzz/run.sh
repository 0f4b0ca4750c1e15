#!/usr/bin/env bash
# tests/fuzz/run.sh: builds and runs topo's libFuzzer targets (fuzz_*.c here).
#
#   run.sh [SECONDS] [TARGET...]   fuzz each target for SECONDS (default 60);
#                                  `make fuzz FUZZ_SECONDS=N` calls this
#   run.sh --smoke [SECONDS] [TARGET...]
#                                  the committed regression inputs through each
#                                  target, then a short fuzz (default 5 s)
#   run.sh --regressions [TARGET...] only the committed regression inputs
#   run.sh --build                 only build build-fuzz/fuzz/fuzz_*
#   run.sh --list                  the target names
#
# The library is built with clang -fsanitize=fuzzer-no-link,address,undefined
# into build-fuzz/ (through the Makefile, so it is the same code as topo), and
# each target links it with -fsanitize=fuzzer,address,undefined.
#
# Seed corpora are copied at run time (never duplicated in git) from
# $ROOT/../shared/fixtures, tests/fixtures, tests/hostile, tests/cases and
# the topologies written in tests/integration/*.sh (plus tests/fuzz/seeds/
# for what has no fixture: Redis replies), into
# build-fuzz/seeds/TARGET; what the fuzzer finds grows build-fuzz/corpus/TARGET
# (kept between runs). A crash, leak, timeout or out-of-memory input is left
# in build-fuzz/artifacts/TARGET/: once fixed, commit it under
# tests/fuzz/regressions/TARGET/ so the normal suite (fuzz-smoke.sh) runs it.
#
# FUZZ_JOBS (default 2) targets run at once; each line of the summary gives
# executions, corpus size and coverage. Exit 0 when no target failed.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
FUZZ="$ROOT/tests/fuzz"
OUT="$ROOT/build-fuzz"
BIN="$OUT/fuzz"
SHARED="$ROOT/../shared/fixtures"
CC_FUZZ=${CC_FUZZ:-clang}
JOBS=${FUZZ_JOBS:-2}
SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
PKGS="ncursesw libcurl libcjson hiredis yaml-0.1 libpcre2-8 libplist-2.0 libcrypto"

mode=fuzz
seconds=
case "${1:-}" in
	--smoke) mode=smoke; shift ;;
	--regressions) mode=regressions; shift ;;
	--build) mode=build; shift ;;
	--list) mode=list; shift ;;
	-h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
if [ "$mode" = fuzz ] || [ "$mode" = smoke ]; then
	if [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
	[ -z "$seconds" ] && { [ "$mode" = smoke ] && seconds=5 || seconds=60; }
fi

all_targets() {
	local f
	for f in "$FUZZ"/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done
}
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(all_targets); fi
if [ "$mode" = list ]; then printf '%s\n' "${targets[@]}"; exit 0; fi
for t in "${targets[@]}"; do
	[ -f "$FUZZ/fuzz_$t.c" ] || { echo "run.sh: no target '$t' (run.sh --list)" >&2; exit 2; }
done

build() {
	local t cflags libs
	mkdir -p "$BIN"
	# The same objects as topo, from the Makefile, built for the fuzzer.
	# Several runs may share build-fuzz/ (a long run while make check smokes):
	# one build at a time.
	exec 9>"$OUT/.build.lock"
	flock 9
	if ! make -s -j"$JOBS" CC="$CC_FUZZ" BUILD=build-fuzz WERROR= \
	    SANFLAGS="-fsanitize=fuzzer-no-link $SANFLAGS" build-fuzz/libtopo.a \
	    >"$OUT/build.log" 2>&1; then
		cat "$OUT/build.log" >&2
		echo "run.sh: building build-fuzz/libtopo.a failed" >&2
		return 1
	fi
	cflags="-std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra $(pkg-config --cflags $PKGS)"
	libs="$(pkg-config --libs $PKGS) -lpthread -lm"
	for t in "${targets[@]}"; do
		[ "$BIN/fuzz_$t" -nt "$FUZZ/fuzz_$t.c" ] && [ "$BIN/fuzz_$t" -nt "$OUT/libtopo.a" ] &&
		    [ "$BIN/fuzz_$t" -nt "$FUZZ/fuzz.h" ] && continue
		# shellcheck disable=SC2086
		if ! "$CC_FUZZ" $cflags -fsanitize=fuzzer $SANFLAGS -o "$BIN/fuzz_$t.new" \
		    "$FUZZ/fuzz_$t.c" "$OUT/libtopo.a" $libs; then
			echo "run.sh: building fuzz_$t failed" >&2
			return 1
		fi
		mv -f "$BIN/fuzz_$t.new" "$BIN/fuzz_$t"
	done
	flock -u 9
}

# seed_one DIR FILE...: copies readable files into DIR under content names.
seed_files() {
	local dir=$1 f
	shift
	for f in "$@"; do
		[ -f "$f" ] && [ -r "$f" ] || continue
		[ "$(stat -c %s "$f")" -le 1048576 ] || continue
		cp "$f" "$dir/$(sha1sum "$f" | cut -c1-16)"
	done
}
# seed_text DIR TEXT: one seed from a string.
seed_text() {
	printf '%s' "$2" >"$1/text-$(printf '%s' "$2" | sha1sum | cut -c1-16)"
}
# The topologies written inline in the integration tests (heredocs that
# start with `version:`), so every probe's section is a seed.
seed_heredocs() {
	local dir=$1 f
	for f in "$ROOT"/tests/integration/*.sh; do
		awk -v out="$dir/heredoc-$(basename "$f" .sh)-" '
			/<<-?'"'"'?EOF'"'"'?/ { inside = 1; n++; text = ""; next }
			inside && /^EOF$/ { inside = 0
				if (text ~ /^version:/) { print text > (out n); close(out n) }
				next }
			inside { text = text $0 "\n" }
		' "$f"
	done
}

seed() {
	local t=$1 dir="$SEEDS/$1" f name
	rm -rf "$dir"
	mkdir -p "$dir"
	case $t in
	topology)
		seed_files "$dir" "$ROOT"/topologies/*.yaml "$ROOT"/tests/hostile/*.yaml \
		    "$ROOT"/tests/cases/*/topology.yaml "$ROOT"/topo.yaml
		seed_heredocs "$dir" ;;
	launchctl)
		seed_files "$dir" "$SHARED"/launchctl/*.txt "$ROOT"/tests/fixtures/launchctl/*.txt ;;
	plist)
		seed_files "$dir" "$SHARED"/joelclaw-repo/infra/launchd/*.plist \
		    "$ROOT"/tests/fixtures/launchd/*.plist
		# The binary form too, which libplist reads as well.
		if command -v plistutil >/dev/null 2>&1; then
			for f in "$SHARED"/joelclaw-repo/infra/launchd/*.plist; do
				[ -f "$f" ] && plistutil -i "$f" -o "$dir/binary-$(basename "$f")" -f bin \
				    >/dev/null 2>&1
			done
		fi ;;
	systemd)
		seed_files "$dir" "$ROOT"/tests/fixtures/systemd/* "$ROOT"/tests/fixtures/systemd/*/*
		seed_text "$dir" $'LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nExecMainStatus=0\nExecStart={ path=/usr/bin/node ; argv[]=/usr/bin/node server.js ; ignore_errors=no }\n'
		seed_text "$dir" $'[Unit]\nDescription=x\n[Service]\nType=simple\nExecStart=-/usr/bin/env node a.js\nEnvironment=TOKEN=x\nRestart=always\n[Install]\nWantedBy=default.target\n'
		seed_text "$dir" $'[Timer]\nOnCalendar=*-*-* 03:00:00\n' ;;
	kubectl)
		seed_files "$dir" "$SHARED"/kubectl/*.json "$ROOT"/tests/fixtures/kubectl/*.json ;;
	manifest)
		seed_files "$dir" "$SHARED"/joelclaw-repo/k8s/*.yaml "$ROOT"/tests/fixtures/k8s/*.yaml ;;
	caddyfile)
		seed_files "$dir" "$ROOT"/tests/fixtures/caddy/*Caddyfile* \
		    "$ROOT"/tests/fixtures/caddy/imports/Caddyfile "$ROOT"/tests/fixtures/caddy/imports/sites/* ;;
	caddy_json)
		seed_files "$dir" "$ROOT"/tests/fixtures/caddy/*.json ;;
	sources)
		# The list name on the first line, then the file.
		for f in "$ROOT"/tests/cases/*/repo/*.ts "$ROOT"/tests/cases/*/repo/*/*/*.ts \
		    "$ROOT"/tests/cases/*/repo/*/*/*/*/*/*.ts; do
			[ -f "$f" ] || continue
			name=$(grep -oE 'const [A-Za-z_$][A-Za-z0-9_$]*' "$f" | head -n 1 | cut -d' ' -f2)
			[ -n "$name" ] || name=hostFunctionDefinitions
			{ echo "$name"; cat "$f"; } >"$dir/$(sha1sum "$f" | cut -c1-16)"
		done
		seed_text "$dir" $'fns\nexport const fns = [a, b(), c.d, ...e, "f", `g${h}`, [i, j], // k,\n /* l, */ m] as const;\n' ;;
	jsonpath|match)
		local prefix=
		[ "$t" = match ] && prefix=$'"status"\\s*:\\s*"(ok|healthy)"\n'
		for f in "$SHARED"/kubectl/*.json "$ROOT"/tests/fixtures/kubectl/*.json \
		    "$ROOT"/tests/fixtures/caddy/*.json; do
			[ -f "$f" ] || continue
			for name in '$.items[0].metadata.name' '$.items.length()' \
			    '$.items[?kind=Service].spec.ports[-1].nodePort' '$.apps.http.servers.#' \
			    '$["items"][0]'"['spec']"; do
				{ printf '%s%s\n' "$prefix" "$name"; cat "$f"; } \
				    >"$dir/$(printf '%s' "$name" | sha1sum | cut -c1-8)-$(sha1sum "$f" | cut -c1-8)"
			done
		done
		seed_text "$dir" "${prefix}"$'$.status\n{"status":"ok","n":101,"a":[1,2.5,-3e-7,true,null,{"x":"y"}]}'
		seed_text "$dir" "${prefix}"$'$.data.apps[?name=system-bus-host].functions.length()\n{"data":{"apps":[{"name":"system-bus-host","functions":[1,2,3]}]}}' ;;
	report)
		# id, expected, observed, message on the first lines; evidence after.
		for f in "$SHARED"/launchctl/*.txt "$ROOT"/tests/fixtures/kubectl/*.json; do
			[ -f "$f" ] || continue
			{ printf 'launchd/com.joel.gateway\nstate = running\nstate = not running\nchanged\n'
			  head -c 4096 "$f"; } >"$dir/$(sha1sum "$f" | cut -c1-16)"
		done
		seed_text "$dir" $'http/a <b>\nstatus = 200\nstatus = 500 & "x"\nGET http://127.0.0.1/ -> 500\nbody: ]]> <![CDATA[ \xff\x01'
		seed_text "$dir" $'k8s/joelclaw/Service/x|y\n`a`|b\n*c*\n_d_\n# e\n| f |' ;;
	esac
	# Hand-written seeds of a target with no fixtures to start from (redis).
	[ -d "$FUZZ/seeds/$t" ] && seed_files "$dir" "$FUZZ/seeds/$t"/*
	find "$dir" -type f | wc -l
}

# The last libFuzzer status line of a log: "#N DONE cov: C ft: F corp: K/S ...".
summary() {
	local log=$1 line execs cov ft corp
	line=$(grep -aE '^#[0-9]+' "$log" | tail -n 1)
	execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$line")
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$line")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$line")
	corp=$(sed -nE 's/.* corp: ([0-9]+)\/([0-9A-Za-z]+).*/\1 inputs, \2/p' <<<"$line")
	echo "executions ${execs:-?}, corpus ${corp:-?}, coverage ${cov:-?} edges, ${ft:-?} features"
}

# fuzz_one TARGET SECONDS: one fuzzing session; prints one summary line.
fuzz_one() {
	local t=$1 secs=$2 log="$OUT/logs/$1.log" dict="" rc corpus="$OUT/corpus/$1"
	# A smoke starts from the seeds alone, so its time is spent fuzzing, not
	# replaying what long runs have grown.
	if [ "$mode" = smoke ]; then
		corpus="$SMOKE/corpus/$t"
		log="$SMOKE/$t.log"
		rm -rf "$corpus"
	fi
	mkdir -p "$corpus" "$OUT/artifacts/$t" "$(dirname "$log")"
	case $t in
		topology|manifest) dict="-dict=$FUZZ/topology.dict" ;;
		kubectl|caddy_json|jsonpath|match|doc_results) dict="-dict=$FUZZ/json.dict" ;;
		redis) dict="-dict=$FUZZ/redis.dict" ;;
	esac
	# shellcheck disable=SC2086
	ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
	"$BIN/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" $dict \
	    "$corpus" "$SEEDS/$t" >"$log" 2>&1 </dev/null
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "PASS: fuzz $t ${secs}s: $(summary "$log")"
	else
		echo "FAIL: fuzz $t ${secs}s: exit $rc, $(summary "$log")"
		grep -a -m1 -E 'ERROR: |runtime error:|Test unit written to' "$log" | sed 's/^/    /'
		grep -aE 'Test unit written to' "$log" | sed 's/^/    /'
		echo "    log: $log"
	fi
}

# regress_one TARGET: every committed regression input, run once.
regress_one() {
	local t=$1 dir="$FUZZ/regressions/$1" log="$SMOKE/$1.regressions.log" n
	mkdir -p "$SMOKE"
	n=$(find "$dir" -type f 2>/dev/null | wc -l)
	if [ "$n" = 0 ]; then return 0; fi
	if ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
	    "$BIN/fuzz_$t" -timeout=10 -rss_limit_mb=2048 "$dir"/* >"$log" 2>&1 </dev/null; then
		echo "PASS: fuzz $t: $n regression inputs"
	else
		echo "FAIL: fuzz $t: a regression input fails again"
		grep -a -m3 -E 'ERROR: |runtime error:|Running: ' "$log" | sed 's/^/    /'
		echo "    log: $log"
	fi
}

build || { echo "FAIL: fuzz build"; exit 1; }
[ "$mode" = build ] && exit 0

status=0
# Smokes (make check) may run while a long run goes on: their own seeds,
# corpora, logs and result files.
# Each smoke in its own folder (two make checks may smoke at once), removed
# when it passed.
SMOKE="$OUT/smoke/$$"
SEEDS="$OUT/seeds"
[ "$mode" = smoke ] && SEEDS="$SMOKE/seeds"
RESULTS=$(mktemp "$OUT/.results.XXXXXX")
if [ "$mode" = smoke ] || [ "$mode" = regressions ]; then
	for t in "${targets[@]}"; do
		regress_one "$t" | tee -a "$RESULTS"
	done
fi
if [ "$mode" = fuzz ] || [ "$mode" = smoke ]; then
	for t in "${targets[@]}"; do
		printf 'seeds %-12s %s\n' "$t" "$(seed "$t")"
	done
	# At most JOBS sessions at once, each printing its line when it ends.
	running=0
	for t in "${targets[@]}"; do
		fuzz_one "$t" "$seconds" &
		running=$((running + 1))
		if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
	done
	wait
fi 2>&1 | tee -a "$RESULTS"
grep -q '^FAIL: ' "$RESULTS" && status=1
rm -f "$RESULTS"
[ "$status" = 0 ] && rm -rf "$SMOKE"
exit $status
