#!/usr/bin/env bash
# Every JSON document's "type" names one kind of document of one owner,
# across the toolkit: a consumer that selects on .type (jq, hpcov
# --weights, fbload's trace reader) never takes one tool's document for
# another's. Two sources, held against each other:
#
#  - the source: every hf_json_set_str(..., "type", VALUE) in cmd/ and
#    common/, VALUE's strings, weights.h-style macros and, where VALUE is a
#    parameter, the names its callers pass (the table in indirect()). The
#    owner of a name is the tool whose cmd/TOOL/ writes it, or the common/
#    module that does;
#  - the tools: what they write on the fixtures, without root (as
#    tests/unit/all-outputs.sh runs them), and the golden JSON outputs of
#    tests/fixtures/outputs.
#
# It fails when a name has two owners in the source, when a tool writes a
# name the source gives another tool, and when two tools write one name,
# except the documents one common/ module writes for several tools, the
# same document whoever calls it (SHARED below). fbtrace's stream metadata
# ("summary", "interval", "error"), which the trace format's reader
# (common/record.c) skips, needs no exception: no other tool writes
# "summary" or "interval", and "error" is everyone's error document.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
FIX=tests/fixtures
tmp=$(mktemp -d)
sleeper=
trap 'kill $sleeper 2>/dev/null; rm -rf "$tmp"' EXIT

# Written by one common/ module for every tool that calls it.
declare -A SHARED=(
	[error]=common/output.c			# hf_json_error(): every tool, -j
	[khugepaged_weights]=common/kweight.c	# hf_kweight_report(): hpcov --weights, mmucost --feed
)

# ---- the source ----

# The names in a C expression: strings, and macros defined as a string.
names_in() {
	local expr=$1 m
	[[ $expr == *\?* ]] && expr=${expr#*\?}	# a ternary's values, not its condition
	grep -oE '"[a-z_]+"' <<<"$expr" | tr -d '"'
	for m in $(grep -oE '\bHF_[A-Z0-9_]+\b' <<<"$expr"); do
		grep -hE "^#define[[:space:]]+$m[[:space:]]+\"" cmd/*/*.h common/*.h |
			grep -oE '"[a-z_]+"' | tr -d '"'
	done
}

# Is a C expression made of strings and macros only (a ternary's values)?
direct() {
	local v=$1
	[[ $v == *\?* ]] && v=${v#*\?}
	[ -z "$(sed -E 's/"[a-z_]+"|\bHF_[A-Z0-9_]+\b|\bNULL\b|://g; s/[[:space:]]//g' <<<"$v")" ]
}

# The first argument of each call of function $1 in files $2...
first_args() {
	local fn=$1; shift
	grep -hE "^[[:space:]]+.*\\b$fn\\(" "$@" | grep -oE "\\b$fn\\([^,]*" | sed "s/^$fn(//"
}

# FILE VALUE: the names a setter whose VALUE is not a string takes.
indirect() {
	case "$1 $2" in
	"cmd/hpbloat/watch.c type")		# event(type, ...) of --watch
		first_args event cmd/hpbloat/watch.c ;;
	"cmd/mmucost/events.c type")		# hf_mmu_counts_json(type, ...)
		first_args hf_mmu_counts_json cmd/mmucost/*.c ;;
	"cmd/fbtrace/main.c record_type_name(r->kind)")	# the record format's
		sed -n '/^const char \*record_type_name(/,/^}/p' common/record.c ;;
	*) return 1 ;;
	esac
}

: > "$tmp/source"	# OWNER NAME FILE:LINE
while IFS=: read -r file line text; do
	value=$(sed -E 's/.*hf_json_set_str\([^,]*, "type", (.*)\);.*/\1/' <<<"$text")
	case $file in
	cmd/*) owner=${file#cmd/}; owner=${owner%%/*} ;;
	*) owner=$file ;;
	esac
	if direct "$value"; then
		vals=$(names_in "$value")
	elif exprs=$(indirect "$file" "$value"); then
		vals=$(while read -r e; do names_in "$e"; done <<<"$exprs")
	else
		fail "json-types: $file:$line" "a type written as '$value': say in indirect() where its names come from"
		continue
	fi
	[ -n "$vals" ] || fail "json-types: $file:$line" "no name found in '$value'"
	for v in $vals; do echo "$owner $v $file:$line"; done >> "$tmp/source"
done < <(grep -nE 'hf_json_set_str\([^,]*, "type", ' cmd/*/*.c common/*.c)

# A "type" key set any other way would escape the scan above.
others=$(grep -nE '"type"' cmd/*/*.c common/*.c |
	grep -vE 'hf_json_set_str\([^,]*, "type", |^[^:]*:[0-9]+:[[:space:]]*(/?\*|//)' |
	grep -vE 'json_object_object_get(_ex)?\([^,]*, "type"' |
	grep -vE '^cmd/mmucost/main.c:[0-9]+:.*hf_json_set_u64\(e, "type", attr\.type\)' |
	grep -vE '^common/record.c:')
# (mmucost --list-events: a perf event's numeric type, not a document's;
# common/record.c: the record format, named by record_type_name().)
[ -z "$others" ] && pass "json-types: every \"type\" the source writes is in the scan" ||
	fail "json-types: a \"type\" written outside hf_json_set_str" "$others"

owner_of() { awk -v n="$1" '$2 == n { print $1 }' "$tmp/source" | sort -u | paste -sd ' '; }
for n in $(awk '{ print $2 }' "$tmp/source" | sort -u); do
	owners=$(owner_of "$n")
	if [ "$(wc -w <<<"$owners")" = 1 ]; then
		pass "json-types: \"$n\" has one writer: $owners"
	else
		fail "json-types: \"$n\" has more than one writer" \
			"$(awk -v n="$n" '$2 == n { print $1 " (" $3 ")" }' "$tmp/source" | sort -u | paste -sd ' ')"
	fi
done
for n in "${!SHARED[@]}"; do
	[ "$(owner_of "$n")" = "${SHARED[$n]}" ] && pass "json-types: shared \"$n\" is ${SHARED[$n]}'s" ||
		fail "json-types: shared \"$n\"" "written by '$(owner_of "$n")', not ${SHARED[$n]} alone"
done

# ---- the tools ----

: > "$tmp/seen"	# TOOL NAME
# seen TOOL FILE: the types of FILE's JSON lines.
seen() { grep '^{' "$2" | jq -r '.type // empty' | sed "s/^/$1 /" >> "$tmp/seen"; }
# run NAME TOOL WANT CMD...: CMD (TOOL's) exits WANT; what it wrote counts.
run() {
	local name=$1 tool=$2 want=$3 rc; shift 3
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	if [ "$rc" = "$want" ]; then seen "$tool" "$tmp/out"
	else fail "json-types: run $name" "status $rc, expected $want: $(head -c 300 "$tmp/err")"; fi
}

for f in $FIX/outputs/*.json; do
	for tool in prezero-ctl fbtrace fbload hpbloat hpcov mmucost; do
		[[ ${f##*/} == "$tool"-* ]] && { seen "$tool" "$f"; break; }
	done
