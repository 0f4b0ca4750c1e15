#!/bin/bash
# tests/integration/dash.sh: the real `topo dash` in a real terminal (tmux),
# against real loopback servers (tests/helpers/fixture-server.c): the list
# and its statuses, a server stopped while the dashboard runs, the / filter,
# p, the detail pane, resizes to 80x24 and 200x60, q / Ctrl-C / SIGTERM
# restoring the terminal, NO_COLOR, the ASCII fallback, refusing without a
# terminal, keys answered within a second while a check hangs, and q
# stopping a hung program at once (not at its timeout), leaving none behind.
#
# TOPO_WRITE_SCREENSHOTS=1 also writes docs/screenshots/{healthy,drifted}.txt
# (the README's pictures) from a small shop topology.

: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"

export LC_ALL=C.UTF-8	# ${#line} counts characters, not bytes
FIXTURE=$BUILD/tests/fixture-server
SOCK=topo-test-$$

if ! command -v tmux >/dev/null; then
	t_fail "dash: tmux is installed" "tmux not found"
	exit 0
fi
if [ ! -x "$FIXTURE" ] || [ ! -x "$TOPO" ]; then
	t_fail "dash: binaries built" "missing $TOPO or $FIXTURE"
	exit 0
fi

tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
t_cleanup "tmux -L $SOCK kill-server"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# screen [PANE]: the visible text of the pane.
screen() { tm capture-pane -p -t "${1:-dash}"; }

# stable_screen [PANE]: a capture that did not change over 40 ms, so an
# assertion never reads a frame that is half drawn.
stable_screen() {
	local a b i
	a=$(screen "$@")
	for ((i = 0; i < 50; i++)); do
		sleep 0.04
		b=$(screen "$@")
		[ "$a" == "$b" ] && break
		a=$b
	done
	printf '%s' "$a"
}

# wait_screen PATTERN [SECONDS] [PANE]: polls until the pane matches
# (grep -E); the last capture is left in $SCREEN.
wait_screen() {
	local pat=$1 deadline=$(($(now_ms) + ${2:-10} * 1000))
	while :; do
		SCREEN=$(screen "${3:-dash}")
		if grep -Eq -- "$pat" <<<"$SCREEN"; then
			SCREEN=$(stable_screen "${3:-dash}")
			grep -Eq -- "$pat" <<<"$SCREEN" && return 0
		fi
		[ "$(now_ms)" -gt "$deadline" ] && return 1
		sleep 0.05
	done
}

# wait_screen_not PATTERN [SECONDS] [PANE]: polls until the pattern is gone.
wait_screen_not() {
	local pat=$1 deadline=$(($(now_ms) + ${2:-10} * 1000))
	while :; do
		SCREEN=$(screen "${3:-dash}")
		if ! grep -Eq -- "$pat" <<<"$SCREEN"; then
			SCREEN=$(stable_screen "${3:-dash}")
			grep -Eq -- "$pat" <<<"$SCREEN" || return 0
		fi
		[ "$(now_ms)" -gt "$deadline" ] && return 1
		sleep 0.05
	done
}

# row ID: the list row of a check (from $SCREEN).
row() { grep -E -- " $1( |\$)" <<<"$SCREEN" | grep -Ev '^ (expected|observed)' | head -1; }

# start_fixture NAME PORT ROUTE...: a fixture server, stopped at the end.
start_fixture() {
	local name=$1 port=$2
	shift 2
	local args=(--port "$port")
	local r
	for r in "$@"; do args+=(--route "$r"); done
	"$FIXTURE" "${args[@]}" >"$TMPDIR/$name.log" 2>&1 &
	eval "PID_$name=$!"
	t_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
	t_wait_port "$port" 10
}

# A pane with a plain shell, in which topo runs; PS1 is a marker.
new_pane() {	# new_pane NAME WIDTH HEIGHT ENV...
	local name=$1 w=$2 h=$3
	shift 3
	tm new-session -d -s "$name" -x "$w" -y "$h" \
	    env -i PATH="$PATH" HOME="$TMPDIR" TERM=tmux-256color \
	    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	    PS1='$ ' HISTFILE=/dev/null "$@" bash --norc --noprofile
	wait_screen '^\$ ?$' 10 "$name"
}

# run_in PANE COMMAND: types a command line into the pane.
run_in() { tm send-keys -t "$1" -l "$2"; tm send-keys -t "$1" Enter; }

# no_wider PANE WIDTH HEIGHT: no garbage after a resize.
check_geometry() {
	local name=$1 w=$2 h=$3 lines long=0 l
	lines=$(tm capture-pane -p -t dash | wc -l)
	t_eq "$name: $h lines" "$h" "$lines"
	while IFS= read -r l; do
		[ "${#l}" -gt "$w" ] && long=$((long + 1))
	done <<<"$SCREEN"
	t_eq "$name: no line wider than $w" 0 "$long"
	t_contains "$name: header on line 1" "$(head -1 <<<"$SCREEN")" "topo dash dashtest"
	t_eq "$name: one header" 1 "$(grep -c 'topo dash' <<<"$SCREEN")"
	t_contains "$name: footer on the last line" "$(sed -n "${h}p" <<<"$SCREEN")" "q quit"
}

