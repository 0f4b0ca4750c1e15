#!/usr/bin/env bash
# scripts/test.sh: `make check`. Installs missing packages, builds topo with
# -Werror, builds the ASan+UBSan variant, then runs every tier against it:
# unit (cmocka), data-driven cases, integration against real servers on
# 127.0.0.1, and the dashboard under tmux. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export ROOT BUILD="$ROOT/build-asan" TOPO="$ROOT/build-asan/topo"
OUT="$ROOT/tests/out"
rm -rf "$OUT"
mkdir -p "$OUT"

./scripts/deps.sh || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
echo "== build (-Werror)"
make -s -j"$jobs" WERROR=-Werror >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; echo "0 passed, 1 failed"; exit 1; }
echo "== build (ASan+UBSan)"
make -s -j"$jobs" SANITIZE=1 WERROR=-Werror >"$OUT/build-asan.log" 2>&1 || { cat "$OUT/build-asan.log"; echo "0 passed, 1 failed"; exit 1; }

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"
passed=0
failed=0
skipped=0

# A tier's log counts: PASS:/FAIL: lines; a sanitizer report or a script
# that died without saying FAIL is one failure more.
count() {
	local name=$1 log=$2 rc=$3 p f
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
		echo "FAIL: $name: sanitizer report (see $log)"
		f=$((f + 1))
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL: $name: exited $rc without a failed assertion (see $log)"
		f=$((f + 1))
	fi
	grep '^FAIL: ' "$log" | sed "s|^FAIL: |FAIL: $name: |"
	# Skipped with a reason (../shared absent): said, not counted as passed.
	grep '^SKIP: ' "$log" | sed "s|^SKIP: |SKIP: $name: |"
	skipped=$((skipped + $(grep -c '^SKIP: ' "$log")))
	passed=$((passed + p))
	failed=$((failed + f))
	printf '   %-28s %4d passed, %d failed\n' "$name" "$p" "$f"
}

echo "== unit"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log="$OUT/$name.log"
	timeout 300 "$t" >"$log.raw" 2>&1
	rc=$?
	# cmocka: "[       OK ] name" per passing test, "[  FAILED  ] name" per failure.
	sed -n -e 's/^\[       OK \] \(.*\)/PASS: \1/p' \
	    -e 's/^\[  FAILED  \] \([^0-9].*\)/FAIL: \1/p' "$log.raw" >"$log"
	grep -vE '^\[ *(OK|FAILED) *\]' "$log.raw" >>"$log"
	count "$name" "$log" "$rc"
done

echo "== cases"
if [ -f tests/cases/run.sh ]; then
	timeout 600 bash tests/cases/run.sh >"$OUT/cases.log" 2>&1
	count cases "$OUT/cases.log" $?
fi

echo "== integration"
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	timeout 900 bash "$t" >"$OUT/$name.log" 2>&1 </dev/null
	count "$name" "$OUT/$name.log" $?
done

# Nothing a test started may outlive it.
left=$(pgrep -f "$ROOT/(build|build-asan|build-posix)/" 2>/dev/null | grep -v "^$$\$" || true)
# One that has exited but that init has not reaped yet (state Z, the last
# tier's killed fixture a moment ago) is not running.
left=$(for pid in $left; do
	case $(ps -o stat= -p "$pid" 2>/dev/null) in Z* | "") ;; *) echo "$pid" ;; esac
done)
if [ -n "$left" ]; then
	echo "FAIL: processes left running: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ',')" 2>/dev/null)"
	failed=$((failed + 1))
fi

[ "$skipped" = 0 ] || echo "($skipped skipped, each with its reason above)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
