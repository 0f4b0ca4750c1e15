#!/usr/bin/env bash
# tests/integration/http.sh: the http probe against the fixture server on
# 127.0.0.1: passing checks (status, body regex, JSON values, GraphQL POST,
# echoed bodies, redirects, HEAD), failing ones (wrong status, wrong body,
# JSON mismatch, latency), errors (refused, hang past its timeout, drip,
# reset, close, not JSON, a body over the cap), secrets (a header value and
# a URL password) absent from every output format, JSON path and URL
# validation, and concurrency: 200 checks against a 100 ms server.
# The fixture server itself gets a few checks first (garbage, route file,
# several ports, SIGTERM), since every other test leans on it.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

FIXTURE=$BUILD/tests/fixture-server
SECRET_HEADER=sekrit-header-value-42
URL_PASSWORD=hunter2pw

if [ ! -x "$FIXTURE" ] || [ ! -x "$TOPO" ]; then
	t_fail "http: build" "missing $FIXTURE or $TOPO (make SANITIZE=1)"
	exit 0
fi

# Fixture servers: t_fixture (tests/lib.sh). Their stderr (sanitizer
# reports) is shown at the end by stop_fixtures.
stop_fixtures() {
	local pid
	for pid in "${FIXTURE_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	FIXTURE_PIDS=()
	cat "$TMPDIR"/*.err 2>/dev/null
}

# ---------------------------------------------------------------- fixture
t_fixture self --port 0 --route 'GET /a 200 alpha' --route 'GET /b* 201 beta'
SELF=$FIXTURE_PORT
SELF_PID=$FIXTURE_PID
t_eq "fixture: stdout names each port" 2 "$(grep -c '^listening 127.0.0.1:[0-9]*$' "$TMPDIR/self.out")"
t_eq "fixture: pidfile" "$SELF_PID" "$(cat "$TMPDIR/self.pid")"
t_eq "fixture: route" "alpha" "$(curl -s --noproxy '*' "http://127.0.0.1:$SELF/a")"
t_eq "fixture: prefix route" "201 beta" "$(curl -s --noproxy '*' -w '%{http_code} ' -o "$TMPDIR/body" "http://127.0.0.1:$SELF/bxyz")$(cat "$TMPDIR/body")"
t_eq "fixture: unmatched is 404" "404 not found" "$(curl -s --noproxy '*' -w '%{http_code} ' -o "$TMPDIR/body" "http://127.0.0.1:$SELF/zzz")$(cat "$TMPDIR/body")"
SECOND=$(sed -n '2s/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMPDIR/self.ready")
t_eq "fixture: second port serves too" "alpha" "$(curl -s --noproxy '*' "http://127.0.0.1:$SECOND/a")"
# Garbage, oversized heads, bad lengths, chunked bodies: answered or
# dropped, never a crash; the server still answers afterwards.
python3 - "$SELF" <<'PY'
import os, random, socket, sys
port = int(sys.argv[1])
random.seed(7)
probes = [b"\x00\xff" * 100 + b"\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
          b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
          b"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
          b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
          b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"no colon\r\n\r\n",
          b"GET / HTTP/1.1\r\nbad header\r\n\r\n"]
probes += [os.urandom(random.randint(1, 3000)) for _ in range(100)]
for p in probes:
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        s.sendall(p)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
PY
t_eq "fixture: alive after garbage" "alpha" "$(curl -s --noproxy '*' -m 5 "http://127.0.0.1:$SELF/a")"
printf '# comment\n\nGET /file 200 from a route file\nPOST * 200 !echo\n' >"$TMPDIR/routes"
t_fixture routes --route-file "$TMPDIR/routes" --log "$TMPDIR/routes.log"
t_eq "fixture: route file" "from a route file" "$(curl -s --noproxy '*' "http://127.0.0.1:$FIXTURE_PORT/file")"
t_eq "fixture: echo" "posted body" "$(curl -s --noproxy '*' -d 'posted body' "http://127.0.0.1:$FIXTURE_PORT/x")"
: >"$TMPDIR/routes.log"
curl -s --noproxy '*' -o /dev/null -o /dev/null -o /dev/null "http://127.0.0.1:$FIXTURE_PORT/file" \
	"http://127.0.0.1:$FIXTURE_PORT/file" "http://127.0.0.1:$FIXTURE_PORT/file"
t_eq "fixture: keep-alive (3 requests)" 3 "$(grep -c 'GET /file' "$TMPDIR/routes.log")"
t_eq "fixture: keep-alive (1 connection)" 1 "$(cut -d' ' -f1 "$TMPDIR/routes.log" | sort -u | wc -l)"
kill "$SELF_PID"
wait "$SELF_PID"
t_eq "fixture: SIGTERM exits 0" 0 $?

# ---------------------------------------------------------------- probe
cat >"$TMPDIR/gql.json" <<'EOF'
{"data":{"apps":[{"name":"system-bus-host","functions":[{"id":"a"},{"id":"b"}]},
{"name":"system-bus-cluster","functions":[{"id":"c"},{"id":"d"},{"id":"e"}]}]}}
EOF
t_fixture main --log "$TMPDIR/main.log" \
	--route 'GET /health 200 {"status":"ok","version":"1.2.3"}' \
	--route 'GET /text 200 all systems healthy' \
	--route 'GET /notjson 200 <html>oops</html>' \
	--route "POST /graphql 200 @$TMPDIR/gql.json" \
	--route 'POST /echo 200 !echo' \
	--route 'PUT /echo 200 !echo' \
	--route 'GET /headers 200 !headers' \
	--route 'GET /hang 200 !hang' \
	--route 'GET /huge 200 !huge' \
	--route 'GET /redirect 302 !redirect /health' \
	--route 'GET /slow 200+400 slow' \
	--route 'GET /drip 200 !drip' \
	--route 'GET /reset 200 !reset' \
	--route 'GET /close 200 !close' \
	--route "GET /leak 200 $(printf 'x%.0s' $(seq 230))$SECRET_HEADER and more"
P=$FIXTURE_PORT
CLOSED=$(t_free_port)

cat >"$TMPDIR/http.yaml" <<EOF
version: 1
system: http-test
vars:
  HOST: 127.0.0.1
  API_KEY: $SECRET_HEADER
secrets: [API_KEY]
http:
  - name: health
    url: http://admin:$URL_PASSWORD@\${HOST}:$P/health
    expect:
      status: 200
      body_regex: '"status":"ok"'
      json: {"\$.status": ok, "\$.version": "1.2.3"}
      max_latency_ms: 2000
  - name: text
    url: http://\${HOST}:$P/text
    expect: {body_regex: "ok|healthy"}
  - name: wrong-status
    url: http://admin:$URL_PASSWORD@\${HOST}:$P/missing
  - name: wrong-body
    url: http://\${HOST}:$P/text
    expect: {body_regex: "^degraded"}
  - name: json-mismatch
    url: http://\${HOST}:$P/health
    expect: {json: {"\$.status": degraded}}
  - name: json-missing
    url: http://\${HOST}:$P/health
    expect: {json: {"\$.uptime": 5}}
  - name: refused
    url: http://127.0.0.1:$CLOSED/health
  - name: hang
    url: http://\${HOST}:$P/hang
    timeout_ms: 500
  - name: graphql
    url: http://\${HOST}:$P/graphql
    method: POST
    body: '{"query":"{ apps { name functions { id } } }"}'
    expect:
      json:
        "\$.data.apps[?name=system-bus-host].functions.length()": 2
        "\$.data.apps[?name=system-bus-cluster].functions.#": 3
  - name: graphql-drift
    url: http://\${HOST}:$P/graphql
    method: POST
    body: '{"query":"{ apps { name functions { id } } }"}'
    expect: {json: {"\$.data.apps[?name=system-bus-host].functions.length()": 101}}
  - name: echo-post
    url: http://\${HOST}:$P/echo
    method: POST
    body: '{"query":"ping","n":7}'
    expect: {json: {"\$.query": ping, "\$.n": 7}}
  - name: echo-put
    url: http://\${HOST}:$P/echo
    method: PUT
    body: plain text body
    expect: {body_regex: '^plain text body\$'}
  - name: secret-header
    url: http://\${HOST}:$P/headers
    headers: {X-Api-Key: "\${API_KEY}"}
    expect: {body_regex: "X-Api-Key: \${API_KEY}"}
  - name: secret-drift
    url: http://\${HOST}:$P/headers
    headers: {X-Api-Key: "\${API_KEY}"}
    expect: {body_regex: "X-Api-Key: nope"}
  - name: secret-in-body
    url: http://\${HOST}:$P/leak
    expect: {body_regex: "^nothing like it"}
  - name: not-json
    url: http://\${HOST}:$P/notjson
    expect: {json: {"\$.a": 1}}
  - name: huge
    url: http://\${HOST}:$P/huge
  - name: redirect
    url: http://\${HOST}:$P/redirect
    expect: {status: 302}
  - name: redirect-followed
    url: http://\${HOST}:$P/redirect
    follow_redirects: true
    expect: {json: {"\$.status": ok}}
  - name: slow
    url: http://\${HOST}:$P/slow
    expect: {max_latency_ms: 100}
  - name: drip
    url: http://\${HOST}:$P/drip
    timeout_ms: 700
  - name: reset
    url: http://\${HOST}:$P/reset
  - name: close
    url: http://\${HOST}:$P/close
  - name: head
    url: http://\${HOST}:$P/health
    method: HEAD
EOF

t_exit "check exits 1 on drift" 1 "$TOPO" check -f "$TMPDIR/http.yaml" --format json -o "$TMPDIR/r.json"
R=$TMPDIR/r.json
field() { jq -r --arg id "http/$1" ".checks[] | select(.id == \$id) | .$2" "$R"; }
expect_check() {	# NAME STATUS [DRIFT]
	t_eq "http/$1 status" "$2" "$(field "$1" status)"
	[ $# -ge 3 ] && t_eq "http/$1 drift" "$3" "$(field "$1" drift)"
	return 0
}
t_eq "every check reported" 24 "$(jq '.checks | length' "$R")"

expect_check health ok
t_contains "health: observed JSON values" "$(field health observed)" 'json:$.version = 1.2.3'
t_contains "health: evidence" "$(field health evidence)" "GET http://127.0.0.1:$P/health -> 200 in "
expect_check text ok
expect_check wrong-status drift changed
t_contains "wrong-status: observed 404" "$(field wrong-status observed)" "status = 404"
expect_check wrong-body drift changed
t_contains "wrong-body: observed body" "$(field wrong-body observed)" "all systems healthy"
expect_check json-mismatch drift changed
t_contains "json-mismatch: observed value" "$(field json-mismatch observed)" 'json:$.status = ok'
expect_check json-missing drift
t_contains "json-missing: not there" "$(field json-missing observed)" 'json:$.uptime = (none)'
expect_check refused error
t_eq "refused: message" "connection refused" "$(field refused message)"
expect_check hang error
t_eq "hang: message" "timed out after 500 ms" "$(field hang message)"
hang_ms=$(field hang duration_ms)
t_eq "hang: ended at its timeout (${hang_ms} ms)" 1 "$(jq -n "$hang_ms >= 450 and $hang_ms < 3000 | if . then 1 else 0 end")"
expect_check graphql ok
t_contains "graphql: function count" "$(field graphql observed)" 'functions.length() = 2'
expect_check graphql-drift drift changed
t_contains "graphql-drift: observed 2" "$(field graphql-drift observed)" 'functions.length() = 2'
t_contains "graphql-drift: expected 101" "$(field graphql-drift expected)" 'functions.length() = 101'
expect_check echo-post ok
expect_check echo-put ok
expect_check secret-header ok
expect_check secret-drift drift changed
t_contains "secret-drift: evidence shows the headers, redacted" "$(field secret-drift evidence)" "X-Api-Key: ***"
expect_check not-json error
t_contains "not-json: message" "$(field not-json message)" "not JSON"
expect_check huge error
t_eq "huge: message" "body larger than 1 MiB" "$(field huge message)"
expect_check redirect ok
expect_check redirect-followed ok
t_contains "redirect-followed: evidence" "$(field redirect-followed evidence)" "-> 200 after 1 redirect in "
expect_check slow drift changed
t_contains "slow: latency observed" "$(field slow observed)" "latency_ms = 4"
expect_check drip error
t_eq "drip: message" "timed out after 700 ms" "$(field drip message)"
expect_check reset error
expect_check close error
t_eq "close: message" "empty reply from server" "$(field close message)"
expect_check head ok
# batch_done per check, not at the end: the fast check's duration is its own,
# not the hang's 500 ms or the drip's 700 ms.
health_ms=$(field health duration_ms)
t_eq "health finished before the slow checks (${health_ms} ms)" 1 "$(jq -n "$health_ms < 400 | if . then 1 else 0 end")"
t_eq "summary counts" "ok=9 drift=8 error=7" "$(jq -r '"ok=\(.summary.ok) drift=\(.summary.drift) error=\(.summary.error)"' "$R")"

# Secrets: neither the header value nor the URL password, in any format.
for fmt in text json markdown junit; do
	"$TOPO" check -f "$TMPDIR/http.yaml" --format "$fmt" >"$TMPDIR/out.$fmt" 2>"$TMPDIR/err.$fmt"
	all=$(cat "$TMPDIR/out.$fmt" "$TMPDIR/err.$fmt")
	t_contains "$fmt: reports the secret-drift check" "$all" "secret-drift"
	# Not even a part of it: a value cut before redaction (the secret-in-body
	# check: the secret straddles the 240th byte) leaks its start.
	t_not_contains "$fmt: no part of the header value" "$all" "${SECRET_HEADER:0:8}"
	t_not_contains "$fmt: no URL password" "$all" "$URL_PASSWORD"
	t_not_contains "$fmt: no URL user" "$all" "admin:"
done
# The password was sent all the same (the fixture saw the request).
t_contains "the health check reached the server" "$(cat "$TMPDIR/main.log")" "GET /health -> 200"

# ---------------------------------------------------------------- validation
cat >"$TMPDIR/bad.yaml" <<EOF
version: 1
system: http-bad
http:
  - name: bad-path
    url: http://127.0.0.1:$P/health
    expect:
      json: {"\$.apps[?name": 1}
  - name: bad-scheme
    url: ftp://127.0.0.1/file
  - name: bad-url
    url: "http://exa mple.com:99999999/"
EOF
cat >"$TMPDIR/badmethod.yaml" <<EOF
version: 1
system: http-bad
http:
  - name: bad-method
    url: http://127.0.0.1:$P/
    method: FETCH
    expect: {status: 99}
EOF
t_exit "validate: bad topology exits 2" 2 "$TOPO" validate -f "$TMPDIR/bad.yaml"
t_contains "validate: bad JSON path with position" "$T_ERR$T_OUT" "bad.yaml:7:"
t_contains "validate: bad JSON path explained" "$T_ERR$T_OUT" "expected '='"
t_contains "validate: bad scheme" "$T_ERR$T_OUT" "bad.yaml:9:"
t_contains "validate: scheme explained" "$T_ERR$T_OUT" "http or https"
t_contains "validate: bad URL" "$T_ERR$T_OUT" "bad.yaml:11:"
t_exit "validate: bad method exits 2" 2 "$TOPO" validate -f "$TMPDIR/badmethod.yaml"
t_contains "validate: bad method" "$T_ERR$T_OUT" "badmethod.yaml:6:"
t_contains "validate: bad status" "$T_ERR$T_OUT" "badmethod.yaml:7:"

# ---------------------------------------------------------------- concurrency
t_fixture slow --delay 100 --log "$TMPDIR/slow.log"
SLOWP=$FIXTURE_PORT
{
	printf 'version: 1\nsystem: http-many\nhttp:\n'
	for i in $(seq 200); do
		printf '  - name: c%d\n    url: http://127.0.0.1:%d/c%d\n    timeout_ms: 30000\n' "$i" "$SLOWP" "$i"
	done
} >"$TMPDIR/many.yaml"
now() { date +%s.%N; }
t0=$(now)
t_exit "200 checks, default jobs: exit 0" 0 "$TOPO" check -f "$TMPDIR/many.yaml" --format json -o "$TMPDIR/many.json"
t1=$(now)
parallel=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
t_eq "200 checks, default jobs: all ok" 200 "$(jq '.summary.ok' "$TMPDIR/many.json")"
t_eq "200 checks x 100 ms in < 5 s (took ${parallel} s)" 1 "$(awk "BEGIN { print ($parallel < 5) }")"
: >"$TMPDIR/slow.log"
t0=$(now)
t_exit "200 checks, --jobs 1: exit 0" 0 "$TOPO" check -f "$TMPDIR/many.yaml" --jobs 1 --format json -o "$TMPDIR/one.json"
t1=$(now)
serial=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
t_eq "200 checks, --jobs 1: all ok" 200 "$(jq '.summary.ok' "$TMPDIR/one.json")"
# One at a time means at least 200 x 100 ms: the bound is honoured.
t_eq "--jobs 1 runs one at a time (took ${serial} s)" 1 "$(awk "BEGIN { print ($serial >= 20) }")"
t_eq "--jobs 1 reuses one connection" 1 "$(cut -d' ' -f1 "$TMPDIR/slow.log" | sort -u | wc -l)"
echo "timing: 200 http checks against a 100 ms server: default jobs ${parallel} s, --jobs 1 ${serial} s"

stop_fixtures
