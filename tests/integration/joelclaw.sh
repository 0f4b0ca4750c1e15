#!/usr/bin/env bash
# tests/integration/joelclaw.sh: topologies/joelclaw.yaml against the real
# joelclaw repository at a92e88ab (${JOELCLAW_REPO:-../shared/fixtures/joelclaw-a92},
# the commit the reference document describes), static layer: exactly the
# drift that the real files show, each with its file:line, no error, the
# Helm/operator objects unknown. Then a copy of the tree changed as a later
# commit would change it: exactly those changes are added. The live function
# counts run against loopback fixtures.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh" || exit 1
# This script writes files: only ever inside its scratch folder.
[ -n "${TMPDIR:-}" ] && [ -d "$TMPDIR" ] && [ "$TMPDIR" != / ] || { echo "FAIL: no scratch folder"; exit 1; }

TOPOLOGY=$ROOT/topologies/joelclaw.yaml
A92=${JOELCLAW_REPO:-$ROOT/../shared/fixtures/joelclaw-a92}
CADDY=$TMPDIR/Caddyfile

check_static() { # REPO [more topo args]
	local repo=$1
	shift
	"$TOPO" check -f "$TOPOLOGY" --layer static --set "REPO=$repo" \
	    --format json -o "$TMPDIR/report.json" "$@"
}

# "id status drift" of every check that is not ok or skipped, sorted.
problems() {
	jq -r '.checks[] | select(.status != "ok" and .status != "skipped")
	    | "\(.id) \(.status) \(.drift // "")" | sub(" $"; "")' "$TMPDIR/report.json" | LC_ALL=C sort
}
field() { jq -r --arg id "$1" --arg f "$2" '.checks[] | select(.id == $id) | .[$f]' "$TMPDIR/report.json"; }

# ---- validate
t_exit "joelclaw: topo validate passes" 0 "$TOPO" validate -f "$TOPOLOGY"
t_contains "joelclaw: validate names the system" "$T_OUT" "system joelclaw"

# What a92 really shows; each line was read in the real files:
#   index.host.ts:129 lists 119 plain names (the document says 101);
#   index.cluster.ts:26 lists 14, swarmOrchestrator and swarmAgentExec added;
#   apps/docs-api/src/index.ts:2101-2243 routes 16 paths (7 `path ===`,
#     9 `path.match(/^...$/)`), the document counts 11;
#   docs/architecture.md and docs/deploy.md exist ("absent in-repo", it says);
#   k8s/clickhouse.yaml:16,35 a Service and a StatefulSet it never names;
#   events: 2 functions in no worker list (slack-backfill.ts), 19 events sent
#     that nothing handles; 45 awaited with no literal emitter, unknown while
#     23 emit sites compute their names.
# Every other claim it makes that the tree can settle agrees with the real
# files (retry caps, the drainer's route, variables and events, Redis keys,
# the 21-concept taxonomy, the restate-worker image, agent-execution
# defaults, ...): those checks are ok, and the changed copy below turns the
# important ones red.
A92_PROBLEMS="events/unemitted unknown
events/unhandled drift changed
events/unregistered drift changed
file/docs/architecture.md drift extra
file/docs/deploy.md drift extra
k8s/aistor/Deployment/adminjob-operator/manifest unknown
k8s/aistor/Deployment/object-store-operator/manifest unknown
k8s/aistor/Service/aistor-s3-api/manifest unknown
k8s/aistor/Service/aistor-s3-console/manifest unknown
k8s/joelclaw/Deployment/bluesky-pds/manifest unknown
k8s/joelclaw/Deployment/livekit-server/manifest unknown
k8s/joelclaw/Service/bluesky-pds/manifest unknown
k8s/joelclaw/Service/clickhouse/manifest drift extra
k8s/joelclaw/Service/livekit-server/manifest unknown
k8s/joelclaw/StatefulSet/clickhouse/manifest drift extra
source/docs-api routes drift changed
source/worker cluster functions drift changed
source/worker host functions drift changed"

