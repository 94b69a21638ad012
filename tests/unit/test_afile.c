// SPDX-License-Identifier: MIT
/* test_afile.c - atomic writes (whole or nothing, no temp left) and capped whole-file reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "afile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];
static mode_t old_umask;

static int make_tmpdir(void **state)
{
	(void)state;
	old_umask = umask(022);
	strcpy(tmpdir, "/tmp/ember-afile.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	umask(old_umask);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp(const char *name)
{
	static char paths[4][PATH_MAX];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	return p;
}

/* Entries in tmpdir other than . and ..; the first one's name in first. */
static int entries(char *first, size_t len)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!n && first)
			snprintf(first, len, "%s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* Asserts that path holds exactly len bytes equal to data. */
static void assert_file_is(const char *path, const void *data, size_t len)
{
	unsigned char *buf = malloc(len + 1);
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(buf);
	assert_non_null(f);
	n = fread(buf, 1, len + 1, f);
	fclose(f);
	assert_int_equal(n, len);
	assert_memory_equal(buf, data, len);
	free(buf);
}

static unsigned char *pattern(size_t len, unsigned seed)
{
	unsigned char *p = malloc(len ? len : 1);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 131 + seed);
	return p;
}

static void write_leaves_the_whole_file_and_no_temp(void **state)
{
	const size_t len = 300000;	/* several stdio buffers */
	unsigned char *data = pattern(len, 1);
	const char *path = tmp("out.pb.gz");
	char name[256];
	struct stat st;

	(void)state;
	assert_int_equal(em_write_file_atomic(path, data, len), 0);
	assert_file_is(path, data, len);
	assert_int_equal(entries(name, sizeof(name)), 1);
	assert_string_equal(name, "out.pb.gz");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	/* an empty write gives an empty file, not a missing one */
	assert_int_equal(em_write_file_atomic(tmp("empty"), NULL, 0), 0);
	assert_int_equal(stat(tmp("empty"), &st), 0);
	assert_int_equal(st.st_size, 0);
	free(data);
}

