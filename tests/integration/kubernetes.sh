#!/usr/bin/env bash
# tests/integration/kubernetes.sh: the kubernetes probe through `topo check`,
# with kubectl replaced by tests/bin/fake-kubectl replaying the recorded
# sample of ../shared/fixtures/kubectl and the drifted variants of
# tests/fixtures/kubectl (a NodePort turned ClusterIP, readyReplicas 0, an
# undeclared Service, a Service gone), and a kubectl that exits 1, is
# forbidden, has no context, hangs, prints invalid JSON or garbage, or is
# not installed. Static: the four manifests of ../shared/fixtures/
# joelclaw-repo/k8s all ok, then one changed field each in copies under
# $TMPDIR, an undeclared object, Helm files, broken YAML. No token that
# kubectl prints may reach a report.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"
t_need_shared "kubernetes"

SHARED=$ROOT/../shared/fixtures
SAMPLE=$SHARED/kubectl/get-sts-deploy-svc.json
if [ ! -f "$SAMPLE" ]; then
	t_fail "shared fixtures" "not found at $SHARED (CI keeps shared/ beside the clone)"
	exit 1
fi
VARIANTS=$ROOT/tests/fixtures/kubectl

KD=$TMPDIR/kubectl
mkdir -p "$KD"
cp "$SAMPLE" "$KD/joelclaw.json"
cat >"$KD/tools.json" <<'EOF'
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "tools"},
  "spec": {"replicas": 2}, "status": {"replicas": 2, "readyReplicas": 2}},
 {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "tools"},
  "status": {"desiredNumberScheduled": 1, "numberReady": 1}}]}
EOF
export FAKE_KUBECTL_DIR=$KD
export TOPO_KUBECTL=$ROOT/tests/bin/fake-kubectl
export FAKE_KUBECTL_LOG=$TMPDIR/kubectl.log

REPO=$TMPDIR/repo
mkdir -p "$REPO"
cp -r "$SHARED/joelclaw-repo/k8s" "$REPO/"

T=$TMPDIR/topology.yaml
cat >"$T" <<EOF
version: 1
system: k8s-test
vars:
  REPO: $REPO
kubernetes:
  context: admin@joelclaw
  manifests: \${REPO}/k8s
  namespaces:
    joelclaw:
      workloads:
        - StatefulSet/inngest
        - StatefulSet/redis
        - StatefulSet/restate
        - {name: Deployment/system-bus-worker, replicas: 1}
      services:
        - name: inngest-svc
          type: NodePort
          ports: [{port: 8288, node_port: 8288, target_port: 8288}, {port: 8289, node_port: 8289}]
        - name: redis
          type: NodePort
          ports: [{port: 6379, node_port: 6379}]
        - name: restate
          type: NodePort
          ports:
            - {port: 8080, node_port: 8080, target_port: ingress}
            - {port: 9070, node_port: 9070, target_port: admin}
            - {port: 9071, node_port: 9071}
        - name: system-bus-worker
          type: ClusterIP
          ports: [{port: 3111, target_port: 3111, protocol: TCP}]
    tools:
      workloads:
        - {name: Deployment/web, replicas: 2, managed_by: helm}
        - {name: DaemonSet/agent, managed_by: helm}
EOF

status() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) |
	    .status + (if .drift then "/" + .drift else "" end)' "${2:-$TMPDIR/out.json}"
}
field() {
	jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2" "${3:-$TMPDIR/out.json}"
}
extras() {
	jq -r '[.checks[] | select(.extra) | .id] | sort | join(" ")' "${1:-$TMPDIR/out.json}"
}
J=k8s/joelclaw

# --- as declared ----------------------------------------------------------
t_exit "cluster and manifests as declared" 0 "$TOPO" check -f "$T" --format json -o "$TMPDIR/out.json"
for id in $J $J/StatefulSet/inngest $J/StatefulSet/redis $J/StatefulSet/restate \
    $J/Deployment/system-bus-worker $J/Service/inngest-svc $J/Service/redis \
    $J/Service/restate $J/Service/system-bus-worker k8s/tools k8s/tools/Deployment/web \
    k8s/tools/DaemonSet/agent k8s/manifests; do
	t_eq "ok: $id" "ok" "$(status "$id")"
