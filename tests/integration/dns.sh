#!/usr/bin/env bash
# tests/integration/dns.sh: the dns probe through `topo check`, with real
# lookups that need no network and change nothing on the machine:
# localhost (/etc/hosts), numeric names (127.0.0.2 resolves to itself) and
# names under .invalid (RFC 6761: never resolve). As declared; an address
# gone (drift missing, with the answer as evidence), one too many, a name
# that should not resolve and does; 200 checks in one run, with --jobs 1
# too; ids in topo list and the doc; schema errors with file:line:column.
# The lookups that outlive their timeout are tests/unit/test_dns.c's (a
# stand-in getaddrinfo holds them).
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

# A resolver that cannot be reached gives up after a second, not thirty.
export RES_OPTIONS="timeout:1 attempts:1"

status() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) |
	    .status + (if .drift then "/" + .drift else "" end)' "${2:-$TMPDIR/out.json}"
}
field() {
	jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2" "${3:-$TMPDIR/out.json}"
}

# Which addresses localhost has here: 127.0.0.1, and maybe ::1.
LOCALHOST=$(getent ahosts localhost 2>/dev/null | awk '{ print $1 }' | sort -u | tr '\n' ' ')
if [[ " $LOCALHOST " != *" 127.0.0.1 "* ]]; then
	t_skip "dns" "localhost does not resolve to 127.0.0.1 here ($LOCALHOST)"
	exit 0
fi

# --- as declared ----------------------------------------------------------
cat >"$TMPDIR/ok.yaml" <<'EOF'
version: 1
system: dns-test
dns:
  - name: localhost
    contains: 127.0.0.1
    what: loopback
  - {name: localhost, family: ipv4, addresses: [127.0.0.1]}
  - {name: 127.0.0.2, addresses: ["127.0.0.2"]}
  - {name: "::1", addresses: ["0:0:0:0:0:0:0:1"]}
  - {name: gone.example.invalid, expect: nxdomain}
EOF
"$TOPO" check -f "$TMPDIR/ok.yaml" --format json -o "$TMPDIR/out.json"
rc=$?
if [ "$(status dns/gone.example.invalid)" == "error" ]; then
	# No resolver answers here: .invalid cannot be told, the rest can.
	t_skip "nxdomain through the resolver" "$(field dns/gone.example.invalid message)"
	t_eq "as declared: exit 1 (only the resolver's error)" "1" "$rc"
else
	t_eq "as declared: exit 0" "0" "$rc"
	t_eq "nxdomain: ok" "ok" "$(status dns/gone.example.invalid)"
	t_contains "nxdomain: evidence" "$(field dns/gone.example.invalid evidence)" "getaddrinfo gone.example.invalid -> "
fi
for id in dns/localhost dns/localhost/ipv4 dns/127.0.0.2 dns/::1; do
	t_eq "ok: $id" "ok" "$(status $id)"
done
t_contains "evidence: the answer" "$(field dns/localhost/ipv4 evidence)" "getaddrinfo localhost (ipv4) -> 127.0.0.1 in "
t_eq "the summary says what is checked" "localhost resolves to at least 127.0.0.1 (loopback)" "$(field dns/localhost message)"
t_eq "an IPv6 literal compares in its canonical form" "ok" "$(status dns/::1)"
t_eq "layer live" "live" "$(field dns/localhost layer)"

t_exit "topo list: the ids" 0 "$TOPO" list -f "$TMPDIR/ok.yaml"
t_contains "list: dns/localhost/ipv4" "$T_OUT" "dns/localhost/ipv4"
t_contains "list: position" "$T_OUT" "ok.yaml:8:5"
t_exit "--layer static: nothing of dns runs" 0 "$TOPO" check -f "$TMPDIR/ok.yaml" --layer static --format json -o "$TMPDIR/static.json"
t_eq "static: skipped" "skipped" "$(status dns/localhost "$TMPDIR/static.json")"
t_exit "topo doc: the names" 0 "$TOPO" doc -f "$TMPDIR/ok.yaml"
t_contains "doc: a row per name" "$T_OUT" "| localhost | loopback |"
t_contains "doc: nxdomain row" "$T_OUT" "does not resolve"

# --- drift ----------------------------------------------------------------
cat >"$TMPDIR/drift.yaml" <<'EOF'
version: 1
system: dns-test
dns:
  - {name: localhost, family: ipv4, contains: [127.0.0.1, 10.99.0.7]}
  - {name: 127.0.0.3, addresses: [127.0.0.3, 127.0.0.4]}
  - {name: 127.0.0.5, addresses: [127.0.0.6]}
  - {name: nothing.example.invalid}
EOF
t_exit "drift: exit 1" 1 "$TOPO" check -f "$TMPDIR/drift.yaml" --format json -o "$TMPDIR/out.json"
t_eq "contains an address it lacks: missing" "drift/missing" "$(status dns/localhost/ipv4)"
t_contains "missing: names the address" "$(field dns/localhost/ipv4 message)" "10.99.0.7"
t_contains "missing: evidence is the answer" "$(field dns/localhost/ipv4 evidence)" "getaddrinfo localhost (ipv4) -> 127.0.0.1 in "
t_eq "an address declared, not answered: missing" "drift/missing" "$(status dns/127.0.0.3)"
t_contains "missing address named" "$(field dns/127.0.0.3 message)" "declared but gone: 127.0.0.4"
t_eq "another address: changed" "drift/changed" "$(status dns/127.0.0.5)"
t_contains "the new one is named" "$(field dns/127.0.0.5 message)" "not declared: 127.0.0.5"
if [ "$(status dns/nothing.example.invalid)" != "error" ]; then
	t_eq "a name that does not resolve: missing" "drift/missing" "$(status dns/nothing.example.invalid)"
	t_contains "missing: the resolver's word" "$(field dns/nothing.example.invalid evidence)" "getaddrinfo nothing.example.invalid -> "