# --- the system: two loopback servers, ports, HTTP endpoints -------------
P_WEB=$(t_free_port)
P_API=$(t_free_port)
P_OFF=$(t_free_port)
start_fixture web "$P_WEB" 'GET /health 200 ok' || t_fail "dash: web fixture started"
start_fixture api "$P_API" 'GET /health 200 {"status":"ok"}' || t_fail "dash: api fixture started"

HAVE_HTTP=0
cat >"$TMPDIR/probe-http.yaml" <<EOF
version: 1
system: x
http:
  - name: x
    url: http://127.0.0.1:$P_WEB/health
EOF
"$TOPO" validate -f "$TMPDIR/probe-http.yaml" >/dev/null 2>&1 && HAVE_HTTP=1

cat >"$TMPDIR/topo.yaml" <<EOF
version: 1
system: dashtest
description: the dashboard's test system
ports:
  - port: $P_WEB
    owner: fixture-server
    what: web
  - port: $P_API
    owner: fixture-server
    what: api
  - port: $P_OFF
    owner: nobody
    what: must stay closed
    expect: closed
EOF
if [ "$HAVE_HTTP" = 1 ]; then
	cat >>"$TMPDIR/topo.yaml" <<EOF
http:
  - name: web-health
    url: http://127.0.0.1:$P_WEB/health
    expect: {status: 200, body_regex: "ok"}
  - name: api-health
    url: http://127.0.0.1:$P_API/health
    expect: {status: 200}
EOF
else
	t_fail "dash: the http probe is linked (http rows not tested)"
fi

# --- no terminal ----------------------------------------------------------
t_exit "dash: refuses without a terminal" 2 "$TOPO" dash -f "$TMPDIR/topo.yaml" </dev/null
t_contains "dash: no-terminal message points at topo check" "$T_ERR" \
    "topo dash needs a terminal; use topo check"
t_exit "dash: refuses with stdout piped" 2 bash -c "set -o pipefail; '$TOPO' dash -f '$TMPDIR/topo.yaml' | cat"

# --- the list -------------------------------------------------------------
# A session that outlives the others, so killing one never stops the server.
tm new-session -d -s keep -x 80 -y 24 "env -i HISTFILE=/dev/null bash --norc --noprofile"
new_pane dash 120 40 LANG=C.UTF-8 NO_COLOR=1
run_in dash "stty -g >'$TMPDIR/stty.before'"
run_in dash "'$TOPO' dash -f '$TMPDIR/topo.yaml' --interval 1 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?; stty -g >'$TMPDIR/stty.after'"

if wait_screen "port/$P_OFF " 10; then t_pass "dash: starts and lists checks"; else
	t_fail "dash: starts and lists checks" "$SCREEN"; fi
wait_screen "ok +port/$P_API " 10
t_contains "dash: header names the system" "$(head -1 <<<"$SCREEN")" "topo dash dashtest"
t_contains "dash: port/web ok" "$(row "port/$P_WEB")" "ok"
t_contains "dash: port/api ok" "$(row "port/$P_API")" "ok"
t_contains "dash: closed port ok" "$(row "port/$P_OFF")" "ok"
t_contains "dash: UTF-8 glyph for ok" "$(row "port/$P_WEB")" "✓ ok"
t_contains "dash: grouped by kind and layer" "$SCREEN" "ports / live"
t_contains "dash: footer keys" "$(tail -1 <<<"$SCREEN")" "q quit"
if [ "$HAVE_HTTP" = 1 ]; then
	wait_screen "ok +http/api-health " 10
	t_contains "dash: http/web-health ok" "$(row http/web-health)" "ok"
	t_contains "dash: http/api-health ok" "$(row http/api-health)" "ok"
	t_contains "dash: http group" "$SCREEN" "http / live"
fi

# --- a server stops: the next refresh shows it, no restart ----------------
kill "$PID_api"
wait "$PID_api" 2>/dev/null
if wait_screen "(drift|error) +port/$P_API " 5; then
	t_pass "dash: stopped server shows as drift on the next refresh"
else
	t_fail "dash: stopped server shows as drift on the next refresh" "$SCREEN"
fi
t_contains "dash: its message says closed" "$(row "port/$P_API")" "closed"
t_contains "dash: the other port still ok" "$(row "port/$P_WEB")" "ok"
if [ "$HAVE_HTTP" = 1 ]; then
	if wait_screen "(drift|error) +http/api-health " 5; then
		t_pass "dash: stopped HTTP endpoint shows as error"
	else
		t_fail "dash: stopped HTTP endpoint shows as error" "$SCREEN"
	fi
fi
t_contains "dash: header counts the drift" "$(head -1 <<<"$SCREEN")" "1 drift"
# n and N jump between the problems (from the last row, n wraps to the first).
tm send-keys -t dash G
wait_screen "^> +\S+ +ok " 3
tm send-keys -t dash n
if wait_screen "^> .*(drift|error) +port/$P_API " 3; then t_pass "dash: n jumps to the first problem"; else
	t_fail "dash: n jumps to the first problem" "$SCREEN"; fi
if [ "$HAVE_HTTP" = 1 ]; then
	tm send-keys -t dash n
	if wait_screen "^> .*(drift|error) +http/api-health " 3; then t_pass "dash: n again, the next one"; else
		t_fail "dash: n again, the next one" "$SCREEN"; fi
	tm send-keys -t dash N
	if wait_screen "^> .*(drift|error) +port/$P_API " 3; then t_pass "dash: N goes back"; else
		t_fail "dash: N goes back" "$SCREEN"; fi
