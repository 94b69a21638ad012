// SPDX-License-Identifier: MIT
/* test_http_life.c - the HTTP server's life cycle: stop with handlers in flight, clients going
 * away, thread hooks and signal masks, start errors, address forms, fds, fork. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http_test.h"

#include <dirent.h>
#include <sys/wait.h>

static atomic_int thread_starts, thread_creates;

static void on_start(void)
{
	marked = 1;
	atomic_fetch_add(&thread_starts, 1);
}

static int counting_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	atomic_fetch_add(&thread_creates, 1);
	return pthread_create(t, a, fn, arg);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void stop_wakes_a_sleeping_handler(void **state)
{
	int port;
	struct em_http *s = start(NULL, &port);
	struct bg *b = bg_start(port, "/slow?ms=20000");
	double t0;

	(void)state;
	wait_for(&in_handler, 1);
	t0 = now_s();
	assert_int_equal(em_http__stop(s), 0);
	assert_true(now_s() - t0 < 1.0);
	assert_int_equal(atomic_load(&sleep_result), -ECANCELED);
	pthread_join(b->t, NULL);
	assert_true(b->r.secs < 2.0);
	free(b);
}

static void stop_gives_up_on_a_blocked_handler(void **state)
{
	struct em_http_opts o = { .stop_timeout_ms = 200 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int port, fd, one = 1;
	struct em_http *s = start(&o, &port);
	struct bg *b = bg_start(port, "/block");
	double t0;

	(void)state;
	atomic_store(&release_block, 0);
	atomic_store(&block_done, 0);
	wait_for(&in_handler, 1);
	t0 = now_s();
	assert_int_equal(em_http__stop(s), -EBUSY);
	assert_true(now_s() - t0 >= 0.19 && now_s() - t0 < 1.0);

	/* The port can be listened on again at once, with the handler still running (its
	 * connection holds the port, as it would for a restarted agent: SO_REUSEADDR). */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	close(fd);

	/* The handler finishes later and still answers (ASan catches a use after free). */
	atomic_store(&release_block, 1);
	pthread_join(b->t, NULL);
	assert_int_equal(atomic_load(&block_done), 1);
	assert_int_equal(b->r.status, 200);
	assert_string_equal(b->r.body, "released");
	free(b);
	usleep(100000);	/* let the connection thread drop the last reference */
}

static void client_going_away_cancels_the_sleep(void **state)
{
	static const char req[] = "GET /slow?ms=5000 HTTP/1.1\r\nHost: t\r\n\r\n";
	int port, fd;
	struct em_http *s = start(NULL, &port);
	struct reply *r;
	double t0;

	(void)state;
	atomic_store(&sleep_result, 1);
	fd = dial(port);
	assert_true(fd >= 0);
	send(fd, req, sizeof(req) - 1, 0);
	wait_for(&in_handler, 1);
	t0 = now_s();
	close(fd);
	wait_for(&in_handler, 0);
	assert_true(now_s() - t0 < 1.0);
	assert_int_equal(atomic_load(&sleep_result), -ECONNRESET);
	/* Its reply went to a closed socket; the server carries on. */
	usleep(50000);
	r = get(port, "/hello");
	assert_int_equal(r->status, 200);
	free(r);
	assert_int_equal(em_http__stop(s), 0);
}

static void server_threads_are_marked_and_block_signals(void **state)
{
	struct em_http_opts o = { .create_thread = counting_create, .on_thread_start = on_start };
	sigset_t before, after;
	struct reply *r;
	int port;
	struct em_http *s;

	(void)state;
	sigemptyset(&before);
	sigaddset(&before, SIGUSR2);
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	s = start(&o, &port);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	assert_true(sigismember(&after, SIGUSR2));	/* the caller's mask is restored */
	assert_false(sigismember(&after, SIGTERM));
	r = get(port, "/sigmask");
	assert_string_equal(r->body, "marked=1 prof=1 term=1 int=1");
	free(r);
	assert_int_equal(em_http__stop(s), 0);
	assert_int_equal(atomic_load(&thread_creates), 2);	/* accept + one connection */
	assert_int_equal(atomic_load(&thread_starts), 2);
	assert_int_equal(marked, 0);
	sigemptyset(&before);
	pthread_sigmask(SIG_SETMASK, &before, NULL);
}

