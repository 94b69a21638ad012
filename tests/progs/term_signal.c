// SPDX-License-Identifier: MIT
/*
 * term_signal MODE PIDFILE [MS] - a program that termination signals reach
 * in various states. It prints what it sees of SIGHUP, SIGINT, SIGQUIT and
 * SIGTERM (which must read the same with and without the agent), writes its
 * pid to PIDFILE once set up (the test then signals it), and burns CPU in
 * term_signal_burn for MS milliseconds (default: until killed):
 *   burn     nothing else (a little heap and sleeping first, so all three
 *            profiles have samples)
 *   own      installs its own SIGTERM handler and exits 0 once it has run
 *   dfl      sets SIG_DFL itself through sigaction, signal and sigset first,
 *            printing what each returns
 *   blocked  blocks SIGTERM, waits until it is pending, then unblocks it
 *   stall    fills its stderr (a pipe nobody reads) first, so anything that
 *            writes there blocks
 *   child    forks; the child writes PIDFILE and burns, the parent waits and
 *            prints how the child ended
 */
#include "burn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile uint64_t sink;
static volatile sig_atomic_t got_term;
static void *keep[16];

__attribute__((noinline)) static void term_signal_burn(int64_t ms, volatile sig_atomic_t *stop)
{
	int64_t until = thread_cpu_ns() + ms * 1000000LL;
	uint64_t x = 17;

	while ((ms <= 0 || thread_cpu_ns() < until) && !(stop && *stop))
		x = spin(x, 1000);
	sink += x;
}

static const char *kind(void (*h)(int))
{
	if (h == SIG_DFL)
		return "default";
	if (h == SIG_IGN)
		return "ignored";
	return "handler";
}

static void show_dispositions(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
	struct sigaction old;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		memset(&old, 0, sizeof(old));
		if (sigaction(sigs[i], NULL, &old) != 0)
			printf("%s: sigaction: %s\n", strsignal(sigs[i]), strerror(errno));
		else
			printf("%s: %s\n", strsignal(sigs[i]), kind(old.sa_handler));
	}
	fflush(stdout);
}

static void write_pidfile(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0 || rename(tmp, path)) {
		perror(path);
		exit(2);
	}
}

static void on_term(int sig)
{
	static const char msg[] = "own handler called\n";

	(void)sig;
	got_term = 1;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		got_term = 2;
}

static void warm_up(void)
{
	/* Enough allocation and blocking for a heap and a syscall sample. */
	for (int i = 0; i < 16; i++) {
		keep[i] = malloc(256 * 1024);
		if (keep[i])
			memset(keep[i], i, 256 * 1024);
	}
	for (int i = 0; i < 20; i++)
		usleep(2000);
}

static int own(const char *pidfile)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, &old) != 0)
		return 2;
	printf("sigaction returned the previous SIGTERM action: %s, flags %s\n",
	       kind(old.sa_handler), (old.sa_flags & SA_SIGINFO) ? "siginfo" : "plain");
	memset(&old, 0, sizeof(old));
	sigaction(SIGTERM, NULL, &old);
	printf("SIGTERM now: %s\n",
	       old.sa_handler == on_term ? "our own handler" : "something else");
	fflush(stdout);
	write_pidfile(pidfile);
	term_signal_burn(30000, &got_term);
	printf("%s\n", got_term ? "exiting after the handler ran" : "no SIGTERM came");
	return got_term ? 0 : 3;
}

static int dfl(const char *pidfile, int64_t ms)
{
	struct sigaction sa, old;
	void (*h)(int);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	memset(&old, 0, sizeof(old));
	if (sigaction(SIGTERM, &sa, &old) != 0)
		return 2;
	printf("sigaction(SIG_DFL) returned: %s\n", kind(old.sa_handler));
	memset(&old, 0, sizeof(old));
	sigaction(SIGTERM, NULL, &old);
	printf("query: %s, flags %#x, SIGUSR1 in mask %d\n", kind(old.sa_handler),
	       (unsigned)old.sa_flags, sigismember(&old.sa_mask, SIGUSR1));
	h = signal(SIGTERM, SIG_DFL);
	printf("signal(SIG_DFL) returned: %s\n", kind(h));
	memset(&old, 0, sizeof(old));
	sigaction(SIGTERM, NULL, &old);
	printf("query: %s, flags %#x, SIGTERM in mask %d\n", kind(old.sa_handler),
	       (unsigned)old.sa_flags, sigismember(&old.sa_mask, SIGTERM));
	/* Deprecated, but programs still call it; the agent wraps it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	h = sigset(SIGTERM, SIG_HOLD);
	printf("sigset(SIG_HOLD) returned: %s\n", h == SIG_HOLD ? "hold" : kind(h));
	h = sigset(SIGTERM, SIG_DFL);
	printf("sigset(SIG_DFL) returned: %s\n", h == SIG_HOLD ? "hold" : kind(h));
#pragma GCC diagnostic pop
	show_dispositions();
	write_pidfile(pidfile);
	term_signal_burn(ms, NULL);
	return 0;
}

static int blocked(const char *pidfile)
{
	sigset_t set, pending;
	int64_t until = mono_ns() + 30000000000LL;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	write_pidfile(pidfile);
	do {
		term_signal_burn(10, NULL);
		sigpending(&pending);
	} while (!sigismember(&pending, SIGTERM) && mono_ns() < until);
	printf("SIGTERM pending: %d\n", sigismember(&pending, SIGTERM));
	show_dispositions();
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("still alive after unblocking\n");
	return 0;
}

static void fill_stderr(void)
{
	int fl = fcntl(STDERR_FILENO, F_GETFL);
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	fcntl(STDERR_FILENO, F_SETFL, fl | O_NONBLOCK);
	while (write(STDERR_FILENO, buf, sizeof(buf)) > 0)
		;
	while (write(STDERR_FILENO, buf, 1) > 0)
		;
	fcntl(STDERR_FILENO, F_SETFL, fl);
}

static int child(const char *pidfile, int64_t ms)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 2;
	if (pid == 0) {
		write_pidfile(pidfile);
		term_signal_burn(ms, NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	if (WIFSIGNALED(status))
		printf("child killed by %s\n", strsignal(WTERMSIG(status)));
	else
		printf("child exited with %d\n", WEXITSTATUS(status));
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "burn";
	const char *pidfile = argc > 2 ? argv[2] : "/dev/null";
	int64_t ms = argc > 3 ? atoll(argv[3]) : 0;

	if (!strcmp(mode, "own"))
		return own(pidfile);
	if (!strcmp(mode, "dfl"))
		return dfl(pidfile, ms);
	if (!strcmp(mode, "blocked"))
		return blocked(pidfile);
	if (!strcmp(mode, "child"))
		return child(pidfile, ms);
	show_dispositions();
	warm_up();
	if (!strcmp(mode, "stall"))
		fill_stderr();
	else if (strcmp(mode, "burn")) {
		fprintf(stderr,
			"usage: term_signal burn|own|dfl|blocked|stall|child PIDFILE [MS]\n");
		return 2;
	}
	write_pidfile(pidfile);
	term_signal_burn(ms, NULL);
	printf("done\n");
	return 0;
}
