# tests/lib.sh: sourced by every tests/integration/*.sh and tests/cases/run.sh.
#
# Each test script runs with:
#   TOPO       the topo binary under test (ASan+UBSan build in `make check`)
#   BUILD      the build folder (helpers in $BUILD/tests/, e.g. fixture-server)
#   ROOT       the repository root
#   TMPDIR     a fresh scratch folder for this script, removed afterwards
# It reports each assertion as a line "PASS: name" or "FAIL: name" (with
# details indented below); scripts/test.sh counts them. Servers a script
# starts must be stopped by it: register them with t_cleanup.

: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BUILD:=$ROOT/build-asan}"
: "${TOPO:=$BUILD/topo}"
export ROOT BUILD TOPO
export NO_COLOR=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}"

T_CLEANUP=()
t_cleanup() { T_CLEANUP+=("$*"); }
t_run_cleanup() {
	local i
	for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUP[$i]}" >/dev/null 2>&1 || true
	done
	T_CLEANUP=()
}
if [ -z "${T_NO_TMP:-}" ]; then
	TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/topo-test.XXXXXX")
	export TMPDIR
	trap 't_run_cleanup; rm -rf "$TMPDIR"' EXIT
	trap 'exit 130' INT TERM
fi

t_pass() { echo "PASS: $1"; }
# t_skip NAME REASON: a test that cannot run here, and why (counted apart).
t_skip() { echo "SKIP: $1: $2"; }
# t_need_shared NAME: ends the script, skipped, when ../shared/fixtures (the
# real joelclaw files and recorded tool outputs, beside a CI clone) is absent.
t_need_shared() {
	[ -d "$ROOT/../shared/fixtures" ] && return 0
	t_skip "$1" "$ROOT/../shared/fixtures is absent (../shared is not beside the project)"
	exit 0
}
t_fail() {
	echo "FAIL: $1"
	shift
	[ $# -gt 0 ] && printf '    %s\n' "$@"
	return 0
}

# t_eq NAME EXPECTED ACTUAL
t_eq() {
	if [ "$2" == "$3" ]; then t_pass "$1"; else
		t_fail "$1" "expected: $2" "actual:   $3"; fi
}
# t_contains NAME HAYSTACK NEEDLE
t_contains() {
	if [[ "$2" == *"$3"* ]]; then t_pass "$1"; else
		t_fail "$1" "missing: $3" "in: ${2:0:2000}"; fi
}
# t_not_contains NAME HAYSTACK NEEDLE
t_not_contains() {
	if [[ "$2" != *"$3"* ]]; then t_pass "$1"; else
		t_fail "$1" "unexpected: $3" "in: ${2:0:2000}"; fi
}
# t_exit NAME EXPECTED_CODE cmd args...: runs cmd, asserts its exit code.
# Its stdout is left in $T_OUT and stderr in $T_ERR.
t_exit() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >"$TMPDIR/.out" 2>"$TMPDIR/.err"
	rc=$?
	T_OUT=$(cat "$TMPDIR/.out")
	T_ERR=$(cat "$TMPDIR/.err")
	if [ "$rc" == "$want" ]; then t_pass "$name"; else
		t_fail "$name" "exit $rc, expected $want: $*" "stdout: ${T_OUT:0:1500}" "stderr: ${T_ERR:0:1500}"; fi
}

# A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
t_free_port() {
	python3 - 2>/dev/null <<'PY' || t_free_port_bash
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}
t_free_port_bash() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
# t_wait_port PORT [SECONDS]: waits until something listens on 127.0.0.1:PORT.
t_wait_port() {
	local i n=$(( ${2:-10} * 20 ))
	for ((i = 0; i < n; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "port $1 never opened" >&2
	return 1
}

# t_fixture NAME ARGS...: starts the loopback fixture server
# ($BUILD/tests/fixture-server ARGS, plus one port of its choosing) and waits
# for it; sets FIXTURE_PORT (that port) and FIXTURE_PID, adds the pid to
# FIXTURE_PIDS; it is killed at the end. Its stdout and stderr are
# $TMPDIR/NAME.out and .err. Not started: a failure, and the script ends.
FIXTURE_PIDS=()
t_fixture() {
	local name=$1 ready=$TMPDIR/$1.ready
	shift
	"$BUILD/tests/fixture-server" --port 0 --ready-file "$ready" \
	    --pidfile "$TMPDIR/$name.pid" "$@" >"$TMPDIR/$name.out" \
	    2>"$TMPDIR/$name.err" &
	FIXTURE_PID=$!
	FIXTURE_PIDS+=("$FIXTURE_PID")
	t_cleanup "kill $FIXTURE_PID"
	for _ in $(seq 200); do [ -s "$ready" ] && break; sleep 0.05; done
	FIXTURE_PORT=$(sed -n '1s/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$ready")
	if [ -z "$FIXTURE_PORT" ]; then
		t_fail "fixture $name started" "$(cat "$TMPDIR/$name.err")"
		exit 0
	fi
}

# jq over the JSON report: t_jq FILE FILTER
t_jq() { jq -r "$2" "$1"; }
