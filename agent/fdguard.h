/* SPDX-License-Identifier: MIT */
/*
 * fdguard.h - the agent's long-lived file descriptors (the HTTP listening
 * socket and its eventfd) live at high numbers and are guarded: the
 * application's close(), close_range() and closefrom() pass over them, and a
 * dup2()/dup3() onto one first stops the HTTP server. Without this, a daemon
 * that closes every descriptor at start and then opens its own socket could
 * get our number, and our accept thread would take its connections.
 */
#ifndef EMBER_AGENT_FDGUARD_H
#define EMBER_AGENT_FDGUARD_H

#include <stdbool.h>

/* Move fd to a high free number (closing the original) and guard it. Returns
 * the new descriptor, or fd itself (guarded) if it cannot be moved. */
int em_fdguard_adopt(int fd);
/* True if fd is one of the agent's. Async-signal-safe (atomics only). */
bool em_fdguard_has(int fd);
/* Called before the application dup2()s onto a guarded number. */
extern void (*em_fdguard_on_takeover)(void);

#endif
