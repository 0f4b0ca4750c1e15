#!/usr/bin/env bash
# tests/integration/reports.sh: `topo check` in every format on a real run
# (files in a scratch folder, a closed port on 127.0.0.1), read back by
# independent tools: JSON by python3 (strict UTF-8) and jq, JUnit by
# xmllint (libxml2-utils), Markdown table shape, text order and colour
# (a pty from script(1) decides isatty), -o OUT; then the manual page
# (renders without warnings, names every option of every command) and the
# JSON schema document (names every key the report has).
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

have() { command -v "$1" >/dev/null 2>&1; }

# ---- a run with ok, drift (missing, changed), skipped and hostile bytes ----
W=$TMPDIR/work
mkdir -p "$W"
echo present >"$W/present.txt"
# An observed line with invalid UTF-8, ESC, a C0 byte and markup.
printf 'marker \xff\xfe \x1b[31mred\x01 <&> "q" '"'"'a'"'"' | end\n' >"$W/weird.txt"
CLOSED=$(t_free_port)
cat >"$W/topology.yaml" <<EOF
version: 1
system: report <&> "test"
files:
  - $W/present.txt
  - $W/missing.txt
  - {path: $W/weird.txt, name: "weird", contains: "^marker"}
  - {path: $W/weird.txt, name: "nomatch|<&>", contains: "^nomatch"}
ports:
  - {port: $CLOSED, expect: listening}
sources:
  - {name: weird, file: $W/weird.txt, regex: "marker (.*)", equals: something else}
EOF
F=$W/topology.yaml

# Each format once, exit code 1 (drift), output kept for the checks below.
for fmt in text json markdown junit; do
	t_exit "check --format $fmt exits 1 on drift" 1 "$TOPO" check -f "$F" --format "$fmt"
	printf '%s\n' "$T_OUT" >"$TMPDIR/out.$fmt"
	t_eq "check --format $fmt: nothing on stderr" "" "$T_ERR"
done

# ---- json ----
if have python3; then
	t_exit "json: strict UTF-8 and valid JSON (python3)" 0 python3 -c '
import json, sys
json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))' "$TMPDIR/out.json"
fi
J=$TMPDIR/out.json
t_eq "json: version" "1" "$(t_jq "$J" '.topo_json_version')"
t_eq "json: system" 'report <&> "test"' "$(t_jq "$J" '.system')"
t_eq "json: top-level keys in order" \
	"topo_json_version system topology started_at duration_ms layers exit_code interrupted summary checks" \
	"$(t_jq "$J" '[keys_unsorted[]] | join(" ")')"
t_eq "json: check keys in order" \
	"id kind layer status drift expected observed message evidence duration_ms file line column extra caused_by root_cause" \
	"$(t_jq "$J" '[.checks[0] | keys_unsorted[]] | join(" ")')"
t_eq "json: total is the number of checks" "6 6" \
	"$(t_jq "$J" '"\(.summary.total) \(.checks | length)"')"
t_eq "json: summary counts match the checks" "2 4 0 0 0" \
	"$(t_jq "$J" '[.summary.ok, .summary.drift, .summary.error, .summary.unknown, .summary.skipped] | map(tostring) | join(" ")')"
t_eq "json: counts agree with statuses" "ok=2 drift=4" \
	"$(t_jq "$J" '"ok=\([.checks[] | select(.status == "ok")] | length) drift=\([.checks[] | select(.status == "drift")] | length)"')"
