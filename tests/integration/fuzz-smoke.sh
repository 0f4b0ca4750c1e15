#!/usr/bin/env bash
# fuzz-smoke.sh: the libFuzzer targets of tests/fuzz/ in `make check`: each
# committed regression input (tests/fuzz/regressions/TARGET/) runs once
# through its target, then every target fuzzes for a few seconds from its
# seed corpus. Any crash, sanitizer report, leak or slow input is a FAIL
# (the input is left in build-fuzz/artifacts/). The long runs are
# `make fuzz FUZZ_SECONDS=N`.
. "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

SECONDS_EACH=${FUZZ_SMOKE_SECONDS:-4}
mapfile -t targets < <("$ROOT/tests/fuzz/run.sh" --list)

# Every parser of outside input has its target (a new one must be added here
# on purpose, so none is dropped silently).
want="caddy_json caddyfile doc_results events jsonpath kubectl launchctl manifest match plist redis report sources systemd topology"
t_eq "every fuzz target present" "$want" "$(echo "${targets[@]}" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"

# One regression input per target at least: the crash each one once found,
# or the seed shape it must survive.
for t in "${targets[@]}"; do
	n=$(find "$ROOT/tests/fuzz/regressions/$t" -type f 2>/dev/null | wc -l)
	if [ "$n" -gt 0 ]; then t_pass "$t: $n regression inputs committed"; else
		t_fail "$t: no regression input under tests/fuzz/regressions/$t"; fi
done

# run.sh prints PASS:/FAIL: lines itself (regressions, then each session);
# a build failure is one FAIL. At most 2 targets at once: a shared machine.
out=$(FUZZ_JOBS=2 "$ROOT/tests/fuzz/run.sh" --smoke "$SECONDS_EACH" 2>&1)
rc=$?
grep -E '^(PASS|FAIL): |^    ' <<<"$out"
t_eq "fuzz smoke: run.sh exit" 0 "$rc"
for t in "${targets[@]}"; do
	t_contains "$t: regression inputs pass" "$out" "PASS: fuzz $t: "
	t_contains "$t: fuzzed ${SECONDS_EACH}s without a fault" "$out" "PASS: fuzz $t ${SECONDS_EACH}s: "
done
# The summary line is what the closing note reports; it must carry figures.
line=$(grep -m1 '^PASS: fuzz topology [0-9]*s: ' <<<"$out")
if [[ "$line" =~ executions\ [0-9]+,\ corpus\ [0-9]+\ inputs.*coverage\ [0-9]+\ edges ]]; then
	t_pass "summary has executions, corpus and coverage"
else
	t_fail "summary has executions, corpus and coverage" "$line"
fi