if [ ! -d "$A92/packages/system-bus" ]; then
	t_skip "joelclaw: the real tree" "$A92 is absent (../shared not beside the project, or JOELCLAW_REPO unset)"
else
	# ---- the real repository at a92, as it is
	t_exit "joelclaw: a92, drift found, exit 1" 1 check_static "$A92" --root "$A92"
	t_eq "joelclaw: a92, exactly the real drift, managed objects unknown" "$A92_PROBLEMS" "$(problems)"
	t_eq "joelclaw: a92, no error" "0" "$(jq '[.checks[] | select(.status == "error")] | length' "$TMPDIR/report.json")"
	t_eq "joelclaw: a92, every live check skipped in the static layer" "0" \
	    "$(jq '[.checks[] | select(.layer == "live" and .status != "skipped")] | length' "$TMPDIR/report.json")"
	for kind in files sources launchd kubernetes events; do
		t_eq "joelclaw: a92, $kind checks ok" "yes" \
		    "$(jq -r --arg k "$kind" 'if ([.checks[] | select(.kind == $k and .status == "ok")] | length) > 0 then "yes" else "no" end' "$TMPDIR/report.json")"
	done
	t_contains "joelclaw: host functions 119 at index.host.ts:129" \
	    "$(field 'source/worker host functions' observed) $(field 'source/worker host functions' evidence)" "count = 119"
	t_contains "joelclaw: host functions evidence file:line" \
	    "$(field 'source/worker host functions' evidence)" "packages/system-bus/src/inngest/functions/index.host.ts:129"
	t_contains "joelclaw: cluster functions name the two added" \
	    "$(field 'source/worker cluster functions' message)" "2 not declared: swarmAgentExec, swarmOrchestrator"
	t_contains "joelclaw: cluster evidence file:line" \
	    "$(field 'source/worker cluster functions' evidence)" "index.cluster.ts:26"
	t_contains "joelclaw: docs-api 16 routes, 11 claimed" \
	    "$(field 'source/docs-api routes' message)" "count is 16, expected 11; 5 not declared: /, /status,"
	t_contains "joelclaw: docs-api routes evidence lines" \
	    "$(field 'source/docs-api routes' evidence)" "apps/docs-api/src/index.ts:2101-2243: 16 matches"
	t_contains "joelclaw: clickhouse evidence" \
	    "$(field 'k8s/joelclaw/Service/clickhouse/manifest' evidence)" "k8s/clickhouse.yaml:16"
	t_contains "joelclaw: dkron-peer as the manifest has it" \
	    "$(field 'k8s/joelclaw/Service/dkron-peer/manifest' status) $(field 'k8s/joelclaw/Service/dkron-peer/manifest' evidence)" "ok "
	# The rest of the reference's claims, each ok where the real file agrees
	# (the line the value is on, not where the pattern starts).
	t_eq "joelclaw: a92, every other source fact ok" "source/docs-api routes
