#!/usr/bin/env bash
# tests/integration/serve.sh: `topo serve` as a fleet runs it. Two hosts
# (two topo serve instances, each its own small topology against its own
# loopback fixture server); host a has a planted drift (its service answers
# version-2, the topology says version-1), host b is clean. A real
# Prometheus on loopback scrapes both every second with the shipped alert
# rules (their for: shortened); through its HTTP API the drift must appear
# as topo_check_status{status="drift"} == 1 for host a's check only, and
# TopoDrift must fire for host a only. Both status pages are rendered in
# headless Chromium: the screenshot of a shows drift-coloured rows above
# the passing ones, b's none. Then the endpoints one by one, bad requests
# (404, 405, garbage, oversized headers), a flood of held and unread
# connections during which probing goes on (topo_runs_total) and a scrape
# from another address gets through, and SIGTERM: exit 0, nothing left.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

if [ ! -x "$BUILD/tests/fixture-server" ] || [ ! -x "$TOPO" ]; then
	t_fail "serve: build" "missing $BUILD/tests/fixture-server or $TOPO"
	exit 0
fi

# ---- two hosts ----
t_fixture fa --route 'GET /health 200 {"status":"ok"}' --route 'GET /version 200 version-2'
PA=$FIXTURE_PORT
t_fixture fb --route 'GET /health 200 {"status":"ok"}' --route 'GET /version 200 version-1'
PB=$FIXTURE_PORT
# Host b's health check carries a URL password: it must not be served.
SECRET=hunter2servepw
for h in a b; do
	port=$PA auth=""; [ $h = b ] && port=$PB auth="admin:$SECRET@"
	cat >"$TMPDIR/$h.yaml" <<YAML
version: 1
system: host-$h
http:
  - name: health
    url: http://${auth}127.0.0.1:$port/health
    expect: {status: 200, body_regex: '"status":"ok"'}
  - name: version
    url: http://127.0.0.1:$port/version
    expect: {status: 200, body_regex: 'version-1'}
YAML
done

# start_serve NAME TOPOLOGY: sets SERVE_PORT and SERVE_PID.
start_serve() {
	SERVE_PORT=$(t_free_port)
	"$TOPO" serve -f "$2" --listen "127.0.0.1:$SERVE_PORT" --interval 1s \
	    >"$TMPDIR/$1.out" 2>"$TMPDIR/$1.err" </dev/null &
	SERVE_PID=$!
	t_cleanup "kill $SERVE_PID"
}
start_serve sa "$TMPDIR/a.yaml"; SA=$SERVE_PORT; SA_PID=$SERVE_PID
start_serve sb "$TMPDIR/b.yaml"; SB=$SERVE_PORT; SB_PID=$SERVE_PID

get() { curl -s --noproxy '*' --max-time 10 "$@"; }
code() { curl -s --noproxy '*' --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }

