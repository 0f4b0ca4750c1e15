#!/usr/bin/env bash
# tests/integration/reports.sh: `topo check` in every format on a real run
# (files in a scratch folder, a closed port on 127.0.0.1), read back by
# independent tools: JSON by python3 (strict UTF-8) and jq, JUnit by
# xmllint (libxml2-utils), Markdown table shape, text order and colour
# (a pty from script(1) decides isatty), -o OUT; then the manual page
# (renders without warnings, names every option of every command) and the
# JSON schema document (names every key the report has).
#
# Then the schemas: every JSON report made here is validated against
# docs/report.schema.json (tests/schema/validate-report.py, python3-jsonschema)
# and every JUnit report against tests/schema/junit.xsd (xmllint --schema),
# over a sweep of runs that between them give every status (ok, drift of
# each class, extra checks, error, unknown, skipped, not_run after SIGINT and
# SIGTERM, an empty topology, the demo, joelclaw's static layer, every data-
# driven case); reports altered by one field must fail them; the schema, the
# doc and the probe table must name the same fields, statuses and kinds; and
# Markdown and text must give each failing check's declaration (file:line)
# and evidence.
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
	"topo_json_version topo_version system topology started_at duration_ms layers exit_code interrupted summary checks" \
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
t_contains "markdown: problems table" "$(cat "$M")" "| status | id | expected | observed | message | declared | evidence |"
t_contains "markdown: pipe in an id escaped" "$(cat "$M")" 'nomatch\|&lt;&amp;&gt;'
# Every row of the problems table has 8 unescaped pipes (7 cells).
BAD=$(sed -n '/^| status | id /,$p' "$M" | grep '^|' |
	sed 's/\\\\//g; s/\\|//g' | awk -F'|' 'NF - 1 != 8' | head -3)
t_eq "markdown: every problem row has 7 cells" "" "$BAD"
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

# ==== the schemas: every JSON and JUnit report made here is valid ==========
VALIDATE=$ROOT/tests/schema/validate-report.py
SCHEMA=$ROOT/docs/report.schema.json
XSD=$ROOT/tests/schema/junit.xsd
# scripts/deps.sh installs them: missing is a failure, never a skip.
if ! python3 -c 'import jsonschema' 2>/dev/null; then
	t_fail "python3-jsonschema is installed" "scripts/deps.sh installs it"
	exit 0
fi
if ! have xmllint; then
	t_fail "xmllint is installed" "scripts/deps.sh installs libxml2-utils"
	exit 0
fi

