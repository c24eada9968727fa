#!/usr/bin/env bash
# hpcov on a kernel with idle page tracking (the patched test kernel under
# qemu): a workload reads known numbers of pages in each 2 MiB region
# (touchset), another holds a huge page (thpfill). hpcov must count each
# region's coverage within +-2 of the truth, rank candidates by coverage in
# HawkEye's buckets, and list the huge page as huge, not as a candidate.
# Then hpcov --promote, THP off, one collapse per round: eight regions of
# known coverage 64..512 are promoted in descending measured coverage.
# Part of the vm tier: `make vm-hpcov-check`. Needs KERNEL_DIR (mk/kernel.mk).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/vm-lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
vm_guest_prereqs vm-hpcov qemu-system-x86_64 busybox cpio jq || exit 0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ird=$tmp/ird
mkdir -p "$ird"/{bin,proc,sys,dev,tmp}
if ! BUILD=$B vm_static_bins "$ird" hpcov tests/workloads/touchset.c tests/workloads/thpfill.c; then
	fail vm-hpcov "cannot link the guest binaries statically"
	exit 0
fi
cp "$(command -v busybox)" "$ird/bin/busybox"
COUNTS="0 17 100 300 460 512"
PROMOTE="128 448 64 320 512 192 384 256"	# coverage of eight regions, shuffled
cat > "$ird/init" <<EOG
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled
touchset $COUNTS > /tmp/ts &
thpfill 512 > /tmp/tf &
for i in \$(seq 100); do grep -q ready /tmp/ts && grep -q ready /tmp/tf && break; sleep 0.1; done
sed 's/^/HFC: ts /' /tmp/ts; sed 's/^/HFC: tf /' /tmp/tf
hpcov -j -i 1 -p \$(sed -n 's/^ready //p' /tmp/ts) -p \$(sed -n 's/^ready //p' /tmp/tf) > /tmp/out 2> /tmp/err
echo "HFC: rc \$?"
sed 's/^/HFC: json /' /tmp/out; sed 's/^/HFC: err /' /tmp/err
# Promotion by measured coverage: THP off, eight regions, one collapse
# per measurement round.
kill \$(sed -n 's/^ready //p' /tmp/ts) \$(sed -n 's/^ready //p' /tmp/tf)
echo never > /sys/kernel/mm/transparent_hugepage/enabled
touchset -a $PROMOTE > /tmp/ps &
for i in \$(seq 100); do grep -q ready /tmp/ps && break; sleep 0.1; done
sed 's/^/HFC: ps /' /tmp/ps
for i in \$(seq 8); do
	hpcov --promote -j --budget 1 -i 1 -p \$(sed -n 's/^ready //p' /tmp/ps) 2>&1 | sed 's/^/HFC: promote /'
done
dmesg | sed 's/^/HFK: /'
echo HFC-END
reboot -f
EOG
chmod +x "$ird/init"
vm_run_init "$ird" 900 256M
cp "$ird.log" "$tmp/log"
if ! grep -q '^HFC-END' "$tmp/log"; then
	tail -20 "$tmp/log" >&2; fail vm-hpcov "the guest did not finish"; exit 0
fi
sed -n 's/^HFC: json //p' "$tmp/log" > "$tmp/json"
rc=$(sed -n 's/^HFC: rc //p' "$tmp/log")
if [ "$rc" != 0 ] || ! jq -e . "$tmp/json" > /dev/null 2>&1; then
	fail vm-hpcov "hpcov exited $rc: $(sed -n 's/^HFC: err //p' "$tmp/log" | head -3)"; exit 0
fi
pass "vm-hpcov: hpcov measured on a kernel with idle page tracking"

# Each region's coverage within +-2 of the pages the workload reads.
bad=
while read -r _ _ _ addr k; do
	got=$(jq -r --arg a "$addr" '.candidates[] | select(.addr == $a) | .coverage' "$tmp/json")
	[ "$k" = 0 ] && [ -z "$got" ] && continue	# an untouched region may be left out
	if [ -z "$got" ] || [ $((got - k)) -gt 2 ] || [ $((k - got)) -gt 2 ]; then
		bad="$bad $addr:want=$k,got=${got:-none}"
	fi
done < <(grep '^HFC: ts region' "$tmp/log")
if [ -z "$bad" ]; then pass "vm-hpcov: coverage of every region ($COUNTS pages) within +-2"
else fail vm-hpcov "coverage off:$bad"; fi

# Ranking: by bucket, then coverage, descending; buckets as hpcov(8) defines them.
order=$(jq -r '[.candidates[] | .coverage] | . == (sort | reverse)' "$tmp/json")
buckets=$(jq -r '[.candidates[] | .bucket == ([(.coverage / 50 | floor), 10] | min)] | all' "$tmp/json")
ranks=$(jq -r '[.candidates[] | .rank] == [range(1; (.candidates | length) + 1)]' "$tmp/json")
if [ "$order" = true ] && [ "$buckets" = true ] && [ "$ranks" = true ]; then
	pass "vm-hpcov: candidates ranked 1..n by descending coverage, in the paper's 50-page buckets"
else
	fail vm-hpcov "order $order, buckets $buckets, ranks $ranks: $(jq -c '[.candidates[] | [.rank, .coverage, .bucket]]' "$tmp/json")"
fi

# The huge page is listed as huge, not as a candidate.
read -r _ _ _ haddr _ < <(grep '^HFC: tf region' "$tmp/log")
huge=$(jq -r --arg a "$haddr" '[.huge_regions[] | select(.addr == $a)] | length' "$tmp/json")
cand=$(jq -r --arg a "$haddr" '[.candidates[] | select(.addr == $a)] | length' "$tmp/json")
if [ "$huge" = 1 ] && [ "$cand" = 0 ]; then pass "vm-hpcov: the THP region $haddr is listed as huge"
else fail vm-hpcov "THP region $haddr: in huge_regions $huge, in candidates $cand"; fi

# Promotion: the eight regions collapsed in descending measured coverage.
want=$(grep '^HFC: ps region' "$tmp/log" | sort -k5,5nr | awk '{ print $4 }' | tr '\n' ' ')
got=$(sed -n 's/^HFC: promote //p' "$tmp/log" | jq -r 'select(.type == "collapse" and .result == "ok") | .addr' 2>/dev/null | tr '\n' ' ')
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	pass "vm-hpcov: --promote collapsed 8 regions in descending measured coverage (64..512 pages)"
else
	fail vm-hpcov "promotion order: want $want, got ${got:-nothing}: $(sed -n 's/^HFC: promote //p' "$tmp/log" | grep -v '"collapse"' | head -3)"
fi

splat=$(vm_splats < "$tmp/log" | head -3)
if [ -z "$splat" ]; then pass "vm-hpcov: guest kernel log clean"
else fail vm-hpcov "guest kernel log: $splat"; fi
