#!/usr/bin/env bash
# tests/integration/redis.sh: the redis probe against real redis-servers on
# free loopback ports (no persistence, in TMPDIR): keys of every type, a
# stream with a consumer group and pending entries, then drift one cause at
# a time (a missing key, a wrong type, a length bound, pending over max, a
# pattern count), a password-protected server with the right and the wrong
# password (the password must appear in no output format), a database
# other than 0, TLS, a refused connection, a server that never answers, and
# MONITOR recording every command topo sends: any outside the read-only
# table fails the test.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
	t_fail "redis-server is installed" "install the redis-server package"
	exit 0
fi

PASSWORD='pw-Zq8!x@y:never-shown'
READONLY="AUTH SELECT PING INFO TYPE EXISTS XLEN ZCARD HLEN LLEN SCARD STRLEN XINFO SCAN"

start_redis() { # port [extra args...]: a throwaway server, stopped at exit
	local port=$1 dir=$TMPDIR/redis-$1
	shift
	mkdir -p "$dir"
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --dir "$dir" "$@" >"$dir/log" 2>&1 &
	t_cleanup "kill $!; wait $!"
	t_wait_port "$port" 10
}

P1=$(t_free_port)
P2=$(t_free_port)
REFUSED=$(t_free_port)
if ! start_redis "$P1" || ! start_redis "$P2" --requirepass "$PASSWORD"; then
	t_fail "redis-server starts" "$(cat "$TMPDIR"/redis-*/log)"
	exit 0
fi
t_pass "redis-server starts"

r1() { redis-cli -h 127.0.0.1 -p "$P1" "$@" >/dev/null; }
# A stream of 3 entries with group drainer: 2 delivered, not acknowledged.
r1 XADD joelclaw:queue:events '*' event a
r1 XADD joelclaw:queue:events '*' event b
r1 XADD joelclaw:queue:events '*' event c
r1 XGROUP CREATE joelclaw:queue:events drainer 0
r1 XREADGROUP GROUP drainer worker-1 COUNT 2 STREAMS joelclaw:queue:events '>'
r1 ZADD joelclaw:queue:priority 1 a 2 b 3 c
r1 HSET joelclaw:gateway:sessions s1 x s2 y
r1 RPUSH joelclaw:notify:list a b c d
r1 SADD joelclaw:set m1 m2
r1 SET joelclaw:string hello
for i in 1 2 3 4 5; do r1 SET "joelclaw:webhook:$i" "sub-$i"; done
redis-cli -h 127.0.0.1 -p "$P1" -n 1 SET only:in:db1 yes >/dev/null
redis-cli -h 127.0.0.1 -p "$P2" -a "$PASSWORD" --no-auth-warning SET guarded:key v >/dev/null

# topology FILE URL KEYS-LINES...: a redis section with the given keys
topology() {
	local file=$1 url=$2
	shift 2
	{
		echo "version: 1"
		echo "system: redis-test"
		echo "secrets: [REDIS_PASSWORD]"
		echo "vars: {REDIS_PASSWORD: unset}"
		echo "redis:"
		echo "  url: $url"
		echo "  timeout_ms: 2000"
		echo "  keys:"
		printf '    %s\n' "$@"
	} >"$file"
}

ALL_OK=(
	'- {key: "joelclaw:queue:events", type: stream, min_length: 1, groups: {drainer: {max_pending: 100, min_consumers: 1}}}'
	'- {key: "joelclaw:queue:priority", type: zset, max_length: 10000}'
	'- {key: "joelclaw:gateway:sessions", type: hash, min_length: 2, max_length: 2}'
	'- {key: "joelclaw:notify:list", type: list, min_length: 4}'
	'- {key: "joelclaw:set", type: set}'
	'- {key: "joelclaw:string", type: string, max_length: 5}'
	'- {key: "some:key", absent: true}'
	'- {pattern: "joelclaw:webhook:*", min_count: 1}'
)

