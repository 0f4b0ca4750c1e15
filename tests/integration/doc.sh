#!/usr/bin/env bash
# tests/integration/doc.sh: `topo doc`. The generated document of
# topologies/joelclaw.yaml has the reference's port map, launchd inventory
# and Kubernetes services rows; it is deterministic and committed up to
# date; verdicts come from --results (the run's time, not the clock) or
# --live (against a loopback fixture server); faults exit 2.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh" || exit 1
# This script writes files and runs git: only ever inside its scratch folder.
[ -n "${TMPDIR:-}" ] && [ -d "$TMPDIR" ] && [ "$TMPDIR" != / ] || { echo "FAIL: no scratch folder"; exit 1; }

TOPOLOGY=$ROOT/topologies/joelclaw.yaml
REFERENCE=$ROOT/../shared/reference/system-architecture.md
FIXTURE=$BUILD/tests/fixture-server
cd "$ROOT" || exit 1

# ---- deterministic, and the committed document is up to date
t_exit "doc: renders" 0 "$TOPO" doc -f topologies/joelclaw.yaml -o "$TMPDIR/a.md"
t_exit "doc: renders again (stdout)" 0 "$TOPO" doc -f topologies/joelclaw.yaml
printf '%s\n' "$T_OUT" >"$TMPDIR/b.md"
t_eq "doc: same input, same bytes" "$(sha256sum <"$TMPDIR/a.md")" "$(sha256sum <"$TMPDIR/b.md")"
HOME=/nonexistent REPO_UNUSED=1 "$TOPO" doc -f topologies/joelclaw.yaml -o "$TMPDIR/c.md"
t_eq "doc: the same bytes under another HOME (no machine paths)" \
    "$(sha256sum <"$TMPDIR/a.md")" "$(sha256sum <"$TMPDIR/c.md")"
t_eq "doc: docs/system-architecture.md is what topo doc makes (run make doc)" \
    "$(sha256sum <"$TMPDIR/a.md")" "$(sha256sum <"$ROOT/docs/system-architecture.md")"
DOC=$(cat "$TMPDIR/a.md")
t_contains "doc: says it is unverified" "$DOC" "**Unverified.**"
t_contains "doc: rows unverified" "$DOC" "| unverified |"
t_not_contains "doc: no verified time without results" "$DOC" "**Verified"
for s in "## 1) Physical Topology" "## 2) Process Inventory (Long-Running)" \
    "## 3) Worker Architecture (Role Split + Registration)" "## 4) Event Flow" \
    "## 5) Port Map (Canonical)" "## 6) Storage Topology" "## 7) Networking Topology" \
    "## 8) CLI Wiring" "## 10) Key ADR Topology Decisions" "## 10.1) Sandbox Execution Contract" \
    "## 11) Verification Commands" "## 12) Known Unknowns" "## 13) Mandatory Update Policy"; do
	t_contains "doc: section $s" "$DOC" "$s"
done
t_contains "doc: a secret's reference, not its value" "$DOC" 'X-TYPESENSE-API-KEY' 
TYPESENSE_API_KEY=hunter2-secret "$TOPO" doc -f topologies/joelclaw.yaml -o "$TMPDIR/s.md"
t_not_contains "doc: a secret's value never shown" "$(cat "$TMPDIR/s.md")" "hunter2-secret"
t_contains "doc: the stale recipe" "$DOC" "topo stale -f topologies/joelclaw.yaml --changed -"

# ---- the tables against the reference's tables (parsed from both)
cat >"$TMPDIR/compare.py" <<'PY'
import re, sys

def tables(path):
    """Every Markdown table of a file: (header cells, rows of cells)."""
    out, cur = [], None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if cur is None:
                cur = (cells, [])
                out.append(cur)
            elif not all(re.fullmatch(r":?-+:?", c) for c in cells):
                cur[1].append(cells)
        else:
            cur = None
    return out

def table(path, first):
    for head, rows in tables(path):
        if head and head[0] == first:
            return head, rows
    sys.exit("no table starting with %r in %s" % (first, path))

