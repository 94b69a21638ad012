#!/bin/bash
# SPDX-License-Identifier: MIT
# What the agent shows the program: its exported symbols, its API, the
# signal it uses, and how it treats bad settings.
. "$(dirname "$0")/../lib.sh"
need "$LIBEMBER" "$PROGS/flush_api" "$PROGS/libsigowner.so"

want="_Exit __open64_2 __open_2 __openat64_2 __openat_2 __poll_chk __ppoll_chk __pread64_chk __pread_chk __read_chk __recv_chk __recvfrom_chk __sysv_signal _exit accept accept4 aligned_alloc bsd_signal calloc clock_nanosleep close close_range closefrom connect dlclose dup2 dup3 ember_flush ember_stop ember_version epoll_pwait epoll_pwait2 epoll_wait fcntl fcntl64 fdatasync flock free fsync lockf lockf64 malloc malloc_usable_size memalign nanosleep open open64 openat openat64 pause poll posix_memalign ppoll pread pread64 preadv preadv2 preadv64 preadv64v2 pselect pthread_clockjoin_np pthread_cond_clockwait pthread_cond_timedwait pthread_cond_wait pthread_create pthread_join pthread_mutex_clocklock pthread_mutex_lock pthread_mutex_timedlock pthread_rwlock_clockrdlock pthread_rwlock_clockwrlock pthread_rwlock_rdlock pthread_rwlock_timedrdlock pthread_rwlock_timedwrlock pthread_rwlock_wrlock pthread_sigmask pthread_timedjoin_np pvalloc pwrite pwrite64 pwritev pwritev2 pwritev64 pwritev64v2 read readv realloc reallocarray recv recvfrom recvmmsg recvmsg select sem_clockwait sem_timedwait sem_wait send sendfile sendfile64 sendmmsg sendmsg sendto sigaction sighold sigignore siginterrupt signal sigprocmask sigset sigsuspend sigtimedwait sigwait sigwaitinfo sleep splice ssignal sysv_signal usleep valloc wait wait3 wait4 waitid waitpid write writev"
expect_eq "libember.so exports only the interposed names and ember_*" \
	"$(nm -D --defined-only "$LIBEMBER" | awk '{ print $3 }' | sort | tr '\n' ' ' | sed 's/ $//')" "$want"

out=$(agent_run "$TMP/api" "$PROGS/flush_api")
expect_match "ember_version() answers through a weak symbol" "$out" '^agent: [0-9]+\.[0-9]+\.[0-9]+$'
expect_match "ember_flush() returns 0" "$out" '^ember_flush: 0$'
expect_match "ember_flush() wrote the profile before exit" "$out" '^profile after flush: yes$'
expect_eq "without the agent the program runs on" "$("$PROGS/flush_api")" "agent: absent"

# A library owns SIGPROF before the agent starts: the agent takes another signal.
rm -rf "$TMP/owner" && mkdir "$TMP/owner"
err=$(EMBER_OUTPUT=$TMP/owner EMBER_HZ=250 LD_PRELOAD="$LIBEMBER $PROGS/libsigowner.so" \
	"$PROGS/cpu_split" 2000 2>&1 >/dev/null)
expect_match "the owner of SIGPROF never gets one of the agent's signals" "$err" 'sigowner: foreign timer signals 0$'
prof=$(only_profile "$TMP/owner" cpu)
expect_near "CPU is still profiled, on another signal (burn_a ~50%)" "$(pprof_cum_pct "$prof" burn_a)" 50 12
# EMBER_SIGNAL names the signal the library owns: one warning, another is used.
rm -rf "$TMP/owner2" && mkdir "$TMP/owner2"
err=$(EMBER_OUTPUT=$TMP/owner2 EMBER_HZ=250 EMBER_SIGNAL=PROF LD_PRELOAD="$LIBEMBER $PROGS/libsigowner.so" \
	"$PROGS/cpu_split" 1000 2>&1 >/dev/null)
expect_match "EMBER_SIGNAL=PROF, taken: one warning naming the variable" "$err" \
	"^ember: warning: EMBER_SIGNAL: signal $(kill -l PROF) already has a handler; choosing another$"
expect_eq "exactly one warning" "$(printf '%s\n' "$err" | grep -c warning)" 1
expect_match "and its owner still gets none of the agent's signals" "$err" 'sigowner: foreign timer signals 0$'
expect_near "CPU is still profiled (burn_a ~50%)" "$(pprof_cum_pct "$(only_profile "$TMP/owner2" cpu)" burn_a)" 50 12
# No signal free at all: CPU profiling is off with one warning; the rest runs.
rm -rf "$TMP/owner3" && mkdir "$TMP/owner3"
err=$(SIGOWNER_ALL=1 EMBER_OUTPUT=$TMP/owner3 LD_PRELOAD="$LIBEMBER $PROGS/libsigowner.so" \
	"$PROGS/cpu_split" 500 2>&1 >/dev/null); rc=$?
expect_eq "no free signal: the program exits normally" "$rc" 0
expect_match "no free signal: one warning says CPU profiling is off" "$err" \
	'^ember: warning: no free signal for CPU sampling .*; CPU profiling is off$'
expect_eq "exactly one warning" "$(printf '%s\n' "$err" | grep -c warning)" 1
expect_match "no free signal: the owner gets none of the agent's signals" "$err" 'sigowner: foreign timer signals 0$'
expect_eq "no free signal: no CPU samples" "$(pprof -raw "$(only_profile "$TMP/owner3" cpu)" 2>/dev/null | sed -n 's/.* \([0-9]*\) CPU samples.*/\1/p')" 0
check "no free signal: the heap profile is still written" test -s "$(only_profile "$TMP/owner3" heap)"

# Bad settings: one warning naming the variable, defaults used, the program runs on.
rm -rf "$TMP/bad" && mkdir "$TMP/bad"
err=$(EMBER_HZ=fast EMBER_INTERVAL=soon agent_run "$TMP/bad" "$PROGS/exit_modes" return 300 2>&1 >/dev/null); rc=$?
expect_eq "bad EMBER_* values: the program exits normally" "$rc" 0
expect_match "EMBER_HZ is named in one warning" "$err" "^ember: warning: EMBER_HZ: 'fast' is not a rate from 1 to 10000 samples per second; using 99$"
expect_match "EMBER_INTERVAL is named in one warning" "$err" "^ember: warning: EMBER_INTERVAL: 'soon'"
expect_eq "exactly two warning lines" "$(printf '%s\n' "$err" | grep -c warning)" 2
expect_match "the profile is written at the default rate" "$(pprof -raw "$(only_profile "$TMP/bad" cpu)" 2>&1)" '^Period: 10101010$'
# EMBER_EVENTS without cpu: no CPU profile, no signal handler.
rm -rf "$TMP/nocpu" && mkdir "$TMP/nocpu"
EMBER_EVENTS=none agent_run "$TMP/nocpu" "$PROGS/exit_modes" return 300 > /dev/null
expect_eq "EMBER_EVENTS=none writes nothing" "$(ls -A "$TMP/nocpu" | wc -l)" 0
finish
