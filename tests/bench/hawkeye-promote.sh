#!/usr/bin/env bash
# Promotion order under a budget, on the host (its TLB is real; TCG's is
# not): hotcold keeps a hot set at high addresses above cold memory and
# reports its speed per 50 ms of its own CPU time. hpcov --promote --watch
# collapses BUDGET regions every TICK seconds, either in coverage order
# (HawkEye: the hot regions first) or in address order (khugepaged's
# order: the cold regions below come first), fed as two --from coverage
# files that differ only in the order they imply.
#
# Reports, as medians over REPS interleaved runs of each order:
#   hot set huge: from the start of hpcov until the last hot region is
#     collapsed (hpcov's elapsed_ns)
#   time to steady speed: from the start of hpcov until the relative speed
#     (median over a 1 s window) reaches 90 % of its gain from baseline
#     (median before hpcov) to steady (median from 0.5 s after hpcov ended)
#     and holds there for 1.5 s (collapses in flight make brief spikes)
#   ratio: address order / coverage order (HawkEye's gap)
#   ratio: address order / coverage order (HawkEye's gap)
#   speedup of the hot loop once promoted: steady / baseline relative speed
#
# Environment: HOT_MIB (64), COLD_MIB (128), BUDGET (4), TICK (0.25),
# REPS (3). Root; THP enabled=madvise or never (faults give base pages).
set -u
BUILD=${BUILD:-build}
HOT_MIB=${HOT_MIB:-64} COLD_MIB=${COLD_MIB:-128}
BUDGET=${BUDGET:-4} TICK=${TICK:-0.25} REPS=${REPS:-3}
PRE=2 POST=3	# seconds of baseline before, and of steady speed after, promotion
tmp=$(mktemp -d)
wl=
trap '[ -n "$wl" ] && kill $wl 2>/dev/null; exec 8>&- 2>/dev/null; [ -n "${KEEP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT

[ "$(id -u)" = 0 ] || { echo "SKIP: hawkeye-promote-bench: needs root"; exit 0; }
grep -q '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled &&
	{ echo "SKIP: hawkeye-promote-bench: THP enabled=always maps huge pages at fault"; exit 0; }

# coverage_file ORDER PID: every region a candidate; "coverage" puts the
# hot ones first (512 vs 8), "address" ranks by ascending address.
coverage_file() {
	awk -v order="$1" -v pid="$2" '/^region/ {
		n++; cov = order == "coverage" ? ($3 == "hot" ? 512 : 8) : 512 - n
		if (cov < 1) cov = 1
		printf "{\"pid\":%d,\"comm\":\"hotcold\",\"addr\":\"%s\",\"coverage\":%d}\n", pid, $2, cov
	}' "$tmp/wl.out" | jq -s '{type: "coverage", candidates: .}'
}

