/* SPDX-License-Identifier: MIT */
/*
 * rootfs.h - open a file as another process sees it (its root directory).
 *
 * ember reads the binaries of processes in containers through
 * /proc/PID/root. A plain open("/proc/PID/root/usr/lib/x.so") resolves an
 * absolute symlink inside the container against *ember's* root, so a
 * container could make a privileged ember read host files. openat2() with
 * RESOLVE_IN_ROOT (Linux 5.6) keeps every component, symlink and ".." inside
 * the target's root. Thread-safe; not async-signal-safe.
 */
#ifndef EMBER_ROOTFS_H
#define EMBER_ROOTFS_H

/*
 * em_open_in_root() - open path (absolute, in the target's view) read-only
 * and close-on-exec. root "" or NULL means the caller's own root: plain
 * open(). Otherwise resolution stays inside root; when openat2() is not
 * available (ENOSYS, or EPERM from a seccomp filter) it falls back to
 * open(root + path). Returns an fd, or a negative errno.
 */
int em_open_in_root(const char *root, const char *path);

#endif
