#!/usr/bin/env bash
# tests/integration/files.sh: the files probe's attributes against real files
# made here: mode (octal, exact), owner (name or uid), min_size/max_size and
# sha256 (a 20 MiB file, larger than what the static probes read whole, and a
# 2 GiB sparse one stopped at its timeout); each mismatch drift changed with
# expected and observed, a file that cannot be read an error with errno
# text, a folder's size or digest drift; paths relative to the topology and
# --root still apply; every bad value a `topo validate` problem at its
# file:line:column; and `topo doc` shows the keys.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

if [ ! -x "$TOPO" ]; then
	t_fail "files: build" "missing $TOPO (make SANITIZE=1)"
	exit 0
fi

W=$TMPDIR/w
mkdir -p "$W/repo/dir"
printf 'hello\n' >"$W/repo/a.txt"
chmod 0640 "$W/repo/a.txt"
chmod 0755 "$W/repo/dir"
head -c $((20 * 1024 * 1024)) /dev/zero >"$W/repo/big.bin"
truncate -s 2G "$W/repo/sparse.bin"
SHA_A=$(sha256sum "$W/repo/a.txt" | cut -d' ' -f1)
SHA_BIG=$(sha256sum "$W/repo/big.bin" | cut -d' ' -f1)
SHA_UPPER=$(tr 'a-f' 'A-F' <<<"$SHA_A")
ME=$(id -un)
UID_ME=$(id -u)
if [ "$ME" = root ]; then OTHER=nobody; else OTHER=root; fi

cat >"$W/files.yaml" <<EOF
version: 1
system: files-attributes
vars:
  REPO: $W/repo
files:
  - {path: "\${REPO}/a.txt", name: mode-ok, mode: "0640"}
  - {path: "\${REPO}/a.txt", name: mode-digits, mode: 640}
  - {path: "\${REPO}/a.txt", name: mode-drift, mode: "0644"}
  - {path: "\${REPO}/dir", name: mode-dir, mode: "0755"}
  - {path: "\${REPO}/a.txt", name: owner-ok, owner: $ME}
  - {path: "\${REPO}/a.txt", name: owner-uid, owner: "$UID_ME"}
  - {path: "\${REPO}/a.txt", name: owner-drift, owner: $OTHER}
  - {path: "\${REPO}/a.txt", name: size-ok, min_size: 1, max_size: 6}
  - {path: "\${REPO}/a.txt", name: size-small, min_size: 100}
  - {path: "\${REPO}/a.txt", name: size-big, max_size: 5}
  - {path: "\${REPO}/a.txt", name: sha-ok, sha256: "$SHA_UPPER"}
  - {path: "\${REPO}/a.txt", name: sha-drift, sha256: "$SHA_BIG"}
  - {path: "\${REPO}/big.bin", name: sha-big, sha256: "$SHA_BIG", timeout_ms: 60000}
  - {path: "\${REPO}/sparse.bin", name: sha-timeout, sha256: "$SHA_BIG", timeout_ms: 50}
  - {path: "\${REPO}/dir", name: sha-dir, sha256: "$SHA_A", min_size: 1}
  - {path: /proc/self/mem, name: sha-unreadable, sha256: "$SHA_A"}
  - {path: "\${REPO}/gone.txt", name: sha-gone, sha256: "$SHA_A"}
  - {path: "\${REPO}/a.txt", name: contains-and-mode, contains: "^hel+o", mode: "0640"}
  - {path: repo/a.txt, name: relative, sha256: "$SHA_A"}
EOF

