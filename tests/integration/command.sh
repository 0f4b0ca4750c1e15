#!/usr/bin/env bash
# tests/integration/command.sh: the command probe running real programs:
# exit codes, stdout regex, JSON values, timeouts (no process left behind),
# programs that cannot run or die of a signal, output caps, secrets in argv
# and output never printed in any format, shell metacharacters passed
# literally (nothing runs), $TOPO_<NAME> / programs: substitution, many
# commands at once, and schema errors.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

# st JSON ID: the status of one check in a JSON report.
st() { jq -r --arg id "$2" '.checks[] | select(.id == $id) | .status' <<<"$1"; }
# field JSON ID FIELD
field() { jq -r --arg id "$2" --arg f "$3" '.checks[] | select(.id == $id) | .[$f]' <<<"$1"; }

# 1. expectations that hold: exit 0.
cat >"$TMPDIR/ok.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: regex
    argv: [echo, "colima is running"]
    expect: {stdout_regex: "is runn?ing$"}
  - name: exit-three
    argv: [sh, -c, "exit 3"]
    expect: {exit: 3}
  - name: json
    argv: [printf, '{"status":"Running","items":[1,2,3],"vm":{"cpu":4}}']
    timeout_ms: 5000
    expect:
      exit: 0
      json: {"$.status": Running, "$.items.length()": "3", "$.vm.cpu": "4"}
EOF
t_exit "commands as declared: exit 0" 0 "$TOPO" check -f "$TMPDIR/ok.yaml" --format json
J=$T_OUT
t_eq "regex ok" "ok" "$(st "$J" command/regex)"
t_eq "exit 3 expected ok" "ok" "$(st "$J" command/exit-three)"
t_eq "json ok" "ok" "$(st "$J" command/json)"
t_eq "kind and layer" "command live" "$(jq -r '.checks[0] | "\(.kind) \(.layer)"' <<<"$J")"
t_contains "evidence: argv and stdout" "$(field "$J" command/regex evidence)" \
	"echo 'colima is running' -> exit 0 in "
t_contains "evidence: stdout excerpt" "$(field "$J" command/regex evidence)" \
	"stdout: colima is running"

# 2. each expectation failing on its own: drift, exit 1.
cat >"$TMPDIR/drift.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: exit
    argv: [sh, -c, "echo something broke >&2; exit 3"]
  - name: regex
    argv: [echo, "colima is stopped"]
    expect: {stdout_regex: "running"}
  - name: json
    argv: [printf, '{"status":"Stopped"}']
    expect: {json: {"$.status": Running}}
  - name: json-missing
    argv: [printf, '{"status":"Running"}']
    expect: {json: {"$.arch": aarch64}}
EOF
t_exit "commands drifted: exit 1" 1 "$TOPO" check -f "$TMPDIR/drift.yaml" --format json
J=$T_OUT
t_eq "exit mismatch is drift" "drift" "$(st "$J" command/exit)"
t_eq "exit expected" "exit = 0" "$(field "$J" command/exit expected)"
t_eq "exit observed" "exit = 3" "$(field "$J" command/exit observed)"
t_contains "stderr in evidence" "$(field "$J" command/exit evidence)" "stderr: something broke"
t_eq "regex mismatch is drift" "drift" "$(st "$J" command/regex)"
t_contains "regex observed shows stdout" "$(field "$J" command/regex observed)" "colima is stopped"
t_eq "json mismatch is drift" "drift" "$(st "$J" command/json)"
t_contains "json observed value" "$(field "$J" command/json observed)" "Stopped"
t_eq "json path not there is drift" "drift" "$(st "$J" command/json-missing)"

# 3. the program could not tell: error (exit 0 without --strict).
cat >"$TMPDIR/error.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: slow
    argv: [sleep, "9.8765"]
    timeout_ms: 300
  - name: missing
    argv: [topo-no-such-program, status]
  - name: signal
    argv: [sh, -c, "kill -9 $$$$"]
  - name: not-json
    argv: [echo, "hello"]
    expect: {json: {"$.status": Running}}
EOF
start=$(date +%s%N)
t_exit "an error (not drift) still fails: exit 1" 1 "$TOPO" check -f "$TMPDIR/error.yaml" --format json
took=$(( ($(date +%s%N) - start) / 1000000 ))
J=$T_OUT
t_eq "timeout is an error" "error" "$(st "$J" command/slow)"
t_eq "timeout message" "timed out after 300 ms" "$(field "$J" command/slow message)"
if [ "$took" -lt 3000 ]; then t_pass "timeout bounded ($took ms)"; else
	t_fail "timeout bounded" "took $took ms"; fi
