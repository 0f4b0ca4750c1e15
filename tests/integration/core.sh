#!/usr/bin/env bash
# core.sh: the verification core's promise, end to end (issue 2): a topology
# with one passing and one failing check of each core probe kind (port, http,
# command, files, sources) exits 1, and its JSON, Markdown and JUnit reports
# name exactly the failing checks with their expected and observed values;
# the same file with the failures fixed exits 0.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

W=$TMPDIR/core
mkdir -p "$W/repo"
HTTP=$(t_free_port)
CLOSED=$(t_free_port)
"$BUILD/tests/fixture-server" --port "$HTTP" \
	--route 'GET /health 200 {"status":"ok"}' >"$W/fixture.log" 2>&1 &
t_cleanup "kill $!"
t_wait_port "$HTTP"

cat >"$W/repo/index.ts" <<'TS'
export const hostFunctionDefinitions = [
  approvalRequest,
  approvalResolve,
  // commentedOut,
  todoistTaskCreated,
];
TS
echo 'INNGEST_URL ?? "http://localhost:8288"' >"$W/repo/config.ts"
echo present >"$W/repo/present.txt"

# topology FILE: writes the topology; $BROKEN=1 plants one failure per kind.
topology() {
	local b=${BROKEN:-0}
	cat >"$1" <<YAML
version: 1
system: core-test
vars:
  HTTP: "$HTTP"
ports:
  - {port: $HTTP, expect: listening}
  - {port: $CLOSED, expect: $([ "$b" = 1 ] && echo listening || echo closed)}
http:
  - {name: health, url: "http://127.0.0.1:\${HTTP}/health", expect: {status: 200, json: {"\$.status": ok}}}
  - {name: body, url: "http://127.0.0.1:\${HTTP}/health", expect: {body_regex: "$([ "$b" = 1 ] && echo degraded || echo ok)"}}
command:
  - {name: true, argv: [true], expect: {exit: 0}}
  - {name: echo, argv: [echo, hello], expect: {stdout_regex: "^$([ "$b" = 1 ] && echo bye || echo hello)"}}
files:
  - $W/repo/present.txt
  - $([ "$b" = 1 ] && echo "$W/repo/gone.txt" || echo "{path: $W/repo/gone.txt, absent: true}")
sources:
  - {name: host functions, file: $W/repo/index.ts, list: hostFunctionDefinitions, count: $([ "$b" = 1 ] && echo 4 || echo 3)}
  - {name: inngest url, file: $W/repo/config.ts, regex: 'INNGEST_URL \\?\\? "([^"]+)"', equals: "http://localhost:8288"}
YAML
}

BROKEN=1 topology "$W/broken.yaml"
topology "$W/fixed.yaml"
t_exit "broken topology is valid" 0 "$TOPO" validate -f "$W/broken.yaml"

FAILING="command/echo
file/$(echo "$W/repo/gone.txt" | sed 's|^/||')
http/body
port/$CLOSED
source/host functions"

for fmt in json markdown junit; do
	t_exit "broken: --format $fmt exits 1" 1 "$TOPO" check -f "$W/broken.yaml" \
		--format "$fmt" -o "$W/broken.$fmt"
done

# JSON: exactly the failing ids, each with expected and observed.
t_eq "json: exactly the failing checks" "$(sort <<<"$FAILING" | sed 's|^file/.*|FILE|' )" \
	"$(jq -r '.checks[] | select(.status != "ok") | .id' "$W/broken.json" | sort | sed 's|^file/.*|FILE|')"
t_eq "json: 10 checks, 5 ok, 5 drift" "10 5 5" \
	"$(jq -r '"\(.summary.total) \(.summary.ok) \(.summary.drift)"' "$W/broken.json")"
t_eq "json: port expected/observed" "state = listening|state = closed" \
	"$(jq -r --arg id "port/$CLOSED" '.checks[] | select(.id == $id) | "\(.expected)|\(.observed)"' "$W/broken.json")"
t_eq "json: http expected/observed" 'body ~ /degraded/|body = {"status":"ok"}' \
	"$(jq -r '.checks[] | select(.id == "http/body") | "\(.expected)|\(.observed)"' "$W/broken.json")"
t_eq "json: command expected/observed" "stdout ~ /^bye/|stdout = hello" \
	"$(jq -r '.checks[] | select(.id == "command/echo") | "\(.expected)|\(.observed)"' "$W/broken.json")"
t_eq "json: source expected/observed" "count = 4|count = 3" \
	"$(jq -r '.checks[] | select(.id == "source/host functions") | "\(.expected)|\(.observed)"' "$W/broken.json")"
t_eq "json: file drift is missing" "missing present absent" \
	"$(jq -r '.checks[] | select(.kind == "files" and .status == "drift") | "\(.drift) \(.expected) \(.observed)"' "$W/broken.json")"

# Markdown: the problems table has exactly the failing checks.
md_ids=$(sed -n '/^### Problems/,$p' "$W/broken.markdown" | grep -E '^\| (drift|error)' | awk -F'|' '{gsub(/^ +| +$/, "", $3); gsub(/`/, "", $3); print $3}' | sort)
t_eq "markdown: problems table lists exactly the failing checks" \
	"$(sort <<<"$FAILING" | sed 's|^file/.*|FILE|')" "$(sed 's|^file/.*|FILE|' <<<"$md_ids")"
