#!/usr/bin/env bash
# secrets.sh: one marker secret in every place a secret can live, and a grep
# of every place topo writes for it. The markers all start with "SeKrEt"
# followed by where they were planted, so a leak says where it came from and
# a cut one (the first six bytes of a secret) is still caught:
#   SeKrEt1var  a secret variable from the environment (HTTP header, command
#               argv, a Redis key: in a check id too)
#   SeKrEt2set  a secret variable given with --set (URL path, command argv,
#               a check name, a Redis pattern, the system's name)
#   SeKrEt3url  HTTP URL userinfo (written in the file, not a variable)
#   SeKrEt4hdr  an HTTP header value written in the file, echoed back by the server
#   SeKrEt5rds  the Redis password in the URL; SeKrEt6rdp the password: variable
#   SeKrEt7env  launchctl's environment, inherited and default environment blocks
#   SeKrEt8pls  a plist's EnvironmentVariables (the static launchd layer)
#   SeKrEt9k8s  kubectl output: a container's env value and a Secret's data
#   SeKrEtAsdu  systemctl show and unit files: Environment= lines
#   SeKrEtBval  a secret variable whose value is invalid where it is used
# Written places: check in every format to stdout and with -o, stderr,
# validate, the generated document, and the dashboard's screen (tmux).
. "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
t_need_shared "secrets"

FIXTURES="$ROOT/../shared/fixtures"
for tool in redis-server redis-cli jq tmux; do
	command -v "$tool" >/dev/null 2>&1 || { t_fail "$tool is installed"; exit 0; }
done

# leaks NAME FILE...: no marker (nor the first six bytes of one) in the files.
# The Basic credentials curl sends for http://admin:SeKrEt3url@ (and an
# echo of them), with and without padding.
BASIC=$(printf 'admin:SeKrEt3url' | base64)
leaks() {
	local name=$1 found
	shift
	found=$(grep -aoh -e 'SeKrEt[0-9A-Za-z]*' -e "${BASIC%%=*}" "$@" 2>/dev/null |
		sort -u | tr '\n' ' ')
	t_eq "$name: no secret" "" "$found"
}

# --- servers and recorded tool outputs ---------------------------------------
t_fixture fixture \
	--route 'GET /headers 200 !headers' \
	--route 'GET /tokjson 200 {"auth":"Bearer SeKrEtClit"}' \
	--route 'GET * 200 {"status":"ok"}'
HP=$FIXTURE_PORT

RP=$(t_free_port)
redis-server --bind 127.0.0.1 --port "$RP" --save '' --appendonly no --dir "$TMPDIR" \
	--requirepass SeKrEt5rds >"$TMPDIR/redis.log" 2>&1 &
t_cleanup "kill $!"
t_wait_port "$RP" || { t_fail "redis started" "$(cat "$TMPDIR/redis.log")"; exit 0; }
redis-cli -p "$RP" -a SeKrEt5rds --no-auth-warning set app:key v >/dev/null

# launchctl: a running job whose every environment block holds the marker.
mkdir -p "$TMPDIR/launchctl" "$TMPDIR/kubectl" "$TMPDIR/systemctl" "$TMPDIR/plists" "$TMPDIR/units"
sed -e 's|GATEWAY_TOKEN => .*|GATEWAY_TOKEN => SeKrEt7env-environment|' \
    -e 's|SSH_AUTH_SOCK => .*|SSH_AUTH_SOCK => SeKrEt7env-inherited|' \
    -e 's|PATH => .*|PATH => /bin:SeKrEt7env-default|' \
	"$FIXTURES/launchctl/running.txt" >"$TMPDIR/launchctl/com.joel.gateway.txt"
t_eq "launchctl sample holds the markers" 3 \
	"$(grep -c SeKrEt7env "$TMPDIR/launchctl/com.joel.gateway.txt")"