source/worker cluster functions
source/worker host functions" \
	    "$(jq -r '.checks[] | select(.kind == "sources" and .status != "ok") | .id' "$TMPDIR/report.json" | LC_ALL=C sort)"
	t_contains "joelclaw: dagWorker retry cap 5" \
	    "$(field 'source/restate-worker retry cap dagWorker' observed) $(field 'source/restate-worker retry cap dagWorker' evidence)" \
	    "value = 5 $A92/packages/restate/src/workflows/dag-orchestrator.ts:403: maxAttempts: 5,"
	t_contains "joelclaw: dagOrchestrator retry cap 3" \
	    "$(field 'source/restate-worker retry cap dagOrchestrator' evidence)" "dag-orchestrator.ts:545: maxAttempts: 3,"
	t_contains "joelclaw: the drainer posts to /dagOrchestrator/{workflowId}/run/send" \
	    "$(field 'source/flow queue drainer restate route' observed) $(field 'source/flow queue drainer restate route' evidence)" \
	    'value = /dagOrchestrator/${workflowId}/run/send '"$A92"'/packages/restate/src/queue-drainer.ts:306'
	t_contains "joelclaw: QUEUE_DRAIN_INTERVAL_MS, default 2_000" \
	    "$(field 'source/flow queue drainer interval default' observed) $(field 'source/flow queue drainer interval default' evidence)" \
	    "value = 2_000 $A92/packages/restate/src/queue-drainer.ts:30:"
	t_contains "joelclaw: QUEUE_DRAIN_STALL_AFTER_MS read" \
	    "$(field 'source/flow queue drainer stall variable' evidence)" "queue-drainer.ts:34:"
	t_contains "joelclaw: queue.dispatch.failed emitted on a failed dispatch" \
	    "$(field 'source/flow queue drainer dispatch failed event' evidence)" "queue-drainer.ts:499: action: \"queue.dispatch.failed\""
	t_contains "joelclaw: queue.drainer.stalled emitted by the watchdog" \
	    "$(field 'source/flow queue drainer stalled event' evidence)" "queue-drainer.ts:428: action: \"queue.drainer.stalled\""
	t_contains "joelclaw: the stalled drainer exits 1" \
	    "$(field 'source/flow queue drainer stall exit code' evidence)" "queue-drainer.ts:446: process.exit(1);"
	t_contains "joelclaw: 21 taxonomy concepts" \
	    "$(field 'source/docs-api taxonomy concepts' evidence)" "apps/docs-api/src/index.ts:198-386: 21 matches"
	t_contains "joelclaw: 10 parent concepts" "$(field 'source/docs-api taxonomy parents' observed)" "count = 10"
	t_contains "joelclaw: 11 sub-concepts" "$(field 'source/docs-api taxonomy sub-concepts' observed)" "count = 11"
	t_contains "joelclaw: skills symlinked by the Dockerfile" \
	    "$(field 'source/restate-worker image skills symlinked' evidence)" "packages/restate/Dockerfile:"
	t_contains "joelclaw: gateway sessions key" \
	    "$(field 'source/storage redis key gateway sessions' evidence)" "packages/gateway/src/channels/redis.ts:31:"
	t_contains "joelclaw: Job TTL default 300" \
	    "$(field 'source/sandbox job ttl default' evidence)" "packages/agent-execution/src/job-spec.ts:70:"
	t_contains "joelclaw: the request fields the document lists" \
	    "$(field 'source/sandbox request fields' evidence)" "types.ts:99-127: 11 matches"
	t_eq "joelclaw: the host's Caddyfile is not read from a checkout" "0" \
	    "$(jq '[.checks[] | select(.kind == "caddy" and .layer == "static")] | length' "$TMPDIR/report.json")"

	# ---- a later commit: a copy of a92 with changes, each found, nothing else
	REPO=$TMPDIR/repo
	cp -R "$A92/." "$REPO/"
	F=$REPO/packages/system-bus/src/inngest/functions
	# 1. a cluster function dropped (names: declared but gone)
	sed -i '/^  githubPackagePublished,$/d' "$F/index.cluster.ts"
	# 2. the Redis Service turned ClusterIP (changed)
	sed -i 's/^  type: NodePort$/  type: ClusterIP/; /nodePort: 6379/d' "$REPO/k8s/redis.yaml"
	# 3. an undeclared com.joel launchd job in the repository (extra)
	sed 's/com.joel.talon/com.joel.undeclared/' "$REPO/infra/launchd/com.joel.talon.plist" \
	    >"$REPO/infra/launchd/com.joel.undeclared.plist"
	# 4. the retired job's rollback plist deleted (missing)
	rm "$REPO/infra/launchd/com.joel.restate-worker.plist"
	# 5. the CLI's default worker URL changed (changed)
	sed -i 's#"http://localhost:3111"#"http://localhost:3112"#' "$REPO/packages/cli/src/config.ts"
	# 6. the janitor no longer runs every 30 minutes (changed)
	sed -i 's#<integer>1800</integer>#<integer>3600</integer>#' "$REPO/infra/launchd/com.joel.local-sandbox-janitor.plist"
	# 7. an evidence file deleted (missing)
	rm "$REPO/packages/queue/src/registry.ts"
	# 8. a source file a regex reads deleted: drift missing, not an error
	rm "$REPO/packages/telemetry/src/emitter.ts"
	# 9. the docs-api health route renamed
	sed -i 's#path === "/health"#path === "/healthz"#' "$REPO/apps/docs-api/src/index.ts"
	# 10. the dagWorker retry cap raised
	sed -i '0,/maxAttempts: 5,/s//maxAttempts: 10,/' "$REPO/packages/restate/src/workflows/dag-orchestrator.ts"
	D=$REPO/packages/restate/src/queue-drainer.ts
	# 11. the drainer posts to another Restate route
	sed -i 's#/dagOrchestrator/${workflowId}/run/send#/dagOrchestrator/${workflowId}/run/submit#' "$D"
	# 12. the stall watchdog reads another variable; 13. the poll interval's default
	sed -i 's/process\.env\.QUEUE_DRAIN_STALL_AFTER_MS/process.env.QUEUE_DRAIN_STALL_MS/' "$D"
	sed -i 's/process\.env\.QUEUE_DRAIN_INTERVAL_MS, 2_000/process.env.QUEUE_DRAIN_INTERVAL_MS, 5_000/' "$D"
	# 14. 15. the failure and stall events renamed
	sed -i 's/"queue\.dispatch\.failed"/"queue.dispatch.error"/; s/"queue\.drainer\.stalled"/"queue.drainer.wedged"/' "$D"
	# 16. the gateway's sessions key moved
	sed -i 's/"joelclaw:gateway:sessions"/"joelclaw:gw:sessions"/' "$REPO/packages/gateway/src/channels/redis.ts"
	# 17. a taxonomy concept dropped
	sed -i '/^    id: "jc:docs:podcast",$/d' "$REPO/apps/docs-api/src/index.ts"
	# 18. skills copied into the image, no longer symlinked
	sed -i 's#ln -sf "$s" "/root/.pi/agent/skills/$name"#cp -r "$s" "/root/.pi/agent/skills/$name"#' "$REPO/packages/restate/Dockerfile"
	# 19. 20. agent-execution defaults: Job TTL, clone depth
	sed -i 's/DEFAULT_TTL_SECONDS = 300;/DEFAULT_TTL_SECONDS = 600;/' "$REPO/packages/agent-execution/src/job-spec.ts"
	sed -i 's/^    depth = 1,$/    depth = 50,/' "$REPO/packages/agent-execution/src/repo.ts"
	t_exit "joelclaw: later commit, exit 1" 1 check_static "$REPO"
	t_eq "joelclaw: later commit, exactly its changes added" \