done
for id in StatefulSet/inngest StatefulSet/redis StatefulSet/restate Deployment/system-bus-worker \
    Service/inngest-svc Service/redis Service/restate Service/system-bus-worker; do
	t_eq "manifest ok: $id" "ok" "$(status "$J/$id/manifest")"
done
t_eq "helm-managed: static unknown" "unknown" "$(status k8s/tools/Deployment/web/manifest)"
t_contains "helm-managed: reason" "$(field k8s/tools/Deployment/web/manifest message)" "managed by helm: not in manifests"
t_eq "no extras" "" "$(extras)"
t_eq "one kubectl call per namespace" "2" "$(wc -l <"$FAKE_KUBECTL_LOG" | tr -d ' ')"
t_contains "kubectl argv" "$(grep -- '-n joelclaw' "$FAKE_KUBECTL_LOG")" "--context admin@joelclaw get statefulsets,deployments,daemonsets,services -n joelclaw -o json --request-timeout="
t_contains "observed ports in kubectl's form" "$(field $J/Service/inngest-svc observed)" "ports = 8288:8288/TCP,8289:8289/TCP"
t_contains "observed target ports" "$(field $J/Service/restate observed)" "target_ports = 8080->ingress,9070->admin"
t_contains "live evidence: the argv" "$(field $J/Service/redis evidence)" "fake-kubectl --context admin@joelclaw get"
t_contains "static evidence: file:line" "$(field $J/Service/inngest-svc/manifest evidence)" "k8s/inngest.yaml:67"
t_contains "static evidence: workload file:line" "$(field $J/StatefulSet/restate/manifest evidence)" "k8s/restate.yaml:1"

# Namespaces are asked at once: the second call of 1 s starts before the first ends.
FAKE_KUBECTL_DELAY=1 FAKE_KUBECTL_STARTS=$TMPDIR/starts t_exit "slow kubectl" 0 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/slow.json"
spread=$(sort -n "$TMPDIR/starts" | awk 'NR == 1 { a = $1 } { b = $1 } END { print int((b - a) / 1000000) }')
t_eq "two kubectl calls" "2" "$(wc -l <"$TMPDIR/starts" | tr -d ' ')"
if [ "$spread" -lt 1000 ]; then t_pass "namespaces asked at once (started within $spread ms)"; else
	t_fail "namespaces asked at once" "starts spread over $spread ms"; fi
t_eq "slow: still ok" "ok" "$(status k8s/tools/DaemonSet/agent "$TMPDIR/slow.json")"

# --- live drift, one recorded variant each --------------------------------
cp "$VARIANTS/nodeport-to-clusterip.json" "$KD/joelclaw.json"
t_exit "NodePort turned ClusterIP: drift" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "ClusterIP: changed" "drift/changed" "$(status $J/Service/inngest-svc)"
msg=$(field $J/Service/inngest-svc message)
t_contains "ClusterIP: type message" "$msg" "type is ClusterIP, expected NodePort"
t_contains "ClusterIP: ports message" "$msg" "ports is 8288/TCP,8289/TCP, expected 8288:8288/TCP,8289:8289/TCP"
t_eq "ClusterIP: the rest ok" "ok" "$(status $J/Service/redis)"

cp "$VARIANTS/inngest-not-ready.json" "$KD/joelclaw.json"
t_exit "readyReplicas 0: drift" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "not ready: changed" "drift/changed" "$(status $J/StatefulSet/inngest)"
t_contains "not ready: message" "$(field $J/StatefulSet/inngest message)" "ready is 0/1, expected all"

cp "$VARIANTS/extra-service.json" "$KD/joelclaw.json"
t_exit "undeclared Service: drift" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "undeclared Service: the only extra" "$J/Service/debug-shell" "$(extras)"
t_eq "undeclared Service: drift extra" "drift/extra" "$(status $J/Service/debug-shell)"
t_contains "undeclared Service: what was found" "$(field $J/Service/debug-shell observed)" "NodePort, ports 2222:32222/TCP"
t_exit "--only: no extras" 0 "$TOPO" check -f "$T" --layer live --only "$J/Service/redis" --format json -o "$TMPDIR/only.json"
t_eq "--only: no extras" "" "$(extras "$TMPDIR/only.json")"