# one_run ORDER: prints "time_to_steady_s baseline steady promote_s hot_done_s"
one_run() {
	local order=$1 t0 t1
	rm -f "$tmp/go"; mkfifo "$tmp/go"
	"$BUILD/workloads/hotcold" -H "$HOT_MIB" -c "$COLD_MIB" -s 3600 -p 20 \
		< "$tmp/go" > "$tmp/wl.out" &
	wl=$!
	exec 8> "$tmp/go"
	for _ in $(seq 600); do grep -q '^ready' "$tmp/wl.out" && break; sleep 0.1; done
	coverage_file "$order" "$wl" > "$tmp/cov.json"
	echo go >&8; exec 8>&-
	sleep $PRE
	t0=$(date +%s.%N)
	"$BUILD/hpcov" --promote --from "$tmp/cov.json" --budget "$BUDGET" -i "$TICK" --watch -j \
		> "$tmp/promote.json" 2> "$tmp/err" || { echo "FAIL: hpcov: $(cat "$tmp/err")" >&2; }
	t1=$(date +%s.%N)
	sleep $POST
	kill $wl; wait $wl 2>/dev/null; wl=
	[ -n "${KEEP:-}" ] && cp "$tmp/wl.out" "$tmp/wl-$order-$t0.out" && echo "$t0 $t1" > "$tmp/t-$order-$t0"
	hot_done=$(jq -r -s --slurpfile hot <(awk '$1 == "region" && $3 == "hot" { print "\"" $2 "\"" }' \
		"$tmp/wl.out") '[.[] | select(.type == "collapse" and (.addr | IN($hot[]))) | .elapsed_ns] |
		max / 1e9' "$tmp/promote.json")
	awk -v t0="$t0" -v t1="$t1" -v hot="$hot_done" '
		function median(a, n,   i, j, x) {
			for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		/^rate/ && $4 > 0 { n++; t[n] = $2; r[n] = $3 / $4
			if ($2 < t0) pre[++np] = r[n]
			if ($2 > t1 + 0.5) post[++nq] = r[n] }
		END {
			base = median(pre, np); steady = median(post, nq)
			thr = base + 0.9 * (steady - base); reach = -1
			for (i = 1; i <= n; i++) {
				m = 0
				for (j = 1; j <= n; j++) if (t[j] >= t[i] - 0.5 && t[j] <= t[i] + 0.5) w[++m] = r[j]
				wm[i] = median(w, m)
			}
			for (i = 1; i <= n && reach < 0; i++) {
				if (t[i] <= t0) continue
				for (j = i; j <= n && t[j] <= t[i] + 1.5 && wm[j] >= thr; j++)
					;
				if (j > n || t[j] > t[i] + 1.5) reach = t[i] - t0
			}
			printf "%.3f %.4f %.4f %.3f %.3f\n", reach, base, steady, t1 - t0, hot
		}' "$tmp/wl.out"
}

echo "# hotcold: hot ${HOT_MIB} MiB above cold ${COLD_MIB} MiB; budget $BUDGET regions per ${TICK} s;" \
	"$REPS runs per order, interleaved"
for i in $(seq "$REPS"); do
	for order in coverage address; do
		read -r reach base steady took hot < <(one_run $order)
		echo "run $i $order: hot_set_huge_s=$hot time_to_steady_s=$reach relative_speed_before=$base" \
			"after=$steady promote_all_s=$took"
		echo "$order $reach $base $steady $hot" >> "$tmp/results"
	done
done
awk '
	function median(a, n,   i, j, x) {
		if (!n) return -1
		for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	# Runs whose speed-up is too small to see a 90 % point (reach -1) are left out.
	{ k = $1; hot[k, ++n[k]] = $5; sp[++ns] = $4 / $3; if (sp[ns] < lo || ns == 1) lo = sp[ns]
	  if (sp[ns] > hi) hi = sp[ns]; if ($2 >= 0) reach[k, ++nr[k]] = $2 }
	END {
		for (i = 1; i <= nr["coverage"]; i++) c[i] = reach["coverage", i]
		for (i = 1; i <= nr["address"]; i++) a[i] = reach["address", i]
		for (i = 1; i <= n["coverage"]; i++) hc[i] = hot["coverage", i]
		for (i = 1; i <= n["address"]; i++) ha[i] = hot["address", i]
		mc = median(c, nr["coverage"]); ma = median(a, nr["address"])
		hmc = median(hc, n["coverage"]); hma = median(ha, n["address"])
		printf "RESULT hot_set_huge_coverage_s=%.2f hot_set_huge_address_s=%.2f hot_set_ratio=%.2f\n",
			hmc, hma, (hmc > 0 ? hma / hmc : -1)
		printf "RESULT time_to_steady_coverage_s=%.2f (%d of %d runs) time_to_steady_address_s=%.2f (%d of %d runs) ratio_address_over_coverage=%.2f\n",
			mc, nr["coverage"], n["coverage"], ma, nr["address"], n["address"], (mc > 0 && ma > 0 ? ma / mc : -1)
		printf "RESULT hot_loop_speedup=%.2f (min %.2f, max %.2f over %d runs)\n", median(sp, ns), lo, hi, ns
	}' "$tmp/results"
