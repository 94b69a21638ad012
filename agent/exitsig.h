/* SPDX-License-Identifier: MIT */
/*
 * exitsig.h - a final profile when the process is killed by a termination
 * signal it does not handle itself: SIGHUP, SIGINT, SIGQUIT, SIGTERM.
 *
 * While the application's disposition of such a signal is SIG_DFL, the
 * agent's handler is installed in its place. The handler (async-signal-safe:
 * atomics, futex, sigaction, tgkill) wakes a small thread of the agent that
 * runs the final write, waits for it at most EM_EXITSIG_WAIT_MS, then
 * restores SIG_DFL and re-raises the signal, so the process dies of it as it
 * would have without the agent (exit status, core dump for SIGQUIT).
 *
 * The application always wins: a handler or SIG_IGN it installs replaces
 * ours for good (until it sets SIG_DFL again), and every sigaction() it
 * makes reports what it would see without the agent (SIG_DFL, never our
 * handler). Signals ignored or handled when the agent starts are left alone;
 * so is everything in a process whose pid is 1 (a namespace's init ignores
 * SIG_DFL signals, so re-raising would not end it).
 */
#ifndef EMBER_AGENT_EXITSIG_H
#define EMBER_AGENT_EXITSIG_H

#include <signal.h>
#include <stdbool.h>

/* The longest a dying thread waits for the final write. */
#define EM_EXITSIG_WAIT_MS 2000
/* A termination signal arriving this soon after the first is the same
 * request delivered twice (a process-group kill plus `ember run`
 * forwarding it, systemd signalling the whole cgroup): the wait goes on.
 * A later one ends the wait at once ("^C twice"). */
#define EM_EXITSIG_DUP_MS 200

/*
 * em_exitsig_init() - start the final-write thread and install the handler
 * for each termination signal whose disposition is SIG_DFL. final_write is
 * called once, on that thread (normal context, every signal blocked), when
 * the first such signal arrives; it must return within about timeout_ms.
 * Call from the agent's constructor once the writer runs. Returns 0 or
 * -errno (then no handler is installed and nothing changes).
 */
int em_exitsig_init(void (*final_write)(int timeout_ms));

/* Ends the final-write thread (the program's last thread has ended and
 * the final write is done: the process must be free to end). */
void em_exitsig_quit(void);

/* In a forked child (from the agent's atfork child handler): a new thread
 * for the child's own final write. Until it runs, or if it fails, the
 * inherited handler just re-raises. */
void em_exitsig_after_fork_child(void);

/* Whether sig is one of the signals this module manages (the sigaction,
 * signal and sigset wrappers then call em_exitsig_sigaction). False before
 * em_exitsig_init succeeded. Async-signal-safe. */
bool em_exitsig_manages(int sig);

/*
 * em_exitsig_sigaction() - sigaction() for a managed signal, as the
 * application sees it: SIG_DFL keeps (or puts back) our handler and is what
 * queries report; a handler or SIG_IGN is installed as asked. old gets what
 * the kernel would have held without the agent. Same return convention as
 * sigaction(). Async-signal-safe (sigaction and getpid only); state is
 * changed only in the process that owns it (never in a vfork child).
 */
int em_exitsig_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#endif
