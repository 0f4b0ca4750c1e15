#!/usr/bin/env bash
# noshell.sh: what a topology gives to the external programs topo runs
# (launchctl, kubectl, systemctl, caddy) reaches them as literal argv
# elements, never through a shell: $(...), backticks, ';', '|', '&&', globs
# and spaces in labels, domains, contexts, namespaces, unit names and paths
# are recorded byte for byte by a stand-in program, and none of the commands
# hidden in them creates its file. Program paths (programs:, $TOPO_<NAME>)
# with metacharacters are names, not command lines. (command.sh proves the
# same for the command probe's argv.)
. "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

W=$TMPDIR/work
mkdir -p "$W/bin"
cd "$W" || exit 1
# A stand-in for every program: records its name and each argument in
# brackets, one file per call (they run at once); then fails.
mkdir -p "$W/calls"
cat >"$W/bin/recorder" <<EOF
#!/bin/sh
{ basename "\$0"; for a in "\$@"; do printf '[%s]\n' "\$a"; done; } >"$W/calls/\$\$"
exit 1
EOF
chmod +x "$W/bin/recorder"
for p in launchctl kubectl systemctl caddy; do ln -s recorder "$W/bin/$p"; done
# A Caddyfile whose name itself carries a command.
CF='Caddy$(touch${IFS}pwned10);x'
printf 'localhost:8443 {\n\treverse_proxy localhost:3111\n}\n' >"$W/$CF"

# ${IFS} is written $${IFS} (topo's escape for a literal ${...}): the payloads
# need no space and no '/', so no validation rule stops them first.
cat >"$W/inject.yaml" <<'EOF'
version: 1
system: noshell
launchd:
  domain: "gui/501;touch$${IFS}pwned1"
  jobs:
    - {label: "com.x$(touch$${IFS}pwned2)", state: running}
    - {label: "com.y`touch$${IFS}pwned3`", state: running}
    - {label: "com.z;touch$${IFS}pwned4&&*", state: running}
kubernetes:
  context: "ctx$(touch$${IFS}pwned5) --kubeconfig=x"
  namespaces:
    "ns;touch$${IFS}pwned6|*": {workloads: ["Deployment/a`touch$${IFS}pwned7`"]}
systemd:
  units:
    - {unit: "a.service;touch$${IFS}pwned8", state: running}
    - {unit: "b$(touch$${IFS}pwned9).service", state: running}
caddy:
  adapt: true
  caddyfile: 'Caddy$(touch$${IFS}pwned10);x'
  routes:
    - {site: "localhost:8443", to: "localhost:3111"}
EOF
export TOPO_LAUNCHCTL="$W/bin/launchctl" TOPO_KUBECTL="$W/bin/kubectl"
export TOPO_SYSTEMCTL="$W/bin/systemctl" TOPO_CADDY="$W/bin/caddy"
t_exit "injection topology: checked (errors only: exit 1)" 1 \
	timeout 30 "$TOPO" check -f "$W/inject.yaml" --format json -o "$W/inject.json"

