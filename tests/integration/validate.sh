#!/usr/bin/env bash
# validate.sh: `topo validate` on hostile topology files (tests/hostile/):
# each is refused with exit 2 and one exact file:line:column message, within
# a time bound; a valid topology gives exit 0.
. "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# Run from tests/hostile so messages name the file as given.
case "$TOPO" in /*) ;; *) TOPO="$PWD/$TOPO" ;; esac
HOSTILE="$ROOT/tests/hostile"

# hostile FILE EXPECTED-MESSAGE: exit 2, that message first, the summary last.
hostile() {
	local file=$1 want=$2 start took
	start=$(date +%s%N)
	(cd "$HOSTILE" && t_exit "$file: exit 2" 2 timeout 10 "$TOPO" validate -f "$file")
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	local err
	err=$(cd "$HOSTILE" && timeout 10 "$TOPO" validate -f "$file" 2>&1 >/dev/null)
	t_eq "$file: message" "$file:$want" "$(head -n 1 <<<"$err")"
	t_eq "$file: one problem" "topo: $file: 1 problem, nothing checked" \
	    "$(tail -n 1 <<<"$err")"
	if [ "$took" -lt 5000 ]; then t_pass "$file: in ${took} ms"; else
		t_fail "$file: took ${took} ms"; fi
}

hostile alias-bomb.yaml "10:47: alias expansion exceeds 1000000 nodes (alias *l4)"
hostile deep-nesting.yaml "4:69: nesting deeper than 64 levels"
hostile deep-block-nesting.yaml "5:129: nesting deeper than 64 levels"
hostile tabs.yaml "6:1: tab character used for indentation (indent with spaces)"
hostile invalid-utf8.yaml "4:17: invalid UTF-8 (byte 0xe9): a topology file must be UTF-8 text"
hostile nul-byte.yaml "4:20: NUL byte in the file (a topology file is UTF-8 text)"
hostile duplicate-keys.yaml "7:5: duplicate key 'port' (first at 5:5)"
hostile self-reference.yaml "5:6: variable A refers to itself"
hostile variable-cycle.yaml "5:6: variable A refers to itself through B -> C"
hostile variable-bomb.yaml "22:8: expanded value exceeds 1048576 bytes"
hostile multi-document.yaml "3:1: a second YAML document starts here: a topology file holds exactly one"
hostile unknown-key.yaml "6:5: unknown key 'expcet' in ports[0] (did you mean 'expect'?)"
hostile wrong-type.yaml "5:11: ports[0].port: expected an integer, got a list"
hostile invalid-regex.yaml "7:26: http[0].expect.body_regex: invalid regex at offset 11: missing closing parenthesis"
hostile undefined-variable.yaml "5:22: undefined variable 'NO_SUCH_HOST_VARIABLE' (set it in vars:, the environment or --set, or write \${NO_SUCH_HOST_VARIABLE:-default}; \$\${NO_SUCH_HOST_VARIABLE} is the text \${NO_SUCH_HOST_VARIABLE})"
hostile control-characters.yaml "5:5: check id 'http/health...' holds a control character (byte 0x1b): names must be printable"

# A catastrophic pattern compiles, so the file is valid; matching it is
# bounded elsewhere (util/regex.c's match limit).
(cd "$HOSTILE" && t_exit "catastrophic-regex.yaml: valid" 0 timeout 10 \
    "$TOPO" validate -f catastrophic-regex.yaml)

# A 100 MB file is refused by its size, before it is read.
head -c 104857600 /dev/zero | tr '\0' '#' >"$TMPDIR/big.yaml"
start=$(date +%s%N)
t_exit "100 MB file: exit 2" 2 timeout 10 "$TOPO" validate -f "$TMPDIR/big.yaml"
took=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "100 MB file: message" \
    "$TMPDIR/big.yaml: the file is 104857600 bytes, more than the 16777216 allowed" \
    "$(head -n 1 <<<"$T_ERR")"
if [ "$took" -lt 2000 ]; then t_pass "100 MB file: in ${took} ms"; else
	t_fail "100 MB file: took ${took} ms"; fi
rm -f "$TMPDIR/big.yaml"

# A key repeated 400,000 times: at most 1000 problems, quickly.
{ printf 'version: 1\nsystem: dup\ndoc:\n'; yes '  a: 1' | head -n 400000; } >"$TMPDIR/dup.yaml"
t_exit "400,000 duplicate keys: exit 2" 2 timeout 10 "$TOPO" validate -f "$TMPDIR/dup.yaml"
t_eq "400,000 duplicate keys: capped" \
    "more than 1000 problems: only the first 1000 are shown" "$(head -n 1 <<<"$T_ERR")"
t_eq "400,000 duplicate keys: first one" \
    "$TMPDIR/dup.yaml:5:3: duplicate key 'a' (first at 4:3)" "$(sed -n 2p <<<"$T_ERR")"

# Every problem in one run, sorted by position.
cat >"$TMPDIR/many.yaml" <<'EOF'
version: 2
descripton: typo
ports:
  - port: 0
    expect: listning
  - {port: 80, owner: [a]}
EOF
t_exit "many problems: exit 2" 2 "$TOPO" validate -f "$TMPDIR/many.yaml"
t_eq "many problems: all of them, in order" "$(cat <<EOF
$TMPDIR/many.yaml:1:1: missing required key 'system'
$TMPDIR/many.yaml:1:10: version: unsupported version 2 (this topo reads version 1)
$TMPDIR/many.yaml:2:1: unknown top-level key 'descripton' (did you mean 'description'?)
$TMPDIR/many.yaml:4:11: ports[0].port: 0 is out of range 1..65535
$TMPDIR/many.yaml:5:13: ports[0].expect: 'listning' is not one of listening, closed, doc-only (did you mean 'listening'?)
$TMPDIR/many.yaml:6:23: ports[1].owner: expected a string, got a list
topo: $TMPDIR/many.yaml: 6 problems, nothing checked
EOF
)" "$T_ERR"

# A duplicate id is found in the same run as the schema's problems (the
# planner's other words about broken items, echoes of the schema's, are not
# shown: one message per fault).
cat >"$TMPDIR/dupid.yaml" <<'EOF'
version: 1
system: dupid
ports:
  - {port: 80, name: web}
  - {port: 81, expect: listning}
  - {port: [8080]}
http:
  - {name: health, url: "http://127.0.0.1:1/", expect: {body_regex: "("}}
  - {name: health, url: "http://127.0.0.1:2/"}
EOF
t_exit "duplicate id beside schema problems: exit 2" 2 "$TOPO" validate -f "$TMPDIR/dupid.yaml"
t_eq "duplicate id beside schema problems: every fault once, in order" "$(cat <<EOF
$TMPDIR/dupid.yaml:4:16: unknown key 'name' in ports[0]
$TMPDIR/dupid.yaml:5:24: ports[1].expect: 'listning' is not one of listening, closed, doc-only (did you mean 'listening'?)
$TMPDIR/dupid.yaml:6:12: ports[2].port: expected an integer, got a list
$TMPDIR/dupid.yaml:8:69: http[0].expect.body_regex: invalid regex at offset 1: missing closing parenthesis
$TMPDIR/dupid.yaml:9:5: duplicate check id 'http/health' (first at 8:5)
topo: $TMPDIR/dupid.yaml: 5 problems, nothing checked
EOF
)" "$T_ERR"

# A valid topology: variables from the file, the environment and --set.
cat >"$TMPDIR/valid.yaml" <<'EOF'
version: 1
system: valid
description: everything the loader accepts
vars:
  HOST: 127.0.0.1
  PORT: "8080"
  TOKEN: from-file
  BASE: http://${HOST}:${PORT}
secrets: [TOKEN]
programs:
  kubectl: /nonexistent/kubectl
defaults:
  timeout_ms: 1500
watch:
  - k8s/**
ports:
  - port: ${PORT}
    host: ${HOST}
    owner: ${OWNER:-nobody}
    expect: listening
http:
  - name: health
    url: ${BASE}/health
    headers: {Authorization: "Bearer ${TOKEN}"}
    expect: {status: 200, body_regex: "ok$", json: {"$.status": ok}}
doc:
  intro: |
    Prose may cost $$5; anchors work too.
  again: &a {x: 1}
  copy: *a
EOF
t_exit "valid topology: exit 0" 0 timeout 10 "$TOPO" validate -f "$TMPDIR/valid.yaml"
t_contains "valid topology: summary" "$T_OUT" "valid: system valid, 2 checks"
TOKEN=from-env t_exit "valid with env and --set: exit 0" 0 timeout 10 \
    "$TOPO" validate -f "$TMPDIR/valid.yaml" --set PORT=9090 --set OWNER=me
t_exit "bad --set: exit 2" 2 "$TOPO" validate -f "$TMPDIR/valid.yaml" --set nonsense
t_contains "bad --set: message" "$T_ERR" "'nonsense'"
t_exit "--set cannot fix a bad value: exit 2" 2 "$TOPO" validate \
    -f "$TMPDIR/valid.yaml" --set PORT=http
t_contains "--set value checked by the schema" "$T_ERR" \
    "valid.yaml:17:11: ports[0].port: expected an integer, got 'http'"
