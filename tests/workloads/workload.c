/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * workload.c - performs a known number of each kernel operation the capture
 * events cover, and prints what it did as "key value" lines, so that a test
 * can compare captured counts with ground truth.
 *
 * Every operation outside the counted ones is the same whatever the counts
 * (start-up, printing), so a run with all counts 0 is the baseline: the
 * difference between two runs is exactly what the printed numbers differ by.
 * To keep that true, threads get a caller-provided stack (no mmap by the C
 * library), forked children call _exit() at once, and nothing is allocated
 * after start-up.
 *
 * USAGE
 *   workload [-f forks] [-t threads] [-p pipe_msgs] [-u unix_msgs] [-m mmaps]
 *            [-P pages] [-g getppids] [-e failing_closes] [-s sleep_us]
 * EXAMPLES
 *   workload -f 20 -t 20 -p 100 -u 100 -m 50 -P 256 -g 1000 -e 10 -s 2000
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 64
#define THREAD_STACK (256 * 1024)

static char thread_stack[THREAD_STACK] __attribute__((aligned(4096)));

struct done {
	long task_create, task_terminate, thread_create, thread_terminate;
	long ipc_send, ipc_receive, vm_alloc, vm_free, pages_touched;
	long switches_at_least, getppid, close_errors, sleep_ns, sleep_wall_ns;
};

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void *thread_main(void *arg)
{
	return arg;
}

static void do_forks(long n, struct done *d)
{
	long i;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &st, 0) < 0)
			die("waitpid");
		d->task_create++;
		d->task_terminate++;
	}
}

static void do_threads(long n, struct done *d)
{
	pthread_attr_t attr;
	long i;

	if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, thread_stack, sizeof(thread_stack)))
		die("pthread_attr");
	for (i = 0; i < n; i++) {
		pthread_t t;

		errno = pthread_create(&t, &attr, thread_main, NULL);
		if (errno)
			die("pthread_create");
		errno = pthread_join(t, NULL);
		if (errno)
			die("pthread_join");
		d->thread_create++;
		d->thread_terminate++;
	}
	pthread_attr_destroy(&attr);
}

static void xwrite(int fd, const char *buf, int use_send)
{
	ssize_t r = use_send ? send(fd, buf, MSG_LEN, 0) : write(fd, buf, MSG_LEN);

	if (r != MSG_LEN)
		die("write");
}

static void xread(int fd, char *buf, int use_recv)
{
	ssize_t r = use_recv ? recv(fd, buf, MSG_LEN, MSG_WAITALL) : read(fd, buf, MSG_LEN);

	if (r != MSG_LEN)
		die("read");
}

/*
 * Ping-pong with a child: n messages each way, one in flight at a time, so
 * every read returns exactly one message and both sides block (switch) on
 * every round. Pipes use read/write, Unix sockets send/recv.
 */
static void do_pingpong(long n, int unix_socket, struct done *d)
{
	int to_child[2], to_parent[2], st;
	char buf[MSG_LEN];
	pid_t pid;
	long i;

	if (n <= 0)
		return;
	memset(buf, 'x', sizeof(buf));
	if (unix_socket) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			die("socketpair");
		to_child[0] = sv[1];
		to_child[1] = sv[0];
		to_parent[0] = sv[0];
		to_parent[1] = sv[1];
	} else if (pipe(to_child) < 0 || pipe(to_parent) < 0) {
		die("pipe");
	}
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		for (i = 0; i < n; i++) {
			xread(to_child[0], buf, unix_socket);
			xwrite(to_parent[1], buf, unix_socket);
		}
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		xwrite(to_child[1], buf, unix_socket);
		xread(to_parent[0], buf, unix_socket);
	}
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	close(to_child[0]);
	close(to_child[1]);
	if (!unix_socket) {
		close(to_parent[0]);
		close(to_parent[1]);
	}
	d->task_create++;
	d->task_terminate++;
	d->ipc_send += 2 * n;
	d->ipc_receive += 2 * n;
	d->switches_at_least += 2 * n;
}

static void do_mmaps(long n, struct done *d)
{
	long i;

	for (i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		if (munmap(p, 4096) < 0)
			die("munmap");
		d->vm_alloc++;
		d->vm_free++;
	}
}

static void do_touch(long pages, struct done *d)
{
	long page = sysconf(_SC_PAGESIZE), i;
	volatile char *p;

	if (pages <= 0)
		return;
	p = mmap(NULL, (size_t)(pages * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	for (i = 0; i < pages; i++)
		p[i * page] = 1;
	if (munmap((void *)p, (size_t)(pages * page)) < 0)
		die("munmap");
	d->vm_alloc++;
	d->vm_free++;
	d->pages_touched += pages;
}

int main(int argc, char **argv)
{
	long forks = 0, threads = 0, pipes = 0, unixes = 0, mmaps = 0, pages = 0, getppids = 0, closes = 0;
	long sleep_us = 0, i;
	struct done d = { 0 };
	int opt;

	while ((opt = getopt(argc, argv, "f:t:p:u:m:P:g:e:s:")) != -1) {
		long v;
		char *end;

		errno = 0;
		v = strtol(optarg, &end, 10);
		if (errno || *end || v < 0) {
			fprintf(stderr, "workload: -%c needs a non-negative number, not '%s'\n", opt, optarg);
			return 1;
		}
		switch (opt) {
		case 'f': forks = v; break;
		case 't': threads = v; break;
		case 'p': pipes = v; break;
		case 'u': unixes = v; break;
		case 'm': mmaps = v; break;
		case 'P': pages = v; break;
		case 'g': getppids = v; break;
		case 'e': closes = v; break;
		case 's': sleep_us = v; break;
		default:
			fprintf(stderr, "usage: workload [-f forks] [-t threads] [-p pipe_msgs] [-u unix_msgs] "
				"[-m mmaps] [-P pages] [-g getppids] [-e failing_closes] [-s sleep_us]\n");
			return 1;
		}
	}
	/* settle stdout's buffer now, so printing costs the same in every run */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	do_forks(forks, &d);
	do_threads(threads, &d);
	do_pingpong(pipes, 0, &d);
	do_pingpong(unixes, 1, &d);
	do_mmaps(mmaps, &d);
	do_touch(pages, &d);
	for (i = 0; i < getppids; i++)
		(void)syscall(SYS_getppid);
	d.getppid = getppids;
	for (i = 0; i < closes; i++)
		if (close(-1) == 0 || errno != EBADF)
			die("close(-1) did not fail with EBADF");
	d.close_errors = closes;
	if (sleep_us) {
		struct timespec ts = { sleep_us / 1000000, (sleep_us % 1000000) * 1000 }, t0, t1;

		/* the wall time around the call bounds what the kernel may report for it,
		 * however late a loaded machine wakes us */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		d.sleep_ns = sleep_us * 1000;
		d.sleep_wall_ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
	}

	printf("task_create %ld\ntask_terminate %ld\nthread_create %ld\nthread_terminate %ld\n",
	       d.task_create, d.task_terminate, d.thread_create, d.thread_terminate);
	printf("ipc_send %ld\nipc_receive %ld\nvm_alloc %ld\nvm_free %ld\npages_touched %ld\n",
	       d.ipc_send, d.ipc_receive, d.vm_alloc, d.vm_free, d.pages_touched);
	printf("switches_at_least %ld\ngetppid %ld\nclose_errors %ld\nsleep_ns %ld\nsleep_wall_ns %ld\n",
	       d.switches_at_least, d.getppid, d.close_errors, d.sleep_ns, d.sleep_wall_ns);
	return fflush(stdout) ? 2 : 0;
}