static void mode_follows_the_umask(void **state)
{
	struct stat st;

	(void)state;
	umask(077);
	assert_int_equal(em_write_file_atomic(tmp("private"), "x", 1), 0);
	umask(022);
	assert_int_equal(stat(tmp("private"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void file_is_the_old_one_until_commit(void **state)
{
	const size_t len = 200000;
	unsigned char *old = pattern(len, 2), *new = pattern(len, 3);
	const char *path = tmp("cpu.pb.gz");
	struct em_afile af;
	struct stat before, after;
	char name[256];
	int fd;

	(void)state;
	assert_int_equal(em_write_file_atomic(path, old, len), 0);
	assert_int_equal(stat(path, &before), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);

	assert_int_equal(em_afile__open(&af, path), 0);
	assert_non_null(af.f);
	/* the temporary file is hidden, in the same directory (rename stays atomic) */
	assert_non_null(af.tmp);
	assert_int_equal(strncmp(af.tmp, tmpdir, strlen(tmpdir)), 0);
	assert_int_equal(af.tmp[strlen(tmpdir) + 1], '.');
	assert_int_equal(fwrite(new, 1, len / 2, af.f), len / 2);
	fflush(af.f);
	/* half-written: readers still see the old file whole */
	assert_file_is(path, old, len);
	assert_int_equal(entries(NULL, 0), 2);
	assert_int_equal(fwrite(new + len / 2, 1, len - len / 2, af.f), len - len / 2);
	assert_int_equal(em_afile__commit(&af), 0);
	assert_null(af.f);
	assert_null(af.tmp);

	assert_file_is(path, new, len);
	assert_int_equal(entries(name, sizeof(name)), 1);
	assert_string_equal(name, "cpu.pb.gz");
	/* replaced by rename, not rewritten in place: the old inode is intact */
	assert_int_equal(stat(path, &after), 0);
	assert_true(after.st_ino != before.st_ino);
	{
		unsigned char *buf = malloc(len);
		ssize_t n;

		assert_non_null(buf);
		n = pread(fd, buf, len, 0);
		assert_int_equal(n, (ssize_t)len);
		assert_memory_equal(buf, old, len);
		free(buf);
	}
	close(fd);
	free(old);
	free(new);
}

static void abort_keeps_the_old_file_and_removes_the_temp(void **state)
{
	const char *path = tmp("heap.pb.gz");
	struct em_afile af;

	(void)state;
	assert_int_equal(em_write_file_atomic(path, "old", 3), 0);
	assert_int_equal(em_afile__open(&af, path), 0);
	fputs("new and longer", af.f);
	em_afile__abort(&af);
	assert_null(af.f);
	assert_null(af.tmp);
	assert_null(af.path);
	em_afile__abort(&af);	/* idempotent */
	em_afile__abort(NULL);
	assert_file_is(path, "old", 3);
	assert_int_equal(entries(NULL, 0), 1);
	/* commit after abort is refused, not a crash */
	assert_int_equal(em_afile__commit(&af), -EINVAL);
}

static void missing_directory_fails_and_creates_nothing(void **state)
{
	const char *path = tmp("no/such/dir/out");
	struct em_afile af;

	(void)state;
	assert_int_equal(em_write_file_atomic(path, "x", 1), -ENOENT);
	assert_int_equal(em_afile__open(&af, path), -ENOENT);
	assert_null(af.f);
	assert_null(af.tmp);
	assert_null(af.path);
	assert_int_equal(entries(NULL, 0), 0);
}

static void directory_in_the_way_fails_and_leaves_no_temp(void **state)
{
	const char *path = tmp("adir");
	struct stat st;

	(void)state;
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(em_write_file_atomic(path, "x", 1), -EISDIR);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(entries(NULL, 0), 1);
}

/* A full disk, simulated with RLIMIT_FSIZE (root is bound by it too). */
static void write_error_keeps_the_old_file_and_leaves_no_temp(void **state)
{
	const size_t len = 100000;
	unsigned char *data = pattern(len, 4);
	const char *path = tmp("full.pb.gz");
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_sa;
	struct rlimit old_lim, lim;
	struct em_afile af;
	int rc1, rc2;

	(void)state;
	assert_int_equal(em_write_file_atomic(path, "old", 3), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
	assert_int_equal(sigaction(SIGXFSZ, &ign, &old_sa), 0);
	lim = old_lim;
	lim.rlim_cur = 4096;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	/* fails while writing */
	rc1 = em_write_file_atomic(path, data, len);
	/* fails only when commit flushes the buffered bytes */
	rc2 = em_afile__open(&af, path);
	if (rc2 == 0) {
		lim.rlim_cur = 0;
		setrlimit(RLIMIT_FSIZE, &lim);
		fputs("buffered", af.f);
		rc2 = em_afile__commit(&af);
	}
	/* the limits are back before anything can fail */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
	assert_int_equal(sigaction(SIGXFSZ, &old_sa, NULL), 0);

	assert_int_equal(rc1, -EFBIG);
	assert_int_equal(rc2, -EFBIG);
	assert_null(af.f);
	assert_file_is(path, "old", 3);
	assert_int_equal(entries(NULL, 0), 1);
	free(data);
}

static void stdout_is_written_in_place(void **state)
{
	struct em_afile af;

	(void)state;
	assert_int_equal(em_afile__open(&af, "-"), 0);
	assert_ptr_equal(af.f, stdout);
	assert_null(af.tmp);
	assert_int_equal(em_afile__commit(&af), 0);
	assert_null(af.f);
}

static void read_returns_exactly_the_file(void **state)
{
	const size_t len = 200000;	/* past the first 64 KiB buffer */
	unsigned char *data = pattern(len, 5), *out = NULL;
	size_t out_len = 0;

	(void)state;
	assert_int_equal(em_write_file_atomic(tmp("in"), data, len), 0);
	/* a cap of exactly the size is enough */
	assert_int_equal(em_read_file(tmp("in"), len, &out, &out_len), 0);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, data, len);
	free(out);
	out = NULL;
	assert_int_equal(em_read_file(tmp("in"), 1 << 20, &out, &out_len), 0);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, data, len);
	free(out);
	out = NULL;
	/* no cap at all (max + 1 must not wrap to 0) */
	assert_int_equal(em_read_file(tmp("in"), SIZE_MAX, &out, &out_len), 0);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, data, len);
	free(out);
	free(data);
}

static void read_refuses_a_file_over_the_cap(void **state)
{
	unsigned char *out = NULL;
	size_t out_len = 12345;

	(void)state;
	assert_int_equal(em_write_file_atomic(tmp("in"), "0123456789", 10), 0);
	assert_int_equal(em_read_file(tmp("in"), 9, &out, &out_len), -EFBIG);
	assert_int_equal(em_read_file(tmp("in"), 0, &out, &out_len), -EFBIG);
	assert_null(out);
	assert_int_equal(out_len, 12345);
	/* files whose size stat does not know (procfs) are capped while reading */
	assert_int_equal(em_read_file("/proc/self/maps", 16, &out, &out_len), -EFBIG);
	assert_null(out);
	assert_int_equal(em_read_file("/proc/self/maps", 1 << 24, &out, &out_len), 0);
	assert_true(out_len > 16);
	free(out);
}

static void read_of_an_empty_file_is_an_empty_buffer(void **state)
{
	unsigned char *out = NULL;
	size_t out_len = 12345;

	(void)state;
	assert_int_equal(em_write_file_atomic(tmp("empty"), NULL, 0), 0);
	assert_int_equal(em_read_file(tmp("empty"), 0, &out, &out_len), 0);
	assert_non_null(out);	/* always freeable */
	assert_int_equal(out_len, 0);
	free(out);
}

static void read_errors_are_negative_errnos(void **state)
{
	unsigned char *out = NULL;
	size_t out_len;

	(void)state;
	assert_int_equal(em_read_file(tmp("missing"), 100, &out, &out_len), -ENOENT);
	assert_int_equal(em_read_file(tmpdir, 100, &out, &out_len), -EISDIR);
	assert_null(out);
}

/* -o /dev/null, /dev/stdout: a device is written, never replaced by a file. */
static void device_is_written_not_replaced(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(em_write_file_atomic("/dev/null", "x", 1), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void fifo_is_written_not_replaced(void **state)
{
	const char *path = tmp("fifo");
	char buf[16] = { 0 };
	struct stat st;
	int rd;

	(void)state;
	assert_int_equal(mkfifo(path, 0600), 0);
	rd = open(path, O_RDONLY | O_NONBLOCK);	/* a reader, so the writer's open returns */
	assert_true(rd >= 0);
	assert_int_equal(em_write_file_atomic(path, "hello", 5), 0);
	assert_int_equal(read(rd, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	close(rd);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(entries(NULL, 0), 1);
}

/* A link is followed: the file it points to is replaced atomically (the
 * temporary file next to it), the link stays a link. */
static void symlink_is_followed(void **state)
{
	char target[PATH_MAX];
	struct stat st;

	(void)state;
	snprintf(target, sizeof(target), "%s", tmp("real.svg"));
	assert_int_equal(em_write_file_atomic(target, "old", 3), 0);
	assert_int_equal(symlink("real.svg", tmp("link.svg")), 0);
	assert_int_equal(em_write_file_atomic(tmp("link.svg"), "new!", 4), 0);
	assert_file_is(target, "new!", 4);
	assert_int_equal(lstat(tmp("link.svg"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(entries(NULL, 0), 2);
	/* A link to a device is written through too. */
	assert_int_equal(symlink("/dev/null", tmp("null")), 0);
	assert_int_equal(em_write_file_atomic(tmp("null"), "x", 1), 0);
	assert_int_equal(lstat(tmp("null"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

static void dangling_symlink_is_written_through(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(symlink("made.txt", tmp("dangling")), 0);
	assert_int_equal(em_write_file_atomic(tmp("dangling"), "abc", 3), 0);
	assert_file_is(tmp("made.txt"), "abc", 3);
	assert_int_equal(lstat(tmp("dangling"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(entries(NULL, 0), 2);
}

/* Killed half-way through a write (SIGTERM, SIGINT, SIGHUP, SIGPIPE): the
 * temporary file is removed, the old file stays, and the process still
 * dies of the signal. */
static void killed_writer_leaves_no_temp(void **state)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE };
	const char *path = tmp("out.svg");

	(void)state;
	assert_int_equal(em_write_file_atomic(path, "old", 3), 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			struct em_afile af;

			em_afile_clean_up_on_signals();
			if (em_afile__open(&af, path) != 0)
				_exit(3);
			fputs("half of it", af.f);
			fflush(af.f);
			raise(sigs[i]);
			_exit(4);	/* not reached */
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), sigs[i]);
		assert_file_is(path, "old", 3);
		assert_int_equal(entries(NULL, 0), 1);
	}
}

/* Each test gets a fresh directory. */
#define IN_TMPDIR(test) cmocka_unit_test_setup_teardown(test, make_tmpdir, remove_tmpdir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		IN_TMPDIR(write_leaves_the_whole_file_and_no_temp),
		IN_TMPDIR(mode_follows_the_umask),
		IN_TMPDIR(file_is_the_old_one_until_commit),
		IN_TMPDIR(abort_keeps_the_old_file_and_removes_the_temp),
		IN_TMPDIR(missing_directory_fails_and_creates_nothing),
		IN_TMPDIR(directory_in_the_way_fails_and_leaves_no_temp),
		IN_TMPDIR(write_error_keeps_the_old_file_and_leaves_no_temp),
		cmocka_unit_test(device_is_written_not_replaced),
		IN_TMPDIR(fifo_is_written_not_replaced),
		IN_TMPDIR(symlink_is_followed),
		IN_TMPDIR(dangling_symlink_is_written_through),
		IN_TMPDIR(killed_writer_leaves_no_temp),
		cmocka_unit_test(stdout_is_written_in_place),
		IN_TMPDIR(read_returns_exactly_the_file),
		IN_TMPDIR(read_refuses_a_file_over_the_cap),
		IN_TMPDIR(read_of_an_empty_file_is_an_empty_buffer),
		IN_TMPDIR(read_errors_are_negative_errnos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
