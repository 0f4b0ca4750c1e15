#!/usr/bin/env bash
# tests/integration/http.sh: the http probe against the fixture server on
# 127.0.0.1: passing checks (status, body regex, JSON values, GraphQL POST,
# echoed bodies, redirects, HEAD), failing ones (wrong status, wrong body,
# JSON mismatch, latency), errors (refused, hang past its timeout, drip,
# reset, close, not JSON, a body over the cap), secrets (a header value and
# a URL password) absent from every output format, JSON path and URL
# validation; statuses as lists and classes, response headers,
# body_not_regex and redirects not followed (with their validation); and
# concurrency: 200 checks against a 100 ms server, proven by the fixture's
# count of requests in flight, never by wall time.
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
# Not before its timeout (a bound, not a wall-time race).
t_eq "hang: not ended before its timeout (${hang_ms} ms)" 1 "$(jq -n "$hang_ms >= 450 | if . then 1 else 0 end")"
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
# The route waits 400 ms: at least that is observed (a bound, not a race).
slow_ms=$(field slow observed | sed -n 's/.*latency_ms = \([0-9]*\).*/\1/p')
t_eq "slow: latency observed (${slow_ms:-none} ms >= 400)" 1 "$([ "${slow_ms:-0}" -ge 400 ] && echo 1 || echo 0)"
expect_check drip error
t_eq "drip: message" "timed out after 700 ms" "$(field drip message)"
expect_check reset error
expect_check close error
t_eq "close: message" "empty reply from server" "$(field close message)"
expect_check head ok
# batch_done per check, not at the end: the fast check's duration is its own,
# shorter than the hang's (which waits for its 500 ms timeout), not the
# batch's (compared with each other, not with a wall-time bound).
health_ms=$(field health duration_ms)
t_eq "health finished before the hang (${health_ms} < ${hang_ms} ms)" 1 "$(jq -n "$health_ms < $hang_ms | if . then 1 else 0 end")"
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
EOF
t_exit "validate: bad topology exits 2" 2 "$TOPO" validate -f "$TMPDIR/bad.yaml"
t_contains "validate: bad JSON path with position" "$T_ERR$T_OUT" "bad.yaml:7:"
t_contains "validate: bad JSON path explained" "$T_ERR$T_OUT" "expected '='"
t_contains "validate: bad scheme" "$T_ERR$T_OUT" "bad.yaml:9:"
t_contains "validate: scheme explained" "$T_ERR$T_OUT" "http or https"
t_contains "validate: bad URL" "$T_ERR$T_OUT" "bad.yaml:11:"
t_exit "validate: bad method exits 2" 2 "$TOPO" validate -f "$TMPDIR/badmethod.yaml"
t_contains "validate: bad method" "$T_ERR$T_OUT" "badmethod.yaml:6:"

# ---------------------------------------------------------------- assertions
# Statuses as lists and classes, response headers, body_not_regex, a
# redirect not followed; a response header and a body line holding a
# secret are shown redacted.
printf 'line one is fine\nline two too\nERROR: disk full near %s\nlast line\n' \
	"$SECRET_HEADER" >"$TMPDIR/log.txt"
t_fixture hdr --header "X-Token: $SECRET_HEADER" --header 'Cache-Control: no-store' \
	--header 'Set-Cookie: a=1' --header 'Set-Cookie: b=2' \
	--route 'GET /health 200 {"status":"ok"}' \
	--route 'GET /created 201 made' \
	--route 'GET /nocontent 204 ' \
	--route 'GET /error 500 boom' \
	--route 'GET /moved 301 !redirect /health' \
	--route "GET /log 200 @$TMPDIR/log.txt"
H=$FIXTURE_PORT
cat >"$TMPDIR/assert.yaml" <<EOF
version: 1
system: http-assert
vars:
  API_KEY: $SECRET_HEADER