fi
# The history column shows the change (ok then drift).
t_contains "dash: history shows the flip" "$(row "port/$P_API")" "✓≠"

# --- / filter ---------------------------------------------------------------
tm send-keys -t dash /
wait_screen '^/_' 3
t_contains "dash: / opens the prompt" "$(tail -1 <<<"$SCREEN")" "/_"
tm send-keys -t dash -l "port/$P_WEB|expected"
if wait_screen_not "port/$P_OFF " 3; then t_pass "dash: / narrows as you type"; else
	t_fail "dash: / narrows as you type" "$SCREEN"; fi
t_contains "dash: filter keeps the id match" "$SCREEN" "port/$P_WEB "
t_contains "dash: filter matches messages too" "$SCREEN" "port/$P_API "
tm send-keys -t dash Enter
wait_screen "^ /port/$P_WEB\\|expected/ \\([0-9]+ of [0-9]+\\) \\| last run" 3
t_contains "dash: filter shown in the status line" "$(sed -n 2p <<<"$SCREEN")" "/port/$P_WEB|expected/"
t_not_contains "dash: filtered row stays hidden" "$SCREEN" "port/$P_OFF "
tm send-keys -t dash Escape
if wait_screen "port/$P_OFF " 3; then t_pass "dash: Esc clears the filter"; else
	t_fail "dash: Esc clears the filter" "$SCREEN"; fi
tm send-keys -t dash /
tm send-keys -t dash -l '('
if wait_screen '^/\(_ +invalid: ' 3; then t_pass "dash: an invalid regex is reported as you type"; else
	t_fail "dash: an invalid regex is reported as you type" "$(tail -1 <<<"$SCREEN")"; fi
t_contains "dash: an invalid regex filters nothing" "$SCREEN" "port/$P_OFF "
tm send-keys -t dash Enter
if wait_screen 'q quit' 3; then t_pass "dash: Enter drops an invalid regex"; else
	t_fail "dash: Enter drops an invalid regex" "$(tail -1 <<<"$SCREEN")"; fi
t_not_contains "dash: no filter left in the status line" "$(sed -n 2p <<<"$SCREEN")" "/(/"

# --- p: problems only ---------------------------------------------------------
tm send-keys -t dash p
if wait_screen_not "port/$P_WEB " 3; then t_pass "dash: p hides the ok rows"; else
	t_fail "dash: p hides the ok rows" "$SCREEN"; fi
t_not_contains "dash: p hides the closed-ok row" "$SCREEN" "port/$P_OFF "
t_contains "dash: p keeps the drift" "$SCREEN" "port/$P_API "
t_contains "dash: p is said in the status line" "$(sed -n 2p <<<"$SCREEN")" "problems only"
tm send-keys -t dash p
if wait_screen "port/$P_WEB " 3; then t_pass "dash: p again shows all"; else
	t_fail "dash: p again shows all" "$SCREEN"; fi

# --- Enter: the detail pane ---------------------------------------------------
tm send-keys -t dash /
tm send-keys -t dash -l "^port/$P_API\$"
tm send-keys -t dash Enter
wait_screen "^> .*port/$P_API " 3
tm send-keys -t dash Enter
if wait_screen '^ expected ' 3; then t_pass "dash: Enter opens the detail pane"; else
	t_fail "dash: Enter opens the detail pane" "$SCREEN"; fi
t_contains "dash: detail: expected" "$(grep '^ expected ' <<<"$SCREEN")" "listening"
t_contains "dash: detail: observed" "$(grep '^ observed ' <<<"$SCREEN")" "closed"
t_contains "dash: detail: drift class" "$(grep '^ status ' <<<"$SCREEN")" "drift (changed)"
t_contains "dash: detail: evidence" "$(grep '^ evidence ' <<<"$SCREEN")" "127.0.0.1:$P_API"
t_contains "dash: detail: history" "$(grep '^ history ' <<<"$SCREEN")" "ok"
t_contains "dash: detail: where declared" "$(grep '^ declared ' <<<"$SCREEN")" "topo.yaml:"
tm send-keys -t dash Escape
if wait_screen_not '^ expected ' 3; then t_pass "dash: Esc closes the detail pane"; else
	t_fail "dash: Esc closes the detail pane" "$SCREEN"; fi
tm send-keys -t dash Escape
wait_screen "port/$P_OFF " 3

# --- the server comes back: ok again, and flapping shows ----------------------------
start_fixture api "$P_API" 'GET /health 200 {"status":"ok"}' || t_fail "dash: api fixture restarted"
if wait_screen "ok +port/$P_API " 5; then t_pass "dash: a server back shows ok on the next refresh"; else
	t_fail "dash: a server back shows ok on the next refresh" "$SCREEN"; fi
t_contains "dash: history shows ok, drift, ok" "$(row "port/$P_API")" "≠✓"
t_contains "dash: the header counts the flapping" "$(head -1 <<<"$SCREEN")" "flapping"
tm send-keys -t dash /
tm send-keys -t dash -l "^port/$P_API\$"
tm send-keys -t dash Enter
wait_screen "^> .*port/$P_API " 3
tm send-keys -t dash Enter
wait_screen '^ history ' 3
t_contains "dash: detail says FLAPPING" "$(grep '^ history ' <<<"$SCREEN")" "FLAPPING"
tm send-keys -t dash Escape
wait_screen_not '^ history ' 3
tm send-keys -t dash Escape
wait_screen "port/$P_OFF " 3

