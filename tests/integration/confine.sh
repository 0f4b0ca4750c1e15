#!/usr/bin/env bash
# tests/integration/confine.sh: --root DIR (and $TOPO_ROOT) confines what the
# static layer reads. Real files in a scratch folder: a repository whose
# checks of every static kind (sources, files, the Caddyfile and a glob
# import, manifests, plists, unit files) give the same verdicts with and
# without --root; then a topology that reaches out of it in every way a pull
# request could (an absolute path, ../, /etc/passwd, a link inside pointing
# out, a Caddyfile import, a linked manifests folder, plists and unit-files
# folders outside): with --root each such check is an error "path P is
# outside the root R (--root)" and the marker held by the outside files is
# in no report format, no -o file, nor stderr; without --root the same
# topology reads them (so the option is what changes it). Then $TOPO_ROOT,
# --root beating it, and a missing or non-folder root as a usage error.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

# Lower case: it is also a Kubernetes name and a Caddy host.
MARK=confine-marker-7f3a91
PASSWD_MARK="root:x:0:0"

REPO=$TMPDIR/work/repo
OUT=$TMPDIR/work/outside
mkdir -p "$REPO/src" "$REPO/sites" "$REPO/k8s" "$REPO/launchd" "$REPO/systemd" \
	"$OUT/k8s" "$OUT/launchd" "$OUT/systemd"
REAL=$(cd "$REPO" && pwd -P)

