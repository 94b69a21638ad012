// SPDX-License-Identifier: MIT
/* rootfs.c - open files inside another process's root directory. */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int em_open_in_root(const char *root, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char joined[PATH_MAX];
	int dfd, fd, n;

	if (!root || !*root) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* Absolute paths are taken relative to dfd under RESOLVE_IN_ROOT. */
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd < 0 && errno != ENOSYS && errno != EPERM) {
		fd = -errno;
		close(dfd);
		return fd;
	}
	close(dfd);
	if (fd >= 0)
		return fd;
	n = snprintf(joined, sizeof(joined), "%s%s", root, path);
	if (n < 0 || n >= (int)sizeof(joined))
		return -ENAMETOOLONG;
	fd = open(joined, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
