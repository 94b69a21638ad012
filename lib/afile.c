// SPDX-License-Identifier: MIT
/* afile.c - atomic output files (temp + rename) and capped whole-file reads. */
#include "afile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Temporary files being written, for the signal handler to remove: names
 * copied into fixed slots (the handler must not follow pointers that the
 * program frees), a slot taken before its file is created and given back
 * after the file is renamed or removed. A slot is claimed, then filled, then
 * armed: the handler only ever reads a name written in full.
 */
#define CLEANUP_SLOTS 4
enum { SLOT_FREE, SLOT_CLAIMED, SLOT_ARMED };
static char pending[CLEANUP_SLOTS][PATH_MAX];
static volatile sig_atomic_t pending_used[CLEANUP_SLOTS];

static int pending_add(const char *tmp)
{
	if (strlen(tmp) >= PATH_MAX)
		return -1;
	for (int i = 0; i < CLEANUP_SLOTS; i++) {
		int expected = SLOT_FREE;

		if (__atomic_compare_exchange_n(&pending_used[i], &expected, SLOT_CLAIMED, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			memcpy(pending[i], tmp, strlen(tmp) + 1);
			__atomic_store_n(&pending_used[i], SLOT_ARMED, __ATOMIC_SEQ_CST);
			return i;
		}
	}
	return -1;
}

static void pending_done(int slot)
{
	if (slot >= 0)
		__atomic_store_n(&pending_used[slot], SLOT_FREE, __ATOMIC_SEQ_CST);
}

static void on_fatal_signal(int sig)
{
	int saved = errno;

	for (int i = 0; i < CLEANUP_SLOTS; i++)
		if (pending_used[i] == SLOT_ARMED)
			unlink(pending[i]);
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved;
}

void em_afile_clean_up_on_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* Leave alone what the shell told us to ignore (nohup). */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* Where the temporary file goes and what it replaces: path itself, or the
 * file a symbolic link at path points to. *direct: write path as it is (it
 * exists and is not a regular file, or is a dangling link). Returns a
 * malloc'd path, or NULL (ENOMEM). */
static char *target_of(const char *path, bool *direct)
{
	struct stat st;
	char *real;

	*direct = false;
	if (lstat(path, &st) != 0)
		return strdup(path);	/* a new file */
	if (S_ISLNK(st.st_mode)) {
		real = realpath(path, NULL);
		if (!real) {
			if (errno == ENOMEM)
				return NULL;
			*direct = true;	/* dangling: write through it */
			return strdup(path);
		}
		if (stat(real, &st) == 0 && !S_ISREG(st.st_mode))
			*direct = true;
		return real;
	}
	if (!S_ISREG(st.st_mode))
		*direct = true;
	return strdup(path);
}

static int open_direct(struct em_afile *af)
{
	int fd = open(af->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);

	if (fd < 0)
		return -errno;
	af->f = fdopen(fd, "w");
	if (!af->f) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

int em_afile__open(struct em_afile *af, const char *path)
{
	static unsigned int seq;
	const char *slash, *target;
	size_t dirlen, n;
	bool direct;
	int fd = -1, tries, err;

	memset(af, 0, sizeof(*af));
	af->slot = -1;
	if (strcmp(path, "-") == 0) {
		af->f = stdout;
		return 0;
	}
	af->path = target_of(path, &direct);
	if (!af->path)
		return -ENOMEM;
	if (direct) {
		err = open_direct(af);
		if (err) {
			free(af->path);
			af->path = NULL;
		}
		return err;
	}
	target = af->path;
	slash = strrchr(target, '/');
	dirlen = slash ? (size_t)(slash - target + 1) : 0;
	n = strlen(target) + 64;
	af->tmp = malloc(n);
	if (!af->tmp)
		goto nomem;
	for (tries = 0; tries < 100; tries++) {
		/* Hidden name in the same directory, so rename() stays atomic. */
		snprintf(af->tmp, n, "%.*s.%s.tmp.%d.%u", (int)dirlen, target, target + dirlen,
			 (int)getpid(), __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
		af->slot = pending_add(af->tmp);
		fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		err = -errno;
		pending_done(af->slot);
		af->slot = -1;
		if (err != -EEXIST) {
			free(af->tmp);
			free(af->path);
			memset(af, 0, sizeof(*af));
			af->slot = -1;
			return err;
		}
	}
	if (fd < 0) {
		free(af->tmp);
		free(af->path);
		memset(af, 0, sizeof(*af));
		af->slot = -1;
		return -EEXIST;
	}
	af->f = fdopen(fd, "w");
	if (!af->f) {
		close(fd);
		unlink(af->tmp);
		pending_done(af->slot);
		goto nomem;
	}
	return 0;
nomem:
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
	af->slot = -1;
	return -ENOMEM;
}

/* The error of a failed flush or close: errno when it says something. */
static int write_error(void)
{
	return errno ? -errno : -EIO;
}

int em_afile__commit(struct em_afile *af)
{
	int err = 0;

	if (!af->f)
		return -EINVAL;
	errno = 0;
	if (af->f == stdout) {
		if (fflush(af->f) != 0 || ferror(af->f))
			err = write_error();
		af->f = NULL;
		return err;
	}
	if (fflush(af->f) != 0 || ferror(af->f))
		err = write_error();
	if (fclose(af->f) != 0 && !err)
		err = write_error();
	af->f = NULL;
	if (af->tmp) {
		if (!err && rename(af->tmp, af->path) != 0)
			err = -errno;
		if (err)
			unlink(af->tmp);
		pending_done(af->slot);
	}
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
	af->slot = -1;
	return err;
}

void em_afile__abort(struct em_afile *af)
{
	if (!af)
		return;
	if (af->f && af->f != stdout) {
		fclose(af->f);
		if (af->tmp)
			unlink(af->tmp);
	}
	if (af->tmp)
		pending_done(af->slot);
	af->f = NULL;
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
	af->slot = -1;
}

int em_write_file_atomic(const char *path, const void *data, size_t len)
{
	struct em_afile af;
	int err = em_afile__open(&af, path);

	if (err)
		return err;
	if (len && fwrite(data, 1, len, af.f) != len) {
		err = errno ? -errno : -EIO;
		em_afile__abort(&af);
		return err;
	}
	return em_afile__commit(&af);
}

int em_read_file(const char *path, size_t max, unsigned char **out, size_t *out_len)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	int fd, err = 0;

	fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			unsigned char *nbuf;

			/* Room for one byte past the cap, to see a file that
			 * exceeds it (max == SIZE_MAX: no cap to look past). */
			if (max < SIZE_MAX && ncap > max + 1)
				ncap = max + 1;
			if (ncap <= len) {
				err = -EFBIG;
				break;
			}
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				err = -ENOMEM;
				break;
			}
			buf = nbuf;
			cap = ncap;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			err = -EFBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	if (!buf)
		buf = malloc(1);
	if (!buf)
		return -ENOMEM;
	*out = buf;
	*out_len = len;
	return 0;
}