# ---- the repository: one check of each static kind, all inside ----
printf 'export const INNGEST_URL = "http://localhost:8288";\n' >"$REPO/src/config.ts"
cat >"$REPO/Caddyfile" <<'EOF'
import sites/*.caddy
EOF
cat >"$REPO/sites/worker.caddy" <<'EOF'
http://localhost:8443 {
	reverse_proxy localhost:3111
}
EOF
cat >"$REPO/k8s/web.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec: {replicas: 1}
EOF
plist() { # FILE LABEL PROGRAM
	cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key><string>$2</string>
	<key>Program</key><string>$3</string>
	<key>KeepAlive</key><true/>
</dict>
</plist>
EOF
}
plist "$REPO/launchd/com.x.app.plist" com.x.app /usr/local/bin/app
printf '[Service]\nExecStart=/usr/bin/app --serve\nRestart=always\n' >"$REPO/systemd/app.service"

# ---- outside: every file holds the marker ----
printf 'token = %s\n' "$MARK" >"$OUT/secret.txt"
cat >"$OUT/secret.caddy" <<EOF
http://$MARK.localhost:9 {
	reverse_proxy $MARK:1
}
EOF
cat >"$OUT/k8s/leak.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $MARK, namespace: app}
spec: {replicas: 1}
EOF
plist "$OUT/launchd/com.x.leak.plist" com.x.leak "/usr/bin/$MARK"
printf '[Service]\nExecStart=/usr/bin/%s\n' "$MARK" >"$OUT/systemd/leak.service"
# Links inside the repository that point out of it.
ln -s "$OUT/secret.txt" "$REPO/src/link.ts"
ln -s "$OUT/k8s" "$REPO/k8s-link"
ln -s ../../outside/secret.caddy "$REPO/sites/leak.caddy.off"
printf 'import ../outside/secret.caddy\n' >"$REPO/Caddyfile.escape"

GOOD=$REPO/topology.yaml
cat >"$GOOD" <<'EOF'
version: 1
system: confine-good
sources:
  - name: inngest url
    file: src/config.ts
    regex: 'INNGEST_URL = "([^"]+)"'
    equals: http://localhost:8288
  - name: inngest url drifted
    file: src/config.ts
    regex: 'INNGEST_URL = "([^"]+)"'
    equals: http://localhost:9999
files:
  - src/config.ts
  - src/gone.ts
  - {name: config url, path: src/config.ts, contains: 'localhost:8288'}
caddy:
  caddyfile: Caddyfile
  routes:
    - {site: "localhost:8443", to: "localhost:3111"}
kubernetes:
  context: test
  manifests: k8s
  namespaces:
    app:
      workloads: [Deployment/web]
launchd:
  domain: gui/501
  plists: launchd
  jobs:
    - {label: com.x.app, program: /usr/local/bin/app, keep_alive: true}
systemd:
  unit_files: systemd
  units:
    - {unit: app.service, program: /usr/bin/app --serve, restart: always}
EOF

verdicts() { jq -r '[.checks[] | select(.status != "skipped") | .id + "=" + .status + (if .drift then "/" + .drift else "" end)] | sort | join(" ")' "$1"; }

# ---- 1. inside the root: the same verdicts with --root as without ----
t_exit "inside: without --root, exit 1 (the drifted source and file)" 1 \
	"$TOPO" check -f "$GOOD" --layer static --format json -o "$TMPDIR/free.json"
t_exit "inside: with --root, exit 1 as well" 1 \
	"$TOPO" check -f "$GOOD" --layer static --format json -o "$TMPDIR/rooted.json" --root "$REPO"
t_eq "inside: every verdict the same with --root" "$(verdicts "$TMPDIR/free.json")" \
	"$(verdicts "$TMPDIR/rooted.json")"
t_eq "inside: the verdicts are the expected ones" \
	"caddy/caddyfile=ok caddy/localhost:8443/caddyfile=ok file/config url=ok file/src/config.ts=ok file/src/gone.ts=drift/missing k8s/app/Deployment/web/manifest=ok k8s/manifests=ok launchd/com.x.app/plist=ok source/inngest url drifted=drift/changed source/inngest url=ok systemd/app.service/file=ok" \
	"$(verdicts "$TMPDIR/rooted.json")"
t_not_contains "inside: no outside message" "$(cat "$TMPDIR/rooted.json")" "outside the root"
# The root given with a trailing slash, or relative to the working folder.
t_exit "inside: --root DIR/ is the same root" 1 \
	"$TOPO" check -f "$GOOD" --layer static --format json -o "$TMPDIR/slash.json" --root "$REPO/"
t_eq "inside: --root DIR/ verdicts" "$(verdicts "$TMPDIR/free.json")" "$(verdicts "$TMPDIR/slash.json")"
t_exit "inside: --root . from the repository" 1 \
	bash -c 'cd "$1" && "$2" check -f topology.yaml --layer static --format json --root .' _ "$REPO" "$TOPO"
echo "$T_OUT" >"$TMPDIR/dot.json"
t_eq "inside: --root . verdicts" "$(verdicts "$TMPDIR/free.json")" "$(verdicts "$TMPDIR/dot.json")"

# ---- 2. reaching out: each way a pull request could ----
ESC=$REPO/escape.yaml
cat >"$ESC" <<EOF
version: 1
system: confine-escape
sources:
  - name: absolute
    file: $OUT/secret.txt
    regex: 'token = (.*)'
    equals: nothing
  - name: dotdot
    file: ../outside/secret.txt
    regex: 'token = (.*)'
    equals: nothing
  - name: passwd
    file: /etc/passwd
    regex: '^(root:.*)'
    equals: nothing
  - name: link
    file: src/link.ts
    regex: 'token = (.*)'
    equals: nothing
  - name: missing parent escape
    file: src/nowhere/../../../outside/secret.txt
    regex: 'token = (.*)'
    equals: nothing
files:
  - {name: contains dotdot, path: ../outside/secret.txt, contains: 'token = .*'}
  - {name: exists absolute, path: $OUT/secret.txt}
  - {name: exists outside missing, path: $OUT/no-such-file}
caddy:
  caddyfile: Caddyfile.escape
  routes:
    - {site: "localhost:8443", to: "localhost:3111"}
kubernetes:
  context: test
  manifests: k8s-link
  namespaces:
    app:
      workloads: [Deployment/web]
launchd:
  domain: gui/501
  plists: $OUT/launchd
  jobs:
    - {label: com.x.leak}
systemd:
  unit_files: ../outside/systemd
  units:
    - {unit: leak.service}
EOF
ESCAPES=("source/absolute" "source/dotdot" "source/passwd" "source/link"
	"source/missing parent escape" "file/contains dotdot" "file/exists absolute"
	"file/exists outside missing" "caddy/caddyfile" "caddy/localhost:8443/caddyfile"
	"k8s/manifests" "k8s/app/Deployment/web/manifest" "launchd/com.x.leak/plist"
	"systemd/leak.service/file")

field() { jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2" "${3:-$TMPDIR/esc.json}"; }

# Only errors: exit 0, and 1 with --strict, as for any other error.
t_exit "escape: errors only, exit 1" 1 \
	"$TOPO" check -f "$ESC" --layer static --format json -o "$TMPDIR/esc.json" --root "$REPO"
ERRS=$T_ERR
t_exit "escape: exit 1 with --strict" 1 \
	"$TOPO" check -f "$ESC" --layer static --format json --strict --root "$REPO"
ERRS+=$T_ERR
for id in "${ESCAPES[@]}"; do
	t_eq "escape: $id is an error" "error" "$(field "$id" status)"
	t_contains "escape: $id says it is outside the root" "$(field "$id" message)" \
		"is outside the root $REAL (--root)"
done
t_eq "escape: every check is an error" "0" \
	"$(jq '[.checks[] | select(.status != "error" and .status != "skipped")] | length' "$TMPDIR/esc.json")"
t_eq "escape: the /etc/passwd message" \
	"path /etc/passwd is outside the root $REAL (--root)" "$(field source/passwd message)"
t_eq "escape: the link's message names the link" \
	"path $REPO/src/link.ts is outside the root $REAL (--root)" "$(field source/link message)"
# A file outside that does not exist gets the same words as one that does:
# the message tells nothing of what lies outside.
t_eq "escape: a missing outside file reads like a present one" \
	"path $OUT/no-such-file is outside the root $REAL (--root)" \
	"$(field "file/exists outside missing" message)"
t_contains "escape: the Caddyfile import is named with its line" \
	"$(field caddy/caddyfile message)" "Caddyfile.escape:1: import ../outside/secret.caddy: path"
t_contains "escape: the linked manifests folder" "$(field k8s/manifests message)" \
	"path $REPO/k8s-link is outside the root"

# The marker is nowhere: every format, the -o files, stderr.
for fmt in text json markdown junit; do
	t_exit "escape: --format $fmt runs" 1 \
		"$TOPO" check -f "$ESC" --layer static --format "$fmt" --root "$REPO"
	t_not_contains "escape: no marker in $fmt" "$T_OUT" "$MARK"
	t_not_contains "escape: no /etc/passwd line in $fmt" "$T_OUT" "$PASSWD_MARK"
	t_contains "escape: $fmt tells why" "$T_OUT" "outside the root"
	ERRS+=$T_ERR
	"$TOPO" check -f "$ESC" --layer static --format "$fmt" --root "$REPO" \
		-o "$TMPDIR/esc.$fmt" 2>>"$TMPDIR/esc.stderr"
	t_not_contains "escape: no marker in the -o $fmt file" "$(cat "$TMPDIR/esc.$fmt")" "$MARK"
done
ERRS+=$(cat "$TMPDIR/esc.stderr")
t_not_contains "escape: no marker on stderr" "$ERRS" "$MARK"
t_not_contains "escape: no /etc/passwd line on stderr" "$ERRS" "$PASSWD_MARK"

# topo doc runs the checks with --live: the document holds no marker either.
t_exit "escape: topo doc --live --root (errors: exit 1)" 1 \
	"$TOPO" doc -f "$ESC" --live --layer static --root "$REPO"
t_not_contains "escape: no marker in the document" "$T_OUT$T_ERR" "$MARK"
t_not_contains "escape: no /etc/passwd line in the document" "$T_OUT$T_ERR" "$PASSWD_MARK"

# ---- 3. without --root, the same topology reads them all ----
t_exit "no --root: the outside is read (drift)" 1 \
	"$TOPO" check -f "$ESC" --layer static --format json -o "$TMPDIR/open.json"
t_eq "no --root: the absolute path is read" "value = $MARK" \
	"$(field source/absolute observed "$TMPDIR/open.json")"
t_eq "no --root: the link is read" "value = $MARK" "$(field source/link observed "$TMPDIR/open.json")"
t_eq "no --root: /etc/passwd is read" "drift" "$(field source/passwd status "$TMPDIR/open.json")"
t_contains "no --root: the Caddyfile import is read" "$(cat "$TMPDIR/open.json")" \
	"$MARK.localhost:9"
t_not_contains "no --root: no outside message" "$(cat "$TMPDIR/open.json")" "outside the root"

# ---- 4. Caddy under --root: wildcards only in the last part, no caddy adapt ----
printf 'import sit*/worker.caddy\n' >"$REPO/Caddyfile.glob"
cat >"$TMPDIR/caddy.yaml" <<EOF
version: 1
system: confine-caddy
caddy:
  caddyfile: $REPO/Caddyfile.glob
  routes:
    - {site: "localhost:8443", to: "localhost:3111"}
