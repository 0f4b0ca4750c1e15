#!/usr/bin/env bash
# tests/integration/launchd.sh: the launchd probe through `topo check`, with
# launchctl replaced by tests/bin/fake-launchctl replaying the recorded
# samples of ../shared/fixtures/launchctl and the drifted variants of
# tests/fixtures/launchctl: running, scheduled, not running, missing, an
# exited job (last exit 78), the domain listing for extras, a launchctl that
# hangs, fails or prints garbage, and no launchctl at all (Linux). Static:
# the two plists of ../shared/fixtures/joelclaw-repo, all ok, then one
# changed field each in copies under $TMPDIR. The GATEWAY_TOKEN of the
# environment block must appear in no output format.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"
t_need_shared "launchd"

SHARED=$ROOT/../shared/fixtures
SECRET=s3cr3t-value-that-must-never-appear-in-a-report
if [ ! -f "$SHARED/launchctl/running.txt" ]; then
	t_fail "shared fixtures" "not found at $SHARED (CI keeps shared/ beside the clone)"
	exit 1
fi
grep -q "$SECRET" "$SHARED/launchctl/running.txt" ||
	t_fail "the sample still holds the secret the test looks for"

# The recorded outputs, one file per label, as fake-launchctl reads them.
LC=$TMPDIR/launchctl
mkdir -p "$LC"
cp "$SHARED/launchctl/running.txt" "$LC/com.joel.gateway.txt"
cp "$SHARED/launchctl/not-running.txt" "$LC/com.joel.colima.txt"
cp "$SHARED/launchctl/scheduled.txt" "$LC/com.joel.local-sandbox-janitor.txt"
cp "$ROOT/tests/fixtures/launchctl/domain-gui-501.txt" "$LC/domain.txt"
# The two jobs of the repository's plists, loaded: running.txt with their
# label and their plist's arguments.
loaded() { # LABEL PROGRAM
	sed "s/com\.joel\.gateway/$1/g" "$SHARED/launchctl/running.txt" |
		perl -0pe "s|\tprogram = [^\n]*|\tprogram = $2|; s|arguments = \{.*?\}|arguments = {\n\t\t$2\n\t}|s" >"$LC/$1.txt"
}
loaded com.joel.system-bus-worker /Users/joel/.local/bin/worker-supervisor
loaded com.joel.talon /Users/joel/.local/bin/talon
export FAKE_LAUNCHCTL_DIR=$LC
export TOPO_LAUNCHCTL=$ROOT/tests/bin/fake-launchctl
export FAKE_LAUNCHCTL_LOG=$TMPDIR/launchctl.log

REPO=$TMPDIR/repo
mkdir -p "$REPO"
cp -r "$SHARED/joelclaw-repo/infra" "$REPO/"

# topology FILE [EXTRA_KEYS_OF_THE_SECTION] [JOBS...]: the base topology.
write_topology() {
	local file=$1 extra=$2
	cat >"$file" <<EOF
version: 1
system: launchd-test
vars:
  REPO: $REPO
  UID: "501"
launchd:
  domain: gui/\${UID}
  plists: \${REPO}/infra/launchd
$extra
  jobs:
    - label: com.joel.gateway
      state: running
      last_exit: 0
      program: /Users/joel/.bun/bin/bun run packages/gateway/src/daemon.ts
      role: Gateway daemon
      ports: [3018]
      plist: false
    - label: com.joel.local-sandbox-janitor
      state: scheduled
      plist: false
    - label: com.joel.colima
      state: not-running
      plist: false
    - label: com.joel.vault-log-sync
      state: retired
    - label: com.joel.system-bus-worker
      state: running
      program: /Users/joel/.local/bin/worker-supervisor
      keep_alive: true
      run_at_load: true
    - label: com.joel.talon
      state: running
      program: /Users/joel/.local/bin/talon
      keep_alive: true
      run_at_load: true
EOF
}

# status ID [FILE]: the status (and drift) of a check in a JSON report.
status() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) |
	    .status + (if .drift then "/" + .drift else "" end)' "${2:-$TMPDIR/out.json}"
}
field() {
	jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2" "${3:-$TMPDIR/out.json}"
}

