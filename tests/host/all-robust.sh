#!/usr/bin/env bash
# Every tool against a table of bad inputs, outputs and targets (issue 19):
# missing, directory, FIFO, /dev/zero, binary, truncated and invalid-UTF-8
# inputs; /dev/full and a 64 KiB tmpfs as outputs; missing, kernel-thread
# and zombie pids. Each case asserts what a user relies on: the exit status
# documented (never a crash), a clear message on stderr (at most 3 lines,
# argp's hint included), RSS under 64 MiB, done within 5 s, a pre-existing
# output file untouched, and with -j a stdout that python3's json reads.
# Root (tmpfs, pids of others). The table's size is in the last line.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
need_root || { skip robust "needs root (a tmpfs, other users' pids)"; exit 0; }
tmp=$(mktemp -d)
full=$tmp/full
cleanup() {
	umount "$full" 2>/dev/null
	kill "$zpid" "${fifo_writer:-}" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$full" && mount -t tmpfs -o size=64k tmpfs "$full" &&
	head -c 64k /dev/zero > "$full/filler" 2>/dev/null

# ---- the inputs ----
in=$tmp/in
mkdir "$in" "$in/dir"
head -c 4096 /dev/urandom > "$in/binary"
printf '# time_ns pid tid comm kind addr swap_type swap_offset cache_hit\n1 1 1 a major 0x1000 - - -\n2 1 1 a maj' > "$in/truncated"
printf '{"type":"fault","pid":1,"kind":"major","addr":"0x1000"}\n{"type":"fault","pid":1,"comm":"\xff\xfe","kind":"major","addr":"0x2' > "$in/badjson"
printf '# time_ns pid tid comm kind addr swap_type swap_offset cache_hit\n1 1 1 \xff\xfe major 0x1000 - - -\n' > "$in/utf8"
mkfifo "$in/fifo"
# A zombie: sleep 60 inherits an exited child it never reaps.
sh -c 'sleep 0 & exec sleep 60' &
zparent=$!
zpid=$zparent
zombie=
for i in $(seq 50); do
	zombie=$(cat /proc/$zparent/task/$zparent/children 2>/dev/null | tr -d ' ')
	[ -n "$zombie" ] && [ "$(awk '{ print $3 }' /proc/$zombie/stat 2>/dev/null)" = Z ] && break
	zombie=
	sleep 0.1
done
[ -n "$zombie" ] || fail "robust: a zombie to test with" "none appeared"

# ---- one case ----
cases=0 tools=""
# case NAME STATUSES JSON(0/1) KEEP(file or -) CMD...
case_() {
	local name=$1 want=$2 json=$3 keep=$4 rc rss t0 t1 lines ok=1 why=""
	shift 4
	cases=$((cases + 1))
	tools="$tools ${name%%:*}"
	[ "$keep" != - ] && echo "precious" > "$keep"
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$tmp/rss" timeout -k 2 5 "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	t1=$(date +%s%N)
	rss=$(tail -n 1 "$tmp/rss" 2>/dev/null | grep -o '^[0-9]*$' || echo 0)
	[[ " $want " == *" $rc "* ]] || { ok=0; why+=" exit $rc (want $want);"; }
	lines=$(grep -vc '^Command exited with' "$tmp/err")
	[ "$lines" -ge 1 ] && [ "$lines" -le 3 ] || [ "$want" = 0 ] || { ok=0; why+=" $lines lines on stderr;"; }
	[ "${rss:-0}" -lt 65536 ] || { ok=0; why+=" RSS ${rss} KiB;"; }
	[ $(( (t1 - t0) / 1000000 )) -lt 5000 ] || { ok=0; why+=" took $(( (t1 - t0) / 1000000 )) ms;"; }
	[ "$keep" = - ] || [ "$(cat "$keep" 2>/dev/null)" = precious ] || { ok=0; why+=" $keep damaged;"; }
	if [ "$json" = 1 ] && [ -s "$tmp/out" ] &&
	   ! python3 -c 'import json, sys; [json.loads(l) for l in sys.stdin if l.strip()]' < "$tmp/out" 2>/dev/null; then
		ok=0; why+=" stdout is not JSON;"
	fi
	if [ $ok = 1 ]; then pass "robust: $name (exit $rc: $(head -c 120 "$tmp/err" | head -1))"
	else fail "robust: $name" "${why# } stderr: $(head -c 200 "$tmp/err" | tr '\n' ' ')"; fi
}

# ---- fbload: the trace reader ----
for i in missing dir binary truncated badjson fifo; do
	f=$in/$i; [ $i = missing ] && f=$in/none
	if [ $i = fifo ]; then
		( exec 3> "$in/fifo"; sleep 0.3 ) &	# a writer that closes at once
		fifo_writer=$!
	fi
	case_ "fbload: replay -r $i" 1 1 - "$B/fbload" -j replay -r "$f" leap
done
case_ "fbload: replay /dev/zero (unbounded line)" 1 1 - "$B/fbload" -j replay -r /dev/zero leap
case_ "fbload: replay to /dev/full" 1 0 - bash -c "tests/gentrace.sh seq 2000 | '$B/fbload' -j leap > /dev/full"
case_ "fbload: replay to a full tmpfs" 1 0 - bash -c "tests/gentrace.sh seq 2000 | '$B/fbload' --decisions leap > '$full/r.txt'"

# ---- fbtrace: targets and outputs ----
case_ "fbtrace: -p missing, -o kept" 1 0 "$tmp/keep" "$B/fbtrace" -o "$tmp/keep" -p 999999
case_ "fbtrace: -p 2 (kernel thread), -o kept" 1 0 "$tmp/keep" "$B/fbtrace" -o "$tmp/keep" -p 2
case_ "fbtrace: -c missing, -o kept" 1 0 "$tmp/keep" "$B/fbtrace" -o "$tmp/keep" -c /sys/fs/cgroup/none
[ -n "$zombie" ] && case_ "fbtrace: -p zombie" 1 0 - "$B/fbtrace" -p "$zombie"
case_ "fbtrace: records to /dev/full" 1 0 - bash -c "'$B/fbtrace' --no-summary -a -- true > /dev/full"
case_ "fbtrace: -o on a full tmpfs" 1 0 - "$B/fbtrace" --no-summary -a -o "$full/t.txt" -- true

# ---- hpcov, mmucost: the pipe documents ----
for i in missing dir binary; do
	f=$in/$i; [ $i = missing ] && f=$in/none
	case_ "hpcov: --promote --from $i" 1 1 - "$B/hpcov" -j --promote --dry-run --from "$f"
	case_ "mmucost: --from $i" 1 1 - "$B/mmucost" -j --from "$f"
done
case_ "hpcov: --from /dev/zero" 1 1 - "$B/hpcov" -j --promote --dry-run --from /dev/zero
case_ "hpcov: --weights /dev/zero" 1 1 - "$B/hpcov" -j --promote --dry-run --from tests/fixtures/promote/coverage.json --weights /dev/zero
case_ "mmucost: --from /dev/zero" 1 1 - "$B/mmucost" -j --from /dev/zero
case_ "mmucost: report to /dev/full" 1 0 - bash -c "'$B/mmucost' -j --from tests/fixtures/perfstat/zen.csv > /dev/full"

# ---- hpbloat, hpcov, mmucost: targets ----
# hpcov needs page_idle or the hawkfetch kernel (else 69 before any pid is
# looked at); mmucost counts software events here (no hardware PMU).
soft="-e perf::PAGE-FAULTS/perf::TASK-CLOCK -d 1"
for t in hpbloat hpcov mmucost; do
	opts=; [ $t = mmucost ] && opts=$soft
	case_ "$t: -p missing" "1 69" 1 - "$B/$t" -j $opts -p 999999
	case_ "$t: -p 2 (kernel thread)" "1 69" 1 - "$B/$t" -j $opts -p 2
	[ -n "$zombie" ] && case_ "$t: -p zombie" "1 69" 1 - "$B/$t" -j $opts -p "$zombie"
done
case_ "hpbloat: report to /dev/full" 1 0 - bash -c "'$B/hpbloat' -j -p $$ > /dev/full"

# ---- usage errors: one rule for every tool ----
for t in fbtrace fbload hpbloat hpcov mmucost prezero-ctl; do
	case_ "$t: an unknown option with -j" 64 1 - "$B/$t" -j --no-such-option
done

n_tools=$(tr ' ' '\n' <<<"$tools" | sort -u | grep -c .)
echo "robust: $cases cases over $n_tools tools"