EOF
t_exit "caddy: a wildcard folder under --root" 1 \
	"$TOPO" check -f "$TMPDIR/caddy.yaml" --layer static --format json -o "$TMPDIR/glob.json" --root "$REPO"
t_contains "caddy: a wildcard before the last part is refused" \
	"$(field caddy/caddyfile message "$TMPDIR/glob.json")" \
	"import sit*/worker.caddy: under --root, a wildcard is followed only in the last part"
t_exit "caddy: the same wildcard without --root" 0 \
	"$TOPO" check -f "$TMPDIR/caddy.yaml" --layer static --format json -o "$TMPDIR/glob.json"
t_eq "caddy: without --root it is followed" "ok" "$(field caddy/caddyfile status "$TMPDIR/glob.json")"
sed -i 's|^  caddyfile: .*|  caddyfile: '"$REPO"'/Caddyfile\n  adapt: true|' "$TMPDIR/caddy.yaml"
t_exit "caddy: adapt: true under --root" 0 \
	"$TOPO" check -f "$TMPDIR/caddy.yaml" --layer static --format json -o "$TMPDIR/adapt.json" --root "$REPO"
t_eq "caddy: adapt: true under --root still ok" "ok" "$(field caddy/caddyfile status "$TMPDIR/adapt.json")"
t_contains "caddy: caddy adapt is not run under --root" \
	"$(field caddy/caddyfile evidence "$TMPDIR/adapt.json")" "caddy adapt not run under --root"
