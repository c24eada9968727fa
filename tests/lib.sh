# Shared helpers for shell tests. Every test reports one line per check:
#   PASS: name          FAIL: name: reason          SKIP: name: reason
# tests/run.sh counts these lines; nothing else on stdout is interpreted.

# $BUILD: the build directory holding the tools (tests/run.sh exports it).
BUILD=${BUILD:-build}

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

# check_eq NAME GOT WANT: PASS if GOT is WANT, else FAIL saying both.
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# check NAME ok 'SHELL CONDITION': the condition as one string, evaluated.
ok() { eval "$1"; }

need_root() { [ "$(id -u)" -eq 0 ]; }
# root_or_skip NAME WHY: root; otherwise SKIP NAME (WHY) and return 1.
root_or_skip() {
	need_root && return 0
	skip "$1" "$2"; return 1
}

# ---- replay against the kernel's counters (fidelity) ----
# hf_ratio A B: A / B to three places (0 when B is 0).
hf_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b ? a / b : 0 }'; }
# hf_close A B PCT MIN: |A - B| within PCT % of A, or within MIN.
hf_close() {
	awk -v a="$1" -v b="$2" -v p="$3" -v m="$4" 'BEGIN { d = a - b; if (d < 0) d = -d
		exit !(d <= m || d <= a * p / 100) }'
}
# hf_fidelity_off "KF KP KH KR" "RF RP RH RR SLOTS": what of a replay
# (faults prefetched hits rejected, and its slot records) is off from the
# kernel's counters: accuracy and coverage by more than 3 points,
# prefetched and rejected by more than 3 % (and 3 pages); empty if none.
# Rejected may also be off by 1 % of the kernel's requests: the trace has
# no record of an unmap that leaves its page in the swap cache (the folio
# locked by a read in flight when munmap tries to drop it), after which
# the kernel refuses a request that the replay counts as cached; a run
# of sqlite3 has been 5 of 1218 requests apart.
hf_fidelity_off() {
	local kf kp kh kr rf rp rh rr slots why=
	read -r kf kp kh kr <<<"$1"
	read -r rf rp rh rr slots <<<"$2"
	[ "${slots:-0}" -gt 0 ] || why="$why no-slot-records"
	[ "$rf" = "$kf" ] || why="$why faults:$rf/$kf"
	hf_close "$(hf_ratio "$kh" "$kp")" "$(hf_ratio "$rh" "$rp")" 0 0.03 ||
		why="$why accuracy:$(hf_ratio "$rh" "$rp")/$(hf_ratio "$kh" "$kp")"
	hf_close "$(hf_ratio "$kh" "$kf")" "$(hf_ratio "$rh" "$rf")" 0 0.03 ||
		why="$why coverage:$(hf_ratio "$rh" "$rf")/$(hf_ratio "$kh" "$kf")"
	hf_close "$kp" "$rp" 3 3 || why="$why prefetched:$rp/$kp"
	hf_close "$kr" "$rr" 3 "$(( (kp + kr) / 100 > 3 ? (kp + kr) / 100 : 3 ))" ||
		why="$why rejected:$rr/$kr"
	echo "${why# }"
}

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

# ---- scratch directory, background processes, clean-up ----
# hf_tmp [SIGNAL]: makes $tmp (a scratch directory), empties $pids
# (background processes to end) and $cg (a cgroup directory to remove), and
# sets an EXIT trap that kills every pid in $pids (and $bg if set) with
# signal ${HF_KILL_SIGNAL:-TERM} (SIGNAL, if given, sets it), waits for
# them, unmounts $tmp/full if mounted, removes $cg and $tmp. A script may
# set pids, cg and bg at any time after.
hf_tmp() {
	[ -n "${1:-}" ] && HF_KILL_SIGNAL=$1
	tmp=$(mktemp -d)
	pids=()
	cg=
	bg=
	trap hf_tmp_cleanup EXIT
}
hf_tmp_cleanup() {
	local p
	for p in "${pids[@]}" ${bg:-}; do kill -"${HF_KILL_SIGNAL:-TERM}" "$p" 2>/dev/null; done
	wait 2>/dev/null
	mountpoint -q "$tmp/full" 2>/dev/null && umount "$tmp/full"
	[ -n "${cg:-}" ] && rmdir "$cg" 2>/dev/null
	rm -rf "$tmp"
}

