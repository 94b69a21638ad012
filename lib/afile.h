/* SPDX-License-Identifier: MIT */
/*
 * afile.h - write an output file atomically: a temporary file in the target's
 * directory, renamed over the target only when everything was written.
 *
 * A crash, a full disk or an error part-way leaves the previous file (or
 * nothing) in place, never a truncated one. Not async-signal-safe.
 *
 * What is not a regular file is written, not replaced: a target that exists
 * and is a device, a FIFO or a socket (-o /dev/stdout, /dev/null, a pipe) is
 * opened and written directly, and a symbolic link is followed, the
 * temporary file going next to the file it points to (a dangling link is
 * written through). A command line tool that calls
 * em_afile_clean_up_on_signals() also leaves no temporary file behind when
 * it is killed by SIGINT, SIGTERM, SIGHUP or SIGPIPE.
 */
#ifndef EMBER_AFILE_H
#define EMBER_AFILE_H

#include <stddef.h>
#include <stdio.h>

struct em_afile {
	FILE *f;	/* write here; "-" gives stdout */
	char *path;	/* final name */
	char *tmp;	/* temporary name, NULL when written directly (stdout, a device) */
	int slot;	/* in the signal clean-up list, or -1 */
};

/* Opens a temporary file next to path. Returns 0 or a negative errno. */
int em_afile__open(struct em_afile *af, const char *path);
/* Flushes, checks for write errors and renames. Returns 0 or a negative errno;
 * on failure the temporary file is removed. */
int em_afile__commit(struct em_afile *af);
/* Discards the temporary file. NULL-safe, idempotent. */
void em_afile__abort(struct em_afile *af);

/* Until exit, SIGINT, SIGTERM, SIGHUP and SIGPIPE first remove the temporary
 * files of writes in progress, then kill the process as before (the signal is
 * raised again with its default action). For command line tools; not for
 * the agent, which must not take a program's signals. */
void em_afile_clean_up_on_signals(void);

/* One call: write len bytes to path atomically. Returns 0 or a negative errno. */
int em_write_file_atomic(const char *path, const void *data, size_t len);

/*
 * em_read_file() - read a whole regular file (or stdin for "-") into a new
 * malloc'd buffer, refusing anything larger than max bytes (-EFBIG).
 * Returns 0 or a negative errno.
 */
int em_read_file(const char *path, size_t max, unsigned char **out, size_t *out_len);

#endif