# --- all as declared ------------------------------------------------------
T=$TMPDIR/topology.yaml
write_topology "$T" ""
t_exit "all declared jobs and plists are ok" 0 "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "running job ok" "ok" "$(status launchd/com.joel.gateway)"
t_eq "scheduled job (idle, calendar) ok" "ok" "$(status launchd/com.joel.local-sandbox-janitor)"
t_eq "not-running job ok" "ok" "$(status launchd/com.joel.colima)"
t_eq "retired job absent: ok" "ok" "$(status launchd/com.joel.vault-log-sync)"
t_eq "retired job: its plist is gone from the repo" "ok" "$(status launchd/com.joel.vault-log-sync/plist)"
t_eq "plist system-bus-worker ok" "ok" "$(status launchd/com.joel.system-bus-worker/plist)"
t_eq "plist talon ok" "ok" "$(status launchd/com.joel.talon/plist)"
t_eq "no plist check for plist: false" "" "$(status launchd/com.joel.gateway/plist)"
ev=$(field launchd/com.joel.gateway evidence)
t_contains "evidence: the argv run" "$ev" "fake-launchctl print gui/501/com.joel.gateway"
t_contains "evidence: pid" "$ev" "pid = 81275"
t_contains "evidence: last exit code" "$ev" "last exit code = 0"
t_not_contains "evidence: no environment block" "$ev" "GATEWAY_TOKEN"
t_contains "live program: the arguments" "$(field launchd/com.joel.talon observed)" "program = /Users/joel/.local/bin/talon"
t_contains "observed state of the scheduled job" "$(field launchd/com.joel.local-sandbox-janitor observed)" "state = scheduled"
t_contains "plist evidence has file:line" "$(field launchd/com.joel.talon/plist evidence)" "infra/launchd/com.joel.talon.plist:5"
t_eq "extras need extra_prefix" "0" "$(jq '[.checks[] | select(.extra)] | length' "$TMPDIR/out.json")"
t_eq "one launchctl call per job, no domain listing" "6" "$(wc -l <"$FAKE_LAUNCHCTL_LOG" | tr -d ' ')"

# The same through `programs:` instead of $TOPO_LAUNCHCTL.
sed "s|^system: .*|&\nprograms:\n  launchctl: $ROOT/tests/bin/fake-launchctl|" "$T" >"$TMPDIR/programs.yaml"
t_exit "launchctl path from programs:" 0 env -u TOPO_LAUNCHCTL "$TOPO" check -f "$TMPDIR/programs.yaml" --layer live --format json -o "$TMPDIR/p.json"
t_eq "programs: running job ok" "ok" "$(status launchd/com.joel.gateway "$TMPDIR/p.json")"

# All jobs are asked at once: every call of 1 s starts before the first ends.
FAKE_LAUNCHCTL_DELAY=1 FAKE_LAUNCHCTL_STARTS=$TMPDIR/starts t_exit "slow launchctl" 0 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/slow.json"
spread=$(sort -n "$TMPDIR/starts" | awk 'NR == 1 { a = $1 } { b = $1 } END { print int((b - a) / 1000000) }')
t_eq "six launchctl calls" "6" "$(wc -l <"$TMPDIR/starts" | tr -d ' ')"
if [ "$spread" -lt 1000 ]; then t_pass "launchctl calls run at once (started within $spread ms)"; else
	t_fail "launchctl calls run at once" "starts spread over $spread ms"; fi
t_eq "slow: still ok" "ok" "$(status launchd/com.joel.gateway "$TMPDIR/slow.json")"

