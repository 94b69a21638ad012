// SPDX-License-Identifier: MIT
/*
 * sys_waits FILE - waits that are not I/O, each blocking ~100 ms (twice for
 * the contended locks, whose uncontended first attempt must cost nothing):
 *   wait_mutex_timed   pthread_mutex_timedlock, held by another thread
 *   wait_rwlock_rd     pthread_rwlock_rdlock, write-held by another thread
 *   wait_rwlock_wr     pthread_rwlock_wrlock, read-held by another thread
 *   wait_sem           sem_wait, posted by another thread
 *   wait_sem_timeout   sem_timedwait that times out
 *   wait_cond_clock    pthread_cond_clockwait that times out (what C++'s
 *                      condition_variable::wait_for calls)
 *   wait_join          pthread_timedjoin_np on a thread that ends
 *   wait_child         waitpid for a child that ends
 *   wait_signal        sigtimedwait that times out
 *   wait_pause         pause until SIGALRM
 *   wait_flock         flock on FILE, held through another descriptor
 *   wait_fcntl         fcntl(F_SETLKW) on FILE, held by a child process
 *   fast_preadv        1000 preadv of /dev/zero
 * It prints on stderr what each part really took ("truth NAME NS"), and on
 * stdout what must read the same with and without the agent: that errno
 * is what the program left in it after a sem_wait that had to wait, and
 * that a thread cancelled in sem_wait ends cancelled.
 */
#include <errno.h>
#include "burn.h"

#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOLD_MS 100

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem;
static pthread_barrier_t held;
static const char *file;

static struct timespec in_ms(clockid_t clk, int ms)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

static void truth(const char *name, int64_t t0)
{
	fprintf(stderr, "truth %s %lld\n", name, (long long)(mono_ns() - t0));
}

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "sys_waits: %s failed\n", what);
		exit(1);
	}
}

/* Another thread takes something with TAKE, says so at the barrier, holds it
 * HOLD_MS, then lets it go with GIVE. */
static void *holder(void *arg)
{
	int kind = (int)(intptr_t)arg;

	if (kind == 0)
		pthread_mutex_lock(&mutex);
	else if (kind == 1)
		pthread_rwlock_wrlock(&rwlock);
	else
		pthread_rwlock_rdlock(&rwlock);
	pthread_barrier_wait(&held);
	nap_ms(HOLD_MS);
	if (kind == 0)
		pthread_mutex_unlock(&mutex);
	else
		pthread_rwlock_unlock(&rwlock);
	return NULL;
}

static pthread_t hold(int kind)
{
	pthread_t t;

	check(pthread_create(&t, NULL, holder, (void *)(intptr_t)kind) == 0, "pthread_create");
	pthread_barrier_wait(&held);
	return t;
}

__attribute__((noinline)) static void wait_mutex_timed(void)
{
	struct timespec far = in_ms(CLOCK_REALTIME, 10000);
	int64_t t0 = mono_ns();

	/* Uncontended first: must not count. */
	check(pthread_mutex_timedlock(&mutex, &far) == 0, "timedlock");
	pthread_mutex_unlock(&mutex);
	for (int i = 0; i < 2; i++) {
		pthread_t t = hold(0);

		check(pthread_mutex_timedlock(&mutex, &far) == 0, "timedlock");
		pthread_mutex_unlock(&mutex);
		pthread_join(t, NULL);
	}
	truth("wait_mutex_timed", t0);
}

__attribute__((noinline)) static void wait_rwlock_rd(void)
{
	int64_t t0 = mono_ns();

	for (int i = 0; i < 2; i++) {
		pthread_t t = hold(1);

		check(pthread_rwlock_rdlock(&rwlock) == 0, "rdlock");
		pthread_rwlock_unlock(&rwlock);
		pthread_join(t, NULL);
	}
	truth("wait_rwlock_rd", t0);
}

__attribute__((noinline)) static void wait_rwlock_wr(void)
{
	int64_t t0 = mono_ns();

	for (int i = 0; i < 2; i++) {
		pthread_t t = hold(2);

		check(pthread_rwlock_wrlock(&rwlock) == 0, "wrlock");
		pthread_rwlock_unlock(&rwlock);
		pthread_join(t, NULL);
	}
	truth("wait_rwlock_wr", t0);
}

static void *poster(void *arg)
{
	(void)arg;
	nap_ms(HOLD_MS);
	sem_post(&sem);
	return NULL;
}

__attribute__((noinline)) static void wait_sem(void)
{
	int64_t t0 = mono_ns();
	pthread_t t;

	for (int i = 0; i < 2; i++) {
		check(pthread_create(&t, NULL, poster, NULL) == 0, "pthread_create");
		errno = 4321;
		check(sem_wait(&sem) == 0, "sem_wait");
		if (i == 0)
			printf("errno after a sem_wait that waited: %s\n",
			       errno == 4321 ? "as the program left it" : "changed");
		pthread_join(t, NULL);
	}
	truth("wait_sem", t0);
}

__attribute__((noinline)) static void wait_sem_timeout(void)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, HOLD_MS);
	int64_t t0 = mono_ns();

	check(sem_timedwait(&sem, &ts) == -1 && errno == ETIMEDOUT, "sem_timedwait");
	truth("wait_sem_timeout", t0);
}

