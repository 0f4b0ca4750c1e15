#!/usr/bin/env bash
# tests/integration/demo.sh: the embedded demo, run as CI would run it: no
# terminal (stdin /dev/null, output to a file). `make demo`, then
# scripts/demo.sh again with the sanitized topo (twice in a row), each must
# exit 0, print the report and end with the exit line, and report exactly
# the seven planted drifts (ids and drift classes, from the JSON report) with
# their expected and observed values, nothing else but the declared
# unknown, and no secret. Afterwards no process the demo started may run
# (by its pids, and by the scratch folder in command lines), and its scratch
# folder must be gone. (Its ports are not checked: on a busy machine another
# program may take one as soon as it is free.) Then the ways the
# demo must fail or stop: Ctrl-C (SIGINT to its process group) during the
# start and while topo runs, SIGTERM to the script alone, a service that
# will not start, and a planted drift that topo does not find.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

for tool in redis-server redis-cli caddy jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		t_fail "$tool is installed" "scripts/deps.sh installs it"
		exit 0
	fi
done

LAST_LINE='topo check exited 1 — drift found, as planted, which is what CI would see.'
SECRETS=(s3cr3t-value-that-must-never-appear-in-a-report signkey-demo-0123456789abcdef)

# env_of DIR NAME: a value of DIR/demo.env (the ports and folders the demo chose).
env_of() { sed -n "s/^$2=//p" "$1/demo.env"; }

# after_demo LABEL DIR [STARTED]: nothing the demo started is left. STARTED:
# how many processes it started, 5 (3 fixture services, redis, caddy) when
# it got that far.
after_demo() {
	local label=$1 dir=$2 want=${3:-5} state alive="" pid name
	state=$(env_of "$dir" STATE)
	if [ -z "$state" ]; then
		t_fail "$label: demo.env names the scratch folder" "$(cat "$dir/demo.env" 2>&1)"
		return
	fi
	t_eq "$label: $want processes started" "$want" \
		"$(wc -l <"$dir/demo.pids" | tr -d ' ')"
	while read -r pid name; do
		kill -0 "$pid" 2>/dev/null && alive="$alive $name($pid)"
	done <"$dir/demo.pids"
	t_eq "$label: every process it started has stopped" "" "$alive"
	t_eq "$label: nothing runs from its scratch folder" "" \
		"$(pgrep -af -- "$state" 2>/dev/null | grep -v pgrep)"
	t_eq "$label: the scratch folder is removed" "gone" "$([ -e "$state" ] && echo "there" || echo gone)"
}

