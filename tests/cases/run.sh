#!/usr/bin/env bash
# tests/cases/run.sh: the data-driven tier. Every folder tests/cases/<name>/
# holding a topology.yaml is one case: `topo check` runs on it and its
# verdicts (id, status, drift) are compared with expected.txt. The format is
# in tests/cases/README.md.
#
#   bash tests/cases/run.sh                 every case
#   bash tests/cases/run.sh NAME...         only these
#   UPDATE=1 bash tests/cases/run.sh NAME   (re)write NAME/expected.txt from
#                                           what topo says now: read the diff!
set -u
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

CASES=$ROOT/tests/cases
# Cases run from a scratch folder: a relative TOPO=./topo must keep working.
case $TOPO in
/*) ;;
*/*) TOPO=$PWD/$TOPO ;;
esac

# Replaces $CASE and ${CASE} in a line of args or env with the case folder.
case_subst() {
	local s=$1
	s=${s//'${CASE}'/$2}
	s=${s//'$CASE'/$2}
	printf '%s' "$s"
}

# Runs one case; prints PASS:/FAIL: lines.
case_run() {
	local dir=$1 name args=() envs=() words=() lines=() line want_exit rc out err got expected
	name=$(basename "$dir")
	out="$TMPDIR/$name.json"
	err="$TMPDIR/$name.stderr"

	if [ -f "$dir/args" ]; then
		# One or more arguments a line; words split on blanks.
		while read -r line || [ -n "$line" ]; do
			[[ -z "$line" || "$line" == \#* ]] && continue
			read -r -a words <<<"$(case_subst "$line" "$dir")"
			args+=("${words[@]}")
		done <"$dir/args"
	fi
	if [ -f "$dir/env" ]; then
		while read -r line || [ -n "$line" ]; do
			[[ -z "$line" || "$line" == \#* ]] && continue
			envs+=("$(case_subst "$line" "$dir")")
		done <"$dir/env"
	fi

	# Recorded programs first in PATH; the case's own environment on top.
	# The working folder is scratch: relative paths in a topology are
	# relative to the topology file, never to where topo was started.
	(
		cd "$TMPDIR" || exit 99
		[ -d "$dir/bin" ] && PATH="$dir/bin:$PATH"
		export PATH CASE="$dir"
		exec env "${envs[@]}" "$TOPO" check -f "$dir/topology.yaml" \
		    --format json --set "CASE=$dir" "${args[@]}"
	) >"$out" 2>"$err"
	rc=$?

	# A sanitizer report fails the case even when the verdicts are right.
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$err"; then
		t_fail "case $name: sanitizer" "$(head -c 3000 "$err")"
	fi

	if ! got=$(jq -r '.checks[] | "\(.id) \(.status) \(.drift // "")"' \
	    "$out" 2>/dev/null); then
		t_fail "case $name: report" "exit $rc, not a JSON report" \
		    "stdout: $(head -c 1500 "$out")" "stderr: $(head -c 1500 "$err")"
		return
	fi
	got=$(printf '%s\n' "$got" | sed 's/ *$//; /^$/d' | LC_ALL=C sort)

	if [ -n "${UPDATE:-}" ]; then
		printf '%s\n' "$got" >"$dir/expected.txt"
		echo "UPDATED: $dir/expected.txt"
	fi
	if [ ! -f "$dir/expected.txt" ]; then
		t_fail "case $name: verdicts" "no expected.txt; topo said:" "$got"
		return
	fi
	expected=$(grep -v '^[[:space:]]*$' "$dir/expected.txt" | sed 's/[[:space:]]*$//' |
	    LC_ALL=C sort)
	if [ "$got" == "$expected" ]; then
		t_pass "case $name: verdicts"
	else
		mapfile -t lines < <(diff <(printf '%s\n' "$expected") \
		    <(printf '%s\n' "$got") | sed -n 's/^</expected:/p; s/^>/actual:  /p')
		[ -s "$err" ] && lines+=("stderr: $(head -c 1500 "$err")")
		t_fail "case $name: verdicts" "${lines[@]}"
	fi

	if [ -f "$dir/exit" ]; then
		want_exit=$(tr -d '[:space:]' <"$dir/exit")
	elif grep -Eq ' drift (missing|changed|extra)$' <<<"$expected"; then
		want_exit=1
	else
		want_exit=0
	fi
	if [ "$rc" == "$want_exit" ]; then
		t_pass "case $name: exit code"
	else
		t_fail "case $name: exit code" "expected: $want_exit" "actual:   $rc" \
		    "stderr: $(head -c 1500 "$err")"
	fi

	# Optional: fixed strings the JSON report must contain (evidence
	# file:line, messages), one a line.
	if [ -f "$dir/contains" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			[ -z "$line" ] && continue
			t_contains "case $name: report contains $line" \
			    "$(cat "$out")" "$(case_subst "$line" "$dir")"
		done <"$dir/contains"
	fi
}

main() {
	local dir name found=0
	if [ ! -x "$TOPO" ]; then
		t_fail "cases" "no topo binary at $TOPO (make SANITIZE=1 first)"
		return 1
	fi
	if [ $# -gt 0 ]; then
		for name in "$@"; do
			name=${name%/}
			name=${name##*/}
			if [ -f "$CASES/$name/topology.yaml" ]; then
				case_run "$CASES/$name"
				found=1
			else
				t_fail "case $name" "no $CASES/$name/topology.yaml"
			fi
		done
	else
		for dir in "$CASES"/*/; do
			dir=${dir%/}
			[ -f "$dir/topology.yaml" ] || continue
			case_run "$dir"
			found=1
		done
	fi
	[ "$found" == 1 ] || t_fail "cases" "no case found under $CASES"
}

main "$@"
