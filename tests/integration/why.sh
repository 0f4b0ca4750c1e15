#!/usr/bin/env bash
# tests/integration/why.sh: `topo why port N`, `topo why check ID` and `topo
# why NAME` on a real listener (the fixture server, its pid known), a closed
# port, the recorded launchctl of demo/bin, and Caddy routes of the topology.
# (`why event` and `why function` on the joelclaw tree: events.sh.)
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

t_fixture up --route 'GET /health 200 {"status":"ok"}'
UP=$FIXTURE_PORT
UP_PID=$(cat "$TMPDIR/up.pid")
DOWN=$(t_free_port)

cat >"$TMPDIR/why.yaml" <<EOF
version: 1
system: why
programs:
  launchctl: $ROOT/demo/bin/launchctl
launchd:
  domain: gui/501
  jobs:
    - {label: com.joel.gateway, state: running}
ports:
  - {port: $UP, what: host worker, process: fixture-server}
  - {port: $DOWN, what: gateway, launchd: com.joel.gateway}
http:
  - name: worker
    url: http://localhost:$UP/health
  - name: gateway
    url: http://127.0.0.1:$DOWN/health
caddy:
  admin: http://127.0.0.1:$(t_free_port)
  routes:
    - {site: "localhost:3443", to: "localhost:$UP"}
command:
  - name: unrelated
    argv: ["touch", "$TMPDIR/unrelated-ran"]
EOF
W=(-f "$TMPDIR/why.yaml")

# --- a port ------------------------------------------------------------------
t_exit "why port: exit 0" 0 "$TOPO" why "${W[@]}" --format json port "$UP"
j=$T_OUT
t_eq "why port: the item that declares it" "port/$UP" "$(jq -r '.declared[0].id' <<<"$j")"
t_contains "why port: its role, from the topology" "$(jq -r '.declared[0].checks' <<<"$j")" "(host worker)"
t_eq "why port: declared file:line:column" "$TMPDIR/why.yaml:10:5" "$(jq -r '.declared[0].declared' <<<"$j")"
t_eq "why port: who listens, from this machine (pid of the fixture)" "fixture-server $UP_PID" \
	"$(jq -r '"\(.listening.command) \(.listening.pid)"' <<<"$j")"
t_eq "why port: the Caddy route that sends to it" "Caddy localhost:3443 -> localhost:$UP" \
	"$(jq -r '.routes[0]' <<<"$j")"
t_eq "why port: the checks that need it" "caddy/localhost:3443 http/worker" \
	"$(jq -r '[.needed_by[].id] | sort | join(" ")' <<<"$j")"

t_exit "why port (closed): exit 0, it is an answer" 0 "$TOPO" why "${W[@]}" port "$DOWN"
t_contains "why port (closed): nothing listens" "$T_OUT" "listening  nothing listens on it here"
t_contains "why port (closed): the job declared to hold it" "$T_OUT" "held_by    launchd/com.joel.gateway"
t_contains "why port (closed): text lists who needs it" "$T_OUT" "id         http/gateway"

t_exit "why port (undeclared): still answered" 0 "$TOPO" why "${W[@]}" --format json port 9
t_eq "why port (undeclared): says no item declares it" "no ports: item declares it" "$(jq -r .problem <<<"$T_OUT")"
t_exit "why port abc: exit 1" 1 "$TOPO" why "${W[@]}" port abc
t_contains "why port abc: says what a port is" "$T_OUT" "a port is a number, 1 to 65535"
t_exit "why port 70000: exit 1" 1 "$TOPO" why "${W[@]}" port 70000

# --- a check -----------------------------------------------------------------
rm -f "$TMPDIR/unrelated-ran"
t_exit "why check (failing): exit 1" 1 "$TOPO" why "${W[@]}" --format json check http/gateway
j=$T_OUT
t_eq "why check: its verdict" "error" "$(jq -r .verdict.status <<<"$j")"
t_eq "why check: the chain of causes, direct first" "port/$DOWN launchd/com.joel.gateway" \
	"$(jq -r '[.caused_by[].id] | join(" ")' <<<"$j")"
t_contains "why check: each link with its evidence" "$(jq -r '.caused_by[1].evidence' <<<"$j")" \
	"launchctl print gui/501/com.joel.gateway"
