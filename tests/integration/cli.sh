#!/usr/bin/env bash
# cli.sh: command-line habits (issue 19 items 3 and 4): --only's one glob rule
# and a filter that matches nothing, topo list, -f -, topo help CMD, "did you
# mean", ambiguous prefixes, a missing option argument, a closed stdout, and
# when there is colour (--color, NO_COLOR, TERM=dumb).
. "$ROOT/tests/lib.sh"

CLOSED=$(t_free_port)
CLOSED2=$(t_free_port)
cat >"$TMPDIR/t.yaml" <<YAML
version: 1
system: cli-test
ports:
  - {port: $CLOSED, expect: closed}
  - {port: $CLOSED2, expect: listening}
files:
  - path: $TMPDIR/t.yaml
  - path: $TMPDIR/nowhere
YAML
ids=$("$TOPO" list -f "$TMPDIR/t.yaml" | awk '{print $1}' | sort | tr '\n' ' ')

# ---- topo list
t_exit "list: exit 0" 0 "$TOPO" list -f "$TMPDIR/t.yaml"
t_eq "list: every id, one a line" 4 "$(printf '%s\n' "$T_OUT" | wc -l)"
t_contains "list: kind, layer and file:line:column" "$T_OUT" "live    $TMPDIR/t.yaml:4:5"
t_exit "list --format json" 0 "$TOPO" list -f "$TMPDIR/t.yaml" --format json -o "$TMPDIR/list.json"
t_eq "list json: ids, kinds, layers" \
	"$(jq -r '[.[] | "\(.kind)/\(.layer)"] | sort | join(" ")' "$TMPDIR/list.json")" \
	"files/static files/static ports/live ports/live"
t_eq "list json: line of the first" 4 "$(jq -r '.[] | select(.kind == "ports") | .line' "$TMPDIR/list.json" | head -1)"
t_exit "list --layer static" 0 "$TOPO" list -f "$TMPDIR/t.yaml" --layer static
t_eq "list --layer static: the two files" 2 "$(printf '%s\n' "$T_OUT" | wc -l)"
t_exit "list --format markdown: usage error" 2 "$TOPO" list -f "$TMPDIR/t.yaml" --format markdown

# ---- --only: '*' stays in one segment, '**' crosses, '?' is one character
first_file=$("$TOPO" list -f "$TMPDIR/t.yaml" --layer static | sed -n '1s/ .*//p')
t_exit "--only 'file/*' does not cross '/': no check" 2 "$TOPO" check -f "$TMPDIR/t.yaml" --only 'file/*'
t_exit "--only 'file/**' crosses" 1 "$TOPO" check -f "$TMPDIR/t.yaml" --only 'file/**' --format json -o "$TMPDIR/files.json"
t_eq "--only 'file/**': the two files run" "2 2" "$(jq -r '"\(.summary.total - .summary.skipped) \(.summary.skipped)"' "$TMPDIR/files.json")"
t_exit "--only 'port/*' (port ids have one segment)" 1 "$TOPO" check -f "$TMPDIR/t.yaml" --only 'port/*' --format json -o "$TMPDIR/ports.json"
t_eq "--only 'port/*': the two ports run" 2 "$(jq -r '.summary.skipped' "$TMPDIR/ports.json")"
# The kind (section) spelling selects the same checks as the id prefix.
t_exit "--only 'ports/*' is 'port/*'" 1 "$TOPO" check -f "$TMPDIR/t.yaml" --only 'ports/*' --format json -o "$TMPDIR/ports2.json"
t_eq "--only 'ports/*': the same checks run" "$(jq -c '[.checks[] | select(.status != "skipped") | .id]' "$TMPDIR/ports.json")" \
	"$(jq -c '[.checks[] | select(.status != "skipped") | .id]' "$TMPDIR/ports2.json")"
t_exit "--only 'files/**' is 'file/**'" 1 "$TOPO" check -f "$TMPDIR/t.yaml" --only 'files/**' --format json -o "$TMPDIR/files2.json"
t_eq "--only 'files/**': the two files run" "2 2" "$(jq -r '"\(.summary.total - .summary.skipped) \(.summary.skipped)"' "$TMPDIR/files2.json")"
t_eq "topo list --only 'ports/*'" "$(NO_COLOR=1 "$TOPO" list -f "$TMPDIR/t.yaml" --only 'port/*')" \
	"$(NO_COLOR=1 "$TOPO" list -f "$TMPDIR/t.yaml" --only 'ports/*')"
t_exit "--only an exact id" 0 "$TOPO" check -f "$TMPDIR/t.yaml" --only "$first_file" --format json -o "$TMPDIR/one.json"
t_eq "--only an exact id: one runs" 3 "$(jq -r '.summary.skipped' "$TMPDIR/one.json")"

# ---- a filter that matches no check is a usage error, with the closest ids
t_exit "--only matching nothing: exit 2" 2 "$TOPO" check -f "$TMPDIR/t.yaml" --only 'prot/*'
t_contains "--only matching nothing: says so" "$T_ERR" "--only 'prot/*' matches no check"
t_contains "--only matching nothing: the closest kind" "$T_ERR" "closest: 'port/**'"
t_eq "--only matching nothing: nothing on stdout" "" "$T_OUT"
t_exit "--only a mistyped id" 2 "$TOPO" check -f "$TMPDIR/t.yaml" --only "prot/${CLOSED}"
t_contains "--only a mistyped id: the id is suggested" "$T_ERR" "'port/$CLOSED'"
t_exit "--only: one good, one bad: still exit 2" 2 "$TOPO" check -f "$TMPDIR/t.yaml" --only 'port/**' --only 'nothing-like-it-at-all'
t_exit "dash --only matching nothing: exit 2" 2 "$TOPO" dash -f "$TMPDIR/t.yaml" --only 'zzz'
t_exit "list --only matching nothing: exit 2" 2 "$TOPO" list -f "$TMPDIR/t.yaml" --only 'zzz'