done
for t in fbtrace fbload hpbloat hpcov mmucost prezero-ctl; do
	run "$t-bad-option" "$t" 64 "$B/$t" -j --no-such-option
done

# fbload: a replay, its decisions, list and stats (a patched kernel's tree).
tests/gentrace.sh seq 500 > "$tmp/seq"
run fbload-replay fbload 0 "$B/fbload" -j replay -r "$tmp/seq" leap next
run fbload-decisions fbload 0 "$B/fbload" -j --decisions -r $FIX/traces/leap-hand.txt leap
HAWKFETCH_SYSROOT=$FIX/sysroot-stock run fbload-list fbload 0 "$B/fbload" -j list
mkdir -p "$tmp/fb"
cp -r $FIX/sysroot-fetchbpf/. "$tmp/fb/"
mkdir -p "$tmp/fb/sys/kernel/btf"
printf 'struct fetchbpf_ops { int x; } ops;\n' > "$tmp/btf.c"
if clang -g -target bpf -c "$tmp/btf.c" -o "$tmp/fb/sys/kernel/btf/vmlinux" 2>/dev/null; then
	HAWKFETCH_SYSROOT=$tmp/fb run fbload-stats fbload 0 "$B/fbload" -j stats
else
	skip "json-types: run fbload-stats" "clang cannot build the BTF blob"
fi

