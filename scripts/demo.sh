#!/usr/bin/env bash
# scripts/demo.sh: `make demo`. Starts a small joelclaw-shaped system on
# 127.0.0.1 with seven planted drifts, runs topo on topologies/demo.yaml and
# checks that topo found exactly those drifts.
#
#   1. installs missing Debian packages (scripts/deps.sh), builds topo and
#      the fixture HTTP server;
#   2. in a fresh scratch folder (HOME and XDG there too, for Caddy):
#      a real redis-server, three fixture HTTP services (the host worker,
#      the Inngest server, the talon health daemon) and a real caddy, all
#      on free loopback ports chosen now and passed to topo with --set;
#      launchctl and kubectl are demo/bin/*, replaying recorded outputs;
#      the source tree is a copy of demo/repo;
#   3. runs `topo check` (JSON, Markdown and text reports in $DEMO_OUT,
#      build/demo by default) and compares the set of problems with the
#      planted set;
#   4. on a terminal opens `topo dash`; otherwise prints the text report,
#      the Markdown report's path and what `topo check` exited with.
# Exits 0 when the demo ran as designed: the planted drifts found, and
# nothing else wrong. Every process it started is stopped on every way out
# (end, error, Ctrl-C, SIGTERM), and the scratch folder removed.
#
# Environment: DEMO_OUT (reports), DEMO_TOPO (the topo binary, default
# build/topo: the tests pass the sanitized build), DEMO_KEEP=1 keeps the
# scratch folder, DEMO_NO_DASH=1 prints the report even on a terminal.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)

say() { printf '%s\n' "$*"; }
fail() {
	printf 'demo: FAILED: %s\n' "$1" >&2
	shift
	[ $# -gt 0 ] && printf '    %s\n' "$@" >&2
	exit 1
}

# --- packages and build ---------------------------------------------------
./scripts/deps.sh || fail "missing Debian packages (see above)"
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p build
# build/topo rather than ./topo: copying over ./topo fails while some
# ./topo runs ("Text file busy"), and the demo does not need the copy.
say "topo demo: building topo and the fixture HTTP server (make)"
if ! make -s -j"$jobs" build/topo build/tests/fixture-server >build/demo-make.log 2>&1; then
	cat build/demo-make.log >&2
	fail "the build failed"
fi
TOPO=${DEMO_TOPO:-$ROOT/build/topo}
FIXTURE=$ROOT/build/tests/fixture-server
OUT=${DEMO_OUT:-$ROOT/build/demo}
mkdir -p "$OUT" || fail "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/report.json "$OUT"/report.md "$OUT"/report.txt "$OUT"/demo.env "$OUT"/demo.pids

# --- the scratch folder, and stopping everything on every way out ----------
STATE=$(mktemp -d "${TMPDIR:-/tmp}/topo-demo.XXXXXX") || fail "mktemp failed"
# $OUT/demo.env: the scratch folder now, the ports once chosen (for the tests,
# and for whoever wants to rerun topo by hand while the demo runs).
echo "STATE=$STATE" >"$OUT/demo.env"
PIDS=()
CURRENT=
stop_all() {
	local pid i alive
	# A second Ctrl-C must not cut the cleanup short; it takes at most ~5 s.
	trap '' INT TERM HUP
	if [ -n "$CURRENT" ]; then
		kill -TERM "$CURRENT" 2>/dev/null
		wait "$CURRENT" 2>/dev/null
	fi
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	# Up to 5 s for a graceful exit, then SIGKILL: a stuck server never
	# outlives the demo.
	for ((i = 0; i < 50; i++)); do
		alive=0
		for pid in "${PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	PIDS=()
	if [ -n "${DEMO_KEEP:-}" ]; then
		say "demo: kept $STATE" >&2
	else
		rm -rf "$STATE"
	fi
}
trap stop_all EXIT
trap 'say "demo: interrupted, stopping what it started" >&2; exit 130' INT
trap 'exit 143' TERM HUP

# started NAME PID: remembered for stop_all, and listed in $OUT/demo.pids
# (the tests check that none of them survives the demo).
started() {
	PIDS+=("$2")
	printf '%s %s\n' "$2" "$1" >>"$OUT/demo.pids"
}

# Caddy keeps its autosave and storage under HOME / XDG: inside the scratch
# folder, so the demo leaves nothing behind in the user's home.
export HOME=$STATE/home XDG_CONFIG_HOME=$STATE/xdg-config XDG_DATA_HOME=$STATE/xdg-data
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$STATE/redis" "$STATE/caddy" "$STATE/services"

# pick_port VAR: a TCP port on 127.0.0.1 that nothing listens on and that
# was not handed out yet, into VAR. Below the kernel's ephemeral range when
# there is room (20000-32767 on most Linux): a port in that range can be
# taken at any moment by some program's outgoing connection, and then
# Caddy's or Redis' bind fails.
CHOSEN=" "
PORT_LOW=20000
PORT_HIGH=32767
if read -r eph_low eph_high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null; then
	if [ "$eph_low" -gt 21024 ]; then
		PORT_HIGH=$((eph_low - 1))
	elif [ "$eph_high" -lt 64000 ]; then
		PORT_LOW=$((eph_high + 1)) PORT_HIGH=65535
	else
		PORT_LOW=1024 PORT_HIGH=65535
	fi
fi
# connect PORT: 0 when something accepts on 127.0.0.1:PORT, 1 when refused,
# 124 when the connect did not finish within a second (a full backlog).
connect() {
	timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}
pick_port() {
	local p i
	for ((i = 0; i < 500; i++)); do
		p=$((PORT_LOW + (RANDOM * 32768 + RANDOM) % (PORT_HIGH - PORT_LOW + 1)))
		case $CHOSEN in *" $p "*) continue ;; esac
		connect "$p"
		if [ $? = 1 ]; then
			CHOSEN="$CHOSEN$p "
			printf -v "$1" '%s' "$p"
			return 0
		fi
	done
	fail "no free port found on 127.0.0.1"
}
# wait_port PID PORT SECONDS: until something accepts on 127.0.0.1:PORT;
# fails at once if process PID (the one meant to listen there) is gone.
wait_port() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		connect "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

