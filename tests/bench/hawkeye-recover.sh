#!/usr/bin/env bash
# Bloat recovery speed and the target's hiccup, on the patched kernel in
# qemu (the host's lockdown forbids both mechanisms). A target with
# REGIONS 2 MiB THPs, 16 subpages of 512 written in each, runs a thread
# that reads one word of every subpage, pass after pass; hpbloat --recover
# splits all of them, through MADV_SPLIT_UNDERUSED and through debugfs, in
# ROUNDS fresh targets each. Reported per mechanism: GiB of bloat given
# back per second, of the splitting (hpbloat's time_ns) and end to end
# (scan included, the guest's clock in centiseconds); and the longest and
# mean pass of the target's loop while hpbloat runs against an idle window
# of IDLE_US (at least as long) just before it, on the same huge pages.
#   KERNEL_DIR=DIR REGIONS=128 ROUNDS=3 bash tests/bench/hawkeye-recover.sh
# Under TCG everything is emulated: the ratios mean more than the absolute
# numbers, and both are far below a real machine's.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
. tests/lib.sh
. tests/vm/vm-lib.sh
B=${BUILD:-build}
REGIONS=${REGIONS:-128}
ROUNDS=${ROUNDS:-3}
IDLE_US=${IDLE_US:-4000000}
[ "$(id -u)" = 0 ] || { echo "SKIP: hawkeye-recover-bench: needs root"; exit 0; }
[ -s "${KERNEL_DIR:-/nonexistent}/bzImage" ] ||
	{ echo "SKIP: hawkeye-recover-bench: KERNEL_DIR has no bzImage of the patched kernel"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ird=$tmp/ird
BUILD=$B vm_static_bins "$ird" hpbloat tests/workloads/thpwriter.c ||
	{ echo "FAIL: hawkeye-recover-bench: cannot link the guest binaries"; exit 1; }
cat > "$ird/init" <<EOG
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp; mount -t debugfs debugfs /sys/kernel/debug
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled
for round in \$(seq $ROUNDS); do
	for mech in madvise debugfs; do
		thpwriter -l $REGIONS 16 > /tmp/wl 2>&1 &
		wl=\$!
		for i in \$(seq 300); do grep -q '^ready' /tmp/wl && break; sleep 0.1; done
		hpbloat --recover --dry-run --min-zero 1 -j -p \$wl > /dev/null	# warm the caches
		kill -USR2 \$wl; sleep 0.2
		# the idle baseline: as long as a recovery takes here, or longer
		usleep $IDLE_US
		kill -USR2 \$wl; sleep 0.2
		t0=\$(cut -d' ' -f1 /proc/uptime | tr -d .)	# centiseconds
		hpbloat --recover --mechanism \$mech --min-zero 1 -j -p \$wl > /tmp/rec
		t1=\$(cut -d' ' -f1 /proc/uptime | tr -d .)
		kill -USR2 \$wl; sleep 0.2
		echo "HFR: \$mech wall_cs \$((t1 - t0))"
		sed "s/^/HFR: \$mech json /" /tmp/rec
		grep '^latency' /tmp/wl | sed "s/^/HFR: \$mech /"
		kill \$wl; wait \$wl 2>/dev/null
	done
done
echo HFR-END
reboot -f
EOG
chmod +x "$ird/init"
vm_boot_dir "$ird" 1G 1800 "$tmp/log"
[ -n "${HF_KEEP_LOG:-}" ] && cp "$tmp/log" "$HF_KEEP_LOG"
grep -q '^HFR-END' "$tmp/log" || { tail -5 "$tmp/log"; echo "FAIL: hawkeye-recover-bench: the guest did not finish"; exit 1; }

for mech in madvise debugfs; do
	# Per round: the wall time, the JSON, then three "latency" lines:
	# during the dry run (a scan only), idle, during the recovery.
	paste -d' ' <(sed -n "s/^HFR: $mech wall_cs //p" "$tmp/log") \
		<(sed -n "s/^HFR: $mech json //p" "$tmp/log" |
		  jq -r '"\(.total.returned_kib) \(.total.time_ns) \(.total.regions_split)"') > "$tmp/$mech.rate"
	sed -n "s/^HFR: $mech latency .*max_ns=\([0-9]*\) mean_ns=\([0-9]*\)/\1 \2/p" "$tmp/log" |
		awk 'NR % 3 == 1 { sm = $1; sa = $2 } NR % 3 == 2 { im = $1; ia = $2 }
		     NR % 3 == 0 { print im, ia, $1, $2, sm, sa }' > "$tmp/$mech.lat"
	awk -v m="$mech" '
		FNR == NR { cs += $1; kib += $2; ns += $3; split_ += $4; n++; next }
		{ imax = $1 > imax ? $1 : imax; dmax = $3 > dmax ? $3 : dmax; smax = $5 > smax ? $5 : smax
		  imean += $2; dmean += $4; smean += $6; k++ }
		END {
			printf "RESULT recover_%s: %d rounds, %d huge pages split, %.3f GiB/s splitting, " \
				"%.3f GiB/s end to end; target loop pass max/mean: idle %.0f/%.1f ms, " \
				"scan only (dry run) %.0f/%.1f ms, recovery (scan + split) %.0f/%.1f ms " \
				"(TCG, emulated)\n", m, n, split_,
				(kib / 1048576) / (ns / 1e9), (kib / 1048576) / (cs / 100),
				imax / 1e6, imean / k / 1e6, smax / 1e6, smean / k / 1e6,
				dmax / 1e6, dmean / k / 1e6
		}' "$tmp/$mech.rate" "$tmp/$mech.lat"
done
