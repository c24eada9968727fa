/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recovery options of hpbloat (--recover, --dry-run, --min-zero,
 * --budget, --mechanism, --watch, --low, --high, --psi, -i, -d) as an argp
 * child; the values land in hf_recover_args.
 */
#ifndef HF_HPBLOAT_OPTIONS_H
#define HF_HPBLOAT_OPTIONS_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include "recover.h"

struct hf_recover_args {
	bool recover, dry_run, watch;	/* --watch implies recover */
	enum hf_recover_mech mechanism;	/* NONE: the best that works */
	unsigned int min_zero;		/* 0: from max_ptes_none */
	uint64_t budget;		/* zero subpages; 0: none */
	double low, high, psi;		/* % */
	double interval, duration;	/* seconds */
};
extern struct hf_recover_args hf_recover_args;

extern const struct argp hf_recover_argp;
#define HF_RECOVER_CHILD { &hf_recover_argp, 0, "Recovery:", 3 }

#endif
