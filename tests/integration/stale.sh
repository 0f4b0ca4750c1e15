#!/usr/bin/env bash
# tests/integration/stale.sh: `topo stale --changed FILE|-` with the watch
# list of topologies/joelclaw.yaml, fed by real `git diff --name-only
# BASE...HEAD` as in the CI recipe: a watched file changed alone fails (1,
# naming it); with the topology or the generated document it passes; an
# unwatched file passes; bad use exits 2.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh" || exit 1
# This script writes files and runs git: only ever inside its scratch folder.
[ -n "${TMPDIR:-}" ] && [ -d "$TMPDIR" ] && [ "$TMPDIR" != / ] || { echo "FAIL: no scratch folder"; exit 1; }

command -v git >/dev/null || { t_fail "stale: git is needed"; exit 0; }

# A joelclaw-shaped repository holding the topology and its document.
W=$TMPDIR/work
mkdir -p "$W/topologies" "$W/docs" "$W/packages/system-bus/src" "$W/k8s" "$W/infra/launchd" "$W/README.d"
cp "$ROOT/topologies/joelclaw.yaml" "$W/topologies/"
cp "$ROOT/docs/system-architecture.md" "$W/docs/"
echo 'export default {}' >"$W/packages/system-bus/src/serve.ts"
echo 'kind: Service' >"$W/k8s/redis.yaml"
echo '<plist/>' >"$W/infra/launchd/com.joel.gateway.plist"
echo 'readme' >"$W/README.md"
cd "$W" || exit 1
# git acts on this scratch repository only, whatever folder holds it.
export GIT_DIR="$W/.git" GIT_WORK_TREE="$W"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
git init -q -b main . && git add -A && git commit -qm base || { t_fail "stale: git init"; exit 0; }

# stale_case NAME EXPECTED_EXIT FILE...: on a branch off main, change FILEs,
# commit, and run the CI recipe.
stale_case() {
	local name=$1 want=$2 f
	shift 2
	git checkout -q main && git checkout -q -B "case-$RANDOM"
	for f in "$@"; do
		mkdir -p "$(dirname "$f")"
		echo "# changed" >>"$f"
	done
	git add -A && git commit -qm "$name"
	git diff --name-only main...HEAD >"$TMPDIR/changed.txt"
	t_exit "stale: $name" "$want" "$TOPO" stale -f topologies/joelclaw.yaml --changed "$TMPDIR/changed.txt"
}

stale_case "a watched file changed alone" 1 packages/system-bus/src/serve.ts
t_contains "stale: names the path" "$T_OUT" "packages/system-bus/src/serve.ts (watched by 'packages/system-bus/src/serve.ts'"
t_contains "stale: names the topology and the document" "$T_OUT" "neither topologies/joelclaw.yaml nor docs/system-architecture.md did"
stale_case "a watched file with the topology" 0 packages/system-bus/src/serve.ts topologies/joelclaw.yaml
t_contains "stale: says the topology was updated" "$T_OUT" "topology updated too"
stale_case "a watched file with the regenerated document" 0 packages/system-bus/src/serve.ts docs/system-architecture.md
stale_case "an unwatched file" 0 README.md
t_contains "stale: nothing watched" "$T_OUT" "0 watched"
stale_case "a nested file under a ** glob" 1 k8s/base/nested/deploy.yaml
t_contains "stale: the glob that matched" "$T_OUT" "k8s/base/nested/deploy.yaml (watched by 'k8s/**'"
stale_case "several watched files, each named" 1 infra/launchd/com.joel.gateway.plist README.md k8s/redis.yaml
t_contains "stale: 2 paths" "$T_OUT" "2 watched paths changed"
t_contains "stale: the plist" "$T_OUT" "infra/launchd/com.joel.gateway.plist"
t_not_contains "stale: not the unwatched one" "$T_OUT" "README.md"
stale_case "a near miss of a watched name" 0 packages/system-bus/src/serve.tsx

# Paths on standard input, as in the one-line recipe, and untidy paths.
git checkout -q main
t_exit "stale: paths from stdin" 1 bash -c "printf 'k8s/redis.yaml\n' | '$TOPO' stale -f topologies/joelclaw.yaml --changed -"
t_exit "stale: ./ and // cleaned" 1 bash -c "printf './k8s//redis.yaml\r\n' | '$TOPO' stale -f topologies/joelclaw.yaml --changed -"
t_exit "stale: no paths at all" 0 bash -c "printf '' | '$TOPO' stale -f topologies/joelclaw.yaml --changed -"
t_exit "stale: the CI one-liner" 0 bash -c "git diff --name-only main...HEAD | '$TOPO' stale -f topologies/joelclaw.yaml --changed -"
t_exit "stale: a path with an escape sequence" 1 bash -c "printf 'k8s/a\\033[2Jb.yaml\\n' | '$TOPO' stale -f topologies/joelclaw.yaml --changed -"
t_not_contains "stale: no escape byte reaches the terminal" "$T_OUT" $'\033'
t_contains "stale: the path shown with ? for the control byte" "$T_OUT" "k8s/a?[2Jb.yaml"

# Bad use.
t_exit "stale: --changed is required" 2 "$TOPO" stale -f topologies/joelclaw.yaml
t_exit "stale: a missing --changed file" 2 "$TOPO" stale -f topologies/joelclaw.yaml --changed "$TMPDIR/none.txt"
echo 'version: [' >"$TMPDIR/broken.yaml"
t_exit "stale: an invalid topology" 2 "$TOPO" stale -f "$TMPDIR/broken.yaml" --changed "$TMPDIR/changed.txt"

# A file the topology includes is the topology: changing it with a watched
# path is an update, not stale.
mkdir -p "$TMPDIR/inc/parts"
printf 'version: 1\nsystem: inc\ninclude: [parts/k8s.yaml]\nwatch: ["k8s/**"]\n' >"$TMPDIR/inc/main.yaml"
printf 'files: []\n' >"$TMPDIR/inc/parts/k8s.yaml"
t_exit "stale (include): a watched path alone is stale" 1 bash -c \
	"cd '$TMPDIR/inc' && printf 'k8s/redis.yaml\n' | '$TOPO' stale -f main.yaml --changed -"
t_exit "stale (include): with the included file changed, up to date" 0 bash -c \
	"cd '$TMPDIR/inc' && printf 'k8s/redis.yaml\nparts/k8s.yaml\n' | '$TOPO' stale -f main.yaml --changed -"
t_exit "stale (include): the included file first, a watched path after" 0 bash -c \
	"cd '$TMPDIR/inc' && printf 'parts/k8s.yaml\nk8s/redis.yaml\n' | '$TOPO' stale -f main.yaml --changed -"
t_exit "stale (include): another file changed is not the topology" 1 bash -c \
	"cd '$TMPDIR/inc' && printf 'k8s/redis.yaml\nparts/other.yaml\n' | '$TOPO' stale -f main.yaml --changed -"