cp "$VARIANTS/redis-service-missing.json" "$KD/joelclaw.json"
t_exit "Service gone: drift" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "Service gone: missing" "drift/missing" "$(status $J/Service/redis)"
t_eq "Service gone: its StatefulSet of the same name still ok" "ok" "$(status $J/StatefulSet/redis)"

# A workload of another kind under the declared name: changed, not missing + extra.
jq '(.items[] | select(.kind=="StatefulSet" and .metadata.name=="restate") | .kind) = "Deployment"' "$SAMPLE" >"$KD/joelclaw.json"
t_exit "kind changed: drift" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "kind changed: changed" "drift/changed" "$(status $J/StatefulSet/restate)"
t_contains "kind changed: message" "$(field $J/StatefulSet/restate message)" "kind is Deployment, expected StatefulSet"
t_eq "kind changed: no extra" "" "$(extras)"
cp "$SAMPLE" "$KD/joelclaw.json"

# --- kubectl that fails ---------------------------------------------------
echo exit1 >"$KD/joelclaw.mode"
t_exit "kubectl exit 1: an error, exit 1" 1 "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "exit 1: error" "error" "$(status $J/Service/redis)"
t_contains "exit 1: stderr first line" "$(field $J/Service/redis message)" "was refused"
t_eq "exit 1: namespace check error too" "error" "$(status $J)"
t_eq "exit 1: the other namespace unaffected" "ok" "$(status k8s/tools/Deployment/web)"
t_eq "exit 1: no extras invented" "" "$(extras)"

echo forbidden >"$KD/joelclaw.mode"
"$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "forbidden: error" "error" "$(status $J/StatefulSet/inngest)"
t_contains "forbidden: reason" "$(field $J/StatefulSet/inngest message)" "(Forbidden)"

echo no-context >"$KD/joelclaw.mode"
"$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "no context: unknown" "unknown" "$(status $J/StatefulSet/inngest)"
t_contains "no context: reason" "$(field $J/StatefulSet/inngest message)" 'context "admin@joelclaw" does not exist'

echo invalid-json >"$KD/joelclaw.mode"
"$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "invalid JSON: error" "error" "$(status $J/Service/inngest-svc)"
t_eq "invalid JSON: reason" "kubectl --context admin@joelclaw get -n joelclaw: kubectl printed invalid JSON" \
	"$(field $J/Service/inngest-svc message)"

echo garbage >"$KD/joelclaw.mode"
t_exit "garbage: no crash" 1 "$TOPO" check -f "$T" --layer live
"$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "garbage: error" "error" "$(status $J/Service/inngest-svc)"

echo hang >"$KD/joelclaw.mode"
start=$(date +%s%N)
t_exit "hanging kubectl: an error, exit 1" 1 "$TOPO" check -f "$T" --layer live --timeout 800 --format json -o "$TMPDIR/out.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "hang: error" "error" "$(status $J/Service/inngest-svc)"
t_eq "hang: timed out" "kubectl --context admin@joelclaw get -n joelclaw: timed out after 800 ms" \
	"$(field $J/Service/inngest-svc message)"
t_eq "hang: the other namespace answered meanwhile" "ok" "$(status k8s/tools/DaemonSet/agent)"
if [ "$ms" -lt 5000 ]; then t_pass "hang: bounded by the timeout ($ms ms)"; else
	t_fail "hang: bounded by the timeout" "took $ms ms"; fi
rm -f "$KD/joelclaw.mode"

# Timeouts: the section's is every check's default, a namespace's bounds its call.
sed -e 's|^  context: admin@joelclaw|&\n  timeout_ms: 700|' -e 's|^    tools:|&\n      timeout_ms: 400|' "$T" >"$TMPDIR/timeouts.yaml"
start=$(date +%s%N)
FAKE_KUBECTL_MODE=hang t_exit "section and namespace timeouts" 1 "$TOPO" check -f "$TMPDIR/timeouts.yaml" --layer live --format json -o "$TMPDIR/out.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
t_contains "section timeout_ms" "$(field $J/Service/redis message)" "timed out after 700 ms"
t_contains "namespace timeout_ms" "$(field k8s/tools/Deployment/web message)" "timed out after 400 ms"
if [ "$ms" -lt 3000 ]; then t_pass "timeouts bound the run ($ms ms)"; else
	t_fail "timeouts bound the run" "took $ms ms"; fi

