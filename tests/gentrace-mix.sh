#!/usr/bin/env bash
# A random fault trace for the replay engines' differential tests: segments
# of sequential runs, strides of either sign, interleaved streams, random
# pages and re-faults of recent pages, from 1 to 4 processes, swap slots
# given (handed out in eviction order, with gaps) or not, swapin, major and
# swap-cache-hit records, all decided by SEED.
#
#   gentrace-mix.sh SEED [N]    N records (default 3000), text form
set -eu
[ $# -ge 1 ] || { sed -n '2,8s/^# \{0,1\}//p' "$0" >&2; exit 64; }
exec awk -v seed="$1" -v n="${2:-3000}" '
function pick(k) { return int(rand() * k) }
function emit(pid, page,   kind, slot, hit) {
	kind = rand() < 0.8 ? "swapin" : "major"
	hit = kind == "swapin" && rand() < 0.1 ? 1 : 0
	if (slots && kind == "swapin") {
		slot = slot_of[pid, page]
		if (slot == "") slot = slot_of[pid, page] = (next_slot += 1 + (rand() < 0.1) * pick(64))
		printf "%d %d %d mix %s 0x%x000 0 %d %d\n", t, pid, pid, kind, page, slot, hit
	} else {
		printf "%d %d %d mix %s 0x%x000 - - -\n", t, pid, pid, kind, page
	}
	t += 1000
	recent[nrec++ % 64] = page
}
BEGIN {
	srand(seed)
	slots = rand() < 0.6
	npids = 1 + pick(4)
	t = 1000000
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
