#!/usr/bin/env bash
# fbload's two replay engines on the running kernel: every built-in
# policy's BPF programs verify here within the margin (100,000
# instructions, a tenth of the kernel's limit); the native engine (the
# policy compiled as C into fbload) and the BPF engine (the same source as
# BPF, run with BPF_PROG_TEST_RUN) decide alike, fault by fault, on the
# fixture traces, on generated patterns, and for 20 seconds of random
# traces and options (FUZZ_SECONDS); a policy the kernel refuses does not
# sink the others. Needs root for the BPF engine.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
fbload=$B/fbload
POLICIES="leap readahead stride next streams adaptive"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

if ! need_root; then
	skip "fbload engines" "needs root to load BPF programs"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# -- the verifier's margin, from the kernel's own count (bpf_prog_info)
v=$("$fbload" -j verify --max-insns 100000); rc=$?
n=$(jq '[.programs[] | select(.build == "replay")] | length' <<<"$v")
if [ $rc -eq 0 ] && [ "$n" -eq 6 ] && jq -e 'all(.programs[]; .loaded and .within_margin)' <<<"$v" >/dev/null; then
	pass "verify: every built-in verifies on $(uname -r) within 100,000 instructions ($(jq -r '[.programs[] | "\(.policy) \(.verified_insns)"] | join(", ")' <<<"$v"))"
else
	fail "verify" "rc $rc: $(jq -c '[.programs[] | select(.within_margin | not)]' <<<"$v" 2>/dev/null || echo "$v")"
fi
"$fbload" verify --max-insns 100 leap > "$work/out" 2>&1
[ $? -eq 1 ] && grep -q "above the margin" "$work/out"
check "verify: a program above --max-insns exits 1 and says so" [ $? -eq 0 ]

# same TRACE [OPTIONS...]: both engines, --decisions and the summary, byte for byte.
same() {
	local trace=$1; shift
	"$fbload" --decisions "$@" -r "$trace" $POLICIES > "$work/native" 2>&1 &&
	"$fbload" --engine bpf --decisions "$@" -r "$trace" $POLICIES > "$work/bpf" 2>&1 &&
	[ -s "$work/native" ] && cmp -s "$work/native" "$work/bpf"
}
# A mismatch is kept for the reader: the trace and both outputs.
keep() { cp "$1" "$work/native" "$work/bpf" /tmp/ 2>/dev/null; echo "kept in /tmp: $(basename "$1"), native, bpf"; }