# /readyz: 503 until a first run finished, then 200.
ready_a=""
for _ in $(seq 200); do
	c=$(code "http://127.0.0.1:$SA/readyz")
	[ -z "$ready_a" ] && ready_a=$c
	[ "$c" = 200 ] && [ "$(code "http://127.0.0.1:$SB/readyz")" = 200 ] && break
	sleep 0.05
done
t_eq "serve: /readyz 200 after the first run" 200 "$(code "http://127.0.0.1:$SA/readyz")"
t_contains "serve: says where it listens" "$(cat "$TMPDIR/sa.err")" "listening on 127.0.0.1:$SA"
t_eq "serve: /healthz" "200 ok" "$(code "http://127.0.0.1:$SA/healthz") $(get "http://127.0.0.1:$SA/healthz")"

# ---- /metrics ----
M=$(get "http://127.0.0.1:$SA/metrics")
t_contains "metrics: drift one-hot" "$M" 'topo_check_status{id="http/version",kind="http",layer="live",status="drift"} 1'
t_contains "metrics: ok is 0 for the drifted check" "$M" 'topo_check_status{id="http/version",kind="http",layer="live",status="ok"} 0'
t_contains "metrics: the clean check" "$M" 'topo_check_status{id="http/health",kind="http",layer="live",status="ok"} 1'
t_contains "metrics: drift class" "$M" 'topo_check_drift{id="http/version",kind="http",layer="live",class="changed"} 1'
t_contains "metrics: build info" "$M" 'topo_build_info{version="'
t_contains "metrics: per-check duration" "$M" 'topo_check_duration_seconds{id="http/health",kind="http",layer="live"} '
t_contains "metrics: per-check timestamp" "$M" 'topo_check_last_run_timestamp_seconds{id="http/health",kind="http",layer="live"} '
t_contains "metrics: totals" "$M" 'topo_checks{status="drift"} 1'
t_contains "metrics: TYPE lines" "$M" '# TYPE topo_runs_total counter'
t_not_contains "metrics: no evidence in labels" "$M" 'version-2'
t_eq "metrics: content type" "text/plain; version=0.0.4; charset=utf-8" \
    "$(curl -s --noproxy '*' -o /dev/null -w '%{content_type}' "http://127.0.0.1:$SA/metrics")"
if command -v promtool >/dev/null 2>&1; then
	printf '%s\n' "$M" >"$TMPDIR/metrics.txt"
	t_exit "metrics: promtool check metrics accepts the exposition" 0 \
	    sh -c "promtool check metrics <'$TMPDIR/metrics.txt'"
fi

# ---- /api/v1/report: the document of topo check --format json ----
get "http://127.0.0.1:$SA/api/v1/report" >"$TMPDIR/served.json"
"$TOPO" check -f "$TMPDIR/a.yaml" --format json >"$TMPDIR/check.json"
# What differs between two runs: times, and the latency in the evidence.
norm='del(.started_at, .duration_ms) | .checks |= map(del(.duration_ms) | .evidence |= sub(" in [0-9]+ ms"; ""))'
t_eq "report: same document as topo check --format json" \
    "$(jq -S "$norm" "$TMPDIR/check.json")" "$(jq -S "$norm" "$TMPDIR/served.json")"
t_eq "report: the drift" "drift changed" \
    "$(jq -r '.checks[] | select(.id=="http/version") | "\(.status) \(.drift)"' "$TMPDIR/served.json")"

all_b="$(get "http://127.0.0.1:$SB/")$(get "http://127.0.0.1:$SB/metrics")$(get "http://127.0.0.1:$SB/api/v1/report")"
t_contains "secrets: host b's pages are served" "$all_b" "http/health"
t_not_contains "secrets: a URL password is in none of /, /metrics, /api/v1/report" "$all_b" "$SECRET"

# ---- the HTML page ----
H=$(get "http://127.0.0.1:$SA/")
t_contains "html: meta refresh" "$H" '<meta http-equiv="refresh" content="1">'
t_not_contains "html: no script" "$H" '<script'
t_not_contains "html: no external asset" "$H" 'src='
t_contains "html: the problem row" "$H" '<tr class="drift"><td>drift (changed)</td><td><b>http/version</b>'
t_contains "html: observed, escaped" "$H" 'version-2'
pos_drift=$(grep -bo 'class="drift"' <<<"$H" | head -1 | cut -d: -f1)
pos_ok=$(grep -bo 'class="ok"' <<<"$H" | head -1 | cut -d: -f1)
t_eq "html: problems first" 1 "$([ -n "$pos_drift" ] && [ -n "$pos_ok" ] && [ "$pos_drift" -lt "$pos_ok" ] && echo 1 || echo 0)"

# ---- Prometheus scraping both ----
if ! command -v prometheus >/dev/null 2>&1; then
	echo "SKIP: prometheus missing (Debian package prometheus)"
else
	PP=$(t_free_port)
	sed 's/for: [0-9]*m/for: 3s/' "$ROOT/docs/prometheus/topo-alerts.rules.yml" \
	    >"$TMPDIR/alerts.yml"
	cat >"$TMPDIR/prom.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [alerts.yml]
scrape_configs:
  - job_name: topo
    static_configs:
      - targets: ['127.0.0.1:$SA']
        labels: {host: a}
      - targets: ['127.0.0.1:$SB']
        labels: {host: b}
YAML
	prometheus --config.file="$TMPDIR/prom.yml" --storage.tsdb.path="$TMPDIR/tsdb" \
	    --web.listen-address="127.0.0.1:$PP" --log.level=warn \
	    >"$TMPDIR/prom.out" 2>"$TMPDIR/prom.err" </dev/null &
	PROM_PID=$!
	t_cleanup "kill $PROM_PID"
	api() { curl -s --noproxy '*' --max-time 5 "http://127.0.0.1:$PP/api/v1/$1" "${@:2}"; }
	q='topo_check_status{status="drift"} == 1'
	series="" firing=""
	for _ in $(seq 120); do
		series=$(api query --data-urlencode "query=$q" |
		    jq -r '.data.result[]?.metric | "\(.host) \(.id) \(.kind) \(.layer)"' 2>/dev/null)
		firing=$(api alerts | jq -r '.data.alerts[]? | select(.state=="firing" and .labels.alertname=="TopoDrift") | "\(.labels.host) \(.labels.id)"' 2>/dev/null)
		[ -n "$series" ] && [ -n "$firing" ] && break
		sleep 0.5
	done
	t_eq "prometheus: the planted drift is the one series in drift" \
	    "a http/version http live" "$series"
	t_eq "prometheus: TopoDrift fires for host a's check only" "a http/version" "$firing"
	up=$(api query --data-urlencode 'query=sum(up{job="topo"})' | jq -r '.data.result[0].value[1]')
	t_eq "prometheus: both hosts up" 2 "$up"
	ok_b=$(api query --data-urlencode 'query=sum(topo_check_status{host="b",status="ok"})' | jq -r '.data.result[0].value[1]')
	t_eq "prometheus: host b all ok" 2 "$ok_b"
fi

# ---- the page in headless Chromium ----
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	echo "SKIP: chromium missing (Debian package chromium)"
else
	shot() {
		mkdir -p "$TMPDIR/chrome-$1"
		timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
		    --no-first-run --disable-background-networking --disable-component-update \
		    --disable-sync --user-data-dir="$TMPDIR/chrome-$1" --hide-scrollbars \
		    --screenshot="$TMPDIR/$1.png" --window-size=1200,900 "$2" \
		    >"$TMPDIR/chrome-$1.log" 2>&1
	}
	shot a "http://127.0.0.1:$SA/"
	shot b "http://127.0.0.1:$SB/"
	# Bands of pixel rows whose background is a status colour of
	# reports/html.c; prints "drift-rows ok-rows first-drift-y first-ok-y".
	rows() {
		python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = {"drift": (0xff, 0xc8, 0xc8), "ok": (0xdc, 0xf2, 0xdc)}
found = {k: [] for k in colours}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    for k, rgb in colours.items():
        n = sum(1 for x in range(0, w, 4) if tuple(line[x * bpp:x * bpp + 3]) == rgb)
        if n * 4 > w // 3:      # a third of the row is this background
            found[k].append(y)
first = lambda l: l[0] if l else -1
print(len(found["drift"]), len(found["ok"]), first(found["drift"]), first(found["ok"]))
PY
	}
	if [ -s "$TMPDIR/a.png" ] && [ -s "$TMPDIR/b.png" ]; then
		read -r da oa fda foa <<<"$(rows "$TMPDIR/a.png")"
		read -r db ob _ _ <<<"$(rows "$TMPDIR/b.png")"
		t_eq "chromium: host a's page shows a drift row" 1 "$([ "${da:-0}" -gt 5 ] && echo 1 || echo 0)"
		t_eq "chromium: host a's drift row above its passing rows" 1 \
		    "$([ "${fda:--1}" -ge 0 ] && [ "${foa:--1}" -gt "$fda" ] && echo 1 || echo 0)"
		t_eq "chromium: host b's page has no drift row" 0 "${db:-x}"
		t_eq "chromium: host b's page shows its passing rows" 1 "$([ "${ob:-0}" -gt 5 ] && echo 1 || echo 0)"
	else
		t_fail "chromium: screenshots taken" "$(tail -5 "$TMPDIR/chrome-a.log")"
	fi
fi

# ---- bad requests ----
t_eq "http: unknown path 404" 404 "$(code "http://127.0.0.1:$SA/nope")"
t_eq "http: POST 405" 405 "$(code -X POST --data x "http://127.0.0.1:$SA/metrics")"
t_eq "http: DELETE 405" 405 "$(code -X DELETE "http://127.0.0.1:$SA/")"
t_contains "http: 405 says what is allowed" \
    "$(curl -s --noproxy '*' -D - -o /dev/null -X PUT "http://127.0.0.1:$SA/")" "Allow: GET, HEAD"
t_eq "http: HEAD 200" 200 "$(code -I "http://127.0.0.1:$SA/metrics")"
python3 - "$SA" <<'PY'
import os, random, socket, sys
port = int(sys.argv[1])
random.seed(16)
reqs = [b"\x00\xff" * 100 + b"\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"no request line\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]
reqs += [os.urandom(random.randint(1, 3000)) for _ in range(50)]
for r in reqs:
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    try:
        s.sendall(r)
        s.recv(4096)
    except OSError:
        pass
    s.close()
PY
t_eq "http: alive after garbage" 200 "$(code "http://127.0.0.1:$SA/healthz")"

# ---- a flood: held, half-sent and unread connections ----
runs() { get "$@" | sed -n 's/^topo_runs_total \([0-9]*\)$/\1/p'; }
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SA_PID/status"; }
rss0=$(rss)
r0=$(runs "http://127.0.0.1:$SA/metrics")
python3 - "$SA" "$TMPDIR/flood.ready" "$TMPDIR/flood.stop" <<'PY' &
import os, socket, sys, time
port, ready, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
held = []
for i in range(300):
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        # a third half-send a request, a third ask for /metrics and never
        # read, a third send nothing
        if i % 3 == 0:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        elif i % 3 == 1:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
        held.append(s)
    except OSError:
        pass
open(ready, "w").write("%d\n" % len(held))
for _ in range(200):
    if os.path.exists(stop):
        break
    time.sleep(0.05)
PY
FLOOD_PID=$!
t_cleanup "kill $FLOOD_PID"
for _ in $(seq 200); do [ -s "$TMPDIR/flood.ready" ] && break; sleep 0.05; done
sleep 3
# Another address of loopback: the flood from 127.0.0.1 has used its share.
during=$(runs --interface 127.0.0.2 "http://127.0.0.1:$SA/metrics")
touch "$TMPDIR/flood.stop"
wait "$FLOOD_PID" 2>/dev/null
sleep 1.5
r1=$(runs "http://127.0.0.1:$SA/metrics")
rss1=$(rss)
echo "flood: $(cat "$TMPDIR/flood.ready") connections held; runs $r0 -> ${during:-none} (during) -> $r1; RSS ${rss0} kB -> ${rss1} kB"
t_eq "flood: probing went on (at least 2 runs during the flood)" 1 \
    "$([ -n "$r0" ] && [ -n "$r1" ] && [ "$r1" -ge $((r0 + 2)) ] && echo 1 || echo 0)"
t_eq "flood: a scrape from another address got through during it" 1 \
    "$([ -n "$during" ] && [ "$during" -ge "$r0" ] && echo 1 || echo 0)"
t_eq "flood: memory did not grow by more than 64 MiB" 1 \
    "$([ -n "$rss0" ] && [ -n "$rss1" ] && [ "$rss1" -lt $((rss0 + 65536)) ] && echo 1 || echo 0)"
t_eq "flood: serves again after it" 200 "$(code "http://127.0.0.1:$SA/healthz")"

# ---- the listening address ----
t_exit "listen: a name is refused" 2 "$TOPO" serve -f "$TMPDIR/b.yaml" --listen localhost:1
t_contains "listen: says why" "$T_ERR" "numeric address"
t_exit "listen: no port is refused" 2 "$TOPO" serve -f "$TMPDIR/b.yaml" --listen 127.0.0.1
t_exit "listen: a port in use is an error" 2 "$TOPO" serve -f "$TMPDIR/b.yaml" --listen "127.0.0.1:$SA"
t_contains "listen: port in use says so" "$T_ERR" "cannot listen on 127.0.0.1:$SA"
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	P6=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])')
	"$TOPO" serve -f "$TMPDIR/b.yaml" --listen "[::1]:$P6" 2>"$TMPDIR/s6.err" </dev/null &
	S6=$!
	t_cleanup "kill $S6"
	for _ in $(seq 100); do [ "$(code -g "http://[::1]:$P6/healthz")" = 200 ] && break; sleep 0.05; done
	t_eq "listen: [::1] serves" 200 "$(code -g "http://[::1]:$P6/healthz")"
	t_not_contains "listen: loopback raises no warning" "$(cat "$TMPDIR/s6.err")" "reachable from other machines"
	kill -TERM "$S6"; wait "$S6"
	t_eq "listen: [::1] stops with 0" 0 "$?"
else
	echo "SKIP: no IPv6 loopback"
fi
t_exit "serve: a broken topology exits 2" 2 "$TOPO" serve -f "$TMPDIR/none.yaml"

# ---- SIGTERM and SIGINT: clean stop, exit 0 (ASan: no leak), nothing left ----
kill -TERM "$SA_PID"; wait "$SA_PID"; rc=$?
t_eq "signal: SIGTERM exits 0" 0 "$rc"
kill -INT "$SB_PID"; wait "$SB_PID"; rc=$?
t_eq "signal: SIGINT exits 0" 0 "$rc"
t_eq "signal: no topo serve left" "" "$(pgrep -f "$TOPO serve -f $TMPDIR" || true)"
t_contains "signal: says it stops" "$(cat "$TMPDIR/sa.err")" "stopping"
