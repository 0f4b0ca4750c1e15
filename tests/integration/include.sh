#!/usr/bin/env bash
# tests/integration/include.sh: `include:` through topo validate, list and
# check. Paths relative to the including file (to the current folder for
# -f -), nested includes, lists joined and maps merged, a file shared by two
# merged once; ids and problems of an included file carry its name;
# the same id in two files names both; a scalar set twice; a cycle, a
# missing file, a folder, ${VAR} in a path, too deep a chain and a bad
# include value refused at the include entry's file:line:column.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

W=$TMPDIR/topo
mkdir -p "$W/hosts" "$W/k8s"
cat >"$W/main.yaml" <<'EOF'
version: 1
system: included
vars:
  HOST: 127.0.0.1
include:
  - hosts/panda.yaml
  - k8s/cluster.yaml
  - shared.yaml
dns:
  - {name: localhost}
EOF
cat >"$W/hosts/panda.yaml" <<'EOF'
version: 1
system: ignored-here
description: a host's checks, also a topology of their own
include: [../shared.yaml, more.yaml]
dns:
  - {name: "${HOST}", addresses: ["${HOST}"]}
EOF
cat >"$W/hosts/more.yaml" <<'EOF'
dns:
  - {name: 127.0.0.3}
EOF
cat >"$W/shared.yaml" <<'EOF'
vars:
  SHARED: "yes"
dns:
  - {name: 127.0.0.4}
EOF
cat >"$W/k8s/cluster.yaml" <<'EOF'
kubernetes:
  context: admin@test
  namespaces:
    apps:
      workloads: [Deployment/web]
EOF
cat >"$W/k8s-more.yaml" <<'EOF'
kubernetes:
  context: admin@test
  namespaces:
    apps:
      workloads: [Deployment/api]
    tools:
      services: [{name: grafana}]
EOF

t_exit "validate: the merged topology" 0 "$TOPO" validate -f "$W/main.yaml"
t_contains "validate: counts every file's checks" "$T_OUT" "included"
t_exit "list: every file's checks" 0 "$TOPO" list -f "$W/main.yaml"
t_contains "list: the including file's" "$T_OUT" "main.yaml:10:5"
t_contains "list: an included file's, with its name" "$T_OUT" "hosts/panda.yaml:6:5"
t_contains "list: relative to the including file" "$T_OUT" "hosts/more.yaml:2:5"
t_contains "list: a shared file" "$T_OUT" "shared.yaml:4:5"
t_contains "list: a section from another folder" "$T_OUT" "k8s/apps/Deployment/web "
t_eq "list: a file shared by two is merged once" "1" "$(grep -c 'dns/127.0.0.4 ' <<<"$T_OUT")"
t_contains "list: vars of the including file expand in an included one" "$T_OUT" "dns/127.0.0.1 "

t_exit "check: the merged topology" 0 "$TOPO" check -f "$W/main.yaml" --only 'dns/**' --format json -o "$TMPDIR/out.json"
t_eq "check: every dns check ran" "4" "$(jq '[.checks[] | select(.status == "ok")] | length' "$TMPDIR/out.json")"
t_eq "check: the file of an included check" "$W/hosts/panda.yaml" "$(jq -r '.checks[] | select(.id == "dns/127.0.0.1") | .file' "$TMPDIR/out.json")"
t_eq "check: the including file's system" "included" "$(jq -r '.system' "$TMPDIR/out.json")"

# Maps merged key by key, lists joined, the same scalar twice accepted.
cat >"$W/merge.yaml" <<'EOF'
version: 1
system: merge
include: [k8s/cluster.yaml, k8s-more.yaml]
EOF
t_exit "maps merged" 0 "$TOPO" list -f "$W/merge.yaml"
for id in k8s/apps/Deployment/web k8s/apps/Deployment/api k8s/tools/Service/grafana; do
	t_contains "merged: $id" "$T_OUT" "$id "
done

# -f -: relative to the current folder.
t_exit "stdin: includes from the current folder" 0 bash -c "cd '$W' && '$TOPO' list -f - <main.yaml"
t_contains "stdin: included ids" "$T_OUT" "hosts/more.yaml:2:5"
t_exit "stdin: elsewhere the paths are not found" 2 bash -c "cd '$W/hosts' && '$TOPO' validate -f - <'$W/main.yaml'"
t_contains "stdin: the entry's position" "$T_ERR" "<stdin>:6:5: include: cannot read hosts/panda.yaml: No such file or directory"

# --- refused --------------------------------------------------------------
cat >"$W/a.yaml" <<'EOF'
version: 1
system: cycle
include:
  - b.yaml
EOF
cat >"$W/b.yaml" <<'EOF'
dns:
  - {name: localhost}
