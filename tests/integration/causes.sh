#!/usr/bin/env bash
# tests/integration/causes.sh: root causes across layers (topology/causes.c).
# A real listener and a real refused port on 127.0.0.1, launchctl replaced by
# demo/bin/launchctl (the recorded gateway exited 78): the Caddy-style HTTP
# check of a closed port is folded under the port, the port under the launchd
# job it declares, in text, JSON, Markdown, JUnit and the dashboard (tmux);
# depends_on is checked at validation with file:line:column.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

t_fixture up --route 'GET /health 200 {"status":"ok"}'
UP=$FIXTURE_PORT
DOWN=$(t_free_port)

cat >"$TMPDIR/causes.yaml" <<EOF
version: 1
system: causes
programs:
  launchctl: $ROOT/demo/bin/launchctl
launchd:
  domain: gui/501
  jobs:
    - {label: com.joel.gateway, state: running}
    - {label: com.joel.talon, state: running}
ports:
  - {port: $DOWN, what: gateway, launchd: com.joel.gateway}
  - {port: $UP, what: worker, launchd: com.joel.talon}
http:
  - name: gateway-health
    url: http://localhost:$DOWN/health
  - name: gateway-deep
    url: http://127.0.0.1:$DOWN/deep
    depends_on: [http/gateway-health]
  - name: worker-health
    url: http://127.0.0.1:$UP/health
  - name: worker-missing
    url: http://127.0.0.1:$UP/missing
command:
  - name: after-gateway
    argv: ["false"]
    depends_on: [port/$DOWN]
EOF

# --- text --------------------------------------------------------------------
t_exit "check: drift and errors exit 1" 1 "$TOPO" check -f "$TMPDIR/causes.yaml"
out=$T_OUT
t_contains "text: the launchd job is a root, with what it causes" "$out" \
	"root of:  4 checks fail because of it: port/$DOWN, command/after-gateway, http/gateway-health, http/gateway-deep"
t_contains "text: the port's cause is the job" "$out" \
	"cause:    launchd/com.joel.gateway: state is not running"
t_contains "text: the chain of a two-step consequence" "$out" \
	"cause:    http/gateway-health: connection refused <- port/$DOWN: state is closed, expected listening <- launchd/com.joel.gateway"
t_eq "text: drifts in plan order, each consequence right after its root" \
	"http/worker-missing launchd/com.joel.gateway port/$DOWN command/after-gateway http/gateway-health http/gateway-deep" \
	"$(grep -E '^(drift|error) ' <<<"$out" | awk '{print $2}' | paste -sd' ')"
t_contains "text: a failure of its own (404 on a live port) is its own root" \
	"$(grep -A6 '^drift    http/worker-missing' <<<"$out")" "expected: status = 200"
t_not_contains "text: ... and has no cause" "$(grep -A6 '^drift    http/worker-missing' <<<"$out")" "cause:"
t_not_contains "text: a consequence is folded (no expected/observed block)" \
	"$(grep -A3 '^error    http/gateway-health' <<<"$out")" "expected:"

# --- JSON ----------------------------------------------------------------------
"$TOPO" check -f "$TMPDIR/causes.yaml" --format json -o "$TMPDIR/r.json"
t_eq "json: caused_by and root_cause of each failing check" "$(cat <<EOF
command/after-gateway port/$DOWN launchd/com.joel.gateway
http/gateway-deep http/gateway-health launchd/com.joel.gateway
http/gateway-health port/$DOWN launchd/com.joel.gateway
http/worker-missing null null
launchd/com.joel.gateway null null
port/$DOWN launchd/com.joel.gateway launchd/com.joel.gateway
EOF
)" "$(jq -r '.checks[] | select(.status == "drift" or .status == "error") | "\(.id) \(.caused_by) \(.root_cause)"' "$TMPDIR/r.json" | sort)"
t_eq "json: passing checks have no cause" "" \
	"$(jq -r '.checks[] | select(.status == "ok" and .caused_by != null) | .id' "$TMPDIR/r.json")"
t_eq "json: summary.consequences" 4 "$(jq -r .summary.consequences "$TMPDIR/r.json")"
t_eq "json: the verdicts stay what was observed" "drift error" \
	"$(jq -r '[.checks[] | select(.id == "port/'"$DOWN"'" or .id == "http/gateway-health") | .status] | join(" ")' "$TMPDIR/r.json")"

