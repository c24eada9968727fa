#!/usr/bin/env bash
# make install puts every binary, man page and completion under DESTDIR/PREFIX.
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if ! make -s --no-print-directory install DESTDIR="$tmp" PREFIX=/usr > "$tmp/log" 2>&1; then
	fail install "make install failed: $(tail -n 3 "$tmp/log")"; exit 0
fi
for dir in cmd/*/; do
	bin=$(basename "$dir")
	for f in usr/sbin/$bin usr/share/man/man8/$bin.8 usr/share/bash-completion/completions/$bin; do
		if [ -s "$tmp/$f" ]; then pass "install: $f"; else fail install "$f missing"; fi
	done
	[ -x "$tmp/usr/sbin/$bin" ] && "$tmp/usr/sbin/$bin" --version > /dev/null &&
		pass "install: installed $bin runs" || fail install "installed $bin does not run"
done