# ---- -f - reads the topology from standard input
t_exit "-f -: checked" 1 "$TOPO" check -f - --format json -o "$TMPDIR/stdin.json" <"$TMPDIR/t.yaml"
t_eq "-f -: the same checks" 4 "$(jq -r '.summary.total' "$TMPDIR/stdin.json")"
printf 'version: 1\nsystem: s\nports:\n  - {port: x, expect: closed}\n' >"$TMPDIR/bad.yaml"
t_exit "-f -: invalid: exit 2" 2 "$TOPO" validate -f - <"$TMPDIR/bad.yaml"
t_contains "-f -: problems name <stdin>:line:column" "$T_ERR" "<stdin>:4:12:"

# ---- commands: help CMD, did you mean, ambiguous prefixes
t_exit "help check: exit 0" 0 "$TOPO" help check
t_contains "help check is check --help" "$T_OUT" "usage: topo check"
"$TOPO" check --help >"$TMPDIR/h1"
t_eq "help check == check --help" "$(cat "$TMPDIR/h1")" "$T_OUT"
t_exit "help nosuch: exit 2" 2 "$TOPO" help nosuch
t_exit "unknown command: exit 2" 2 "$TOPO" chekc
t_contains "unknown command: did you mean" "$T_ERR" "did you mean check?"
t_exit "ambiguous prefix: exit 2" 2 "$TOPO" d
t_contains "ambiguous prefix: the candidates" "$T_ERR" "'d' is ambiguous: dash doc discover"
t_exit "unique prefix runs" 0 "$TOPO" vali -f "$TMPDIR/t.yaml"
t_exit "nothing near: exit 2" 2 "$TOPO" kubernetes
t_not_contains "nothing near: no random suggestion" "$T_ERR" "did you mean"

# ---- a missing option argument says so
t_exit "missing argument: exit 2" 2 "$TOPO" check --format
t_contains "missing argument: says which option" "$T_ERR" "option --format needs an argument"
t_exit "missing -f argument" 2 "$TOPO" check -f
t_contains "missing -f argument: says so" "$T_ERR" "option -f needs an argument"
t_exit "unknown option: exit 2" 2 "$TOPO" check --frobnicate
t_contains "unknown option: says unknown" "$T_ERR" "unknown"

# ---- a closed stdout ends quietly with the status the run had
big=$TMPDIR/big.yaml
{ echo "version: 1"; echo "system: big"; echo "ports:"
  # Whatever these ports are, the closed one expected listening drifts.
  for i in $(seq 2000); do echo "  - {port: $((40000 + i)), expect: closed}"; done
  echo "  - {port: $CLOSED2, expect: listening}"; } >"$big"
"$TOPO" check -f "$big" 2>"$TMPDIR/pipe.err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
t_eq "| head -1: the run's status (1, a drift)" 1 "$rc"
t_eq "| head -1: nothing on stderr" "" "$(cat "$TMPDIR/pipe.err")"
"$TOPO" check -f "$big" --format json 2>"$TMPDIR/pipe.err" | head -c 10 >/dev/null
t_eq "json | head -c 10: status 1" 1 "${PIPESTATUS[0]}"
t_eq "json | head -c 10: quiet" "" "$(cat "$TMPDIR/pipe.err")"
"$TOPO" list -f "$big" 2>"$TMPDIR/pipe.err" | head -1 >/dev/null
t_eq "list | head -1: status 0" 0 "${PIPESTATUS[0]}"
t_eq "list | head -1: quiet" "" "$(cat "$TMPDIR/pipe.err")"

# ---- colour: --color, NO_COLOR, TERM=dumb (a real terminal through script(1))
ESC=$'\033'
t_exit "--color=always off a terminal: colour" 1 "$TOPO" check -f "$TMPDIR/t.yaml" --color=always
t_contains "--color=always: escapes" "$T_OUT" "$ESC["
t_exit "--color=auto off a terminal: none" 1 "$TOPO" check -f "$TMPDIR/t.yaml"
t_not_contains "--color=auto off a terminal: no escapes" "$T_OUT" "$ESC["
t_exit "--color=sometimes: usage error" 2 "$TOPO" check -f "$TMPDIR/t.yaml" --color=sometimes
if command -v script >/dev/null; then
	tty_run() { script -qec "$1" /dev/null 2>&1 | tr -d '\r'; }
	out=$(tty_run "NO_COLOR= TERM=xterm '$TOPO' check -f '$TMPDIR/t.yaml'")
	t_contains "a terminal: colour" "$out" "$ESC["
	out=$(tty_run "NO_COLOR= TERM=dumb '$TOPO' check -f '$TMPDIR/t.yaml'")
	t_not_contains "TERM=dumb: no colour" "$out" "$ESC["
	out=$(tty_run "TERM=xterm NO_COLOR=1 '$TOPO' check -f '$TMPDIR/t.yaml'")
	t_not_contains "NO_COLOR: no colour" "$out" "$ESC["
	out=$(tty_run "NO_COLOR= TERM=xterm '$TOPO' check -f '$TMPDIR/t.yaml' --color=never")
	t_not_contains "--color=never on a terminal: no colour" "$out" "$ESC["
else
	t_skip "colour on a terminal" "script(1) is not installed"
fi