# --- every type, all ok ------------------------------------------------------
topology "$TMPDIR/ok.yaml" "redis://127.0.0.1:$P1" "${ALL_OK[@]}"
printf '  expect: {version: "^%s\\\\.", role: master, aof_enabled: "0"}\n' \
	"$(redis-server --version | sed -n 's/.*v=\([0-9]*\)\..*/\1/p')" >>"$TMPDIR/ok.yaml"
t_exit "redis: all-ok topology exits 0" 0 \
	"$TOPO" check -f "$TMPDIR/ok.yaml" --format json -o "$TMPDIR/ok.json"
t_eq "redis: 10 checks (ping, info, 8 keys)" "10" \
	"$(t_jq "$TMPDIR/ok.json" '[.checks[]] | length')"
t_eq "redis: every check ok" "" \
	"$(t_jq "$TMPDIR/ok.json" '.checks[] | select(.status != "ok") | "\(.id) \(.status) \(.message)"')"
t_contains "redis: stream evidence shows XLEN and the group" \
	"$(t_jq "$TMPDIR/ok.json" '.checks[] | select(.id == "redis/key/joelclaw:queue:events") | .evidence')" \
	"XLEN -> 3; group drainer: 2 pending, 1 consumers"
t_contains "redis: pattern counted" \
	"$(t_jq "$TMPDIR/ok.json" '.checks[] | select(.id == "redis/pattern/joelclaw:webhook:*") | .evidence')" \
	"-> 5 keys"

# --- optional keys: absent is ok, present with another type is drift ---------
topology "$TMPDIR/optional.yaml" "redis://127.0.0.1:$P1" \
	'- {key: "joelclaw:queue:gone", type: zset, optional: true, min_length: 1}' \
	'- {key: "joelclaw:queue:priority", type: zset, optional: true}' \
	'- {key: "joelclaw:string", type: zset, optional: true}'
t_exit "redis optional: a present key of another type is drift (exit 1)" 1 \
	"$TOPO" check -f "$TMPDIR/optional.yaml" --format json -o "$TMPDIR/optional.json"
t_eq "redis optional: absent is ok" "ok absent, which it may be (optional)" \
	"$(t_jq "$TMPDIR/optional.json" '.checks[] | select(.id == "redis/key/joelclaw:queue:gone") | "\(.status) \(.message)"')"
t_eq "redis optional: present with its type is ok" "ok" \
	"$(t_jq "$TMPDIR/optional.json" '.checks[] | select(.id == "redis/key/joelclaw:queue:priority") | .status')"
t_eq "redis optional: present with another type is drift" "drift type is string, expected zset" \
	"$(t_jq "$TMPDIR/optional.json" '.checks[] | select(.id == "redis/key/joelclaw:string") | "\(.status) \(.message)"')"
topology "$TMPDIR/optional-bad.yaml" "redis://127.0.0.1:$P1" \
	'- {key: "k", absent: true, optional: true}'
t_exit "redis optional: with absent: true is a problem" 2 "$TOPO" validate -f "$TMPDIR/optional-bad.yaml"
t_contains "redis optional: the contradiction is named" "$T_OUT$T_ERR" "absent: true and optional: true contradict"
"$TOPO" doc -f "$TMPDIR/optional.yaml" >"$TMPDIR/optional.md" 2>/dev/null
t_contains "redis optional: the document says if present" "$(cat "$TMPDIR/optional.md")" "if present, type zset"

# --- more than 1,000 consumer groups: the 1,005th is found, not "no" ----------
# Zero-padded: XINFO GROUPS lists them in name order, so g1005 comes last.
for i in $(seq 1 1005); do printf 'XGROUP CREATE joelclaw:queue:many g%04d 0 MKSTREAM\n' "$i"; done |
	redis-cli -h 127.0.0.1 -p "$P1" >/dev/null
