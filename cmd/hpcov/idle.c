// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "idle.h"
#include "pagemap.h"
#include "procfs.h"

int hf_idle_open(int *fd, char *path, size_t len)
{
	*fd = open(hf_path(path, len, "/sys/kernel/mm/page_idle/bitmap"), O_RDWR | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int hf_idle_set_build(struct hf_idle_set *s, const uint64_t *pfn, size_t n)
{
	uint64_t *sorted = malloc((n ? n : 1) * sizeof(*sorted));

	memset(s, 0, sizeof(*s));
	s->word = malloc((n ? n : 1) * sizeof(*s->word));
	s->mask = calloc(n ? n : 1, sizeof(*s->mask));
	s->idle = calloc(n ? n : 1, sizeof(*s->idle));
	if (!sorted || !s->word || !s->mask || !s->idle) {
		free(sorted);
		hf_idle_set_free(s);
		return -ENOMEM;
	}
	memcpy(sorted, pfn, n * sizeof(*pfn));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		uint64_t w = sorted[i] / 64;

		if (!s->n || s->word[s->n - 1] != w)
			s->word[s->n++] = w;
		s->mask[s->n - 1] |= 1ULL << (sorted[i] % 64);
	}
	s->tracked = s->n;
	free(sorted);
	return 0;
}

void hf_idle_set_free(struct hf_idle_set *s)
{
	free(s->word);
	free(s->mask);
	free(s->idle);
	memset(s, 0, sizeof(*s));
}

/* Length of the run of consecutive words starting at i. */
static size_t run_len(const struct hf_idle_set *s, size_t i)
{
	size_t n = 1;

	while (i + n < s->n && s->word[i + n] == s->word[i] + n)
		n++;
	return n;
}

/* pread or pwrite a run of words at word index w; the bitmap wants 8-byte units. */
static int xfer(int fd, uint64_t *buf, size_t n, uint64_t w, bool write_it)
{
	size_t len = n * sizeof(*buf), done = 0;

	while (done < len) {
		ssize_t r = write_it ? pwrite(fd, (char *)buf + done, len - done, w * 8 + done)
				     : pread(fd, (char *)buf + done, len - done, w * 8 + done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ENXIO;	/* past the end of memory */
		done += r;
	}
	return 0;
}

int hf_idle_mark(int fd, struct hf_idle_set *s)
{
	s->tracked = s->n;
	for (size_t i = 0, n; i < s->n; i += n) {
		int err;

		n = run_len(s, i);
		/* Zero bits are ignored by the kernel: only our pages are marked. */
		err = xfer(fd, s->mask + i, n, s->word[i], true);
		if (err != -ENXIO) {
			if (err)
				return err;
			continue;
		}
		/* The run crosses the end of memory: find the first word past it. */
		for (size_t j = i; j < i + n; j++) {
			if (xfer(fd, s->mask + j, 1, s->word[j], true) == -ENXIO) {
				s->tracked = j;
				return 0;
			}
		}
	}
	return 0;
}

int hf_idle_read(int fd, struct hf_idle_set *s)
{
	for (size_t j = s->tracked; j < s->n; j++)
		s->idle[j] = s->mask[j];
	for (size_t i = 0, n; i < s->tracked; i += n) {
		int err;

		n = run_len(s, i);
		if (i + n > s->tracked)
			n = s->tracked - i;
		if ((err = xfer(fd, s->idle + i, n, s->word[i], false)))
			return err;
		for (size_t j = i; j < i + n; j++)
			s->idle[j] &= s->mask[j];
	}
	return 0;
}

bool hf_idle_test(const struct hf_idle_set *s, uint64_t pfn)
{
	uint64_t w = pfn / 64;
	const uint64_t *hit = bsearch(&w, s->word, s->n, sizeof(w), cmp_u64);

	return hit && (s->idle[hit - s->word] >> (pfn % 64) & 1);
}

unsigned int hf_cov_count(const uint64_t *before, const uint64_t *after,
			  const struct hf_idle_set *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < HF_HPAGE_NR; i++) {
		if (!(after[i] & PM_PRESENT))
			continue;
		if (!(before[i] & PM_PRESENT) || PM_PFN(before[i]) != PM_PFN(after[i]))
			n++;	/* faulted in (or moved) during the window */
		else
			n += !hf_idle_test(s, PM_PFN(after[i]));
	}
	return n;
}

unsigned int hf_cov_bucket(unsigned int coverage)
{
	unsigned int b = coverage / HF_COV_BUCKET_PAGES;

	return b < HF_COV_BUCKETS ? b : HF_COV_BUCKETS - 1;
}

int hf_cov_cmp(const void *a, const void *b)
{
	const struct hf_cov_region *x = a, *y = b;
	unsigned int bx = hf_cov_bucket(x->coverage), by = hf_cov_bucket(y->coverage);

	if (x->huge != y->huge)
		return x->huge ? 1 : -1;
	if (bx != by)
		return bx > by ? -1 : 1;
	if (x->coverage != y->coverage)
		return x->coverage > y->coverage ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->addr > y->addr) - (x->addr < y->addr);
}