static void start_reports_one_line_errors(void **state)
{
	char err[256], want[128];
	int port;
	struct em_http *s = start(NULL, &port), *s2;

	(void)state;
	snprintf(want, sizeof(want), "127.0.0.1:%d", port);
	s2 = em_http__start(want, routes, NULL, NULL, err, sizeof(err));
	assert_null(s2);
	assert_int_equal(errno, EADDRINUSE);
	strcat(want, ": Address already in use");
	assert_string_equal(err, want);
	assert_null(em_http__start("nowhere:80", routes, NULL, NULL, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "'nowhere:80': 'nowhere' is not an IP address or localhost "
				 "(host names are not resolved)");
	assert_int_equal(em_http__stop(s), 0);
	assert_int_equal(em_http__stop(NULL), 0);
	em_http__forget(NULL);
	assert_int_equal(em_http__port(NULL), -1);
}

static void listens_on_other_address_forms(void **state)
{
	static const char *const addrs[] = { ":0", "localhost:0", "0.0.0.0:0", "[::]:0" };
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct em_http *s = em_http__start(addrs[i], routes, &in_handler, NULL, err,
						   sizeof(err));
		struct reply *r;

		if (!s && strstr(addrs[i], "::") && errno == EAFNOSUPPORT)
			continue;	/* no IPv6 in this sandbox */
		if (!s)
			fail_msg("%s: %s", addrs[i], err);
		r = get(em_http__port(s), "/hello");	/* over IPv4 loopback */
		assert_int_equal(r->status, 200);
		free(r);
		assert_int_equal(em_http__stop(s), 0);
	}
}

static void leaves_no_fds_behind(void **state)
{
	int before = count_fds(), port;
	struct em_http *s = start(NULL, &port);
	struct reply *r = malloc(sizeof(*r));

	(void)state;
	exchange(port, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", 32, false, r);
	exchange(port, "junk\r\n\r\n", 8, true, r);
	exchange(port, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 31, false, r);
	free(r);
	assert_int_equal(em_http__stop(s), 0);
	usleep(50000);
	assert_int_equal(count_fds(), before);
}

static void forget_in_a_child_closes_inherited_sockets(void **state)
{
	int port, pfd[2], diff = -1, status;
	struct em_http *s = start(NULL, &port);
	struct bg *b = bg_start(port, "/slow?ms=1000");
	pid_t pid;

	(void)state;
	wait_for(&in_handler, 1);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		int n = count_fds();

		em_http__forget(s);
		n -= count_fds();
		if (write(pfd[1], &n, sizeof(n)) < 0)
			_exit(1);
		sleep(3);	/* outlive the request: only closed fds let it end on time */
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(read(pfd[0], &diff, sizeof(diff)), sizeof(diff));
	assert_int_equal(diff, 3);	/* listening socket, eventfd, the connection */
	pthread_join(b->t, NULL);
	assert_int_equal(b->r.status, 200);
	assert_true(b->r.secs < 2.5);	/* EOF came without waiting for the child */
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(pfd[0]);
	close(pfd[1]);
	free(b);
	assert_int_equal(em_http__stop(s), 0);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stop_wakes_a_sleeping_handler),
		cmocka_unit_test(stop_gives_up_on_a_blocked_handler),
		cmocka_unit_test(client_going_away_cancels_the_sleep),
		cmocka_unit_test(server_threads_are_marked_and_block_signals),
		cmocka_unit_test(start_reports_one_line_errors),
		cmocka_unit_test(listens_on_other_address_forms),
		cmocka_unit_test(leaves_no_fds_behind),
		cmocka_unit_test(forget_in_a_child_closes_inherited_sockets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
