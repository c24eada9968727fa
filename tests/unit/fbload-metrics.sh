#!/usr/bin/env bash
# fbload's metrics for Prometheus, without root: the replay summary and
# stats (the node's swap readahead from a fixture /proc/vmstat) pass
# promtool's lint and carry the same numbers as the JSON report; the
# textfile is replaced atomically (a reader polling it while it is
# rewritten every 10 ms never sees half a file); bad combinations exit 64.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
fbload=$B/fbload
command -v promtool >/dev/null || { skip fbload-metrics "promtool missing (make deps installs prometheus)"; exit 0; }
tmp=$(mktemp -d); trap 'kill $writer 2>/dev/null; rm -rf "$tmp"' EXIT
tests/gentrace.sh interleave 4000 3 > "$tmp/trace"

m=$("$fbload" --openmetrics replay -r "$tmp/trace" leap stride 2>&1)
check "metrics: fbload's replay summary passes promtool check metrics" \
	promtool check metrics <<<"$m"
j=$("$fbload" -j replay -r "$tmp/trace" leap stride)
want=$(jq -r '.policies[] | "\(.policy) \(.hits)"' <<<"$j" | sort)
got=$(sed -n 's/^hawkfetch_replay_hits_total{policy="\([a-z]*\)".*} \([0-9]*\)$/\1 \2/p' <<<"$m" | sort)
check "metrics: replay hits per policy equal the JSON report's ($(echo $want))" [ "$want" = "$got" ]
tail -1 <<<"$m" | grep -qx '# EOF'
check "metrics: the exposition ends with # EOF" [ $? -eq 0 ]

mkdir -p "$tmp/root/proc"
printf 'nr_free_pages 1000\npswpin 4080\npswpout 37200\nswap_ra 900\nswap_ra_hit 850\n' \
	> "$tmp/root/proc/vmstat"
m=$(HAWKFETCH_SYSROOT=$tmp/root "$fbload" --openmetrics stats)
rc=$?
[ $rc -eq 0 ] && promtool check metrics <<<"$m" &&
	grep -qx 'hawkfetch_swap_readahead_hits_total 850' <<<"$m" &&
	grep -qx 'hawkfetch_swap_in_pages_total 4080' <<<"$m" && ! grep -q fetchbpf <<<"$m"
check "metrics: stats on a stock kernel exports the node's swap readahead (vmstat) and no FetchBPF series" [ $? -eq 0 ]
HAWKFETCH_SYSROOT=$tmp/root "$fbload" stats >/dev/null 2>&1
check "metrics: plain stats on a stock kernel still exits 69" [ $? -eq 69 ]

# The textfile, rewritten every 10 ms while a reader polls it.
mkdir "$tmp/tf"
HAWKFETCH_SYSROOT=$tmp/root "$fbload" stats -i 0.01 --textfile "$tmp/tf" >/dev/null 2>&1 &
writer=$!
reads=0 torn=0 end=$((SECONDS + 3))
while [ $SECONDS -lt $end ]; do
	[ -e "$tmp/tf/hawkfetch_fbload.prom" ] || continue
	c=$(< "$tmp/tf/hawkfetch_fbload.prom")
	reads=$((reads + 1))
	[[ $c == "# HELP "*"# EOF" ]] || torn=$((torn + 1))
done
kill $writer; wait $writer 2>/dev/null
left=$(find "$tmp/tf" -name '.hawkfetch_*' | wc -l)
mode=$(stat -c %a "$tmp/tf/hawkfetch_fbload.prom")
[ "$reads" -gt 5 ] && [ "$torn" -eq 0 ] && [ "$left" -eq 0 ] && [ "$mode" = 644 ]
check "metrics: $reads reads of a textfile rewritten every 10 ms, $torn torn, $left temporary files left, mode $mode" \
	[ $? -eq 0 ]

"$fbload" --textfile "$tmp/none" stats >/dev/null 2>&1
check "metrics: --textfile to a missing directory exits 64" [ $? -eq 64 ]
"$fbload" --openmetrics -j stats >/dev/null 2>&1
check "metrics: --openmetrics with -j exits 64" [ $? -eq 64 ]
