#!/usr/bin/env bash
# tests/integration/portable.sh: topo built with only POSIX.1-2008 visible
# and __linux__ undefined (make PORTABLE=1: the code paths of macOS and the
# other systems: poll() instead of epoll, pipe() and fcntl instead of pipe2,
# the spawn paths without closefrom), then its unit tests and the tiers that
# exercise those paths (probes in flight, programs run, the dashboard's
# wake pipe) run on that build. Their PASS/FAIL lines are this tier's.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

if ! out=$(make -C "$ROOT" -s -j"$(nproc 2>/dev/null || echo 2)" PORTABLE=1 WERROR=-Werror 2>&1); then
	t_fail "portable: make PORTABLE=1 builds with warnings as errors" "$out"
	exit 0
fi
t_pass "portable: make PORTABLE=1 builds with warnings as errors"
P=$ROOT/build-posix
# The other systems' paths were compiled: no epoll, no pipe2 in the binary
# (the Linux build has both).
t_eq "portable: no epoll or pipe2 (poll() and pipe() paths)" "0" \
	"$(nm -D "$P/topo" | grep -cE ' (epoll_[a-z_]+|pipe2)(@|$)')"
t_eq "portable: ... where the Linux build has them" "yes" \
	"$(nm -D "$ROOT/build-asan/topo" 2>/dev/null | grep -qE ' epoll_wait(@|$)' && echo yes || echo no)"
for t in "$P"/tests/test_*; do
	name=$(basename "$t")
	if "$t" >"$TMPDIR/$name.log" 2>&1; then
		t_pass "portable: unit $name"
	else
		t_fail "portable: unit $name" "$(grep -E 'FAILED|ERROR' "$TMPDIR/$name.log" | head -5)"
	fi
done
for tier in core port command causes dash; do
	ROOT=$ROOT BUILD=$P TOPO=$P/topo bash "$ROOT/tests/integration/$tier.sh" </dev/null 2>&1 |
		sed -e "s/^PASS: /PASS: portable $tier: /" -e "s/^FAIL: /FAIL: portable $tier: /" \
		    -e "s/^SKIP: /SKIP: portable $tier: /"
done
