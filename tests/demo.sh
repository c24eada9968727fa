#!/usr/bin/env bash
# make demo: record a bundled swap-in workload with fbtrace on this (stock)
# kernel, then replay the trace through leap, readahead and stride side by
# side with fbload: what each policy would have prefetched, and how well.
# Replay runs the policies natively, then again as BPF in this kernel's
# verifier and interpreter/JIT: the two tables must be identical. A failing
# step exits non-zero (tests/host/all-demo.sh runs this under make check).
# Without root there is no tracing (BPF, swap and a memory cgroup need it):
# the demo then replays the traces it recorded as root on kernel 6.18,
# bundled in tests/fixtures/traces/demo-stride*.txt.gz, natively.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
export PATH="$PWD/$B:$PATH"

replay_bundled() {	# TITLE STRIDE
	echo
	echo "== $1"
	echo "\$ fbload replay -r demo-stride$2.txt leap readahead stride"
	zcat "tests/fixtures/traces/demo-stride$2.txt.gz" | fbload replay leap readahead stride
}

if ! need_root; then
	echo "Not root: fbtrace needs BPF, a swap file and a memory cgroup, so this demo"
	echo "replays the traces it recorded as root (2048-page swap workloads, on Linux"
	echo "6.18), with the native engine: no root, no BPF. Run it as root to trace live."
	replay_bundled "sequential: pages in order" 1 &&
	replay_bundled "stride: every 7th page (mod 2048)" 7 || exit 1
	echo
	echo "accuracy = hits / prefetched, coverage = hits / faults (fbload(8))."
	exit 0
fi
if ! hf_swap_setup 256 32M; then
	echo "make demo: cannot set up a swap file and a memory cgroup" >&2
	exit 1
fi

run() {	# TITLE STRIDE
	echo
	echo "== $1"
	echo "\$ fbtrace -o trace.txt -- swapseq -n 2048 -s $2     (2048 pages swapped out, read back)"
	if ! fbtrace -o "$HF_TMP/trace-$2.txt" -- sh -c \
		"exec $B/workloads/swapseq -c $HF_CG -n 2048 -s $2 > $HF_TMP/out" 2> "$HF_TMP/err"; then
		cat "$HF_TMP/err" >&2
		return 1
	fi
	grep '^fbtrace:' "$HF_TMP/err"
	echo "\$ fbload replay -r trace.txt leap readahead stride"
	fbload replay -r "$HF_TMP/trace-$2.txt" leap readahead stride | tee "$HF_TMP/native" ||
		return 1
	echo "\$ fbload replay --engine bpf -r trace.txt leap readahead stride   (the same, as BPF)"
	fbload replay --engine bpf -r "$HF_TMP/trace-$2.txt" leap readahead stride > "$HF_TMP/bpf" ||
		return 1
	if cmp -s "$HF_TMP/native" "$HF_TMP/bpf"; then
		echo "(identical: the policies' BPF code in this kernel decides as the native build)"
	else
		diff "$HF_TMP/native" "$HF_TMP/bpf"
		echo "make demo: the native and BPF engines disagree" >&2
		return 1
	fi
}

echo "vm.page-cluster=0 while recording: the kernel reads nothing ahead, so every"
echo "page the workload touches is a swap-in the policies can predict."
run "sequential: pages in order" 1 &&
run "stride: every 7th page (mod 2048)" 7 || exit 1
echo
echo "accuracy = hits / prefetched, coverage = hits / faults (fbload(8))."
echo "Leap follows any constant stride; the kernel's readahead only adjacent pages."
