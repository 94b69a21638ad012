// SPDX-License-Identifier: MIT
/* afile.c - atomic output files (temp + rename) and capped whole-file reads. */
#include "afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int em_afile__open(struct em_afile *af, const char *path)
{
	static unsigned int seq;
	const char *slash;
	size_t dirlen, n;
	int fd, tries;

	memset(af, 0, sizeof(*af));
	if (strcmp(path, "-") == 0) {
		af->f = stdout;
		return 0;
	}
	af->path = strdup(path);
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path + 1) : 0;
	n = strlen(path) + 64;
	af->tmp = malloc(n);
	if (!af->path || !af->tmp)
		goto nomem;
	for (tries = 0; tries < 100; tries++) {
		/* Hidden name in the same directory, so rename() stays atomic. */
		snprintf(af->tmp, n, "%.*s.%s.tmp.%d.%u", (int)dirlen, path, path + dirlen,
			 (int)getpid(), __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
		fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST) {
			int err = -errno;

			free(af->tmp);
			free(af->path);
			memset(af, 0, sizeof(*af));
			return err;
		}
	}
	if (fd < 0) {
		free(af->tmp);
		free(af->path);
		memset(af, 0, sizeof(*af));
		return -EEXIST;
	}
	af->f = fdopen(fd, "w");
	if (!af->f) {
		close(fd);
		unlink(af->tmp);
		goto nomem;
	}
	return 0;
nomem:
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
	return -ENOMEM;
}

int em_afile__commit(struct em_afile *af)
{
	int err = 0;

	if (!af->f)
		return -EINVAL;
	if (!af->tmp) {
		/* stdout */
		if (fflush(af->f) != 0 || ferror(af->f))
			err = -EIO;
		af->f = NULL;
		return err;
	}
	if (fflush(af->f) != 0 || ferror(af->f))
		err = errno ? -errno : -EIO;
	if (fclose(af->f) != 0 && !err)
		err = errno ? -errno : -EIO;
	af->f = NULL;
	if (!err && rename(af->tmp, af->path) != 0)
		err = -errno;
	if (err)
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
	return err;
}

void em_afile__abort(struct em_afile *af)
{
	if (!af)
		return;
	if (af->f && af->tmp) {
		fclose(af->f);
		unlink(af->tmp);
	}
	af->f = NULL;
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
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
