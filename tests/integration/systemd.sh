#!/usr/bin/env bash
# tests/integration/systemd.sh: the systemd probe through `topo check`, with
# systemctl replaced by tests/bin/fake-systemctl replaying `systemctl show`
# outputs written here in systemd's format: a running service, a timer
# between runs, a stopped unit, a failed one (exit status 1), an unknown
# unit, --user, and a systemctl that hangs, is refused, runs where systemd is
# not PID 1, or is not installed.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

SD=$TMPDIR/systemctl
mkdir -p "$SD"
# What `systemctl show -p LoadState,ActiveState,SubState,MainPID,ExecMainStatus`
# prints (systemd prints the properties in its own order).
show() { # UNIT LOAD ACTIVE SUB PID STATUS
	printf 'MainPID=%s\nExecMainStatus=%s\nLoadState=%s\nActiveState=%s\nSubState=%s\n' \
		"$5" "$6" "$2" "$3" "$4" >"$SD/$1.txt"
}
show redis-server.service loaded active running 81275 0
show backup.timer loaded active waiting 0 0
show cron.service loaded inactive dead 0 0
show caddy.service loaded failed failed 0 1
export FAKE_SYSTEMCTL_DIR=$SD
export TOPO_SYSTEMCTL=$ROOT/tests/bin/fake-systemctl
export FAKE_SYSTEMCTL_LOG=$TMPDIR/systemctl.log

T=$TMPDIR/topology.yaml
cat >"$T" <<'EOF'
version: 1
system: systemd-test
systemd:
  units:
    - unit: redis-server.service
      state: running
      last_exit: 0
      role: Redis for the queue
      ports: [6379]
    - unit: backup.timer
      state: scheduled
    - unit: cron.service
      state: not-running
    - unit: old-worker.service
      state: retired
EOF

status() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) |
	    .status + (if .drift then "/" + .drift else "" end)' "${2:-$TMPDIR/out.json}"
}
field() {
	jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2" "${3:-$TMPDIR/out.json}"
}

t_exit "units as declared" 0 "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "running service ok" "ok" "$(status systemd/redis-server.service)"
t_eq "timer between runs: scheduled ok" "ok" "$(status systemd/backup.timer)"
t_eq "stopped unit: not-running ok" "ok" "$(status systemd/cron.service)"
t_eq "retired unit not found: ok" "ok" "$(status systemd/old-worker.service)"
ev=$(field systemd/redis-server.service evidence)
t_contains "evidence: argv" "$ev" "fake-systemctl show -p LoadState,ActiveState,SubState,MainPID,ExecMainStatus -- redis-server.service"
t_contains "evidence: properties" "$ev" "MainPID=81275"
t_contains "observed state" "$(field systemd/redis-server.service observed)" "state = running"
t_eq "one systemctl call per unit" "4" "$(wc -l <"$FAKE_SYSTEMCTL_LOG" | tr -d ' ')"

# Drift: each unit in another state than declared.
cat >"$TMPDIR/drift.yaml" <<'EOF'
version: 1
system: systemd-test
systemd:
  user: true
  units:
    - {unit: cron.service, state: running}
    - {unit: caddy.service, state: running, last_exit: 0}
    - {unit: missing.service, state: running}
    - {unit: redis-server.service, state: retired}
EOF
: >"$FAKE_SYSTEMCTL_LOG"
t_exit "drifted units" 1 "$TOPO" check -f "$TMPDIR/drift.yaml" --format json -o "$TMPDIR/out.json"
t_eq "stopped unit declared running: changed" "drift/changed" "$(status systemd/cron.service)"
t_contains "stopped: message" "$(field systemd/cron.service message)" "state is not running, expected running"
t_eq "failed unit: changed" "drift/changed" "$(status systemd/caddy.service)"
msg=$(field systemd/caddy.service message)
t_contains "failed: state" "$msg" "state is failed"
t_contains "failed: exit status" "$msg" "last_exit is 1, expected 0"
t_eq "unknown unit: missing" "drift/missing" "$(status systemd/missing.service)"
t_eq "retired but running: changed" "drift/changed" "$(status systemd/redis-server.service)"
t_contains "--user is passed" "$(head -1 "$FAKE_SYSTEMCTL_LOG")" "--user show -p"

# systemctl that fails.
FAKE_SYSTEMCTL_MODE=no-systemd t_exit "systemd not PID 1: no drift" 0 "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "no systemd: unknown" "unknown" "$(status systemd/redis-server.service)"
t_contains "no systemd: reason" "$(field systemd/redis-server.service message)" "not been booted with systemd"
FAKE_SYSTEMCTL_MODE=exit1 t_exit "systemctl refused" 0 "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "refused: error" "error" "$(status systemd/redis-server.service)"
t_contains "refused: reason" "$(field systemd/redis-server.service message)" "Access denied"
start=$(date +%s%N)
FAKE_SYSTEMCTL_MODE=hang t_exit "hanging systemctl" 0 "$TOPO" check -f "$T" --timeout 600 --format json -o "$TMPDIR/out.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "hang: error" "error" "$(status systemd/cron.service)"
t_contains "hang: timed out" "$(field systemd/cron.service message)" "timed out after 600 ms"
if [ "$ms" -lt 5000 ]; then t_pass "hang: units time out together ($ms ms)"; else
	t_fail "hang: units time out together" "took $ms ms"; fi
printf 'garbage\001\002\n' >"$SD/cron.service.txt"
"$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "garbage: error" "error" "$(status systemd/cron.service)"
t_eq "garbage: others unaffected" "ok" "$(status systemd/redis-server.service)"

mkdir -p "$TMPDIR/emptybin"
t_exit "no systemctl: not drift" 0 env -u TOPO_SYSTEMCTL PATH="$TMPDIR/emptybin" "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "no systemctl: unknown" "unknown" "$(status systemd/redis-server.service)"
t_contains "no systemctl: reason" "$(field systemd/redis-server.service message)" "systemctl not available on"

# Bad declarations are refused before anything runs.
printf 'version: 1\nsystem: x\nsystemd:\n  units:\n    - {unit: a.service, state: sleeping}\n' >"$TMPDIR/bad.yaml"
t_exit "invalid state: exit 2" 2 "$TOPO" check -f "$TMPDIR/bad.yaml"
t_contains "invalid state: where" "$T_ERR" "bad.yaml:5"
printf 'version: 1\nsystem: x\nsystemd:\n  units:\n    - {unit: "-H evil", state: running}\n' >"$TMPDIR/bad.yaml"
: >"$FAKE_SYSTEMCTL_LOG"
t_exit "a unit name systemctl would read as an option: exit 2" 2 "$TOPO" check -f "$TMPDIR/bad.yaml"
t_contains "invalid unit name" "$T_ERR" "is not a unit name"
t_eq "nothing ran" "0" "$(wc -l <"$FAKE_SYSTEMCTL_LOG" | tr -d ' ')"