mkdir -p "$TMPDIR/emptybin"
t_exit "no kubectl: not drift" 0 env -u TOPO_KUBECTL PATH="$TMPDIR/emptybin" "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "no kubectl: unknown" "unknown" "$(status $J/Service/redis)"
t_eq "no kubectl: reason" "kubectl not available on Linux (not found in PATH)" "$(field $J/Service/redis message)"
env TOPO_KUBECTL="$TMPDIR/nowhere/kubectl" "$TOPO" check -f "$T" --layer live --format json -o "$TMPDIR/out.json"
t_eq "configured kubectl missing: error" "error" "$(status $J/Service/redis)"
t_eq "configured kubectl missing: reason" \
	"kubectl --context admin@joelclaw get -n joelclaw: cannot run $TMPDIR/nowhere/kubectl: No such file or directory" \
	"$(field $J/Service/redis message)"

# --- static drift: one changed field in each manifest ---------------------
K=$REPO/k8s
sed -i '/name: inngest-svc/,$ s/type: NodePort/type: ClusterIP/' "$K/inngest.yaml"
sed -i 's/      nodePort: 6379/      nodePort: 30379/' "$K/redis.yaml"
sed -i '0,/targetPort: ingress/ s/targetPort: ingress/targetPort: 8080/' "$K/restate.yaml"
sed -i '0,/replicas: 1/ s/replicas: 1/replicas: 3/' "$K/system-bus-worker.yaml"
t_exit "changed manifests: drift" 1 "$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
t_eq "inngest-svc type: changed" "drift/changed" "$(status $J/Service/inngest-svc/manifest)"
t_contains "inngest-svc type message" "$(field $J/Service/inngest-svc/manifest message)" "type is ClusterIP, expected NodePort"
t_eq "redis nodePort: changed" "drift/changed" "$(status $J/Service/redis/manifest)"
t_contains "redis nodePort message" "$(field $J/Service/redis/manifest message)" "ports is 6379:30379/TCP, expected 6379:6379/TCP"
t_eq "restate targetPort: changed" "drift/changed" "$(status $J/Service/restate/manifest)"
t_contains "restate targetPort message" "$(field $J/Service/restate/manifest message)" "target_ports is 8080->8080,9070->admin"
t_eq "system-bus-worker replicas: changed" "drift/changed" "$(status $J/Deployment/system-bus-worker/manifest)"
t_contains "replicas message" "$(field $J/Deployment/system-bus-worker/manifest message)" "replicas is 3, expected 1"
t_eq "untouched objects still ok" "ok" "$(status $J/StatefulSet/inngest/manifest)"
cp "$SHARED/joelclaw-repo/k8s/"*.yaml "$K/"

# Undeclared objects, Helm files, a file gone.
cat >"$K/debug.yml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: debug-shell
  namespace: joelclaw
spec:
  type: NodePort
  ports: [{port: 2222, nodePort: 32222}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-checked, namespace: joelclaw}
---
apiVersion: v1
kind: Service
metadata: {name: elsewhere, namespace: other}
EOF
printf 'replicaCount: 2\nimage:\n  repository: inngest/inngest\n' >"$K/values.yaml"
printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\n  labels: {{ include "x" . | nindent 4 }}\n' >"$K/helm-template.yaml"
rm "$K/redis.yaml"
t_exit "undeclared and removed manifests: drift" 1 "$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
t_eq "undeclared Service in manifests: the only extra" "$J/Service/debug-shell/manifest" "$(extras)"
t_contains "extra: file:line" "$(field $J/Service/debug-shell/manifest evidence)" "k8s/debug.yml:1"
t_eq "removed manifest: StatefulSet missing" "drift/missing" "$(status $J/StatefulSet/redis/manifest)"
t_eq "removed manifest: Service missing" "drift/missing" "$(status $J/Service/redis/manifest)"
t_eq "Helm values and templates do not break the folder" "ok" "$(status k8s/manifests)"
t_contains "Helm template noted" "$(field k8s/manifests evidence)" "Helm templates skipped"

printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [broken\n' >"$K/broken.yaml"
t_exit "broken YAML: error, not drift" 1 "$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
t_eq "broken YAML: folder check error" "error" "$(status k8s/manifests)"
t_contains "broken YAML: file:line:column" "$(field k8s/manifests message)" "k8s/broken.yaml:"
t_eq "broken YAML: a missing object cannot be told" "error" "$(status $J/Service/redis/manifest)"
t_eq "broken YAML: found objects still ok" "ok" "$(status $J/StatefulSet/inngest/manifest)"

rm -rf "$K"
t_exit "manifests folder gone" 1 "$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
t_eq "folder gone: error" "error" "$(status $J/StatefulSet/inngest/manifest)"
mkdir -p "$K" && cp "$SHARED/joelclaw-repo/k8s/"*.yaml "$K/"

# Recursive reading is opt-in.
mkdir -p "$K/sub" && mv "$K/redis.yaml" "$K/sub/"
"$TOPO" check -f "$T" --layer static --format json -o "$TMPDIR/out.json"
t_eq "subfolder not read by default" "drift/missing" "$(status $J/Service/redis/manifest)"
sed 's|^  manifests: .*|&\n  recursive: true|' "$T" >"$TMPDIR/recursive.yaml"
t_exit "recursive: true" 0 "$TOPO" check -f "$TMPDIR/recursive.yaml" --layer static --format json -o "$TMPDIR/out.json"
t_eq "subfolder read with recursive" "ok" "$(status $J/Service/redis/manifest)"
mv "$K/sub/redis.yaml" "$K/" && rmdir "$K/sub"

# --- tokens kubectl prints stay out of reports ----------------------------
TOKEN=eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.not-a-real-token-but-secret
jq --arg t "$TOKEN" '(.items[] | select(.kind=="StatefulSet" and .metadata.name=="inngest") |
    .spec.template.spec.containers[0].env) += [{"name": "KUBE_TOKEN", "value": $t}] |
    .items += [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tok", "namespace": "joelclaw"},
    "data": {"token": $t}}]' "$SAMPLE" >"$KD/joelclaw.json"
for fmt in text json markdown junit; do
	"$TOPO" check -f "$T" --format "$fmt" >"$TMPDIR/tok.$fmt" 2>&1
	t_not_contains "no kubectl token in $fmt" "$(cat "$TMPDIR/tok.$fmt")" "$TOKEN"
done
t_contains "the reports did show the workload" "$(cat "$TMPDIR/tok.text")" "$J/StatefulSet/inngest"

# --- declarations topo refuses before running anything --------------------
cat >"$TMPDIR/bad.yaml" <<'EOB'
version: 1
system: bad
kubernetes:
  namespaces:
    joelclaw:
      workloads: [inngest, Pod/x, StatefulSet/]
      services:
        - name: s
          ports: ["abc"]
EOB
: >"$FAKE_KUBECTL_LOG"
t_exit "invalid kubernetes section: exit 2" 2 "$TOPO" check -f "$TMPDIR/bad.yaml"
t_contains "workload without a kind" "$T_ERR" "bad.yaml:6:19: kubernetes: a workload is Kind/name"
t_contains "workload of another kind" "$T_ERR" "bad.yaml:6:28: kubernetes: workload kind 'Pod'"
t_contains "workload without a name" "$T_ERR" "bad.yaml:6:35:"
t_contains "port not a number" "$T_ERR" "bad.yaml:9:19: kubernetes: a port is a number"
t_eq "nothing ran" "0" "$(wc -l <"$FAKE_KUBECTL_LOG" | tr -d ' ')"