# --- moving, re-probing ---------------------------------------------------------
# Each step's expected screen differs from the one before, so a stale frame
# can never pass.
first_after() { grep -A"$2" "^ $1 / live" <<<"$SCREEN" | tail -1; }
last_check() { grep -E '^[> ] \S+ +[a-z]+ +[a-z]+/' <<<"$SCREEN" | tail -1; }
wait_selected() {	# wait_selected NAME COMMAND...: the selected row is what COMMAND prints
	local name=$1 deadline=$(($(now_ms) + 3000))
	shift
	while :; do
		SCREEN=$(stable_screen)
		if [[ "$("$@")" == ">"* ]]; then t_pass "$name"; return; fi
		if [ "$(now_ms)" -gt "$deadline" ]; then
			t_fail "$name" "$SCREEN"
			return
		fi
		sleep 0.05
	done
}
tm send-keys -t dash G
wait_selected "dash: G selects the last check" last_check
tm send-keys -t dash g
wait_selected "dash: g selects the first check" first_after ports 1
if [ "$HAVE_HTTP" = 1 ]; then
	tm send-keys -t dash Tab
	wait_selected "dash: Tab jumps to the next group" first_after http 1
	tm send-keys -t dash BTab
	wait_selected "dash: Shift-Tab jumps back" first_after ports 1
fi
tm send-keys -t dash j
wait_selected "dash: j moves down one check" first_after ports 2
tm send-keys -t dash Down
wait_selected "dash: Down moves down one check" first_after ports 3
tm send-keys -t dash k
wait_selected "dash: k moves back up" first_after ports 2
tm send-keys -t dash Up
wait_selected "dash: Up moves back up" first_after ports 1
tm send-keys -t dash NPage
wait_selected "dash: PgDn moves a page (to the end here)" last_check
tm send-keys -t dash PPage
wait_selected "dash: PgUp moves a page back" first_after ports 1
tm send-keys -t dash R
if wait_screen "re-probing all|a run is in flight" 3; then t_pass "dash: R re-probes every check"; else
	t_fail "dash: R re-probes every check" "$(tail -1 <<<"$SCREEN")"; fi
tm send-keys -t dash Enter
wait_screen '^ expected ' 3
tm send-keys -t dash r
if wait_screen "re-probing port/|port/[0-9]+ is re-probed after it" 3; then
	t_pass "dash: r in the detail pane re-probes that check"
else
	t_fail "dash: r in the detail pane re-probes that check" "$(tail -1 <<<"$SCREEN")"
fi
tm send-keys -t dash Escape
wait_screen_not '^ expected ' 3

# --- other keys ---------------------------------------------------------------
tm send-keys -t dash +
wait_screen 'every 2 s' 3
t_contains "dash: + slows the refresh" "$(sed -n 2p <<<"$SCREEN")" "every 2 s"
tm send-keys -t dash -
wait_screen 'every 1 s' 3
t_contains "dash: - speeds it up" "$(sed -n 2p <<<"$SCREEN")" "every 1 s"
tm send-keys -t dash s
wait_screen 'sort id' 3
t_contains "dash: s changes the sort" "$(sed -n 2p <<<"$SCREEN")" "sort id"
tm send-keys -t dash ?
if wait_screen 'Keys \(any key closes this\)' 3; then t_pass "dash: ? shows the keys"; else
	t_fail "dash: ? shows the keys" "$SCREEN"; fi
tm send-keys -t dash x
if wait_screen "port/$P_OFF " 3; then t_pass "dash: any key leaves help"; else
	t_fail "dash: any key leaves help" "$SCREEN"; fi

# --- resizes --------------------------------------------------------------------
tm resize-window -t dash -x 80 -y 24
wait_screen 'q quit' 3
sleep 0.2	# let a second SIGWINCH-driven frame land before measuring
wait_screen 'q quit' 3
check_geometry "dash: 80x24" 80 24
t_contains "dash: 80x24 still lists" "$SCREEN" "port/$P_API "
tm resize-window -t dash -x 200 -y 60
wait_screen 'q quit' 3
sleep 0.2
wait_screen 'q quit' 3
check_geometry "dash: 200x60" 200 60
# The clock is drawn at the right edge of the new width.
t_eq "dash: 200x60 header spans the width" 199 "$(head -1 <<<"$SCREEN" | awk '{ print length($0) }')"
tm resize-window -t dash -x 25 -y 5
if wait_screen '^terminal too small' 3; then t_pass "dash: a tiny terminal says so"; else
	t_fail "dash: a tiny terminal says so" "$SCREEN"; fi
tm resize-window -t dash -x 120 -y 40
if wait_screen "port/$P_OFF " 3; then t_pass "dash: back from tiny"; else
	t_fail "dash: back from tiny" "$SCREEN"; fi

# --- q: exit 0, terminal usable -------------------------------------------------
tm send-keys -t dash q
if wait_screen '^EXIT=' 10; then :; fi
t_contains "dash: q exits 0" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=0"
run_in dash "echo READY-\$((40 + 2))"
if wait_screen '^READY-42' 5; then t_pass "dash: shell usable after q"; else
	t_fail "dash: shell usable after q" "$SCREEN"; fi
t_eq "dash: tty modes restored after q" "$(cat "$TMPDIR/stty.before")" "$(cat "$TMPDIR/stty.after" 2>/dev/null)"
tm send-keys -t dash C-l
run_in dash clear

