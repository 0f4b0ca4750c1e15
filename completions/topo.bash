# bash completion for topo. Installed by `make install` as
# $(BASHCOMPDIR)/topo. Commands and options are asked of topo itself
# (`topo help`, `topo CMD --help`), check ids of `topo list`: nothing here
# goes stale when topo changes.
_topo()
{
	local cur prev cmd words cword i file=
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(topo help 2>/dev/null |
		    sed -n 's/^  \([a-z]\+\) .*/\1/p') help" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	for ((i = 2; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-f|--file) file=${COMP_WORDS[i+1]} ;;
		esac
	done
	case $prev in
	-f|--file|-o|--output|--results|--changed|--merge)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--root|--repo)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--format)
		COMPREPLY=($(compgen -W "text json markdown junit" -- "$cur")); return ;;
	--layer)
		COMPREPLY=($(compgen -W "static live all" -- "$cur")); return ;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
	--only)
		COMPREPLY=($(compgen -W "$(topo list ${file:+-f "$file"} 2>/dev/null |
		    awk '{print $1}')" -- "$cur")); return ;;
	esac
	if [ "$cmd" = help ]; then
		COMPREPLY=($(compgen -W "$(topo help 2>/dev/null |
		    sed -n 's/^  \([a-z]\+\) .*/\1/p')" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(topo "$cmd" --help 2>/dev/null |
		    grep -oE -- '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,')" -- "$cur"))
	fi
}
complete -F _topo topo