t_eq "why check: the answer names the root" "fails because launchd/com.joel.gateway fails" \
	"$(jq -r .answer <<<"$j")"
t_eq "why check: what it needs, with verdicts" "port/$DOWN drift|launchd/com.joel.gateway drift" \
	"$(jq -r '.needs | join("|")' <<<"$j")"
t_eq "why check: nothing it does not need was run" "no" \
	"$([ -e "$TMPDIR/unrelated-ran" ] && echo yes || echo no)"

t_exit "why check (passing): exit 0" 0 "$TOPO" why "${W[@]}" check http/worker
t_contains "why check (passing): answer ok" "$T_OUT" "answer     ok"
t_contains "why check (passing): needs listed" "$T_OUT" "port/$UP ok"

t_exit "why check (unknown id): exit 1" 1 "$TOPO" why "${W[@]}" check http/gatewy
t_contains "why check (unknown id): the closest id" "$T_OUT" "closest: http/gateway"

# --- topo why NAME guesses the kind -----------------------------------------------
t_exit "why NUMBER is a port" 0 "$TOPO" why "${W[@]}" --format json "$UP"
t_eq "why NUMBER: subject port" port "$(jq -r .subject <<<"$T_OUT")"
t_exit "why ID is a check" 1 "$TOPO" why "${W[@]}" --format json "port/$DOWN"
t_eq "why ID: subject check" check "$(jq -r .subject <<<"$T_OUT")"
t_exit "why NAME without events: exit 1" 1 "$TOPO" why "${W[@]}" somefunction
t_contains "why NAME without events: says so" "$T_OUT" "the topology has no events: section"
t_exit "why function without events: exit 1" 1 "$TOPO" why "${W[@]}" function f
t_exit "why nonsense subject: exit 2" 2 "$TOPO" why "${W[@]}" table x
t_contains "why nonsense subject: lists the kinds" "$T_ERR" "port, check, event, function"

# --- why function --live: the running Inngest server's apps, runs and events -------
# A repository of three functions registered by the host list; the fixture
# answers /v0/gql as Inngest does: fn-a ran twice, fn-b is registered but did
# not run (its trigger never arrived), fn-c is not registered on the server.
mkdir -p "$TMPDIR/ev/fns"
cat >"$TMPDIR/ev/fns/a.ts" <<'EOF'
export const fnA = inngest.createFunction(
  { id: "fn-a", retries: 2 },
  { event: "demo/a.requested" },
  async ({ event, step }) => { await step.sendEvent("next", { name: "demo/b.requested", data: {} }); }
);
EOF
cat >"$TMPDIR/ev/fns/b.ts" <<'EOF'
export const fnB = inngest.createFunction(
  { id: "fn-b" },
  [{ event: "demo/b.requested" }, { cron: "0 * * * *" }],
  async () => {}
);
export const fnC = inngest.createFunction({ id: "fn-c" }, { event: "demo/c.requested" }, async () => {});
EOF
echo 'export const hostFunctions = [fnA, fnB, fnC];' >"$TMPDIR/ev/index.host.ts"
GQL='{"data":{"apps":[{"name":"system-bus-host","functionCount":2,"functions":[{"id":"F-A","slug":"system-bus-host-fn-a","name":"A"},{"id":"F-B","slug":"system-bus-host-fn-b","name":"B"}]}],"runs":{"edges":[{"node":{"id":"R2","status":"COMPLETED","functionID":"F-A","startedAt":"2026-12-07T10:00:00Z","endedAt":"2026-12-07T10:00:01Z"}},{"node":{"id":"R1","status":"FAILED","functionID":"F-A","startedAt":"2026-12-07T09:00:00Z","endedAt":null}}]},"eventsV2":{"edges":[{"node":{"id":"E1","name":"demo/a.requested","occurredAt":"2026-12-07T09:59:59Z"}}]}}}'
t_fixture gql --route "POST /v0/gql 200 $GQL" --route 'POST /garbage/v0/gql 200 not json' \
	--route 'POST /errors/v0/gql 200 {"errors":[{"message":"unknown field runs"}]}' \
	--route 'POST /down/v0/gql 500 oops' --log "$TMPDIR/gql.log"