# --- Markdown, JUnit ---------------------------------------------------------
"$TOPO" check -f "$TMPDIR/causes.yaml" --format markdown -o "$TMPDIR/r.md"
t_contains "markdown: a consequence is marked and names its root" "$(cat "$TMPDIR/r.md")" \
	"| error | ↳ http/gateway-health | status = 200 |  | caused by launchd/com.joel.gateway: connection refused |"
t_eq "markdown: rows in the folded order" \
	"http/worker-missing launchd/com.joel.gateway ↳ port/$DOWN ↳ command/after-gateway ↳ http/gateway-health ↳ http/gateway-deep" \
	"$(sed -n '/### Problems/,$p' "$TMPDIR/r.md" | grep -E '^\| (drift|error)' | awk -F' \\| ' '{print $2}' | paste -sd' ')"
"$TOPO" check -f "$TMPDIR/causes.yaml" --format junit -o "$TMPDIR/r.xml"
t_contains "junit: the error's body starts with its cause" "$(cat "$TMPDIR/r.xml")" \
	'type="error">caused by: port/'"$DOWN"': state is closed'

# --- nothing fails: nothing is caused ------------------------------------------
cat >"$TMPDIR/ok.yaml" <<EOF
version: 1
system: up
programs:
  launchctl: $ROOT/demo/bin/launchctl
launchd:
  domain: gui/501
  jobs:
    - {label: com.joel.talon, state: running}
ports:
  - {port: $UP, what: worker, launchd: com.joel.talon}
http:
  - name: worker-health
    url: http://127.0.0.1:$UP/health
    depends_on: [port/$UP]
EOF
t_exit "all up: exit 0" 0 "$TOPO" check -f "$TMPDIR/ok.yaml" --format json -o "$TMPDIR/ok.json"
t_eq "all up: no consequence" "0 0" "$(jq -r '"\(.summary.consequences) \([.checks[] | select(.caused_by != null)] | length)"' "$TMPDIR/ok.json")"

# --- depends_on is validated -------------------------------------------------
cat >"$TMPDIR/bad.yaml" <<EOF
version: 1
system: bad
command:
  - name: a
    argv: ["true"]
    depends_on: [command/b, command/aa]
  - name: b
    argv: ["true"]
    depends_on: [command/b]
EOF
printf 'version: 1\nsystem: c\ncommand:\n  - {name: c, argv: ["true"], depends_on: "command/c"}\n' >"$TMPDIR/notlist.yaml"
t_exit "validate: bad depends_on exit 2" 2 "$TOPO" validate -f "$TMPDIR/bad.yaml"
t_contains "validate: an unknown id, file:line:column and did you mean" "$T_ERR" \
	"bad.yaml:6:29: depends_on: no check has the id 'command/aa' (did you mean 'command/a'?)"
t_contains "validate: a check that depends on itself" "$T_ERR" \
	"bad.yaml:9:18: depends_on: 'command/b' is this check itself"
t_exit "validate: depends_on is a list" 2 "$TOPO" validate -f "$TMPDIR/notlist.yaml"
t_contains "validate: ... said where" "$T_ERR" "notlist.yaml:4:43: command[0].depends_on: expected a list"
t_not_contains "validate: a known id is no problem" "$T_ERR" "'command/b' (did"

# --- the dashboard shows the chain of the selected check ---------------------
SOCK=topo-causes-$$
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
t_cleanup "tmux -L $SOCK kill-server"
tm new-session -d -s dash -x 160 -y 40 \
	env TERM=tmux-256color ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	"$TOPO" dash -f "$TMPDIR/causes.yaml" --interval 60
seen() {	# seen PATTERN: waits up to 10 s for it on the screen
	local i
	for ((i = 0; i < 200; i++)); do
		SCREEN=$(tm capture-pane -p -t dash 2>/dev/null)
		grep -Fq -- "$1" <<<"$SCREEN" && return 0
		sleep 0.05
	done
	return 1
}
if seen "gateway-deep"; then
	tm send-keys -t dash / ; tm send-keys -t dash -l "gateway-deep"; tm send-keys -t dash Enter
	sleep 0.3
	tm send-keys -t dash Enter
	if seen "caused by"; then
		t_pass "dash: the detail pane of a consequence says caused by"
		t_contains "dash: ... with the whole chain" "$(tr -s ' ' <<<"$SCREEN")" \
			"http/gateway-health: connection refused <- port/$DOWN"
	else
		t_fail "dash: the detail pane of a consequence says caused by" "$SCREEN"
	fi
else
	t_fail "dash: the dashboard started" "$SCREEN"
fi
tm send-keys -t dash q