topology "$TMPDIR/groups.yaml" "redis://127.0.0.1:$P1" \
	'- {key: "joelclaw:queue:many", type: stream, groups: {g1005: {max_pending: 0}}}'
"$TOPO" check -f "$TMPDIR/groups.yaml" --format json -o "$TMPDIR/groups.json" 2>/dev/null
t_eq "redis groups: the 1,005th group is found" "ok" \
	"$(t_jq "$TMPDIR/groups.json" '.checks[] | select(.id == "redis/key/joelclaw:queue:many") | .status')"
topology "$TMPDIR/groups2.yaml" "redis://127.0.0.1:$P1" \
	'- {key: "joelclaw:queue:many", type: stream, groups: {g1005: {}, nope: {}}}'
"$TOPO" check -f "$TMPDIR/groups2.yaml" --format json -o "$TMPDIR/groups2.json" 2>/dev/null
G2=$(t_jq "$TMPDIR/groups2.json" '.checks[] | select(.id == "redis/key/joelclaw:queue:many") | "\(.status) \(.message)"')
t_contains "redis groups: a missing group is drift after the whole answer" "$G2" "drift group nope is no"
t_not_contains "redis groups: only the missing group is named" "$G2" "g1005"

# --- drift, one cause each ---------------------------------------------------
topology "$TMPDIR/drift.yaml" "redis://127.0.0.1:$P1" \
	'- {key: "joelclaw:queue:missing", type: stream}' \
	'- {key: "joelclaw:gateway:sessions", type: zset}' \
	'- {key: "joelclaw:queue:priority", type: zset, max_length: 2}' \
	'- {key: "joelclaw:queue:events", type: stream, groups: {drainer: {max_pending: 1}}}' \
	'- {key: "joelclaw:queue:events2", type: stream, groups: {nobody: {max_pending: 1}}}' \
	'- {pattern: "joelclaw:webhook:*", min_count: 6}' \
	'- {pattern: "joelclaw:webhook:*[0-9]", max_count: 4}' \
	'- {key: "joelclaw:string", absent: true}'
t_exit "redis: drift exits 1" 1 \
	"$TOPO" check -f "$TMPDIR/drift.yaml" --format json -o "$TMPDIR/drift.json"
field() { t_jq "$TMPDIR/drift.json" ".checks[] | select(.id == \"$1\") | $2"; }
t_eq "redis: missing key" "drift missing" \
	"$(field redis/key/joelclaw:queue:missing '"\(.status) \(.drift)"')"
t_eq "redis: wrong type" "drift changed type is hash, expected zset" \
	"$(field redis/key/joelclaw:gateway:sessions '"\(.status) \(.drift) \(.message)"')"
t_eq "redis: length over max" "drift length is 3, expected <= 2" \
	"$(field redis/key/joelclaw:queue:priority '"\(.status) \(.message)"')"
t_eq "redis: pending over max" "drift group drainer pending is 2, expected <= 1" \
	"$(field redis/key/joelclaw:queue:events '"\(.status) \(.message)"')"
t_eq "redis: pattern under min_count" "drift count is 5, expected >= 6" \
	"$(field 'redis/pattern/joelclaw:webhook:*' '"\(.status) \(.message)"')"
t_eq "redis: pattern over max_count" "drift" \
	"$(field 'redis/pattern/joelclaw:webhook:*[0-9]' '.status')"
t_eq "redis: key declared absent but present" "drift extra" \
	"$(field redis/key/joelclaw:string '"\(.status) \(.drift)"')"
t_eq "redis: url given, so redis/ping is planned and ok" "ok" \
	"$(field redis/ping '.status')"

# Many keys: SCAN takes several round trips, each key counted once.
for i in $(seq 2500); do echo "SET bulk:$i x"; done |
	redis-cli -h 127.0.0.1 -p "$P1" --pipe >/dev/null 2>&1
