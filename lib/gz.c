// SPDX-License-Identifier: MIT
/* gz.c - zlib wrappers: gzip to memory, capped gunzip from memory. */
#include "gz.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

bool em_is_gzip(const void *data, size_t len)
{
	const unsigned char *p = data;

	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

int em_gzip(const void *data, size_t len, int level, uint8_t **out, size_t *out_len)
{
	z_stream zs = { 0 };
	uint8_t *buf;
	size_t cap;
	int rc;

	/* windowBits 15 + 16 asks zlib for a gzip header and trailer. */
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&zs, len) + 32;
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)data;
	zs.next_out = buf;
	/* deflateBound() covers the whole input, so one Z_FINISH call completes,
	 * but feed in chunks because avail_in is only 32 bits wide. */
	do {
		size_t left = len - (size_t)((const uint8_t *)zs.next_in - (const uint8_t *)data);
		uInt chunk = left > UINT_MAX ? UINT_MAX : (uInt)left;
		int flush = left > UINT_MAX ? Z_NO_FLUSH : Z_FINISH;

		zs.avail_in = chunk;
		zs.avail_out = (uInt)(cap - (size_t)(zs.next_out - buf));
		rc = deflate(&zs, flush);
	} while (rc == Z_OK);
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*out_len = (size_t)(zs.next_out - buf);
	return 0;
}

static int fail(char *err, size_t err_len, int code, const char *msg)
{
	if (err && err_len)
		snprintf(err, err_len, "%s", msg);
	return code;
}

int em_gunzip(const void *data, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
	      char *err, size_t err_len)
{
	const uint8_t *in = data;
	uint8_t chunk[65536];
	z_stream zs = { 0 };
	uint8_t *buf = NULL;
	size_t cap = 0, used = 0, consumed;
	int code = 0;
	char msg[128];

	if (!em_is_gzip(data, len))
		return fail(err, err_len, -EINVAL, "not a gzip stream");
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return fail(err, err_len, -ENOMEM, "out of memory");
	zs.next_in = (Bytef *)in;
	zs.avail_in = len > UINT_MAX ? UINT_MAX : (uInt)len;
	for (;;) {
		size_t produced;
		int rc;

		/* Inflate into a scratch chunk and append, so the cap is checked
		 * before any memory is committed to output that would exceed it. */
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		rc = inflate(&zs, Z_NO_FLUSH);
		produced = sizeof(chunk) - zs.avail_out;
		if (produced) {
			if (produced > max_out - used) {
				snprintf(msg, sizeof(msg), "decompressed size exceeds the %zu MiB cap",
					 max_out >> 20);
				code = fail(err, err_len, -EFBIG, msg);
				goto out;
			}
			if (used + produced > cap) {
				size_t ncap = cap ? cap * 2 : (len * 4 > 65536 ? len * 4 : 65536);
				uint8_t *nbuf;

				while (ncap < used + produced)
					ncap *= 2;
				if (ncap > max_out)
					ncap = max_out;
				nbuf = realloc(buf, ncap);
				if (!nbuf) {
					code = fail(err, err_len, -ENOMEM, "out of memory");
					goto out;
				}
				buf = nbuf;
				cap = ncap;
			}
			memcpy(buf + used, chunk, produced);
			used += produced;
		}
		consumed = (size_t)(zs.next_in - in);
		if (zs.avail_in == 0 && consumed < len) {
			/* Inputs over 4 GiB are fed in 32-bit pieces. */
			size_t left = len - consumed;

			zs.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
		}
		if (rc == Z_STREAM_END) {
			/* Another gzip member may follow (cat a.gz b.gz); trailing
			 * zero padding is tolerated as gzip(1) does. */
			const uint8_t *rest = in + consumed;
			size_t left = len - consumed;

			while (left > 0 && *rest == 0)
				rest++, left--;
			if (left == 0)
				break;
			if (!em_is_gzip(rest, left)) {
				code = fail(err, err_len, -EINVAL, "trailing garbage after gzip stream");
				goto out;
			}
			inflateReset(&zs);
			zs.next_in = (Bytef *)rest;
			zs.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
			continue;
		}
		if (rc == Z_OK)
			continue;
		if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
			code = fail(err, err_len, -EPIPE, "truncated gzip stream");
			goto out;
		}
		snprintf(msg, sizeof(msg), "corrupt gzip stream (%s)",
			 zs.msg ? zs.msg : "inflate error");
		code = fail(err, err_len, rc == Z_MEM_ERROR ? -ENOMEM : -EINVAL, msg);
		goto out;
	}
	if (!buf)
		buf = malloc(1);
	if (!buf) {
		code = fail(err, err_len, -ENOMEM, "out of memory");
		goto out;
	}
	*out = buf;
	*out_len = used;
	buf = NULL;
out:
	inflateEnd(&zs);
	free(buf);
	return code;
}