include: [shared.yaml, a.yaml]
EOF
t_exit "cycle: exit 2" 2 "$TOPO" validate -f "$W/a.yaml"
t_contains "cycle: at the include entry" "$T_ERR" "b.yaml:3:24: include: a cycle: $W/a.yaml -> $W/b.yaml -> $W/a.yaml"
printf 'version: 1\nsystem: self\ninclude: [self.yaml]\n' >"$W/self.yaml"
t_exit "self include: exit 2" 2 "$TOPO" validate -f "$W/self.yaml"
t_contains "self include: at the entry" "$T_ERR" "self.yaml:3:11: include: a cycle:"

cat >"$W/bad.yaml" <<'EOF'
version: 1
system: bad
vars: {HOST: 10.0.0.1}
include:
  - nowhere.yaml
  - hosts
  - "${DIR}/x.yaml"
  - scalar.yaml
  - broken.yaml
  - conflict.yaml
  - dup.yaml
dns:
  - {name: localhost}
EOF
printf -- '- just\n- a list\n' >"$W/scalar.yaml"
printf 'dns:\n  - {name: x, family: ipv5}\n' >"$W/broken.yaml"
printf 'vars: {HOST: 127.0.0.1}\n' >"$W/conflict.yaml"
printf 'dns:\n  - {name: localhost}\n' >"$W/dup.yaml"
t_exit "bad includes: exit 2" 2 "$TOPO" validate -f "$W/bad.yaml"
t_contains "missing file: file:line:column" "$T_ERR" "bad.yaml:5:5: include: cannot read $W/nowhere.yaml: No such file or directory"
t_contains "a folder" "$T_ERR" "bad.yaml:6:5: include: $W/hosts is a directory"
t_contains "a variable in a path" "$T_ERR" "bad.yaml:7:5: include: '\${DIR}/x.yaml': variables are not expanded"
t_contains "not a map" "$T_ERR" "bad.yaml:8:5: include: $W/scalar.yaml: the top level must be a map of sections, not a list"
t_contains "an included file's problem carries its name" "$T_ERR" "$W/broken.yaml:2:23: dns[1].family: 'ipv5' is not one of any, ipv4, ipv6"
t_contains "a scalar set twice: both places" "$T_ERR" "$W/conflict.yaml:1:8: include: 'vars.HOST' is set in both $W/bad.yaml:3:14 and $W/conflict.yaml:1:14"

# The same id in two files, once the files are otherwise good.
printf 'version: 1\nsystem: dup\ninclude: [dup.yaml]\ndns:\n  - {name: localhost}\n' >"$W/dupmain.yaml"
t_exit "the same id in two files: exit 2" 2 "$TOPO" validate -f "$W/dupmain.yaml"
t_contains "the same id: both files" "$T_ERR" "$W/dup.yaml:2:5: duplicate check id 'dns/localhost' (first at $W/dupmain.yaml:5:5)"
t_exit "check refuses it too" 2 "$TOPO" check -f "$W/dupmain.yaml"

printf 'version: 1\nsystem: x\ninclude: {a: b}\n' >"$W/shape.yaml"
t_exit "include: a map" 2 "$TOPO" validate -f "$W/shape.yaml"
t_contains "include: expected a list" "$T_ERR" "shape.yaml:3:10: include: expected a list, got a map"

# A chain 20 deep stops at 16.
for i in $(seq 1 20); do printf 'include: [d%d.yaml]\n' $((i + 1)) >"$W/d$i.yaml"; done
printf 'dns: []\n' >"$W/d21.yaml"
printf 'version: 1\nsystem: deep\ninclude: [d1.yaml]\n' >"$W/deep.yaml"
t_exit "too deep: exit 2" 2 "$TOPO" validate -f "$W/deep.yaml"
t_contains "too deep: at the entry" "$T_ERR" "d16.yaml:1:11: include: more than 16 levels"
t_eq "too deep: one problem" "1" "$(grep -c 'include:' <<<"$T_ERR")"

# A relative path in an included file is relative to that file, wherever
# topo runs from.
mkdir -p "$W/rel/sub/data"
echo hello >"$W/rel/sub/data/x.txt"
printf 'version: 1\nsystem: rel\ninclude: [sub/part.yaml]\n' >"$W/rel/main.yaml"
printf 'files:\n  - {name: x, path: data/x.txt, contains: hello}\nsources:\n  - {name: hello, file: data/x.txt, regex: "(hel+o)", equals: hello}\n' >"$W/rel/sub/part.yaml"
t_exit "relative paths: from the included file's folder" 0 "$TOPO" check -f "$W/rel/main.yaml"
t_exit "relative paths: ... from anywhere" 0 sh -c 'cd / && "$1" check -f "$2"' _ "$TOPO" "$W/rel/main.yaml"
t_exit "relative paths: the main file's own stay its own" 1 sh -c 'printf "files:\n  - {name: y, path: data/x.txt}\n" >>"$1" && "$2" check -f "$1" --only file/y' _ "$W/rel/main.yaml" "$TOPO"