t_eq "no sleep left behind" "0" "$(ps -eo args= | grep -c '^sleep 9\.8765$')"
t_eq "cannot run is an error" "error" "$(st "$J" command/missing)"
t_eq "cannot run message" "cannot run topo-no-such-program: No such file or directory" \
	"$(field "$J" command/missing message)"
t_eq "signal is an error" "error" "$(st "$J" command/signal)"
t_eq "signal message" "killed by signal 9" "$(field "$J" command/signal message)"
t_eq "not JSON is an error" "error" "$(st "$J" command/not-json)"
t_contains "not JSON message" "$(field "$J" command/not-json message)" "not JSON"
t_exit "--strict counts errors" 1 "$TOPO" check -f "$TMPDIR/error.yaml" --strict

# 4. a program printing far more than the cap: an error, as launchctl's
# flood is (one cap, one verdict: cmdout_stopped), cut, no hang.
cat >"$TMPDIR/big.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: big
    argv: [sh, -c, "head -c 30000000 /dev/zero | tr '\\0' a; echo; echo tail"]
    timeout_ms: 20000
    expect: {stdout_regex: "^aaaa"}
EOF
start=$(date +%s%N)
t_exit "30 MB of output: an error, exit 1" 1 "$TOPO" check -f "$TMPDIR/big.yaml" --format json
took=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "big output is an error" "error output larger than 1 MiB: stopped" \
	"$(st "$T_OUT" command/big) $(field "$T_OUT" command/big message)"
t_contains "evidence says it was cut" "$(field "$T_OUT" command/big evidence)" "(cut at 1048576 bytes)"
if [ "$took" -lt 15000 ]; then t_pass "big output in $took ms"; else
	t_fail "big output bounded" "took $took ms"; fi

# 5. a secret in argv and in what the program prints: never in any format.
SECRET="tok-Zq8'x\"y 42"
cat >"$TMPDIR/secret.yaml" <<'EOF'
version: 1
system: command-test
vars:
  TOKEN: placeholder
secrets: [TOKEN]
command:
  - name: secret-ok
    argv: [echo, "Authorization: Bearer ${TOKEN}"]
  - name: secret-drift
    argv: [sh, -c, 'printf "%s\n" "$0"; echo "$0" >&2; exit 4', "key=${TOKEN}"]
    expect: {stdout_regex: "never-matches"}
  - name: secret-error
    argv: ["${TOKEN}-program", x]
EOF
for fmt in text json markdown junit; do
	"$TOPO" check -f "$TMPDIR/secret.yaml" --set "TOKEN=$SECRET" --format "$fmt" \
		>"$TMPDIR/secret.$fmt" 2>"$TMPDIR/secret.$fmt.err"
	rc=$?
	t_eq "secret run ($fmt) exit 1" "1" "$rc"
	all=$(cat "$TMPDIR/secret.$fmt" "$TMPDIR/secret.$fmt.err")
	t_not_contains "secret absent ($fmt)" "$all" "Zq8"
	t_not_contains "secret tail absent ($fmt)" "$all" "y 42"
	# Markdown escapes the stars.
	if [ "$fmt" = markdown ]; then
		t_contains "redaction marker ($fmt)" "$all" '\*\*\*'
	else
		t_contains "redaction marker ($fmt)" "$all" "***"
	fi
done
J=$(cat "$TMPDIR/secret.json")
t_eq "secret-ok ok" "ok" "$(st "$J" command/secret-ok)"
t_eq "secret-drift drift" "drift" "$(st "$J" command/secret-drift)"
t_eq "secret-error error" "error" "$(st "$J" command/secret-error)"
t_contains "argv shown redacted" "$(field "$J" command/secret-ok evidence)" "Bearer ***"
# Also with a multi-line secret, whose first line alone must not show.
ML=$'first-LINE-x1\nsecond-LINE-x2'
"$TOPO" check -f "$TMPDIR/secret.yaml" --set "TOKEN=$ML" --format json >"$TMPDIR/ml.json" 2>&1
t_not_contains "multi-line secret absent" "$(cat "$TMPDIR/ml.json")" "LINE-x"

# 6. shell metacharacters reach the program as they are; nothing runs.
cat >"$TMPDIR/inject.yaml" <<EOF
version: 1
system: command-test
command:
  - name: inject
    argv: [printf, "[%s]", "\$(touch $TMPDIR/pwned1)", "\`touch $TMPDIR/pwned2\`",
      "; touch $TMPDIR/pwned3", "| touch $TMPDIR/pwned4", "*", "a\\ntouch $TMPDIR/pwned5"]
    expect:
      stdout_regex: '^\[\\\$\(touch [^]]*pwned1\)\]\[\`touch [^]]*\`\]\[; touch [^]]*\]\[\| touch [^]]*\]\[\*\]\[a\ntouch [^]]*pwned5\]$'
  - name: inject-program
    argv: ["touch $TMPDIR/pwned6"]