# --- Ctrl-C and SIGTERM restore the terminal -------------------------------------
run_in dash "'$TOPO' dash -f '$TMPDIR/topo.yaml' 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?; stty -g >'$TMPDIR/stty.int'"
wait_screen "port/$P_OFF " 10
tm send-keys -t dash C-c
wait_screen '^EXIT=' 10
t_contains "dash: Ctrl-C exits 130" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=130"
wait_screen '^\$ ?$' 5
t_eq "dash: tty modes restored after Ctrl-C" "$(cat "$TMPDIR/stty.before")" "$(cat "$TMPDIR/stty.int" 2>/dev/null)"
run_in dash clear

run_in dash "bash -c 'echo \$\$ >\"$TMPDIR/dash.pid\"; exec \"$TOPO\" dash -f \"$TMPDIR/topo.yaml\" 2>>\"$TMPDIR/dash.stderr\"'; echo EXIT=\$?; stty -g >'$TMPDIR/stty.term'"
wait_screen "port/$P_OFF " 10
kill -TERM "$(cat "$TMPDIR/dash.pid")"
wait_screen '^EXIT=' 10
t_contains "dash: SIGTERM exits 143" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=143"
wait_screen '^\$ ?$' 5
t_eq "dash: tty modes restored after SIGTERM" "$(cat "$TMPDIR/stty.before")" "$(cat "$TMPDIR/stty.term" 2>/dev/null)"
run_in dash clear

# --- terminals that cannot show it ------------------------------------------------
for term in dumb no-such-terminal; do
	run_in dash "TERM=$term '$TOPO' dash -f '$TMPDIR/topo.yaml'; echo EXIT=\$?"
	wait_screen '^EXIT=' 10
	t_contains "dash: TERM=$term exits 2" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=2"
	t_contains "dash: TERM=$term points at topo check" "$SCREEN" "use topo check"
	run_in dash clear
	wait_screen_not '^EXIT=' 5
done

# --- before any key, the selection shows what is broken -------------------------
if [ "$HAVE_HTTP" = 1 ]; then
	cat >"$TMPDIR/follow.yaml" <<EOF
version: 1
system: dashtest
ports:
  - {port: $P_WEB, what: web}
http:
  - name: down
    url: http://127.0.0.1:$P_OFF/health
EOF
	run_in dash "clear; '$TOPO' dash -f '$TMPDIR/follow.yaml' 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
	if wait_screen "^> .*error +http/down " 10; then t_pass "dash: starts on the first problem"; else
		t_fail "dash: starts on the first problem" "$SCREEN"; fi
	tm send-keys -t dash q
	wait_screen '^EXIT=' 10
	run_in dash clear
fi

# --- the filters of topo check ---------------------------------------------------
run_in dash "'$TOPO' dash -f '$TMPDIR/topo.yaml' --only 'port/$P_WEB' --only 'port/$P_OFF' 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
wait_screen "port/$P_OFF " 10
t_contains "dash: --only keeps the matching checks" "$SCREEN" "port/$P_WEB "
t_not_contains "dash: --only hides the others" "$SCREEN" "port/$P_API "
t_contains "dash: filtered-out checks are counted" "$(sed -n 2p <<<"$SCREEN")" "filtered out"
tm send-keys -t dash q
wait_screen '^EXIT=' 10
t_contains "dash: q exits 0 (--only)" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=0"
run_in dash clear
run_in dash "'$TOPO' dash -f '$TMPDIR/topo.yaml' --layer static 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
wait_screen "no checks|^EXIT=" 10
t_contains "dash: --layer static leaves no live check" "$SCREEN" "no checks"
tm send-keys -t dash q
wait_screen '^EXIT=' 10
run_in dash clear

# --- NO_COLOR, colours, ASCII ---------------------------------------------------
run_in dash "'$TOPO' dash -f '$TMPDIR/topo.yaml' 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
wait_screen "port/$P_OFF " 10
COLORED=$(tm capture-pane -p -e -t dash)
if grep -Eq $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5)[;m]' <<<"$COLORED"; then
	t_fail "dash: NO_COLOR: no colour escapes" "$(head -3 <<<"$COLORED" | cat -v)"
else t_pass "dash: NO_COLOR: no colour escapes"; fi
grep -q $'\e\\[7m\|\e\\[[0-9;]*;7m' <<<"$COLORED" && t_pass "dash: NO_COLOR: selection in reverse video" ||
	t_fail "dash: NO_COLOR: selection in reverse video" "$(head -5 <<<"$COLORED" | cat -v)"
tm send-keys -t dash q
wait_screen '^EXIT=' 10
tm kill-session -t dash

new_pane dash 120 40 LANG=C.UTF-8
run_in dash "'$TOPO' dash -f '$TMPDIR/topo.yaml' 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
wait_screen "port/$P_OFF " 10
COLORED=$(tm capture-pane -p -e -t dash)
if grep -Eq $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5)[;m]' <<<"$COLORED"; then
	t_pass "dash: colours without NO_COLOR"
else t_fail "dash: colours without NO_COLOR" "$(head -3 <<<"$COLORED" | cat -v)"; fi
tm send-keys -t dash q
wait_screen '^EXIT=' 10
t_contains "dash: q exits 0 (colour)" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=0"
tm kill-session -t dash