# A link among the glob's matches is judged on its own.
mv "$REPO/sites/leak.caddy.off" "$REPO/sites/leak.caddy"
t_exit "caddy: a linked import among the matches (exit 1: the drift of section 1)" 1 \
	"$TOPO" check -f "$GOOD" --layer static --format json -o "$TMPDIR/linked.json" --root "$REPO"
t_contains "caddy: the linked match is outside" "$(field caddy/caddyfile message "$TMPDIR/linked.json")" \
	"path $REPO/sites/leak.caddy is outside the root"
t_not_contains "caddy: no marker from the linked match" "$(cat "$TMPDIR/linked.json")" "$MARK"
mv "$REPO/sites/leak.caddy" "$REPO/sites/leak.caddy.off"

# ---- 5. $TOPO_ROOT, and --root beating it ----
t_exit "TOPO_ROOT: confines like --root" 1 \
	env TOPO_ROOT="$REPO" "$TOPO" check -f "$ESC" --layer static --format json -o "$TMPDIR/env.json"
t_eq "TOPO_ROOT: the same verdicts as --root" "$(verdicts "$TMPDIR/esc.json")" "$(verdicts "$TMPDIR/env.json")"
t_not_contains "TOPO_ROOT: no marker" "$(cat "$TMPDIR/env.json")" "$MARK"
t_exit "TOPO_ROOT: --root wins over it" 1 \
	env TOPO_ROOT=/nonexistent-topo-root "$TOPO" check -f "$ESC" --layer static --format json \
	-o "$TMPDIR/both.json" --root "$REPO"
t_eq "TOPO_ROOT: --root's verdicts" "$(verdicts "$TMPDIR/esc.json")" "$(verdicts "$TMPDIR/both.json")"
t_exit "TOPO_ROOT: empty is no root" 1 \
	env TOPO_ROOT= "$TOPO" check -f "$ESC" --layer static --format json
t_not_contains "TOPO_ROOT: empty reads as without" "$T_OUT" "outside the root"

# ---- 6. a root that is not a folder: usage error ----
t_exit "missing --root: exit 2" 2 "$TOPO" check -f "$ESC" --root "$TMPDIR/nope"
t_contains "missing --root: says so" "$T_ERR" \
	"topo: --root $TMPDIR/nope: No such file or directory (it must be an existing folder)"
t_not_contains "missing --root: nothing checked" "$T_OUT" "checks:"
t_exit "--root a file: exit 2" 2 "$TOPO" check -f "$ESC" --root "$REPO/src/config.ts"
t_contains "--root a file: says so" "$T_ERR" "not a folder (it must be an existing folder)"
t_exit "missing TOPO_ROOT: exit 2" 2 env TOPO_ROOT="$TMPDIR/nope" "$TOPO" check -f "$ESC"
t_contains "missing TOPO_ROOT: names the variable" "$T_ERR" \
	"topo: \$TOPO_ROOT $TMPDIR/nope: No such file or directory"
for cmd in doc dash; do
	t_exit "$cmd: missing --root: exit 2" 2 "$TOPO" "$cmd" -f "$ESC" --root "$TMPDIR/nope"
	t_contains "$cmd: missing --root: says so" "$T_ERR" "(it must be an existing folder)"
	t_exit "$cmd: --help lists --root" 0 "$TOPO" "$cmd" --help
	t_contains "$cmd: --help lists --root" "$T_OUT" "--root DIR"
done
t_exit "check: --help lists --root" 0 "$TOPO" check --help
t_contains "check: --help lists --root" "$T_OUT" "--root DIR"