# --- drift: live ----------------------------------------------------------
cp "$ROOT/tests/fixtures/launchctl/gateway-exited-78.txt" "$LC/com.joel.gateway.txt"
sed -i 's/state: not-running/state: running/' "$T"
sed -i 's/com.joel.vault-log-sync\b/com.joel.vault-log-sync/; /label: com.joel.vault-log-sync/{n;s/retired/running/}' "$T"
t_exit "drifted jobs: exit 1" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "gateway not running: changed" "drift/changed" "$(status launchd/com.joel.gateway)"
msg=$(field launchd/com.joel.gateway message)
t_contains "message: state" "$msg" "state is not running, expected running"
t_contains "message: last exit 78" "$msg" "last_exit is 78"
t_eq "colima (not running, exit 78) declared running: changed" "drift/changed" "$(status launchd/com.joel.colima)"
t_eq "unknown label: missing" "drift/missing" "$(status launchd/com.joel.vault-log-sync)"
t_contains "missing: launchctl's message as evidence" "$(field launchd/com.joel.vault-log-sync evidence)" "Could not find service"
t_eq "scheduled job still ok" "ok" "$(status launchd/com.joel.local-sandbox-janitor)"
loaded com.joel.talon "/Users/joel/.local/bin/talon --debug"
t_exit "loaded job runs other arguments: drift" 1 "$TOPO" check -f "$T" --layer live --only launchd/com.joel.talon --format json -o "$TMPDIR/out.json"
t_eq "other arguments: changed" "drift/changed" "$(status launchd/com.joel.talon)"
t_contains "other arguments: message" "$(field launchd/com.joel.talon message)" "program is /Users/joel/.local/bin/talon --debug, expected /Users/joel/.local/bin/talon"
loaded com.joel.talon /Users/joel/.local/bin/talon
cp "$SHARED/launchctl/running.txt" "$LC/com.joel.gateway.txt"

# --- extras by prefix -----------------------------------------------------
write_topology "$T" "  extra_prefix: com.joel"
t_exit "undeclared com.joel jobs: drift" 1 "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
extras=$(jq -r '[.checks[] | select(.extra) | .id] | sort | join(" ")' "$TMPDIR/out.json")
t_eq "extras: the undeclared com.joel jobs only" "launchd/com.joel.old-backup launchd/com.joel.rogue-sync" "$extras"
t_eq "extra is drift extra" "drift/extra" "$(status launchd/com.joel.rogue-sync)"
t_contains "extra says what was found" "$(field launchd/com.joel.rogue-sync observed)" "pid 90210"
printf 'version: 1\nsystem: d\nlaunchd:\n  domain: gui/501\n  jobs:\n    - {label: com.joel.nas-mount, domain: system}\n' >"$TMPDIR/domain.yaml"
: >"$FAKE_LAUNCHCTL_LOG"
"$TOPO" check -f "$TMPDIR/domain.yaml" >/dev/null
t_eq "a job's own domain" "print system/com.joel.nas-mount" "$(cat "$FAKE_LAUNCHCTL_LOG")"
t_exit "--only narrows without extras" 0 "$TOPO" check -f "$T" --only 'launchd/com.joel.gateway' --format json -o "$TMPDIR/only.json"
t_eq "--only: no extras" "0" "$(jq '[.checks[] | select(.extra)] | length' "$TMPDIR/only.json")"

# --- launchctl that fails -------------------------------------------------
write_topology "$T" ""
start=$(date +%s%N)
FAKE_LAUNCHCTL_MODE=hang t_exit "hanging launchctl: an error, exit 1" 1 "$TOPO" check -f "$T" --layer live --timeout 700 --format json -o "$TMPDIR/out.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "hang: error" "error" "$(status launchd/com.joel.gateway)"
t_eq "hang: timed out" "launchctl print gui/501/com.joel.gateway: timed out after 700 ms" \
	"$(field launchd/com.joel.gateway message)"
sed 's|^  plists: .*|&\n  timeout_ms: 400|' "$T" >"$TMPDIR/timeout.yaml"
FAKE_LAUNCHCTL_MODE=hang "$TOPO" check -f "$TMPDIR/timeout.yaml" --layer live --format json -o "$TMPDIR/t.json"
t_contains "section timeout_ms is the jobs' default" "$(field launchd/com.joel.gateway message "$TMPDIR/t.json")" "timed out after 400 ms"
if [ "$ms" -lt 5000 ]; then t_pass "hang: all jobs time out together ($ms ms)"; else
	t_fail "hang: all jobs time out together" "took $ms ms"; fi