# check_report LABEL DIR STDOUT: the reports of a run that went as designed.
check_report() {
	local label=$1 dir=$2 out=$3 json=$2/report.json s
	local typesense hooks worker inngest
	typesense=$(env_of "$dir" TYPESENSE_PORT)
	hooks=$(env_of "$dir" SITE_HOOKS)
	worker=$(env_of "$dir" WORKER_PORT)
	inngest=$(env_of "$dir" INNGEST_PORT)

	t_eq "$label: the last line says topo check exited 1, as planted" "$LAST_LINE" "$(tail -n 1 <<<"$out")"
	t_contains "$label: the Markdown report's path is printed" "$out" "Markdown report: $dir/report.md"
	t_contains "$label: the Markdown report lists the problems" "$(cat "$dir/report.md" 2>/dev/null)" "### Problems"
	t_eq "$label: the JSON report's exit_code" 1 "$(jq -r .exit_code "$json")"

	# The exact set of problems: the seven planted drifts with their classes,
	# and the one consequence with its root cause.
	t_eq "$label: exactly the planted drifts" "$(sort <<EOF
caddy/localhost:$hooks/webhooks/* drift changed -
events/unhandled drift changed -
http/typesense-health error - port/$typesense
k8s/joelclaw/Service/redis-public drift extra -
launchd/com.joel.gateway drift changed -
port/$typesense drift changed -
redis/key/joelclaw:gateway:sessions drift changed -
source/host functions drift extra -
EOF
)" "$(jq -r '.checks[] | select(.status == "drift" or .status == "error") | "\(.id) \(.status) \(.drift // "-") \(.root_cause // "-")"' "$json" | sed 's/ - -$/ -/' | sort)"
	t_eq "$label: one consequence in the summary" 1 "$(jq -r .summary.consequences "$json")"
	t_contains "$label: the text names the root cause" "$out" \
		"cause:    port/$typesense: state is closed, expected listening"
	t_contains "$label: the root says what it causes" "$out" \
		"root of:  1 check fails because of it: http/typesense-health"
	t_eq "$label: the consequence is listed right after its root" "http/typesense-health" \
		"$(grep -A12 "^drift    port/$typesense " <<<"$out" | grep -E '^(drift|error|unknown) ' | sed -n 2p | awk '{print $2}')"
	t_contains "$label: Markdown: caused by" "$(cat "$dir/report.md" 2>/dev/null)" \
		"caused by port/$typesense"
	t_eq "$label: the declared unknown, and nothing else, is unknown" "unknown/tailscale-daemon-state" \
		"$(jq -r '.checks[] | select(.status == "unknown") | .id' "$json")"
	t_eq "$label: every other check ok (none skipped)" "1 0 9" \
		"$(jq -r '.summary | "\(.error) \(.skipped) \(.total - .ok)"' "$json")"
	t_eq "$label: the undeclared Service is an extra check" "k8s/joelclaw/Service/redis-public" \
		"$(jq -r '.checks[] | select(.extra) | .id' "$json")"

	# Each planted drift with expected vs observed.
	field() { jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2" "$json"; }
	t_eq "$label: the down service: listening expected, closed observed" \
		"state = listening|state = closed" \
		"$(field "port/$typesense" expected)|$(field "port/$typesense" observed)"
	t_eq "$label: the webhook route: the worker expected, Inngest observed" \
		"upstream = 127.0.0.1:$worker|upstream = 127.0.0.1:$inngest" \
		"$(field "caddy/localhost:$hooks/webhooks/*" expected)|$(field "caddy/localhost:$hooks/webhooks/*" observed)"
	t_eq "$label: the repository's Caddyfile still routes webhooks to the worker" "ok" \
		"$(field "caddy/localhost:$hooks/webhooks/*/caddyfile" status)"
	t_eq "$label: the Redis key: hash expected, string observed" "type = hash|type = string" \
		"$(field redis/key/joelclaw:gateway:sessions expected)|$(field redis/key/joelclaw:gateway:sessions observed)"
	t_contains "$label: the unhandled event, with the file:line that emits it" \
		"$(field events/unhandled evidence)" "webhook-relay.ts:7: emits webhook/relay.forwarded"
	t_eq "$label: the function list grew by webhookRelay" "1 not declared: webhookRelay" \
		"$(field "source/host functions" message)"
	t_contains "$label: the function list's evidence is file:line" \
		"$(field "source/host functions" evidence)" "packages/system-bus/src/inngest/functions/index.host.ts:"
	t_contains "$label: the undeclared Service as kubectl shows it" \
		"$(field k8s/joelclaw/Service/redis-public observed)" "NodePort, ports 6379:31379/TCP"
	t_eq "$label: the gateway: running expected, exited 78 observed" \
		"state = not running; last_exit = 78" "$(field launchd/com.joel.gateway observed)"
	t_contains "$label: the gateway's evidence is the recorded launchctl" \
		"$(field launchd/com.joel.gateway evidence)" "last exit code = 78: EX_CONFIG"

	# The text report on stdout shows each of them, with expected and observed.
	for s in "port/$typesense" "caddy/localhost:$hooks/webhooks/*" redis/key/joelclaw:gateway:sessions \
	    "source/host functions" k8s/joelclaw/Service/redis-public launchd/com.joel.gateway events/unhandled; do
		t_contains "$label: printed: $s" "$out" "drift    $s "
	done
	t_contains "$label: printed: expected and observed" "$out" "observed: type = string"
	for s in "${SECRETS[@]}"; do
		t_eq "$label: no secret in any output (${s:0:12}...)" "" \
			"$(grep -l -- "$s" "$dir"/report.* <(echo "$out") 2>/dev/null)"
	done
}

# --- the static layer, straight from the clone ---------------------------------
# The variables default to joelclaw's ports and demo/repo: no service needed,
# and the static drifts are the function list and the event it emits unhandled.
t_exit "static layer from the clone: exit 1" 1 \
	sh -c 'cd "$1" && "$2" check -f topologies/demo.yaml --layer static --format json' _ "$ROOT" "$TOPO"