new_pane dash 120 40 LANG=C LC_ALL=C NO_COLOR=1
run_in dash "'$TOPO' dash -f '$TMPDIR/topo.yaml' 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
wait_screen "port/$P_OFF " 10
wait_screen "ok +port/$P_OFF " 10
t_contains "dash: ASCII glyphs without a UTF-8 locale" "$(row "port/$P_OFF")" "+ ok"
t_not_contains "dash: no UTF-8 bytes without a UTF-8 locale" "$SCREEN" "✓"
tm send-keys -t dash q
wait_screen '^EXIT=' 10
t_contains "dash: q exits 0 (ASCII)" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=0"
tm kill-session -t dash

# --- a hanging check: keys still answered within a second ----------------------
if [ "$HAVE_HTTP" = 1 ]; then
	P_SLOW=$(t_free_port)
	start_fixture slow "$P_SLOW" 'GET /slow 200 !hang' 'GET /health 200 ok'
	cat >"$TMPDIR/hang.yaml" <<EOF
version: 1
system: dashtest
http:
  - name: slow
    url: http://127.0.0.1:$P_SLOW/slow
    timeout_ms: 6000
  - name: quick
    url: http://127.0.0.1:$P_SLOW/health
EOF
	new_pane dash 120 40 LANG=C.UTF-8 NO_COLOR=1
	run_in dash "'$TOPO' dash -f '$TMPDIR/hang.yaml' --interval 1 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
	if wait_screen "running +http/slow .*in flight for" 10; then
		t_pass "dash: a hanging check shows as running"
	else
		t_fail "dash: a hanging check shows as running" "$SCREEN"
	fi
	wait_screen "ok +http/quick " 5
	t_contains "dash: the quick check is done meanwhile" "$(row http/quick)" "ok"
	FIRST=$(row http/slow | grep -Eo 'in flight for [<0-9.]+ m?s')
	# Keys answer within a second while the probe hangs.
	for key in '?' x '/' Escape p p; do
		before=$(screen)
		start=$(now_ms)
		tm send-keys -t dash "$key"
		while [ "$(screen)" == "$before" ] && [ $(($(now_ms) - start)) -lt 3000 ]; do
			sleep 0.01
		done
		elapsed=$(($(now_ms) - start))
		if [ "$elapsed" -lt 1000 ]; then
			t_pass "dash: key '$key' answered in ${elapsed} ms during the hang"
		else
			t_fail "dash: key '$key' answered within 1 s during the hang" "took ${elapsed} ms"
		fi
	done
	# The help screen proves the key was handled, not just a clock tick.
	tm send-keys -t dash '?'
	start=$(now_ms)
	wait_screen 'Keys \(any key closes this\)' 3
	elapsed=$(($(now_ms) - start))
	[ "$elapsed" -lt 1000 ] && t_pass "dash: help drawn in ${elapsed} ms during the hang" ||
		t_fail "dash: help drawn within 1 s during the hang" "took ${elapsed} ms"
	tm send-keys -t dash x
	wait_screen "running +http/slow " 3
	SECOND=$(row http/slow | grep -Eo 'in flight for [<0-9.]+ m?s')
	if [ -n "$FIRST" ] && [ "$FIRST" != "$SECOND" ]; then
		t_pass "dash: the elapsed time moves ($FIRST -> $SECOND)"
	else
		t_fail "dash: the elapsed time moves" "$FIRST -> $SECOND"
	fi
	if wait_screen "error +http/slow " 10; then
		t_pass "dash: the hanging check ends as error at its timeout"
	else
		t_fail "dash: the hanging check ends as error at its timeout" "$SCREEN"
	fi
	# q during a hang: the terminal comes back at once.
	wait_screen "running +http/slow " 10
	start=$(now_ms)
	tm send-keys -t dash q
	wait_screen '^EXIT=' 10
	elapsed=$(($(now_ms) - start))
	t_contains "dash: q during a hang exits 0" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=0"
	[ "$elapsed" -lt 7000 ] && t_pass "dash: q during a hang returns within the timeout (${elapsed} ms)" ||
		t_fail "dash: q during a hang returns within the timeout" "took ${elapsed} ms"
	tm kill-session -t dash
fi

# --- what a server answers never drives the terminal ---------------------------------
P_EVIL=$(t_free_port)
printf 'ok \033]2;pwned\007\033[2J\033[31mRED\tTAB\r\nline2 \377\376 bad utf8\n' >"$TMPDIR/evil.body"
start_fixture evil "$P_EVIL" "GET /evil 200 @$TMPDIR/evil.body"
cat >"$TMPDIR/evil.yaml" <<EOF
version: 1
system: dashtest
http:
  - name: evil
    url: http://127.0.0.1:$P_EVIL/evil
    expect: {status: 200, body_regex: "nothing like this"}
EOF
if [ "$HAVE_HTTP" = 1 ]; then
	new_pane evil 120 40 LANG=C.UTF-8 NO_COLOR=1
	TITLE_BEFORE=$(tm display -p -t evil '#{pane_title}')
	run_in evil "'$TOPO' dash -f '$TMPDIR/evil.yaml' 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
	wait_screen "drift +http/evil " 10 evil
	tm send-keys -t evil Enter
	wait_screen "^ evidence " 5 evil
	t_contains "dash: a hostile body is shown as text" "$(grep '^ evidence ' <<<"$SCREEN")" "pwned"
	t_eq "dash: a hostile body cannot set the title" "$TITLE_BEFORE" "$(tm display -p -t evil '#{pane_title}')"
	t_contains "dash: a hostile body cannot clear the screen" "$(head -1 <<<"$SCREEN")" "topo dash dashtest"
	if grep -q $'\e\\[[0-9;]*3[0-7]m' <<<"$(tm capture-pane -p -e -t evil)"; then
		t_fail "dash: a hostile body cannot colour the screen"
	else t_pass "dash: a hostile body cannot colour the screen"; fi
	tm send-keys -t evil q
	wait_screen '^EXIT=' 10 evil
	t_contains "dash: q exits 0 (hostile body)" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=0"
	tm kill-session -t evil