say "topo demo: a small joelclaw-shaped system on 127.0.0.1, with planted drift"
say "  scratch folder $STATE"

# --- fixture HTTP services: port 0, the server says which it got ----------
# start_service NAME: demo/services/NAME.routes on a free port, which it
# leaves in SERVICE_PORT (not a $(...): the server must be our child).
start_service() {
	local name=$1 ready=$STATE/services/$1.ready pid i
	"$FIXTURE" --bind 127.0.0.1 --port 0 --route-file "$ROOT/demo/services/$name.routes" \
		--ready-file "$ready" --log "$STATE/services/$name.log" \
		>/dev/null 2>"$STATE/services/$name.err" </dev/null &
	pid=$!
	started "fixture-server:$name" "$pid"
	for ((i = 0; i < 200; i++)); do
		[ -s "$ready" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$ready" ] || fail "the $name service would not start" "$(cat "$STATE/services/$name.err")"
	SERVICE_PORT=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$ready")
	[ -n "$SERVICE_PORT" ] || fail "the $name service said no port" "$(cat "$ready")"
}
start_service worker
WORKER_PORT=$SERVICE_PORT
start_service inngest
INNGEST_PORT=$SERVICE_PORT
start_service talon
TALON_PORT=$SERVICE_PORT
CHOSEN="$CHOSEN$WORKER_PORT $INNGEST_PORT $TALON_PORT "
say "  worker    127.0.0.1:$WORKER_PORT  (fixture: GET /api/inngest, POST /webhooks/*)"
say "  inngest   127.0.0.1:$INNGEST_PORT  (fixture: GET /health, POST /v0/gql)"
say "  talon     127.0.0.1:$TALON_PORT  (fixture: GET /health)"

# --- redis-server: the queue, and a key of the wrong type -----------------
# A port found free can be taken by someone else before the server binds
# it: then the server exits, and the next attempt picks other ports.
for attempt in 1 2 3; do
	pick_port REDIS_PORT
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --dir "$STATE/redis" --logfile "$STATE/redis/log" </dev/null >/dev/null 2>&1 &
	REDIS_PID=$!
	started redis-server "$REDIS_PID"
	wait_port "$REDIS_PID" "$REDIS_PORT" 10 && break
	kill -KILL "$REDIS_PID" 2>/dev/null
	[ "$attempt" = 3 ] && fail "redis-server would not start" "$(tail -5 "$STATE/redis/log" 2>/dev/null)"
done
rcli() { timeout 5 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@" >/dev/null || fail "redis-cli $*"; }
# The queue stream with its consumer group: 3 events, 2 delivered to the
# drainer and not yet acknowledged.
rcli XADD joelclaw:queue:events '*' event webhook/github.push source github
rcli XADD joelclaw:queue:events '*' event system/heartbeat source talon
rcli XADD joelclaw:queue:events '*' event content/sync source vault
rcli XGROUP CREATE joelclaw:queue:events drainer 0
rcli XREADGROUP GROUP drainer drainer-1 COUNT 2 STREAMS joelclaw:queue:events '>'
rcli ZADD joelclaw:queue:priority 10 webhook/github.push 50 system/heartbeat 90 content/sync
rcli SET joelclaw:webhook:github '{"secret_ref":"GITHUB_WEBHOOK_SECRET","target":"/webhooks/github"}'
rcli SET joelclaw:webhook:vercel '{"secret_ref":"VERCEL_WEBHOOK_SECRET","target":"/webhooks/vercel"}'
# Planted: the gateway's sessions are a hash; a string was written over it.
rcli SET joelclaw:gateway:sessions '{"telegram":"s-1"}'
say "  redis     127.0.0.1:$REDIS_PORT  (redis-server: stream joelclaw:queue:events + group drainer, zset joelclaw:queue:priority, webhook keys)"

# --- the source tree, the Caddyfiles and caddy ------------------------------
REPO=$STATE/repo
cp -R "$ROOT/demo/repo" "$REPO" || fail "cannot copy demo/repo"
pick_port TYPESENSE_PORT	# planted: declared listening, nothing starts there
# caddyfile: demo/repo/infra/caddy/Caddyfile (joelclaw's ports) with the
# ports chosen here instead.
caddyfile() {
	sed -e "s|127\.0\.0\.1:2019|127.0.0.1:$CADDY_ADMIN|" \
	    -e "s|http://localhost:9443 |http://localhost:$SITE_INNGEST |" \
	    -e "s|http://localhost:3443 |http://localhost:$SITE_WORKER |" \
	    -e "s|http://localhost:8443 |http://localhost:$SITE_HOOKS |" \
	    -e "s|127\.0\.0\.1:8288|127.0.0.1:$INNGEST_PORT|" \
	    -e "s|127\.0\.0\.1:3111|127.0.0.1:$WORKER_PORT|" "$ROOT/demo/repo/infra/caddy/Caddyfile"
}
# start_caddy: on newly picked ports; fails when Caddy does not listen.
start_caddy() {
	local p
	pick_port CADDY_ADMIN
	pick_port SITE_INNGEST
	pick_port SITE_WORKER
	pick_port SITE_HOOKS
	# The repository's Caddyfile routes webhooks to the worker, as declared.
	caddyfile >"$REPO/infra/caddy/Caddyfile"
	# Planted: the Caddyfile the running Caddy was started from was edited
	# by hand on the machine, and sends webhooks to Inngest.
	sed "/handle @webhooks/,/}/ s|127\.0\.0\.1:$WORKER_PORT|127.0.0.1:$INNGEST_PORT|" \
		"$REPO/infra/caddy/Caddyfile" >"$STATE/caddy/Caddyfile"
	cmp -s "$REPO/infra/caddy/Caddyfile" "$STATE/caddy/Caddyfile" &&
		fail "the webhook route could not be planted in the Caddyfile"
	caddy run --config "$STATE/caddy/Caddyfile" --adapter caddyfile \
		</dev/null >>"$STATE/caddy/log" 2>&1 &
	CADDY_PID=$!
	started caddy "$CADDY_PID"
	for p in "$CADDY_ADMIN" "$SITE_INNGEST" "$SITE_WORKER" "$SITE_HOOKS"; do
		wait_port "$CADDY_PID" "$p" 15 || return 1
	done
}
for attempt in 1 2 3; do
	start_caddy && break
	kill -KILL "$CADDY_PID" 2>/dev/null
	[ "$attempt" = 3 ] && fail "caddy would not start" "$(tail -5 "$STATE/caddy/log")"
done
say "  caddy     admin 127.0.0.1:$CADDY_ADMIN, sites :$SITE_INNGEST (Inngest), :$SITE_WORKER (worker), :$SITE_HOOKS (/webhooks/* router)"
say "  launchctl demo/bin/launchctl (recorded: demo/recorded/launchctl)"
say "  kubectl   demo/bin/kubectl (recorded: demo/recorded/kubectl)"
say "  source    $REPO (copy of demo/repo)"
say "planted drift (topologies/demo.yaml says how it should be):"
say "  - the Typesense port-forward (127.0.0.1:$TYPESENSE_PORT) is down"
say "  - the running Caddy sends /webhooks/* to Inngest (:$INNGEST_PORT), not the worker (:$WORKER_PORT)"
say "  - Redis key joelclaw:gateway:sessions is a string, not a hash"
say "  - the host function list has a seventh entry, webhookRelay"
say "  - webhookRelay emits webhook/relay.forwarded, which no function handles"
say "  - the cluster has a NodePort Service nobody declared, redis-public"
say "  - launchd job com.joel.gateway exited 78 (EX_CONFIG)"

# --- topo ---------------------------------------------------------------------
SETS=(--set "REPO=$REPO" --set "REDIS_PORT=$REDIS_PORT" --set "CADDY_ADMIN=$CADDY_ADMIN"
	--set "SITE_INNGEST=$SITE_INNGEST" --set "SITE_WORKER=$SITE_WORKER"
	--set "SITE_HOOKS=$SITE_HOOKS" --set "WORKER_PORT=$WORKER_PORT"
	--set "INNGEST_PORT=$INNGEST_PORT" --set "TALON_PORT=$TALON_PORT"
	--set "TYPESENSE_PORT=$TYPESENSE_PORT"
	--set "LAUNCHCTL=$ROOT/demo/bin/launchctl" --set "KUBECTL=$ROOT/demo/bin/kubectl")
TOPOLOGY=topologies/demo.yaml
{
	echo "REPO=$REPO"
	for v in REDIS_PORT CADDY_ADMIN SITE_INNGEST SITE_WORKER SITE_HOOKS WORKER_PORT \
	    INNGEST_PORT TALON_PORT TYPESENSE_PORT; do
		echo "$v=${!v}"
	done
} >>"$OUT/demo.env"

# What the demo planted, as topo must report it: "ID STATUS DRIFT", and
# "<- ROOT" for a consequence (the HTTP check of the port that is down).
PLANTED="port/$TYPESENSE_PORT drift changed
caddy/localhost:$SITE_HOOKS/webhooks/* drift changed
redis/key/joelclaw:gateway:sessions drift changed
source/host functions drift extra
k8s/joelclaw/Service/redis-public drift extra
launchd/com.joel.gateway drift changed
events/unhandled drift changed
http/typesense-health error <- port/$TYPESENSE_PORT"
# The declared unknown: shown as unknown, never a problem.
DECLARED_UNKNOWN="unknown/tailscale-daemon-state unknown"

# check FORMAT FILE: one `topo check`, its exit code in CHECK_RC. Run in the
# background and waited for, so that Ctrl-C or SIGTERM is acted on at once
# (bash defers traps while a foreground child runs), and stop_all stops it.
check() {
	"$TOPO" check -f "$TOPOLOGY" "${SETS[@]}" --format "$1" -o "$2" </dev/null &
	CURRENT=$!
	wait "$CURRENT"
	CHECK_RC=$?
	CURRENT=
}
check json "$OUT/report.json"
rc_json=$CHECK_RC
check markdown "$OUT/report.md"
rc_md=$CHECK_RC
NO_COLOR=1 check text "$OUT/report.txt"
rc_text=$CHECK_RC

# --- did topo find exactly what was planted? ------------------------------------
[ "$rc_json" = 1 ] && [ "$rc_md" = 1 ] && [ "$rc_text" = 1 ] ||
	fail "topo check exited $rc_json (json), $rc_md (markdown), $rc_text (text); expected 1: drift"
jq -e . "$OUT/report.json" >/dev/null 2>&1 || fail "the JSON report does not parse: $OUT/report.json"
found=$(jq -r '.checks[] | select(.status != "ok") | "\(.id) \(.status)\(if .drift then " " + .drift else "" end)\(if .root_cause then " <- " + .root_cause else "" end)"' \
	"$OUT/report.json" | sort)
want=$(printf '%s\n%s\n' "$PLANTED" "$DECLARED_UNKNOWN" | sort)
if [ "$found" != "$want" ]; then
	cat "$OUT/report.txt"
	fail "topo did not find exactly the planted drift" \
	    "not found:  $(comm -13 <(echo "$found") <(echo "$want") | paste -sd, -)" \
	    "unexpected: $(comm -23 <(echo "$found") <(echo "$want") | paste -sd, -)"
fi
total=$(jq -r '.summary.total' "$OUT/report.json")
nok=$(jq -r '.summary.ok' "$OUT/report.json")

if [ -t 0 ] && [ -t 1 ] && [ -z "${DEMO_NO_DASH:-}" ]; then
	say ""
	say "topo found the 7 planted drifts, and $nok of $total checks ok. Opening the dashboard:"
	say "  q quits (the demo then stops everything it started)."
	sleep 2
	# The dashboard runs as the terminal's foreground process group, alone:
	# Ctrl-C there goes to it and quits it, which ends the demo normally
	# instead of interrupting make and this script too. (bash's `set -m`
	# does not hand the terminal over in a script, so perl-base's POSIX
	# does it; then the terminal is taken back.) Should that fail, the
	# dashboard runs in our group, and Ctrl-C ends the demo the usual way.
	trap 'DASH_INTERRUPTED=1' INT
	perl -MPOSIX -e '
		$SIG{TTOU} = "IGNORE";
		if (tcgetpgrp(0) == getpgrp() && setpgid(0, 0)) {
			tcsetpgrp(0, getpgrp());
		}
		$SIG{TTOU} = "DEFAULT";
		exec @ARGV or die "exec $ARGV[0]: $!\n";
	' "$TOPO" dash -f "$TOPOLOGY" "${SETS[@]}" --interval 5
	rc=$?
	perl -MPOSIX -e '$SIG{TTOU} = "IGNORE"; tcsetpgrp(0, getpgrp());' 2>/dev/null
	trap 'say "demo: interrupted, stopping what it started" >&2; exit 130' INT
	[ "$rc" = 0 ] || [ "$rc" = 130 ] || [ -n "${DASH_INTERRUPTED:-}" ] || fail "topo dash exited $rc"
	say "Markdown report: $OUT/report.md"
	say "topo check exited 1 — drift found, as planted, which is what CI would see."
	exit 0
fi

say ""
say "\$ topo check -f $TOPOLOGY --set REPO=... --set REDIS_PORT=$REDIS_PORT ... (12 --set, see $OUT/demo.env)"
cat "$OUT/report.txt"
say ""
say "The 7 planted drifts were found, each with expected and observed above, and the"
say "check that fails only because one of them does is folded under it (cause:); $nok of $total checks ok, 1 declared unknown."
say "Markdown report: $OUT/report.md"
say "JSON report:     $OUT/report.json"
say "topo check exited 1 — drift found, as planted, which is what CI would see."
exit 0
