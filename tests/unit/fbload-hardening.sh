#!/usr/bin/env bash
# fbload under bad input, full outputs and signals (issue 19), without
# root or BPF: every case asserts the exit status, one clear line on
# stderr and, with -j, a standard output Python's json module parses.
# (The 64 KiB tmpfs case needs root to mount: tests/host/fbload-hardening.sh.)
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
fbload=$B/fbload
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
as_user() { if need_root && command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }

tests/gentrace.sh seq 2000 > "$work/seq"
hdr0=$(head -1 "$work/seq")
chmod 755 "$work"; chmod 644 "$work/seq"

# expect NAME RC PATTERN CMD...: CMD exits RC, its stderr is one line
# "fbload: ..." matching PATTERN (argp's "Try `fbload --help'" may follow a
# usage error), and its stdout, when -j is among CMD's words, is JSON.
expect() {
	local name=$1 rc=$2 pat=$3 got lines json=
	shift 3
	"$@" > "$work/out" 2> "$work/err"; got=$?
	for w in "$@"; do [ "$w" = -j ] && json=1; done
	lines=$(grep -vc "^Try \`fbload --help'" "$work/err")
	if [ "$got" -ne "$rc" ]; then
		fail "$name" "exit $got, expected $rc; stderr: $(head -3 "$work/err")"
	elif [ "$lines" -ne 1 ] || ! head -1 "$work/err" | grep -q "^fbload: .*$pat"; then
		fail "$name" "stderr is not one line matching '$pat': $(head -3 "$work/err")"
	elif [ -n "$json" ] && [ -s "$work/out" ] &&
	     ! python3 -c 'import json,sys; json.load(sys.stdin)' < "$work/out" 2>/dev/null; then
		fail "$name" "stdout is not JSON: $(head -c 300 "$work/out")"
	else
		pass "$name"
	fi
}

# -- 1. a full output is an error, not a silent success
"$fbload" --decisions replay -r "$work/seq" leap > /dev/full 2> "$work/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l < "$work/err")" -eq 1 ] &&
	grep -q "^fbload: standard output: No space left on device$" "$work/err"
check "hardening: --decisions > /dev/full exits 1 with 'No space left on device' (rc $rc)" [ $? -eq 0 ]
"$fbload" -j replay -r "$work/seq" leap > /dev/full 2> "$work/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l < "$work/err")" -eq 1 ] &&
	grep -q "^fbload: standard output: No space left on device$" "$work/err"
check "hardening: -j replay > /dev/full exits 1 with 'No space left on device' (rc $rc)" [ $? -eq 0 ]
"$fbload" list > /dev/full 2>/dev/null
check "hardening: list > /dev/full exits 1" [ $? -eq 1 ]
out=$("$fbload" -j replay -r "$work/seq" leap)
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["policies"][0]["faults"] == 2000' <<<"$out"
check "hardening: -j replay to a working stdout is still one JSON document" [ $? -eq 0 ]

# -- 2. signals while blocked reading a pipe that stays open
# signal_case NAME SIGNALS...: fbload reads a FIFO whose writer is silent;
# the signals are sent 0.3 s apart; it must have ended 2 s after the last.
signal_case() {
	local name=$1 fifo=$work/fifo.$RANDOM pid writer rc; shift
	mkfifo "$fifo"
	sleep 30 > "$fifo" & writer=$!; pids+=("$writer")
	"$fbload" -j leap < "$fifo" > "$work/sig.out" 2> "$work/sig.err" & pid=$!; pids+=("$pid")
	sleep 0.5
	for s in "$@"; do kill -s "$s" "$pid"; sleep 0.3; done
	for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"; wait "$pid" 2>/dev/null
		fail "$name" "still reading 2 s after $*"
	else
		wait "$pid"; rc=$?
		# no record arrived: the stop is reported as an empty input
		if [ $rc -eq 1 ] && [ "$(wc -l < "$work/sig.err")" -eq 1 ] &&
		   grep -q "no fault records in standard input" "$work/sig.err" &&
		   python3 -c 'import json,sys; json.load(sys.stdin)' < "$work/sig.out"; then
			pass "$name"
		else
			fail "$name" "rc $rc, stderr: $(cat "$work/sig.err")"
		fi
	fi
	kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
}
signal_case "hardening: a second SIGINT stops a replay blocked on a pipe" INT INT
signal_case "hardening: SIGTERM stops a replay blocked on a pipe" TERM
signal_case "hardening: SIGHUP then SIGINT stop a replay blocked on a pipe" HUP INT
# The first SIGINT alone does not: the writer may still flush its records.
fifo=$work/fifo.one; mkfifo "$fifo"
{ sleep 1; cat "$work/seq"; } > "$fifo" & writer=$!; pids+=("$writer")
"$fbload" -j leap < "$fifo" > "$work/one.out" 2>/dev/null & pid=$!; pids+=("$pid")
sleep 0.4; kill -INT "$pid"; wait "$pid"; rc=$?; wait "$writer"
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["policies"][0]["faults"] == 2000' \
	< "$work/one.out" 2>/dev/null
