#!/usr/bin/env bash
# fbtrace under hostile conditions (issue 19): a failure never damages a
# file that was there, a full disk or a closed pipe is never a silent
# success and never harms the traced command, zombies end a trace, and
# JSON output is parseable line by line whatever the process names.
. "$(dirname "$0")/../lib.sh"

need_root || { skip fbtrace_hardening "needs root"; exit 0; }
tmp=$(mktemp -d)
cleanup() {
	mountpoint -q "$tmp/full" && umount "$tmp/full"
	rm -rf "$tmp"
}
trap cleanup EXIT
F=$(cd "$BUILD" && pwd)/fbtrace
cd "$tmp" || exit 1

parse_json() {	# FILE: every line a JSON value (as fbload and jq -c read them)
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' < "$1" 2>&1
}
# The messages fbtrace wrote on stderr, without the notice that delay
# accounting is off (that depends on the host's sysctl, not the case) and
# the summary's line of totals.
errlines() { grep -v -e 'swap-in delay unknown' -e '^fbtrace: [0-9]* faults in ' "$1" | grep '^fbtrace: '; }

# expect NAME STATUS REGEX: exit status $rc, exactly one error line on
# stderr (file err) and it matches REGEX.
expect() {
	local name=$1 want=$2 re=$3 n line
	n=$(errlines err | wc -l)
	line=$(errlines err | head -1)
	if [ "$rc" = "$want" ] && [ "$n" = 1 ] && grep -Eq -- "$re" <<< "$line"; then
		pass "$name: status $rc, says '$line'"
	else
		fail "$name" "want status $want and one line /$re/, got $rc and $n: $(head -c 400 err)"
	fi
}
untouched() {	# NAME FILE CONTENT
	if [ "$(cat "$2")" = "$3" ] && [ -z "$(ls -A "$(dirname "$2")" | grep "^\.$(basename "$2")\.")" ]
	then pass "$1: $2 untouched, no temporary file left"
	else fail "$1" "$2 is now '$(head -c 80 "$2")'; $(ls -A "$(dirname "$2")")"; fi
}

free_pid=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
while [ -e /proc/$free_pid ]; do free_pid=$((free_pid - 1)); done

# 1. A bad target leaves -o FILE as it was.
for t in "-p $free_pid|pid $free_pid: no such process" \
	 "-p 2|pid 2 \(kthreadd\): a kernel thread" \
	 "-c /nonexistent|cgroup /nonexistent: No such file"; do
	echo keep > keep.txt
	$F -o keep.txt ${t%%|*} > out 2> err; rc=$?
	expect "fbtrace_hardening_target '${t%%|*}'" 1 "^fbtrace: ${t#*|}"
	untouched "fbtrace_hardening_target '${t%%|*}'" keep.txt keep
done
echo keep > keep.txt
$F -o keep.txt -- true > out 2> err; rc=$?
if [ $rc = 0 ] && head -2 keep.txt | grep -q '^# time_ns'; then
	pass "fbtrace_hardening_replace: a good trace replaces FILE"
else fail fbtrace_hardening_replace "status $rc, keep.txt: $(head -c 80 keep.txt)"; fi

# 2, 3. A full disk. Full from the start: status 1, the file named and
# the old file kept. Filling during the trace: status 1, the file named
# (it holds the records written up to then), and the command runs to its
# end (it is not sent SIGTERM).
mkdir full
if mount -t tmpfs -o size=64k tmpfs full; then
	echo old > full/t.txt
	dd if=/dev/zero of=full/filler bs=4k count=64 2> /dev/null
	$F -a -o full/t.txt -- sh -c 'echo ran > done' > out 2> err; rc=$?
	expect fbtrace_hardening_disk_full_start 1 "^fbtrace: full/t.txt: No space left on device"
	untouched fbtrace_hardening_disk_full_start full/t.txt old
	rm -f full/filler done
	dd if=/dev/zero of=full/filler bs=4k count=13 2> /dev/null
	$F -a -o full/t.txt -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done
				      sleep 0.5; echo ran > done' > out 2> err; rc=$?
	expect fbtrace_hardening_disk_full 1 "^fbtrace: full/t.txt: No space left on device"
	if [ "$(cat done 2> /dev/null)" = ran ]; then
		pass "fbtrace_hardening_disk_full: the command ran to its end"
	else fail fbtrace_hardening_disk_full "the command did not finish"; fi
	if [ -z "$(ls -A full | grep '^\.t\.txt\.')" ]; then
		pass "fbtrace_hardening_disk_full: no temporary file left"
	else fail fbtrace_hardening_disk_full "left: $(ls -A full)"; fi
	rm -f done
	umount full
else
	skip fbtrace_hardening_disk_full "cannot mount a tmpfs"
fi
for j in "" -j; do
	$F $j -a -- true > /dev/full 2> err; rc=$?
	expect "fbtrace_hardening_dev_full${j:+_json}" 1 "^fbtrace: standard output: No space left"
