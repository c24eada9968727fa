# Shared helpers for shell tests. Every test reports one line per check:
#   PASS: name          FAIL: name: reason          SKIP: name: reason
# tests/run.sh counts these lines; nothing else on stdout is interpreted.

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: ${2:-failed}"; }
skip() {
	# Under CI a missing prerequisite is a failure, unless it is hardware
	# these machines cannot have (call skip_hw for that).
	if [ "${CI:-}" = true ]; then fail "$1" "prerequisite missing under CI: ${2:-}"
	else echo "SKIP: $1: ${2:-}"; fi
}
skip_hw() { echo "SKIP: $1: ${2:-}"; }

# check NAME CMD...: PASS if CMD exits 0, FAIL otherwise.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

need_root() { [ "$(id -u)" -eq 0 ]; }

# ---- swap and memory-cgroup fixtures for host tests ----
# hf_swap_setup [SWAP_MIB] [LIMIT]: swap on a file, vm.page-cluster=0 (no
# readahead, so every re-read is a swap-in), and a memory cgroup in $HF_CG
# with a small limit. Everything is undone on exit. $HF_TMP is a scratch
# directory on a real file system.
hf_swap_setup() {
	local mib=${1:-256} limit=${2:-32M}
	HF_TMP=$(mktemp -d /var/tmp/hawkfetch-test.XXXXXX) || return 1
	trap hf_swap_teardown EXIT
	dd if=/dev/zero of="$HF_TMP/swap" bs=1M count="$mib" status=none &&
		chmod 600 "$HF_TMP/swap" && mkswap -q "$HF_TMP/swap" >/dev/null &&
		swapon "$HF_TMP/swap" || return 1
	HF_PAGE_CLUSTER=$(cat /proc/sys/vm/page-cluster)
	echo 0 > /proc/sys/vm/page-cluster
	if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
		HF_CG=/sys/fs/cgroup/memory/hawkfetch-test-$$
		mkdir "$HF_CG" && echo "$limit" > "$HF_CG/memory.limit_in_bytes"
	elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		HF_CG=/sys/fs/cgroup/hawkfetch-test-$$
		mkdir "$HF_CG" && echo "$limit" > "$HF_CG/memory.max"
	else
		echo "no memory cgroup controller mounted" >&2
		return 1
	fi
}

hf_swap_teardown() {
	[ -n "${HF_CG:-}" ] && [ -d "$HF_CG" ] && rmdir "$HF_CG" 2>/dev/null
	[ -n "${HF_PAGE_CLUSTER:-}" ] && echo "$HF_PAGE_CLUSTER" > /proc/sys/vm/page-cluster
	if [ -n "${HF_TMP:-}" ]; then
		swapoff "$HF_TMP/swap" 2>/dev/null
		rm -rf "$HF_TMP"
	fi
}

# Number of loaded BPF programs with this name (to check nothing is left).
bpf_progs_named() {
	bpftool prog show 2>/dev/null | grep -c " name $1 " || true
}