# ---- checks of a command's status, stderr and output ----
# Each leaves the command's standard output in $tmp/out and its standard
# error in $tmp/err (set $tmp first, e.g. with hf_tmp).

# status NAME EXPECTED CMD...: the command exits with EXPECTED.
status() {
	local name=$1 want=$2 rc; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	[ "$rc" = "$want" ] && pass "$name" || fail "$name" "status $rc, expected $want: $(head -c 300 "$tmp/err")"
}

# run NAME EXPECTED_STATUS CMD...: status, and exactly one line on stderr
# when the status is not 0.
run() {
	local name=$1 want=$2 rc lines; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	lines=$(wc -l < "$tmp/err")
	if [ "$rc" != "$want" ]; then
		fail "$name" "status $rc, expected $want: $(head -c 300 "$tmp/err")"
	elif [ "$want" != 0 ] && [ "$lines" != 1 ]; then
		fail "$name" "$lines lines on stderr, expected one: $(head -c 300 "$tmp/err")"
	else
		pass "$name"
	fi
}

# exits_saying NAME EXPECTED_STATUS TEXT CMD...: the command exits with
# EXPECTED_STATUS and its stderr holds TEXT (one check).
exits_saying() {
	local name=$1 want=$2 text=$3 rc; shift 3
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	[ "$rc" = "$want" ] && grep -qF -- "$text" "$tmp/err" && pass "$name" ||
		fail "$name" "status $rc: $(cat "$tmp/err")"
}

# err_has NAME TEXT: $tmp/err (the last command's stderr) holds TEXT.
err_has() {
	grep -qF -- "$2" "$tmp/err" && pass "$1" || fail "$1" "no '$2' in: $(head -c 300 "$tmp/err")"
}

# json_ok NAME FILE: every line of FILE is a JSON document Python reads.
json_ok() {
	python3 -c 'import json,sys
for l in open(sys.argv[1], "rb"):
    json.loads(l)' "$2" 2> "$tmp/pyerr" && pass "$1" || fail "$1" "$(tail -1 "$tmp/pyerr")"
}

