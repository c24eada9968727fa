#!/usr/bin/env bash
# fbtrace overhead and loss, as ratios measured in one run.
#
#  minor storm: faultstorm, >= 1M minor faults; untraced vs fbtrace (major
#               faults only: its probe never fires here), fbtrace -a (every
#               fault recorded), and the anchor bpftrace counting
#               exceptions:page_fault_user.
#  major storm: filemaj, >= 1M file-backed major faults on ext4 over a loop
#               device in RAM; untraced vs fbtrace vs bpftrace counting
#               software:major-faults.
#  loss:        fbtrace -a at the minor storm's rate: lost events (must be 0).
#
# Each configuration runs REPS times, interleaved; the median of the
# workload's own elapsed time is reported. Usage: fbtrace-overhead.sh [REPS]
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
REPS=${1:-3}
FB=$BUILD/fbtrace
W=$BUILD/workloads
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 77; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
tmp=$(mktemp -d /var/tmp/hf-bench.XXXXXX)
cleanup() {
	mountpoint -q "$tmp/mnt" && umount "$tmp/mnt"
	[ -n "${loopdev:-}" ] && losetup -d "$loopdev"
	rm -rf "$tmp" /dev/shm/hf-bench-$$.img
}
trap cleanup EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run CONFIG CMD...: append the workload's elapsed_ns to $tmp/CONFIG.
run() {
	local config=$1; shift
	"$@" > "$tmp/out" 2> "$tmp/err" || { echo "$config failed: $(tail -n 3 "$tmp/err")" >&2; return; }
	awk '$1 == "elapsed_ns" { print $2 }' "$tmp/out" >> "$tmp/$config"
	grep -h '"lost_events"' "$tmp/trace" 2>/dev/null | jq -r .lost_events >> "$tmp/$config.lost"
	rm -f "$tmp/trace"
}

storm=("$W/faultstorm" -m 64 -r 64)	# 1,048,576 faults
for _ in $(seq "$REPS"); do
	run minor_untraced "${storm[@]}"
	run minor_fbtrace "$FB" -j -o "$tmp/trace" -- "${storm[@]}"
	run minor_fbtrace_all "$FB" -a -j -o "$tmp/trace" -- "${storm[@]}"
	run minor_bpftrace bpftrace -q -e 'tracepoint:exceptions:page_fault_user { @faults = count(); }' \
		-c "${storm[*]}"
done

# Major storm on ext4 over a RAM-backed loop device: I/O-bound but quick.
truncate -s 400M /dev/shm/hf-bench-$$.img
loopdev=$(losetup -f --show /dev/shm/hf-bench-$$.img)
mkfs.ext4 -q "$loopdev" && mkdir "$tmp/mnt" && mount "$loopdev" "$tmp/mnt"
major=("$W/filemaj" -f "$tmp/mnt/data" -n 65536 -r 16)	# 1,048,576 major faults
for _ in $(seq "$(( (REPS + 1) / 2 ))"); do
	run major_untraced "${major[@]}"
	run major_fbtrace "$FB" -j -o "$tmp/trace" -- "${major[@]}"
	run major_bpftrace bpftrace -q -e 'software:major-faults:1 { @faults = count(); }' -c "${major[*]}"
done

m() { median < "$tmp/$1"; }
ratio() { awk -v a="$(m "$1")" -v b="$(m "$2")" 'BEGIN { printf "%.3f", a / b }'; }
printf '%-22s %14s %8s\n' config median_ms ratio
for c in minor_untraced minor_fbtrace minor_fbtrace_all minor_bpftrace \
	 major_untraced major_fbtrace major_bpftrace; do
	[ -s "$tmp/$c" ] || continue
	base=${c%%_*}_untraced
	printf '%-22s %14.1f %8s\n' "$c" "$(awk -v v="$(m "$c")" 'BEGIN { print v / 1e6 }')" "$(ratio "$c" "$base")"
done
lost=$(cat "$tmp"/minor_fbtrace_all.lost 2>/dev/null | sort -n | tail -n 1)
rate=$(awk -v t="$(m minor_fbtrace_all)" 'BEGIN { printf "%.0f", 1048576 / (t / 1e9) }')
echo "loss: fbtrace -a recorded the minor storm at $rate faults/s with ${lost:-?} lost events (worst run)"
