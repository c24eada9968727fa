#!/usr/bin/env bash
# fbtrace's metrics without root: the exposition of a recorded trace (its
# summary logic fed the records, cgroups from a fixture /proc, swap-in
# delays as exit notifications bring them) passes `promtool check
# metrics`, its per-cgroup counts add up to the trace's, every family is
# in the man page; and the option combinations fbtrace refuses.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
T=$B/tests/fbtrace-summary
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

[ -x "$T" ] || { fail fbtrace_metrics "$T not built"; exit 0; }

# Four processes in two cgroups (v2, and v1's memory controller), one gone
# before its cgroup was read; odd comms; every kind of fault.
cat > "$tmp/trace" <<'EOF'
# time_ns pid tid comm kind addr swap_type swap_offset cache_hit
1000 300 300 worker swapin 0x1000 - - -
2000 300 301 worker swapin 0x2000 - - -
3000 300 300 worker major 0x3000 - - -
4000 301 301 we"ird\134 swapin 0x1000 - - -
5000 301 301 we"ird\134 minor 0x5000 - - -
6000 302 302 a\040b swapin 0x1000 - - -
7000 302 302 a\040b swapin 0x2000 - - -
8000 302 302 a\040b swapin 0x3000 - - -
9000 303 303 gone swapin 0x9000 - - -
9100 304 304 worker swapin 0xa000 - - -
EOF
proc() {	# PID CGROUP-FILE-TEXT
	mkdir -p "$tmp/root/proc/$1"
	echo "$1 (x) S 1 1 1 0 -1" > "$tmp/root/proc/$1/stat"
	printf "$2" > "$tmp/root/proc/$1/cgroup"
}
proc 300 '0::/job.slice/a.service\n'
proc 301 '0::/job.slice/a.service\n'
proc 302 '4:memory:/legacy "quoted"\n0::/\n'
proc 304 '0::/job.slice/a.service\n'

for mode in full cgroups-only; do
	t=fbtrace_metrics_$mode
	flag=; [ $mode = cgroups-only ] && flag=--cgroups-only
	if ! HAWKFETCH_SYSROOT=$tmp/root "$T" --exposition "$tmp/trace" $flag > "$tmp/$mode" 2> "$tmp/err"; then
		fail "$t" "exposition failed: $(cat "$tmp/err")"
		continue
	fi
	if ! command -v promtool > /dev/null; then
		skip "$t" "promtool is not installed (Debian package prometheus)"
	elif out=$(promtool check metrics < "$tmp/$mode" 2>&1); then
		pass "$t: promtool check metrics accepts all $(grep -vc '^#' "$tmp/$mode") samples"
	else
		fail "$t" "promtool: $out"
	fi
	if [ "$(tail -n 1 "$tmp/$mode")" = "# EOF" ]; then pass "$t: ends with # EOF"
	else fail "$t" "no # EOF at the end"; fi
done

f=$tmp/full
# The per-cgroup swap-ins are the trace's, grouped by the fixture's cgroups.
want=$(awk '!/^#/ && $5 == "swapin" {
		c = ($2 == 302) ? "/legacy \\\"quoted\\\"" : ($2 == 303) ? "-" : "/job.slice/a.service"
		n[c]++ }
	END { for (c in n) printf "%s %d\n", c, n[c] }' "$tmp/trace" | sort)
got=$(sed -n 's/^hawkfetch_fbtrace_cgroup_faults_total{cgroup="\(.*\)",kind="swapin"} \([0-9]*\)$/\1 \2/p' "$f" | sort)
if [ "$want" = "$got" ]; then pass "fbtrace_metrics: per-cgroup swap-ins match the trace ($(echo $got))"
else fail fbtrace_metrics "per-cgroup swap-ins: want '$want', got '$got'"; fi

# Per process: pid, comm (as JSON shows it: a backslash is \134; then escaped for
# Prometheus), kind.
if grep -qx 'hawkfetch_fbtrace_faults_total{pid="301",comm="we\\"ird\\\\134",kind="minor"} 1' "$f" &&
   grep -qx 'hawkfetch_fbtrace_faults_total{pid="302",comm="a b",kind="swapin"} 3' "$f" &&
   grep -qx 'hawkfetch_fbtrace_faults_total{pid="300",comm="worker",kind="major"} 1' "$f"; then
	pass "fbtrace_metrics: per-process counts with pid, comm and kind labels"
else
	fail fbtrace_metrics "per-process samples wrong: $(grep faults_total "$f")"
fi

# Delays: pid 300 (thread group exit) and 301 (single-threaded exit) known,
# 302 (pid % 3 == 2) unknown: no sample; its cgroup has none either.
if grep -qx 'hawkfetch_fbtrace_swapin_delays_total{pid="300",comm="worker"} 2' "$f" &&
   grep -qx 'hawkfetch_fbtrace_swapin_delay_seconds_total{pid="301",comm="we\\"ird\\\\134"} 2.5e-05' "$f" &&
   ! grep -q 'swapin_delay.*pid="302"' "$f" &&
   ! grep -q 'cgroup_swapin_delay.*legacy' "$f" &&
   grep -qx 'hawkfetch_fbtrace_cgroup_swapin_delays_total{cgroup="/job.slice/a.service"} 4' "$f"; then
	pass "fbtrace_metrics: swap-in delay per process and cgroup, none when unknown"
else
	fail fbtrace_metrics "delay samples wrong: $(grep delay "$f" | grep -v '^#')"
fi

if ! grep -q 'pid=' "$tmp/cgroups-only" && grep -q '^hawkfetch_fbtrace_lost_events_total 0$' "$tmp/cgroups-only"; then
	pass "fbtrace_metrics: the textfile's families have no per-process series"
else
	fail fbtrace_metrics "cgroups-only exposition has pid labels or lacks lost events"
fi

# Every family is documented in the man page's METRICS section.
man=$(sed -n '/^\.SH METRICS/,/^\.SH [^M]/p' man/man8/fbtrace.8 | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g')
missing=$(for n in $(sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$f"); do grep -q -- "$n" <<< "$man" || echo "$n"; done)
if [ -n "$man" ] && [ -z "$missing" ]; then pass "fbtrace_metrics: every family is in fbtrace(8) METRICS"
else fail fbtrace_metrics "fbtrace(8) METRICS lacks: ${missing:-the section}"; fi

# Refused combinations: exit 64 and a message naming the way out.
refused() {	# NAME MESSAGE-PATTERN ARGS...
	local name=$1 pattern=$2 rc; shift 2
	"$B/fbtrace" "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	# stdout: nothing, or with -j the error as a JSON document
	if [ $rc = 64 ] && grep -q -- "$pattern" "$tmp/err" &&
	   { [ ! -s "$tmp/out" ] || jq -e '.type == "error"' "$tmp/out" >/dev/null; }; then
		pass "fbtrace_metrics_cli: $name: exit 64"
	else
		fail "fbtrace_metrics_cli" "$name: exit $rc, stderr: $(head -2 "$tmp/err")"
	fi
}
refused "--openmetrics with records on stdout" "write them to a file with -o FILE" --openmetrics -- true
refused "--openmetrics and --no-summary" "cannot be combined with --no-summary" \
	--openmetrics --no-summary -o /dev/null -- true
refused "--openmetrics and -j" "exclude each other" --openmetrics -j -o /dev/null -- true
refused "--interval 0" "invalid duration" -i 0 -- true
refused "--textfile of a missing directory" "a directory this user can write" \
	--textfile "$tmp/none" -- true
