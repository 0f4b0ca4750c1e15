#!/usr/bin/env bash
# output.sh: -o writes reports and documents atomically over plain files, and
# in place over anything else: topo must never replace a device, a FIFO or
# a symbolic link with a file of its own (it once turned /dev/null into one).
. "$ROOT/tests/lib.sh"

cat >"$TMPDIR/t.yaml" <<YAML
version: 1
system: output-test
files:
  - $TMPDIR/t.yaml
YAML

# A plain file: replaced whole.
echo old >"$TMPDIR/report.json"
t_exit "plain file: exit 0" 0 "$TOPO" check -f "$TMPDIR/t.yaml" --format json -o "$TMPDIR/report.json"
t_eq "plain file: is the report" "output-test" "$(jq -r .system "$TMPDIR/report.json")"
t_eq "plain file: no temporary left" "" "$(ls -A "$TMPDIR" | grep '^\.topo-output' || true)"

# A character device (our own null device, so a regression harms nothing).
if mknod "$TMPDIR/null" c 1 3 2>/dev/null; then
	t_exit "device: exit 0" 0 "$TOPO" check -f "$TMPDIR/t.yaml" -o "$TMPDIR/null"
	t_eq "device: still a character device" "yes" "$([ -c "$TMPDIR/null" ] && echo yes || echo no)"
	t_exit "doc to device: exit 0" 0 "$TOPO" doc -f "$TMPDIR/t.yaml" -o "$TMPDIR/null"
	t_eq "doc to device: still a character device" "yes" "$([ -c "$TMPDIR/null" ] && echo yes || echo no)"
else
	echo "SKIP: mknod not permitted"
fi

# A symbolic link: written through, the link stays.
echo old >"$TMPDIR/target.md"
ln -s target.md "$TMPDIR/link.md"
t_exit "symlink: exit 0" 0 "$TOPO" check -f "$TMPDIR/t.yaml" --format markdown -o "$TMPDIR/link.md"
t_eq "symlink: still a link" "yes" "$([ -L "$TMPDIR/link.md" ] && echo yes || echo no)"
t_contains "symlink: target has the report" "$(cat "$TMPDIR/target.md")" "## topo: output-test"

# A FIFO: the reader gets the report.
mkfifo "$TMPDIR/fifo"
cat "$TMPDIR/fifo" >"$TMPDIR/from-fifo" &
reader=$!
t_exit "fifo: exit 0" 0 timeout 10 "$TOPO" check -f "$TMPDIR/t.yaml" --format json -o "$TMPDIR/fifo"
wait "$reader"
t_eq "fifo: still a FIFO" "yes" "$([ -p "$TMPDIR/fifo" ] && echo yes || echo no)"
t_eq "fifo: reader got the report" "output-test" "$(jq -r .system "$TMPDIR/from-fifo")"

# A folder that does not exist: exit 2, a clear message.
t_exit "missing folder: exit 2" 2 "$TOPO" check -f "$TMPDIR/t.yaml" -o "$TMPDIR/no/such/report.json"
t_contains "missing folder: message" "$T_ERR" "cannot write $TMPDIR/no/such/report.json"
