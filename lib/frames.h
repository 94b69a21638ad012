/* SPDX-License-Identifier: MIT */
/*
 * frames.h - a sample's stack as a list of named frames, the way pprof and
 * flame graphs show it: each location expands to its lines, innermost inlined
 * function first, and a location without lines becomes "module+0xoffset".
 *
 * Frame keys are stable small integers (function id, or a synthetic key for
 * unsymbolized addresses), so tools can aggregate by key and print names once.
 */
#ifndef EMBER_FRAMES_H
#define EMBER_FRAMES_H

#include "profile.h"

#include <stddef.h>
#include <stdint.h>

struct em_frame {
	uint64_t key;		/* function id, or EM_FRAME_ADDR_KEY | location id */
	uint64_t location_id;
	bool inlined;		/* inlined into the next frame */
};

#define EM_FRAME_ADDR_KEY (1ULL << 63)

/*
 * em_frames_of_sample() - expand sample i into frames, leaf first, into
 * *buf (grown with realloc as needed, capacity *cap). Returns the number of
 * frames, or -ENOMEM.
 */
long em_frames_of_sample(const struct em_profile *p, size_t i, struct em_frame **buf, size_t *cap);

/*
 * em_frames_of_location() - the frames of one location (innermost first),
 * written at (*buf)[n] onwards (grown as needed). Returns the new number of
 * frames in *buf, or -ENOMEM. Lets a caller expand each location once and
 * cache the result, instead of once per sample.
 */
long em_frames_of_location(const struct em_profile *p, uint64_t location_id, struct em_frame **buf,
			   size_t *cap, size_t n);

/*
 * em_frame_name() - the display name of a frame key: the function's name, its
 * system name if the name is empty, or "module+0xoffset" for an address with no
 * function (module = mapping file basename; offset = file offset of the
 * address), or "0xaddress" when there is no mapping. Returns buf.
 */
const char *em_frame_name(const struct em_profile *p, uint64_t key, char *buf, size_t len);

#endif