def norm(s):
    return re.sub(r"\s+", " ", s.replace("`", "")).strip()

def nums(s):
    return sorted(set(int(n) for n in re.findall(r"\d+", s)))

def words(s, vocab):
    return sorted(set(w for w in vocab if w in s))

def cols(head, rows, names):
    idx = [head.index(n) for n in names]
    return [[r[i] for i in idx] for r in rows]

ref, gen, what = sys.argv[1], sys.argv[2], sys.argv[3]
if what == "ports":
    names = ["Port", "Listener / owner", "What it is", "Exposure path"]
    a = [[norm(c) for c in r] for r in cols(*table(ref, "Port"), names)]
    b = [[norm(c) for c in r] for r in cols(*table(gen, "Port"), names)]
elif what == "launchd":
    # launchd's vocabulary: the reference's wording of a state, as topo's states.
    state = {"retired / rollback-only": "retired", "spawn scheduled": "scheduled"}
    names = ["Launchd label", "State", "Role", "Ports / endpoints"]
    a = [[norm(c) for c in r] for r in cols(*table(ref, "Launchd label"), names)]
    for r in a:
        r[1] = state.get(r[1], r[1])
    b = [[norm(c) for c in r] for r in cols(*table(gen, "Launchd label"), names)]
elif what == "k8s":
    names = ["Service", "Workload kind", "Service type", "Service port(s)",
             "NodePort(s) / exposure", "Role"]
    def key(r):
        return [norm(r[0]), words(r[1], ["StatefulSet", "Deployment"]),
                words(r[2], ["NodePort", "ClusterIP"]), nums(r[3]), nums(r[4]), norm(r[5])]
    a = [key(r) for r in cols(*table(ref, "Service"), names)]
    b = [key(r) for r in cols(*table(gen, "Service"), names)]
else:
    sys.exit("what?")
if a != b:
    for x, y in zip(a, b):
        if x != y:
            print("reference: %s\ngenerated: %s" % (x, y))
    if len(a) != len(b):
        print("rows: reference %d, generated %d" % (len(a), len(b)))
    sys.exit(1)
