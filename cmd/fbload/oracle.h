/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The oracle of fbload replay --oracle: the coverage a prefetcher that
 * knows the future reaches under replay's rules (the same buffer
 * capacity, the same per-miss budget of FB_MAX_REQ requests, the same
 * resident model), as a reference for the policies' coverage.
 *
 * Belady's rule, applied to prefetching: on each miss it requests, in
 * the order of their next faults, the pages that will be faulted soonest
 * and are neither buffered, nor the faulting page, nor resident (among
 * the last `resident` faulted pages, as replay rejects them; a fault
 * with a swap slot may also be requested by slot, under the same model,
 * which holds slots with their pages); when the buffer is full, a
 * request goes in only if its page's next fault comes
 * before that of some buffered page, and the buffered page needed
 * farthest ahead leaves. It stops at the budget or at the first page that
 * would not go in. Hits are faults on a buffered page; a hit requests
 * nothing, as a policy's .prefetch runs on misses only.
 *
 * It needs the future: the faults are collected as they are replayed
 * (up to about 65 bytes each with its working arrays) and the oracle runs at
 * the end.
 */
#ifndef HF_FBLOAD_ORACLE_H
#define HF_FBLOAD_ORACLE_H

#include <stdint.h>
#include "record.h"
#include "replay.h"

struct replay_oracle;

/* capacity: the buffer in pages; budget: requests per miss; resident as replay's. */
struct replay_oracle *replay_oracle_new(uint32_t capacity, uint32_t budget, uint32_t resident);
void replay_oracle_free(struct replay_oracle *o);
/* One replayed fault (the page of r->addr in process r->pid). 0 or -ENOMEM. */
int replay_oracle_add(struct replay_oracle *o, const struct fault_record *r);
/* Run over the faults added: faults, hits, prefetched and evicted. 0 or -ENOMEM. */
int replay_oracle_run(struct replay_oracle *o, struct replay_stats *st);

#endif