# --- objects an operator makes, declared by name pattern -------------------
cat >"$KD/storage.json" <<'EOF'
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "aistor-operator", "namespace": "storage"},
  "spec": {"replicas": 1}, "status": {"replicas": 1, "readyReplicas": 1}},
 {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "aistor-pool-0", "namespace": "storage"},
  "spec": {"replicas": 4}, "status": {"replicas": 4, "readyReplicas": 4}},
 {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "aistor-pool-1", "namespace": "storage"},
  "spec": {"replicas": 4}, "status": {"replicas": 4, "readyReplicas": 4}},
 {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "aistor-hl", "namespace": "storage"},
  "spec": {"type": "ClusterIP", "ports": [{"port": 9000, "protocol": "TCP"}]}},
 {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "aistor-console", "namespace": "storage"},
  "spec": {"type": "ClusterIP", "ports": [{"port": 9443, "protocol": "TCP"}]}},
 {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "minio", "namespace": "storage"},
  "spec": {"type": "ClusterIP", "ports": [{"port": 443, "protocol": "TCP"}]}}
]}
EOF
cp "$KD/storage.json" "$TMPDIR/storage.json"
OPS=$REPO/operator
mkdir -p "$OPS"
cat >"$OPS/operator.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: aistor-operator, namespace: storage}
spec: {replicas: 1}
EOF
P=$TMPDIR/pattern.yaml
cat >"$P" <<EOF
version: 1
system: k8s-pattern
kubernetes:
  manifests: $OPS
  namespaces:
    storage:
      workloads:
        - Deployment/aistor-operator
        - {name: StatefulSet/aistor-*, managed_by: aistor-operator, replicas: 4}
      services:
        - {name: aistor-*, managed_by: aistor-operator, type: ClusterIP}
        - {name: minio, managed_by: aistor-operator}
EOF
S=k8s/storage
t_exit "pattern: operator objects as declared" 0 "$TOPO" check -f "$P" --format json -o "$TMPDIR/out.json"
t_eq "pattern: StatefulSets ok" "ok" "$(status "$S/StatefulSet/aistor-*")"
t_eq "pattern: Services ok" "ok" "$(status "$S/Service/aistor-*")"
t_eq "pattern: the objects it matches are not extras" "" "$(extras)"
t_contains "pattern: evidence lists each object" "$(field "$S/StatefulSet/aistor-*" evidence)" "2 StatefulSets matching aistor-* (made by aistor-operator)"
t_contains "pattern: evidence, readiness" "$(field "$S/StatefulSet/aistor-*" evidence)" "StatefulSet/aistor-pool-1: replicas 4, ready 4/4"
t_contains "pattern: observed" "$(field "$S/StatefulSet/aistor-*" observed)" "replicas = 4; ready = all"
t_eq "pattern: not in the manifests is unknown" "unknown" "$(status "$S/StatefulSet/aistor-*/manifest")"
t_contains "pattern: unknown's reason" "$(field "$S/StatefulSet/aistor-*/manifest" message)" "managed by aistor-operator: not in manifests"
t_eq "pattern: the operator's own manifest ok" "ok" "$(status "$S/Deployment/aistor-operator/manifest")"
t_eq "pattern: no static extras" "" "$(extras)"

# Without the patterns, the operator's objects are undeclared.
grep -v 'aistor-\*' "$P" >"$TMPDIR/nopattern.yaml"
t_exit "no pattern: extras" 1 "$TOPO" check -f "$TMPDIR/nopattern.yaml" --layer live --format json -o "$TMPDIR/out.json"
t_eq "no pattern: each is an extra" "$S/Service/aistor-console $S/Service/aistor-hl $S/StatefulSet/aistor-pool-0 $S/StatefulSet/aistor-pool-1" "$(extras)"

# What matches no declaration is still an extra: another name, another kind.
jq '.items += [
  {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "debug-sts", "namespace": "storage"},
   "spec": {"replicas": 1}, "status": {"replicas": 1, "readyReplicas": 1}},
  {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "aistor-rogue", "namespace": "storage"},
   "spec": {"replicas": 1}, "status": {"replicas": 1, "readyReplicas": 1}}]' "$TMPDIR/storage.json" >"$KD/storage.json"
t_exit "pattern: unmatched objects drift" 1 "$TOPO" check -f "$P" --layer live --format json -o "$TMPDIR/out.json"
t_eq "pattern: only the unmatched are extras" "$S/Deployment/aistor-rogue $S/StatefulSet/debug-sts" "$(extras)"
t_eq "pattern: still ok itself" "ok" "$(status "$S/StatefulSet/aistor-*")"

