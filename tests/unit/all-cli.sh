#!/usr/bin/env bash
# Option conventions shared by every binary: --help, --usage and --version
# work without root and exit 0; an unknown option exits 64 with a message.
. "$(dirname "$0")/../lib.sh"

for dir in cmd/*/; do
	bin=$(basename "$dir")
	exe=$BUILD/$bin
	as_nobody=()
	need_root && command -v setpriv > /dev/null &&
		as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	for opt in --help --usage --version; do
		out=$("${as_nobody[@]}" "$exe" $opt 2>&1); rc=$?
		if [ $rc = 0 ] && [ -n "$out" ]; then pass "cli_$bin: $opt exits 0 without root"
		else fail "cli_$bin" "$opt exited $rc: $out"; fi
	done
	"$exe" --version | grep -q "^hawkfetch [0-9]" && pass "cli_$bin: --version names hawkfetch" ||
		fail "cli_$bin" "--version: $("$exe" --version)"
	out=$("$exe" --no-such-option 2>&1); rc=$?
	if [ $rc = 64 ] && grep -q "unrecognized option" <<< "$out"; then
		pass "cli_$bin: unknown option exits 64 naming it"
	else
		fail "cli_$bin" "unknown option: status $rc, '$out'"
	fi
	for opt in -j --pretty -v; do
		"$exe" --help | grep -q -- "$opt" && pass "cli_$bin: common option $opt" ||
			fail "cli_$bin" "--help lacks the common option $opt"
	done
done
