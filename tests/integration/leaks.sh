#!/usr/bin/env bash
# leaks.sh: valgrind (memcheck, --leak-check=full) over normal runs of the
# plain build (build/topo, which `make` builds: no sanitizer in the way) on
# a topology that uses every probe against real servers on 127.0.0.1 — the
# fixture HTTP server, redis-server, caddy — recorded launchctl / kubectl /
# systemctl outputs and the shared repository fixtures: `topo check` in each
# format (with drift, errors and timeouts in the run), `topo validate` on
# hostile files and `topo doc`. Any definite or indirect leak, invalid read
# or write, or use of uninitialised memory fails the test. Then a soak: the
# dashboard re-probing 1,000 times keeps a flat RSS.
. "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
t_need_shared "leaks"

PLAIN="$ROOT/build/topo"
FIXTURES="$ROOT/../shared/fixtures"
for tool in valgrind redis-server redis-cli caddy jq tmux; do
	command -v "$tool" >/dev/null 2>&1 || { t_fail "$tool is installed"; exit 0; }
done
[ -x "$PLAIN" ] || { t_fail "$PLAIN is built (run make)"; exit 0; }

# vg NAME WANT-EXIT ARGS...: topo under valgrind; exit WANT-EXIT, no errors.
vg() {
	local name=$1 want=$2 rc
	shift 2
	timeout 600 valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=97 \
		--track-origins=yes --child-silent-after-fork=yes \
		--log-file="$TMPDIR/vg.$name.log" "$PLAIN" "$@" >"$TMPDIR/vg.$name.out" 2>&1
	rc=$?
	if [ "$rc" = 97 ]; then
		t_fail "valgrind $name: no leak, no memory error" "$(head -c 3000 "$TMPDIR/vg.$name.log")"
	elif [ "$rc" != "$want" ]; then
		t_fail "valgrind $name: exit $want" "exit $rc" "$(head -c 1500 "$TMPDIR/vg.$name.out")" \
			"$(head -c 1500 "$TMPDIR/vg.$name.log")"
	else
		t_pass "valgrind $name: exit $rc, no leak, no memory error"
	fi
}

# --- servers -------------------------------------------------------------------
t_fixture fixture --log "$TMPDIR/fixture.log" \
	--route 'GET /health 200 {"status":"ok","n":3}' \
	--route 'GET /hang 200 !hang' \
	--route 'GET /huge 200 !huge' \
	--route 'GET /reset 200 !reset'
HP=$FIXTURE_PORT

RP=$(t_free_port)
redis-server --bind 127.0.0.1 --port "$RP" --save '' --appendonly no --dir "$TMPDIR" \
	>"$TMPDIR/redis.log" 2>&1 &
t_cleanup "kill $!"
t_wait_port "$RP" || { t_fail "redis started"; exit 0; }
redis-cli -p "$RP" set app:string v >/dev/null
redis-cli -p "$RP" xadd app:stream '*' a 1 >/dev/null
redis-cli -p "$RP" xgroup create app:stream workers 0 >/dev/null
for i in 1 2 3; do redis-cli -p "$RP" set "app:hook:$i" x >/dev/null; done

