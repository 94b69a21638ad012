// SPDX-License-Identifier: MIT
/*
 * thread.c - per-thread state: the pthread_create wrapper that gives every new
 * thread its own CPU-time timer, the registry of known threads, thread exit,
 * and the agent's own (never sampled) threads.
 */
#include "agent.h"
#include "log.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

__thread struct em_thread *em_tls_self EM_TLS;
__thread int em_tls_busy EM_TLS;
__thread int em_tls_exited EM_TLS;

/* The names of the threads that exited last, for the writer: a sample is
 * often processed after its thread is gone from /proc (the writer lags by
 * a batch), and the name the thread had then is only known here. Guarded by
 * em_threads_lock. */
#define EXITED_NAMES 256
static struct {
	pid_t tid;
	char name[16];
} exited[EXITED_NAMES];
static unsigned exited_next;

/* Program threads created but not yet registered: while there are any, a
 * thread that leaves the registry empty is not the last one. */
static atomic_int starting;

pthread_mutex_t em_threads_lock = PTHREAD_MUTEX_INITIALIZER;
struct em_thread *em_threads;

static pthread_key_t exit_key;
static atomic_int key_ready;

extern atomic_int em_running EM_HIDDEN;

static void stack_bounds(struct em_thread *t)
{
	pthread_attr_t a;
	void *addr;
	size_t size;

	/* For the main thread glibc derives this from /proc/self/maps and the
	 * stack rlimit; for others it is the pthread stack. */
	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return;
	if (pthread_attr_getstack(&a, &addr, &size) == 0) {
		t->stack_lo = (uintptr_t)addr;
		t->stack_hi = (uintptr_t)addr + size;
	}
	pthread_attr_destroy(&a);
}

/* Runs when a registered thread exits (return from its start routine or
 * pthread_exit): no more samples for it, and its name goes to the writer so
 * samples taken earlier keep a readable thread label. */
static void on_thread_exit(void *p)
{
	struct em_thread *t = p;
	char name[16] = "";
	struct em_rec *rec;
	bool last;

	em_tls_busy++;
	prctl(PR_GET_NAME, name, 0, 0, 0);
	if (em_ring_q && (rec = em_ring__claim(em_ring_q))) {
		rec->kind = EM_REC_THREAD_NAME;
		rec->flags = 0;
		rec->nframes = 0;
		rec->tid = t->tid;
		memcpy(rec->name, name, sizeof(rec->name));
		em_ring__publish(em_ring_q, rec);
	}
	em_cpu_thread_settle(t);
	em_tls_self = NULL;
	em_tls_exited = 1;
	pthread_mutex_lock(&em_threads_lock);
	exited[exited_next].tid = t->tid;
	memcpy(exited[exited_next].name, name, sizeof(name));
	exited_next = (exited_next + 1) % EXITED_NAMES;
	/* Settling deleted the timer, but a yield of the signal on another
	 * thread may have armed a new one since: only with t unlinked under
	 * this lock is it gone for good. */
	em_cpu_thread_stop(t);
	if (t->prev)
		t->prev->next = t->next;
	else if (em_threads == t)
		em_threads = t->next;
	if (t->next)
		t->next->prev = t->prev;
	last = !em_threads && !atomic_load(&starting);
	pthread_mutex_unlock(&em_threads_lock);
	free(t);
	if (last)
		em_agent_last_thread();
	/* The program's own key destructors run after this one (ours was
	 * created first): their frees must still reach the live set, or what
	 * they free would stay "in use" for good. */
	em_tls_busy--;
}

bool em_thread_exited_name(pid_t tid, char name[16])
{
	bool found = false;

	pthread_mutex_lock(&em_threads_lock);
	for (unsigned i = 0; i < EXITED_NAMES && !found; i++) {
		/* Newest first: a thread id the kernel reused is the later thread. */
		unsigned k = (exited_next + EXITED_NAMES - 1 - i) % EXITED_NAMES;

		if (exited[k].tid == tid && exited[k].name[0]) {
			memcpy(name, exited[k].name, 16);
			found = true;
		}
	}
	pthread_mutex_unlock(&em_threads_lock);
	return found;
}

int em_thread_init(void)
{
	int err;

	if (atomic_load(&key_ready))
		return 0;
	err = pthread_key_create(&exit_key, on_thread_exit);
	if (err)
		return -err;
	atomic_store(&key_ready, 1);
	return 0;
}

struct em_thread *em_thread_attach(void)
{
	struct em_thread *t;

