#!/usr/bin/env bash
# tests/integration/joelclaw.sh: topologies/joelclaw.yaml against a small
# joelclaw-shaped tree (../shared/fixtures/joelclaw-repo + tests/joelclaw/repo
# + files written here), static layer: a clean tree gives no drift; planted
# drifts are found, exactly them, each with its drift class.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh" || exit 1
# This script writes files and runs git: only ever inside its scratch folder.
[ -n "${TMPDIR:-}" ] && [ -d "$TMPDIR" ] && [ "$TMPDIR" != / ] || { echo "FAIL: no scratch folder"; exit 1; }

TOPOLOGY=$ROOT/topologies/joelclaw.yaml
FIXTURES=$ROOT/../shared/fixtures/joelclaw-repo
REPO=$TMPDIR/repo
CADDY=$TMPDIR/Caddyfile

# index.host.ts with N host functions: the twelve cluster ones and hostFnK.
write_host_index() {
	local n=$1 i
	{
		echo '// written by tests/integration/joelclaw.sh'
		echo 'export const hostFunctionDefinitions = ['
		for f in approvalRequest approvalResolve todoistCommentAdded todoistTaskCompleted \
		    todoistTaskCreated frontMessageReceived frontMessageSent frontAssigneeChanged \
		    todoistMemoryReviewBridge githubWorkflowRunCompleted githubPackagePublished \
		    webhookSubscriptionDispatchGithubWorkflowRunCompleted; do
			echo "  $f,"
		done
		for ((i = 13; i <= n; i++)); do echo "  hostFn$i,"; done
		echo '];'
	} >"$REPO/packages/system-bus/src/inngest/functions/index.host.ts"
}

build_tree() {
	rm -rf "$REPO"
	mkdir -p "$REPO"
	cp -R "$FIXTURES/." "$REPO/"
	cp -R "$ROOT/tests/joelclaw/repo/." "$REPO/"
	cp "$ROOT/tests/joelclaw/Caddyfile" "$CADDY"
	write_host_index 101
	# The events: section reads function files: one without functions (the
	# event graph of the real tree is tests/integration/events.sh's).
	echo '// stand-in: no createFunction' \
	    >"$REPO/packages/system-bus/src/inngest/functions/stand-in.ts"
	# Evidence files only checked to exist.
	local f
	for f in packages/restate/Dockerfile packages/restate/src/index.ts \
	    packages/restate/src/workflows/dag-orchestrator.ts \
	    packages/agent-execution/src/microvm.ts \
	    packages/gateway/src/channels/telegram.ts packages/cli/src/cli.ts \
	    packages/cli/src/inngest.ts packages/system-bus/src/observability/emit.ts \
	    packages/system-bus/src/observability/otel-event.ts \
	    packages/inference-router/src/tracing.ts \
	    packages/queue/src/registry.ts; do
		mkdir -p "$REPO/$(dirname "$f")"
		echo "// stand-in for $f" >"$REPO/$f"
	done
}

check_static() {
	"$TOPO" check -f "$TOPOLOGY" --layer static --set "REPO=$REPO" \
	    --set "CADDYFILE=$CADDY" --format json -o "$TMPDIR/report.json"
}

# "id status drift" of every check that is not ok or skipped, sorted.
problems() {
	jq -r '.checks[] | select(.status != "ok" and .status != "skipped")
	    | "\(.id) \(.status) \(.drift // "")" | sub(" $"; "")' "$TMPDIR/report.json" | LC_ALL=C sort
}

# ---- validate
t_exit "joelclaw: topo validate passes" 0 "$TOPO" validate -f "$TOPOLOGY"
t_contains "joelclaw: validate names the system" "$T_OUT" "system joelclaw"