t_eq "static layer from the clone: the function list and the unhandled event drift" \
	"events/unhandled drift changed|source/host functions drift extra" \
	"$(jq -r '[.checks[] | select(.status != "ok" and .status != "skipped") | "\(.id) \(.status) \(.drift)"] | sort | join("|")' <<<"$T_OUT")"
t_eq "static layer from the clone: 28 static checks" "28" \
	"$(jq -r '[.checks[] | select(.layer == "static")] | length' <<<"$T_OUT")"

# --- make demo, as the README says ---------------------------------------------
start=$(date +%s)
DEMO_OUT=$TMPDIR/run1 t_exit "make demo exits 0 (no terminal)" 0 make -s -C "$ROOT" demo </dev/null
took=$(($(date +%s) - start))
check_report "make demo" "$TMPDIR/run1" "$T_OUT"
after_demo "make demo" "$TMPDIR/run1"
t_eq "make demo: well under a minute (took ${took}s)" "yes" "$([ "$took" -lt 40 ] && echo yes || echo no)"

# --- again at once, with the sanitized topo ----------------------------------------
DEMO_OUT=$TMPDIR/run2 DEMO_TOPO=$TOPO t_exit "scripts/demo.sh again exits 0" 0 \
	"$ROOT/scripts/demo.sh" </dev/null
check_report "again" "$TMPDIR/run2" "$T_OUT"
after_demo "again" "$TMPDIR/run2"

# --- interrupted -------------------------------------------------------------------
# A topo that stands in for a slow check: it says it started, then sleeps.
cat >"$TMPDIR/slow-topo" <<'EOF'
#!/bin/sh
echo $$ >>"$SLOW_MARK"
exec sleep 60
EOF
chmod +x "$TMPDIR/slow-topo"

# interrupt LABEL SIGNAL TARGET WHEN: runs the demo in its own process group
# (as a terminal's foreground job), sends SIGNAL when WHEN is true (after
# "start": redis-server is up; after "topo": topo is running) to TARGET
# ("group", like Ctrl-C; "group-twice", Ctrl-C during the cleanup too; or
# "script"), and expects exit 128+SIGNAL and a clean stop.
interrupt() {
	local label=$1 sig=$2 target=$3 when=$4 dir=$TMPDIR/$1 pid rc i n
	mkdir -p "$dir"
	export SLOW_MARK=$dir/slow.pids
	set -m
	DEMO_OUT=$dir DEMO_TOPO=$TMPDIR/slow-topo "$ROOT/scripts/demo.sh" </dev/null >"$dir/out" 2>&1 &
	pid=$!
	set +m
	for ((i = 0; i < 600; i++)); do
		case $when in
			start) grep -q ' redis-server$' "$dir/demo.pids" 2>/dev/null && break ;;
			topo) [ -s "$SLOW_MARK" ] && break ;;
		esac
		sleep 0.05
	done
	case $target in
		group) kill -"$sig" -- -"$pid" ;;
		# Ctrl-C, and Ctrl-C again while the demo is cleaning up.
		group-twice) kill -"$sig" -- -"$pid"; sleep 0.1; kill -"$sig" -- -"$pid" 2>/dev/null ;;
		script) kill -"$sig" "$pid" ;;
	esac
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		t_fail "$label: the demo stops within 10 s" "$(cat "$dir/out")"
		kill -KILL -- -"$pid" 2>/dev/null
	fi
	wait "$pid"
	rc=$?
	t_eq "$label: exits $((128 + $(kill -l "$sig")))" "$((128 + $(kill -l "$sig")))" "$rc"
	# At the start, redis-server is up, and caddy may have been started too.
	n=5
	[ "$when" = start ] && n=$(wc -l <"$dir/demo.pids" | tr -d ' ')
	[ "$n" -ge 4 ] || t_fail "$label: interrupted after redis-server started" "$(cat "$dir/demo.pids")"
	after_demo "$label" "$dir" "$n"
	if [ -s "$SLOW_MARK" ]; then
		t_eq "$label: the topo it was running has stopped" "" \
			"$(while read -r p; do kill -0 "$p" 2>/dev/null && echo "$p"; done <"$SLOW_MARK")"
	fi
}
interrupt sigint-at-start INT group start
t_contains "sigint-at-start: says it was interrupted" "$(cat "$TMPDIR/sigint-at-start/out")" "interrupted"
interrupt sigint-in-check INT group topo
interrupt sigterm-in-check TERM script topo
interrupt sigint-twice INT group-twice topo

