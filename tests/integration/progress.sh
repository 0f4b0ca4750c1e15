#!/usr/bin/env bash
# progress.sh: a long `topo check` on a terminal (tmux) shows one progress
# line on stderr (done/total, failures, the slowest check in flight), erased
# at the end; nothing off a terminal or with --quiet; no ESC[K with
# TERM=dumb. Ctrl-C and SIGTERM stop the probes and still write the report of
# what finished, the rest "not_run", exit 128 + the signal (issue 19 item 2).
. "$ROOT/tests/lib.sh"

export LC_ALL=C.UTF-8
SOCK=topo-progress-$$
if ! command -v tmux >/dev/null; then
	t_fail "progress: tmux is installed" "tmux not found"
	exit 0
fi
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
t_cleanup "tmux -L $SOCK kill-server"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
screen() { tm capture-pane -p -t "$1"; }
# wait_screen PANE PATTERN [SECONDS]: the capture is left in $SCREEN.
wait_screen() {
	local deadline=$(($(now_ms) + ${3:-15} * 1000))
	while :; do
		SCREEN=$(screen "$1")
		grep -Eq -- "$2" <<<"$SCREEN" && return 0
		[ "$(now_ms)" -gt "$deadline" ] && return 1
		sleep 0.05
	done
}
new_pane() {
	local name=$1
	shift
	tm new-session -d -s "$name" -x 100 -y 30 \
	    env -i PATH="$PATH" HOME="$TMPDIR" TERM=tmux-256color \
	    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	    PS1='$ ' HISTFILE=/dev/null "$@" bash --norc --noprofile
	wait_screen "$name" '^\$ ?$' 10
}
run_in() { tm send-keys -t "$1" -l "$2"; tm send-keys -t "$1" Enter; }

# 40 checks answered after 1.5 s, 5 that hang to their 6 s timeout, one
# refused: with --jobs 8 the run lasts several seconds.
t_fixture slow --route 'GET /slow 200+1500 ok' --route 'GET /hang 200 !hang'
CLOSED=$(t_free_port)
{
	echo "version: 1"
	echo "system: progress"
	echo "http:"
	for i in $(seq 40); do
		echo "  - {name: slow$i, url: \"http://127.0.0.1:$FIXTURE_PORT/slow\"}"
	done
	for i in $(seq 5); do
		echo "  - {name: hang$i, url: \"http://127.0.0.1:$FIXTURE_PORT/hang\", timeout_ms: 6000}"
	done
	echo "  - {name: refused, url: \"http://127.0.0.1:$CLOSED/\"}"
} >"$TMPDIR/slow.yaml"
T=$TMPDIR/slow.yaml

# ---- on a terminal: the line while it runs, gone at the end
new_pane p1
run_in p1 "'$TOPO' check -f '$T' --jobs 8 --format json -o '$TMPDIR/p1.json'; echo EXIT=\$?"
if wait_screen p1 '\[[0-9]+/46\] [0-9]+ failed'; then
	t_pass "tty: a progress line (done/total, failures)"
else
	t_fail "tty: a progress line" "$SCREEN"
fi
wait_screen p1 '\[[0-9]+/46\] [0-9]+ failed, slowest http/[a-z0-9]+ [0-9.]+ s' 10 &&
	t_pass "tty: the slowest check in flight" || t_fail "tty: the slowest check in flight" "$SCREEN"
wait_screen p1 '^EXIT=' 60 || t_fail "tty: the run ends" "$SCREEN"
t_contains "tty: exit 1 (5 timeouts, 1 refused)" "$SCREEN" "EXIT=1"
t_not_contains "tty: the progress line is erased" "$SCREEN" "failed, slowest"
t_not_contains "tty: no progress count left" "$SCREEN" "/46]"
t_eq "tty: the report is whole" "46 6 false" \
	"$(jq -r '"\(.summary.total) \(.summary.error) \(.interrupted)"' "$TMPDIR/p1.json")"

# ---- --quiet on a terminal: nothing
new_pane p2
run_in p2 "'$TOPO' check -f '$T' --jobs 8 --quiet -o /dev/null 2>'$TMPDIR/p2.err'; echo EXIT=\$?"
sleep 2
t_not_contains "--quiet: no line while it runs" "$(screen p2)" "/46]"
wait_screen p2 '^EXIT=' 60 || t_fail "--quiet: the run ends" "$SCREEN"

# ---- off a terminal: stderr stays empty
"$TOPO" check -f "$T" --jobs 8 -o /dev/null 2>"$TMPDIR/pipe.err"
t_eq "not a tty: nothing on stderr" "" "$(cat "$TMPDIR/pipe.err")"