# mmucost: recorded counts, the event list, a live run of software events
# (a process's own, user space only) and --feed into a sysroot's file.
run mmucost-from mmucost 0 "$B/mmucost" -j --from $FIX/perfstat/skx-interval.csv
run mmucost-list-events mmucost 0 "$B/mmucost" -j --list-events --pmu skx
EV=perf::PAGE-FAULTS:u/perf::TASK-CLOCK:u
sleep 30 & sleeper=$!
R=$tmp/kw
mkdir -p "$R/proc/$sleeper/task/$sleeper"
cp /proc/$sleeper/stat /proc/$sleeper/status /proc/$sleeper/comm "$R/proc/$sleeper/"
: > "$R/proc/$sleeper/khugepaged_weight"
if "$B/mmucost" -e $EV -d 0.05 -- true > /dev/null 2>&1; then
	run mmucost-live mmucost 0 "$B/mmucost" -j -e $EV -d 0.1 -- true
	HAWKFETCH_SYSROOT=$R run mmucost-feed mmucost 0 "$B/mmucost" -j --feed -e $EV -d 0.1 -p $sleeper
else
	skip "json-types: run mmucost-live" "no software perf events for this user"
fi

# hpcov: a plan from recorded coverage, access_map coverage, --weights
# into a sysroot's khugepaged_weight.
mkdir -p "$tmp/thp/sys/kernel/mm/transparent_hugepage/khugepaged"
echo 511 > "$tmp/thp/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
HAWKFETCH_SYSROOT=$tmp/thp run hpcov-plan hpcov 0 "$B/hpcov" -j --promote --dry-run \
	--from $FIX/promote/coverage.json --weights $FIX/promote/weights.json
AM=$tmp/am
mkdir -p "$AM/sys/kernel/mm/transparent_hugepage/khugepaged" "$AM/proc/4242"
echo "address [coverage]" > "$AM/sys/kernel/mm/transparent_hugepage/khugepaged/scan_order"
echo 511 > "$AM/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
cp $FIX/sysroot/proc/4242/stat $FIX/sysroot/proc/4242/status "$AM/proc/4242/"
printf '7f0000000000-7f0001000000 rw-p 00000000 00:00 0 \n' > "$AM/proc/4242/maps"
printf '7f0000200000 500 10 0\n' > "$AM/proc/4242/access_map"
HAWKFETCH_SYSROOT=$AM run hpcov-coverage hpcov 0 "$B/hpcov" -j -p 4242
printf '{"type":"weights","processes":[{"pid":%d,"weight":0.3}]}\n' $sleeper > "$tmp/w.json"
HAWKFETCH_SYSROOT=$R run hpcov-weights hpcov 0 "$B/hpcov" -j --weights "$tmp/w.json"
kill $sleeper 2>/dev/null; wait $sleeper 2>/dev/null; sleeper=

# prezero-ctl: status, now (into a copy of the tree), watch.
cp -r $FIX/sysroot-prezero "$tmp/pz"
HAWKFETCH_SYSROOT=$tmp/pz run prezero-ctl-status prezero-ctl 0 "$B/prezero-ctl" -j status
HAWKFETCH_SYSROOT=$tmp/pz run prezero-ctl-now prezero-ctl 0 "$B/prezero-ctl" -j now 1G
HAWKFETCH_SYSROOT=$tmp/pz run prezero-ctl-watch prezero-ctl 0 "$B/prezero-ctl" -j watch -i 0.05 -n 2
# (fbtrace and hpbloat write their other documents only as root, with BPF
# or pagemap: the source scan above speaks for them.)

sort -u "$tmp/seen" -o "$tmp/seen"
for n in $(awk '{ print $2 }' "$tmp/seen" | sort -u); do
	tools=$(awk -v n="$n" '$2 == n { print $1 }' "$tmp/seen" | paste -sd ' ')
	owner=$(owner_of "$n")
	if [ -z "$owner" ]; then
		fail "json-types: \"$n\" (written by $tools)" "no source line writes it: the scan missed a writer"
	elif [ -n "${SHARED[$n]:-}" ]; then
		pass "json-types: \"$n\" written by $tools through $owner (shared by design)"
	elif [ "$(wc -w <<<"$tools")" != 1 ]; then
		fail "json-types: \"$n\" is written by more than one tool" "$tools"
	elif [ "$tools" != "$owner" ]; then
		fail "json-types: \"$n\"" "written by $tools, but the source gives it to $owner"
	else
		pass "json-types: \"$n\" written by $owner alone"
	fi
done
# The runs reached each tool that writes JSON without root.
for want in "fbload replay" "fbload policies" "hpcov planned" "hpcov coverage" \
	    "mmucost mmu_interval" "mmucost events" "prezero-ctl prezero_summary"; do
	grep -qx "$want" "$tmp/seen" && pass "json-types: ran ${want% *}: ${want#* }" ||
		fail "json-types: ran ${want% *}" "no ${want#* } document seen"
done