topology "$TMPDIR/bulk.yaml" "redis://127.0.0.1:$P1" \
	'- {pattern: "bulk:*", min_count: 2500, max_count: 2500}' \
	'- {pattern: "bulk:1*", max_count: 10}'
"$TOPO" check -f "$TMPDIR/bulk.yaml" --format json -o "$TMPDIR/bulk.json" >/dev/null 2>&1
t_eq "redis: 2500 keys counted exactly" "ok" \
	"$(t_jq "$TMPDIR/bulk.json" '.checks[] | select(.id == "redis/pattern/bulk:*") | .status')"
t_contains "redis: in several SCAN round trips" \
	"$(t_jq "$TMPDIR/bulk.json" '.checks[] | select(.id == "redis/pattern/bulk:*") | .evidence')" \
	"-> 2500 keys in "
t_eq "redis: over max_count is drift, found early" "drift at least" \
	"$(t_jq "$TMPDIR/bulk.json" '.checks[] | select(.id == "redis/pattern/bulk:1*") | "\(.status) \(.evidence | capture("(?<a>at least)").a)"')"

# INFO fields: equality and patterns
topology "$TMPDIR/info.yaml" "redis://127.0.0.1:$P1" '- {key: "joelclaw:string"}'
echo '  expect: {version: "^0\\.", role: replica, aof_enabled: "0"}' >>"$TMPDIR/info.yaml"
"$TOPO" check -f "$TMPDIR/info.yaml" --format json -o "$TMPDIR/info.json" >/dev/null 2>&1
t_eq "redis: INFO drift is changed" "drift changed" \
	"$(t_jq "$TMPDIR/info.json" '.checks[] | select(.id == "redis/info") | "\(.status) \(.drift)"')"
t_contains "redis: INFO drift names role" \
	"$(t_jq "$TMPDIR/info.json" '.checks[] | select(.id == "redis/info") | .message')" \
	"role is master, expected replica"
t_contains "redis: INFO drift names the version pattern" \
	"$(t_jq "$TMPDIR/info.json" '.checks[] | select(.id == "redis/info") | .message')" \
	"not matching /^0\\./"

# A bad section: problems with file:line, the URL's password not quoted.
cat >"$TMPDIR/bad.yaml" <<EOF
version: 1
system: bad
redis:
  url: "http://:$PASSWORD@127.0.0.1:1"
  keys:
    - {key: a, pattern: b}
EOF
t_exit "redis: a bad section is invalid (exit 2)" 2 "$TOPO" validate -f "$TMPDIR/bad.yaml"
t_contains "redis: bad url at file:line" "$T_OUT$T_ERR" \
	"bad.yaml:4:8: redis: url: expected redis://host:port"
t_not_contains "redis: bad url does not quote the password" "$T_OUT$T_ERR" "$PASSWORD"

# --- database other than 0 ---------------------------------------------------
topology "$TMPDIR/db1.yaml" "redis://127.0.0.1:$P1/1" \
	'- {key: "only:in:db1", type: string}' '- {key: "joelclaw:string", absent: true}'
t_exit "redis: SELECT from the URL's /1" 0 "$TOPO" check -f "$TMPDIR/db1.yaml"

# --- a password-protected server ---------------------------------------------
topology "$TMPDIR/auth.yaml" "redis://127.0.0.1:$P2" '- {key: "guarded:key", type: string}'
echo '  password: ${REDIS_PASSWORD}' >>"$TMPDIR/auth.yaml"
topology "$TMPDIR/auth-url.yaml" "\"redis://:$PASSWORD@127.0.0.1:$P2\"" \
	'- {key: "guarded:key", type: string}'
topology "$TMPDIR/noauth.yaml" "redis://127.0.0.1:$P2" '- {key: "guarded:key", type: string}'

REDIS_PASSWORD=$PASSWORD t_exit "redis: right password (variable) ok" 0 \
	"$TOPO" check -f "$TMPDIR/auth.yaml"
