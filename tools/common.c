// SPDX-License-Identifier: MIT
/* common.c - helpers shared by ember's commands: errors, profile loading. */
#include "cmds.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>

int em_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	em_err("%s: %s (see 'ember help %s')", cmd, msg, cmd);
	return EXIT_USAGE;
}

struct em_profile *em_load_profile(const char *path)
{
	char err[256];
	struct em_profile *p = em_profile__read_file(path, NULL, err, sizeof(err));

	if (!p)
		em_err("%s: %s", path, err);
	return p;
}

long em_parse_count(const char *cmd, const char *opt, const char *val)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < 0 || v > INT_MAX) {
		em_usage_error(cmd, "%s wants a non-negative integer, got '%s'", opt, val);
		return -1;
	}
	return v;
}
