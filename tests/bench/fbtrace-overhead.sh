#!/usr/bin/env bash
# fbtrace overhead and loss, as ratios measured in one run (root).
#
#  minor storm: faultstorm, 1M anonymous write faults (allocate + zero a
#               page each): untraced; fbtrace (default: major faults and
#               swap-ins, so its probe never fires here); fbtrace -a (every
#               fault recorded); anchor: bpftrace counting
#               exceptions:page_fault_user.
#  major storm: filemaj, 1M file-backed major faults on ext4 over a loop
#               device in RAM: untraced; fbtrace; anchor: bpftrace counting
#               software:major-faults.
#  loss:        fbtrace -a on faultstorm -R (zero-page read faults, the
#               fastest faults there are): the traced rate and lost events.
#
# Configurations are interleaved, REPS times each (the major storm takes
# minutes, so it runs MAJOR_REPS, default ceil(REPS/2), times); the median of the workload's own
# elapsed time is reported. Usage: tests/bench/fbtrace-overhead.sh [REPS]
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
REPS=${1:-3}
FB=$BUILD/fbtrace
W=$BUILD/workloads
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 77; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
tmp=$(mktemp -d /var/tmp/hf-bench.XXXXXX)
img=/dev/shm/hf-bench-$$.img
cleanup() {
	mountpoint -q "$tmp/mnt" && umount "$tmp/mnt"
	[ -n "${loopdev:-}" ] && losetup -d "$loopdev"
	rm -rf "$tmp" "$img"
}
trap cleanup EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run CONFIG CMD...: record the workload's elapsed_ns, faults_per_s and
# fbtrace's lost events (from its summary on stderr).
run() {
	local config=$1; shift
	if ! "$@" > "$tmp/out" 2> "$tmp/err"; then
		echo "$config failed: $(tail -n 3 "$tmp/err")" >&2
		return
	fi
	awk '$1 == "elapsed_ns" { print $2 }' "$tmp/out" >> "$tmp/$config"
	awk '$1 == "faults_per_s" { print $2 }' "$tmp/out" >> "$tmp/$config.rate"
	sed -n 's/^fbtrace: .*, \([0-9]*\) lost events$/\1/p' "$tmp/err" >> "$tmp/$config.lost"
}

storm=("$W/faultstorm" -m 64 -r 64)		# 1,048,576 faults
fast=("$W/faultstorm" -R -m 64 -r 64)
for _ in $(seq "$REPS"); do
	run minor_untraced "${storm[@]}"
	run minor_fbtrace "$FB" -o /dev/null -- "${storm[@]}"
	run minor_fbtrace_all "$FB" -a -o /dev/null -- "${storm[@]}"
	run minor_bpftrace bpftrace -q -e 'tracepoint:exceptions:page_fault_user { @faults = count(); }' \
		-c "${storm[*]}"
	run zero_untraced "${fast[@]}"
	run zero_fbtrace_all "$FB" -a -o "$tmp/trace" -- "${fast[@]}"
done

truncate -s 400M "$img"
loopdev=$(losetup -f --show "$img")
mkfs.ext4 -q "$loopdev" && mkdir "$tmp/mnt" && mount "$loopdev" "$tmp/mnt"
major=("$W/filemaj" -f "$tmp/mnt/data" -n 65536 -r 16)	# 1,048,576 major faults
for _ in $(seq "${MAJOR_REPS:-$(((REPS + 1) / 2))}"); do
	run major_untraced "${major[@]}"
	run major_fbtrace "$FB" -o /dev/null -- "${major[@]}"
	run major_bpftrace bpftrace -q -e 'software:major-faults:1 { @faults = count(); }' -c "${major[*]}"
done

m() { median < "$tmp/$1"; }
printf '| %-18s | %10s | %13s |\n' configuration median_ms "vs untraced"
printf '|%s|%s|%s|\n' "--------------------" "------------" "---------------"
for c in minor_untraced minor_fbtrace minor_fbtrace_all minor_bpftrace \
	 major_untraced major_fbtrace major_bpftrace zero_untraced zero_fbtrace_all; do
	[ -s "$tmp/$c" ] || continue
	awk -v c="$c" -v v="$(m "$c")" -v b="$(m "${c%%_*}_untraced")" \
		'BEGIN { printf "| %-18s | %10.1f | %13.3f |\n", c, v / 1e6, v / b }'
done
echo
echo "loss: fbtrace -a on zero-page faults ran at $(median < "$tmp/zero_fbtrace_all.rate") faults/s" \
     "(untraced $(median < "$tmp/zero_untraced.rate")) with $(sort -n "$tmp/zero_fbtrace_all.lost" | tail -n 1) lost events in the worst run;" \
     "records written to a file on ext4, default 16 MiB buffer"