# ---- TERM=dumb: the line without escape codes
tm new-session -d -s p3 -x 100 -y 30 env -i PATH="$PATH" TERM=dumb \
    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
    script -qfec "'$TOPO' check -f '$T' --jobs 8 -o /dev/null" "$TMPDIR/dumb.typescript"
for _ in $(seq 600); do tm has-session -t p3 2>/dev/null || break; sleep 0.1; done
t_contains "TERM=dumb: the progress line was drawn" "$(cat "$TMPDIR/dumb.typescript")" "/46]"
t_not_contains "TERM=dumb: no ESC[K" "$(cat "$TMPDIR/dumb.typescript")" $'\033[K'

# ---- Ctrl-C: the report of what finished, the rest not run, exit 130
new_pane p4
run_in p4 "'$TOPO' check -f '$T' --jobs 8 --format json -o '$TMPDIR/p4.json'; echo EXIT=\$?"
wait_screen p4 '\[[1-9][0-9]*/46\]' 30 || t_fail "Ctrl-C: some checks finished first" "$SCREEN"
start=$(now_ms)
tm send-keys -t p4 C-c
wait_screen p4 '^EXIT=' 20 || t_fail "Ctrl-C: the run stops" "$SCREEN"
t_contains "Ctrl-C: exit 130" "$SCREEN" "EXIT=130"
t_eq "Ctrl-C: the report says interrupted, exit_code 130" "true 130" \
	"$(jq -r '"\(.interrupted) \(.exit_code)"' "$TMPDIR/p4.json")"
t_eq "Ctrl-C: finished + not run = total" "46" \
	"$(jq -r '.summary | .ok + .drift + .error + .unknown + .skipped + .not_run' "$TMPDIR/p4.json")"
t_eq "Ctrl-C: some not run" "1" "$(jq -r 'if .summary.not_run > 0 then 1 else 0 end' "$TMPDIR/p4.json")"
t_eq "Ctrl-C: some finished" "1" "$(jq -r 'if .summary.ok > 0 then 1 else 0 end' "$TMPDIR/p4.json")"
t_eq "Ctrl-C: not_run checks say why" "not run: SIGINT (Ctrl-C) stopped the run" \
	"$(jq -r '[.checks[] | select(.status == "not_run")][0].message' "$TMPDIR/p4.json")"
t_eq "Ctrl-C: the not_run checks have no observation" "null" \
	"$(jq -r '[.checks[] | select(.status == "not_run")][0].observed' "$TMPDIR/p4.json")"

# ---- SIGTERM: the same, exit 143, text report says it
"$TOPO" check -f "$T" --jobs 8 >"$TMPDIR/term.txt" 2>&1 &
pid=$!
sleep 2.5
kill -TERM "$pid"
wait "$pid"
t_eq "SIGTERM: exit 143" 143 "$?"
t_contains "SIGTERM: the summary says interrupted" "$(tail -1 "$TMPDIR/term.txt")" "interrupted by SIGTERM"
t_contains "SIGTERM: the summary counts not run" "$(tail -1 "$TMPDIR/term.txt")" " not run"
t_contains "SIGTERM: exit 143 in the summary" "$(tail -1 "$TMPDIR/term.txt")" "exit 143"
"$TOPO" check -f "$T" --jobs 8 --format junit >"$TMPDIR/term.xml" 2>/dev/null &
pid=$!
sleep 2.5
kill -TERM "$pid"
wait "$pid"
t_contains "SIGTERM: junit marks not run as skipped" "$(cat "$TMPDIR/term.xml")" 'message="not_run: not run: SIGTERM'

# ---- the dashboard: "probing N/M" while a run is in flight
new_pane p5 NO_COLOR=1
run_in p5 "'$TOPO' dash -f '$T' --jobs 8 --interval 60 2>'$TMPDIR/dash.err'; echo EXIT=\$?"
if wait_screen p5 'probing [0-9]+/46 ' 20; then
	t_pass "dash: probing N/M"
else
	t_fail "dash: probing N/M" "$SCREEN"
fi
wait_screen p5 'probing [1-9][0-9]*/46 ' 20 && t_pass "dash: the count moves" || t_fail "dash: the count moves" "$SCREEN"
tm send-keys -t p5 q
wait_screen p5 '^EXIT=0' 20 && t_pass "dash: q exits 0 mid-run" || t_fail "dash: q exits 0 mid-run" "$SCREEN"