GQL_PORT=$FIXTURE_PORT
ev_topology() {	# ev_topology URL
	printf 'version: 1\nsystem: ev\nevents:\n  inngest: %s\n  functions: ["fns/*.ts"]\n  workers: [{name: host, file: index.host.ts, list: hostFunctions, app: system-bus-host}]\n  external: [{event: "demo/a.requested", source: cli}, {event: "demo/c.requested", source: cli}]\n' "$1" >"$TMPDIR/ev/ev.yaml"
}
ev_topology "http://127.0.0.1:$GQL_PORT"
E=(-f "$TMPDIR/ev/ev.yaml" --format json --live)
t_exit "live: fn-a" 0 "$TOPO" why "${E[@]}" function fn-a
t_eq "live: fn-a runs on the host app" system-bus-host "$(jq -r .live.running_in <<<"$T_OUT")"
t_eq "live: fn-a ran twice, the newest first" \
	"ran 2 times in the last 24 h; the latest COMPLETED, started 2026-12-07T10:00:00Z" "$(jq -r .live.answer <<<"$T_OUT")"
t_contains "live: one POST to /v0/gql" "$(cat "$TMPDIR/gql.log")" "POST /v0/gql -> 200"
t_exit "live: fn-b" 0 "$TOPO" why "${E[@]}" function fn-b
t_eq "live: fn-b did not run: no trigger event arrived, nor its cron" \
	"not run because: no event in the window (none of its 1 trigger event arrived in the last 24 h); its cron did not fire either" \
	"$(jq -r .live.answer <<<"$T_OUT")"
t_exit "live: fn-c" 0 "$TOPO" why "${E[@]}" function fnC
t_eq "live: fn-c is not registered on the running worker" \
	"not run because: the running worker does not register it (2 functions there, no slug ending -fn-c)" \
	"$(jq -r .live.answer <<<"$T_OUT")"
t_exit "no --live: the server is not asked" 0 "$TOPO" why -f "$TMPDIR/ev/ev.yaml" --format json function fn-a
t_eq "no --live: no live answer" null "$(jq -r .live <<<"$T_OUT")"
for bad in "garbage:the answer is not JSON" "errors:GraphQL error: unknown field runs" "down:HTTP 500"; do
	ev_topology "http://127.0.0.1:$GQL_PORT/${bad%%:*}"
	t_exit "live: ${bad%%:*} answer: still exit 0" 0 "$TOPO" why "${E[@]}" function fn-a
	t_contains "live: ${bad%%:*} answer: said" "$(jq -r .live <<<"$T_OUT")" "${bad#*:}"
done
ev_topology "http://user:s3cr3t-pass@127.0.0.1:$(t_free_port)"
t_exit "live: server down: exit 0" 0 "$TOPO" why "${E[@]}" function fn-a
t_contains "live: server down: said" "$(jq -r .live <<<"$T_OUT")" "Couldn't connect"
t_not_contains "live: the URL's password is not shown" "$T_OUT" "s3cr3t-pass"

# --- why event --live: did it arrive, did what it triggers run ------------------
ev_topology "http://127.0.0.1:$GQL_PORT"
t_exit "live event: demo/a.requested" 0 "$TOPO" why "${E[@]}" event demo/a.requested
t_eq "live event: it arrived once" 1 "$(jq -r .live.arrived <<<"$T_OUT")"
t_eq "live event: fn-a, which it triggers, ran twice" "fn-a 2 system-bus-host" \
	"$(jq -r '.live.functions[] | "\(.id) \(.runs) \(.running_in)"' <<<"$T_OUT")"
t_contains "live event: the answer" "$(jq -r .live.answer <<<"$T_OUT")" \
	"arrived 1 time in the last 24 h (the latest at 2026-12-07T09:59:59Z); the 1 function it triggers ran 2 times"
t_exit "live event: demo/c.requested" 0 "$TOPO" why "${E[@]}" event demo/c.requested
t_eq "live event: not received" "not received in the last 24 h: nothing it triggers ran because of it" \
	"$(jq -r .live.answer <<<"$T_OUT")"
t_eq "live event: fn-c is not on the running worker" "fn-c not registered on the running worker" \
	"$(jq -r '.live.functions[] | "\(.id) \(.runs)"' <<<"$T_OUT")"