FAKE_LAUNCHCTL_MODE=exit1 t_exit "launchctl exit 1" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "exit 1: error" "error" "$(status launchd/com.joel.gateway)"
t_eq "exit 1: stderr as reason" "launchctl print gui/501/com.joel.gateway: exited 1: Bad request." \
	"$(field launchd/com.joel.gateway message)"
FAKE_LAUNCHCTL_MODE=garbage t_exit "launchctl prints garbage" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "garbage: error" "error" "$(status launchd/com.joel.gateway)"
t_contains "garbage: reason" "$(field launchd/com.joel.gateway message)" "no service description"
t_exit "garbage: text report" 0 "$TOPO" check -f "$T" --layer live

# --- no launchctl ---------------------------------------------------------
t_exit "no launchctl: not drift" 0 env -u TOPO_LAUNCHCTL PATH=/usr/bin:/bin "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "no launchctl: unknown" "unknown" "$(status launchd/com.joel.gateway)"
t_eq "no launchctl: reason" "launchctl not available on Linux (not found in PATH)" \
	"$(field launchd/com.joel.gateway message)"
t_exit "configured launchctl missing: error" 1 env TOPO_LAUNCHCTL=$TMPDIR/nowhere/launchctl "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "configured but missing: error" "error" "$(status launchd/com.joel.gateway)"
t_eq "configured but missing: reason" \
	"launchctl print gui/501/com.joel.gateway: cannot run $TMPDIR/nowhere/launchctl: No such file or directory" \
	"$(field launchd/com.joel.gateway message)"

# --- static drift ---------------------------------------------------------
P=$REPO/infra/launchd
sed -i '/<key>KeepAlive<\/key>/{n;s/<true\/>/<false\/>/}' "$P/com.joel.talon.plist"
sed -i 's|/Users/joel/.local/bin/worker-supervisor</string>|/Users/joel/.local/bin/worker-supervisor-v2</string>|' "$P/com.joel.system-bus-worker.plist"
t_exit "changed plists: drift" 1 "$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
t_eq "KeepAlive false: changed" "drift/changed" "$(status launchd/com.joel.talon/plist)"
t_contains "KeepAlive message" "$(field launchd/com.joel.talon/plist message)" "keep_alive is false, expected true"
t_eq "program changed" "drift/changed" "$(status launchd/com.joel.system-bus-worker/plist)"
t_contains "program message" "$(field launchd/com.joel.system-bus-worker/plist message)" "worker-supervisor-v2"
cp "$SHARED/joelclaw-repo/infra/launchd/"*.plist "$P/"

# A plist converted to binary reads the same (libplist), if plistutil is here.
if command -v plistutil >/dev/null; then
	plistutil -i "$P/com.joel.talon.plist" -o "$P/talon.bin.plist" -f bin && rm "$P/com.joel.talon.plist"
	t_exit "binary plist" 0 "$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
	t_eq "binary plist ok" "ok" "$(status launchd/com.joel.talon/plist)"
	rm -f "$P/talon.bin.plist"
	cp "$SHARED/joelclaw-repo/infra/launchd/com.joel.talon.plist" "$P/"
fi