t_exit "redis: right password (in the URL) ok" 0 \
	"$TOPO" check -f "$TMPDIR/auth-url.yaml"
t_contains "redis: the URL is shown without the password" "$T_OUT" \
	"redis://***@127.0.0.1:$P2"

# A URL with a user (ACL AUTH user password): the user is a secret too
# (SECURITY.md), shown as ***@ like the password, and redacted elsewhere.
redis-cli -h 127.0.0.1 -p "$P2" -a "$PASSWORD" --no-auth-warning \
	ACL SETUSER topo-reader on ">$PASSWORD" '~*' '&*' +@read +ping +info +select +auth >/dev/null
topology "$TMPDIR/auth-user.yaml" "\"redis://topo-reader:$PASSWORD@127.0.0.1:$P2\"" \
	'- {key: "guarded:key", type: string}'
t_exit "redis: user and password in the URL ok" 0 \
	"$TOPO" check -f "$TMPDIR/auth-user.yaml" --format text
t_contains "redis: the URL shows ***@ for user and password" "$T_OUT" "redis://***@127.0.0.1:$P2"
t_not_contains "redis: the user is not shown" "$T_OUT$T_ERR" "topo-reader"

REDIS_PASSWORD=wrong-password t_exit "redis: wrong password exits 1 (an error, not drift)" 1 \
	"$TOPO" check -f "$TMPDIR/auth.yaml" --format json -o "$TMPDIR/wrong.json"
t_eq "redis: wrong password: every check error" "error error" \
	"$(t_jq "$TMPDIR/wrong.json" '[.checks[].status] | join(" ")')"
t_contains "redis: wrong password: the reply is the reason" \
	"$(t_jq "$TMPDIR/wrong.json" '.checks[] | select(.id == "redis/ping") | .message')" \
	"WRONGPASS"
t_exit "redis: no password: NOAUTH is an error" 1 \
	"$TOPO" check -f "$TMPDIR/noauth.yaml" --format json -o "$TMPDIR/noauth.json"
t_contains "redis: NOAUTH reply text" \
	"$(t_jq "$TMPDIR/noauth.json" '.checks[] | select(.id == "redis/key/guarded:key") | "\(.status) \(.message)"')" \
	"error TYPE guarded:key: NOAUTH"

# The password in no output format, whether it came from a secret
# variable, from the URL, or was the wrong one.
leaks=""
for fmt in text json markdown junit; do
	for f in auth auth-url; do
		for pw in "$PASSWORD" "wrong-$PASSWORD"; do
			out=$(REDIS_PASSWORD=$pw "$TOPO" check -f "$TMPDIR/$f.yaml" --format "$fmt" 2>&1)
			case "$out" in *"$PASSWORD"*) leaks="$leaks $fmt/$f" ;; esac
			[ -n "$out" ] || leaks="$leaks $fmt/$f:empty"
		done
	done
	out=$("$TOPO" check -f "$TMPDIR/auth-url.yaml" --format "$fmt" --strict -o "$TMPDIR/out.$fmt" 2>&1)
	case "$out$(cat "$TMPDIR/out.$fmt")" in *"$PASSWORD"*) leaks="$leaks $fmt/-o" ;; esac
done
t_eq "redis: the password appears in no output format" "" "$leaks"

# --- TLS, refused, hung ------------------------------------------------------
topology "$TMPDIR/tls.yaml" "rediss://127.0.0.1:$P1" '- {key: "joelclaw:string"}'
"$TOPO" check -f "$TMPDIR/tls.yaml" --format json -o "$TMPDIR/tls.json" >/dev/null 2>&1
t_eq "redis: rediss:// without hiredis-ssl is unknown" "unknown unknown" \
	"$(t_jq "$TMPDIR/tls.json" '[.checks[].status] | join(" ")')"

