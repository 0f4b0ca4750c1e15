#!/usr/bin/env bash
# owners.sh: a port may name the process that must hold it (issue 15 item 1).
# Real listeners on loopback owned by known pids (Linux /proc), recorded lsof
# output through TOPO_LSOF (macOS), and the cases where the owner cannot be
# told (unknown, never a guess).
. "$ROOT/tests/lib.sh"

t_fixture owned --route 'GET / 200 ok'
P=$FIXTURE_PORT
FREE=$(t_free_port)
cat >"$TMPDIR/own.yaml" <<YAML
version: 1
system: owners
ports:
  - {port: $P, process: fixture-server, what: the fixture}
  - {port: $P, host: localhost, process: com.joel.system-bus-worker}
YAML
t_exit "owners: the wrong owner is drift" 1 "$TOPO" check -f "$TMPDIR/own.yaml" --format json -o "$TMPDIR/own.json"
# st REPORT ID FILTER: FILTER (jq) of the check ID.
st() { jq -r --arg id "$2" '.checks[] | select(.id == $id) | '"$3" "$1"; }
t_eq "owners: the right process is ok" ok "$(st "$TMPDIR/own.json" "port/$P" .status)"
t_eq "owners: someone else's is drift changed" "drift changed" \
	"$(st "$TMPDIR/own.json" "port/localhost:$P" '"\(.status) \(.drift)"')"
t_eq "owners: observed owner" "owner = fixture-server" "$(st "$TMPDIR/own.json" "port/localhost:$P" .observed)"
t_contains "owners: evidence names the pid" "$(st "$TMPDIR/own.json" "port/$P" .evidence)" "held by fixture-server pid $FIXTURE_PID"

# A process: on a port that is not expected listening is a topology problem.
cat >"$TMPDIR/bad.yaml" <<YAML
version: 1
system: owners
ports:
  - {port: $FREE, expect: closed, process: caddy}
YAML
t_exit "owners: process on a closed port: invalid" 2 "$TOPO" validate -f "$TMPDIR/bad.yaml"
t_contains "owners: says why, with a position" "$T_ERR" "bad.yaml:4:"
t_contains "owners: the reason" "$T_ERR" "only a listening port has an owner"

# Recorded lsof output (what macOS prints), through TOPO_LSOF.
cat >"$TMPDIR/lsof" <<SH
#!/bin/sh
cat <<'OUT'
COMMAND     PID USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME
python3    4242 joel    6u  IPv4 0x1234567890abcdef      0t0  TCP 127.0.0.1:$P (LISTEN)
OUT
SH
chmod +x "$TMPDIR/lsof"
TOPO_LSOF=$TMPDIR/lsof t_exit "lsof: drift" 1 "$TOPO" check -f "$TMPDIR/own.yaml" --format json -o "$TMPDIR/lsof.json"
t_eq "lsof: the recorded owner" "drift owner = python3" "$(st "$TMPDIR/lsof.json" "port/$P" '"\(.status) \(.observed)"')"
t_contains "lsof: pid and user" "$(st "$TMPDIR/lsof.json" "port/$P" .evidence)" "held by python3 pid 4242 user joel"

# No table at all: unknown with the reason, not drift.
TOPO_LSOF=$TMPDIR/no-such-lsof t_exit "no lsof: exit 0 (unknown)" 0 "$TOPO" check -f "$TMPDIR/own.yaml" --format json -o "$TMPDIR/none.json"
t_eq "no lsof: unknown" "unknown unknown" "$(jq -r '[.checks[].status] | join(" ")' "$TMPDIR/none.json")"
t_contains "no lsof: the reason" "$(st "$TMPDIR/none.json" "port/$P" .message)" "who holds it is unknown"
TOPO_LSOF=$TMPDIR/no-such-lsof t_exit "no lsof: --strict fails" 1 "$TOPO" check -f "$TMPDIR/own.yaml" --strict

# A socket whose owner is hidden (lsof lists none for the port): unknown.
printf '#!/bin/sh\necho "COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME"\n' >"$TMPDIR/lsof-empty"
chmod +x "$TMPDIR/lsof-empty"
TOPO_LSOF=$TMPDIR/lsof-empty t_exit "owner hidden: exit 0" 0 "$TOPO" check -f "$TMPDIR/own.yaml" --format json -o "$TMPDIR/hidden.json"
t_contains "owner hidden: unknown, says so" "$(st "$TMPDIR/hidden.json" "port/$P" .message)" "not visible"

# A port without process: reads no table (an lsof that fails is not run).
cat >"$TMPDIR/plain.yaml" <<YAML
version: 1
system: owners
ports:
  - {port: $P}
YAML
TOPO_LSOF=$TMPDIR/no-such-lsof t_exit "no process: no table read, ok" 0 "$TOPO" check -f "$TMPDIR/plain.yaml"