ADMIN=$(t_free_port)
SITE=$(t_free_port)
mkdir -p "$TMPDIR/repo"
cat >"$TMPDIR/repo/Caddyfile" <<EOF
{
	admin 127.0.0.1:$ADMIN
	auto_https off
}
http://localhost:$SITE {
	handle /webhooks/* {
		reverse_proxy localhost:3111
	}
	handle {
		reverse_proxy localhost:8288
	}
}
EOF
HOME=$TMPDIR XDG_DATA_HOME=$TMPDIR XDG_CONFIG_HOME=$TMPDIR \
	caddy run --config "$TMPDIR/repo/Caddyfile" --adapter caddyfile >"$TMPDIR/caddy.log" 2>&1 &
t_cleanup "kill $!"
t_wait_port "$ADMIN" 15 || { t_fail "caddy started" "$(tail -5 "$TMPDIR/caddy.log")"; exit 0; }

# Recorded platform tools.
mkdir -p "$TMPDIR/launchctl" "$TMPDIR/kubectl" "$TMPDIR/systemctl"
cp "$FIXTURES/launchctl/running.txt" "$TMPDIR/launchctl/com.joel.gateway.txt"
cp "$FIXTURES/launchctl/scheduled.txt" "$TMPDIR/launchctl/com.joel.scheduled.txt"
cp "$FIXTURES/kubectl/get-sts-deploy-svc.json" "$TMPDIR/kubectl/joelclaw.json"
echo hang >"$TMPDIR/kubectl/stuck.mode"
printf '%s\n' LoadState=loaded ActiveState=active SubState=running MainPID=42 ExecMainStatus=0 \
	>"$TMPDIR/systemctl/app.service.txt"
export TOPO_LAUNCHCTL="$ROOT/tests/bin/fake-launchctl" FAKE_LAUNCHCTL_DIR="$TMPDIR/launchctl"
export TOPO_KUBECTL="$ROOT/tests/bin/fake-kubectl" FAKE_KUBECTL_DIR="$TMPDIR/kubectl"
export TOPO_SYSTEMCTL="$ROOT/tests/bin/fake-systemctl" FAKE_SYSTEMCTL_DIR="$TMPDIR/systemctl"
export TOKEN=leak-test-token

# Every probe, each with ok, drift and error among its checks.
cat >"$TMPDIR/all.yaml" <<EOF
version: 1
system: leaks
description: every probe against real loopback servers
vars:
  REPO: $FIXTURES/joelclaw-repo
  HOST: 127.0.0.1
secrets: [TOKEN]
ports:
  - {port: $HP, expect: listening}
  - {port: 1, expect: listening}
http:
  - name: health
    url: http://\${HOST}:$HP/health
    headers: {Authorization: "Bearer \${TOKEN}"}
    expect: {status: 200, body_regex: '"ok"', json: {"\$.status": ok, "\$.n": "3"}}
  - {name: drift, url: "http://\${HOST}:$HP/health", expect: {json: {"\$.status": down}}}
  - {name: hang, url: "http://\${HOST}:$HP/hang", timeout_ms: 500}
  - {name: huge, url: "http://\${HOST}:$HP/huge", timeout_ms: 5000}
  - {name: reset, url: "http://\${HOST}:$HP/reset"}
command:
  - {name: echo, argv: [printf, '{"a":[1,2]}'], expect: {json: {"\$.a.length()": "2"}}}
  - {name: fails, argv: [sh, -c, "exit 3"]}
  - {name: slow, argv: [sleep, "5"], timeout_ms: 300}
files:
  - \${REPO}/README.md
  - {path: "\${REPO}/k8s/redis.yaml", contains: "kind:"}
  - {path: "\${REPO}/no-such-file", absent: true}
redis:
  url: redis://127.0.0.1:$RP
  keys:
    - {key: app:string, type: string}
    - {key: app:stream, type: stream, groups: {workers: {max_pending: 0}}}
    - {key: app:missing, type: hash}
    - {pattern: "app:hook:*", min_count: 2}
launchd:
  domain: gui/501
  plists: \${REPO}/infra/launchd
  jobs:
    - {label: com.joel.gateway, state: running, plist: false}
    - {label: com.joel.scheduled, state: scheduled, plist: false}
    - {label: com.joel.talon, state: running, keep_alive: true}
    - {label: com.joel.system-bus-worker, state: running}
kubernetes:
  manifests: \${REPO}/k8s
  namespaces:
    joelclaw:
      workloads: [StatefulSet/inngest, StatefulSet/redis, {name: Deployment/system-bus-worker, replicas: 3}]
      services: [{name: inngest-svc, type: NodePort, ports: [{port: 8288, node_port: 8288}]}]
    stuck: {workloads: [Deployment/a], timeout_ms: 500}
caddy:
  caddyfile: $TMPDIR/repo/Caddyfile
  admin: http://127.0.0.1:$ADMIN
  routes:
    - {site: "localhost:$SITE", path: "/webhooks/*", to: "localhost:3111"}
    - {site: "localhost:$SITE", to: "localhost:9999"}
systemd:
  units:
    - {unit: app.service, state: running}
    - {unit: gone.service, state: running}
unknowns:
  - {what: Tailscale daemon state, verify: tailscale status --json}
EOF

# --- valgrind over normal runs ---------------------------------------------------
vg check-json 1 check -f "$TMPDIR/all.yaml" --format json -o "$TMPDIR/all.json"
# The run really exercised every probe (not a short-circuited failure).
kinds=$(jq -r '[.checks[].kind] | unique | join(" ")' "$TMPDIR/all.json" 2>/dev/null)
t_eq "every probe ran" "caddy command files http kubernetes launchd ports redis systemd unknowns" "$kinds"
statuses=$(jq -r '[.checks[].status] | unique | join(" ")' "$TMPDIR/all.json" 2>/dev/null)
t_eq "ok, drift, error and unknown all in the run" "drift error ok unknown" "$statuses"
for fmt in text markdown junit; do
	vg "check-$fmt" 1 check -f "$TMPDIR/all.yaml" --format "$fmt" --jobs 2
done
vg check-static 1 check -f "$TMPDIR/all.yaml" --layer static --only 'k8s/**' --format text
vg validate-ok 0 validate -f "$TMPDIR/all.yaml"
for f in duplicate-keys variable-cycle invalid-regex unknown-key wrong-type tabs invalid-utf8; do
	[ -f "$ROOT/tests/hostile/$f.yaml" ] && vg "validate-$f" 2 validate -f "$ROOT/tests/hostile/$f.yaml"
done
if "$PLAIN" doc --help >/dev/null 2>&1; then
	vg doc 0 doc -f "$TMPDIR/all.yaml" -o "$TMPDIR/doc.md"
fi

# --- soak: the dashboard re-probing 1,000 times keeps a flat RSS -------------------
# A small topology (port, http, command, redis), re-probed back to back with
# R (a key pressed during a run queues the next one). Each run asks the
# fixture server for /health?soak once: its log counts the runs. RSS is
# sampled from /proc after 100 runs and after 1,000; it must not grow by 8 MB.
cat >"$TMPDIR/soak.yaml" <<EOF
version: 1
system: soak
ports: [{port: $HP, expect: listening}]
http:
  - {name: soak, url: "http://127.0.0.1:$HP/health?soak", expect: {json: {"\$.status": ok}}}
  - {name: reset, url: "http://127.0.0.1:$HP/reset"}
command: [{name: "true", argv: ["true"]}]
redis: {url: "redis://127.0.0.1:$RP", keys: [{key: app:string, type: string}]}
EOF
SOCK=topo-leaks-$$
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
t_cleanup "tmux -L $SOCK kill-server"
tm new-session -d -s soak -x 120 -y 40 \
	env PATH="$PATH" HOME="$TMPDIR" TERM=tmux-256color NO_COLOR=1 \
	"$PLAIN" dash -f "$TMPDIR/soak.yaml" --interval 3600 2>"$TMPDIR/soak.err"
runs() { grep -c 'GET /health?soak' "$TMPDIR/fixture.log" 2>/dev/null; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# soak_until N: presses R until N runs were made (or 5 minutes passed).
soak_until() {
	local deadline=$(( $(date +%s) + 300 ))
	while [ "$(runs)" -lt "$1" ] && [ "$(date +%s)" -lt "$deadline" ]; do
		tm send-keys -t soak R R R R R 2>/dev/null || return 1
		sleep 0.05
	done
}
pid=
for _ in $(seq 100); do
	pid=$(pgrep -f "^$PLAIN dash -f $TMPDIR/soak.yaml" | head -n 1)
	[ -n "$pid" ] && break
	sleep 0.05
done
if [ -z "$pid" ]; then
	t_fail "soak: dashboard started" "$(head -c 1000 "$TMPDIR/soak.err")"
	exit 0
fi
soak_until 100
first=$(rss "$pid")
soak_until 1000
n=$(runs)
last=$(rss "$pid")
tm send-keys -t soak q
sleep 0.5
if [ "$n" -ge 1000 ]; then t_pass "soak: $n runs of the dashboard"; else
	t_fail "soak: 1000 runs of the dashboard" "only $n in 5 minutes"; fi
if [ -n "$first" ] && [ -n "$last" ] && [ $((last - first)) -lt 8192 ]; then
	t_pass "soak: RSS flat over 900 runs (${first} kB -> ${last} kB)"
else
	t_fail "soak: RSS flat over 900 runs" "${first:-?} kB -> ${last:-?} kB"
fi
t_eq "soak: the dashboard exited on q" "" "$(pgrep -f "^$PLAIN dash -f $TMPDIR/soak.yaml")"
