// SPDX-License-Identifier: MIT
/*
 * cmd_run.c - `ember run [options] -- CMD ARGS...`: run a program with
 * libember.so preloaded. Options become EMBER_* variables (the same ones a
 * unit file would set by hand), the program runs as a child, and when it
 * ends ember lists the profiles it wrote and exits with the program's status
 * (re-raising the signal that killed it, so shells and supervisors see the
 * same thing as without ember). While it waits, ember passes the signals
 * that would stop a program on to it, so stopping ember stops the program.
 */
#include "../agent/config.h"
#include "cmds.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* libember.so: $EMBER_LIB, else next to the ember binary (build/), else the
 * install layout ../lib/ember/. */
static int find_agent(char *out, size_t len)
{
	const char *lib = getenv("EMBER_LIB");
	char exe[PATH_MAX - 64], *slash;
	ssize_t n;

	if (lib && *lib) {
		if (access(lib, R_OK) != 0)
			return -errno;
		return realpath(lib, out) ? 0 : -errno;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(out, len, "%s/libember.so", exe);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, len, "%s/../lib/ember/libember.so", exe);
	if (access(out, R_OK) == 0) {
		char real[PATH_MAX];

		if (realpath(out, real))
			snprintf(out, len, "%s", real);
		return 0;
	}
	return -ENOENT;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ember run [OPTIONS] -- CMD [ARGS...]\n\n"
		"Run CMD with the ember agent preloaded; it writes pprof profiles to DIR\n"
		"every interval and when CMD exits. ember exits with CMD's status; the\n"
		"signals that stop a program (TERM, HUP, INT, QUIT, USR1, USR2), sent to\n"
		"ember, are passed on to CMD.\n\n"
		"  -o, --output DIR      where profiles go (default ./ember-out)       EMBER_OUTPUT\n"
		"  -e, --events LIST     cpu,heap,syscall or all (default all)         EMBER_EVENTS\n"
		"  -F, --freq HZ         CPU samples per CPU-second (default 99)       EMBER_HZ\n"
		"      --interval SEC    seconds between periodic writes (default 10;  EMBER_INTERVAL\n"
		"                        0 writes only at exit)\n"
		"      --http ADDR       serve /debug/pprof on ADDR, e.g. 127.0.0.1:6060 EMBER_HTTP\n"
		"      --no-children     programs CMD execs are not profiled           EMBER_NO_CHILDREN\n"
		"      --heap-rate BYTES mean bytes between heap samples (524288)     EMBER_HEAP_RATE\n"
		"      --syscall-rate NS mean blocking ns between syscall samples     EMBER_SYSCALL_RATE\n"
		"                        (1000000)\n"
		"  -q, --quiet           do not list the profiles at the end\n\n"
		"Every setting, and a few more, can be given as an environment variable\n"
		"instead (docs/agent.md); options override them. Files are named\n"
		"DIR/<kind>.<pid>.pb.gz: forked and exec'd children write their own.\n");
}

struct run_opts {
	bool quiet;
	const char *output;
};

