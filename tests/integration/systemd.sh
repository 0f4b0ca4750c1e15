#!/usr/bin/env bash
# tests/integration/systemd.sh: the systemd probe through `topo check`, with
# systemctl replaced by tests/bin/fake-systemctl replaying `systemctl show`
# outputs written here in systemd's format: a running service, a timer
# between runs, a stopped unit, a failed one (exit status 1), an unknown
# unit, --user, and a systemctl that hangs, is refused, runs where systemd is
# not PID 1, or is not installed. Static: unit files of a repository folder,
# as declared, then changed, removed, undeclared and broken.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

SD=$TMPDIR/systemctl
mkdir -p "$SD"
# What `systemctl show -p LoadState,ActiveState,SubState,MainPID,ExecMainStatus`
# prints (systemd prints the properties in its own order).
show() { # UNIT LOAD ACTIVE SUB PID STATUS [EXECSTART]
	printf 'MainPID=%s\nExecMainStatus=%s\nLoadState=%s\nActiveState=%s\nSubState=%s\n' \
		"$5" "$6" "$2" "$3" "$4" >"$SD/$1.txt"
	[ -n "${7:-}" ] && printf 'ExecStart={ path=%s ; argv[]=%s ; ignore_errors=no ; start_time=[Fri 2026-11-27 09:00:01 UTC] ; stop_time=[n/a] ; pid=%s ; code=(null) ; status=0/0 }\n' \
		"${7%% *}" "$7" "$5" >>"$SD/$1.txt"
	return 0
}
show redis-server.service loaded active running 81275 0 "/usr/bin/redis-server /etc/redis/redis.conf --supervised systemd"
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
      program: /usr/bin/redis-server /etc/redis/redis.conf --supervised systemd
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
t_contains "evidence: argv" "$ev" "fake-systemctl show -p LoadState,ActiveState,SubState,MainPID,ExecMainStatus,ExecStart -- redis-server.service"
t_contains "evidence: properties" "$ev" "MainPID=81275"
t_contains "observed state" "$(field systemd/redis-server.service observed)" "state = running"
t_contains "observed program: ExecStart's argv" "$(field systemd/redis-server.service observed)" "program = /usr/bin/redis-server /etc/redis/redis.conf --supervised systemd"
t_eq "one systemctl call per unit" "4" "$(wc -l <"$FAKE_SYSTEMCTL_LOG" | tr -d ' ')"
FAKE_SYSTEMCTL_DELAY=1 FAKE_SYSTEMCTL_STARTS=$TMPDIR/starts t_exit "slow systemctl" 0 "$TOPO" check -f "$T" --format json -o "$TMPDIR/slow.json"
spread=$(sort -n "$TMPDIR/starts" | awk 'NR == 1 { a = $1 } { b = $1 } END { print int((b - a) / 1000000) }')
t_eq "four systemctl calls" "4" "$(wc -l <"$TMPDIR/starts" | tr -d ' ')"
if [ "$spread" -lt 1000 ]; then t_pass "systemctl calls run at once (started within $spread ms)"; else
	t_fail "systemctl calls run at once" "starts spread over $spread ms"; fi

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
t_eq "no systemd: reason" "systemctl show redis-server.service: exited 1: System has not been booted with systemd as init system (PID 1). Can't operate." \
	"$(field systemd/redis-server.service message)"
FAKE_SYSTEMCTL_MODE=exit1 t_exit "systemctl refused" 1 "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "refused: error" "error" "$(status systemd/redis-server.service)"
t_eq "refused: reason" "systemctl show redis-server.service: exited 1: Failed to get properties: Access denied" \
	"$(field systemd/redis-server.service message)"
start=$(date +%s%N)
FAKE_SYSTEMCTL_MODE=hang t_exit "hanging systemctl" 1 "$TOPO" check -f "$T" --timeout 600 --format json -o "$TMPDIR/out.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "hang: error" "error" "$(status systemd/cron.service)"
t_eq "hang: timed out" "systemctl show cron.service: timed out after 600 ms" "$(field systemd/cron.service message)"
sed 's|^systemd:|&\n  timeout_ms: 300|' "$T" >"$TMPDIR/timeout.yaml"
FAKE_SYSTEMCTL_MODE=hang "$TOPO" check -f "$TMPDIR/timeout.yaml" --format json -o "$TMPDIR/t.json"
t_contains "section timeout_ms is the units' default" "$(field systemd/cron.service message "$TMPDIR/t.json")" "timed out after 300 ms"
if [ "$ms" -lt 5000 ]; then t_pass "hang: units time out together ($ms ms)"; else
	t_fail "hang: units time out together" "took $ms ms"; fi
printf 'garbage\001\002\n' >"$SD/cron.service.txt"
"$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "garbage: error" "error" "$(status systemd/cron.service)"
t_eq "garbage: others unaffected" "ok" "$(status systemd/redis-server.service)"

