#!/usr/bin/env bash
# Bad input and missing features: a clear message naming the problem, a
# documented exit status, and nothing left attached.
. "$(dirname "$0")/../lib.sh"

need_root || { skip fbtrace_errors "needs root"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
before=$(bpf_progs_named on_major_fault)

# expect NAME STATUS REGEX CMD...: exit status and a stderr line matching REGEX.
expect() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	if [ $rc = "$want" ] && { [ -z "$re" ] || grep -Eq "$re" "$tmp/err"; }; then
		pass "$name: status $rc${re:+, says '$(grep -Em1 "$re" "$tmp/err")'}"
	else
		fail "$name" "want status $want and /$re/, got $rc: $(head -c 300 "$tmp/err")"
	fi
}

free_pid=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
while [ -e /proc/$free_pid ]; do free_pid=$((free_pid - 1)); done

expect fbtrace_missing_pid 1 "^fbtrace: pid $free_pid: no such process$" fbtrace -p $free_pid
expect fbtrace_kernel_thread 1 "pid 2 \(kthreadd\): a kernel thread" fbtrace -p 2
expect fbtrace_bad_pid 64 "invalid PID 'abc'" fbtrace -p abc
expect fbtrace_unknown_option 64 "unrecognized option '--bogus'" fbtrace --bogus
expect fbtrace_bad_duration 64 "invalid duration '-1'" fbtrace -d -1
expect fbtrace_bad_buffer 64 "buffer size 3 MiB is not a power of two" fbtrace -b 3
expect fbtrace_command_and_pid 64 "cannot be combined" fbtrace -p 1 -- true
expect fbtrace_not_a_cgroup 1 "cgroup /tmp: not a cgroup directory" fbtrace -c /tmp
expect fbtrace_missing_cgroup 1 "cgroup /sys/fs/cgroup/nonexistent: No such file" \
	fbtrace -c /sys/fs/cgroup/nonexistent
expect fbtrace_unwritable_output 1 "/nonexistent/trace: No such file or directory" \
	fbtrace -o /nonexistent/trace -d 1
expect fbtrace_missing_command 127 "fbtrace: /nonexistent/cmd: No such file" \
	fbtrace -- /nonexistent/cmd
expect fbtrace_command_status 3 "" fbtrace -- sh -c 'exit 3'

# -s needs patch 0014's slot tracepoints (a stock kernel has none).
if ! grep -q fetchbpf_swap_out /sys/kernel/btf/vmlinux 2>/dev/null; then
	expect fbtrace_slots_unpatched 69 "fbtrace: -s: this kernel has no swap slot tracepoints.*0014" \
		fbtrace -s -d 1
fi

# PIDs typed in a container would not match the PIDs BPF sees.
expect fbtrace_nested_pidns 69 "nested PID namespace" unshare -p -f --mount-proc fbtrace -p 1

# A kernel without BTF, as seen through an empty sysroot.
mkdir -p "$tmp/root/proc/self"
expect fbtrace_no_btf 69 "kernel has no BTF .*CONFIG_DEBUG_INFO_BTF" \
	env HAWKFETCH_SYSROOT="$tmp/root" fbtrace -d 1
t=fbtrace_json_error
env HAWKFETCH_SYSROOT="$tmp/root" fbtrace -j -d 1 > "$tmp/out" 2>/dev/null
if jq -e 'select(.type == "error") | .message | test("no BTF")' "$tmp/out" > /dev/null 2>&1; then
	pass "$t: in JSON mode the error is also a {\"type\":\"error\"} object on stdout"
else
	fail "$t" "stdout was: $(cat "$tmp/out")"
fi

# Not root: explains the privileges needed.
if command -v setpriv > /dev/null; then
	expect fbtrace_not_root 77 "needs root \(or CAP_BPF and CAP_PERFMON\)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all fbtrace -d 1
	expect fbtrace_help_not_root 0 "" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all fbtrace --help
else
	skip fbtrace_not_root "setpriv (util-linux) not installed"
fi

after=$(bpf_progs_named on_major_fault)
if [ "$after" = "$before" ]; then pass "fbtrace_errors: no BPF program left attached"
else fail fbtrace_errors "$((after - before)) programs left loaded"; fi
