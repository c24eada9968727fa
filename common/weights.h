/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The weights document, mmucost -> hpcov: per process, its MMU overhead as
 * a weight. mmucost -j writes it (its last {"type":"mmu_summary"} line, each
 * process with "weight"; hf_weights_set()), hpcov --promote --weights
 * reads it (hf_weights_read()) or, with --watch, follows a stream of them
 * (hf_weights_feed_*()), smoothed as HawkEye smooths MMU overhead.
 * tests/fuzz/hpcov-documents.c fuzzes the readers.
 */
#ifndef HF_WEIGHTS_H
#define HF_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <json-c/json.h>

/*
 * Weights fed periodically (hpcov --promote --watch --weights, mmucost
 * --feed -i) are smoothed as HawkEye smooths its MMU overhead, so that one
 * noisy interval does not reorder promotion:
 *
 *	new = 0.8 * old + 0.2 * measured
 *
 * A process's first measurement is taken as it is.
 */
#define HF_WEIGHT_ALPHA 0.2
double hf_weight_smooth(double old, double measured);

struct hf_weight {
	pid_t pid;
	double weight;
	char comm[16];
};


/*
 * The document types, unique in the toolkit: mmucost -j writes an
 * HF_WEIGHTS_INTERVAL_TYPE record per interval (and process), and at the
 * end the run's summary, HF_WEIGHTS_DOC_TYPE, whose "processes" each carry
 * a "weight"; a hand-written document is HF_WEIGHTS_HAND_TYPE. The readers
 * also take the names mmucost wrote before they were made unique,
 * HF_WEIGHTS_OLD_DOC_TYPE and HF_WEIGHTS_OLD_INTERVAL_TYPE, so that saved
 * files still read.
 */
#define HF_WEIGHTS_DOC_TYPE		"mmu_summary"
#define HF_WEIGHTS_INTERVAL_TYPE	"mmu_interval"
#define HF_WEIGHTS_HAND_TYPE		"weights"
#define HF_WEIGHTS_OLD_DOC_TYPE		"summary"
#define HF_WEIGHTS_OLD_INTERVAL_TYPE	"interval"

/*
 * Read mmucost -j output (JSON Lines; the last {"type":"mmu_summary"}
 * document's "processes" [{"pid","weight"},...]), or a hand-written
 * {"type":"weights","processes":[...]}. Returns 0, or -EINVAL with err
 * naming the line and field, or -errno.
 */
int hf_weights_read(FILE *f, const char *name, struct hf_weight **w, size_t *n,
		    char *err, size_t errlen);

/*
 * A stream of weights documents (hpcov --promote --watch --weights FILE or
 * -), read as it arrives: every measurement in it, a process of a summary
 * or weights document or an mmucost -j interval record with a pid and a
 * non-null mmu_overhead, updates that process's weight in w[] with
 * hf_weight_smooth(). Documents may span reads and lines.
 */
struct hf_weights_feed {
	int fd;
	const char *name;
	struct json_tokener *tok;
	bool in_doc, eof;		/* a document goes on in the next read; end of input */
	int line, doc_line;		/* the current line; where the document began */
	struct hf_weight *w;		/* the smoothed weights, one per pid seen */
	size_t n, cap;
	unsigned long measurements;	/* taken in so far */
};

int hf_weights_feed_init(struct hf_weights_feed *f, int fd, const char *name);
/*
 * Take in what can be read now; with wait, block until at least one
 * measurement has come (or the end of input). Returns the number of
 * measurements taken in, or -EINVAL with err "NAME:LINE: why" (also at the
 * end of input before any measurement, or within a document), or -errno.
 */
int hf_weights_feed_poll(struct hf_weights_feed *f, bool wait, char *err, size_t errlen);
void hf_weights_feed_free(struct hf_weights_feed *f);

/*
 * The writer (mmucost -j): a document of type HF_WEIGHTS_DOC_TYPE whose
 * "processes" each carry a "weight": hf_weights_set() copies it from the
 * process's weight_key ("mmu_overhead"; null when there is none).
 */
void hf_weights_set(struct json_object *proc, const char *weight_key);

#endif