print("%d rows" % len(a))
PY
if [ -f "$REFERENCE" ]; then
for what in ports launchd k8s; do
	out=$(python3 "$TMPDIR/compare.py" "$REFERENCE" "$TMPDIR/a.md" "$what" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then t_pass "doc: $what table has the reference's rows ($out)"; else
		t_fail "doc: $what table has the reference's rows" "$out"; fi
done
# The comparison itself must be able to fail: one changed value is found.
sed 's/| 8289 | ssh forward (Colima) -> Inngest ws |/| 8289 | ssh forward (Colima) -> Inngest WS |/' \
    "$TMPDIR/a.md" >"$TMPDIR/changed.md"
t_exit "doc: the table comparison sees a changed cell" 1 python3 "$TMPDIR/compare.py" \
    "$REFERENCE" "$TMPDIR/changed.md" ports
grep -v '^| `com.joel.vault-log-sync`' "$TMPDIR/a.md" >"$TMPDIR/dropped.md"
t_exit "doc: the table comparison sees a missing row" 1 python3 "$TMPDIR/compare.py" \
    "$REFERENCE" "$TMPDIR/dropped.md" launchd
else
	t_skip "doc: tables against the reference" "$REFERENCE is absent (../shared is not beside the project)"
fi

# ---- verdicts from a results file: the run's time, every row's verdict
cat >"$TMPDIR/results.json" <<'JSON'
{"topo_json_version": 1, "system": "joelclaw", "started_at": "2001-02-03T04:05:06Z",
 "layers": "all", "exit_code": 1, "summary": {},
 "checks": [
  {"id": "launchd/com.joel.talon", "layer": "live", "status": "ok", "drift": null, "extra": false},
  {"id": "launchd/com.joel.talon/plist", "layer": "static", "status": "drift", "drift": "missing", "extra": false},
  {"id": "port/8289", "layer": "live", "status": "drift", "drift": "changed", "observed": "state = closed", "extra": false},
  {"id": "port/3111", "layer": "live", "status": "ok", "drift": null, "extra": false},
  {"id": "k8s/joelclaw/Service/debug-svc/manifest", "layer": "static", "status": "drift", "drift": "extra", "observed": "Service/debug-svc", "extra": true}
 ]}
JSON
t_exit "doc --results: renders" 0 "$TOPO" doc -f topologies/joelclaw.yaml --results "$TMPDIR/results.json" -o "$TMPDIR/r1.md"
"$TOPO" doc -f topologies/joelclaw.yaml --results "$TMPDIR/results.json" -o "$TMPDIR/r2.md"
t_eq "doc --results: same results, same bytes" "$(sha256sum <"$TMPDIR/r1.md")" "$(sha256sum <"$TMPDIR/r2.md")"
R=$(cat "$TMPDIR/r1.md")
t_contains "doc --results: verified at the run's time" "$R" "**Verified 2001-02-03T04:05:06Z** (layers: all): 2 ok, 3 drift, 0 error, 0 unknown, 0 skipped"
t_not_contains "doc --results: not unverified" "$R" "**Unverified.**"
t_contains "doc --results: a row with both layers" "$R" \
    '| `com.joel.talon` | running | Infra watchdog | health `127.0.0.1:9999` | live ok, static drift missing (2001-02-03T04:05:06Z) |'
t_contains "doc --results: a drifted port" "$R" "| drift changed (2001-02-03T04:05:06Z) |"
t_contains "doc --results: an ok port" "$R" "| local host; proxied via Caddy 3443 + webhook path via 8443 | ok (2001-02-03T04:05:06Z) |"
t_contains "doc --results: a check not in the results" "$R" "| not run (2001-02-03T04:05:06Z) |"
t_contains "doc --results: doc-only rows are not checked" "$R" "| ClusterIP only | not checked |"
t_contains "doc --results: extras listed" "$R" '| `k8s/joelclaw/Service/debug-svc/manifest` | drift extra (static) | Service/debug-svc |'

# A real report of topo check: every check id in it is found by a row or the drift list.
"$TOPO" check -f topologies/joelclaw.yaml --layer static --set REPO="$TMPDIR/nowhere" \
    --format json -o "$TMPDIR/check.json"
"$TOPO" doc -f topologies/joelclaw.yaml --results "$TMPDIR/check.json" -o "$TMPDIR/r3.md"
started=$(jq -r .started_at "$TMPDIR/check.json")
t_contains "doc --results: a topo check report's time" "$(cat "$TMPDIR/r3.md")" "**Verified $started**"
t_contains "doc --results: skipped live checks" "$(cat "$TMPDIR/r3.md")" "live skipped, static error ($started)"

# ---- faults
t_exit "doc: --live and --results together" 2 "$TOPO" doc -f topologies/joelclaw.yaml --live --results "$TMPDIR/results.json"
echo '{"checks": []}' >"$TMPDIR/bad.json"
t_exit "doc: a results file of another kind" 2 "$TOPO" doc -f topologies/joelclaw.yaml --results "$TMPDIR/bad.json"
t_contains "doc: says why" "$T_ERR" "topo_json_version"
t_exit "doc: a missing results file" 2 "$TOPO" doc -f topologies/joelclaw.yaml --results "$TMPDIR/none.json"
cat >"$TMPDIR/badtable.yaml" <<'YAML'
version: 1
system: t
doc:
  sections:
    - title: One
      blocks:
        - table: portz
YAML
t_exit "doc: an unknown table" 2 "$TOPO" doc -f "$TMPDIR/badtable.yaml" -o "$TMPDIR/bt.md"
t_contains "doc: names where" "$T_ERR" "badtable.yaml:7:"
t_contains "doc: names the table" "$T_ERR" "no table named 'portz'"
t_eq "doc: nothing written on a fault" "no" "$([ -e "$TMPDIR/bt.md" ] && echo yes || echo no)"
t_eq "doc: no temporary file left" "" "$(ls -a "$TMPDIR" | grep '^\.topo-doc' || true)"
cat >"$TMPDIR/badsvc.yaml" <<'YAML'
version: 1
system: t
kubernetes:
  namespaces:
    ns: {services: [{name: a, type: ClusterIP, ports: [80]}]}
doc:
  core_services:
    - {service: B, namespace: ns, services: [b]}
  sections:
    - {title: K, blocks: [{table: kubernetes}]}
YAML
t_exit "doc: a core service row naming an undeclared Service" 2 "$TOPO" doc -f "$TMPDIR/badsvc.yaml"
t_contains "doc: says which" "$T_ERR" "Service b is not declared"

# ---- --live: a small topology against a loopback fixture server, default layout
PORT=$(t_free_port)
CLOSED=$(t_free_port)
"$FIXTURE" --bind 127.0.0.1 --port "$PORT" --ready-file "$TMPDIR/ready" \
    --route 'GET /health 200 {"status":"ok"}' >/dev/null 2>&1 &
t_cleanup "kill $!"
t_wait_port "$PORT" 10
cat >"$TMPDIR/live.yaml" <<YAML
version: 1
system: live-doc
ports:
  - {port: $PORT, owner: fixture, what: health, exposure: loopback}
  - {port: $CLOSED, owner: nobody, what: nothing, exposure: none}
http:
  - name: health
    url: http://127.0.0.1:$PORT/health
    expect: {status: 200, json: {"\$.status": ok}}
unknowns:
  - {what: Something unobservable, verify: look at it}
YAML
t_exit "doc --live: runs the checks, a drift exits 1" 1 "$TOPO" doc -f "$TMPDIR/live.yaml" --live
L=$T_OUT
cat >"$TMPDIR/live-ok.yaml" <<YAML
version: 1
system: live-ok
ports:
  - {port: $PORT, owner: fixture, what: health, exposure: loopback}
YAML
t_exit "doc --live: all ok exits 0" 0 "$TOPO" doc -f "$TMPDIR/live-ok.yaml" --live
cat >"$TMPDIR/live-down.yaml" <<YAML
version: 1
system: live-down
http:
  - {name: down, url: "http://127.0.0.1:$CLOSED/"}
YAML
t_exit "doc --live: a service down (error) exits 1" 1 "$TOPO" doc -f "$TMPDIR/live-down.yaml" --live -o "$TMPDIR/live-down.md"
t_contains "doc --live: the document is still written" "$(cat "$TMPDIR/live-down.md")" "0 ok, 0 drift, 1 error"
t_contains "doc --live: verified" "$L" "**Verified "
t_contains "doc --live: summary" "$L" "2 ok, 1 drift, 0 error, 1 unknown, 0 skipped"
t_contains "doc --live: listening port ok" "$L" "| $PORT | fixture | health | loopback | ok ("
t_contains "doc --live: closed port drift" "$L" "| $CLOSED | nobody | nothing | none | drift changed ("
t_contains "doc --live: http row" "$L" "| health |  | GET \`http://127.0.0.1:$PORT/health\` | status 200; \`\$.status\` = ok | ok ("
t_contains "doc --live: declared unknown" "$L" "| Something unobservable | \`look at it\` |  | unknown ("
t_contains "doc --live: default layout title" "$L" "# live-doc"

# ---- every planned check of joelclaw.yaml is shown by exactly one row
cd "$ROOT" || exit 1
# One check runs (the first topo list names), every other is skipped: each
# still has its row. (--only matching nothing is a usage error.)
first=$("$TOPO" list -f topologies/joelclaw.yaml | sed -n '1s/ .*//p')
"$TOPO" check -f topologies/joelclaw.yaml --only "$first" --format json -o "$TMPDIR/all.json"
"$TOPO" doc -f topologies/joelclaw.yaml --results "$TMPDIR/all.json" -o "$TMPDIR/all.md"
shown=$(python3 - "$TMPDIR/all.md" <<'PY'
import re, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"\| ([^|]*) \(\d{4}-\d\d-\d\dT[^)]*\) \|$", line.rstrip("\n"))
    if m:
        n += len(m.group(1).split(", "))
print(n)
PY
)
t_eq "doc: every check of joelclaw.yaml has a row" "$(jq '.checks | length' "$TMPDIR/all.json")" "$shown"