# -- the fixtures (the corpus of real programs' swap-ins with slots too)
# and the patterns the quality tests use
for z in tests/fixtures/traces/*.txt.gz tests/fixtures/corpus/*.txt.gz; do
	zcat "$z" > "$work/$(basename "$z" .gz)"
done
for t in tests/fixtures/traces/*.txt "$work"/*.txt; do
	if same "$t" && same "$t" --batch 1 -b 4; then pass "engines: $(basename "$t") decides alike"
	else fail "engines: $(basename "$t")" "native and bpf differ ($(keep "$t"))"; fi
done
gen=tests/gentrace.sh
i=0
for pattern in "seq 20000" "stride 20000 7" "stride 20000 -64" "interleave 20000 4" \
	       "passes 20000 5" "random 20000"; do
	i=$((i + 1))
	$gen $pattern > "$work/p$i"
	if same "$work/p$i" && same "$work/p$i" -b 64 --resident 16; then
		pass "engines: $pattern decides alike (default buffer; 64 pages, 16 resident)"
	else
		fail "engines: $pattern" "native and bpf differ ($(keep "$work/p$i"))"
	fi
done

# -- parameters: the same names and defaults in both builds, and -o reaches both
for p in $POLICIES; do
	a=$($gen seq 100 | "$fbload" -j $p | jq -c '.policies[0].parameters')
	b=$($gen seq 100 | "$fbload" --engine bpf -j $p | jq -c '.policies[0].parameters')
	check "engines: $p has the same parameters in both builds ($a)" [ "$a" = "$b" ]
done
if same "$work/p1" -o leap.max_window=33 -o next.pages=3 -o stride.degree=32 \
	-o streams.confidence=1 -o readahead.page_cluster=5 -o adaptive.threshold=1024; then
	pass "engines: parameters set with -o decide alike"
else
	fail "engines: -o" "native and bpf differ with parameters set"
fi

# -- one policy the kernel refuses does not sink the others
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ibpf -DFB_REPLAY -c tests/fixtures/policies/bad.bpf.c \
	-o "$work/bad.replay.bpf.o"
"$fbload" --engine bpf -r "$work/p1" leap "$work/bad.replay.bpf.o" stride \
	> "$work/out" 2> "$work/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "^leap  *20000 " "$work/out" && grep -q "^stride  *20000 " "$work/out" &&
   grep -q "bad.replay.bpf.o not loaded: ." "$work/out" && [ "$(wc -l < "$work/err")" -eq 1 ] &&
   grep -q "bad.replay.bpf.o: the kernel refused its BPF programs: ." "$work/err"; then
	pass "engines: a refused policy is named with the verifier's reason, the others replay, exit 1"
else
	fail "engines: a refused policy" "rc $rc: $(cat "$work/out" "$work/err" | head -5)"
fi
"$fbload" --engine native -r "$work/p1" leap "$work/bad.replay.bpf.o" > /dev/null 2> "$work/err"
[ $? -eq 64 ] && grep -q "replays only with the BPF engine" "$work/err"
check "engines: --engine native refuses a policy object (exit 64) and says why" [ $? -eq 0 ]
"$fbload" -j -r "$work/p1" leap "$work/bad.replay.bpf.o" > "$work/out" 2>/dev/null
jq -e '.policies[0].engine == "native" and .policies[0].loaded and
	.policies[1].engine == "bpf" and (.policies[1].loaded | not) and
	(.policies[1].error | length > 0) and .policies[1].processed_insns > 0' \
	"$work/out" >/dev/null
check "engines: -j names each policy's engine, and the refused one's reason and count" [ $? -eq 0 ]

# -- the differential fuzz: random traces (every other one with slot records),
# buffers, batches and parameters
opts() {	# SEED: a random option set
	local s=$1
	echo "-b $(( (s % 3 == 0) ? 4 : (s % 3 == 1) ? 64 : 4096 ))" \
	     "--resident $(( (s / 3 % 3 == 0) ? 0 : (s / 3 % 3 == 1) ? 16 : 4096 ))" \
	     "--batch $(( (s / 9 % 3 == 0) ? 1 : (s / 9 % 3 == 1) ? 7 : 512 ))" \
	     "-o leap.max_window=$(( 1 + s % 33 )) -o next.pages=$(( s % 33 ))" \
	     "-o stride.degree=$(( s % 33 )) -o streams.max_distance=$(( s % 300 ))" \
	     "-o adaptive.max_window=$(( 1 + s % 33 )) -o adaptive.recent=$(( s % 100 ))"
}
slots() { [ $(($1 % 2)) = 1 ] && echo -s; }	# every other trace with slot records
base=$(date +%s) runs=0 bad=
end=$((SECONDS + FUZZ_SECONDS))
while [ $SECONDS -lt $end ] && [ -z "$bad" ]; do
	seed=$((base + runs))
	tests/gentrace-mix.sh $(slots "$seed") "$seed" $((500 + seed % 5000)) > "$work/fuzz"
	same "$work/fuzz" $(opts "$seed") || bad="seed $seed, options: $(opts "$seed") ($(keep "$work/fuzz"))"
	runs=$((runs + 1))
done
if [ -z "$bad" ] && [ $runs -ge 10 ]; then
	pass "engines: differential fuzz, $runs random traces in ${FUZZ_SECONDS} s, all decide alike (seeds $base..$((base + runs - 1)))"
else
	fail "engines: differential fuzz" "${bad:-only $runs runs in ${FUZZ_SECONDS} s}; reproduce: tests/gentrace-mix.sh [-s if SEED is odd] SEED \$((500 + SEED % 5000))"
fi