"$(printf '%s\n' "$A92_PROBLEMS" \
"file/packages/queue/src/registry.ts drift missing" \
"file/packages/telemetry/src/emitter.ts drift missing" \
"k8s/joelclaw/Service/redis/manifest drift changed" \
"launchd/com.joel.local-sandbox-janitor/plist drift changed" \
"launchd/com.joel.restate-worker/plist drift missing" \
"launchd/com.joel.undeclared/plist drift extra" \
"source/cli default worker url drift changed" \
"source/docs-api taxonomy concepts drift changed" \
"source/flow queue drainer dispatch failed event drift changed" \
"source/flow queue drainer interval default drift changed" \
"source/flow queue registry drift missing" \
"source/flow queue drainer restate route drift changed" \
"source/flow queue drainer stall variable drift changed" \
"source/flow queue drainer stalled event drift changed" \
"source/restate-worker image skills symlinked drift missing" \
"source/restate-worker retry cap dagWorker drift changed" \
"source/sandbox job ttl default drift changed" \
"source/sandbox materialize depth default drift changed" \
"source/storage redis key gateway sessions drift changed" \
"source/telemetry gateway emitter drift missing" \
"source/telemetry emit url default drift missing" | LC_ALL=C sort)" "$(problems)"
	t_eq "joelclaw: later commit, no error" "0" "$(jq '[.checks[] | select(.status == "error")] | length' "$TMPDIR/report.json")"
	t_contains "joelclaw: the dropped cluster function named" \
	    "$(field 'source/worker cluster functions' message)" "declared but gone: githubPackagePublished"
	t_contains "joelclaw: the renamed route shows in both directions" \
	    "$(field 'source/docs-api routes' message)" "/healthz"
	t_contains "joelclaw: the renamed route is gone" \
	    "$(field 'source/docs-api routes' message)" "declared but gone: /health"
	t_contains "joelclaw: redis observed ClusterIP" "$(field 'k8s/joelclaw/Service/redis/manifest' observed)" "ClusterIP"
	t_contains "joelclaw: gone source file says so" "$(field 'source/telemetry emit url default' evidence)" "no such file"
	t_contains "joelclaw: cli url observed" "$(field 'source/cli default worker url' observed)" "3112"
	t_contains "joelclaw: raised retry cap observed, with its line" \
	    "$(field 'source/restate-worker retry cap dagWorker' observed) $(field 'source/restate-worker retry cap dagWorker' evidence)" \
	    "value = 10 $REPO/packages/restate/src/workflows/dag-orchestrator.ts:403:"
	t_contains "joelclaw: the new Restate route observed" \
	    "$(field 'source/flow queue drainer restate route' observed)" '/dagOrchestrator/${workflowId}/run/submit'
	t_contains "joelclaw: the variable read instead" "$(field 'source/flow queue drainer stall variable' observed)" "QUEUE_DRAIN_STALL_MS"
	t_contains "joelclaw: the interval default observed" "$(field 'source/flow queue drainer interval default' observed)" "5_000"
	t_contains "joelclaw: the renamed failure event observed" \
	    "$(field 'source/flow queue drainer dispatch failed event' observed)" "queue.dispatch.error"
	t_contains "joelclaw: the renamed stall event observed" \
	    "$(field 'source/flow queue drainer stalled event' observed)" "queue.drainer.wedged"
	t_contains "joelclaw: 20 concepts, 21 expected" "$(field 'source/docs-api taxonomy concepts' message)" "count is 20, expected 21"
	t_contains "joelclaw: the moved sessions key observed" \
	    "$(field 'source/storage redis key gateway sessions' observed)" "joelclaw:gw:sessions"

	# ---- a list that spreads another: only plain entries counted, never guessed
	sed -i 's/^  skillGarden,$/  skillGarden,\n  ...extraHostFunctions,/' "$F/index.host.ts"
	check_static "$REPO" >/dev/null
	t_eq "joelclaw: a spread does not count as a function" "drift" "$(field 'source/worker host functions' status)"
	t_contains "joelclaw: the spread is named" "$(field 'source/worker host functions' message)" "...extraHostFunctions"
	t_contains "joelclaw: at least 119" "$(field 'source/worker host functions' message)" "at least 119"

	# ---- the host's Caddyfile, when given on the host (--set CADDYFILE)
	cp "$ROOT/tests/joelclaw/Caddyfile" "$CADDY"
	t_exit "joelclaw: host Caddyfile read when given" 1 check_static "$A92" --set "CADDYFILE=$CADDY"
	t_eq "joelclaw: host Caddyfile routes as declared" "0" \
	    "$(jq '[.checks[] | select(.kind == "caddy" and .layer == "static" and .status != "ok")] | length' "$TMPDIR/report.json")"
	t_eq "joelclaw: host Caddyfile checks there" "yes" \
	    "$(jq -r 'if ([.checks[] | select(.kind == "caddy" and .layer == "static")] | length) >= 9 then "yes" else "no" end' "$TMPDIR/report.json")"
	sed -i 's/reverse_proxy localhost:6333/reverse_proxy localhost:6334/' "$CADDY"
	check_static "$A92" --set "CADDYFILE=$CADDY" >/dev/null
	t_eq "joelclaw: a changed Caddy route found" "drift" "$(field 'caddy/panda.tail7af24.ts.net:6443/caddyfile' status)"
fi

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
