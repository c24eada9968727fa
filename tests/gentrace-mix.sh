#!/usr/bin/env bash
# A random fault trace for the replay engines' differential tests: segments
# of sequential runs, strides of either sign, interleaved streams, random
# pages and re-faults of recent pages, from 1 to 4 processes, swap slots
# given (handed out in eviction order, with gaps) or not, swapin, major and
# swap-cache-hit records, all decided by SEED. With -s, a format v2 trace
# with slot records too: each swap-in's page swapped out before (uncached
# or not), its slot often freed after, and stray uncache records.
#
#   gentrace-mix.sh [-s] SEED [N]    N faults (default 3000), text form
set -eu
records=0
[ "${1:-}" = -s ] && { records=1; shift; }
[ $# -ge 1 ] || { sed -n '2,10s/^# \{0,1\}//p' "$0" >&2; exit 64; }
exec awk -v seed="$1" -v n="${2:-3000}" -v records="$records" '
function pick(k) { return int(rand() * k) }
function slot_rec(pid, kind, page, slot) {
	printf "%d %d %d %s %s %s 0 %d -\n", t, pid, pid, pid == 61 ? "kswapd0" : "mix", kind,
		page == "" ? "-" : sprintf("0x%x000", page), slot
	t += 10
}
function swap_out(pid, page, slot) {
	slot_rec(pid, "swapout", page, slot)
	out[slot] = 1
	if (rand() < 0.7) slot_rec(61, "uncache", "", slot)
}
# Before the swap-in of (pid, page): swapped out, with up to 15 pages after
# it on the next slots (reclaim writes runs out together); stray uncaches.
function slots_before(pid, page, slot,   k, run) {
	if (!(slot in out)) {
		swap_out(pid, page, slot)
		run = pick(16)
		for (k = 1; k <= run && slot_of[pid, page + k] == ""; k++)
			swap_out(pid, page + k, slot_of[pid, page + k] = ++next_slot)
	}
	if (rand() < 0.05) slot_rec(61, "uncache", "", slot + 1 + pick(8))
}
# After it: the slot freed (the page gets a new one next time) or kept.
function slots_after(pid, page, slot) {
	delete out[slot]
	if (rand() < 0.5) {
		slot_rec(pid, "slotfree", "", slot)
		delete slot_of[pid, page]
	}
}
function emit(pid, page,   kind, slot, hit) {
	kind = rand() < 0.8 ? "swapin" : "major"
	hit = kind == "swapin" && rand() < 0.1 ? 1 : 0
	if (slots && kind == "swapin") {
		slot = slot_of[pid, page]
		if (slot == "") slot = slot_of[pid, page] = (next_slot += 1 + (rand() < 0.1) * pick(64))
		if (records) slots_before(pid, page, slot)
		printf "%d %d %d mix %s 0x%x000 0 %d %d\n", t, pid, pid, kind, page, slot, hit
		if (records) slots_after(pid, page, slot)
	} else {
		printf "%d %d %d mix %s 0x%x000 - - -\n", t, pid, pid, kind, page
	}
	t += 1000
	recent[nrec++ % 64] = page
}
BEGIN {
	srand(seed)
	slots = rand() < 0.6 || records
	npids = 1 + pick(4)
	t = 1000000
	if (records) print "# hawkfetch trace v2"
	print "# time_ns pid tid comm kind addr swap_type swap_offset cache_hit"
	for (done = 0; done < n; ) {
		pid = 100 + pick(npids)
		len = 1 + pick(200)
		kind = pick(5)
		base = 262144 + pick(65536)
		stride = (1 + pick(16)) * (rand() < 0.3 ? -1 : 1)
		streams = 2 + pick(4)
		for (i = 0; i < len && done < n; i++) {
			done++
			if (kind == 0) page = base + i
			else if (kind == 1) page = base + 1048576 + i * stride
			else if (kind == 2) page = base + (i % streams) * 4096 + int(i / streams)
			else if (kind == 3) page = 262144 + pick(1048576)
			else page = nrec ? recent[pick(nrec < 64 ? nrec : 64)] : base
			emit(pid, page)
		}
	}
}'