# Each call as one line "program [arg] [arg] ...", sorted (they run at once).
calls=$(for f in "$W"/calls/*; do paste -sd' ' "$f"; done | sort)
want=$(sort <<'EOF'
launchctl [print] [gui/501;touch${IFS}pwned1/com.x$(touch${IFS}pwned2)]
launchctl [print] [gui/501;touch${IFS}pwned1/com.y`touch${IFS}pwned3`]
launchctl [print] [gui/501;touch${IFS}pwned1/com.z;touch${IFS}pwned4&&*]
kubectl [--context] [ctx$(touch${IFS}pwned5) --kubeconfig=x] [get] [statefulsets,deployments,daemonsets,services] [-n] [ns;touch${IFS}pwned6|*] [-o] [json] [--request-timeout=4500ms]
systemctl [show] [-p] [LoadState,ActiveState,SubState,MainPID,ExecMainStatus,ExecStart] [--] [a.service;touch${IFS}pwned8]
systemctl [show] [-p] [LoadState,ActiveState,SubState,MainPID,ExecMainStatus,ExecStart] [--] [b$(touch${IFS}pwned9).service]
caddy [adapt] [--config] [W/Caddy$(touch${IFS}pwned10);x] [--adapter] [caddyfile]
EOF
)
t_eq "every program got its arguments literally" "$want" "${calls//$W/W}"

# The report names the calls as they were made, quoted for a reader.
t_contains "evidence quotes the literal label" \
	"$(jq -r '.checks[] | select(.kind == "launchd") | .evidence' "$W/inject.json")" \
	"'gui/501;touch\${IFS}pwned1/com.x\$(touch\${IFS}pwned2)'"

# --- program paths are names, not command lines --------------------------------------
cat >"$W/programs.yaml" <<EOF
version: 1
system: noshell
programs:
  launchctl: "$W/bin/launchctl;touch pwned11"
launchd:
  domain: gui/501
  jobs: [{label: com.joel.gateway, state: running}]
EOF
unset TOPO_LAUNCHCTL
t_exit "programs: path with ';': checked" 1 \
	"$TOPO" check -f "$W/programs.yaml" --format json -o "$W/programs.json"
t_eq "programs: path with ';' is an error (cannot run it)" error \
	"$(jq -r '.checks[0].status' "$W/programs.json")"
t_contains "programs: the message names the whole path" "$(jq -r '.checks[0].message' "$W/programs.json")" \
	"launchctl;touch pwned11"
TOPO_LAUNCHCTL="launchctl \$(touch pwned12)" t_exit "\$TOPO_LAUNCHCTL with \$(...): checked (an error: exit 1)" 1 \
	"$TOPO" check -f "$W/programs.yaml" --format json -o "$W/env.json"
t_eq "\$TOPO_LAUNCHCTL with \$(...) is an error (cannot run it)" error \
	"$(jq -r '.checks[0].status' "$W/env.json")"

# --- nothing ran ---------------------------------------------------------------------
# A shell would have run in topo's working folder ($W), as every program did.
for i in $(seq 1 12); do
	found=$(find "$TMPDIR" "$ROOT" -maxdepth 3 -name "pwned$i" 2>/dev/null | head -n 1)
	if [ -z "$found" ]; then t_pass "no pwned$i created"; else
		t_fail "no pwned$i created" "$found exists"; fi
done

# --- the static layer runs nothing the topology names ---------------------------------
# CI runs `topo check --layer static` on pull requests' topologies: a file
# that names its own program (programs:) must not get it run.
mkdir -p "$W/pr"
printf '#!/bin/sh\ntouch "%s/pr/pwned-static"\n' "$W" >"$W/pr/evil.sh"
chmod +x "$W/pr/evil.sh"
printf 'localhost:1 {\n\treverse_proxy localhost:2\n}\n' >"$W/pr/Caddyfile"
cat >"$W/pr/topology.yaml" <<'EOF2'
version: 1
system: pull-request
programs: {caddy: ./evil.sh, launchctl: ./evil.sh, kubectl: ./evil.sh, systemctl: ./evil.sh}
caddy:
  adapt: true     # asks for caddy adapt: still never ./evil.sh
  caddyfile: Caddyfile
  routes: [{site: "localhost:1", to: "localhost:2"}]
EOF2
(cd "$W/pr" && env -u TOPO_CADDY -u TOPO_LAUNCHCTL -u TOPO_KUBECTL -u TOPO_SYSTEMCTL \
	"$TOPO" check -f topology.yaml --layer static >"$W/pr.out" 2>&1)
t_eq "static layer: the routes were checked" 2 "$(grep -c '^ok ' "$W/pr.out")"
if [ -e "$W/pr/pwned-static" ]; then t_fail "static layer: the topology's program did not run"
else t_pass "static layer: the topology's program did not run"; fi