secrets: [API_KEY]
http:
  - {name: list-ok, url: "http://127.0.0.1:$H/nocontent", expect: {status: [200, 204]}}
  - {name: list-drift, url: "http://127.0.0.1:$H/missing", expect: {status: [200, 204]}}
  - {name: class-ok, url: "http://127.0.0.1:$H/created", expect: {status: 2xx}}
  - {name: class-drift, url: "http://127.0.0.1:$H/error", expect: {status: 2xx}}
  - {name: mixed-ok, url: "http://127.0.0.1:$H/moved", expect: {status: [200, 3xx]}}
  - name: class-json
    url: http://127.0.0.1:$H/health
    expect: {status: 2XX, json: {"\$.status": ok}}
  - name: headers-ok
    url: http://127.0.0.1:$H/health
    expect: {headers: {Content-Type: "^application/json", cache-control: no-store, set-cookie: '^a=1, b=2\$'}}
  - name: header-missing
    url: http://127.0.0.1:$H/health
    expect: {headers: {X-Absent: ".*"}}
  - name: header-changed
    url: http://127.0.0.1:$H/health
    expect: {headers: {content-type: "^text/html"}}
  - name: header-secret
    url: http://127.0.0.1:$H/health
    expect: {headers: {x-token: "^nope"}}
  - name: body-not-ok
    url: http://127.0.0.1:$H/log
    expect: {body_not_regex: "panic|FATAL"}
  - name: body-not-drift
    url: http://127.0.0.1:$H/log
    expect: {body_not_regex: "ERROR: [a-z ]+"}
  - {name: moved, url: "http://127.0.0.1:$H/moved"}
  - {name: moved-301, url: "http://127.0.0.1:$H/moved", expect: {status: 301}}
  - {name: moved-followed, url: "http://127.0.0.1:$H/moved", follow_redirects: true}
EOF
t_exit "assertions: drift exits 1" 1 "$TOPO" check -f "$TMPDIR/assert.yaml" --format json -o "$TMPDIR/assert.json"
R=$TMPDIR/assert.json
t_eq "assertions: every check reported" 15 "$(jq '.checks | length' "$R")"
expect_check list-ok ok
expect_check list-drift drift changed
t_contains "list-drift: observed 404" "$(field list-drift observed)" "status = 404"
t_contains "list-drift: expected one of" "$(field list-drift expected)" "status one of 200|204"
expect_check class-ok ok
expect_check class-drift drift changed
t_contains "class-drift: observed 500" "$(field class-drift observed)" "status = 500"
expect_check mixed-ok ok
# JSON values are read when the status is one the class allows.
expect_check class-json ok
t_contains "class-json: the value read" "$(field class-json observed)" 'json:$.status = ok'
expect_check headers-ok ok
t_contains "headers-ok: evidence names each header" "$(field headers-ok evidence)" "; content-type: application/json; cache-control: no-store; set-cookie: a=1, b=2"
expect_check header-missing drift missing
t_contains "header-missing: message" "$(field header-missing message)" "header:x-absent not found"
t_contains "header-missing: evidence" "$(field header-missing evidence)" "x-absent: (none)"
expect_check header-changed drift changed
t_contains "header-changed: observed" "$(field header-changed observed)" "header:content-type = application/json"
t_contains "header-changed: evidence" "$(field header-changed evidence)" "content-type: application/json"
expect_check header-secret drift changed
t_contains "header-secret: evidence redacted" "$(field header-secret evidence)" "x-token: ***"
t_contains "header-secret: observed redacted" "$(field header-secret observed)" "header:x-token = ***"
expect_check body-not-ok ok
expect_check body-not-drift drift changed
t_contains "body-not-drift: evidence has the line" "$(field body-not-drift evidence)" "body line 3 matches /ERROR: [a-z ]+/: ERROR: disk full near ***"
t_contains "body-not-drift: observed" "$(field body-not-drift observed)" "body_not_regex = ERROR: disk full near ***"
expect_check moved drift changed
t_contains "moved: 301 observed" "$(field moved observed)" "status = 301"
t_contains "moved: Location in evidence" "$(field moved evidence)" "-> 301, Location: http://127.0.0.1:$H/health in "
expect_check moved-301 ok
expect_check moved-followed ok
t_contains "moved-followed: evidence" "$(field moved-followed evidence)" "-> 200 after 1 redirect in "
for fmt in text json markdown junit; do
	"$TOPO" check -f "$TMPDIR/assert.yaml" --format "$fmt" >"$TMPDIR/aout.$fmt" 2>&1
	t_not_contains "assertions, $fmt: no part of the secret" "$(cat "$TMPDIR/aout.$fmt")" "${SECRET_HEADER:0:8}"
done
t_exit "assertions: doc" 0 "$TOPO" doc -f "$TMPDIR/assert.yaml"
t_contains "doc: a status list" "$T_OUT" "status 200 or 204"
t_contains "doc: a status class" "$T_OUT" "status 2xx"
t_contains "doc: a header" "$T_OUT" "header Content-Type matches \`^application/json\`"
t_contains "doc: body_not_regex" "$T_OUT" "body does not match \`panic\\|FATAL\`"