t_contains "markdown: expected value shown" "$(cat "$W/broken.markdown")" "state = listening"
t_contains "markdown: observed value shown" "$(cat "$W/broken.markdown")" "count = 3"

# JUnit: one failure element per failing check, carrying expected/observed.
t_eq "junit: 5 failures" 5 "$(grep -c '<failure' "$W/broken.junit")"
t_eq "junit: failing testcases" "$(sort <<<"$FAILING" | sed 's|^file/.*|FILE|')" \
	"$(grep -B1 '<failure' "$W/broken.junit" | sed -n 's/.*<testcase[^>]* name="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g' | sort | sed 's|^file/.*|FILE|')"
t_contains "junit: expected in the failure" "$(cat "$W/broken.junit")" "stdout ~ /^bye/"
t_contains "junit: observed in the failure" "$(cat "$W/broken.junit")" "stdout = hello"

# Fixed: exit 0 in every format, nothing but ok.
for fmt in text json markdown junit; do
	t_exit "fixed: --format $fmt exits 0" 0 "$TOPO" check -f "$W/fixed.yaml" --format "$fmt"
done
"$TOPO" check -f "$W/fixed.yaml" --format json -o "$W/fixed.json"
t_eq "fixed: 10 ok" "10 10" "$(jq -r '"\(.summary.total) \(.summary.ok)"' "$W/fixed.json")"

# --only and --layer narrow the run; --strict counts errors.
t_exit "--only a passing check: exit 0" 0 "$TOPO" check -f "$W/broken.yaml" --only 'http/health'
t_exit "--layer static on the broken file: exit 1 (files, sources)" 1 "$TOPO" check -f "$W/broken.yaml" --layer static
"$TOPO" check -f "$W/broken.yaml" --layer static --format json -o "$W/static.json"
t_eq "--layer static: live checks skipped" 6 "$(jq -r '.summary.skipped' "$W/static.json")"
cat >"$W/error.yaml" <<YAML
version: 1
system: core-error
http:
  - {name: refused, url: "http://127.0.0.1:$CLOSED/"}
YAML
t_exit "an error alone: exit 1" 1 "$TOPO" check -f "$W/error.yaml"
t_exit "an error with --strict: exit 1" 1 "$TOPO" check -f "$W/error.yaml" --strict
t_exit "usage error: exit 2" 2 "$TOPO" check -f "$W/fixed.yaml" --format yaml

# A service that is down fails CI (issue 19): refused or timed out, in every
# format, the exit status is 1 and each report names the error as an error,
# not as drift. An unknown alone passes unless --strict.
for fmt in text json markdown junit; do
	t_exit "refused: --format $fmt exits 1" 1 "$TOPO" check -f "$W/error.yaml" --format "$fmt"
	printf "%s\n" "$T_OUT" >"$W/error.$fmt"
done
t_contains "refused: text summary counts the error" "$(cat "$W/error.text")" "1 error"
t_contains "refused: text summary says exit 1" "$(cat "$W/error.text")" "exit 1"
t_eq "refused: json exit_code 1, 1 error, 0 drift" "1 1 0" \
	"$(jq -r '"\(.exit_code) \(.summary.error) \(.summary.drift)"' "$W/error.json")"
t_contains "refused: markdown headline names the error" "$(head -3 "$W/error.markdown")" "**1 error** — exit 1"
t_not_contains "refused: markdown does not say no drift as a pass" "$(cat "$W/error.markdown")" "No drift —"
t_contains "refused: junit counts an <error>" "$(cat "$W/error.junit")" 'errors="1"'
t_contains "refused: junit exit_code property 1" "$(cat "$W/error.junit")" '<property name="exit_code" value="1"'

t_fixture hang --route 'GET /hang 200 !hang'
{
	echo "version: 1"
	echo "system: core-hang"
	echo "http:"
	for i in $(seq 500); do
		echo "  - {name: h$i, url: \"http://127.0.0.1:$FIXTURE_PORT/hang\", timeout_ms: 200}"
	done
} >"$W/hang.yaml"
for fmt in text json markdown junit; do
	t_exit "500 timed-out checks: --format $fmt exits 1" 1 \
		"$TOPO" check -f "$W/hang.yaml" --jobs 100 --format "$fmt"
	printf "%s\n" "$T_OUT" >"$W/hang.$fmt"
done
t_eq "500 timed-out checks: 500 errors in the json" "500 0 1" \
	"$(jq -r '"\(.summary.error) \(.summary.drift) \(.exit_code)"' "$W/hang.json")"
t_contains "500 timed-out checks: markdown headline" "$(head -3 "$W/hang.markdown")" "**500 errors** — exit 1"

cat >"$W/unknown.yaml" <<YAML
version: 1
system: core-unknown
unknowns:
  - {what: a tailnet, verify: tailscale status, why: none here}
YAML
t_exit "a declared unknown alone: exit 0" 0 "$TOPO" check -f "$W/unknown.yaml"
t_exit "a declared unknown with --strict: exit 1" 1 "$TOPO" check -f "$W/unknown.yaml" --strict