fi

# --- secrets never reach the screen ---------------------------------------------------
if [ "$HAVE_HTTP" = 1 ]; then
	cat >"$TMPDIR/secret.yaml" <<EOF
version: 1
system: dashtest
vars: {TOKEN: s3cr3t-t0ken-42}
secrets: [TOKEN]
http:
  - name: with-token
    url: "http://127.0.0.1:$P_WEB/health?token=\${TOKEN}"
    expect: {status: 200, body_regex: "no such body"}
EOF
	new_pane secret 120 40 LANG=C.UTF-8 NO_COLOR=1
	run_in secret "'$TOPO' dash -f '$TMPDIR/secret.yaml' 2>>'$TMPDIR/dash.stderr'; echo EXIT=\$?"
	wait_screen "drift +http/with-token " 10 secret
	tm send-keys -t secret Enter
	wait_screen "^ evidence " 5 secret
	t_contains "dash: the secret's place is shown redacted" "$SCREEN" "token=***"
	t_not_contains "dash: a secret never reaches the screen" "$SCREEN" "s3cr3t-t0ken-42"
	tm send-keys -t secret q
	wait_screen '^EXIT=' 10 secret
	tm kill-session -t secret
fi

# --- q while a program hangs: it is stopped, topo exits at once ------------------
# The program's timeout (60 s) is far beyond the bound: only the cancel can
# end it in time, and it must not outlive topo.
cat >"$TMPDIR/sleep.yaml" <<EOF
version: 1
system: dashtest
command:
  - name: sleeper
    argv: [sleep, "60"]
    timeout_ms: 60000
EOF
new_pane sleep 120 40 LANG=C.UTF-8 NO_COLOR=1
run_in sleep "bash -c 'echo \$\$ >\"$TMPDIR/sleep.pid\"; exec \"$TOPO\" dash -f \"$TMPDIR/sleep.yaml\" 2>\"$TMPDIR/sleep.stderr\"'; echo EXIT=\$?"
if wait_screen "running +command/sleeper " 10 sleep; then
	topo_pid=$(cat "$TMPDIR/sleep.pid")
	sleep_pid=$(pgrep -P "$topo_pid" -x sleep | head -1)
	if [ -n "$sleep_pid" ] && [ "$(ps -o args= -p "$sleep_pid")" == "sleep 60" ]; then
		t_pass "dash: topo runs sleep 60 (pid $sleep_pid)"
	else
		t_fail "dash: topo runs sleep 60" "children of $topo_pid: $(pgrep -a -P "$topo_pid")"
	fi
	start=$(now_ms)
	tm send-keys -t sleep q
	wait_screen '^EXIT=' 15 sleep
	elapsed=$(($(now_ms) - start))
	t_contains "dash: q during a hanging program exits 0" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=0"
	[ "$elapsed" -lt 10000 ] && t_pass "dash: ... at once, not at the program's 60 s timeout (${elapsed} ms)" ||
		t_fail "dash: ... at once, not at the program's 60 s timeout" "took ${elapsed} ms"
	t_eq "dash: ... and topo is gone" "" "$(ps -o pid= -p "$topo_pid")"
	# Gone, neither a zombie nor an orphan: topo reaped it before exiting.
	t_eq "dash: ... and its sleep 60 is gone" "" \
	    "$([ -n "$sleep_pid" ] && ps -o pid=,stat=,args= -p "$sleep_pid")"
	t_eq "dash: ... no sanitizer report" "" "$(grep -E 'Sanitizer|runtime error' "$TMPDIR/sleep.stderr")"
else
	t_fail "dash: a hanging program shows as running" "$SCREEN"
	tm send-keys -t sleep q
fi
tm kill-session -t sleep

# --- whatever topo said on stderr (sanitizer reports land here) -----------------
touch "$TMPDIR/dash.stderr"
t_eq "dash: nothing on stderr" "" \
    "$(grep -v 'waiting for the checks in flight' "$TMPDIR/dash.stderr")"
cat "$TMPDIR/dash.stderr"

