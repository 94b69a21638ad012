/* SPDX-License-Identifier: MIT */
/*
 * endpoints.h - start and stop the agent's /debug/pprof HTTP endpoints
 * (EMBER_HTTP). Called from agent.c only; not async-signal-safe.
 */
#ifndef EMBER_AGENT_ENDPOINTS_H
#define EMBER_AGENT_ENDPOINTS_H

/* Starts serving if EMBER_HTTP is set; warns once and carries on if not possible. */
void em_endpoints_start(void);
/* Stops serving (exit). Waits briefly for requests in flight. */
void em_endpoints_stop(void);
/* In a forked child: the parent serves; drop the inherited descriptors. */
void em_endpoints_after_fork_child(void);

#endif
