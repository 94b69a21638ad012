/* SPDX-License-Identifier: MIT */
/*
 * gz.h - gzip in memory, with a hard cap on what decompression may produce.
 *
 * Readers of untrusted files must never let a small input expand without
 * bound (a 1 MB deflate bomb inflates to about 1 GB), so em_gunzip() stops at
 * max_out and says so. Not async-signal-safe (allocates).
 */
#ifndef EMBER_GZ_H
#define EMBER_GZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when data starts with the gzip magic bytes 1f 8b. */
bool em_is_gzip(const void *data, size_t len);

/*
 * em_gzip() - compress len bytes into a new malloc'd gzip stream.
 * level is a zlib level (1 fast .. 9 small; 6 is zlib's default).
 * Returns 0 and sets *out (caller frees) and *out_len, or -ENOMEM/-EIO.
 */
int em_gzip(const void *data, size_t len, int level, uint8_t **out, size_t *out_len);

/*
 * em_gunzip() - decompress a gzip stream (several members are concatenated,
 * as gzip(1) and Go do) into a new malloc'd buffer of at most max_out bytes.
 * Returns 0, or a negative errno with a one-line reason in err:
 *   -EFBIG   output would exceed max_out ("decompressed size exceeds ...")
 *   -EINVAL  not gzip, or corrupt deflate data
 *   -EPIPE   the stream ends early ("truncated gzip stream")
 *   -ENOMEM
 */
int em_gunzip(const void *data, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
	      char *err, size_t err_len);

#endif