# ---- a clean tree: no drift, no error; only Helm/operator objects unknown
build_tree
t_exit "joelclaw: clean tree, exit 0" 0 check_static
t_eq "joelclaw: clean tree, no drift or error, managed objects unknown" \
"k8s/aistor/Deployment/adminjob-operator/manifest unknown
k8s/aistor/Deployment/object-store-operator/manifest unknown
k8s/aistor/Service/aistor-s3-api/manifest unknown
k8s/aistor/Service/aistor-s3-console/manifest unknown
k8s/joelclaw/Deployment/bluesky-pds/manifest unknown
k8s/joelclaw/Deployment/livekit-server/manifest unknown
k8s/joelclaw/Service/bluesky-pds/manifest unknown
k8s/joelclaw/Service/livekit-server/manifest unknown" "$(problems)"
t_eq "joelclaw: every live check skipped in the static layer" "0" \
    "$(jq '[.checks[] | select(.layer == "live" and .status != "skipped")] | length' "$TMPDIR/report.json")"
# Each kind of static fact was really observed (not vacuously skipped).
for kind in files sources launchd kubernetes caddy; do
	t_eq "joelclaw: clean tree, $kind checks ok" "yes" \
	    "$(jq -r --arg k "$kind" 'if ([.checks[] | select(.kind == $k and .status == "ok")] | length) > 0 then "yes" else "no" end' "$TMPDIR/report.json")"
done
t_contains "joelclaw: 101 host functions read" \
    "$(jq -r '.checks[] | select(.id == "source/worker host functions") | .observed' "$TMPDIR/report.json")" "count = 101"

# ---- planted drifts
# 1. the source registers more host functions than the document says (changed)
write_host_index 104
# 2. one cluster function dropped from the cluster list (count and names)
sed -i '/  githubPackagePublished,/d' "$REPO/packages/system-bus/src/inngest/functions/index.cluster.ts"
# 3. the Redis Service turned ClusterIP (changed)
sed -i 's/^  type: NodePort$/  type: ClusterIP/; /nodePort: 6379/d' "$REPO/k8s/redis.yaml"
# 4. an undeclared Service in the manifests (extra)
cat >"$REPO/k8s/debug.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: debug-svc
  namespace: joelclaw
spec:
  type: NodePort
  ports:
    - port: 9999
      nodePort: 30999
YAML
# 5. an undeclared com.joel launchd job in the repository (extra)
sed 's/com.joel.talon/com.joel.undeclared/' "$REPO/infra/launchd/com.joel.talon.plist" \
    >"$REPO/infra/launchd/com.joel.undeclared.plist"
# 6. a retired job's plist gone (missing: it is kept for rollback)
rm "$REPO/infra/launchd/com.joel.restate-worker.plist"
# 7. Caddy's Qdrant route points elsewhere (changed)
sed -i 's/reverse_proxy localhost:6333/reverse_proxy localhost:6334/' "$CADDY"
# 8. the CLI's default worker URL changed (changed)
sed -i 's#"http://localhost:3111"#"http://localhost:3112"#' "$REPO/packages/cli/src/config.ts"
# 9. the janitor no longer runs every 30 minutes (changed)
sed -i 's#<integer>1800</integer>#<integer>3600</integer>#' "$REPO/infra/launchd/com.joel.local-sandbox-janitor.plist"
# 10. an evidence file deleted (missing)
rm "$REPO/packages/queue/src/registry.ts"

t_exit "joelclaw: planted drifts, exit 1" 1 check_static
drifts=$(problems | grep -v ' unknown$')
t_eq "joelclaw: exactly the planted drifts" \
"caddy/panda.tail7af24.ts.net:6443/caddyfile drift changed
file/packages/queue/src/registry.ts drift missing
k8s/joelclaw/Service/debug-svc/manifest drift extra
k8s/joelclaw/Service/redis/manifest drift changed
launchd/com.joel.local-sandbox-janitor/plist drift changed
launchd/com.joel.restate-worker/plist drift missing
launchd/com.joel.undeclared/plist drift extra
source/cli default worker url drift changed
source/worker cluster functions drift changed
source/worker host functions drift changed" "$drifts"
obs() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .observed' "$TMPDIR/report.json"; }
t_contains "joelclaw: host count observed 104" "$(obs 'source/worker host functions')" "104"
t_contains "joelclaw: redis observed ClusterIP" "$(obs 'k8s/joelclaw/Service/redis/manifest')" "ClusterIP"
t_contains "joelclaw: caddy upstream observed" "$(obs 'caddy/panda.tail7af24.ts.net:6443/caddyfile')" "6334"
t_contains "joelclaw: cli url observed" "$(obs 'source/cli default worker url')" "3112"