# --- a fatal error restores the terminal -----------------------------------------
# gdb makes topo call util_fatal() as an allocation failure would.
if command -v gdb >/dev/null; then
	new_pane fatal 120 40 LANG=C.UTF-8 NO_COLOR=1
	run_in fatal "stty -g >'$TMPDIR/stty.fatal.before'; '$TOPO' dash -f '$TMPDIR/topo.yaml' 2>'$TMPDIR/fatal.stderr'; echo EXIT=\$?; stty -g >'$TMPDIR/stty.fatal'"
	wait_screen "port/$P_OFF " 10 fatal
	pid=$(tm list-panes -t fatal -F '#{pane_pid}')
	pid=$(pgrep -P "$pid" | head -1)
	GDB_OUT=$(timeout 60 gdb -p "$pid" -batch -ex 'call (void)util_fatal("injected fatal error")' 2>&1)
	if grep -q "ptrace: Operation not permitted\|Could not attach" <<<"$GDB_OUT"; then
		echo "SKIP: dash: fatal error path (gdb cannot attach here)"
		tm send-keys -t fatal q
		wait_screen '^EXIT=' 10 fatal
	else
		wait_screen '^EXIT=' 10 fatal
		t_not_contains "dash: a fatal error exits non-zero" "$(grep '^EXIT=' <<<"$SCREEN")" "EXIT=0"
		t_contains "dash: a fatal error says why" "$(cat "$TMPDIR/fatal.stderr")" "topo: injected fatal error"
		wait_screen '^\$ ?$' 5 fatal
		t_eq "dash: tty modes restored after a fatal error" \
		    "$(cat "$TMPDIR/stty.fatal.before")" "$(cat "$TMPDIR/stty.fatal" 2>/dev/null)"
		t_not_contains "dash: back from the alternate screen" "$SCREEN" "topo dash dashtest"
	fi
	tm kill-session -t fatal
fi

# --- screenshots for the README ---------------------------------------------------
# A small shop: ports, HTTP, a source fact, a file, a declared unknown.
if [ "${TOPO_WRITE_SCREENSHOTS:-}" = 1 ] && [ "$HAVE_HTTP" = 1 ]; then
	P_SHOP=$(t_free_port)
	P_ORDERS=$(t_free_port)
	P_ADMIN=$(t_free_port)
	start_fixture shop "$P_SHOP" 'GET /health 200 ok'
	start_fixture orders "$P_ORDERS" 'GET /health 200 {"status":"ok"}'
	mkdir -p "$TMPDIR/shop"
	printf '# shop\n' >"$TMPDIR/shop/README.md"
	printf 'export const routes = [\n  home,\n  cart,\n  checkout,\n];\n' >"$TMPDIR/shop/routes.ts"
	cat >"$TMPDIR/shop/topology.yaml" <<EOF
version: 1
system: shop
description: a storefront and its orders API on one host
vars:
  REPO: $TMPDIR/shop
ports:
  - {port: $P_SHOP, owner: storefront, what: storefront HTTP}
  - {port: $P_ORDERS, owner: orders, what: orders API}
  - {port: $P_ADMIN, owner: nobody, what: "admin port, must stay closed", expect: closed}
http:
  - name: storefront
    url: http://127.0.0.1:$P_SHOP/health
    expect: {status: 200, body_regex: "ok"}
  - name: orders-api
    url: http://127.0.0.1:$P_ORDERS/health
    expect: {status: 200, json: {"\$.status": "ok"}}
files:
  - \${REPO}/README.md
sources:
  - name: storefront routes
    file: \${REPO}/routes.ts
    list: routes
    count: 3
unknowns:
  - what: Tailscale daemon state
    verify: tailscale status --json
EOF
	new_pane shot 100 24 LANG=C.UTF-8 NO_COLOR=1
	run_in shot "cd '$TMPDIR/shop' && clear && '$TOPO' dash -f topology.yaml --interval 2 2>>'$TMPDIR/dash.stderr'"
	wait_screen "ok +http/orders-api " 10 shot
	wait_screen "^ last run" 5 shot
	mkdir -p "$ROOT/docs/screenshots"
	printf '%s\n' "$SCREEN" | sed -e 's/[[:space:]]*$//' >"$ROOT/docs/screenshots/healthy.txt"
	kill "$PID_orders"
	rm "$TMPDIR/shop/README.md"
	wait_screen "error +http/orders-api " 10 shot
	wait_screen "drift +file/README.md " 10 shot
	tm resize-window -t shot -x 100 -y 34
	tm send-keys -t shot g Tab
	wait_screen "^> .*http/orders-api " 5 shot
	tm send-keys -t shot Enter
	wait_screen "^ expected .*json" 5 shot
	wait_screen "^ last run" 5 shot
	printf '%s\n' "$SCREEN" | sed -e 's/[[:space:]]*$//' >"$ROOT/docs/screenshots/drifted.txt"
	tm send-keys -t shot q
	wait_screen "^\\$" 5 shot
	t_pass "dash: screenshots written to docs/screenshots"
fi
# --- the header counts a check in flight as running, not as its last verdict ----
# The row keeps its last verdict while re-probed; the header must not count
# it as ok meanwhile (it did: "1 ok" for the whole re-run).
cat >"$TMPDIR/inflight.yaml" <<'EOF'
version: 1
system: inflight
command:
  - name: slowish
    argv: [sh, -c, 'sleep 1.5; echo done']
EOF
tm kill-session -t inflight 2>/dev/null
new_pane inflight 120 20 LANG=C.UTF-8 NO_COLOR=1
run_in inflight "'$TOPO' dash -f '$TMPDIR/inflight.yaml' --interval 1 2>>'$TMPDIR/dash.stderr'"
if wait_screen "last run" 15 inflight; then
	if wait_screen "1 running" 10 inflight; then
		t_pass "dash: a re-run check counts as running in the header"
	else
		t_fail "dash: a re-run check counts as running in the header" "$SCREEN"
	fi
else
	t_fail "dash: the in-flight topology ran once" "$SCREEN"
fi
tm send-keys -t inflight q
tm kill-session -t inflight 2>/dev/null
exit 0