# ---- odd doc: content (the schema does not check it): a message, never a crash
hostile() { # NAME EXPECTED_EXIT NEEDLE YAML-BODY
	printf 'version: 1\nsystem: t\nkubernetes:\n  namespaces:\n    ns: {services: [{name: a, type: NodePort, ports: [{port: 80, node_port: 30080}]}]}\n%s\n' "$4" >"$TMPDIR/h.yaml"
	t_exit "doc: odd doc: $1" "$2" "$TOPO" doc -f "$TMPDIR/h.yaml"
	[ -n "$3" ] && t_contains "doc: odd doc: $1: message" "$T_ERR$T_OUT" "$3"
}
hostile "a scalar doc" 0 "# t" 'doc: 5'
hostile "sections a map" 2 "sections is a list" 'doc: {sections: {a: b}}'
hostile "a section a string" 2 "a section is" 'doc: {sections: [x]}'
hostile "a block a string" 2 "a block is" 'doc: {sections: [{title: T, blocks: [x]}]}'
hostile "a block without table or markdown" 2 "a block is" 'doc: {sections: [{title: T, blocks: [{select: x}]}]}'
hostile "a row a string" 2 "a row is a map" 'doc: {core_services: [x], sections: [{title: T, blocks: [{table: kubernetes}]}]}'
hostile "services a map" 2 "services is a list" 'doc: {core_services: [{namespace: ns, services: {a: b}}], sections: [{title: T, blocks: [{table: kubernetes}]}]}'
hostile "a Service named by a map" 2 "named by a string" 'doc: {core_services: [{namespace: ns, services: [{a: b}]}], sections: [{title: T, blocks: [{table: kubernetes}]}]}'
hostile "an undeclared workload" 2 "workload Deployment/x is not declared" 'doc: {core_services: [{namespace: ns, workload: Deployment/x}], sections: [{title: T, blocks: [{table: kubernetes}]}]}'
hostile "adrs rows strings" 2 "a table row is a map" 'doc: {adrs: [x], sections: [{title: T, blocks: [{table: adrs}]}]}'
hostile "a select list of maps" 0 "" 'doc: {sections: [{title: T, blocks: [{table: sources, select: [{a: b}]}]}]}'
hostile "a good row" 0 '| A | Service only | NodePort (`a`) | 80 | 30080 | r |' 'doc: {core_services: [{service: A, namespace: ns, services: [a], role: r}], sections: [{title: T, blocks: [{table: kubernetes}]}]}'
hostile "a table cell with a pipe" 0 '| x \| y |' 'doc: {cli: [{family: "x | y", backend: b}], sections: [{title: T, blocks: [{table: cli}]}]}'

# ---- credentials written into URLs never reach the document
cat >"$TMPDIR/creds.yaml" <<'YAML'
version: 1
system: creds
http:
  - {name: h, url: "http://joel:hunter2pw@127.0.0.1:1/x"}
redis:
  url: redis://:redispw99@127.0.0.1:6379/0
caddy:
  admin: http://admin:caddypw77@localhost:2019
  routes:
    - {site: ":8443", to: "localhost:1"}
YAML
t_exit "doc: a topology with URL credentials" 0 "$TOPO" doc -f "$TMPDIR/creds.yaml"
for pw in hunter2pw redispw99 caddypw77; do
	t_not_contains "doc: no URL password $pw" "$T_OUT" "$pw"
done
t_contains "doc: userinfo shown as ***@" "$T_OUT" 'http://***@127.0.0.1:1/x'
t_contains "doc: redis userinfo shown as ***@" "$T_OUT" 'redis://***@127.0.0.1:6379/0'
t_contains "doc: caddy admin userinfo shown as ***@" "$T_OUT" 'http://***@localhost:2019'