EOF
(cd "$TMPDIR" && "$TOPO" check -f "$TMPDIR/inject.yaml" --format json >"$TMPDIR/inject.json" 2>"$TMPDIR/inject.err")
J=$(cat "$TMPDIR/inject.json")
t_eq "metacharacters passed literally" "ok" "$(st "$J" command/inject)"
t_eq "a program name with a space is just a name" "error" "$(st "$J" command/inject-program)"
for i in 1 2 3 4 5 6; do
	if [ -e "$TMPDIR/pwned$i" ]; then t_fail "no file created ($i)" "$TMPDIR/pwned$i exists"
	else t_pass "no file created ($i)"; fi
done

# 7. the program can be substituted: $TOPO_<NAME>, then programs:.
cat >"$TMPDIR/fake-colima" <<'EOF'
#!/bin/sh
echo "{\"status\":\"Running\",\"args\":\"$*\"}"
EOF
chmod +x "$TMPDIR/fake-colima"
cat >"$TMPDIR/subst.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: colima
    argv: [colima, status, --json]
    expect: {json: {"$.status": Running, "$.args": "status --json"}}
EOF
TOPO_COLIMA="$TMPDIR/fake-colima" t_exit "\$TOPO_COLIMA substitutes the program" 0 \
	"$TOPO" check -f "$TMPDIR/subst.yaml" --format json
t_eq "substituted program ok" "ok" "$(st "$T_OUT" command/colima)"
{ cat "$TMPDIR/subst.yaml"; printf 'programs:\n  colima: %s\n' "$TMPDIR/fake-colima"; } >"$TMPDIR/subst2.yaml"
t_exit "programs: substitutes the program" 0 "$TOPO" check -f "$TMPDIR/subst2.yaml" --format json
t_eq "programs: ok" "ok" "$(st "$T_OUT" command/colima)"

# 8. many commands at once: each waits (a barrier) until all twelve have
#    started, so in turn the first would time out. (How fast is make bench.)
mkdir -p "$TMPDIR/barrier"
{
	printf 'version: 1\nsystem: command-test\ncommand:\n'
	for i in $(seq 1 12); do
		printf '  - {name: wait%d, timeout_ms: 20000, argv: [sh, -c, "touch %s/%d; while [ $(ls %s | wc -l) -lt 12 ]; do sleep 0.05; done"]}\n' \
			"$i" "$TMPDIR/barrier" "$i" "$TMPDIR/barrier"
	done
} >"$TMPDIR/many.yaml"
t_exit "twelve commands: exit 0" 0 "$TOPO" check -f "$TMPDIR/many.yaml" --format json --jobs 16
t_eq "twelve ok: all were running at once" "12" "$(jq '[.checks[] | select(.status == "ok")] | length' <<<"$T_OUT")"

# 9. bad items are validation problems with a position.
cat >"$TMPDIR/no-argv.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: no-argv
EOF
t_exit "missing argv: exit 2" 2 "$TOPO" validate -f "$TMPDIR/no-argv.yaml"
t_contains "missing argv named" "$T_OUT$T_ERR" "no-argv.yaml:4:5: command[0]: missing required key 'argv'"
cat >"$TMPDIR/empty-argv.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: empty
    argv: []
EOF
t_exit "empty argv: exit 2" 2 "$TOPO" validate -f "$TMPDIR/empty-argv.yaml"
t_contains "empty argv position" "$T_OUT$T_ERR" "empty-argv.yaml:5:"
cat >"$TMPDIR/bad-path.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: bad-path
    argv: [echo]
    expect: {json: {"$.items[": x}}
EOF
t_exit "bad JSON path: exit 2" 2 "$TOPO" validate -f "$TMPDIR/bad-path.yaml"
t_contains "bad JSON path position" "$T_OUT$T_ERR" "bad-path.yaml:6:"
cat >"$TMPDIR/bad-regex.yaml" <<'EOF'
version: 1
system: command-test
command:
  - name: bad-regex
    argv: [echo]
    expect: {stdout_regex: "(unclosed"}
EOF
t_exit "bad regex: exit 2" 2 "$TOPO" validate -f "$TMPDIR/bad-regex.yaml"
t_contains "bad regex position" "$T_OUT$T_ERR" "bad-regex.yaml:6:"
