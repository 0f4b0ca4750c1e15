#!/usr/bin/env bash
# tests/integration/caddy.sh: the caddy probe against a real `caddy run`
# with a Caddyfile of the joelclaw shape (several sites, a snippet, a path
# router with /webhooks/* and a fallback) on free loopback ports, plain
# http:// sites and auto_https off so no TLS or ACME is attempted. Checks
# the static side (the Caddyfile) and the live side (the admin API), then a
# drifted topology (a wrong upstream, a missing route, an undeclared route),
# then the admin API gone.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

CADDY=${TOPO_CADDY:-caddy}
if ! command -v "$CADDY" >/dev/null 2>&1; then
	t_fail "caddy is installed" "no caddy binary: install the caddy package"
	exit 0
fi

ADMIN=$(t_free_port)
P1=$(t_free_port)
P2=$(t_free_port)
P3=$(t_free_port)
GONE=$(t_free_port)

# Caddy writes its autosave and storage under HOME / XDG: keep them here.
export HOME=$TMPDIR/home XDG_DATA_HOME=$TMPDIR/xdg-data XDG_CONFIG_HOME=$TMPDIR/xdg-config
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"

mkdir -p "$TMPDIR/repo"
cat >"$TMPDIR/repo/Caddyfile" <<EOF
# joelclaw shape: tailnet-style sites fanning in, and the webhook router.
{
	auto_https off
	admin 127.0.0.1:$ADMIN
	default_bind 127.0.0.1
	storage file_system $TMPDIR/caddy-storage
}

(proxy_headers) {
	header_up X-Forwarded-Host {host}
}

# Inngest API + dashboard
http://panda.localhost:$P1 {
	reverse_proxy localhost:8288 {
		import proxy_headers
	}
}

# worker
http://panda.localhost:$P2 {
	reverse_proxy http://localhost:3111
}

# Funnel target: the path router
http://localhost:$P3 {
	@webhooks path /webhooks/*
	handle @webhooks {
		reverse_proxy localhost:3111
	}
	handle {
		reverse_proxy localhost:8288
	}
}
EOF

"$CADDY" run --config "$TMPDIR/repo/Caddyfile" --adapter caddyfile \
	>"$TMPDIR/caddy.log" 2>&1 &
CADDY_PID=$!
t_cleanup "kill $CADDY_PID; wait $CADDY_PID"
if ! t_wait_port "$ADMIN" 15 || ! t_wait_port "$P3" 5; then
	t_fail "caddy starts" "$(tail -20 "$TMPDIR/caddy.log")"
	exit 0
fi
t_pass "caddy starts"

topology() {
	# $1: file, then the routes lines
	local file=$1
	shift
	{
		echo "version: 1"
		echo "system: caddy-test"
		echo "caddy:"
		echo "  caddyfile: \${REPO}/Caddyfile"
		echo "  admin: http://127.0.0.1:\${ADMIN}"
		echo "  timeout_ms: 3000"
		echo "  adapt: ${ADAPT:-true}"
		echo "  routes:"
		printf '    %s\n' "$@"
	} >"$file"
}
export REPO=$TMPDIR/repo
export ADMIN

# --- all declared, all ok ------------------------------------------------
topology "$TMPDIR/ok.yaml" \
	"- {site: \"panda.localhost:$P1\", to: \"localhost:8288\"}" \
	"- {site: \"http://panda.localhost:$P2\", to: \"localhost:3111\"}" \
	"- {site: \"localhost:$P3\", path: \"/webhooks/*\", to: \"localhost:3111\"}" \
	"- {site: \"localhost:$P3\", to: \"localhost:8288\"}"

t_exit "caddy: all declared routes ok (exit 0)" 0 \
	"$TOPO" check -f "$TMPDIR/ok.yaml" --format json -o "$TMPDIR/ok.json"
t_eq "caddy: 10 checks (2 sources + 4 routes x 2 layers)" "10" \
	"$(t_jq "$TMPDIR/ok.json" '[.checks[]] | length')"
t_eq "caddy: every check ok" "" \
	"$(t_jq "$TMPDIR/ok.json" '.checks[] | select(.status != "ok") | .id')"
t_eq "caddy: static webhook route checked" "ok static" \
	"$(t_jq "$TMPDIR/ok.json" ".checks[] | select(.id == \"caddy/localhost:$P3/webhooks/*/caddyfile\") | \"\(.status) \(.layer)\"")"
t_eq "caddy: live webhook route checked" "ok live" \
	"$(t_jq "$TMPDIR/ok.json" ".checks[] | select(.id == \"caddy/localhost:$P3/webhooks/*\") | \"\(.status) \(.layer)\"")"
