#!/usr/bin/env bash
# hpbloat, hpcov, mmucost without root: command lines, mmucost --from
# against expected outputs, --list-events, the no-PMU path (fixture tree).
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
FIX=tests/fixtures/perfstat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# status NAME EXPECTED CMD...: the command exits with EXPECTED.
status() {
	local name=$1 want=$2 rc; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	[ "$rc" = "$want" ] && pass "$name" || fail "$name" "status $rc, expected $want: $(head -c 300 "$tmp/err")"
}

for tool in hpbloat hpcov mmucost; do
	status "$tool-help" 0 "$BUILD/$tool" --help
	status "$tool-version" 0 "$BUILD/$tool" --version
	status "$tool-no-target" 64 "$BUILD/$tool"
	status "$tool-bad-option" 64 "$BUILD/$tool" --no-such-option
done
status "hpbloat-bad-pid" 64 "$BUILD/hpbloat" -p abc
status "hpbloat-regions-and-vmas" 64 "$BUILD/hpbloat" -p 1 -r --vmas
status "hpcov-bad-interval" 64 "$BUILD/hpcov" -p 1 -i 0
status "hpcov-pid-and-all" 64 "$BUILD/hpcov" -p 1 -A
status "mmucost-pmu-without-list" 64 "$BUILD/mmucost" -p 1 --pmu skx
status "mmucost-unknown-pmu" 64 "$BUILD/mmucost" --list-events --pmu nosuchpmu

# --from: recorded counts against outputs worked out by hand.
for f in skx-interval skx-raw zen; do
	if "$BUILD/mmucost" --from "$FIX/$f.csv" | diff -u "$FIX/$f.expected" - > "$tmp/diff"; then
		pass "mmucost-from-$f"
	else
		fail "mmucost-from-$f" "$(cat "$tmp/diff")"
	fi
	if "$BUILD/mmucost" -j --from "$FIX/$f.csv" | diff -u "$FIX/$f.expected.json" - > "$tmp/diff"; then
		pass "mmucost-from-$f-json"
	else
		fail "mmucost-from-$f-json" "$(cat "$tmp/diff")"
	fi
done
"$BUILD/mmucost" --from - < "$FIX/zen.csv" | diff -q "$FIX/zen.expected" - >/dev/null &&
	pass "mmucost-from-stdin" || fail "mmucost-from-stdin" "differs from $FIX/zen.expected"
status "mmucost-from-bad-line" 1 "$BUILD/mmucost" --from "$FIX/bad.csv"
grep -q "bad.csv:2: not a line of" "$tmp/err" && pass "mmucost-from-bad-line-named" ||
	fail "mmucost-from-bad-line-named" "$(cat "$tmp/err")"
status "mmucost-from-missing-file" 1 "$BUILD/mmucost" --from "$tmp/none.csv"

# --list-events for a PMU that is not this machine's.
"$BUILD/mmucost" --list-events --pmu skx -j > "$tmp/skx.json"
if jq -e '.pmu == "skx" and ([.events[] | {(.role): .config}] | add) ==
	{"load_walk_cycles": "0x1001008", "store_walk_cycles": "0x1001049",
	 "ifetch_walk_cycles": "0x1001085", "cycles": "0x3c"}' "$tmp/skx.json" >/dev/null; then
	pass "mmucost-list-events-skx"
else
	fail "mmucost-list-events-skx" "$(cat "$tmp/skx.json")"
fi
"$BUILD/mmucost" --list-events --pmu amd64_fam19h_zen3 | grep -q "page walks per 1000 instructions" &&
	pass "mmucost-list-events-zen-metric" || fail "mmucost-list-events-zen-metric" "no AMD note"

# No hardware PMU: a sysfs without event_source/devices/cpu.
mkdir -p "$tmp/root/sys/bus/event_source/devices/software"
HAWKFETCH_SYSROOT=$tmp/root "$BUILD/mmucost" -p $$ > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 69 ] && grep -q "no hardware PMU" "$tmp/err"; then
	pass "mmucost-no-pmu"
else
	fail "mmucost-no-pmu" "status $rc: $(cat "$tmp/err")"
fi
HAWKFETCH_SYSROOT=$tmp/root "$BUILD/mmucost" -j -p $$ 2>/dev/null |
	jq -e 'select(.type == "error") | .message | test("no hardware PMU")' >/dev/null &&
	pass "mmucost-no-pmu-json" || fail "mmucost-no-pmu-json" "no JSON error object"

# Man pages and completions stay in step with --help.
for tool in hpbloat hpcov mmucost; do
	opts=$("$BUILD/$tool" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	missing=""
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
done
