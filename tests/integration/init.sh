#!/bin/sh
# tests/integration/init.sh: topo init on the joelclaw checkout (round trip:
# 0 drift, then a planted change is found), --merge, and topo discover on a
# real listener this test starts.
. "$ROOT/tests/lib.sh"
J="$ROOT/../shared/fixtures/joelclaw-a92"
T=$(mktemp -d)
t_cleanup "rm -rf $T"

if [ -d "$J/k8s" ]; then
	cp -R "$J" "$T/repo"
	t_exit "init writes" 0 "$TOPO" init --repo "$T/repo" -o "$T/t.yaml"
	t_exit "init output valid" 0 "$TOPO" validate -f "$T/t.yaml"
	t_contains "x" "$(cat "$T/t.yaml")" 'label: "com.joel.talon"'
	t_contains "x" "$(cat "$T/t.yaml")" '"StatefulSet/redis"'
	t_exit "round trip 0 drift" 0 "$TOPO" check --layer static -f "$T/t.yaml"
	# one planted change: the redis Service loses its manifest
	sed -i 's/^  name: redis$/  name: redis-renamed/' "$T/repo/k8s/redis.yaml"
	out=$("$TOPO" check --layer static -f "$T/t.yaml" 2>&1)
	t_contains "x" "$out" "Service/redis"
	t_contains "planted change is drift" "$out" "drift    k8s/joelclaw/Service/redis"
	# --merge: a file with only the launchd section gets the others, its text kept
	printf '# mine\nversion: 1\nsystem: x   # keep\nlaunchd:\n  jobs: []\n' >"$T/mine.yaml"
	d=$("$TOPO" init --repo "$T/repo" --merge "$T/mine.yaml")
	t_contains "x" "$d" "+kubernetes:"
	t_contains "x" "$d" " system: x   # keep"
	case "$d" in *"+launchd:"*) t_fail "merge re-proposed launchd" ;; *) t_pass "merge keeps launchd" ;; esac
else
	echo "skip: $J absent (the joelclaw checkout fixture)"
fi

# discover: a listener started here is proposed with its owner
python3 -c 'import socket,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/port" &
pid=$!
t_cleanup "kill $pid"
i=0; while [ ! -s "$T/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
port=$(cat "$T/port")
t_exit "discover writes" 0 "$TOPO" discover -o "$T/d.yaml"
t_exit "discover output valid" 0 "$TOPO" validate -f "$T/d.yaml"
t_contains "x" "$(cat "$T/d.yaml")" "port: $port"
t_contains "x" "$(cat "$T/d.yaml")" "python3 (pid $pid)"