t_exit "files: drift exits 1" 1 "$TOPO" check -f "$W/files.yaml" --format json -o "$W/r.json"
R=$W/r.json
field() { jq -r --arg id "file/$1" ".checks[] | select(.id == \$id) | .$2" "$R"; }
expect_check() {	# NAME STATUS [DRIFT]
	t_eq "file/$1 status" "$2" "$(field "$1" status)"
	[ $# -ge 3 ] && t_eq "file/$1 drift" "$3" "$(field "$1" drift)"
	return 0
}
t_eq "files: every check reported" 19 "$(jq '.checks | length' "$R")"

expect_check mode-ok ok
t_contains "mode-ok: evidence" "$(field mode-ok evidence)" "$W/repo/a.txt: mode 0640"
expect_check mode-digits ok
expect_check mode-drift drift changed
t_eq "mode-drift: expected" "mode = 0644" "$(field mode-drift expected)"
t_eq "mode-drift: observed" "mode = 0640" "$(field mode-drift observed)"
expect_check mode-dir ok
expect_check owner-ok ok
t_contains "owner-ok: evidence" "$(field owner-ok evidence)" "owner $ME (uid $UID_ME)"
expect_check owner-uid ok
t_contains "owner-uid: observed the uid" "$(field owner-uid observed)" "owner = $UID_ME"
expect_check owner-drift drift changed
t_eq "owner-drift: expected" "owner = $OTHER" "$(field owner-drift expected)"
t_eq "owner-drift: observed" "owner = $ME" "$(field owner-drift observed)"
expect_check size-ok ok
expect_check size-small drift changed
t_eq "size-small: expected" "size >= 100" "$(field size-small expected)"
t_eq "size-small: observed" "size = 6" "$(field size-small observed)"
expect_check size-big drift changed
t_eq "size-big: expected" "size <= 5" "$(field size-big expected)"
expect_check sha-ok ok
t_contains "sha-ok: digest in evidence" "$(field sha-ok evidence)" "sha256 $SHA_A"
expect_check sha-drift drift changed
t_eq "sha-drift: expected" "sha256 = $SHA_BIG" "$(field sha-drift expected)"
t_eq "sha-drift: observed" "sha256 = $SHA_A" "$(field sha-drift observed)"
expect_check sha-big ok
t_contains "sha-big: the digest of all 20 MiB" "$(field sha-big evidence)" "big.bin: sha256 $SHA_BIG"
expect_check sha-timeout error
t_contains "sha-timeout: message" "$(field sha-timeout message)" "sha256: timed out after 50 ms"
expect_check sha-dir drift changed
t_contains "sha-dir: evidence" "$(field sha-dir evidence)" "a directory, not a regular file"
t_eq "sha-dir: observed" "size = (none); sha256 = (none)" "$(field sha-dir observed)"
# /proc/self/mem is a regular file that cannot be read from offset 0 (EIO),
# even by root: the error names the file and says why.
if [ -e /proc/self/mem ]; then
	expect_check sha-unreadable error
	t_eq "sha-unreadable: errno text" "cannot read /proc/self/mem for sha256: Input/output error" \
		"$(field sha-unreadable message)"
else
	t_skip "sha-unreadable" "no /proc/self/mem here"
fi
expect_check sha-gone drift missing
expect_check contains-and-mode ok
t_contains "contains-and-mode: both in evidence" "$(field contains-and-mode evidence)" "a.txt:1: hello; mode 0640"
expect_check relative ok

# A file this user cannot open (root opens everything: then skipped).
if [ "$UID_ME" != 0 ]; then
	printf 'x' >"$W/repo/locked.txt"
	chmod 000 "$W/repo/locked.txt"
	cat >"$W/locked.yaml" <<EOF
version: 1
system: files-locked
files:
  - {path: "$W/repo/locked.txt", name: locked, sha256: "$SHA_A"}
EOF
	t_exit "locked: an error, exit 1" 1 "$TOPO" check -f "$W/locked.yaml" --format json -o "$W/l.json"
	t_eq "locked: errno text" "cannot read $W/repo/locked.txt for sha256: Permission denied" \
		"$(jq -r '.checks[0].message' "$W/l.json")"
else
	t_skip "locked: permission denied" "running as root, who can read any file"
fi

# --root: a digest of a file outside the root is not even opened.
cat >"$W/rooted.yaml" <<EOF
version: 1
system: files-rooted
files:
  - {path: /proc/self/mem, name: outside, sha256: "$SHA_A"}
  - {path: repo/a.txt, name: inside, sha256: "$SHA_A", mode: "0640"}
EOF
t_exit "--root: exit 1 (one error)" 1 "$TOPO" check -f "$W/rooted.yaml" --root "$W/repo" --format json -o "$W/root.json"
t_contains "--root: outside refused" "$(jq -r '.checks[] | select(.id == "file/outside") | .message' "$W/root.json")" "outside the root"
t_eq "--root: inside ok" ok "$(jq -r '.checks[] | select(.id == "file/inside") | .status' "$W/root.json")"

# ---------------------------------------------------------------- validation
cat >"$W/bad.yaml" <<EOF
version: 1
system: files-bad
files:
  - {path: a, mode: "0948"}
  - {path: b, mode: "12345"}
  - {path: c, owner: "a b"}
  - {path: d, sha256: abc}
  - {path: e, sha256: "$(printf 'g%.0s' $(seq 64))"}
  - {path: f, min_size: 10, max_size: 5}
  - {path: g, absent: true, sha256: "$SHA_A"}
EOF
t_exit "validate: bad attributes exit 2" 2 "$TOPO" validate -f "$W/bad.yaml"
V="$T_ERR$T_OUT"
t_contains "validate: mode 0948" "$V" "bad.yaml:4:21: files: mode: '0948' is not an octal mode"
t_contains "validate: mode of 5 digits" "$V" "bad.yaml:5:21: files: mode: '12345' is not an octal mode"
t_contains "validate: owner" "$V" "bad.yaml:6:22: files: owner: 'a b' is not a user name or uid"
t_contains "validate: short sha256" "$V" "bad.yaml:7:23: files: sha256: expected 64 hex digits, got 3 characters"
t_contains "validate: not hex" "$V" "bad.yaml:8:23: files: sha256: expected 64 hex digits, got 64 characters (not all hex digits)"
t_contains "validate: min above max" "$V" "bad.yaml:9:25: files: min_size 10 is larger than max_size 5"
t_contains "validate: absent with sha256" "$V" "bad.yaml:10:37: files: sha256 cannot be combined with absent: true"
cat >"$W/badtype.yaml" <<EOF
version: 1
system: files-bad
files:
  - {path: a, min_size: -1}
EOF
t_exit "validate: a negative size exits 2" 2 "$TOPO" validate -f "$W/badtype.yaml"
t_contains "validate: negative size" "$T_ERR$T_OUT" "badtype.yaml:4:25:"

# ---------------------------------------------------------------- doc
t_exit "doc: files" 0 "$TOPO" doc -f "$W/files.yaml"
t_contains "doc: mode" "$T_OUT" "| exists; mode 0640 |"
t_contains "doc: sizes" "$T_OUT" "exists; size >= 1 bytes; size <= 6 bytes"
t_contains "doc: sha256 shortened" "$T_OUT" "exists; sha256 \`${SHA_UPPER:0:12}...\`"
t_contains "doc: contains and mode" "$T_OUT" "a line matching \`^hel+o\`; mode 0640"