# json_valid LABEL FILE...: FILEs are to be valid against
# docs/report.schema.json; json_refused LABEL FILE: FILE is not to be. One
# run of the validator checks them all at the end (validate_all): python3
# and jsonschema take a second to start.
VALID_LABELS=()
VALID_FILES=()
json_valid() {
	local label=$1 f
	shift
	for f in "$@"; do
		VALID_LABELS+=("$label")
		VALID_FILES+=("$f")
	done
}
REFUSED_LABELS=()
REFUSED_FILES=()
json_refused() {
	REFUSED_LABELS+=("$1")
	REFUSED_FILES+=("$2")
}
validate_all() {
	local i out f lines
	out=$(python3 "$VALIDATE" "${VALID_FILES[@]}" "${REFUSED_FILES[@]}" 2>&1)
	for i in "${!VALID_FILES[@]}"; do
		f=${VALID_FILES[$i]}
		if grep -qxF "ok: $f" <<<"$out"; then
			t_pass "${VALID_LABELS[$i]}: JSON valid against docs/report.schema.json ($(basename "$f"))"
		else
			lines=$(grep -F "invalid: $f: " <<<"$out" | head -5)
			t_fail "${VALID_LABELS[$i]}: JSON valid against docs/report.schema.json ($(basename "$f"))" \
				"${lines:-$out}"
		fi
	done
	for i in "${!REFUSED_FILES[@]}"; do
		f=${REFUSED_FILES[$i]}
		if grep -qF "invalid: $f: " <<<"$out" && ! grep -qxF "ok: $f" <<<"$out"; then
			t_pass "schema refuses ${REFUSED_LABELS[$i]}"
		else
			t_fail "schema refuses ${REFUSED_LABELS[$i]}" "$(head -c 1500 "$f")"
		fi
	done
}
# junit_valid LABEL FILE: valid against tests/schema/junit.xsd, and the
# counts of the suite and of the document are those of their elements.
junit_valid() {
	local label=$1 f=$2 bad="" at want got attr el
	t_exit "$label: JUnit valid against tests/schema/junit.xsd" 0 \
		xmllint --noout --schema "$XSD" "$f"
	for at in /testsuites /testsuites/testsuite; do
		for attr in tests:testcase failures:failure errors:error skipped:skipped; do
			el=${attr#*:}
			[ "$el" = testcase ] || el="testcase/$el"
			want=$(xmllint --xpath "count($at/descendant-or-self::testsuite/$el)" "$f" 2>/dev/null)
			got=$(xmllint --xpath "string($at/@${attr%%:*})" "$f" 2>/dev/null)
			[ "$want" = "$got" ] || bad="$bad $at/@${attr%%:*}=$got (elements: $want)"
		done
	done
	t_eq "$label: JUnit counts are those of its elements" "" "$bad"
}
# sweep LABEL EXIT ARGS...: topo check ARGS as JSON and as JUnit, exit EXIT
# both times, both valid; the JSON report is left in $TMPDIR/LABEL.json.
SWEEP_JSON=()
sweep() {
	local label=$1 want=$2
	shift 2
	t_exit "$label: json exits $want" "$want" "$TOPO" check "$@" --format json -o "$TMPDIR/$label.json"
	json_valid "$label" "$TMPDIR/$label.json"
	SWEEP_JSON+=("$TMPDIR/$label.json")
	t_exit "$label: junit exits $want" "$want" "$TOPO" check "$@" --format junit -o "$TMPDIR/$label.xml"
	junit_valid "$label" "$TMPDIR/$label.xml"
}
# statuses FILE: the statuses a JSON report has, sorted, one a word.
statuses() { jq -r '[.checks[].status] | unique | join(" ")' "$1"; }

# ---- the run above (ok, drift missing and changed, hostile bytes)
json_valid "the report run" "$J" "$TMPDIR/o.json"
junit_valid "the report run" "$X"
t_eq "json: topo_version is what topo version says" \
	"$("$TOPO" version | awk '{print $2}')" "$(t_jq "$J" '.topo_version')"
t_eq "junit: topo_version property" "$("$TOPO" version | awk '{print $2}')" \
	"$(xmllint --xpath 'string(//property[@name="topo_version"]/@value)' "$X")"

# ---- skipped, and only ok
sweep skipped 1 -f "$F" --only '**missing.txt'
t_eq "skipped: statuses" "drift skipped" "$(statuses "$TMPDIR/skipped.json")"
sweep only-ok 0 -f "$F" --only '**present.txt'
t_eq "only-ok: statuses" "ok skipped" "$(statuses "$TMPDIR/only-ok.json")"

# ---- error and unknown: the demo's topology with nothing running (run
# from the scratch folder: relative paths are the topology's, not ours)
cd "$TMPDIR" || exit 1
sweep demo-down 1 -f "$ROOT/topologies/demo.yaml"
t_eq "demo-down: statuses" "drift error ok unknown" "$(statuses "$TMPDIR/demo-down.json")"

# ---- declared unknowns only: exit 0, with --strict 1
cat >"$W/unknowns.yaml" <<EOF
version: 1
system: unknowns only
unknowns:
  - what: Tailscale daemon state
    verify: tailscale status --json
  - what: the UPS battery
EOF
sweep unknown 0 -f "$W/unknowns.yaml"
sweep unknown-strict 1 -f "$W/unknowns.yaml" --strict
t_eq "unknown-strict: statuses" "unknown" "$(statuses "$TMPDIR/unknown-strict.json")"

# ---- an empty topology: no checks
printf 'version: 1\nsystem: empty\n' >"$W/empty.yaml"
sweep empty 0 -f "$W/empty.yaml"
t_eq "empty: no checks" "0 0" "$(t_jq "$TMPDIR/empty.json" '"\(.summary.total) \(.checks | length)"')"

# ---- joelclaw's static layer, from here (most of it missing: drift,
# error, skipped live checks, extra checks)
sweep joelclaw-static 1 -f "$ROOT/topologies/joelclaw.yaml" --layer static
cd "$ROOT" || exit 1

# ---- not_run: SIGINT and SIGTERM while a command hangs
cat >"$W/hang.yaml" <<EOF
version: 1
system: interrupted
files:
  - $W/present.txt
command:
  - {name: hang, argv: [sleep, "30"], timeout_ms: 60000}
EOF
# interrupt SIGNAL FORMAT OUT: topo check in the background, SIGNAL after
# its first check is surely done; sets RC.
interrupt() {
	"$TOPO" check -f "$W/hang.yaml" --format "$2" -o "$3" </dev/null 2>"$3.err" &
	local pid=$!
	sleep 1
	kill -s "$1" "$pid"
	wait "$pid"
	RC=$?
}
for sig in INT TERM; do
	want=130
	[ "$sig" = TERM ] && want=143
	interrupt "$sig" json "$TMPDIR/sig$sig.json"
	t_eq "SIG$sig: exit $want" "$want" "$RC"
	json_valid "SIG$sig" "$TMPDIR/sig$sig.json"
	SWEEP_JSON+=("$TMPDIR/sig$sig.json")
	t_eq "SIG$sig: json interrupted, ok and not_run" "true $want not_run ok" \
		"$(jq -r '"\(.interrupted) \(.exit_code) \([.checks[].status] | unique | join(" "))"' "$TMPDIR/sig$sig.json")"
	interrupt "$sig" junit "$TMPDIR/sig$sig.xml"
	t_eq "SIG$sig: junit run exits $want" "$want" "$RC"
	junit_valid "SIG$sig" "$TMPDIR/sig$sig.xml"
done

# ---- every data-driven case (tests/cases), its JSON report kept
mkdir -p "$TMPDIR/cases"
T_NO_TMP=1 TMPDIR=$TMPDIR/cases bash "$ROOT/tests/cases/run.sh" >"$TMPDIR/cases.log" 2>&1
NCASES=$(find "$ROOT/tests/cases" -mindepth 2 -maxdepth 2 -name topology.yaml | wc -l)
CASE_JSON=("$TMPDIR"/cases/*.json)
t_eq "cases: one JSON report per case" "$NCASES" "${#CASE_JSON[@]}"
json_valid "cases ($NCASES reports)" "${CASE_JSON[@]}"
SWEEP_JSON+=("${CASE_JSON[@]}")

# ---- the demo: every status a real system gives, extra checks included
DEMO=$TMPDIR/demo
DEMO_OUT=$DEMO DEMO_TOPO=$TOPO DEMO_NO_DASH=1 "$ROOT/scripts/demo.sh" </dev/null >"$TMPDIR/demo.log" 2>&1
t_eq "demo: ran (exit 0)" 0 "$?"
json_valid "demo" "$DEMO/report.json"
SWEEP_JSON+=("$DEMO/report.json")
t_eq "demo: has an extra check" "true" "$(t_jq "$DEMO/report.json" '[.checks[] | select(.extra)] | length > 0')"
t_eq "demo: has a consequence (caused_by, root_cause)" "true" \
	"$(t_jq "$DEMO/report.json" '[.checks[] | select(.caused_by != null and .root_cause != null)] | length > 0')"

# Between them the sweep saw every status, every drift class and extras.
t_eq "sweep: every status" "drift error not_run ok skipped unknown" \
	"$(jq -rs '[.[].checks[].status] | unique | join(" ")' "${SWEEP_JSON[@]}")"
t_eq "sweep: every drift class" "changed extra missing" \
	"$(jq -rs '[.[].checks[].drift | values] | unique | join(" ")' "${SWEEP_JSON[@]}")"

# ---- Markdown and text: each failing check's declaration and evidence
# problems_located JSON MARKDOWN TEXT: prints what is missing, nothing when
# every drift, error and unknown of JSON has its file:line:column and the
# start of its evidence in its Markdown row and in its text block.
problems_located() {
	python3 - "$@" <<'PY'
import json, re, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
md = open(sys.argv[2], encoding="utf-8").read().split("\n")
text = open(sys.argv[3], encoding="utf-8").read().split("\n")
def cell(s):
    out = []
    for ch in s:
        out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "<br>"}.get(ch,
                   "\\" + ch if ch in "|\\`*_[]~" else ch))
    return "".join(out)
def block(status, cid):
    for i, line in enumerate(text):
        if line.startswith(status + " ") and line[9:].startswith(cid):
            j = i + 1
            while j < len(text) and text[j].startswith(" "):
                j += 1
            return "\n".join(text[i:j])
    return None
n = 0
for c in report["checks"]:
    if c["status"] not in ("drift", "error", "unknown"):
        continue
    n += 1
    where = "%s:%d:%d" % (c["file"], c["line"], c["column"])
    # Reports of separate runs: the timing in an evidence may differ.
    evidence = re.sub(r" in [0-9.]+ ms.*", "", (c["evidence"] or "").split("\n")[0])[:60]
    # A consequence's id is marked "↳ " (listed under its root cause).
    rows = [l for l in md if l.startswith("| %s" % c["status"]) and
            ("| %s |" % cell(c["id"]) in l or "| \u21b3 %s |" % cell(c["id"]) in l)]
    if len(rows) != 1:
        print("markdown: no row of its own for %s" % c["id"]); continue
    if "| %s |" % cell(where) not in rows[0]:
        print("markdown: %s lacks %s" % (c["id"], where))
    if evidence and cell(evidence) not in rows[0]:
        print("markdown: %s lacks its evidence %s" % (c["id"], evidence))
    b = block(c["status"], c["id"])
    if b is None:
        print("text: no row for %s" % c["id"]); continue
    if "declared: " + where not in b:
        print("text: %s lacks declared: %s" % (c["id"], where))
    if evidence and "evidence: " + evidence not in b:
        print("text: %s lacks evidence: %s" % (c["id"], evidence))
if n == 0:
    print("no failing check to look at")
PY
}
t_eq "demo: Markdown and text locate every problem (declared, evidence)" "" \
	"$(problems_located "$DEMO/report.json" "$DEMO/report.md" "$DEMO/report.txt")"
"$TOPO" check -f "$F" --format markdown -o "$TMPDIR/loc.md"
"$TOPO" check -f "$F" --format text -o "$TMPDIR/loc.txt"
t_eq "report run: Markdown and text locate every problem" "" \
	"$(problems_located "$J" "$TMPDIR/loc.md" "$TMPDIR/loc.txt")"
t_contains "markdown: a source drift's evidence is file:line" "$(cat "$DEMO/report.md")" \
	"/repo/packages/system-bus/src/inngest/functions/index.host.ts:9 |"

# ---- a report changed in one way is refused by the schema
# refused LABEL JQ-FILTER: the report run's JSON, altered, must not validate.
NALTERED=0
refused() {
	NALTERED=$((NALTERED + 1))
	jq "$2" "$J" >"$TMPDIR/altered$NALTERED.json"
	json_refused "$1" "$TMPDIR/altered$NALTERED.json"
}
rename() { echo "with_entries(if .key == \"$1\" then .key = \"$2\" else . end)"; }
refused "a renamed check field" ".checks[0] |= $(rename evidence evidences)"
refused "a renamed top-level field" "$(rename topo_version version)"
refused "a renamed summary field" ".summary |= $(rename not_run notrun)"
refused "a missing field" "del(.checks[1].column)"
refused "an added field" ".checks[0].note = \"x\""
refused "an empty string for null" ".checks[0].evidence = \"\""
refused "a status it does not know" ".checks[0].status = \"pending\""
refused "a drift class on an ok check" "(.checks[] | select(.status == \"ok\")).drift = \"changed\""
refused "members out of order" ".checks[0] |= (to_entries | reverse | from_entries)"
refused "counts that do not add up" ".summary.ok += 1"
refused "a line of 0" ".checks[0].line = 0"
refused "another schema version" ".topo_json_version = 2"
refused "not_run in a run not interrupted" ".checks[0].status = \"not_run\" | .checks[0].drift = null"
refused "an extra check that is not a drift" "(.checks[0].extra = true) | .checks[0].status = \"ok\""
refused "a root_cause without a caused_by" ".checks[0].root_cause = .checks[1].id"
refused "a caused_by that names no check" "(.checks[] | select(.status == \"drift\")) |= (.caused_by = \"port/0\" | .root_cause = \"port/0\") | .summary.consequences = 4"
refused "a cause on a passing check" "(.checks[] | select(.status == \"ok\")) |= (.caused_by = \"x\" | .root_cause = \"x\")"
refused "consequences that do not count the causes" ".summary.consequences = 1"
# And JUnit changed in one way is refused by the XSD.
xsd_refused() {
	sed "$2" "$X" >"$TMPDIR/altered.xml"
	xmllint --noout --schema "$XSD" "$TMPDIR/altered.xml" >/dev/null 2>&1
	t_eq "junit.xsd refuses $1 (xmllint: 3, invalid)" 3 "$?"
}
xsd_refused "an attribute it does not know" '0,/<testcase /s/<testcase /<testcase colour="red" /'
xsd_refused "a testcase without a name" '0,/<testcase classname="\([^"]*\)" name="[^"]*"/s//<testcase classname="\1"/'
xsd_refused "a failure and a skipped in one testcase" 's|</failure>|</failure><skipped message="x"/>|'
xsd_refused "a negative count" '0,/tests="6"/s//tests="-6"/'
xsd_refused "a failure without a message" '0,/<failure message="[^"]*"/s//<failure/'
xsd_refused "a time that is not a number" '0,/time="[0-9.]*"/s//time="soon"/'

validate_all

# ---- the schema, the doc and the probe table agree
t_exit "docs/report.schema.json is a valid draft 2020-12 schema" 0 python3 -c '
import json, sys, jsonschema
jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' "$SCHEMA"
SCHEMA_DOC=$(python3 - "$SCHEMA" "$ROOT/docs/report-json.md" <<'PY'
import json, re, sys
schema = json.load(open(sys.argv[1]))
doc = open(sys.argv[2], encoding="utf-8").read()
def table(heading):
    """The backquoted names of the first column of the table under heading."""
    part = doc.split(heading, 1)[1]
    names = []
    for line in part.split("\n")[1:]:
        if line.startswith("#"):
            break
        m = re.match(r"\| `([a-z_]+)` \|", line)
        if m:
            names.append(m.group(1))
    return names
want = [("the document", schema["required"], table("## The document")),
        ("summary", schema["properties"]["summary"]["required"], table("### `summary`")),
        ("checks[]", schema["$defs"]["check"]["required"], table("### `checks[]`")),
        ("statuses", schema["$defs"]["check"]["properties"]["status"]["enum"], table("### Statuses"))]
for name, in_schema, in_doc in want:
    if in_schema != in_doc:
        print("%s: schema %s, doc %s" % (name, in_schema, in_doc))
kinds = schema["$defs"]["check"]["properties"]["kind"]["oneOf"][1]["enum"]
m = re.search(r"`kind` \| string or null \| ([^|]*)\|", doc)
in_doc = sorted(k for k in re.findall(r"`([a-z]+)`", m.group(1)) if k != "null")
if sorted(kinds) != in_doc:
    print("kinds: schema %s, doc %s" % (sorted(kinds), in_doc))
print(" ".join(sorted(kinds)))
PY
)
PROBES=$(grep -l '^const struct probe_ops probe_' "$ROOT"/probes/*.c |
	xargs sed -n 's/^\t\.name = "\([a-z]*\)",$/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
t_eq "schema and doc: the same fields, statuses and kinds" "$PROBES" "$SCHEMA_DOC"