topology "$TMPDIR/refused.yaml" "redis://127.0.0.1:$REFUSED" "${ALL_OK[@]}"
t_exit "redis: refused exits 1 (errors)" 1 \
	"$TOPO" check -f "$TMPDIR/refused.yaml" --format json -o "$TMPDIR/refused.json"
t_eq "redis: refused: all 9 checks error" "9" \
	"$(t_jq "$TMPDIR/refused.json" '[.checks[] | select(.status == "error")] | length')"
t_contains "redis: refused: the reason" \
	"$(t_jq "$TMPDIR/refused.json" '.checks[] | select(.id == "redis/key/joelclaw:set") | .message')" \
	"Connection refused"

# A listener that accepts and never answers: the reply timeout ends it.
python3 -c '
import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$TMPDIR/mute.port" &
t_cleanup "kill $!"
for _ in $(seq 100); do [ -s "$TMPDIR/mute.port" ] && break; sleep 0.05; done
topology "$TMPDIR/mute.yaml" "redis://127.0.0.1:$(cat "$TMPDIR/mute.port")" \
	'- {key: "joelclaw:string"}'
sed -i 's/timeout_ms: 2000/timeout_ms: 300/' "$TMPDIR/mute.yaml"
start=$(date +%s%N)
"$TOPO" check -f "$TMPDIR/mute.yaml" --format json -o "$TMPDIR/mute.json" >/dev/null 2>&1
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "redis: a mute server is error" "error error" \
	"$(t_jq "$TMPDIR/mute.json" '[.checks[].status] | join(" ")')"
if [ "$elapsed" -lt 5000 ]; then t_pass "redis: a mute server does not hang ($elapsed ms)"; else
	t_fail "redis: a mute server does not hang" "took $elapsed ms"; fi

# --- MONITOR: every command topo sends is in the read-only table ---------------
monitor_run() { # server-port cli-args... -- topo args...: commands seen
	local port=$1 log=$TMPDIR/monitor.$1 pid
	shift
	local cli=()
	while [ "$1" != "--" ]; do cli+=("$1"); shift; done
	shift
	redis-cli -h 127.0.0.1 -p "$port" "${cli[@]}" MONITOR >"$log" 2>/dev/null &
	pid=$!
	# MONITOR answers OK once it is on: wait for it.
	for _ in $(seq 100); do grep -q '^OK' "$log" && break; sleep 0.05; done
	"$TOPO" check "$@" >/dev/null 2>&1
	sleep 0.3
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# 1700000000.123456 [0 127.0.0.1:5555] "PING" ...
	sed -n 's/^[0-9.]* \[[^]]*\] "\([^"]*\)".*/\1/p' "$log" | tr a-z A-Z | sort | uniq -c
}

seen=$(monitor_run "$P1" -- -f "$TMPDIR/ok.yaml")
seen_db=$(monitor_run "$P1" -- -f "$TMPDIR/db1.yaml")
seen_auth=$(REDIS_PASSWORD=$PASSWORD monitor_run "$P2" -a "$PASSWORD" --no-auth-warning -- -f "$TMPDIR/auth.yaml")
bad=""
for cmd in $(printf '%s\n%s\n%s\n' "$seen" "$seen_db" "$seen_auth" | awk '{print $2}' | sort -u); do
	case " $READONLY " in *" $cmd "*) ;; *) bad="$bad $cmd" ;; esac
done
t_eq "redis: MONITOR saw only read-only commands" "" "$bad"
# The recording itself must have worked, or the test above proves nothing.
for cmd in PING INFO TYPE XLEN ZCARD HLEN LLEN SCARD STRLEN XINFO SCAN; do
	t_contains "redis: MONITOR recorded $cmd" "$seen" " $cmd"
done
t_contains "redis: MONITOR recorded SELECT" "$seen_db" " SELECT"
t_contains "redis: MONITOR recorded AUTH" "$seen_auth" " AUTH"
t_not_contains "redis: never KEYS" "$seen" " KEYS"
