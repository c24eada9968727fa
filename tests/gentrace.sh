#!/usr/bin/env bash
# Synthetic fault traces for fbload's tests and benchmarks, as fault
# records (text form, or JSON Lines with -j) on standard output.
#
#   gentrace.sh [-j] [-p PID] seq N             N faults on consecutive pages
#   gentrace.sh [-j] [-p PID] stride N K        N faults K pages apart (K < 0: reverse)
#   gentrace.sh [-j] [-p PID] interleave N S    S sequential streams, round robin
#   gentrace.sh [-j] [-p PID] random N [SEED]   N faults on random pages of 4 GiB
#   gentrace.sh [-j] [-p PID] passes N P        P sequential passes over N/P pages
#   gentrace.sh [-j] [-p PID] pages P...        the given page numbers, in order
set -eu
json=0 pid=4242
while [ $# -gt 0 ]; do
	case $1 in
	-j) json=1; shift ;;
	-p) pid=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { sed -n '2,10s/^# \{0,1\}//p' "$0" >&2; exit 64; }
pattern=$1; shift
exec awk -v json="$json" -v pid="$pid" -v pattern="$pattern" -v args="$*" '
function emit(page,   addr) {
	addr = sprintf("0x%x000", page)	# mawk: %x holds 32 bits, pages fit
	if (json)
		printf "{\"type\":\"fault\",\"time_ns\":%d,\"pid\":%d,\"tid\":%d,\"comm\":\"gen\",\"kind\":\"major\",\"addr\":\"%s\"}\n", t, pid, pid, addr
	else
		printf "%d %d %d gen major %s - - -\n", t, pid, pid, addr
	t += 1000
}
BEGIN {
	n = split(args, a, " ")
	base = 262144		# page of 1 GiB: room below for reverse strides
	t = 1000000
	if (!json) print "# time_ns pid tid comm kind addr swap_type swap_offset cache_hit"
	if (pattern == "seq") {
		for (i = 0; i < a[1]; i++) emit(base + i)
	} else if (pattern == "stride") {
		for (i = 0; i < a[1]; i++) emit(base + 4 * 262144 * (a[2] < 0) + i * a[2])
	} else if (pattern == "interleave") {
		for (i = 0; i < a[1]; i++) emit(base + (i % a[2]) * 1048576 + int(i / a[2]))
	} else if (pattern == "random") {
		srand(a[2] == "" ? 1 : a[2])
		for (i = 0; i < a[1]; i++) emit(base + int(rand() * 1048576))
	} else if (pattern == "passes") {
		per = int(a[1] / a[2])
		for (p = 0; p < a[2]; p++) for (i = 0; i < per; i++) emit(base + i)
	} else if (pattern == "pages") {
		for (i = 1; i <= n; i++) emit(a[i])
	} else {
		print "gentrace.sh: unknown pattern " pattern > "/dev/stderr"
		exit 64
	}
}'