t_eq "json: exit_code" "1" "$(t_jq "$J" '.exit_code')"
t_contains "json: started_at is ISO 8601 UTC" "$(t_jq "$J" '.started_at')" "Z"
[[ "$(t_jq "$J" '.started_at')" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] &&
	t_pass "json: started_at format" || t_fail "json: started_at format" "$(t_jq "$J" '.started_at')"
t_eq "json: drift class of the missing file" "missing" \
	"$(t_jq "$J" '.checks[] | select(.id | endswith("missing.txt")) | .drift')"
t_eq "json: an ok check has drift null" "null" \
	"$(t_jq "$J" '.checks[] | select(.id | endswith("present.txt")) | .drift')"
t_eq "json: line and column are numbers" "number number" \
	"$(t_jq "$J" '.checks[0] | "\(.line | type) \(.column | type)"')"
t_eq "json: extra is a boolean" "boolean" "$(t_jq "$J" '.checks[0].extra | type')"
WEIRD=$(t_jq "$J" '.checks[] | select(.id == "source/weird") | .observed')
t_contains "json: invalid UTF-8 became U+FFFD" "$WEIRD" $'\xef\xbf\xbd\xef\xbf\xbd'
t_contains "json: ESC read back as a character" "$WEIRD" $'\x1b[31mred'
t_contains "json: ESC written escaped" "$(cat "$J")" '\u001b[31mred'
t_not_contains "json: no raw ESC" "$(cat "$J")" $'\x1b'

# ---- junit ----
X=$TMPDIR/out.junit
if have xmllint; then
	t_exit "junit: well-formed (xmllint)" 0 xmllint --noout "$X"
	t_eq "junit: one testcase per check" "6" \
		"$(xmllint --xpath 'count(//testcase)' "$X")"
	t_eq "junit: failures attribute" "4" \
		"$(xmllint --xpath 'string(/testsuites/testsuite/@failures)' "$X")"
	t_eq "junit: failures elements" "4" "$(xmllint --xpath 'count(//failure)' "$X")"
	t_eq "junit: suite name (escaped, read back)" 'topo: report <&> "test"' \
		"$(xmllint --xpath 'string(/testsuites/testsuite/@name)' "$X")"
	t_eq "junit: drift type" "drift:missing" \
		"$(xmllint --xpath 'string(//testcase[contains(@name,"missing.txt")]/failure/@type)' "$X")"
	t_eq "junit: classname is the kind" "files" \
		"$(xmllint --xpath 'string(//testcase[@name="file/weird"]/@classname)' "$X")"
else
	echo "SKIP: xmllint not installed (libxml2-utils): JUnit not validated"
fi
t_contains "junit: header" "$(head -1 "$X")" '<?xml version="1.0" encoding="UTF-8"?>'
t_not_contains "junit: no raw ESC" "$(cat "$X")" $'\x1b'

# ---- markdown ----
M=$TMPDIR/out.markdown
t_contains "markdown: heading with the system" "$(head -1 "$M")" "## topo: report &lt;&amp;&gt; \"test\""
t_contains "markdown: summary table" "$(cat "$M")" $'| status | count |\n|---|---:|\n| ok | 2 |\n| drift | 4 |'
t_contains "markdown: problems table" "$(cat "$M")" "| status | id | expected | observed | message |"
t_contains "markdown: pipe in an id escaped" "$(cat "$M")" 'nomatch\|&lt;&amp;&gt;'
# Every row of the problems table has 6 unescaped pipes (5 cells).
BAD=$(sed -n '/^| status | id /,$p' "$M" | grep '^|' |
	sed 's/\\\\//g; s/\\|//g' | awk -F'|' 'NF - 1 != 6' | head -3)
t_eq "markdown: every problem row has 5 cells" "" "$BAD"
t_not_contains "markdown: no 'No drift.' when drift" "$(cat "$M")" "No drift."
t_exit "markdown: only ok checks exit 0" 0 "$TOPO" check -f "$F" --format markdown --only '**present.txt'
t_contains "markdown: No drift." "$T_OUT" "No drift."
t_not_contains "markdown: no problems table" "$T_OUT" "| status | id |"

# ---- text ----
T=$TMPDIR/out.text
t_not_contains "text: no escape codes when not a terminal" "$(cat "$T")" $'\x1b'
t_contains "text: summary line" "$(cat "$T")" \
	"6 checks: 2 ok, 4 drift, 0 error, 0 unknown, 0 skipped ("
t_contains "text: summary ends with the exit code" "$(tail -1 "$T")" "— exit 1"
FIRST_OK=$(grep -n '^ok ' "$T" | head -1 | cut -d: -f1)
LAST_DRIFT=$(grep -n '^drift ' "$T" | tail -1 | cut -d: -f1)
[ -n "$FIRST_OK" ] && [ -n "$LAST_DRIFT" ] && [ "$LAST_DRIFT" -lt "$FIRST_OK" ] &&
	t_pass "text: problems before ok" || t_fail "text: problems before ok" "$(cat "$T")"
t_contains "text: expected/observed/evidence block" "$(cat "$T")" "         expected: "
t_contains "text: evidence of the closed port" "$(cat "$T")" "evidence: connect 127.0.0.1:$CLOSED"
t_contains "text: hostile ESC shown escaped" "$(cat "$T")" '\x1b[31mred\x01'
t_contains "text: invalid UTF-8 shown as U+FFFD" "$(cat "$T")" $'observed: value = \xef\xbf\xbd\xef\xbf\xbd'
t_exit "text: skipped are counted, not listed" 1 "$TOPO" check -f "$F" --only '**missing.txt'
t_contains "text: skipped count" "$T_OUT" "(5 skipped checks not shown)"
t_contains "text: skipped in summary" "$T_OUT" "1 drift, 0 error, 0 unknown, 5 skipped"
t_not_contains "text: skipped ids not listed" "$T_OUT" "present.txt"

# Colour is decided by the caller: a terminal without NO_COLOR gets it.
if have script; then
	script -qec "env -u NO_COLOR '$TOPO' check -f '$F'" /dev/null >"$TMPDIR/tty.txt" 2>&1
	t_contains "text: colour on a terminal" "$(cat "$TMPDIR/tty.txt")" $'\x1b[1;33mdrift\x1b[0m'
	script -qec "env NO_COLOR=1 '$TOPO' check -f '$F'" /dev/null >"$TMPDIR/tty-nc.txt" 2>&1
	t_not_contains "text: NO_COLOR on a terminal" "$(cat "$TMPDIR/tty-nc.txt")" $'\x1b['
fi

# ---- -o OUT ----
t_exit "-o writes the file, not stdout" 1 "$TOPO" check -f "$F" --format json -o "$TMPDIR/o.json"
t_eq "-o: stdout empty" "" "$T_OUT"
t_eq "-o: file is the report" "6" "$(t_jq "$TMPDIR/o.json" '.summary.total')"

# ---- the manual page ----
if have groff; then
	W_OUT=$(groff -man -ww -z "$ROOT/topo.1" 2>&1)
	t_eq "topo.1: no groff warnings" "" "$W_OUT"
	SYN=$(MANWIDTH=1000 man -l "$ROOT/topo.1" 2>/dev/null | col -b)
	t_contains "topo.1: renders" "$SYN" "DASHBOARD KEYS"
	for cmd in check validate list dash doc stale; do
		help=$("$TOPO" "$cmd" --help 2>/dev/null) || continue
		line=$(printf '%s\n' "$SYN" | grep -E "^ +topo $cmd( |\$)" | head -1)
		missing=""
		# Option lines of the help: "  -f, --file FILE ..." or "      --jobs N ...".
		while IFS=: read -r short long; do
			[ "$long" = "help" ] && continue
			[[ "$line" == *"--$long"* ]] && continue
			[ -n "$short" ] && [[ "$line" == *"[-$short "* ]] && continue
			missing="$missing --$long"
		done < <(printf '%s\n' "$help" |
			sed -nE 's/^ +(-([a-zA-Z]), )?--([a-z][a-z-]*).*/\2:\3/p')
		[ -n "$line" ] || missing="(no synopsis line)"
		t_eq "topo.1: synopsis of '$cmd' has every option" "" "$missing"
	done
	for var in TOPO_FILE NO_COLOR TOPO_LAUNCHCTL TOPO_KUBECTL TOPO_SYSTEMCTL TOPO_CADDY; do
		t_contains "topo.1: environment $var" "$SYN" "$var"
	done
else
	echo "SKIP: groff not installed: topo.1 not checked"
fi

# ---- the JSON schema document names every key ----
DOC=$(cat "$ROOT/docs/report-json.md")
for key in $(t_jq "$J" '(keys_unsorted[]), (.summary | keys_unsorted[]), (.checks[0] | keys_unsorted[])' | sort -u); do
	t_contains "docs/report-json.md: documents \`$key\`" "$DOC" "| \`$key\` |"
done
