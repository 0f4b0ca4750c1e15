#!/usr/bin/env bash
# tests/integration/events.sh: the events: section and `topo why` on the
# whole real joelclaw tree (../shared/fixtures/joelclaw-a92), static layer.
# Every expected figure was obtained by hand with grep/awk on the tree (the
# command is beside each) and is cross-checked here with grep where it can be.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh" || exit 1

TREE=$ROOT/../shared/fixtures/joelclaw-a92
if [ ! -d "$TREE/packages/system-bus/src/inngest/functions" ]; then
	echo "SKIP: events: $TREE is absent (the real joelclaw tree)"
	exit 0
fi
TREE=$(cd "$TREE" && pwd)
FN=$TREE/packages/system-bus/src/inngest/functions
TOPOLOGY=$ROOT/topologies/joelclaw.yaml

check() {
	"$TOPO" check -f "$TOPOLOGY" --layer static --set "REPO=$TREE" \
	    --only 'events/*' --format json -o "$TMPDIR/events.json"
}
# The count observed by check $1.
count() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .observed' "$TMPDIR/events.json"; }
evidence() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .evidence' "$TMPDIR/events.json"; }

t_exit "events: the real tree has findings, exit 1" 1 check

# 135 functions: grep -c 'createFunction(' functions/*.ts functions/*/*.ts
# memory/*.ts, without *.test.ts and index*.ts; host 119 and cluster 14: the
# entries of hostFunctionDefinitions / clusterFunctionDefinitions (awk between
# `export const LIST = [` and `];`), none a spread or call.
hand=$(grep -c 'createFunction(' "$FN"/*.ts "$FN"/*/*.ts "$TREE"/packages/system-bus/src/memory/*.ts |
    grep -v 'test\.ts:\|/index[^/]*\.ts:' | awk -F: '{ s += $NF } END { print s }')
t_eq "events: grep counts 135 createFunction calls" 135 "$hand"
t_contains "events: 135 functions, host 119, cluster 14" "$(evidence events/unregistered)" \
    "135 functions (registered: host 119, cluster 14)"

# Unregistered: slackChannelBackfill and slackBackfillBatch (slack-backfill.ts
# :216 and :480) are exported by index.ts but named by neither worker list.
t_eq "events: 2 functions registered nowhere" "count = 2" "$(count events/unregistered)"
t_contains "events: slack-channel-backfill unregistered, file:line" "$(evidence events/unregistered)" \
    "packages/system-bus/src/inngest/functions/slack-backfill.ts:216: slack-channel-backfill (slackChannelBackfill)"
t_contains "events: slack-backfill-batch unregistered, file:line" "$(evidence events/unregistered)" \
    "packages/system-bus/src/inngest/functions/slack-backfill.ts:480: slack-backfill-batch (slackBackfillBatch)"
t_eq "events: grep finds neither in a worker list" 0 \
    "$(grep -c 'slackChannelBackfill\|slackBackfillBatch' "$FN/index.host.ts" "$FN/index.cluster.ts" | awk -F: '{ s += $2 } END { print s }')"
# promote.ts: `const promoteFunction = inngest.createFunction(` registered as
# its alias `export const promote = promoteFunction;` (index.host.ts:153).
t_not_contains "events: promote (an alias) is registered" "$(evidence events/unregistered)" "review-promote"

# Registered twice: comm -12 of the two sorted lists is empty.
t_eq "events: no function in both lists" "count = 0" "$(count events/registered-twice)"

# Unhandled: every event listed is emitted and no `event: "NAME"` (trigger,
# waitForEvent, cancelOn) names it anywhere in system-bus/src: checked below.
t_eq "events: 19 events emitted that no function handles" "count = 19" "$(count events/unhandled)"
bad=
while read -r name; do
	grep -rqF "event: \"$name\"" "$TREE/packages/system-bus/src" && bad="$bad $name"
done < <(evidence events/unhandled | sed -n 's/.*: emits //p')
t_eq "events: grep finds no handler of any unhandled event" "" "$bad"
t_contains "events: x/post.completed unhandled, file:line" "$(evidence events/unhandled)" \
    "packages/system-bus/src/inngest/functions/x-post.ts:435: emits x/post.completed"
# agent/loop.cancelled is handled by seven cancelOn (grep -A3 cancelOn | grep -c).
t_not_contains "events: a cancelOn event is handled" "$(evidence events/unhandled)" "agent/loop.cancelled"

# Unemitted: 45 names, of which 31 no other file of the repository mentions
# (grep -rlF '"NAME"' over *.ts *.sh *.py *.js *.tsx without node_modules,
# tests and the event schema client.ts finds the handler's file only).
# 23 emit sites compute their name (the CLI's `send <event>` among them):
# any of the 45 may be sent by one, so the verdict is unknown, not drift.
t_eq "events: unemitted is unknown while names are computed" "unknown" \
    "$(jq -r '.checks[] | select(.id == "events/unemitted") | .status' "$TMPDIR/events.json")"
t_contains "events: 45 events awaited that no emit site names" \
    "$(jq -r '.checks[] | select(.id == "events/unemitted") | .message' "$TMPDIR/events.json")" \
    "45 events awaited with no literal emit site in the files read, but 23 emit sites compute their name"
t_contains "events: a webhook prefix declared external is not reported" \
    "$(evidence events/unemitted | grep -c 'vercel/')" "0"
# embedding/text.requested: grep -rlF finds embed.ts and client.ts (its schema) only.
t_contains "events: embedding/text.requested unemitted, file:line" "$(evidence events/unemitted)" \
    "packages/system-bus/src/inngest/functions/embed.ts:86: triggers on embedding/text.requested"

# ---- topo why
why() { "$TOPO" why -f "$TOPOLOGY" --set "REPO=$TREE" "$@"; }
t_exit "why: function memory/review-promote" 0 why --format json function memory/review-promote
j=$T_OUT
t_eq "why: defined at promote.ts:329" "packages/system-bus/src/inngest/functions/promote.ts:329" \
    "$(jq -r .defined <<<"$j")"
t_eq "why: its three triggers (promote.ts:334)" "event memory/proposal.approved
event memory/proposal.rejected
cron 0 8 * * *" "$(jq -r '.triggers[] | "\(.type) \(.name)"' <<<"$j")"
t_eq "why: registered by host, index.host.ts:129, app system-bus-host" \
    "host system-bus-host packages/system-bus/src/inngest/functions/index.host.ts:129" \
    "$(jq -r '.registered[] | "\(.worker) \(.app) \(.list)"' <<<"$j")"
t_contains "why: the Caddy route to the host worker's port" "$(jq -r '.registered[0].routes[]' <<<"$j")" \
    "Caddy panda.tail7af24.ts.net:3443 -> localhost:3111"

t_exit "why: event vercel/deploy.succeeded" 0 why --format json event vercel/deploy.succeeded
t_eq "why: it triggers two functions (typesense-sync.ts:593, vercel-notify.ts:17)" \
    "typesense/blog-sync packages/system-bus/src/inngest/functions/typesense-sync.ts:593
vercel-deploy-succeeded-notify packages/system-bus/src/inngest/functions/vercel-notify.ts:17" \
    "$(jq -r '.triggers[] | "\(.function) \(.at)"' <<<"$T_OUT")"
t_eq "why: nothing in the repository emits it (a webhook)" 0 "$(jq '.emitted_by | length' <<<"$T_OUT")"

t_exit "why: event agent/loop.cancelled" 0 why --format json event agent/loop.cancelled
t_eq "why: the CLI emits it (loop.ts:618)" "packages/cli/src/commands/loop.ts:618" \
    "$(jq -r '.emitted_by[].at' <<<"$T_OUT")"
t_eq "why: seven functions are cancelled by it" 7 "$(jq '.cancels | length' <<<"$T_OUT")"

t_exit "why: text for people" 0 why function github-workflow-run-completed-notify
t_contains "why: registered on the cluster" "$T_OUT" "worker     cluster"
t_contains "why: cluster app id" "$T_OUT" "app        system-bus-cluster"

t_exit "why: an unknown function, exit 1" 1 why function no/such-function
t_contains "why: says why" "$T_OUT" "no createFunction with this id or variable"
t_exit "why: an unknown subject, exit 2" 2 why table 3111
t_contains "why: names the subjects" "$T_ERR" "unknown subject table"
t_exit "why: no name, usage, exit 2" 2 why event

# ---- faults: --root, nothing to read
mkdir -p "$TMPDIR/elsewhere"
t_exit "events: --root elsewhere, an error (exit 1)" 1 "$TOPO" check -f "$TOPOLOGY" --layer static \
    --set "REPO=$TREE" --root "$TMPDIR/elsewhere" --only 'events/*' --format json
t_eq "events: --root elsewhere, every events check an error" "error error error error" \
    "$(jq -r '[.checks[] | select(.id | startswith("events/")) | .status] | join(" ")' <<<"$T_OUT")"
t_not_contains "events: --root elsewhere, no file name from outside" "$T_OUT$T_ERR" "slack-backfill"
t_contains "events: --root elsewhere, says why" "$T_OUT" "is outside the root"
t_exit "events: --root the tree, the same counts" 1 "$TOPO" check -f "$TOPOLOGY" --layer static \
    --set "REPO=$TREE" --root "$TREE" --only 'events/unregistered' --format json
t_eq "events: --root the tree, 2 unregistered" "count = 2" \
    "$(jq -r '.checks[] | select(.id == "events/unregistered") | .observed' <<<"$T_OUT")"
cat >"$TMPDIR/none.yaml" <<YAML
version: 1
system: none
events:
  functions: ["$TMPDIR/no-such-folder/*.ts"]
  workers: [{name: host, file: "$TMPDIR/no-such-folder/index.ts", list: fns}]
YAML
t_exit "events: no function file, an error (exit 1)" 1 "$TOPO" check -f "$TMPDIR/none.yaml" --only 'events/unregistered'
t_contains "events: no function file, says which glob" "$T_OUT" "functions: no file matches $TMPDIR/no-such-folder/*.ts"
