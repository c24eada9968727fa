/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of page fault, defined once for fbtrace.bpf.c (the kind of
 * each event it emits) and user space (the fault record, record.h).
 */
#ifndef HF_FAULT_KIND_H
#define HF_FAULT_KIND_H

enum fault_kind { FAULT_MINOR, FAULT_MAJOR, FAULT_SWAPIN, FAULT_KIND_COUNT };

#endif
