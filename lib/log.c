// SPDX-License-Identifier: MIT
/* log.c - one-line messages to stderr with a single write(2). */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int em_log_verbose;

void em_vlog(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int saved_errno = errno;
	size_t n = 0;
	int r;

	r = snprintf(buf, sizeof(buf), "ember: %s", prefix);
	if (r > 0)
		n = (size_t)r < sizeof(buf) ? (size_t)r : sizeof(buf) - 1;
	r = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < sizeof(buf) - n ? (size_t)r : sizeof(buf) - n - 1;
	/* One line per message, whatever the caller passed. */
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[n++] = '\n';
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		break;
	}
	errno = saved_errno;
}

void em_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	em_vlog("", fmt, ap);
	va_end(ap);
}

void em_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	em_vlog("warning: ", fmt, ap);
	va_end(ap);
}

void em_debug(const char *fmt, ...)
{
	va_list ap;

	if (!em_log_verbose)
		return;
	va_start(ap, fmt);
	em_vlog("debug: ", fmt, ap);
	va_end(ap);
}