done

# 4. A zombie: refused at the start, the end of the trace when it becomes one.
python3 - "$F" <<'EOF' > out 2>&1
import os, subprocess, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
time.sleep(0.2)
r = subprocess.run([sys.argv[1], "-p", str(pid)], capture_output=True, text=True, timeout=10)
lines = [l for l in r.stderr.splitlines() if "delay unknown" not in l]
print("start", r.returncode, len(lines), lines[0] if lines else "")
os.waitpid(pid, 0)
pid = os.fork()
if pid == 0:
    time.sleep(1)
    os._exit(0)
t = time.time()
try:
    r = subprocess.run([sys.argv[1], "-p", str(pid)], capture_output=True, timeout=10)
    print("later", r.returncode, round(time.time() - t, 1))
except subprocess.TimeoutExpired:
    print("later timeout")
os.waitpid(pid, 0)
EOF
if grep -Eq "^start 1 1 fbtrace: pid [0-9]+ \(python3\): a zombie" out; then
	pass "fbtrace_hardening_zombie_start: $(grep ^start out)"
else fail fbtrace_hardening_zombie_start "$(cat out)"; fi
if awk '/^later/ { exit !($2 == 0 && $3 < 3) }' out && grep -q ^later out; then
	pass "fbtrace_hardening_zombie_later: $(grep ^later out) s: ends when the process exits"
else fail fbtrace_hardening_zombie_later "$(cat out)"; fi

# 5. A closed pipe: 141, the summary on stderr, the command finished.
for j in "" -j; do
	rm -f done
	bash -c "$F $j -a -- sh -c 'sleep 0.5; echo ran > done' 2> err | head -1 > /dev/null
		 echo \${PIPESTATUS[0]} > rc"
	rc=$(cat rc)
	expect "fbtrace_hardening_sigpipe${j:+_json}" 141 "^fbtrace: standard output: Broken pipe"
	if [ "$(cat done 2> /dev/null)" = ran ] && grep -q ' faults in ' err; then
		pass "fbtrace_hardening_sigpipe${j:+_json}: command finished, summary on stderr"
	else fail "fbtrace_hardening_sigpipe${j:+_json}" "done: $(cat done 2>&1); $(cat err)"; fi
done

# 6. A comm that is not UTF-8: escaped in JSON, the table's columns kept.
bad=$(printf '\xff\xfe')
cp /bin/true "$bad"
$F -j -a -- "./$bad" > u.jsonl 2> err; rc=$?
if [ $rc = 0 ] && out=$(parse_json u.jsonl) && grep -qF '"comm":"\\377\\376"' u.jsonl; then
	pass "fbtrace_hardening_utf8_json: every line parses, comm \"\\\\377\\\\376\""
else fail fbtrace_hardening_utf8_json "status $rc: $out $(grep -a -m1 -v fbtrace u.jsonl)"; fi
$F -a -- "./$bad" > u.txt 2> err; rc=$?
hdr=$(grep -m1 '^ *PID COMM' err)
row=$(grep -a -m1 '\\377\\376' err)
if [ $rc = 0 ] && grep -q ' \\377\\376 ' u.txt &&
   [ "${hdr%%SWAPIN*}" != "$hdr" ] && [ "$(awk '{print index($0, "SWAPIN")}' <<< "$hdr")" -gt 0 ] &&
   [ "$(awk '{ print $2 }' <<< "$row")" = '\377\376' ] &&
   [ $(( ${#row} )) -eq $(( ${#hdr} )) ]; then
	pass "fbtrace_hardening_utf8_text: text record and table say \\377\\376, columns aligned"
else fail fbtrace_hardening_utf8_text "status $rc: '$hdr' / '$row'"; fi

# 7. --pretty would break JSON Lines: refused.
echo keep > p.json
$F --pretty -a -- true > p.json 2> err; rc=$?
expect fbtrace_hardening_pretty 64 "^fbtrace: --pretty: the records are JSON Lines"

# 8. The command's output never mixes into the trace on standard output.
$F -j -a -- sh -c 'echo WORKLOAD-OUTPUT' > t.jsonl 2> err; rc=$?
if [ $rc = 0 ] && ! grep -q WORKLOAD t.jsonl && grep -q WORKLOAD-OUTPUT err &&
   out=$(parse_json t.jsonl); then
	pass "fbtrace_hardening_command_stdout: the command's output on stderr, the trace parses"
else fail fbtrace_hardening_command_stdout "status $rc: $out; $(grep -c WORKLOAD t.jsonl)"; fi
$F -j -a -o t2.jsonl -- sh -c 'echo WORKLOAD-OUTPUT' > out 2> err; rc=$?
if [ $rc = 0 ] && grep -q WORKLOAD-OUTPUT out && ! grep -q WORKLOAD t2.jsonl; then
	pass "fbtrace_hardening_command_stdout_o: with -o the command keeps standard output"
else fail fbtrace_hardening_command_stdout_o "status $rc"; fi