static int set(const char *name, const char *val)
{
	if (setenv(name, val, 1) != 0) {
		em_err("run: cannot set %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option long_opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "events", required_argument, NULL, 'e' },
		{ "freq", required_argument, NULL, 'F' },
		{ "interval", required_argument, NULL, 'i' },
		{ "http", required_argument, NULL, 'H' },
		{ "no-children", no_argument, NULL, 'N' },
		{ "heap-rate", required_argument, NULL, 'r' },
		{ "syscall-rate", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	/* '+': stop at the first non-option, so CMD's own options are CMD's. */
	while ((c = getopt_long(argc, argv, "+o:e:F:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			if (set("EMBER_OUTPUT", optarg))
				return 1;
			break;
		case 'e':
			if (set("EMBER_EVENTS", optarg))
				return 1;
			break;
		case 'F': {
			long hz = em_parse_count("run", "-F", optarg);

			if (hz < 1 || hz > 10000)
				return hz < 0 ? EXIT_USAGE
					      : em_usage_error("run", "-F wants 1 to 10000 Hz, got %s",
							       optarg);
			if (set("EMBER_HZ", optarg))
				return 1;
			break;
		}
		case 'i':
			if (em_parse_count("run", "--interval", optarg) < 0)
				return EXIT_USAGE;
			if (set("EMBER_INTERVAL", optarg))
				return 1;
			break;
		case 'H':
			if (!strchr(optarg, ':'))
				return em_usage_error("run", "--http wants HOST:PORT, got '%s'", optarg);
			if (set("EMBER_HTTP", optarg))
				return 1;
			break;
		case 'N':
			if (set("EMBER_NO_CHILDREN", "1"))
				return 1;
			break;
		case 'r':
			if (set("EMBER_HEAP_RATE", optarg))
				return 1;
			break;
		case 's':
			if (set("EMBER_SYSCALL_RATE", optarg))
				return 1;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return em_usage_error("run", "unknown or incomplete option '%s'",
					      argv[optind - 1]);
		}
	}
	return 0;
}

static int set_preload(void)
{
	char agent[PATH_MAX], *v;
	const char *old = getenv("LD_PRELOAD");
	int err = find_agent(agent, sizeof(agent));
	size_t n;

	if (err) {
		em_err("run: cannot find libember.so next to ember or in ../lib/ember (%s); "
		       "set EMBER_LIB", strerror(-err));
		return -1;
	}
	if (!old || !*old)
		return set("LD_PRELOAD", agent);
	n = strlen(agent) + strlen(old) + 2;
	v = malloc(n);
	if (!v)
		return -1;
	snprintf(v, n, "%s:%s", agent, old);
	err = set("LD_PRELOAD", v);
	free(v);
	return err;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The profiles written since `since` in the output directory, sorted. */
static void list_profiles(const char *dir, time_t since)
{
	char *names[256];
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n = 0;

	if (!d)
		return;
	while ((de = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		char path[PATH_MAX];
		struct stat st;
		size_t len = strlen(de->d_name);

		if (len < 7 || strcmp(de->d_name + len - 6, ".pb.gz") || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || st.st_mtime < since || !(names[n] = strdup(path)))
			continue;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "%s %s\n", i ? "      " : "ember: profiles:", names[i]);
		free(names[i]);
	}
	if (n)
		fprintf(stderr, "ember: view with: ember top FILE, or go tool pprof -http=: FILE\n");
}

static const char *env(const char *name)
{
	return getenv(name);
}

/* ---- signals while CMD runs ---- */

/*
 * Sent to ember alone (kill PID, a supervisor, systemd stopping a unit whose
 * main process is ember), these must reach CMD too, or CMD would run on
 * without its parent. From the terminal (^C, ^\, a hangup) they reach the
 * whole foreground process group, CMD included, and are not passed on:
 * twice would read as "^C twice" to the agent (docs/agent.md).
 */
static const int fwd_sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };
#define NFWD (sizeof(fwd_sigs) / sizeof(fwd_sigs[0]))

struct fwd {
	struct sigaction old[NFWD];
	sigset_t oldmask;
};

/* CMD's pid while it can be signalled; 0 before fork and once it ended. */
static volatile pid_t fwd_child;

static void forward(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;

	(void)uc;
	/* SI_KERNEL: the terminal signalled the process group. */
	if (si->si_code != SI_KERNEL && fwd_child > 0)
		kill(fwd_child, sig);
	errno = saved_errno;
}

/* Before fork: the forwarding handlers in place, the signals blocked until
 * CMD's pid is known. A signal ignored by whoever started ember (nohup, a
 * shell's background job) stays ignored, in ember and in CMD. */
static void forward_begin(struct fwd *f)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (size_t i = 0; i < NFWD; i++)
		sigaddset(&set, fwd_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, &f->oldmask);
	for (size_t i = 0; i < NFWD; i++) {
		sigaction(fwd_sigs[i], NULL, &f->old[i]);
		if (f->old[i].sa_handler != SIG_IGN)
			sigaction(fwd_sigs[i], &sa, NULL);
	}
}

/* Dispositions and mask as ember found them (in CMD before exec, or in
 * ember when fork failed or before it re-raises CMD's signal). */
static void forward_undo(const struct fwd *f)
{
	for (size_t i = 0; i < NFWD; i++)
		sigaction(fwd_sigs[i], &f->old[i], NULL);
	sigprocmask(SIG_SETMASK, &f->oldmask, NULL);
}

/* Waits for CMD to end, passing signals on meanwhile. 0 or -1 (reported). */
static int wait_child(pid_t pid, const struct fwd *f, int *status)
{
	siginfo_t si;

	fwd_child = pid;
	/* Signals that came while they were blocked are passed on now. */
	sigprocmask(SIG_SETMASK, &f->oldmask, NULL);
	/* Wait without reaping first: while CMD is a zombie, a signal passed
	 * on cannot reach another process that was given its pid. */
	while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) != 0) {
		if (errno != EINTR) {
			em_err("run: waitid: %s", strerror(errno));
			return -1;
		}
	}
	fwd_child = 0;
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			em_err("run: waitpid: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* CMD was killed by sig: die the same way, without a core dump of ember. */
static int die_like_child(int sig, const struct fwd *f)
{
	struct rlimit none = { 0, 0 };
	sigset_t set;

	forward_undo(f);
	if (sig == SIGKILL || sig == SIGSTOP)
		return 128 + sig;
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	setrlimit(RLIMIT_CORE, &none);
	raise(sig);
	return 128 + sig;
}

static char bad_setting[512];

static void note_bad_setting(const char *msg)
{
	if (!bad_setting[0])
		snprintf(bad_setting, sizeof(bad_setting), "%s", msg);
}

static int run(int argc, char **argv)
{
	struct em_config cfg;
	struct run_opts o = { .output = getenv("EMBER_OUTPUT") };
	struct fwd f;
	time_t start = time(NULL);
	int rc, status;
	pid_t pid;

	rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	/* The agent's own parser judges the settings, so ember run refuses
	 * exactly what the agent would warn about. */
	bad_setting[0] = '\0';
	em_config_parse(&cfg, env, note_bad_setting);
	if (bad_setting[0])
		return em_usage_error("run", "%s", bad_setting);
	if (optind >= argc)
		return em_usage_error("run", "missing CMD (ember run [OPTIONS] -- CMD [ARGS...])");
	if (set_preload())
		return 1;
	fflush(NULL);
	/* Like a shell running a foreground job: the terminal's ^C and ^\ go
	 * to the program (same process group); ember waits for it to finish,
	 * passing on what is sent to ember alone. */
	forward_begin(&f);
	pid = fork();
	if (pid < 0) {
		em_err("run: fork: %s", strerror(errno));
		forward_undo(&f);
		return 1;
	}
	if (pid == 0) {
		forward_undo(&f);
		execvp(argv[optind], argv + optind);
		em_err("run: %s: %s", argv[optind], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* Profiles come from the agent in the child; ember itself is not
	 * profiled (the variables are in the child's environment only). */
	unsetenv("LD_PRELOAD");
	if (wait_child(pid, &f, &status) != 0)
		return 1;
	if (!o.quiet)
		list_profiles(o.output && *o.output ? o.output : "ember-out", start);
	if (WIFSIGNALED(status))
		return die_like_child(WTERMSIG(status), &f);
	return WEXITSTATUS(status);
}

const struct em_cmd em_cmd_run = {
	.name = "run",
	.summary = "run a program with the agent preloaded and write its profiles",
	.run = run,
	.usage = usage,
};
