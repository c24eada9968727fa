#!/usr/bin/env bash
# The corpus table (issue #22): every trace of tests/fixtures/corpus
# replayed natively through the built-in policies and the oracle
# (fbload replay --oracle, default buffer and resident model), as one
# Markdown table: per policy accuracy / coverage / share of the oracle's
# coverage. Deterministic: the README's FetchBPF section opens with it.
# Needs no root. `make bench` runs it; POLICIES and CORPUS change the
# columns and rows.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
POLICIES=${POLICIES:-leap readahead streams stride next adaptive}
CORPUS=${CORPUS:-sort perl sqlite zstd python cc1 kv}

printf '| trace | faults | oracle coverage |'
for p in $POLICIES; do printf ' %s |' "$p"; done
printf '\n|---|---|---|'
for p in $POLICIES; do printf -- '---|'; done
echo
for t in $CORPUS; do
	zcat "tests/fixtures/corpus/$t.txt.gz" |
		"$B/fbload" -j replay --oracle $POLICIES |
		jq -r --arg t "$t" '"| \($t) | \(.oracle.faults) | \(.oracle.coverage * 1000 | round / 1000) |" +
			([.policies[] | " \(.accuracy) / \(.coverage) / \(.share_of_oracle) |"] | join(""))' |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/ || $i ~ /^[01]$/ && $(i + 1) == "/") $i = sprintf("%.3f", $i); print }' ||
		{ echo "fbload-corpus: $t failed" >&2; exit 1; }
done
echo
echo "Each cell: accuracy / coverage / share of the oracle's coverage, native replay," \
	"buffer 4096 pages, resident 4096, 32 requests per miss."