# ---- live: the function counts cross-checked the way the health script does,
# against a fixture worker (:3111 /api/inngest) and Inngest (:8288 /v0/gql) on
# 127.0.0.1, first agreeing with the topology, then registering more. The
# ports are the real system's: when this runs as root with `ip netns`, the
# fixture and topo share a private network namespace, so a worker already on
# :3111 (the real one, another test) changes nothing; otherwise they need
# those ports free on 127.0.0.1.
FIXTURE=$BUILD/tests/fixture-server
NETNS=()
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
    ip netns add "topo-joelclaw-$$" 2>/dev/null; then
	t_cleanup "ip netns delete topo-joelclaw-$$"
	NETNS=(ip netns exec "topo-joelclaw-$$")
	"${NETNS[@]}" ip link set lo up
fi
in_netns() { "${NETNS[@]}" "$@"; }
port_open() { # PORT: 0 when something listens on it (in the namespace)
	in_netns bash -c "(exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null"
}
functions_json() { # N -> [{"id":"f1"},...]
	local i out=""
	for ((i = 1; i <= $1; i++)); do out+="${out:+,}{\"id\":\"f$i\"}"; done
	echo "[$out]"
}
serve_counts() { # HOST_COUNT CLUSTER_COUNT WORKER_COUNT
	local i
	{
		echo "GET /api/inngest 200 {\"function_count\":$3,\"mode\":\"dev\"}"
		echo "POST /v0/gql 200 {\"data\":{\"apps\":[{\"name\":\"system-bus-host\",\"functions\":$(functions_json "$1")},{\"name\":\"system-bus-cluster\",\"functions\":$(functions_json "$2")}]}}"
	} >"$TMPDIR/routes"
	rm -f "$TMPDIR/ready"
	# Not through in_netns: $! must be the server itself, not a subshell.
	"${NETNS[@]}" "$FIXTURE" --bind 127.0.0.1 --port 3111 --port 8288 \
	    --route-file "$TMPDIR/routes" --ready-file "$TMPDIR/ready" \
	    --log "$TMPDIR/requests.log" >/dev/null 2>&1 &
	FIXTURE_PID=$!
	t_cleanup "kill $FIXTURE_PID"
	for ((i = 0; i < 100; i++)); do
		port_open 3111 && port_open 8288 && return 0
		sleep 0.1
	done
	return 1
}
check_counts() {
	in_netns "$TOPO" check -f "$TOPOLOGY" --layer live \
	    --only 'http/worker-functions' --only 'http/inngest-*' \
	    --format json -o "$TMPDIR/live.json"
}
if port_open 3111 || port_open 8288; then
	t_fail "joelclaw: live counts need 127.0.0.1:3111 and :8288 free"
else
	serve_counts 101 12 101
	t_exit "joelclaw: live counts agree, exit 0" 0 check_counts
	t_eq "joelclaw: live counts ok" \
"http/inngest-cluster-functions ok
http/inngest-host-functions ok
http/worker-functions ok" \
	    "$(jq -r '.checks[] | select(.status != "skipped") | "\(.id) \(.status)"' "$TMPDIR/live.json" | LC_ALL=C sort)"
	t_contains "joelclaw: the GraphQL query was posted" "$(cat "$TMPDIR/requests.log")" "POST /v0/gql"
	kill "$FIXTURE_PID"; wait "$FIXTURE_PID" 2>/dev/null
	serve_counts 104 12 104
	t_exit "joelclaw: more functions registered live, exit 1" 1 check_counts
	t_eq "joelclaw: live count drift" \
"http/inngest-cluster-functions ok
http/inngest-host-functions drift changed
http/worker-functions drift changed" \
	    "$(jq -r '.checks[] | select(.status != "skipped") | "\(.id) \(.status) \(.drift // "")" | sub(" $"; "")' "$TMPDIR/live.json" | LC_ALL=C sort)"
	kill "$FIXTURE_PID"; wait "$FIXTURE_PID" 2>/dev/null
fi
