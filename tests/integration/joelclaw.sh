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
