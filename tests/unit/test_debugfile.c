// SPDX-License-Identifier: MIT
/* test_debugfile.c - build ids, debuglink CRCs and the debug-file search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "debugfile.h"
#include "elfmod.h"
#include "progs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/ember-debugfile.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp(const char *name)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	return p;
}

/* Finds the debug file of the binary at path; returns find()'s result. */
static int find(const char *path, const char *const *dirs, size_t ndirs, struct em_debugfile *out)
{
	struct em_elfmod *m = em_elfmod__open(path);
	struct em_debug_search s = { .dirs = dirs, .ndirs = ndirs, .root = "", .path = path };
	int err;

	assert_non_null(m);
	err = em_debugfile__find(&s, m->build_id, m->build_id_len, m->elf, m->fd, out);
	em_elfmod__free(m);
	return err;
}

static void build_id_matches_readelf(void **state)
{
	struct em_elfmod *m = em_elfmod__open(prog_path("symprog-stripped-id"));
	char path[PATH_MAX];
	struct stat st;

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->build_id_len, 20);
	assert_int_equal(strlen(m->build_id_hex), 40);
	/* progs.mk named the debug file after readelf's idea of the build id. */
	snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", prog_path("debug-root"),
		 m->build_id_hex, m->build_id_hex + 2);
	assert_int_equal(stat(path, &st), 0);
	em_elfmod__free(m);
}

static void finds_debug_file_by_build_id(void **state)
{
	const char *dirs[] = { "/nonexistent", prog_path("debug-root") };
	struct em_debugfile d;

	(void)state;
	assert_int_equal(find(prog_path("symprog-stripped-id"), dirs, 2, &d), 0);
	assert_non_null(strstr(d.path, "debug-root/.build-id/"));
	assert_non_null(d.elf);
	em_debugfile__close(&d);
	em_debugfile__close(&d);
	assert_int_equal(find(prog_path("symprog-stripped-id"), NULL, 0, &d), -ENOENT);
	assert_int_equal(find(prog_path("symprog-stripped-bare"), dirs, 2, &d), -ENOENT);
}

static void finds_debug_file_by_debuglink(void **state)
{
	struct em_debugfile d;
	char name[EM_DEBUGLINK_NAME_MAX + 1];
	struct em_elfmod *m;
	uint32_t crc, real;
	int fd;

	(void)state;
	assert_int_equal(find(prog_path("symprog-stripped-link"), NULL, 0, &d), 0);
	assert_non_null(strstr(d.path, "/.debug/symprog-stripped-link.debug"));
	/* The CRC in the link is the file's zlib CRC-32. */
	m = em_elfmod__open(prog_path("symprog-stripped-link"));
	assert_int_equal(em_elf_debuglink(m->elf, name, &crc), 0);
	assert_string_equal(name, "symprog-stripped-link.debug");
	fd = open(d.path, O_RDONLY);
	assert_int_equal(em_file_crc32(fd, &real), 0);
	assert_int_equal(crc, real);
	close(fd);
	em_elfmod__free(m);
	m = em_elfmod__open(prog_path("symprog"));
	assert_int_equal(em_elf_debuglink(m->elf, name, &crc), -ENOENT);
	em_elfmod__free(m);
	em_debugfile__close(&d);
}

