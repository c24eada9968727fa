#!/usr/bin/env bash
# The kernel-side confirmation of issue #22 (item 4): tests/bench/vm-apps.sh
# booted APPS_REPEAT times (default 5), each boot running every program
# under every configuration in turn (APPS_CONFIGS, default: no policy,
# the kernel's native Leap, BPF leap and adaptive), so the configurations
# interleave. Per program and configuration: the median and min-max over
# the boots of accuracy (swap_ra_hit / swap_ra), coverage (swap_ra_hit /
# swap-in faults), run time and major faults; and, against the first
# configuration named in COMPARE (default adaptive), whether the other's
# range is apart from its range ("apart") or overlaps it ("inside the
# spread": TCG cannot resolve the difference).
# Results: build/vm-apps-repeat/results*.txt and table.txt. Root, the
# FetchBPF kernel (KERNEL_DIR), as vm-apps.sh; `make vm-bench-apps-repeat`.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
N=${APPS_REPEAT:-5}
export APPS_CONFIGS=${APPS_CONFIGS:-none native leap adaptive}
COMPARE=${COMPARE:-adaptive}
OUT=$B/vm-apps-repeat
if [ -z "${APPS_KEEP:-}" ]; then
	rm -rf "$OUT"; mkdir -p "$OUT"
	for r in $(seq 1 "$N"); do
		echo "vm-apps-repeat: boot $r of $N" >&2
		bash tests/bench/vm-apps.sh > "$OUT/run$r.log" 2>&1 ||
			{ tail -5 "$OUT/run$r.log" >&2; echo "vm-apps-repeat: boot $r failed" >&2; exit 1; }
		cp "$B/vm-apps/results.txt" "$OUT/results$r.txt"
	done
fi
# One line per run: program config accuracy coverage time majflt
cat "$OUT"/results*.txt | awk '/^#/ { next } $3 == 0 {
	printf "%s %s %.4f %.4f %.2f %d\n", $1, $2, $8 ? $9 / $8 : 0, $6 ? $9 / $6 : 0, $4, $5 }' |
awk -v cmp="$COMPARE" '
function sort(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
}
function med(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
{
	k = $1 SUBSEP $2
	if (!(k in n)) { keys[++nk] = k }
	i = ++n[k]
	for (f = 3; f <= 6; f++) v[k, f, i] = $f
	prog[$1] = 1; conf[$2] = 1
}
END {
	split("accuracy coverage time_s majflt", name)
	fmt[3] = "%.3f"; fmt[4] = "%.3f"; fmt[5] = "%.1f"; fmt[6] = "%d"
	for (x = 1; x <= nk; x++) {
		k = keys[x]
		for (f = 3; f <= 6; f++) {
			m = n[k]
			for (i = 1; i <= m; i++) a[i] = v[k, f, i]
			sort(a, m)
			md[k, f] = med(a, m); lo[k, f] = a[1]; hi[k, f] = a[m]
		}
	}
	printf "%-7s %-9s %3s", "program", "config", "n"
	for (f = 3; f <= 6; f++) printf "  %-26s", name[f - 2] " median [min-max]"
	printf "  vs %s (acc cov time majflt)\n", cmp
	for (x = 1; x <= nk; x++) {
		k = keys[x]; split(k, pc, SUBSEP)
		printf "%-7s %-9s %3d", pc[1], pc[2], n[k]
		for (f = 3; f <= 6; f++) {
			s = sprintf(fmt[f] " [" fmt[f] "-" fmt[f] "]", md[k, f], lo[k, f], hi[k, f])
			printf "  %-26s", s
		}
		c = pc[1] SUBSEP cmp
		if (pc[2] != cmp && (c in n)) {
			printf " "
			for (f = 3; f <= 6; f++)
				printf " %s", (hi[k, f] < lo[c, f] || lo[k, f] > hi[c, f]) ? "apart" : "inside"
		}
		printf "\n"
	}
}' | tee "$OUT/table.txt"
echo "vm-apps-repeat: \"inside\": the ranges overlap, TCG cannot resolve the difference; raw runs in $OUT" >&2