fi

cat >"$TMPDIR/resolves.yaml" <<'EOF'
version: 1
system: dns-test
dns:
  - {name: 127.0.0.9, expect: nxdomain}
EOF
t_exit "nxdomain expected, resolves: exit 1" 1 "$TOPO" check -f "$TMPDIR/resolves.yaml" --format json -o "$TMPDIR/out.json"
t_eq "resolves when it should not: extra" "drift/extra" "$(status dns/127.0.0.9)"
t_contains "extra: what it resolved to" "$(field dns/127.0.0.9 evidence)" "-> 127.0.0.9"

# --- many at once ---------------------------------------------------------
{
	printf 'version: 1\nsystem: many\ndns:\n'
	for i in $(seq 1 200); do
		printf '  - {name: 127.0.%d.%d, addresses: [127.0.%d.%d]}\n' $((i / 250)) $((i % 250 + 1)) $((i / 250)) $((i % 250 + 1))
	done
} >"$TMPDIR/many.yaml"
t_exit "200 lookups: exit 0" 0 "$TOPO" check -f "$TMPDIR/many.yaml" --format json -o "$TMPDIR/many.json"
t_eq "200 lookups: all ok" "200" "$(jq '[.checks[] | select(.status == "ok")] | length' "$TMPDIR/many.json")"
t_exit "200 lookups, --jobs 1: exit 0" 0 "$TOPO" check -f "$TMPDIR/many.yaml" --jobs 1 --format json -o "$TMPDIR/many1.json"
t_eq "--jobs 1: all ok" "200" "$(jq '[.checks[] | select(.status == "ok")] | length' "$TMPDIR/many1.json")"
t_exit "200 lookups, --jobs 7: exit 0" 0 "$TOPO" check -f "$TMPDIR/many.yaml" --jobs 7 --format json -o "$TMPDIR/many7.json"
t_eq "--jobs 7: all ok" "200" "$(jq '[.checks[] | select(.status == "ok")] | length' "$TMPDIR/many7.json")"

# --- what topo refuses before looking anything up ---------------------------
# The schema's faults first: the planner's wait until the file is well formed.
cat >"$TMPDIR/schema.yaml" <<'EOF'
version: 1
system: bad
dns:
  - {name: e.example, expect: resolve}
  - {name: f.example, adresses: [10.0.0.1]}
  - {addresses: [10.0.0.1]}
  - {name: g.example, family: ip6}
  - name.example
EOF
t_exit "invalid dns items: exit 2" 2 "$TOPO" validate -f "$TMPDIR/schema.yaml"
t_contains "expect typo" "$T_ERR" "schema.yaml:4:31: dns[0].expect: 'resolve' is not one of resolves, nxdomain (did you mean 'resolves'?)"
t_contains "unknown key" "$T_ERR" "schema.yaml:5:23: unknown key 'adresses' in dns[1] (did you mean 'addresses'?)"
t_contains "name required" "$T_ERR" "schema.yaml:6:5: dns[2]: missing required key 'name'"
t_contains "family choices" "$T_ERR" "schema.yaml:7:31: dns[3].family: 'ip6' is not one of any, ipv4, ipv6"
t_contains "an item is a map" "$T_ERR" "schema.yaml:8:5: dns[4]: expected a map"

cat >"$TMPDIR/bad.yaml" <<'EOF'
version: 1
system: bad
dns:
  - {name: a.example, addresses: [10.0.0.300]}
  - {name: b.example, addresses: [10.0.0.1], contains: 10.0.0.1}
  - {name: c.example, expect: nxdomain, contains: 10.0.0.1}
  - {name: d.example, family: ipv6, addresses: [10.0.0.1]}
  - {name: g.example, contains: {a: 1}}
  - {name: "h example"}
  - {name: i.example, addresses: []}
  - {name: j.example}
  - {name: j.example}
EOF
t_exit "invalid dns declarations: exit 2" 2 "$TOPO" validate -f "$TMPDIR/bad.yaml"
t_contains "not an address" "$T_ERR" "bad.yaml:4:35: addresses: '10.0.0.300' is not an IPv4 or IPv6 address"
t_contains "addresses and contains" "$T_ERR" "bad.yaml:5:56: contains: not with addresses"
t_contains "nxdomain with addresses" "$T_ERR" "bad.yaml:6:51: contains: a name expected nxdomain has no addresses"
t_contains "family mismatch" "$T_ERR" "bad.yaml:7:49: addresses: 10.0.0.1 is not an IPv6 address (family: ipv6)"
t_contains "contains: not a map" "$T_ERR" "bad.yaml:8:33: contains: an address or a list of addresses"
t_contains "a name with a blank" "$T_ERR" "bad.yaml:9:12: name: a host name"
t_contains "empty addresses" "$T_ERR" "bad.yaml:10:34: addresses: empty"
t_contains "duplicate id: both places" "$T_ERR" "bad.yaml:12:5: duplicate check id 'dns/j.example' (first at 11:5)"