# Bad statuses and header names: every one at its file:line:column.
cat >"$TMPDIR/badstatus.yaml" <<EOF
version: 1
system: http-bad
http:
  - {name: s1, url: "http://h/", expect: {status: "2yy"}}
  - {name: s2, url: "http://h/", expect: {status: []}}
  - {name: s3, url: "http://h/", expect: {status: 99}}
  - {name: s4, url: "http://h/", expect: {status: [200, 6xx]}}
  - {name: s5, url: "http://h/", expect: {status: {a: 1}}}
  - {name: s6, url: "http://h/", expect: {status: [[200]]}}
  - {name: h1, url: "http://h/", expect: {headers: {"bad name": x}}}
  - {name: h2, url: "http://h/", expect: {headers: {Content-Type: x, content-type: y}}}
EOF
# Patterns are the schema's (and a schema problem hides the planner's).
cat >"$TMPDIR/badregex.yaml" <<EOF
version: 1
system: http-bad
http:
  - {name: h3, url: "http://127.0.0.1:$H/", expect: {headers: {x-a: "("}}}
  - {name: b1, url: "http://127.0.0.1:$H/", expect: {body_not_regex: "[z-a]"}}
EOF
t_exit "validate: bad statuses exit 2" 2 "$TOPO" validate -f "$TMPDIR/badstatus.yaml"
V="$T_ERR$T_OUT"
t_contains "validate: 2yy" "$V" "badstatus.yaml:4:51: expect.status: '2yy' is not a status"
t_contains "validate: empty list" "$V" "badstatus.yaml:5:51:"
t_contains "validate: empty list explained" "$V" "empty list allows no status"
t_contains "validate: 99" "$V" "badstatus.yaml:6:51:"
t_contains "validate: 99 explained" "$V" "'99' is not a status"
t_contains "validate: 6xx in a list" "$V" "badstatus.yaml:7:57:"
t_contains "validate: a map" "$V" "badstatus.yaml:8:51:"
t_contains "validate: a nested list" "$V" "badstatus.yaml:9:52:"
t_contains "validate: header name" "$V" "badstatus.yaml:10:53:"
t_contains "validate: header declared twice" "$V" "badstatus.yaml:11:70:"
t_exit "validate: bad patterns exit 2" 2 "$TOPO" validate -f "$TMPDIR/badregex.yaml"
t_contains "validate: header regex" "$T_ERR$T_OUT" "badregex.yaml:4:"
t_contains "validate: body_not_regex" "$T_ERR$T_OUT" "badregex.yaml:5:"

# ---------------------------------------------------------------- concurrency
# Concurrency is shown by the fixture's count of requests in flight at
# once, not by wall time (machines are noisy): the default jobs overlap
# them, --jobs 1 never does.
max_in_flight() {	# PID STATS: stops the fixture, prints its maximum
	kill "$1"
	wait "$1" 2>/dev/null
	sed -n 's/^max_in_flight //p' "$2"
}
t_fixture slow --delay 100 --stats "$TMPDIR/slow.stats"
SLOWP=$FIXTURE_PORT
SLOW_PID=$FIXTURE_PID
{
	printf 'version: 1\nsystem: http-many\nhttp:\n'
	for i in $(seq 200); do
		printf '  - name: c%d\n    url: http://127.0.0.1:%d/c%d\n    timeout_ms: 30000\n' "$i" "$SLOWP" "$i"
	done
} >"$TMPDIR/many.yaml"
t_exit "200 checks, default jobs: exit 0" 0 "$TOPO" check -f "$TMPDIR/many.yaml" --format json -o "$TMPDIR/many.json"
t_eq "200 checks, default jobs: all ok" 200 "$(jq '.summary.ok' "$TMPDIR/many.json")"
parallel=$(max_in_flight "$SLOW_PID" "$TMPDIR/slow.stats")
t_eq "200 checks, default jobs: requests in flight together (max ${parallel:-none})" 1 \
	"$([ "${parallel:-0}" -gt 1 ] && echo 1 || echo 0)"
t_fixture slow1 --delay 100 --log "$TMPDIR/slow1.log" --stats "$TMPDIR/slow1.stats"
sed "s/127.0.0.1:$SLOWP/127.0.0.1:$FIXTURE_PORT/" "$TMPDIR/many.yaml" >"$TMPDIR/one.yaml"
t_exit "200 checks, --jobs 1: exit 0" 0 "$TOPO" check -f "$TMPDIR/one.yaml" --jobs 1 --format json -o "$TMPDIR/one.json"
t_eq "200 checks, --jobs 1: all ok" 200 "$(jq '.summary.ok' "$TMPDIR/one.json")"
t_eq "--jobs 1 reuses one connection" 1 "$(cut -d' ' -f1 "$TMPDIR/slow1.log" | sort -u | wc -l)"
t_eq "--jobs 1 runs one at a time" 1 "$(max_in_flight "$FIXTURE_PID" "$TMPDIR/slow1.stats")"

stop_fixtures
