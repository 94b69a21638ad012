/* SPDX-License-Identifier: MIT */
/*
 * ember.h - the few functions libember.so exports for programs that want to
 * control the agent (everything else is configured with EMBER_* variables,
 * see docs/agent.md). Declare them weak to call them only when preloaded:
 *
 *     #pragma weak ember_flush
 *     if (ember_flush) ember_flush();
 *
 * All are thread-safe; none is async-signal-safe.
 */
#ifndef EMBER_H
#define EMBER_H

#ifdef __cplusplus
extern "C" {
#endif

/* Write every profile now (EMBER_OUTPUT/<kind>.<pid>.pb.gz). Waits for the
 * agent's writer up to 10 s. Returns 0, or a negative errno (-ETIMEDOUT,
 * -ENOTCONN when the agent is not running). */
int ember_flush(void);

/* Stop sampling and write the final profiles, as at exit. Idempotent. */
void ember_stop(void);

/* The agent's version, e.g. "0.1.0". */
const char *ember_version(void);

#ifdef __cplusplus
}
#endif

#endif
