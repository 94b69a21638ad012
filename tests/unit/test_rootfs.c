// SPDX-License-Identifier: MIT
/* test_rootfs.c - opening files inside another root must not escape it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rootfs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], root[128], outside[128];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void read_back(int fd, const char *want)
{
	char buf[64] = "";
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
	close(fd);
}

static int setup(void **state)
{
	char p[256];

	(void)state;
	strcpy(dir, "/tmp/ember-rootfs.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/lib", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/lib/real.so", root);
	put(p, "inside");
	put(outside, "host secret");
	/* An absolute link to a host path, a relative link, and a dotdot link. */
	snprintf(p, sizeof(p), "%s/lib/abs.so", root);
	if (symlink(outside, p) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/lib/rel.so", root);
	if (symlink("real.so", p) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/lib/up.so", root);
	return symlink("../../outside", p) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void opens_inside_the_root(void **state)
{
	(void)state;
	read_back(em_open_in_root(root, "/lib/real.so"), "inside");
	read_back(em_open_in_root(root, "/lib/rel.so"), "inside");
	assert_int_equal(em_open_in_root(root, "/lib/missing.so"), -ENOENT);
}

static void links_cannot_leave_the_root(void **state)
{
	(void)state;
	/* The absolute link names a host file; inside the root it does not exist. */
	assert_int_equal(em_open_in_root(root, "/lib/abs.so"), -ENOENT);
	assert_int_equal(em_open_in_root(root, "/lib/up.so"), -ENOENT);
	assert_int_equal(em_open_in_root(root, "/../outside"), -ENOENT);
}

static void empty_root_is_our_own_view(void **state)
{
	(void)state;
	read_back(em_open_in_root("", outside), "host secret");
	read_back(em_open_in_root(NULL, outside), "host secret");
	assert_int_equal(em_open_in_root("/nonexistent-root", "/x"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opens_inside_the_root),
		cmocka_unit_test(links_cannot_leave_the_root),
		cmocka_unit_test(empty_root_is_our_own_view),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