HOOK_LINE=$(grep -n '^		reverse_proxy localhost:3111$' "$TMPDIR/repo/Caddyfile" | cut -d: -f1)
t_contains "caddy: static evidence is file:line" \
	"$(t_jq "$TMPDIR/ok.json" ".checks[] | select(.id == \"caddy/localhost:$P3/webhooks/*/caddyfile\") | .evidence")" \
	"$TMPDIR/repo/Caddyfile:$HOOK_LINE: reverse_proxy localhost:$P3 /webhooks/* -> localhost:3111"
t_contains "caddy: live evidence names the admin request" \
	"$(t_jq "$TMPDIR/ok.json" ".checks[] | select(.id == \"caddy/localhost:$P3\") | .evidence")" \
	"GET http://127.0.0.1:$ADMIN/config/"

t_contains "caddy: caddy adapt cross-checks the hand parser" \
	"$(t_jq "$TMPDIR/ok.json" '.checks[] | select(.id == "caddy/caddyfile") | .evidence')" \
	"caddy adapt agrees (4 routes)"
# Without the binary the hand parser stands alone, and says so.
TOPO_CADDY=$TMPDIR/no-such-caddy t_exit "caddy: no caddy binary, static still ok" 0 \
	"$TOPO" check -f "$TMPDIR/ok.yaml" --layer static --format json -o "$TMPDIR/nobin.json"
t_contains "caddy: no binary: hand parser only" \
	"$(t_jq "$TMPDIR/nobin.json" '.checks[] | select(.id == "caddy/caddyfile") | .evidence')" \
	"hand parser only"

# --- drift: a wrong upstream, a missing route, an undeclared route ----------
topology "$TMPDIR/drift.yaml" \
	"- {site: \"panda.localhost:$P1\", to: \"localhost:8288\"}" \
	"- {site: \"localhost:$P3\", path: \"/webhooks/*\", to: \"localhost:3112\"}" \
	"- {site: \"localhost:$P3\", to: \"localhost:8288\"}" \
	"- {site: \"localhost:$P3\", path: \"/api/*\", to: \"localhost:4000\"}"
# (panda.localhost:$P2 is served but not declared)

t_exit "caddy: drift exits 1" 1 \
	"$TOPO" check -f "$TMPDIR/drift.yaml" --format json -o "$TMPDIR/drift.json"
verdict() { # id -> "status drift"
	t_jq "$TMPDIR/drift.json" ".checks[] | select(.id == \"$1\") | \"\(.status) \(.drift)\""
}
for suffix in "/caddyfile" ""; do
	layer=${suffix:+static}
	layer=${layer:-live}
	t_eq "caddy $layer: wrong upstream is changed" "drift changed" \
		"$(verdict "caddy/localhost:$P3/webhooks/*$suffix")"
	t_contains "caddy $layer: changed says which upstream" \
		"$(t_jq "$TMPDIR/drift.json" ".checks[] | select(.id == \"caddy/localhost:$P3/webhooks/*$suffix\") | .message")" \
		"upstream is localhost:3111, expected localhost:3112"
	t_eq "caddy $layer: absent route is missing" "drift missing" \
		"$(verdict "caddy/localhost:$P3/api/*$suffix")"
	t_eq "caddy $layer: undeclared route is extra" "drift extra" \
		"$(verdict "caddy/panda.localhost:$P2$suffix")"
	t_contains "caddy $layer: extra shows what was found" \
		"$(t_jq "$TMPDIR/drift.json" ".checks[] | select(.id == \"caddy/panda.localhost:$P2$suffix\") | .observed")" \
		"panda.localhost:$P2 -> localhost:3111"
	t_eq "caddy $layer: the fallback stays ok" "ok null" \
		"$(verdict "caddy/localhost:$P3$suffix")"
done
t_eq "caddy: exactly 6 drifts" "6" \
	"$(t_jq "$TMPDIR/drift.json" '[.checks[] | select(.status == "drift")] | length')"

# extra: false turns undeclared routes off
sed 's/^caddy:$/caddy:\n  extra: false/' "$TMPDIR/drift.yaml" >"$TMPDIR/noextra.yaml"
"$TOPO" check -f "$TMPDIR/noextra.yaml" --format json -o "$TMPDIR/noextra.json" >/dev/null 2>&1
t_eq "caddy: extra: false reports no extra" "0" \
	"$(t_jq "$TMPDIR/noextra.json" '[.checks[] | select(.drift == "extra")] | length')"

# --layer static reads only the file: no request to the admin API
t_exit "caddy: --layer static" 1 "$TOPO" check -f "$TMPDIR/drift.yaml" \
	--layer static --format json -o "$TMPDIR/static.json"
t_eq "caddy: static layer has no live result" "" \
	"$(t_jq "$TMPDIR/static.json" '.checks[] | select(.layer == "live" and .status != "skipped") | .id')"

# --- a Caddyfile with unbalanced braces: a clear problem with file:line ----
mkdir -p "$TMPDIR/broken"
printf 'http://x:1 {\n\treverse_proxy localhost:1\n\n' >"$TMPDIR/broken/Caddyfile"
REPO=$TMPDIR/broken "$TOPO" check -f "$TMPDIR/ok.yaml" --layer static \
	--format json -o "$TMPDIR/broken.json" >/dev/null 2>&1
t_eq "caddy: unbalanced Caddyfile is an error" "error" \
	"$(t_jq "$TMPDIR/broken.json" '.checks[] | select(.id == "caddy/caddyfile") | .status')"
t_contains "caddy: the error names file:line" \
	"$(t_jq "$TMPDIR/broken.json" '.checks[] | select(.id == "caddy/caddyfile") | .message')" \
	"$TMPDIR/broken/Caddyfile:1: unclosed '{'"

# A directive Caddy does not know: caddy adapt rejects the file (error on
# caddy/caddyfile), the routes keep the hand parser's reading.
mkdir -p "$TMPDIR/unknown"
sed 's/^\t@webhooks path/\tno_such_directive on\n&/' "$TMPDIR/repo/Caddyfile" >"$TMPDIR/unknown/Caddyfile"
REPO=$TMPDIR/unknown "$TOPO" check -f "$TMPDIR/ok.yaml" --layer static \
	--format json -o "$TMPDIR/unknown.json" >/dev/null 2>&1
t_contains "caddy: caddy adapt rejecting the file is an error" \
	"$(t_jq "$TMPDIR/unknown.json" '.checks[] | select(.id == "caddy/caddyfile") | "\(.status) \(.message)"')" \
	"error $TMPDIR/unknown/Caddyfile: caddy adapt rejects it (exit 1)"
t_eq "caddy: the routes are still read by the hand parser" "ok ok ok ok" \
	"$(t_jq "$TMPDIR/unknown.json" '[.checks[] | select(.layer == "static" and .id != "caddy/caddyfile") | .status] | join(" ")')"

# Without adapt: the hand parser alone, caddy is not run.
ADAPT=false topology "$TMPDIR/noadapt.yaml" \
	"- {site: \"http://panda.localhost:$P2\", to: \"localhost:3111\"}"
"$TOPO" check -f "$TMPDIR/noadapt.yaml" --layer static --only caddy/caddyfile \
	--format json -o "$TMPDIR/noadapt.json" >/dev/null 2>&1
t_not_contains "caddy: adapt: false runs no caddy adapt" \
	"$(t_jq "$TMPDIR/noadapt.json" '.checks[] | select(.id == "caddy/caddyfile") | "\(.status) \(.evidence)"')" \
	"caddy adapt"

# --- the admin API gone: every live check is error with the reason ---------
ADMIN=$GONE "$TOPO" check -f "$TMPDIR/ok.yaml" --layer live --timeout 2000 \
	--format json -o "$TMPDIR/gone.json" >/dev/null 2>&1
t_eq "caddy: unreachable admin gives error on every live check" "error error error error error" \
	"$(t_jq "$TMPDIR/gone.json" '[.checks[] | select(.layer == "live") | .status] | join(" ")')"
t_contains "caddy: the error says why" \
	"$(t_jq "$TMPDIR/gone.json" '.checks[] | select(.id == "caddy/admin") | .message')" \
	"127.0.0.1 port $GONE"

# One GET of /config/ per run, whatever the number of live checks.
before=$(grep -c '"uri":"/config/"' "$TMPDIR/caddy.log")
"$TOPO" check -f "$TMPDIR/ok.yaml" --layer live >/dev/null 2>&1
after=$(grep -c '"uri":"/config/"' "$TMPDIR/caddy.log")
t_eq "caddy: one admin request per run" "1" "$((after - before))"

# Nothing was written outside TMPDIR: Caddy's autosave went to our XDG dir.
t_eq "caddy: autosave stays in TMPDIR" "yes" \
	"$([ -f "$XDG_CONFIG_HOME/caddy/autosave.json" ] && echo yes || echo no)"