__attribute__((noinline)) static void wait_cond_clock(void)
{
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec ts = in_ms(CLOCK_MONOTONIC, HOLD_MS);
	int64_t t0 = mono_ns();
	int r = 0;

	pthread_mutex_lock(&mutex);
	while (r == 0)
		r = pthread_cond_clockwait(&c, &mutex, CLOCK_MONOTONIC, &ts);
	pthread_mutex_unlock(&mutex);
	check(r == ETIMEDOUT, "pthread_cond_clockwait");
	truth("wait_cond_clock", t0);
}

static void *sleeper(void *arg)
{
	(void)arg;
	nap_ms(HOLD_MS);
	return NULL;
}

__attribute__((noinline)) static void wait_join(void)
{
	struct timespec far = in_ms(CLOCK_REALTIME, 10000);
	int64_t t0 = mono_ns();
	pthread_t t;

	check(pthread_create(&t, NULL, sleeper, NULL) == 0, "pthread_create");
	check(pthread_timedjoin_np(t, NULL, &far) == 0, "pthread_timedjoin_np");
	truth("wait_join", t0);
}

__attribute__((noinline)) static void wait_child(void)
{
	int64_t t0 = mono_ns();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		nap_ms(HOLD_MS);
		_exit(7);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 7, "waitpid");
	truth("wait_child", t0);
}

__attribute__((noinline)) static void wait_signal(void)
{
	struct timespec ts = { 0, HOLD_MS * 1000000L };
	sigset_t set;
	int64_t t0 = mono_ns();

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	check(sigtimedwait(&set, NULL, &ts) == -1 && errno == EAGAIN, "sigtimedwait");
	truth("wait_signal", t0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

__attribute__((noinline)) static void wait_pause(void)
{
	struct itimerval it = { { 0, 0 }, { 0, HOLD_MS * 1000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	int64_t t0 = mono_ns();

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	pause();
	truth("wait_pause", t0);
}

static void *flock_holder(void *arg)
{
	int fd = open(file, O_RDWR);

	(void)arg;
	check(fd >= 0 && flock(fd, LOCK_EX) == 0, "flock (holder)");
	pthread_barrier_wait(&held);
	nap_ms(HOLD_MS);
	close(fd);
	return NULL;
}

__attribute__((noinline)) static void wait_flock(void)
{
	int fd = open(file, O_RDWR);
	int64_t t0 = mono_ns();
	pthread_t t;

	check(fd >= 0, "open");
	check(pthread_create(&t, NULL, flock_holder, NULL) == 0, "pthread_create");
	pthread_barrier_wait(&held);
	check(flock(fd, LOCK_EX) == 0, "flock");
	close(fd);
	pthread_join(t, NULL);
	truth("wait_flock", t0);
}

__attribute__((noinline)) static void wait_fcntl(void)
{
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(file, O_RDWR), ready[2], status;
	int64_t t0 = mono_ns();
	char c;
	pid_t pid;

	check(fd >= 0 && pipe(ready) == 0, "open");
	pid = fork();
	if (pid == 0) {
		/* Record locks belong to a process: only another one can hold
		 * this one against us. */
		if (fcntl(fd, F_SETLK, &lk) != 0 || write(ready[1], "r", 1) != 1)
			_exit(1);
		nap_ms(HOLD_MS);
		_exit(0);
	}
	check(pid > 0 && read(ready[0], &c, 1) == 1, "fork");
	check(fcntl(fd, F_SETLKW, &lk) == 0, "fcntl(F_SETLKW)");
	waitpid(pid, &status, 0);
	close(fd);
	close(ready[0]);
	close(ready[1]);
	truth("wait_fcntl", t0);
}

__attribute__((noinline)) static void fast_preadv(void)
{
	char buf[64];
	struct iovec iov = { buf, sizeof(buf) };
	int fd = open("/dev/zero", O_RDONLY);

	check(fd >= 0, "open /dev/zero");
	for (int i = 0; i < 1000; i++)
		check(preadv(fd, &iov, 1, 0) == (ssize_t)sizeof(buf), "preadv");
	close(fd);
}

static void *cancelled_in_sem_wait(void *arg)
{
	sem_t *s = arg;

	sem_wait(s);
	return (void *)1;
}

/* pthread_cancel unwinds through the wrapper's frame. */
static void cancel_in_sem_wait(void)
{
	sem_t s;
	pthread_t t;
	void *ret = NULL;

	sem_init(&s, 0, 0);
	check(pthread_create(&t, NULL, cancelled_in_sem_wait, &s) == 0, "pthread_create");
	nap_ms(50);
	pthread_cancel(t);
	pthread_join(t, &ret);
	printf("a thread cancelled in sem_wait: %s\n", ret == PTHREAD_CANCELED ? "cancelled" : "not cancelled");
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: sys_waits FILE\n");
		return 2;
	}
	file = argv[1];
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0, "create FILE");
	close(fd);
	sem_init(&sem, 0, 0);
	pthread_barrier_init(&held, NULL, 2);
	wait_mutex_timed();
	wait_rwlock_rd();
	wait_rwlock_wr();
	wait_sem();
	wait_sem_timeout();
	wait_cond_clock();
	wait_join();
	wait_child();
	wait_signal();
	wait_pause();
	wait_flock();
	wait_fcntl();
	fast_preadv();
	cancel_in_sem_wait();
	unlink(file);
	printf("sys_waits done\n");
	return 0;
}