static void debuglink_crc_mismatch_is_rejected(void **state)
{
	char bin[PATH_MAX];
	unsigned char *dbg;
	size_t len = 0;
	struct em_debugfile d;

	(void)state;
	snprintf(bin, sizeof(bin), "%s", tmp("symprog-stripped-link"));
	assert_int_equal(copy_file(prog_path("symprog-stripped-link"), bin), 0);
	dbg = slurp(prog_path(".debug/symprog-stripped-link.debug"), &len);
	assert_non_null(dbg);
	/* Next to the binary, one byte changed: same name, wrong CRC. */
	dbg[len / 2] ^= 0x55;
	assert_int_equal(spew(tmp("symprog-stripped-link.debug"), dbg, len), 0);
	assert_int_equal(find(bin, NULL, 0, &d), -ENOENT);
	/* The intact file in .debug/ is accepted. */
	dbg[len / 2] ^= 0x55;
	assert_int_equal(mkdir(tmp(".debug"), 0755), 0);
	assert_int_equal(spew(tmp(".debug/symprog-stripped-link.debug"), dbg, len), 0);
	assert_int_equal(find(bin, NULL, 0, &d), 0);
	assert_string_equal(d.path, tmp(".debug/symprog-stripped-link.debug"));
	em_debugfile__close(&d);
	/* Under a debug dir mirroring the binary's directory (GDB's third place). */
	unlink(tmp(".debug/symprog-stripped-link.debug"));
	unlink(tmp("symprog-stripped-link.debug"));
	{
		char dir[PATH_MAX], cmd[3 * PATH_MAX];
		const char *dirs[] = { tmp("dbgroot") };

		snprintf(dir, sizeof(dir), "%s%s", tmp("dbgroot"), tmpdir);
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
		assert_int_equal(system(cmd), 0);
		strcat(dir, "/symprog-stripped-link.debug");
		assert_int_equal(spew(dir, dbg, len), 0);
		assert_int_equal(find(bin, dirs, 1, &d), 0);
		assert_string_equal(d.path, dir);
		em_debugfile__close(&d);
	}
	free(dbg);
}

static void truncated_debug_file_is_rejected(void **state)
{
	struct em_elfmod *m = em_elfmod__open(prog_path("symprog-stripped-id"));
	const char *dirs[] = { tmp("trunc") };
	char src[PATH_MAX], dst[PATH_MAX], cmd[2 * PATH_MAX + 32];
	unsigned char *dbg;
	size_t len = 0;
	struct em_debugfile d;
	struct em_debug_search s = { .dirs = dirs, .ndirs = 1, .root = "" };
	struct em_symres res;

	(void)state;
	assert_non_null(m);
	snprintf(src, sizeof(src), "%s/.build-id/%.2s/%s.debug", prog_path("debug-root"),
		 m->build_id_hex, m->build_id_hex + 2);
	snprintf(dst, sizeof(dst), "%s/.build-id/%.2s", tmp("trunc"), m->build_id_hex);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dst);
	assert_int_equal(system(cmd), 0);
	snprintf(dst, sizeof(dst), "%s/.build-id/%.2s/%s.debug", tmp("trunc"), m->build_id_hex,
		 m->build_id_hex + 2);
	dbg = slurp(src, &len);
	assert_non_null(dbg);
	for (size_t cut = 64; cut < len; cut += len / 7) {
		assert_int_equal(spew(dst, dbg, cut), 0);
		assert_int_equal(em_debugfile__find(&s, m->build_id, m->build_id_len, m->elf, m->fd,
						    &d),
				 -ENOENT);
	}
	/* The module still loads and answers (without names) from its own tables. */
	assert_int_equal(em_elfmod__load(m, &s, 0), 0);
	assert_null(m->debug.elf);
	assert_int_equal(em_elfmod__lookup(m, m->loads[0].vaddr + 0x10, &res), 0);
	free(dbg);
	em_elfmod__free(m);
}

static void debug_dirs_come_from_the_environment(void **state)
{
	char **v;

	(void)state;
	setenv("EMBER_DEBUG_DIRS", "/a::/b c:", 1);
	v = em_debug_dirs_from_env();
	assert_non_null(v);
	assert_string_equal(v[0], "/a");
	assert_string_equal(v[1], "/b c");
	assert_null(v[2]);
	free(v);
	setenv("EMBER_DEBUG_DIRS", "", 1);
	assert_null(em_debug_dirs_from_env());
	unsetenv("EMBER_DEBUG_DIRS");
	assert_null(em_debug_dirs_from_env());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_id_matches_readelf),
		cmocka_unit_test(finds_debug_file_by_build_id),
		cmocka_unit_test(finds_debug_file_by_debuglink),
		cmocka_unit_test(debuglink_crc_mismatch_is_rejected),
		cmocka_unit_test(truncated_debug_file_is_rejected),
		cmocka_unit_test(debug_dirs_come_from_the_environment),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
