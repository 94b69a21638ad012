/* SPDX-License-Identifier: MIT */
/*
 * log.h - one place for user-facing messages.
 *
 * Every message is one line on stderr, "ember: <text>", written with a single
 * write(2) so that lines from several threads or processes never interleave and
 * the host program's stdio buffers are never touched (the agent lives inside
 * someone else's process). Not async-signal-safe (vsnprintf); signal handlers
 * count failures in em_stats instead of logging.
 */
#ifndef EMBER_LOG_H
#define EMBER_LOG_H

#include <stdarg.h>

#define EM_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* "ember: <msg>\n" */
void em_err(const char *fmt, ...) EM_PRINTF(1, 2);
/* "ember: warning: <msg>\n" */
void em_warn(const char *fmt, ...) EM_PRINTF(1, 2);
/* Printed only when em_log_verbose is set (ember -v, EMBER_VERBOSE=1). */
void em_debug(const char *fmt, ...) EM_PRINTF(1, 2);
void em_vlog(const char *prefix, const char *fmt, va_list ap);

extern int em_log_verbose;

#endif