rm "$P/com.joel.talon.plist"
sed 's/com.joel.system-bus-worker/com.joel.vault-log-sync/' "$SHARED/joelclaw-repo/infra/launchd/com.joel.system-bus-worker.plist" >"$P/com.joel.vault-log-sync.plist"
sed 's/com.joel.system-bus-worker/com.joel.undeclared/' "$SHARED/joelclaw-repo/infra/launchd/com.joel.system-bus-worker.plist" >"$P/com.joel.undeclared.plist"
printf 'not a plist' >"$P/broken.plist"
t_exit "removed, retired and undeclared plists: drift" 1 "$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
t_eq "removed plist: missing" "drift/missing" "$(status launchd/com.joel.talon/plist)"
t_eq "retired job's plist still in the repo: extra" "drift/extra" "$(status launchd/com.joel.vault-log-sync/plist)"
t_eq "undeclared plist: extra" "drift/extra" "$(status launchd/com.joel.undeclared/plist)"
sed 's/com.joel.system-bus-worker/org.other.agent/' "$SHARED/joelclaw-repo/infra/launchd/com.joel.system-bus-worker.plist" >"$P/org.other.agent.plist"
write_topology "$TMPDIR/prefix.yaml" "  extra_prefix: com.joel"
"$TOPO" check -f "$TMPDIR/prefix.yaml" --layer static --format json -o "$TMPDIR/prefix.json"
t_eq "extra_prefix: plists of other prefixes are not extras" "launchd/com.joel.undeclared/plist" "$(jq -r '[.checks[] | select(.extra) | .id] | join(" ")' "$TMPDIR/prefix.json")"
rm "$P/org.other.agent.plist"
t_contains "undeclared plist: file:line" "$(field launchd/com.joel.undeclared/plist evidence)" "com.joel.undeclared.plist:5"
printf 'garbage' >"$P/com.joel.talon.plist"
t_exit "unreadable LABEL.plist" 1 "$TOPO" check -f "$T" --layer static --only 'launchd/com.joel.talon/*' --format json -o "$TMPDIR/out.json"
t_eq "unreadable LABEL.plist: error, not missing" "error" "$(status launchd/com.joel.talon/plist)"
rm -f "$P"/*.plist
cp "$SHARED/joelclaw-repo/infra/launchd/"*.plist "$P/"
rm -rf "$P"
t_exit "plists folder gone" 1 "$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
t_eq "plists folder gone: error" "error" "$(status launchd/com.joel.talon/plist)"
mkdir -p "$P" && cp "$SHARED/joelclaw-repo/infra/launchd/"*.plist "$P/"

# --- secrets: no output format carries the environment --------------------
cp "$ROOT/tests/fixtures/launchctl/gateway-exited-78.txt" "$LC/com.joel.gateway.txt"
write_topology "$T" "  extra_prefix: com.joel"
for fmt in text json markdown junit; do
	"$TOPO" check -f "$T" --format "$fmt" >"$TMPDIR/secret.$fmt" 2>&1
	FAKE_LAUNCHCTL_MODE=garbage "$TOPO" check -f "$T" --format "$fmt" >>"$TMPDIR/secret.$fmt" 2>&1
	t_not_contains "no GATEWAY_TOKEN value in $fmt" "$(cat "$TMPDIR/secret.$fmt")" "$SECRET"
	t_not_contains "no environment keys in $fmt" "$(cat "$TMPDIR/secret.$fmt")" "GATEWAY_TOKEN"
done
t_contains "the reports did show the job" "$(cat "$TMPDIR/secret.text")" "launchd/com.joel.gateway"

# --- declarations topo refuses before running anything --------------------
cat >"$TMPDIR/bad.yaml" <<'EOB'
version: 1
system: bad
launchd:
  jobs:
    - label: com/joel
    - {label: com.joel.y, keep_alive: true}
    - {label: com.joel.z, plist: true}
    - {label: com.joel.w, state: runing}
EOB
: >"$FAKE_LAUNCHCTL_LOG"
t_exit "invalid launchd section: exit 2" 2 "$TOPO" check -f "$TMPDIR/bad.yaml"
t_contains "schema: state choices" "$T_ERR" "bad.yaml:8:34:"
sed -i '$d' "$TMPDIR/bad.yaml"
t_exit "invalid launchd jobs: exit 2" 2 "$TOPO" check -f "$TMPDIR/bad.yaml"
t_contains "label with a slash" "$T_ERR" "bad.yaml:5:14: launchd: 'com/joel' is not a label"
t_contains "plist key without plists:" "$T_ERR" "bad.yaml:6:39: launchd: keep_alive is read from the job's plist"
t_contains "plist: true without plists:" "$T_ERR" "bad.yaml:7:34: launchd: plist: true needs"
t_eq "nothing ran" "0" "$(wc -l <"$FAKE_LAUNCHCTL_LOG" | tr -d ' ')"
