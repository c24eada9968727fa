#!/usr/bin/env bash
# fbload's command line without root or BPF: help, usage errors, the
# unpatched-kernel message, --list, and the policy objects' shape.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
fbload=$B/fbload
# Run as nobody when root, so "no root needed" is really tested.
as_user() { if need_root && command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }

out=$(as_user "$fbload" --help 2>&1)
check "cli: --help works without root" [ $? -eq 0 ]
grep -q -- "--replay" <<<"$out" && grep -q -- "--set" <<<"$out"
check "cli: --help names --replay and --set" [ $? -eq 0 ]

"$fbload" --bogus >/dev/null 2>&1; rc=$?
check "cli: unknown option exits 64" [ $rc -eq 64 ]
err=$("$fbload" -r /dev/null nosuch 2>&1); rc=$?
check "cli: unknown policy exits 64" [ $rc -eq 64 ]
grep -q "nosuch: no such policy" <<<"$err"
check "cli: unknown policy is named" [ $? -eq 0 ]
"$fbload" -A leap stride </dev/null >/dev/null 2>&1; rc=$?
check "cli: attaching two policies is a usage error" [ $rc -eq 64 ]
"$fbload" --list --stats >/dev/null 2>&1; rc=$?
check "cli: --list and --stats exclude each other" [ $rc -eq 64 ]
"$fbload" list stats >/dev/null 2>&1; rc=$?
check "cli: two commands exclude each other" [ $rc -eq 64 ]
"$fbload" list --detach >/dev/null 2>&1; rc=$?
check "cli: a command and another's alias exclude each other" [ $rc -eq 64 ]
"$fbload" attach leap stride </dev/null >/dev/null 2>&1; rc=$?
check "cli: attach takes one policy" [ $rc -eq 64 ]
"$fbload" list leap >/dev/null 2>&1; rc=$?
check "cli: list takes no policy" [ $rc -eq 64 ]
"$fbload" replay </dev/null >/dev/null 2>&1; rc=$?
check "cli: replay without a policy is a usage error" [ $rc -eq 64 ]
"$fbload" -o novalue -r /dev/null leap >/dev/null 2>&1; rc=$?
check "cli: -o without = is a usage error" [ $rc -eq 64 ]
"$fbload" --batch 0 -r /dev/null leap >/dev/null 2>&1; rc=$?
check "cli: --batch 0 is a usage error" [ $rc -eq 64 ]

# On a kernel without the FetchBPF patches: exit 69, say so, name replay.
if ! grep -qs fetchbpf_ops <(bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null); then
	err=$(as_user "$fbload" --attach leap 2>&1 </dev/null); rc=$?
	check "cli: attach on a stock kernel exits 69" [ $rc -eq 69 ]
	grep -q "lacks the FetchBPF patches" <<<"$err" && grep -q "fbload leap" <<<"$err"
	check "cli: attach on a stock kernel names the missing patches and replay" [ $? -eq 0 ]
	json=$(as_user "$fbload" -j --attach leap 2>/dev/null </dev/null)
	jq -e '.type == "error" and (.message | test("FetchBPF"))' <<<"$json" >/dev/null
	check "cli: the error is a JSON object with -j" [ $? -eq 0 ]
	as_user "$fbload" --stats >/dev/null 2>&1; rc=$?
	check "cli: --stats on a stock kernel exits 69" [ $rc -eq 69 ]
	as_user "$fbload" --detach >/dev/null 2>&1; rc=$?
	check "cli: --detach on a stock kernel exits 69" [ $rc -eq 69 ]
	err=$(as_user "$fbload" attach leap 2>&1 </dev/null); rc=$?
	check "cli: the attach command on a stock kernel exits 69" [ $rc -eq 69 ]
	for c in detach stats; do
		out=$(as_user "$fbload" -j $c 2>/dev/null); rc=$?
		[ $rc -eq 69 ] && jq -se 'length == 1 and .[0].type == "error"' <<<"$out" >/dev/null
		check "cli: $c -j on a stock kernel: exit 69, one JSON error on stdout" [ $? -eq 0 ]
	done
else
	skip_hw "cli: stock-kernel messages" "this kernel has the FetchBPF patches"
fi

out=$(as_user "$fbload" --list 2>&1); rc=$?
check "cli: --list works without root" [ $rc -eq 0 ]
for p in leap readahead stride next; do
	grep -q "^$p " <<<"$out" || fail "cli: --list shows $p" "missing in: $out"
done
grep -q "max_window=8" <<<"$out"
check "cli: --list shows parameters and defaults" [ $? -eq 0 ]
as_user "$fbload" -j --list | jq -e '[.builtin[].policy] == ["adaptive","leap","next","readahead","streams","stride"]
	and (.builtin[] | select(.policy == "leap") | .parameters.max_window == 8)' >/dev/null
