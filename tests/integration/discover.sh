#!/usr/bin/env bash
# tests/integration/discover.sh: `topo discover --live` and its round trip.
# Two real listeners on 127.0.0.1 (one with GET /health, one without): the
# proposal names each port with its owning process and the healthy one's
# http: check; `topo check` of the proposal against the same machine is ok;
# stopping a listener is then found, the health check folded under its port.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

t_fixture healthy --route 'GET /health 200 {"status":"ok"}'
A=$FIXTURE_PORT
A_PID=$FIXTURE_PID
t_fixture plain --route 'GET / 200 plain'
B=$FIXTURE_PORT
B_PID=$FIXTURE_PID

t_exit "discover --live: exit 0" 0 "$TOPO" discover --live -o "$TMPDIR/d.yaml"
d=$(cat "$TMPDIR/d.yaml")
t_exit "discover --live: the proposal is valid" 0 "$TOPO" validate -f "$TMPDIR/d.yaml"
t_contains "discover: each port with its process" "$(grep -A5 "^  - port: $A\$" "$TMPDIR/d.yaml")" 'process: "fixture-server"'
t_contains "discover: ... the other too" "$(grep -A5 "^  - port: $B\$" "$TMPDIR/d.yaml")" 'process: "fixture-server"'
t_contains "discover: the port answering /health gets an http check" "$d" "url: \"http://127.0.0.1:$A/health\""
t_not_contains "discover: the one without /health gets none" "$d" "port-$B-health"

t_exit "discover (no --live): no GET is sent" 0 "$TOPO" discover -o "$TMPDIR/quiet.yaml"
t_not_contains "discover (no --live): no http section" "$(cat "$TMPDIR/quiet.yaml")" "http:"

# The round trip on the fixtures' checks (other listeners of this machine may
# come and go while the suite runs).
ONLY=(--only "port/$A" --only "port/$B" --only "http/port-$A-health")
t_exit "round trip: the proposal checks ok against the same machine" 0 \
	"$TOPO" check -f "$TMPDIR/d.yaml" "${ONLY[@]}" --format json -o "$TMPDIR/r0.json"
t_eq "round trip: three checks ok" "3 0" "$(jq -r '"\(.summary.ok) \(.summary.drift + .summary.error)"' "$TMPDIR/r0.json")"

kill "$A_PID"; wait "$A_PID" 2>/dev/null
t_exit "a listener stopped: found" 1 "$TOPO" check -f "$TMPDIR/d.yaml" "${ONLY[@]}" --format json -o "$TMPDIR/r1.json"
t_eq "a listener stopped: exactly its port, and its health check under it" \
	"http/port-$A-health error port/$A|port/$A drift null" \
	"$(jq -r '[.checks[] | select(.status == "drift" or .status == "error") | "\(.id) \(.status) \(.root_cause)"] | sort | join("|")' "$TMPDIR/r1.json")"
t_eq "a listener stopped: the other still ok" ok \
	"$(jq -r --arg id "port/$B" '.checks[] | select(.id == $id) | .status' "$TMPDIR/r1.json")"
t_exit "--merge: only what the file lacks" 0 "$TOPO" discover --merge "$TMPDIR/d.yaml"
t_not_contains "--merge: nothing new for the stopped port" "$T_OUT" "+  - port: $A"
: "$B_PID"

# --- --live, systemd: the running services (systemctl through $TOPO_SYSTEMCTL,
# here tests/bin/fake-systemctl replaying what systemd prints) ------------------
SD=$TMPDIR/systemctl
mkdir -p "$SD"
printf 'redis-server.service loaded active running Advanced key-value store\ncaddy.service loaded active running Caddy\n' >"$SD/list-units.txt"
for u in redis-server caddy; do
	printf 'MainPID=42\nExecMainStatus=0\nLoadState=loaded\nActiveState=active\nSubState=running\n' >"$SD/$u.service.txt"
