#!/usr/bin/env bash
# The rooms of the tree (README "Layout") hold as the code changes:
#  - every module in common/ is used by two or more tools, directly or
#    through another common/ module (what one tool uses lives in its
#    cmd/TOOL/);
#  - every cmd/TOOL/main.c opens with the paragraph "cmd/TOOL/ holds ...",
#    and every module of cmd/TOOL/ is named in that paragraph and on the
#    README's cmd/TOOL/ line;
#  - every common/ module is named in the README's layout;
#  - the unit and host tests are named TIER/TOOL-ASPECT (all- for the
#    whole toolkit, common- for common/).
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

includes() { grep -ho '#include "[a-z_]*\.h"' "$@" | sed 's/.*"\(.*\)\.h"/\1/' | sort -u; }

declare -A uses
for f in common/*.c; do
	m=$(basename "$f" .c)
	uses[$m]=$(includes common/$m.[ch] | tr '\n' ' ')
done

# common_closure MODULE...: the common/ modules they reach.
common_closure() {
	local todo=("$@") seen=" " m
	while [ ${#todo[@]} -gt 0 ]; do
		m=${todo[0]}; todo=("${todo[@]:1}")
		[ -f "common/$m.c" ] || continue
		[[ $seen == *" $m "* ]] && continue
		seen+="$m "
		todo+=(${uses[$m]})
	done
	echo "$seen"
}

tools=$(cd cmd && ls -d */ | tr -d /)
declare -A users
for t in $tools; do
	for m in $(common_closure $(includes cmd/$t/*.[ch])); do
		users[$m]+="$t "
	done
done
readme=$(sed -n '/^## Layout/,/^Errors:/p' README.md)
for f in common/*.c; do
	m=$(basename "$f" .c)
	n=$(wc -w <<< "${users[$m]:-}")
	check "layout: common/$m is used by two or more tools (${users[$m]:-none})" [ "$n" -ge 2 ]
	check "layout: README's layout names common/$m" grep -qw -- "$m" <<< "$readme"
done

for t in $tools; do
	head=$(sed -n '1,/\*\//p' cmd/$t/main.c)
	check "layout: cmd/$t/main.c opens with what cmd/$t/ holds" grep -q "cmd/$t/ holds" <<< "$head"
	line=$(awk -v r="cmd/$t/" '$1 == r { p = 1; print; next } p && /^ / { print; next } { p = 0 }' <<< "$readme")
	for f in cmd/$t/*.c; do
		m=$(basename "$f" .c)
		check "layout: cmd/$t/$m is named in main.c's paragraph" grep -qw -- "$m" <<< "$head"
		check "layout: cmd/$t/$m is named on the README's cmd/$t/ line" grep -qw -- "$m" <<< "$line"
	done
done

for f in tests/unit/*.sh tests/unit/*.c tests/host/*.sh; do
	n=$(basename "$f")
	ok=1
	[[ $n =~ ^(all|common|${tools//$'\n'/|})-[a-z0-9-]+\.(sh|c)$ ]] || ok=0
	check "layout: $f is named TIER/TOOL-ASPECT" [ $ok = 1 ]
done