# A matched object not ready, or scaled otherwise: changed, naming it.
jq '(.items[] | select(.metadata.name == "aistor-pool-1") | .status.readyReplicas) = 2' "$TMPDIR/storage.json" >"$KD/storage.json"
t_exit "pattern: one not ready" 1 "$TOPO" check -f "$P" --layer live --format json -o "$TMPDIR/out.json"
t_eq "not ready: changed" "drift/changed" "$(status "$S/StatefulSet/aistor-*")"
t_contains "not ready: names it" "$(field "$S/StatefulSet/aistor-*" message)" "ready is aistor-pool-1 2/4, expected all"
jq '(.items[] | select(.metadata.name == "aistor-pool-1") | .spec.replicas) = 2 |
    (.items[] | select(.metadata.name == "aistor-pool-1") | .status.readyReplicas) = 2' "$TMPDIR/storage.json" >"$KD/storage.json"
"$TOPO" check -f "$P" --layer live --format json -o "$TMPDIR/out.json"
t_contains "replicas: each one's" "$(field "$S/StatefulSet/aistor-*" message)" "replicas is aistor-pool-0=4,aistor-pool-1=2, expected 4"

# One declared by its own name is its own check, not the pattern's.
sed 's|^        - Deployment/aistor-operator|&\n        - StatefulSet/aistor-pool-1|' "$P" >"$TMPDIR/named.yaml"
jq '(.items[] | select(.metadata.name == "aistor-pool-1") | .status.readyReplicas) = 0' "$TMPDIR/storage.json" >"$KD/storage.json"
t_exit "named and pattern: drift" 1 "$TOPO" check -f "$TMPDIR/named.yaml" --layer live --format json -o "$TMPDIR/out.json"
t_eq "named: its own drift" "drift/changed" "$(status "$S/StatefulSet/aistor-pool-1")"
t_eq "named: the pattern's others are ok" "ok" "$(status "$S/StatefulSet/aistor-*")"
t_contains "named: the pattern counts the others" "$(field "$S/StatefulSet/aistor-*" evidence)" "1 StatefulSet matching aistor-*"

# None made: missing.
jq '.items |= map(select(.kind != "StatefulSet"))' "$TMPDIR/storage.json" >"$KD/storage.json"
t_exit "pattern: none made" 1 "$TOPO" check -f "$P" --layer live --format json -o "$TMPDIR/out.json"
t_eq "none made: missing" "drift/missing" "$(status "$S/StatefulSet/aistor-*")"
t_contains "none made: evidence" "$(field "$S/StatefulSet/aistor-*" evidence)" "no StatefulSet matching aistor-* in namespace storage"
cp "$TMPDIR/storage.json" "$KD/storage.json"

# In the manifests: matched there, ok; and not extras.
cat >"$OPS/tenant.yaml" <<'EOF'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: aistor-pool-0, namespace: storage}
spec: {replicas: 4}
EOF
t_exit "pattern in the manifests" 0 "$TOPO" check -f "$P" --layer static --format json -o "$TMPDIR/out.json"
t_eq "manifests: matched, ok" "ok" "$(status "$S/StatefulSet/aistor-*/manifest")"
t_contains "manifests: file:line" "$(field "$S/StatefulSet/aistor-*/manifest" evidence)" "tenant.yaml:1: StatefulSet/aistor-pool-0, replicas 4"
t_eq "manifests: no extras" "" "$(extras)"

cat >"$TMPDIR/badpattern.yaml" <<'EOB'
version: 1
system: bad
kubernetes:
  namespaces:
    storage:
      workloads:
        - StatefulSet/aistor-*
        - {name: Deployment/op-?, replicas: 1}
      services:
        - {name: aistor-*, managed_by: op, ports: [9000]}
EOB
t_exit "pattern without managed_by: exit 2" 2 "$TOPO" validate -f "$TMPDIR/badpattern.yaml"
t_contains "scalar pattern: needs managed_by" "$T_ERR" "badpattern.yaml:7:11: kubernetes: StatefulSet/aistor-* is a name pattern: it needs managed_by"
t_contains "map pattern: needs managed_by" "$T_ERR" "badpattern.yaml:8:11: kubernetes: Deployment/op-? is a name pattern"
t_contains "pattern with ports" "$T_ERR" "badpattern.yaml:10:51: kubernetes: ports: not with a name pattern"
