#!/usr/bin/env bash
# completion.sh: `make install` puts the bash and zsh completions beside the
# binary and the man page; the bash one completes commands, options, values
# and check ids by asking the installed topo itself.
. "$ROOT/tests/lib.sh"

DEST=$TMPDIR/dest
t_exit "make install DESTDIR" 0 make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr
for f in usr/bin/topo usr/share/man/man1/topo.1 \
    usr/share/bash-completion/completions/topo usr/share/zsh/site-functions/_topo; do
	t_eq "installed: $f" yes "$([ -f "$DEST/$f" ] && echo yes || echo no)"
done

cat >"$TMPDIR/t.yaml" <<YAML
version: 1
system: completion
files:
  - path: $TMPDIR/t.yaml
ports:
  - {port: 1, expect: closed}
YAML

# complete WORDS...: what the installed bash completion offers for the last word.
complete_words() {
	PATH="$DEST/usr/bin:$PATH" bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_topo; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
	    _ "$DEST/usr/share/bash-completion/completions/topo" "$@"
}
t_contains "bash: commands" "$(complete_words topo "")" "check dash discover doc"
t_contains "bash: list is a command" "$(complete_words topo "")" "list"
t_eq "bash: a prefix" "validate version " "$(complete_words topo v)"
t_contains "bash: check's options" "$(complete_words topo check --)" "--only"
t_contains "bash: --color is an option of check" "$(complete_words topo check --c)" "--color"
t_eq "bash: --format values" "json junit markdown text " "$(complete_words topo check --format "")"
t_eq "bash: --layer values" "all live static " "$(complete_words topo check --layer "")"
t_eq "bash: --only completes check ids" "file/$TMPDIR/t.yaml port/1 " \
	"$(complete_words topo check -f "$TMPDIR/t.yaml" --only "")"
t_eq "bash: help CMD" "dash discover doc " "$(complete_words topo help d)"

if command -v zsh >/dev/null; then
	t_exit "zsh: the completion parses" 0 zsh -n "$DEST/usr/share/zsh/site-functions/_topo"
else
	t_skip "zsh completion" "zsh is not installed"
fi