# plists: the repository's, with the marker in EnvironmentVariables.
for f in "$FIXTURES"/joelclaw-repo/infra/launchd/*.plist; do
	sed 's|<key>PATH</key>|<key>API_TOKEN</key><string>SeKrEt8pls</string><key>PATH</key>|' \
		"$f" >"$TMPDIR/plists/$(basename "$f")"
done
t_eq "plists hold the marker" 2 "$(grep -l SeKrEt8pls "$TMPDIR"/plists/*.plist | wc -l)"
# kubectl: the recorded namespace, a container env value and a Secret added.
jq '.items[0].spec.template.spec.containers[0].env += [{"name": "TOKEN", "value": "SeKrEt9k8s"}]
    | .items += [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds",
      "namespace": "joelclaw", "annotations": {"note": "SeKrEt9k8s"}}, "data": {"token": "SeKrEt9k8s"}}]' \
	"$FIXTURES/kubectl/get-sts-deploy-svc.json" >"$TMPDIR/kubectl/joelclaw.json"
t_eq "kubectl sample holds the marker" 3 "$(grep -o SeKrEt9k8s "$TMPDIR/kubectl/joelclaw.json" | wc -l)"
# systemctl show and a unit file, each with Environment= lines.
printf '%s\n' LoadState=loaded ActiveState=active SubState=running MainPID=4242 \
	ExecMainStatus=0 'Environment=TOKEN=SeKrEtAsdu PATH=/bin' \
	'ExecStart={ path=/usr/bin/app ; argv[]=/usr/bin/app --serve ; ignore_errors=no }' \
	>"$TMPDIR/systemctl/app.service.txt"
printf '%s\n' '[Unit]' 'Description=app' '[Service]' 'Environment=TOKEN=SeKrEtAsdu' \
	'EnvironmentFile=/etc/SeKrEtAsdu.env' 'ExecStart=/usr/bin/app --serve' \
	'[Install]' 'WantedBy=default.target' >"$TMPDIR/units/app.service"

export TOPO_LAUNCHCTL="$ROOT/tests/bin/fake-launchctl" FAKE_LAUNCHCTL_DIR="$TMPDIR/launchctl"
export TOPO_KUBECTL="$ROOT/tests/bin/fake-kubectl" FAKE_KUBECTL_DIR="$TMPDIR/kubectl"
export TOPO_SYSTEMCTL="$ROOT/tests/bin/fake-systemctl" FAKE_SYSTEMCTL_DIR="$TMPDIR/systemctl"
export API_TOKEN=SeKrEt1var

# Each secret both where it passes (ok) and where the check drifts or
# fails, since drift and error print the most evidence.
cat >"$TMPDIR/secrets.yaml" <<EOF
version: 1
system: secrets-\${PATH_TOKEN}
description: every place a secret can live, \${API_TOKEN} in this line too
vars:
  API_TOKEN: placeholder-overridden-by-the-environment
  PATH_TOKEN: placeholder-overridden-by-set
secrets: [API_TOKEN, PATH_TOKEN]
http:
  - name: header-ok
    url: http://127.0.0.1:$HP/headers
    headers: {Authorization: "Bearer \${API_TOKEN}", X-Api-Key: SeKrEt4hdr}
    expect: {body_regex: "Bearer"}
  - name: header-drift
    url: http://127.0.0.1:$HP/headers
    headers: {Authorization: "Bearer \${API_TOKEN}", X-Api-Key: SeKrEt4hdr}
    expect: {body_regex: "^nothing-like-this"}
  # Literal header values (no declared secret) and URL credentials sent
  # as Basic auth, echoed back: in the body excerpt, a JSON observed value
  # and the message, in every format and the dashboard (issue 21).
  - name: literal-echo
    url: http://127.0.0.1:$HP/headers
    headers: {Authorization: "Bearer SeKrEtBlit"}
    expect: {body_regex: "^nothing-like-this"}
  - name: literal-json
    url: http://127.0.0.1:$HP/tokjson
    headers: {Authorization: "Bearer SeKrEtClit"}
    expect: {json: {"\$.auth": "something else"}}
  - name: basic-echo
    url: http://admin:SeKrEt3url@127.0.0.1:$HP/headers
    expect: {body_regex: "^nothing-like-this"}
  - name: userinfo-drift
    url: http://admin:SeKrEt3url@127.0.0.1:$HP/x
    expect: {status: 204}
  - name: userinfo-refused
    url: http://admin:SeKrEt3url@127.0.0.1:1/x
  - name: path-token-\${PATH_TOKEN}
    url: http://127.0.0.1:$HP/hook/\${PATH_TOKEN}
    expect: {status: 201, json: {"\$.status": "\${PATH_TOKEN}"}}
command:
  - name: argv-ok
    argv: [printf, "token=%s\n", "\${API_TOKEN}"]
    expect: {stdout_regex: "token="}
  - name: argv-drift
    argv: [printf, "token=%s %s\n", "\${API_TOKEN}", "\${PATH_TOKEN}"]
    expect: {stdout_regex: "^nothing-like-this"}
  - name: argv-stderr
    argv: [ls, "/nonexistent/\${API_TOKEN}/\${PATH_TOKEN}"]
redis:
  url: redis://:SeKrEt5rds@127.0.0.1:$RP
  keys:
    - {key: "app:key", type: string}
    - {key: "app:missing", type: hash}
    - {key: "tenant:\${API_TOKEN}:queue", type: list}
    - {pattern: "hook:\${PATH_TOKEN}:*", min_count: 1}
launchd:
  domain: gui/501
  plists: $TMPDIR/plists
  jobs:
    - {label: com.joel.gateway, state: running, plist: false}
    - {label: com.joel.talon, state: running, program: /wrong/talon, keep_alive: false}
    - {label: com.joel.system-bus-worker, state: running}
kubernetes:
  namespaces:
    joelclaw:
      workloads: [StatefulSet/inngest, {name: Deployment/system-bus-worker, replicas: 5}]
systemd:
  unit_files: $TMPDIR/units
  units:
    - {unit: app.service, state: not-running, program: /usr/bin/app --other}
EOF

# --- 1. check, every format, stdout and -o, stderr --------------------------------
for fmt in text json markdown junit; do
	"$TOPO" check -f "$TMPDIR/secrets.yaml" --set PATH_TOKEN=SeKrEt2set --format "$fmt" \
		>"$TMPDIR/out.$fmt" 2>"$TMPDIR/err.$fmt"
	rc=$?
	t_eq "check --format $fmt: exit 1 (drift)" 1 "$rc"
	"$TOPO" check -f "$TMPDIR/secrets.yaml" --set PATH_TOKEN=SeKrEt2set --format "$fmt" \
		--strict -o "$TMPDIR/file.$fmt" >"$TMPDIR/out2.$fmt" 2>"$TMPDIR/err2.$fmt"
	leaks "check --format $fmt (stdout, -o, stderr)" "$TMPDIR/out.$fmt" "$TMPDIR/err.$fmt" \
		"$TMPDIR/file.$fmt" "$TMPDIR/out2.$fmt" "$TMPDIR/err2.$fmt"
done
J=$TMPDIR/out.json
# The report is about the right things: the secrets were used, not skipped.
st() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status' "$J"; }
t_eq "header sent (ok)" ok "$(st http/header-ok)"
t_eq "header echoed: drift" drift "$(st http/header-drift)"
t_contains "echoed header shown redacted" \
	"$(jq -r '.checks[] | select(.id == "http/header-drift") | .observed + .evidence' "$J")" "Authorization: ***"
t_eq "literal header echoed: drift" drift "$(st http/literal-echo)"
t_contains "literal header echoed: redacted in the body excerpt" \
	"$(jq -r '.checks[] | select(.id == "http/literal-echo") | .observed + .evidence' "$J")" "Authorization: ***"
t_eq "literal header in JSON: drift, the value redacted" "drift ***" \
	"$(jq -r '.checks[] | select(.id == "http/literal-json") | "\(.status) \(.observed | sub(".*= "; ""))"' "$J")"
t_contains "Basic credentials echoed: redacted" \
	"$(jq -r '.checks[] | select(.id == "http/basic-echo") | .observed + .evidence' "$J")" "Authorization: Basic ***"
t_eq "userinfo: drift" drift "$(st http/userinfo-drift)"
t_eq "userinfo refused: error" error "$(st http/userinfo-refused)"
t_eq "path token: drift (its id redacted)" drift "$(st 'http/path-token-***')"
t_eq "a secret in a Redis key: the id redacted" drift "$(st 'redis/key/tenant:***:queue')"
t_eq "a secret in a Redis pattern: the id redacted" drift "$(st 'redis/pattern/hook:***:*')"
t_eq "argv secret: ok" ok "$(st command/argv-ok)"
t_eq "argv secret: drift" drift "$(st command/argv-drift)"
t_contains "argv shown redacted" \
	"$(jq -r '.checks[] | select(.id == "command/argv-drift") | .evidence' "$J")" "token=*** ***"
t_eq "argv on stderr: drift" drift "$(st command/argv-stderr)"
t_eq "redis with the password: ok" ok "$(st redis/key/app:key)"
t_eq "redis missing key: drift" drift "$(st redis/key/app:missing)"
t_contains "redis URL shown without its password" "$(cat "$TMPDIR/out.text")" "redis://***@127.0.0.1:$RP"
t_eq "launchctl job read: ok" ok "$(st launchd/com.joel.gateway)"
t_eq "plist read: drift" drift "$(jq -r '[.checks[] | select(.id | startswith("launchd/com.joel.talon")) | .status] | unique | join(" ")' "$J" | grep -o drift | head -1)"
t_eq "kubectl read: drift" drift "$(st k8s/joelclaw/Deployment/system-bus-worker)"
t_eq "systemctl read: drift" drift \
	"$(jq -r '[.checks[] | select(.id | startswith("systemd/app.service")) | .status] | join(" ")' "$J" | grep -o drift | head -1)"
# The Secret object is reported as extra, by name only.
t_eq "kubectl Secret not an object topo reads" "" \
	"$(jq -r '.checks[] | select(.id | test("creds")) | .id' "$J")"

# --- 2. a wrong password from a secret variable -------------------------------------
sed -e "s|url: redis://:SeKrEt5rds@|url: redis://|" \
    -e "s|^redis:|redis:\n  password: \${REDIS_PASSWORD}|" \
    -e "s|^secrets: \[API_TOKEN, PATH_TOKEN\]|secrets: [API_TOKEN, PATH_TOKEN, REDIS_PASSWORD]|" \
	"$TMPDIR/secrets.yaml" >"$TMPDIR/wrongpw.yaml"
for fmt in text json; do
	REDIS_PASSWORD=SeKrEt6rdp "$TOPO" check -f "$TMPDIR/wrongpw.yaml" --set PATH_TOKEN=SeKrEt2set \
		--format "$fmt" >"$TMPDIR/wrongpw.$fmt" 2>&1
done
t_contains "wrong password: an error" "$(jq -r '.checks[] | select(.id == "redis/ping") | .status + " " + .message' "$TMPDIR/wrongpw.json")" "error"
leaks "wrong Redis password" "$TMPDIR/wrongpw.text" "$TMPDIR/wrongpw.json"

# --- 3. validate: a secret whose value is invalid where it is used --------------------
cat >"$TMPDIR/invalid.yaml" <<'EOF'
version: 1
system: secrets
secrets: [PORT_TOKEN]
vars: {PORT_TOKEN: "1"}
ports:
  - {port: "${PORT_TOKEN}", expect: listening}
http:
  - {name: x, url: "http://127.0.0.1:1/", timeout_ms: "${PORT_TOKEN}"}
EOF
t_exit "invalid secret value: exit 2" 2 "$TOPO" validate -f "$TMPDIR/invalid.yaml" --set PORT_TOKEN=SeKrEtBval
t_contains "invalid secret value: the problem is reported" "$T_ERR" "invalid.yaml:6:"
printf '%s\n%s\n' "$T_OUT" "$T_ERR" >"$TMPDIR/validate.out"
PORT_TOKEN=SeKrEtBval "$TOPO" check -f "$TMPDIR/invalid.yaml" >>"$TMPDIR/validate.out" 2>&1
"$TOPO" validate -f "$TMPDIR/secrets.yaml" --set PATH_TOKEN=SeKrEt2set >>"$TMPDIR/validate.out" 2>&1
leaks "validate and refused check" "$TMPDIR/validate.out"

# --- 4. the generated document ------------------------------------------------------
if "$TOPO" doc --help >/dev/null 2>&1; then
	"$TOPO" doc -f "$TMPDIR/secrets.yaml" --set PATH_TOKEN=SeKrEt2set -o "$TMPDIR/doc.md" \
		>"$TMPDIR/doc.out" 2>&1
	"$TOPO" doc -f "$TMPDIR/secrets.yaml" --set PATH_TOKEN=SeKrEt2set --live \
		>"$TMPDIR/doc-live.md" 2>&1
	if [ -s "$TMPDIR/doc.md" ] && [ -s "$TMPDIR/doc-live.md" ]; then
		t_pass "doc: written"
	else
		t_fail "doc: written" "$(head -5 "$TMPDIR/doc.out" "$TMPDIR/doc-live.md")"
	fi
	leaks "doc (static and --live)" "$TMPDIR/doc.md" "$TMPDIR/doc.out" "$TMPDIR/doc-live.md"
else
	t_pass "doc: not built into this topo, nothing to grep"
fi

# --- 5. the dashboard's screen, list and every detail pane --------------------------
SOCK=topo-secrets-$$
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
t_cleanup "tmux -L $SOCK kill-server"
tm new-session -d -s dash -x 160 -y 50 \
	env PATH="$PATH" HOME="$TMPDIR" TERM=tmux-256color NO_COLOR=1 \
	ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	API_TOKEN=SeKrEt1var TOPO_LAUNCHCTL="$TOPO_LAUNCHCTL" FAKE_LAUNCHCTL_DIR="$FAKE_LAUNCHCTL_DIR" \
	TOPO_KUBECTL="$TOPO_KUBECTL" FAKE_KUBECTL_DIR="$FAKE_KUBECTL_DIR" \
	TOPO_SYSTEMCTL="$TOPO_SYSTEMCTL" FAKE_SYSTEMCTL_DIR="$FAKE_SYSTEMCTL_DIR" \
	"$TOPO" dash -f "$TMPDIR/secrets.yaml" --set PATH_TOKEN=SeKrEt2set --interval 60 \
	2>"$TMPDIR/dash.err"
# Wait for the first run to finish: the header says "last run" once it has.
for _ in $(seq 150); do
	tm capture-pane -p -t dash >"$TMPDIR/screen" 2>/dev/null
	grep -q 'last run' "$TMPDIR/screen" && break
	sleep 0.1
done
t_contains "dash: the first run finished" "$(cat "$TMPDIR/screen")" "last run"
if ! tm has-session -t dash 2>/dev/null; then
	t_fail "dash: started" "$(head -c 2000 "$TMPDIR/dash.err")"
	exit 0
fi
cp "$TMPDIR/screen" "$TMPDIR/screens"
t_contains "dash: the list is on screen" "$(cat "$TMPDIR/screen")" "header-drift"
# Every row's detail pane: Enter opens it, Escape closes, j moves down.
rows=$(jq '.checks | length' "$J")
for ((i = 0; i < rows; i++)); do
	tm send-keys -t dash Enter
	sleep 0.15
	tm capture-pane -p -t dash >>"$TMPDIR/screens"
	tm send-keys -t dash Escape
	sleep 0.05
	tm send-keys -t dash j
done
t_contains "dash: detail panes were shown" "$(cat "$TMPDIR/screens")" "Authorization: ***"
tm send-keys -t dash q
sleep 0.3
leaks "dash screens ($rows detail panes) and stderr" "$TMPDIR/screens" "$TMPDIR/dash.err"

# Headers that only describe the request (Host, Content-Type, Accept...) are
# not secrets: a Host header naming a Caddy site must not turn that site's
# check ids into ***; Authorization still is one.
cat >"$TMPDIR/public-headers.yaml" <<EOF
version: 1
system: headers
http:
  - name: via-caddy
    url: http://127.0.0.1:$(t_free_port)/health
    headers: {Host: "localhost:9443", Accept: application/json, Authorization: "Bearer tok-public-headers-1234"}
caddy:
  admin: http://127.0.0.1:$(t_free_port)
  routes:
    - {site: "localhost:9443", to: "127.0.0.1:8288"}
EOF
t_exit "public headers: listed" 0 "$TOPO" list -f "$TMPDIR/public-headers.yaml"
t_contains "public headers: the Host value stays in the site's id" "$T_OUT" "caddy/localhost:9443 "
"$TOPO" check -f "$TMPDIR/public-headers.yaml" --format json -o "$TMPDIR/public-headers.json"
t_not_contains "public headers: the bearer token is still redacted" "$(cat "$TMPDIR/public-headers.json")" "tok-public-headers-1234"
