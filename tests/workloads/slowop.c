/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slowop.c - a steady workload with one operation whose latency is set on the
 * command line, for the end-to-end regression tests (issue 5).
 *
 * Two threads:
 *   receiver  loops on read() from a pipe nobody writes to; an interval timer
 *             (setitimer, SIGALRM every DELAY us, only this thread takes it)
 *             interrupts each read: it blocks for about DELAY and fails with
 *             EINTR. This is the operation -r slows down: ipc_receive (and the
 *             reads among syscall). (A socket receive timeout would not do:
 *             it counts in jiffies.)
 *   main      at a fixed cadence (sleep 500 us), writes 64 bytes to a pipe
 *             nobody reads (a new pipe every 512 messages, before it fills),
 *             then mmaps one page, touches it and munmaps it: ipc_send, vm_alloc
 *             and vm_free, whose cost does not depend on DELAY.
 * So `slowop -r 1000` then `slowop -r 1400` is the same workload ~30 % slower
 * in one operation, and the other operations keep their rhythm. Sleeping,
 * not spinning: on a loaded shared machine a spinning workload measures the
 * load.
 *
 * USAGE
 *   slowop [-d SECONDS] [-r DELAY_US]      (defaults: 3 s, 1000 us)
 * Prints "receives N" and "iterations N" at the end.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int rfd[2];
static volatile int stop;
static long receives;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void *receiver(void *arg)
{
	sigset_t set;
	char buf[64];

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!stop) {
		if (read(rfd[0], buf, sizeof(buf)) < 0 && errno == EINTR)
			receives++;
	}
	return NULL;
}

static void die(const char *what)
{
	fprintf(stderr, "slowop: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	double seconds = 3, end;
	long delay_us = 1000, iterations = 0;
	char msg[64] = "slowop";
	int pfd[2], c;
	struct sigaction sa;
	struct itimerval it;
	sigset_t set;
	pthread_t t;

	while ((c = getopt(argc, argv, "d:r:")) != -1) {
		switch (c) {
		case 'd': seconds = atof(optarg); break;
		case 'r': delay_us = atol(optarg); break;
		default:
			fprintf(stderr, "usage: slowop [-d SECONDS] [-r DELAY_US]\n");
			return 2;
		}
	}
	if (seconds <= 0 || delay_us < 1 || delay_us > 10000000) {
		fprintf(stderr, "slowop: -d must be > 0 and -r in 1-10000000\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: the read fails with EINTR */
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* only the receiver takes SIGALRM */
	if (pipe(rfd) < 0 || pipe(pfd) < 0)
		die("pipe");
	if (pthread_create(&t, NULL, receiver, NULL) != 0)
		die("pthread_create");
	it.it_interval.tv_sec = it.it_value.tv_sec = delay_us / 1000000;
	it.it_interval.tv_usec = it.it_value.tv_usec = delay_us % 1000000;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		die("setitimer");
	end = now_s() + seconds;
	while (now_s() < end) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 500000 };
		char *p;

		nanosleep(&ts, NULL);
		if (write(pfd[1], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
			die("write");
		if (++iterations % 512 == 0) {
			close(pfd[0]);
			close(pfd[1]);
			if (pipe(pfd) < 0)
				die("pipe");
		}
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		munmap(p, 4096);
	}
	stop = 1;
	pthread_join(t, NULL); /* the next alarm ends the receiver's last read */
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("receives %ld\niterations %ld\n", receives, iterations);
	return 0;
}