	if (em_tls_self)
		return em_tls_self;
	if (!atomic_load(&key_ready) || em_tls_exited)
		return NULL;
	em_tls_busy++;
	t = calloc(1, sizeof(*t));
	if (t) {
		t->tid = (pid_t)gettid();
		stack_bounds(t);
		pthread_mutex_lock(&em_threads_lock);
		t->next = em_threads;
		if (em_threads)
			em_threads->prev = t;
		em_threads = t;
		pthread_mutex_unlock(&em_threads_lock);
		pthread_setspecific(exit_key, t);
		em_tls_self = t;
	}
	em_tls_busy--;
	if (t)
		em_cpu_thread_start(t);
	return t;
}

void em_thread_mark_agent(void)
{
	/* Never decremented: the whole thread is agent code. */
	em_tls_busy++;
}

struct start {
	void *(*fn)(void *);
	void *arg;
};

static void *agent_trampoline(void *p)
{
	struct start s = *(struct start *)p;

	em_thread_mark_agent();
	free(p);
	return s.fn(s.arg);
}

bool em_thread_private_fds(void)
{
	/* The new table starts as a copy holding a reference to every
	 * descriptor the program has open: those go at once (a socket the
	 * program closes must really close). Without close_range the copy
	 * could not be emptied cheaply, so then nothing is unshared. */
	if (syscall(SYS_close_range, ~0U, ~0U, 0) != 0)
		return false;
	if (syscall(SYS_unshare, CLONE_FILES) != 0) {
		em_debug("unshare(CLONE_FILES): %s; sharing the program's descriptors",
			 strerror(errno));
		return false;
	}
	syscall(SYS_close_range, 0, 1, 0);
	syscall(SYS_close_range, 3, ~0U, 0);
	/* 0-2 stay taken, so no file of ours becomes "stderr". Kept: stderr
	 * itself, for the agent's warnings. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			break;
	return true;
}

int em_thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	struct start *s;
	int err;

	em_tls_busy++;
	s = malloc(sizeof(*s));
	em_tls_busy--;
	if (!s)
		return ENOMEM;
	s->fn = fn;
	s->arg = arg;
	/* The new thread inherits the creator's signal mask: with everything
	 * blocked, the application's handlers never run on the agent's threads
	 * and signals meant for the process go to its own threads. */
	sigfillset(&all);
	EM_REAL(pthread_sigmask)(SIG_SETMASK, &all, &old);
	err = EM_REAL(pthread_create)(t, NULL, agent_trampoline, s);
	EM_REAL(pthread_sigmask)(SIG_SETMASK, &old, NULL);
	if (err) {
		em_tls_busy++;
		free(s);
		em_tls_busy--;
	}
	return err;
}

static void *app_trampoline(void *p)
{
	struct start s = *(struct start *)p;

	em_tls_busy++;
	free(p);
	em_tls_busy--;
	if (em_thread_attach())
		em_tls_self->start_fn = (uintptr_t)s.fn;
	atomic_fetch_sub(&starting, 1);
	/* A tail call where the compiler allows it, so no agent frame sits
	 * between start_thread and the application's function. */
	return s.fn(s.arg);
}

/* The application's threads get a timer each; the start routine is wrapped
 * only while the agent runs, otherwise this is the real call. */
EM_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	struct start *s;
	int err;

	if (!atomic_load_explicit(&em_running, memory_order_acquire) || em_tls_busy ||
	    getpid() != em_pid)
		return EM_REAL(pthread_create)(thread, attr, fn, arg);
	em_tls_busy++;
	s = malloc(sizeof(*s));
	em_tls_busy--;
	if (!s)
		return EM_REAL(pthread_create)(thread, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	atomic_fetch_add(&starting, 1);
	err = EM_REAL(pthread_create)(thread, attr, app_trampoline, s);
	if (err) {
		atomic_fetch_sub(&starting, 1);
		em_tls_busy++;
		free(s);
		em_tls_busy--;
	}
	return err;
}

void em_thread_after_fork_child(void)
{
	struct em_thread *t = em_threads, *self = em_tls_self;

	/* Only the forking thread exists in the child; the others' records are
	 * ours to free, and their timers were not inherited. */
	pthread_mutex_init(&em_threads_lock, NULL);
	memset(exited, 0, sizeof(exited));	/* the parent's thread ids */
	atomic_store(&starting, 0);		/* the parent's, never to start here */
	while (t) {
		struct em_thread *next = t->next;

		if (t != self) {
			em_tls_busy++;
			free(t);
			em_tls_busy--;
		}
		t = next;
	}
	em_threads = self;
	if (self) {
		self->prev = self->next = NULL;
		self->tid = (pid_t)gettid();
		self->has_timer = false;
	}
}
