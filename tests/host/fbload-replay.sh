#!/usr/bin/env bash
# fbload's replay: synthetic access patterns, the hand-computed Leap
# example, both input forms and stdin, parameters, malformed input and
# bounded memory, with the native engine (no root); as root also user
# policies in the running kernel (the man page's example, and one the
# verifier rejects) and a live fbtrace pipeline. tests/host/fbload-engines.sh
# checks that the BPF engine decides as the native one does.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
fbload=$B/fbload
gen=tests/gentrace.sh
fix=tests/fixtures/traces

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# field JSON POLICY KEY: one number from fbload -j's report.
field() { jq -r --arg p "$2" --arg k "$3" '.policies[] | select(.policy == $p) | .[$k]' <<<"$1"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# -- the hand-computed Leap example (derivation: tests/fixtures/traces/leap-hand.md)
for p in leap; do
	for b in 1 512; do
		if "$fbload" --decisions --batch $b -r $fix/leap-hand.txt $p > "$work/hand" 2>&1 &&
		   diff -u $fix/$p-hand.expected "$work/hand"; then
			pass "replay: hand-computed $p example, batch $b"
		else
			fail "replay: hand-computed $p example, batch $b" "differs (diff above)"
		fi
	done
done

# -- patterns: quality floors that hold for every correct implementation
$gen seq 20000 > "$work/seq"
j=$("$fbload" -j -r "$work/seq" leap readahead stride next)
ok=1
ge "$(field "$j" stride accuracy)" 0.9 && ge "$(field "$j" stride coverage)" 0.9 || ok=0
# published Leap reads window - 1 = 7 pages per miss at its 8-page window
ge "$(field "$j" leap accuracy)" 0.99 && ge "$(field "$j" leap coverage)" 0.87 || ok=0
ge "$(field "$j" readahead accuracy)" 0.9 && ge "$(field "$j" next coverage)" 0.85 || ok=0
[ "$(field "$j" leap faults)" = 20000 ] || ok=0
check "replay: sequential (stride >= 0.9, leap 7 of 8; readahead accurate)" [ $ok -eq 1 ]

for k in 1 3 16 64 -1 -7 -64; do
	j=$($gen stride 20000 $k | "$fbload" -j leap stride readahead)
	if ge "$(field "$j" leap accuracy)" 0.99 && ge "$(field "$j" leap coverage)" 0.87 &&
	   ge "$(field "$j" stride coverage)" 0.9; then
		pass "replay: stride $k pages: leap 7 of 8, stride >= 0.9"
	else
		fail "replay: stride $k pages" "$(jq -c '[.policies[] | {policy, accuracy, coverage}]' <<<"$j")"
	fi
done
j=$($gen stride 20000 5 | "$fbload" -j readahead)
check "replay: readahead does not follow a 5-page stride" [ "$(field "$j" readahead prefetched)" -lt 200 ]

# No trend: Leap falls back to cluster readahead, 4-page clusters (3 reads)
# when it has no hits (at most 3 reads per miss).
j=$($gen random 20000 | "$fbload" -j leap stride)
p=$(field "$j" leap prefetched)
check "replay: random: leap reads its 4-page clusters (50000 <= $p <= 60000)" \
	[ "$p" -le 60000 ] && [ "$p" -ge 50000 ]

j=$($gen interleave 20000 4 | "$fbload" -j stride)
check "replay: 4 interleaved streams: stride coverage >= 0.9" ge "$(field "$j" stride coverage)" 0.9

j=$($gen passes 20000 4 | "$fbload" -j leap)
check "replay: 4 passes over 5000 pages: leap coverage >= 0.85" ge "$(field "$j" leap coverage)" 0.85

# A tiny buffer evicts prefetched pages before their use.
j=$($gen seq 5000 | "$fbload" -j -b 4 next)
check "replay: a 4-page buffer evicts (next, 8 pages ahead)" [ "$(field "$j" next evicted_unused)" -gt 0 ]
j1=$($gen seq 5000 | "$fbload" -j -b 4 --batch 1 next)
check "replay: --batch 1 has no hit-flag mismatches" [ "$(field "$j1" next hit_flag_mismatches)" = 0 ]

# -- input forms, stdin and the JSON document
t=$("$fbload" -j -r "$work/seq" leap | jq -c '.policies')
jl=$($gen -j seq 20000 | "$fbload" -j leap | jq -c '.policies')
check "replay: JSON Lines input gives the same result as text" [ "$t" = "$jl" ]
s=$(cat "$work/seq" | "$fbload" -j leap | jq -c '.policies')
check "replay: a trace on stdin is replayed (stdin not a terminal)" [ "$t" = "$s" ]
v=$("$fbload" replay -j leap -r "$work/seq" | jq -c '.policies')
vs=$("$fbload" -j replay leap < "$work/seq" | jq -c '.policies')
check "replay: the replay command, from a file or standard input" [ "$t" = "$v" -a "$t" = "$vs" ]
d=$("$fbload" -j -r "$work/seq" leap readahead)
jq -e '.type == "replay" and .records == 20000 and (.policies | length) == 2 and
	(.policies[0] | has("faults") and has("prefetched") and has("hits") and has("misses")
	 and has("accuracy") and has("coverage") and .parameters.max_window == 8)' \
	<<<"$d" >/dev/null
check "replay: -j is one JSON document with every policy" [ $? -eq 0 ]
out=$("$fbload" -r "$work/seq" leap readahead)
grep -q "^POLICY .*ACCURACY *COVERAGE" <<<"$out" && grep -q "^readahead " <<<"$out"
check "replay: plain output is a table" [ $? -eq 0 ]

# -- slot records (format v2): the fixture in both forms, batch 1 by default
slots=$fix/slots-walk.txt
awk '/^#/ { next }
	{ printf "{\"type\":\"%s\",\"time_ns\":%s,\"pid\":%s,\"tid\":%s,\"comm\":\"%s\",\"kind\":\"%s\"",
		  ($5 == "swapin" || $5 == "major") ? "fault" : "slot", $1, $2, $3, $4, $5
	  if ($6 != "-") printf ",\"addr\":\"%s\"", $6
	  if ($7 != "-") printf ",\"swap_type\":%s,\"swap_offset\":%s", $7, $8
	  if ($9 != "-") printf ",\"cache_hit\":%s", $9 ? "true" : "false"
	  print "}" }' "$slots" > "$work/slots.jsonl"
t=$("$fbload" -j -r "$slots" leap next | jq -c '[.slot_records, .policies]')
jl=$("$fbload" -j -r "$work/slots.jsonl" leap next | jq -c '[.slot_records, .policies]')
check "replay: slot records, text and JSON Lines alike ($(jq -c '.[0]' <<<"$t") slot records)" \
	[ "$t" = "$jl" -a "$(jq '.[0]' <<<"$t")" = 228 ]
b=$("$fbload" -j --batch 512 -r "$slots" leap | jq -c '.policies[0].hits')
grep -q "slot records: .*(batch 1)" <("$fbload" -r "$slots" leap) &&
	grep -q "slot records: .*(batch 512)" <("$fbload" --batch 512 -r "$slots" leap)
check "replay: slot records replay with batch 1 unless --batch is given (hits at 512: $b)" [ $? -eq 0 ]

# -- parameters
j=$("$fbload" -j -r "$work/seq" -o leap.max_window=4 leap stride)
[ "$(field "$j" leap prefetched)" -lt 19000 ] && jq -e '.policies[0].parameters.max_window == 4' <<<"$j" >/dev/null
check "replay: -o leap.max_window=4 is applied" [ $? -eq 0 ]
err=$("$fbload" -r "$work/seq" -o leap.nosuch=1 leap 2>&1); rc=$?
[ $rc -eq 64 ] && grep -q "no parameter 'nosuch' (it has: max_window)" <<<"$err"
check "replay: an unknown parameter exits 64 and lists the real ones" [ $? -eq 0 ]
"$fbload" -r "$work/seq" -o pages=notanumber next >/dev/null 2>&1
check "replay: a non-numeric parameter exits 64" [ $? -eq 64 ]

# -- malformed input: rejected with its line number
printf '# time_ns pid tid comm kind addr swap_type swap_offset cache_hit\n1 1 1 a major 0x1000 - - -\n2 1 1 a major zzz - - -\n' > "$work/bad"
err=$("$fbload" -r "$work/bad" leap 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "bad:3: bad addr" <<<"$err"
check "replay: a malformed text line is rejected with its line number" [ $? -eq 0 ]
err=$(printf '{"type":"fault","pid":1,"kind":"major","addr":"0x1000"}\n{"type":"fault",\n' | "$fbload" leap 2>&1)
[ $? -eq 1 ] && grep -q "<stdin>:2:" <<<"$err"
check "replay: a malformed JSON line on stdin is rejected with its line number" [ $? -eq 0 ]
"$fbload" -r "$work/nonexistent" leap >/dev/null 2>&1
check "replay: a missing file fails with status 1" [ $? -eq 1 ]

# -- memory bounded by the buffer, not the trace: 100k vs 2M records through a pipe
rss() { $gen seq "$1" | /usr/bin/time -f %M "$fbload" -b 4096 leap 2>&1 >/dev/null | tail -1; }
small=$(rss 100000) big=$(rss 2000000)
check "replay: memory does not grow with the trace (${small} KiB at 100k, ${big} KiB at 2M records)" \
	[ $((big - small)) -lt 4096 ]

if ! need_root; then
	skip "fbload replay: user policies and fbtrace" "needs root to load BPF programs"
	exit 0
fi

# -- user policies: the man page's example, built both ways
sed -n '/example-begin/,/example-end/p' man/man8/fbload.8 | sed '1d;$d; s/\\-/-/g; s/\\e/\\/g' > "$work/last2.bpf.c"
cflags="-g -O2 -target bpf -D__TARGET_ARCH_x86 -Ibpf"
if clang $cflags -c "$work/last2.bpf.c" -o "$work/last2.bpf.o" &&
   clang $cflags -DFB_REPLAY -c "$work/last2.bpf.c" -o "$work/last2.replay.bpf.o"; then
	pass "policy: the man page example compiles for the kernel and for replay"
	j=$("$fbload" -j -r "$work/seq" "$work/last2.replay.bpf.o" -o depth=16)
	jq -e '.policies[0].coverage > 0.9 and .policies[0].parameters.depth == 16' <<<"$j" >/dev/null
	check "policy: the man page example replays, with -o depth=16" [ $? -eq 0 ]
	j=$("$fbload" -j -r "$work/seq" "$work/last2.bpf.o")
	check "policy: X.bpf.o given to replay replays X.replay.bpf.o" \
		[ "$(jq '.policies[0].hits' <<<"$j")" -gt 0 ]
	mkdir "$work/alone" && cp "$work/last2.bpf.o" "$work/alone/"
	err=$("$fbload" -r "$work/seq" "$work/alone/last2.bpf.o" 2>&1)
	check "policy: a kernel object alone is refused for replay, with advice" grep -q "DFB_REPLAY" <<<"$err"
else
	fail "policy: the man page example compiles" "clang failed"
fi

# -- a policy the verifier rejects: the verifier's reason is shown
clang $cflags -DFB_REPLAY -c tests/fixtures/policies/bad.bpf.c -o "$work/bad.replay.bpf.o"
err=$("$fbload" -r "$work/seq" "$work/bad.replay.bpf.o" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "refused its BPF programs: ." <<<"$err"
check "policy: a verifier rejection exits 1 and shows the verifier's reason" [ $? -eq 0 ]
err=$("$fbload" -v -r "$work/seq" "$work/bad.replay.bpf.o" 2>&1)
check "policy: -v shows the verifier's whole log" grep -q "BEGIN PROG LOAD LOG" <<<"$err"

# -- Ctrl-C on a pipeline (fbtrace ... | fbload leap): fbtrace flushes its
# last records on SIGINT and closes the pipe; fbload, fed by a pipe, reads
# on to the end, so it counts every record fbtrace wrote.
setsid bash -c "'$B/fbtrace' -a -- sleep 30 2> '$work/ft.err' |
	'$fbload' -a -j leap > '$work/ctrlc.json'" &
pg=$!
sleep 2
kill -INT -- -$pg 2>/dev/null
wait $pg
traced=$(sed -n 's/^fbtrace: \([0-9]*\) faults in .*/\1/p' "$work/ft.err")
replayed=$(jq '.policies[0].faults' "$work/ctrlc.json" 2>/dev/null)
check "replay: Ctrl-C on fbtrace | fbload: all $traced traced faults replayed ($replayed)" \
	[ "${traced:-x}" = "$replayed" ]
