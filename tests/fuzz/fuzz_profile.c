// SPDX-License-Identifier: MIT
/*
 * fuzz_profile.c - libFuzzer target for the pprof reader (make fuzz).
 *
 * Any input must decode to a valid profile or fail with a message; never
 * crash, hang or allocate past the limits. A decoded profile must survive
 * the walks tools do (frames, names) and a re-encode/re-decode round trip
 * with the same number of samples.
 */
#include "frames.h"
#include "profile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Small caps keep each run fast; the logic is the same at any cap. */
	struct em_read_limits lim = { .max_decompressed = 8 << 20, .max_decode_memory = 64 << 20 };
	char err[256] = "";
	struct em_profile *p = em_profile__decode(data, size, &lim, err, sizeof(err)), *q;
	struct em_frame *frames = NULL;
	size_t cap = 0;
	uint8_t *buf;
	size_t len;

	if (!p) {
		if (!err[0] || strchr(err, '\n'))
			abort();	/* every failure has a one-line reason */
		return 0;
	}
	for (size_t i = 0; i < p->nsamples; i++) {
		long n = em_frames_of_sample(p, i, &frames, &cap);
		char name[256];

		for (long j = 0; j < n; j++)
			em_frame_name(p, frames[j].key, name, sizeof(name));
	}
	free(frames);
	if (em_profile__encode(p, &buf, &len) == 0) {
		q = em_profile__decode(buf, len, NULL, err, sizeof(err));
		if (!q || q->nsamples != p->nsamples || q->nlocations != p->nlocations)
			abort();
		em_profile__free(q);
		free(buf);
	}
	em_profile__free(p);
	return 0;
}
