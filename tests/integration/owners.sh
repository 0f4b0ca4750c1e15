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

# --- systemd: the unit of the listener's cgroup (/proc/PID/cgroup) -----------
# Here the fixture runs in no systemd unit: a declared unit is drift, with
# the cgroup read as evidence (which unit matches is test_listeners'
# cgroup cases).
cat >"$TMPDIR/unit.yaml" <<YAML
version: 1
system: owners
ports:
  - {port: $P, systemd: topo-fixture}
YAML
t_exit "systemd: a listener in another unit is drift" 1 "$TOPO" check -f "$TMPDIR/unit.yaml" --format json -o "$TMPDIR/unit.json"
t_eq "systemd: expected the .service name" "unit = topo-fixture.service" "$(st "$TMPDIR/unit.json" "port/$P" .expected)"
t_contains "systemd: evidence is the listener's cgroup" "$(st "$TMPDIR/unit.json" "port/$P" .evidence)" \
	"held by fixture-server pid $FIXTURE_PID, "
if grep -Eq '[.](service|scope)$' /proc/$FIXTURE_PID/cgroup 2>/dev/null; then
	t_skip "systemd: in no unit" "this machine runs the fixture in a systemd unit"
else
	t_contains "systemd: ... which names no unit" "$(st "$TMPDIR/unit.json" "port/$P" .evidence)" "in no systemd unit (cgroup "
fi
printf 'version: 1\nsystem: s\nports:\n  - {port: %s, expect: closed, systemd: x}\n' "$FREE" >"$TMPDIR/unit-bad.yaml"
t_exit "systemd: on a closed port: invalid" 2 "$TOPO" validate -f "$TMPDIR/unit-bad.yaml"
t_contains "systemd: ... said where" "$T_ERR" "unit-bad.yaml:4:44: systemd: only a listening port has an owner to check"

# --- a watched range: a listener no item declares is drift extra --------------
t_fixture stray --route 'GET / 200 stray'
STRAY=$FIXTURE_PORT
STRAY_PID=$FIXTURE_PID
LO=$(( (P < STRAY ? P : STRAY) )); HI=$(( (P > STRAY ? P : STRAY) ))
cat >"$TMPDIR/range.yaml" <<YAML
version: 1
system: owners
ports:
  - {range: $LO-$HI, what: the fixtures}
  - {port: $P, process: fixture-server}
YAML
t_exit "range: an undeclared listener fails the run" 1 "$TOPO" check -f "$TMPDIR/range.yaml" --format json -o "$TMPDIR/range.json"
t_eq "range: it is an extra check of its own" "drift extra true" \
	"$(st "$TMPDIR/range.json" "port/$STRAY" '"\(.status) \(.drift) \(.extra)"')"
t_eq "range: saying who holds it" "listening on 127.0.0.1, held by fixture-server pid $STRAY_PID" \
	"$(st "$TMPDIR/range.json" "port/$STRAY" .observed)"
t_eq "range: the declared one is not an extra" "1" "$(jq -r '[.checks[] | select(.id == "port/'"$P"'")] | length' "$TMPDIR/range.json")"
t_contains "range: the range check counts" "$(st "$TMPDIR/range.json" "port/range/$LO-$HI" .evidence)" "not declared"
t_exit "range: --only narrows: no extras, unknown" 0 "$TOPO" check -f "$TMPDIR/range.yaml" --only 'port/range/*' --format json -o "$TMPDIR/range-only.json"
t_eq "range: --only: the range check is unknown, no extra" "unknown 0" \
	"$(jq -r '"\([.checks[] | select(.id | startswith("port/range/")) | .status][0]) \([.checks[] | select(.extra)] | length)"' "$TMPDIR/range-only.json")"
cat >"$TMPDIR/range-bad.yaml" <<YAML
version: 1
system: owners
ports:
  - {range: 4000-3000}
  - {range: 3000-3999, port: 3100}
  - {range: nonsense}
YAML
t_exit "range: bad ranges are invalid" 2 "$TOPO" validate -f "$TMPDIR/range-bad.yaml"
t_contains "range: low above high, said where" "$T_ERR" "range-bad.yaml:4:13: range: LOW-HIGH"
t_contains "range: a port and a range" "$T_ERR" "range-bad.yaml:5:13: range: an item has a port or a range, not both"
t_contains "range: not a range" "$T_ERR" "range-bad.yaml:6:13: range: LOW-HIGH"

# --- service: the Kubernetes Service behind a port is its root cause -----------
cat >"$TMPDIR/svc.yaml" <<YAML
version: 1
system: owners
programs: {kubectl: $ROOT/demo/bin/kubectl}
kubernetes:
  context: admin@joelclaw
  namespaces:
    joelclaw:
      services:
        - {name: no-such-svc, type: NodePort}
ports:
  - {port: $FREE, service: joelclaw/no-such-svc}
YAML
"$TOPO" check -f "$TMPDIR/svc.yaml" --only 'port/**' --only 'k8s/joelclaw/Service/no-such-svc' --format json -o "$TMPDIR/svc.json" 2>"$TMPDIR/svc.err"
t_eq "service: the closed port's root cause is the missing Service" "k8s/joelclaw/Service/no-such-svc" \
	"$(st "$TMPDIR/svc.json" "port/$FREE" .root_cause)"