# --- failures ----------------------------------------------------------------------
# A service that will not start: a caddy that exits at once.
mkdir -p "$TMPDIR/broken-bin" "$TMPDIR/broken"
printf '#!/bin/sh\necho "caddy: broken on purpose" >&2\nexit 1\n' >"$TMPDIR/broken-bin/caddy"
chmod +x "$TMPDIR/broken-bin/caddy"
PATH=$TMPDIR/broken-bin:$PATH DEMO_OUT=$TMPDIR/broken t_exit "caddy will not start: the demo fails" 1 \
	"$ROOT/scripts/demo.sh" </dev/null
t_contains "caddy will not start: says so" "$T_ERR" "FAILED: caddy would not start"
# Three attempts on other ports, each a caddy that exits: 3 + redis + 3.
after_demo "caddy will not start" "$TMPDIR/broken" 7

# A planted drift topo does not find: a topo told that the down service's
# port is the one of Caddy's worker site (which listens, and which ports:
# does not declare), so that check is ok and the set differs.
cat >"$TMPDIR/unplanted-topo" <<EOF
#!/bin/sh
exec "$TOPO" "\$@" --set "TYPESENSE_PORT=\$(sed -n 's/^SITE_WORKER=//p' "\$DEMO_OUT/demo.env")"
EOF
chmod +x "$TMPDIR/unplanted-topo"
DEMO_OUT=$TMPDIR/unplanted DEMO_TOPO=$TMPDIR/unplanted-topo t_exit "a planted drift not found: the demo fails" 1 \
	"$ROOT/scripts/demo.sh" </dev/null
t_contains "a planted drift not found: says which" "$(grep "not found:" <<<"$T_ERR")" \
	"port/$(env_of "$TMPDIR/unplanted" TYPESENSE_PORT) drift changed"
t_not_contains "a planted drift not found: no success line" "$T_OUT" "$LAST_LINE"
after_demo "a planted drift not found" "$TMPDIR/unplanted"

# --- on a terminal: the dashboard ------------------------------------------------
# In a tmux pane of our own: the demo opens `topo dash`; q (or Ctrl-C, which
# goes to the dashboard alone) quits it, and the demo then ends normally,
# with the Markdown report's path and the exit line.
if command -v tmux >/dev/null 2>&1; then
	SOCK=topo-demo-test-$$
	t_cleanup "tmux -L $SOCK kill-server"
	on_terminal() { # LABEL KEY COMMAND
		local label=$1 key=$2 command=$3 dir=$TMPDIR/$1 i screen=""
		mkdir -p "$dir"
		tmux -L "$SOCK" new-session -d -s "$label" -x 120 -y 40 \
			"DEMO_OUT=$dir DEMO_TOPO=$TOPO $command 2>'$dir/err'; echo \$? >'$dir/rc'; sleep 30"
		for ((i = 0; i < 400; i++)); do
			screen=$(tmux -L "$SOCK" capture-pane -p -t "$label" 2>/dev/null)
			[[ "$screen" == *"topo dash joelclaw-demo"*"7 drift"* ]] && break
			[ -e "$dir/rc" ] && break
			sleep 0.1
		done
		t_contains "$label: the dashboard opens with the 7 drifts" "$screen" "7 drift"
		tmux -L "$SOCK" send-keys -t "$label" "$key"
		for ((i = 0; i < 200; i++)); do
			[ -s "$dir/rc" ] && break
			sleep 0.05
		done
		t_eq "$label: the demo then exits 0, nothing on stderr" "0|" "$(cat "$dir/rc" 2>/dev/null)|$(cat "$dir/err" 2>/dev/null)"
		screen=$(tmux -L "$SOCK" capture-pane -p -t "$label" 2>/dev/null)
		t_contains "$label: then the Markdown report's path" "$screen" "Markdown report: $dir/report.md"
		t_contains "$label: and the exit line" "$screen" "$LAST_LINE"
		tmux -L "$SOCK" kill-session -t "$label" 2>/dev/null
		after_demo "$label" "$dir"
	}
	on_terminal terminal-q q "'$ROOT/scripts/demo.sh'"
	# Through make: Ctrl-C must reach the dashboard alone, or make would
	# stop with "Interrupt" and a non-zero exit.
	on_terminal terminal-ctrl-c C-c "make -s -C '$ROOT' demo"
else
	t_fail "tmux is installed" "scripts/deps.sh installs it"
fi