done
export FAKE_SYSTEMCTL_DIR=$SD TOPO_SYSTEMCTL=$ROOT/tests/bin/fake-systemctl
t_exit "discover --live (systemd): exit 0" 0 "$TOPO" discover --live -o "$TMPDIR/sd.yaml"
t_eq "discover --live (systemd): the running services" '"redis-server.service" "caddy.service"' \
	"$(sed -n 's/^    - unit: //p' "$TMPDIR/sd.yaml" | paste -sd' ')"
t_exit "discover --live (systemd): valid" 0 "$TOPO" validate -f "$TMPDIR/sd.yaml"
t_exit "round trip (systemd): ok" 0 "$TOPO" check -f "$TMPDIR/sd.yaml" --only 'systemd/**'
printf 'MainPID=0\nExecMainStatus=1\nLoadState=loaded\nActiveState=failed\nSubState=failed\n' >"$SD/caddy.service.txt"
t_exit "round trip (systemd): a service that failed since is found" 1 "$TOPO" check -f "$TMPDIR/sd.yaml" --only 'systemd/**' --format json -o "$TMPDIR/sd.json"
t_eq "round trip (systemd): exactly it" "systemd/caddy.service drift" \
	"$(jq -r '[.checks[] | select(.status != "ok" and .status != "skipped") | "\(.id) \(.status)"] | join("|")' "$TMPDIR/sd.json")"
FAKE_SYSTEMCTL_MODE=no-systemd t_exit "discover --live, no systemd: still exit 0" 0 "$TOPO" discover --live -o "$TMPDIR/nosd.yaml"
t_contains "discover --live, no systemd: said on stderr" "$T_ERR" "no systemd units"
t_not_contains "discover --live, no systemd: no systemd section" "$(cat "$TMPDIR/nosd.yaml")" "systemd:"
unset FAKE_SYSTEMCTL_DIR TOPO_SYSTEMCTL

# --- --live, launchd: this user's running jobs (launchctl print gui/UID through
# $TOPO_LAUNCHCTL, here tests/bin/fake-launchctl and recorded outputs) ---------
LD=$TMPDIR/launchctl
mkdir -p "$LD"
cp "$ROOT/tests/fixtures/launchctl/domain-gui-501.txt" "$LD/domain.txt"
for l in com.joel.gateway com.joel.rogue-sync; do
	cp "$ROOT/demo/recorded/launchctl/com.joel.talon.txt" "$LD/$l.txt"	# a running job
done
export FAKE_LAUNCHCTL_DIR=$LD TOPO_LAUNCHCTL=$ROOT/tests/bin/fake-launchctl
t_exit "discover --live (launchd): exit 0" 0 "$TOPO" discover --live -o "$TMPDIR/ld.yaml"
t_eq "discover --live (launchd): the running jobs, not Apple's, not the stopped ones" \
	'"com.joel.gateway" "com.joel.rogue-sync"' "$(sed -n 's/^    - label: //p' "$TMPDIR/ld.yaml" | paste -sd' ')"
t_contains "discover --live (launchd): this user's gui domain" "$(cat "$TMPDIR/ld.yaml")" "domain: \"gui/$(id -u)\""
t_exit "round trip (launchd): ok" 0 "$TOPO" check -f "$TMPDIR/ld.yaml" --only 'launchd/**'
cp "$ROOT/tests/fixtures/launchctl/gateway-exited-78.txt" "$LD/com.joel.rogue-sync.txt"
t_exit "round trip (launchd): a job that exited since is found" 1 "$TOPO" check -f "$TMPDIR/ld.yaml" --only 'launchd/**' --format json -o "$TMPDIR/ld.json"
t_eq "round trip (launchd): exactly it" "launchd/com.joel.rogue-sync drift" \
	"$(jq -r '[.checks[] | select(.status != "ok" and .status != "skipped") | "\(.id) \(.status)"] | join("|")' "$TMPDIR/ld.json")"
unset FAKE_LAUNCHCTL_DIR TOPO_LAUNCHCTL
t_exit "discover --live, no launchctl: still exit 0" 0 env TOPO_LAUNCHCTL=$TMPDIR/no-launchctl "$TOPO" discover --live -o "$TMPDIR/nold.yaml"
t_contains "discover --live, no launchctl: said on stderr" "$T_ERR" "no launchd jobs"
