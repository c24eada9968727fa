#!/usr/bin/env bash
# Every long option a binary's --help lists appears in its man page and its
# bash completion, and the help works without root.
. "$(dirname "$0")/../lib.sh"

for dir in cmd/*/; do
	bin=$(basename "$dir")
	exe=$BUILD/$bin
	[ -x "$exe" ] || { fail "docs_$bin" "$exe not built"; continue; }
	opts=$("$exe" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	[ -n "$opts" ] || { fail "docs_$bin" "--help lists no options"; continue; }
	for doc in "man/man8/$bin.8" "completions/$bin"; do
		[ -f "$doc" ] || { fail "docs_$bin" "$doc is missing"; continue; }
		# roff writes "\-\-name" and may split "\fB...\fR"; normalise first.
		text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$doc")
		missing=$(for o in $opts; do grep -q -- "$o\b" <<< "$text" || echo "$o"; done)
		if [ -z "$missing" ]; then pass "docs_$bin: $doc names all $(wc -w <<< "$opts") options of --help"
		else fail "docs_$bin" "$doc lacks: $(echo $missing)"; fi
	done
	if bash -n "completions/$bin" 2>/dev/null; then pass "docs_$bin: completion is valid bash"
	else fail "docs_$bin" "completions/$bin: syntax error"; fi
	warnings=$(groff -ww -z -man "man/man8/$bin.8" 2>&1)
	if [ $? = 0 ] && [ -z "$warnings" ]; then pass "docs_$bin: man page renders without warnings"
	else fail "docs_$bin" "groff: $warnings"; fi
done