# timed NAME MAX_S EXPECTED_STATUS CMD...: `run` under a 20 s timeout, and
# also NAME-time: it finished within MAX_S seconds. Each caller's bound is
# far below what the bug it guards would take (a whole -i interval of
# 5-10 s, or the 20 s timeout), and far above a loaded machine's startup
# time, so it tells the two apart without flaking.
timed() {
	local name=$1 max=$2 want=$3 t0 t1; shift 3
	t0=$(date +%s%N)
	run "$name" "$want" timeout 20 "$@"
	t1=$(date +%s%N)
	[ $(( (t1 - t0) / 1000000 )) -le $(( ${max%.*} * 1000 + ${max#*.} * 100 )) ] &&
		pass "$name-time" || fail "$name-time" "took $(( (t1 - t0) / 1000000 )) ms, at most $max s"
}

# ---- OpenMetrics expositions (--openmetrics, --textfile) ----
# promcheck NAME FILE [N]: FILE is one or more expositions (N if given),
# each ended by "# EOF" and accepted by promtool check metrics (no lint).
# Prints PASS (with the count) or FAIL, and returns 0 or 1 accordingly.
promcheck() {
	local name=$1 file=$2 want=${3:-} n bad="" e
	rm -f "$tmp"/expo.*
	awk -v out="$tmp/expo." '{ print > (out n) } /^# EOF$/ { close(out n); n++ }' n=0 "$file"
	n=$(grep -c '^# EOF$' "$file")
	if [ "$n" = 0 ] || [ "$(tail -n1 "$file")" != "# EOF" ]; then
		fail "$name" "not ended by # EOF: $(tail -c 200 "$file")"; return 1
	fi
	for e in "$tmp"/expo.*; do
		promtool check metrics < "$e" > "$tmp/promtool" 2>&1 || bad="$bad $(basename "$e"): $(cat "$tmp/promtool")"
	done
	if [ -n "$bad" ]; then fail "$name" "promtool:$bad"; return 1; fi
	if [ -n "$want" ] && [ "$n" != "$want" ]; then fail "$name" "$n expositions, expected $want"; return 1; fi
	pass "$name: $n exposition(s)"
}

# metrics_ok NAME STATUS FILE: a command exited with STATUS 0 and FILE
# passes promcheck (as NAME-promtool); otherwise FAIL NAME with the status
# and $tmp/err, and return 1.
metrics_ok() {
	[ "$2" = 0 ] && promcheck "$1-promtool" "$3" && return 0
	fail "$1" "status $2: $(cat "$tmp/err")"; return 1
}

# value FILE SERIES: the value of the series (name{labels} exactly) in the
# last exposition of FILE.
# (A label value may hold spaces: the series is the line less its last field.)
value() {
	awk -v s="$2" '/^# EOF$/ { last = cur; cur = ""; next }
		substr($0, 1, length($0) - length($NF) - 1) == s { cur = $NF } END { print last }' "$1"
}
# values FILE SERIES: its value in each exposition, one per line.
values() { awk -v s="$2" 'substr($0, 1, length($0) - length($NF) - 1) == s { print $NF }' "$1"; }

# textfile NAME DIR TOOL: DIR/hawkfetch_TOOL.prom is there, mode 0644, passes
# promtool as one exposition, and no temporary file is left beside it.
textfile() {
	local name=$1 f=$2/hawkfetch_$3.prom
	if [ ! -f "$f" ]; then fail "$name" "$f missing: $(ls -A "$2")"; return; fi
	[ "$(stat -c %a "$f")" = 644 ] || { fail "$name" "mode $(stat -c %a "$f")"; return; }
	[ "$(ls -A "$2")" = "hawkfetch_$3.prom" ] || { fail "$name" "left beside it: $(ls -A "$2")"; return; }
	promcheck "$name" "$f" 1
}

# ---- processes to measure ----
# mem_cgroup PID: the cgroup a process's memory is charged to, as
# /proc/PID/cgroup names it (v1's memory controller, else v2's).
mem_cgroup() {
	awk -F: '$2 ~ /(^|,)memory(,|$)/ { print substr($0, length($1 $2) + 3); f = 1 }
		END { if (!f) exit 1 }' "/proc/$1/cgroup" || sed -n 's/^0:://p' "/proc/$1/cgroup"
}

# start NAME CMD...: start a workload that prints "ready" (its output in
# $tmp/NAME.out), add it to $pids, its pid in the variable NAME; FAIL
# workload-NAME and return 1 if it is not ready within 15 s.
start() {
	local name=$1; shift
	"$@" > "$tmp/$name.out" 2>&1 &
	pids+=("$!")
	printf -v "$name" %d $!
	for _ in $(seq 300); do grep -qs '^ready' "$tmp/$name.out" && return 0; sleep 0.05; done
	fail "workload-$name" "$* did not start: $(cat "$tmp/$name.out")"
	return 1
}

# make_zombie: $zombie, a zombie (a child of a shell that execs into sleep
# and never reaps it), empty if none appeared within 5 s; $zparent, that
# shell (end it with reap_zombie when done).
make_zombie() {
	sh -c 'sleep 0.1 & exec sleep 30' &
	zparent=$!
	zombie=
	for _ in $(seq 50); do
		zombie=$(ps -o pid=,stat= --ppid $zparent 2>/dev/null | awk '$2 ~ /^Z/ {print $1}')
		[ -n "$zombie" ] && break
		sleep 0.1
	done
}

# reap_zombie: ends make_zombie's $zparent (and so its zombie); returns 0.
reap_zombie() {
	kill $zparent 2>/dev/null; wait $zparent 2>/dev/null
	return 0
}

# kernel_thread: the pid of a kernel thread (kthreadd or a child), or nothing.
kernel_thread() {
	ps -eo pid=,ppid=,comm= | awk '$2 == 2 || $3 == "kthreadd" {print $1; exit}'
}

# help_documented TOOL: TOOL-completion, every option --help names is in
# completions/TOOL (which bash parses); TOOL-man-page, every one but
# --help, --usage and --version is in man/man8/TOOL.8, which has the
# sections EXIT STATUS and ENVIRONMENT. Needs $BUILD.
help_documented() {
	local tool=$1 opts o s missing=""
	opts=$("$BUILD/$tool" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	for o in $opts; do
		grep -q -- "$o\\b" "completions/$tool" || missing="$missing $o"
	done
	bash -n "completions/$tool" && [ -z "$missing" ] && pass "$tool-completion" ||
		fail "$tool-completion" "options missing from completions/$tool:$missing"
	missing=""
	for o in $opts; do
		case $o in --help|--usage|--version) continue ;; esac
		grep -q -- "$(echo "$o" | sed 's/-/\\\\-/g')" "man/man8/$tool.8" || missing="$missing $o"
	done
	for s in "EXIT STATUS" ENVIRONMENT; do
		grep -q "^\.SH $s" "man/man8/$tool.8" || missing="$missing section:$s"
	done
	[ -z "$missing" ] && pass "$tool-man-page" || fail "$tool-man-page" "not documented:$missing"
}

# have_time NAME: /usr/bin/time is there (for rss); otherwise SKIP NAME and
# return 1.
have_time() {
	[ -x /usr/bin/time ] && return 0
	skip "$1" "no /usr/bin/time"; return 1
}

# rss NAME EXPECTED_STATUS MESSAGE CMD...: `run` under a 5 s timeout and
# /usr/bin/time; NAME-rss: its maximum RSS stayed under 64 MiB;
# NAME-message: stderr holds MESSAGE.
rss() {
	local name=$1 want=$2 msg=$3 kib; shift 3
	run "$name" "$want" timeout 5 /usr/bin/time -f "rss %M" -o "$tmp/rss" "$@"
	kib=$(awk '/^rss/ {print $2}' "$tmp/rss" 2>/dev/null)
	[ -n "$kib" ] && [ "$kib" -lt 65536 ] && pass "$name-rss" ||
		fail "$name-rss" "max RSS ${kib:-?} KiB, expected under 64 MiB"
	err_has "$name-message" "$msg"
}

# refuses_unmeasurable TOOL [ARGS...]: `TOOL ARGS -p PID` exits 1 with one
# line naming the pid and why, for a kernel thread (TOOL-kernel-thread,
# -message, -reason) and a zombie (TOOL-zombie, -message); SKIP where
# none could be found or made.
refuses_unmeasurable() {
	local tool=$1 kthread; shift
	kthread=$(kernel_thread)
	make_zombie
	if [ -n "$kthread" ]; then
		run $tool-kernel-thread 1 "$BUILD/$tool" "$@" -p "$kthread"
		err_has $tool-kernel-thread-message "pid $kthread ("
		err_has $tool-kernel-thread-reason "a kernel thread, which has no user address space"
	else
		skip $tool-kernel-thread "no kernel thread visible"
	fi
	if [ -n "$zombie" ]; then
		run $tool-zombie 1 "$BUILD/$tool" "$@" -p "$zombie"
		err_has $tool-zombie-message "pid $zombie (sleep): a zombie: it has exited"
	else
		skip $tool-zombie "no zombie made"
	fi
	reap_zombie
}

# metrics_options_refused TOOL: --openmetrics with -j or --pretty, and
# --textfile naming a missing directory, are usage errors (64), the last
# naming the directory.
metrics_options_refused() {
	local tool=$1
	status "$tool-openmetrics-and-json" 64 "$BUILD/$tool" --openmetrics -j -p 1
	status "$tool-openmetrics-and-pretty" 64 "$BUILD/$tool" --openmetrics --pretty -p 1
	status "$tool-textfile-missing-dir" 64 "$BUILD/$tool" --textfile "$tmp/none" -p 1
	grep -q -- "--textfile $tmp/none" "$tmp/err" && pass "$tool-textfile-missing-dir-named" ||
		fail "$tool-textfile-missing-dir-named" "$(cat "$tmp/err")"
}

# need_root_thp NAME WHY: root (WHY says what for) and transparent huge
# pages not disabled; otherwise SKIP NAME and return 1.
need_root_thp() {
	if ! need_root; then skip "$1" "needs root$2"; return 1; fi
	if grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
		skip "$1" "transparent huge pages are disabled"; return 1
	fi
}

# stdout_full NAME CMD...: `run` CMD (exit 1, one line on stderr) with its
# standard output on the full tmpfs (full_tmpfs); NAME-message: stderr
# names standard output.
stdout_full() {
	local name=$1; shift
	run "$name" 1 sh -c '"$@" > "$0"' "$tmp/full/$name" "$@"
	err_has "$name-message" "standard output: No space left on device"
}

# full_tmpfs NAME: mounts a 64 KiB tmpfs on $tmp/full and fills it (root;
# the hf_tmp clean-up unmounts it); if it cannot be mounted, SKIP NAME and
# return 1.
full_tmpfs() {
	mkdir -p "$tmp/full"
	mount -t tmpfs -o size=64k tmpfs "$tmp/full" 2>/dev/null ||
		{ skip "$1" "cannot mount a tmpfs"; return 1; }
	cat /dev/zero > "$tmp/full/fill" 2>/dev/null
	return 0
}

# start_invalid_utf8: starts a process (added to $pids) whose comm is
# invalid UTF-8 with a backslash and a control byte (0xff 0xfe "ev\il" 0x01);
# its pid in $evil (empty if it did not start within 10 s), and in $want
# the comm as the tools must escape it.
start_invalid_utf8() {
	python3 -c '
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(b"\xff\xfeev\\il\x01"), 0, 0, 0)
open(sys.argv[1], "w").write("%d\n" % os.getpid())
time.sleep(30)' "$tmp/evil.pid" &
	pids+=($!)
	for _ in $(seq 100); do [ -s "$tmp/evil.pid" ] && break; sleep 0.1; done
	evil=$(cat "$tmp/evil.pid" 2>/dev/null)
	want='\377\376ev\134il\001'
}

# need_promtool NAME: promtool is installed; otherwise SKIP NAME, return 1.
need_promtool() {
	command -v promtool >/dev/null && return 0
	skip "$1" "promtool missing (Debian package prometheus)"; return 1
}

# skip_if_patched_khugepaged NAME: where this kernel has the hawkfetch
# khugepaged interfaces (scan_order, access_map, khugepaged_weight), SKIP
# NAME (the vm tier runs them) and return 0; on a stock kernel return 1.
skip_if_patched_khugepaged() {
	[ -e /sys/kernel/mm/transparent_hugepage/khugepaged/scan_order ] || return 1
	skip "$1" "this kernel has the hawkfetch patches (the vm tier's)"
}

# host_metrics_ready NAME FILE...: root, promtool, and each $BUILD/FILE
# built; otherwise SKIP (or FAIL, for a file not built) NAME and return 1.
host_metrics_ready() {
	local name=$1 f; shift
	if ! need_root; then skip "$name" "needs root"; return 1; fi
	need_promtool "$name" || return 1
	for f in "$@"; do
		[ -x "$BUILD/$f" ] || { fail "$name" "$BUILD/$f not built"; return 1; }
	done
}
