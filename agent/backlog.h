/* SPDX-License-Identifier: MIT */
/*
 * backlog.h - records taken out of the ring, waiting for the writer.
 *
 * The writer symbolizes as it aggregates, and the first lookup in a module
 * with DWARF (glibc's debug file, say) can take a hundred milliseconds;
 * meanwhile a program allocating in a burst would fill the ring and lose
 * samples. So a small drainer thread does nothing but copy records out of
 * the ring into this backlog (compact: only the frames used), and the
 * writer works through the backlog at its own pace. The backlog is capped
 * (16 MiB); past the cap records are dropped and counted, like a full ring.
 *
 * Not async-signal-safe; used by the drainer and writer threads and under
 * the writer's lock by HTTP threads.
 */
#ifndef EMBER_AGENT_BACKLOG_H
#define EMBER_AGENT_BACKLOG_H

#include "ring.h"

#include <stddef.h>
#include <ucontext.h>

struct em_backlog_chunk;

/* Move every published record from the ring into the backlog. Returns the
 * number moved. The only consumer of the ring: serialised inside. */
size_t em_backlog_pump(void);
/* Take everything queued so far, oldest first (caller owns the list). */
struct em_backlog_chunk *em_backlog_take(void);
/* Walk a taken list: fn is called once per record, in order; then the list
 * is freed. */
void em_backlog_consume(struct em_backlog_chunk *list, void (*fn)(const struct em_rec *r));
/* Bytes waiting. */
size_t em_backlog_bytes(void);

/*
 * em_backlog_claim_hook() - claim a ring record from an allocation or
 * syscall hook. Unlike a signal handler, a hook may wait: when the ring is
 * full it wakes the drainer and yields for up to 20 ms before giving up
 * (NULL, counted as dropped). Bursts such as EMBER_HEAP_RATE=1 (every
 * allocation) then slow the program down a little instead of losing samples.
 */
struct em_rec *em_backlog_claim_hook(void);

/*
 * em_backlog_hook_sample() - a record for a hook's sample (allocation,
 * blocking call), with what every such sample has filled in: kind, the
 * thread, fn (the function the program called: the leaf) and the stack
 * unwound from ctx (em_unwind_getcontext in the wrapper's frame), counted in
 * em_stats. The caller sets its values, then em_backlog_hook_publish().
 * NULL when the ring has no room (counted). Call with em_tls_busy set.
 */
struct em_rec *em_backlog_hook_sample(uint16_t kind, const char *fn, const ucontext_t *ctx);
/* Publish a hook record, and wake the drainer if the ring is half full. */
void em_backlog_hook_publish(struct em_rec *rec);

/* The drainer thread. wake() is called when records were moved. */
int em_backlog_start(void (*wake)(void));
void em_backlog_stop(void);
/* Wake the drainer (the ring is filling). Async-signal-safe. */
void em_backlog_kick(void);
void em_backlog_fork_prepare(void);
void em_backlog_fork_parent(void);
/* In a forked child: nothing queued belongs to it; start a new drainer. */
void em_backlog_after_fork_child(void);

#endif
