// SPDX-License-Identifier: MIT
/*
 * sys_known - known blocking time and call counts:
 *   nap_nanosleep     20 x nanosleep(25 ms)        ~500 ms in clock_nanosleep
 *   nap_usleep        20 x usleep(15 ms)           ~300 ms in clock_nanosleep
 *   wait_for_pipe     read() on a pipe fed every 20 ms, 10 times: ~200 ms in read
 *   wait_for_lock     pthread_mutex_lock on a mutex another thread holds for
 *                     20 ms, 10 times: ~200 ms in futex
 *   fast_writes       100000 x write(/dev/null, 1 byte): 100000 calls
 * Sleeps overshoot on a loaded machine, so the program measures what each
 * part really took and prints it on stderr ("truth NAME NS"); stdout stays
 * the same from run to run.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t holding;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void truth(const char *name, int64_t ns)
{
	fprintf(stderr, "truth %s %lld\n", name, (long long)ns);
}

__attribute__((noinline)) static void nap_nanosleep(void)
{
	struct timespec ts = { 0, 25000000 };
	int64_t t0 = now_ns();

	for (int i = 0; i < 20; i++)
		nanosleep(&ts, NULL);
	truth("nap_nanosleep", now_ns() - t0);
}

__attribute__((noinline)) static void nap_usleep(void)
{
	int64_t t0 = now_ns();

	for (int i = 0; i < 20; i++)
		usleep(15000);
	truth("nap_usleep", now_ns() - t0);
}

static void *feeder(void *arg)
{
	struct timespec ts = { 0, 20000000 };

	(void)arg;
	for (int i = 0; i < 10; i++) {
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		if (write(pipefd[1], "x", 1) != 1)
			return NULL;
	}
	return NULL;
}

__attribute__((noinline)) static void wait_for_pipe(void)
{
	int64_t waited = 0;
	pthread_t t;
	char c;

	pthread_create(&t, NULL, feeder, NULL);
	for (int i = 0; i < 10; i++) {
		int64_t t0 = now_ns();
		ssize_t n = read(pipefd[0], &c, 1);

		waited += now_ns() - t0;
		if (n != 1)
			break;
	}
	pthread_join(t, NULL);
	truth("wait_for_pipe", waited);
}

static void *holder(void *arg)
{
	struct timespec ts = { 0, 20000000 };

	(void)arg;
	for (int i = 0; i < 10; i++) {
		pthread_mutex_lock(&lock);
		pthread_barrier_wait(&holding);
		nanosleep(&ts, NULL);
		pthread_mutex_unlock(&lock);
		pthread_barrier_wait(&holding);
	}
	return NULL;
}

__attribute__((noinline)) static void wait_for_lock(void)
{
	int64_t waited = 0;
	pthread_t t;

	pthread_barrier_init(&holding, NULL, 2);
	pthread_create(&t, NULL, holder, NULL);
	for (int i = 0; i < 10; i++) {
		int64_t t0;

		pthread_barrier_wait(&holding);	/* the holder has the lock now */
		t0 = now_ns();
		pthread_mutex_lock(&lock);
		waited += now_ns() - t0;
		pthread_mutex_unlock(&lock);
		pthread_barrier_wait(&holding);
	}
	pthread_join(t, NULL);
	truth("wait_for_lock", waited);
}

__attribute__((noinline)) static void fast_writes(void)
{
	int fd = open("/dev/null", O_WRONLY);

	for (int i = 0; i < 100000; i++)
		if (write(fd, "x", 1) != 1)
			break;
	close(fd);
}

int main(void)
{
	if (pipe(pipefd) != 0)
		return 1;
	nap_nanosleep();
	nap_usleep();
	wait_for_pipe();
	wait_for_lock();
	fast_writes();
	printf("sys_known done\n");
	return 0;
}