check "cli: --list -j" [ $? -eq 0 ]
[ "$(as_user "$fbload" list)" = "$out" ]
check "cli: list is --list" [ $? -eq 0 ]
# The built-in policies come from the build: one per bpf/policies/*.bpf.c,
# each with the description its FB_POLICY() declares.
want=$(ls bpf/policies/*.bpf.c | sed 's|.*/||; s|\.bpf\.c$||' | sort | jq -Rsc 'split("\n") | map(select(length > 0))')
as_user "$fbload" -j list | jq -e --argjson want "$want" '[.builtin[].policy] == $want and
	all(.builtin[]; .description | length > 0)' >/dev/null
check "cli: list shows every bpf/policies/*.bpf.c with a description" [ $? -eq 0 ]

# Every policy compiled both ways: a replay entry, and a struct_ops map.
ok=1
for p in leap readahead stride next; do
	llvm-objdump -h "$B/bpf/policies/$p.replay.bpf.o" | grep -q ' syscall ' || ok=0
	llvm-objdump -h "$B/bpf/policies/$p.kern.bpf.o" | grep -q '\.struct_ops' || ok=0
	llvm-objdump -h "$B/bpf/policies/$p.kern.bpf.o" | grep -q 'struct_ops/prefetch' || ok=0
done
check "cli: each policy has a replay object and a struct_ops object" [ $ok -eq 1 ]

# --stats and --list on a patched kernel, from a fixture tree
# ($HAWKFETCH_SYSROOT): the counters of tests/fixtures/sysroot-fetchbpf and a
# BTF blob that defines struct fetchbpf_ops.
root=$(mktemp -d); chmod 755 "$root"	# readable by the unprivileged user
trap 'rm -rf "$root"' EXIT
cp -r tests/fixtures/sysroot-fetchbpf/. "$root/"
mkdir -p "$root/sys/kernel/btf"
printf 'struct fetchbpf_ops { int x; } ops;\n' > "$root/btf.c"
if clang -g -target bpf -c "$root/btf.c" -o "$root/sys/kernel/btf/vmlinux" 2>/dev/null; then
	out=$(HAWKFETCH_SYSROOT=$root as_user "$fbload" --stats); rc=$?
	[ $rc -eq 0 ] && grep -Eq '^leap +\* +2048 +1990 +1950 +3 +0\.980 +0\.952$' <<<"$out"
	check "cli: --stats computes accuracy and coverage from the kernel's counters" [ $? -eq 0 ]
	HAWKFETCH_SYSROOT=$root as_user "$fbload" -j --stats | jq -e '.active == "leap" and
		(.policies[] | select(.policy == "leap") | .active and .hits == 1950
		 and (.coverage * 1000 | floor) == 952)' >/dev/null
	check "cli: --stats -j" [ $? -eq 0 ]
	out=$(HAWKFETCH_SYSROOT=$root as_user "$fbload" --list)
	grep -q "^attached: leap" <<<"$out" &&
		grep -q "^counters: 2048 faults, 1990 prefetched, 1950 hits, 3 rejected" <<<"$out"
	check "cli: --list names the attached policy and its counters" [ $? -eq 0 ]
	echo x > "$root/sys/kernel/mm/fetchbpf/stats/hits"
	HAWKFETCH_SYSROOT=$root as_user "$fbload" --stats >/dev/null 2>&1
	check "cli: an unreadable counter exits 69" [ $? -eq 69 ]
else
	fail "cli: --stats fixture" "clang cannot build the BTF blob"
fi

# -- replay with the native engine: no root, no BPF, any kernel
trace=$(mktemp); trap 'rm -f "$trace"' EXIT
tests/gentrace.sh stride 5000 3 > "$trace"; chmod 644 "$trace"	# read as nobody
out=$(as_user "$fbload" -j replay -r "$trace" leap readahead stride next streams 2>&1); rc=$?
jq -e '(.policies | length) == 5 and all(.policies[]; .engine == "native" and .loaded and
	.faults == 5000) and (.policies[] | select(.policy == "stride") | .coverage > 0.9)' \
	<<<"$out" >/dev/null
check "cli: replay of every built-in runs natively as an unprivileged user (rc $rc)" [ $? -eq 0 ]
err=$(as_user "$fbload" --engine bpf replay -r "$trace" leap 2>&1); rc=$?
[ $rc -eq 77 ] || ! need_root
check "cli: --engine bpf needs root (exit 77) when not root" [ $? -eq 0 ]
as_user "$fbload" verify >/dev/null 2>&1; rc=$?
[ $rc -eq 77 ] || ! need_root
check "cli: verify needs root (exit 77) when not root" [ $? -eq 0 ]
err=$("$fbload" --engine jit -r "$trace" leap 2>&1)
[ $? -eq 64 ] && grep -q "expected native or bpf" <<<"$err"
check "cli: --engine takes native or bpf (exit 64)" [ $? -eq 0 ]
err=$(as_user "$fbload" -r "$trace" leap leap 2>&1)
[ $? -eq 64 ] && grep -q "leap: named twice" <<<"$err"
check "cli: a built-in named twice is refused natively (exit 64)" [ $? -eq 0 ]
"$fbload" --help | grep -q -- "--engine=native|bpf" && "$fbload" --help | grep -q "verify \[POLICY"
check "cli: --help names --engine and verify" [ $? -eq 0 ]