check "hardening: after one SIGINT a pipe is read to its end (rc $rc)" [ $? -eq 0 ] && [ $rc -eq 0 ]

# -- 3. parameters out of their range are refused, not clamped
expect "hardening: -o leap.max_window=1000 exits 64 with the range" 64 \
	"leap: parameter max_window: 1000 is out of range (1 to 33)" \
	"$fbload" -j replay -r "$work/seq" -o leap.max_window=1000 leap
expect "hardening: -o next.pages=99999 exits 64 with the range" 64 \
	"next: parameter pages: 99999 is out of range (0 to 32)" \
	"$fbload" replay -r "$work/seq" -o next.pages=99999 next
expect "hardening: -o max_window=0 exits 64" 64 "out of range (1 to 33)" \
	"$fbload" replay -r "$work/seq" -o max_window=0 leap
out=$("$fbload" -j replay -r "$work/seq" -o leap.max_window=33 -o next.pages=0 leap next)
jq -e '.policies[0].parameters.max_window == 33 and .policies[1].parameters.pages == 0' \
	<<<"$out" >/dev/null
check "hardening: the ends of a range are accepted and reported" [ $? -eq 0 ]
"$fbload" -j list | jq -e '.builtin[] | select(.policy == "leap") |
	.parameter_ranges.max_window == [1, 33]' >/dev/null
check "hardening: fbload -j list shows the ranges" [ $? -eq 0 ]
"$fbload" list | grep -q "max_window=8 (1..33)"
check "hardening: fbload list shows the ranges" [ $? -eq 0 ]

# -- 4. zero fault records is an error
expect "hardening: < /dev/null names the isatty guess" 1 \
	"no fault records in standard input (standard input is not a terminal, so fbload replays it" \
	"$fbload" leap < /dev/null
expect "hardening: -j < /dev/null: one error document" 1 "no fault records in standard input" \
	"$fbload" -j leap < /dev/null
jq -e '.type == "error"' "$work/out" >/dev/null
check "hardening: -j < /dev/null prints a JSON error document" [ $? -eq 0 ]
: > "$work/empty"
expect "hardening: an empty trace exits 1" 1 "no fault records in $work/empty\$" \
	"$fbload" replay -r "$work/empty" leap
head -1 "$work/seq" > "$work/header"
expect "hardening: a header-only trace exits 1" 1 "no fault records in $work/header\$" \
	"$fbload" -j replay -r "$work/header" leap
{ echo "$hdr0"; grep -v "^#" "$work/seq" | head -5 | sed 's/ major / minor /'; } > "$work/minor"
expect "hardening: only minor faults: exit 1, -a named" 1 "only minor faults; -a replays them" \
	"$fbload" replay -r "$work/minor" leap

# -- a newer writer's kinds and types: skipped and counted, one warning, exit 0
{ echo "# hawkfetch trace v3"; head -6 "$work/seq"; echo "9 1 1 a remapped - 0 3 -"
  echo "10 1 1 a remapped 0x1000 0 4 -"; } > "$work/v3"