mkdir -p "$TMPDIR/emptybin"
t_exit "no systemctl: not drift" 0 env -u TOPO_SYSTEMCTL PATH="$TMPDIR/emptybin" "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
t_eq "no systemctl: unknown" "unknown" "$(status systemd/redis-server.service)"
t_eq "no systemctl: reason" "systemctl not available on Linux (not found in PATH)" \
	"$(field systemd/redis-server.service message)"

# Bad declarations are refused before anything runs.
printf 'version: 1\nsystem: x\nsystemd:\n  units:\n    - {unit: a.service, state: sleeping}\n' >"$TMPDIR/bad.yaml"
t_exit "invalid state: exit 2" 2 "$TOPO" check -f "$TMPDIR/bad.yaml"
t_contains "invalid state: where" "$T_ERR" "bad.yaml:5"
printf 'version: 1\nsystem: x\nsystemd:\n  units:\n    - {unit: "-H evil", state: running}\n' >"$TMPDIR/bad.yaml"
: >"$FAKE_SYSTEMCTL_LOG"
t_exit "a unit name systemctl would read as an option: exit 2" 2 "$TOPO" check -f "$TMPDIR/bad.yaml"
t_contains "invalid unit name" "$T_ERR" "is not a unit name"
t_eq "nothing ran" "0" "$(wc -l <"$FAKE_SYSTEMCTL_LOG" | tr -d ' ')"

# --- static: unit files of the repository --------------------------------
U=$TMPDIR/repo/infra/systemd
mkdir -p "$U"
cat >"$U/redis-server.service" <<'UNIT'
# Redis for the queue.
[Unit]
Description=Advanced key-value store
After=network.target

[Service]
Type=notify
Environment=REDIS_PASSWORD=hunter2-never-in-a-report
ExecStartPre=-/usr/bin/mkdir -p /run/redis
ExecStart=/usr/bin/redis-server /etc/redis/redis.conf \
    --supervised systemd
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
printf '[Timer]\nOnCalendar=*-*-* 03:30:00\n[Install]\nWantedBy=timers.target\n' >"$U/backup.timer"
printf '[Service]\nType=oneshot\nExecStart=\nExecStart=-/usr/local/bin/backup --all\n' >"$U/backup.service"
S=$TMPDIR/static.yaml
{
	printf 'version: 1\nsystem: systemd-static\nsystemd:\n  unit_files: %s\n  units:\n' "$U"
	printf '    - unit: redis-server.service\n'
	printf '      program: /usr/bin/redis-server /etc/redis/redis.conf --supervised systemd\n'
	printf '      restart: always\n'
	printf '    - {unit: backup.timer, state: scheduled}\n'
	printf '    - {unit: backup.service, state: not-running, program: /usr/local/bin/backup --all}\n'
	printf '    - {unit: old-worker.service, state: retired}\n'
} >"$S"
t_exit "unit files as declared" 0 "$TOPO" check -f "$S" --layer static --format json -o "$TMPDIR/out.json"
for u in redis-server.service backup.timer backup.service old-worker.service; do
	t_eq "unit file ok: $u" "ok" "$(status "systemd/$u/file")"
done
t_contains "evidence: file:line of ExecStart" "$(field systemd/redis-server.service/file evidence)" "redis-server.service:10: ExecStart=/usr/bin/redis-server"
t_contains "a timer has no ExecStart" "$(field systemd/backup.timer/file evidence)" "no ExecStart"

sed -i 's/^Restart=always/Restart=on-failure/' "$U/redis-server.service"
cp "$U/backup.service" "$U/old-worker.service"
cp "$U/backup.service" "$U/stray.service"
rm "$U/backup.timer"
t_exit "unit files drifted" 1 "$TOPO" check -f "$S" --layer static --format json -o "$TMPDIR/out.json"
t_eq "Restart changed" "drift/changed" "$(status systemd/redis-server.service/file)"
t_contains "Restart message" "$(field systemd/redis-server.service/file message)" "restart is on-failure, expected always"
t_eq "unit file removed: missing" "drift/missing" "$(status systemd/backup.timer/file)"
t_eq "retired unit's file still there: extra" "drift/extra" "$(status systemd/old-worker.service/file)"
t_eq "undeclared unit file: extra" "drift/extra" "$(status systemd/stray.service/file)"
t_eq "only that one undeclared" "systemd/stray.service/file" "$(jq -r '[.checks[] | select(.extra) | .id] | join(" ")' "$TMPDIR/out.json")"
printf 'this is not\na unit file\n' >"$U/backup.service"
"$TOPO" check -f "$S" --layer static --format json -o "$TMPDIR/out.json"
t_eq "broken unit file: error" "error" "$(status systemd/backup.service/file)"
t_contains "broken unit file: where" "$(field systemd/backup.service/file message)" "backup.service: line 1"
for fmt in text json markdown junit; do
	"$TOPO" check -f "$S" --format "$fmt" >"$TMPDIR/secret.$fmt" 2>&1
	t_not_contains "no Environment= value in $fmt" "$(cat "$TMPDIR/secret.$fmt")" "hunter2"
done