expect "hardening: unknown kinds of a v3 trace are skipped, with one warning" 0 \
	"$work/v3: 2 records of kinds this fbload does not know were skipped\$" \
	"$fbload" replay -r "$work/v3" leap
printf '{"type":"fault","kind":"major","addr":"0x1000"}\n{"type":"prefetch","pages":3}\n' \
	> "$work/v3.jsonl"
expect "hardening: an unknown JSON type is skipped, with one warning" 0 \
	"1 records of kinds this fbload does not know were skipped" \
	"$fbload" -j replay -r "$work/v3.jsonl" leap
{ head -2 "$work/seq"; echo "9 1 1 a remapped - 0 3 -"; } > "$work/v1"
expect "hardening: an unknown kind in a v1 trace is still an error" 1 \
	":3: bad kind 'remapped'" "$fbload" replay -r "$work/v1" leap

# -- 5. the parser's wording, with line numbers
hdr=$(head -1 "$work/seq")
printf '{"addr":"0x1000","kind":"swapin"}\n{"addr":"0x2000",' > "$work/trunc.jsonl"
expect "hardening: truncated JSON at end of file" 1 ":2: truncated JSON at end of file" \
	"$fbload" -j replay -r "$work/trunc.jsonl" leap
printf '{\n  "addr": "0x1000",\n  "kind": "swapin"\n}\n' > "$work/pretty.jsonl"
expect "hardening: a pretty-printed object: not closed on its line" 1 \
	":1: JSON object not closed on its line" "$fbload" replay -r "$work/pretty.jsonl" leap
printf '{"addr":"0x1000","kind":"swapin"} x\n' > "$work/trail.jsonl"
expect "hardening: text after a JSON object" 1 ":1: invalid JSON: more text after the object" \
	"$fbload" replay -r "$work/trail.jsonl" leap
printf '%s\n1 1 1 a swapin 0x1ffffffffffffffff 0 1 0\n' "$hdr" > "$work/bigaddr"
expect "hardening: an address too large" 1 ":2: bad addr '0x1ffffffffffffffff' (number too large)" \
	"$fbload" replay -r "$work/bigaddr" leap
printf '%s\n99999999999999999999999 1 1 a swapin 0x1000 0 1 0\n' "$hdr" > "$work/bigtime"
expect "hardening: a time too large" 1 ":2: bad time_ns '99999999999999999999999' (number too large)" \
	"$fbload" replay -r "$work/bigtime" leap
mkdir "$work/dir" "$work/dir.bpf.o"
expect "hardening: -r DIRECTORY" 1 "$work/dir: is a directory, not a fault trace" \
	"$fbload" replay -r "$work/dir" leap
expect "hardening: < DIRECTORY" 1 "<stdin>: is a directory, not a fault trace" \
	"$fbload" leap < "$work/dir"
expect "hardening: a directory as a policy object" 1 "dir.bpf.o: is a directory, not a BPF object" \
	"$fbload" replay -r "$work/seq" "$work/dir.bpf.o"
! grep -q "Unknown error\|Input/output error\|read error" "$work/err"
check "hardening: no errno leaks for a directory" [ $? -eq 0 ]

# -- 6. one -r
expect "hardening: a second -r exits 64" 64 "-r $work/header: -r $work/seq was given already" \
	"$fbload" replay -r "$work/seq" -r "$work/header" leap

# -- 7. what fbload needs privileges for
if need_root && command -v setpriv >/dev/null; then
	expect "hardening: --engine bpf as a user: exit 77, BPF programs named" 77 \
		"replaying with --engine bpf loads BPF programs into the kernel.*native engine needs no privilege" \
		as_user "$fbload" replay --engine bpf -r "$work/seq" leap
	! grep -q "perf events" "$work/err"
	check "hardening: --engine bpf as a user does not mention perf events" [ $? -eq 0 ]
	expect "hardening: verify as a user: exit 77" 77 "fbload verify loads BPF programs" \
		as_user "$fbload" -j verify
else
	skip "hardening: privilege messages" "needs root to run as another user"
fi
