/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * res-load.c - workloads with a known resource footprint for the resource
 * tracking tests; prints what it did as "key value" lines.
 *
 * USAGE
 *   res-load cpu MS              burn MS milliseconds of CPU time in one thread
 *   res-load pingpong N          N round trips over two pipes between a parent and a
 *                                child: 2N messages of 64 bytes, each waited for
 *   res-load io BYTES PATH       write BYTES to PATH with O_DIRECT in 1 MiB requests, fsync
 *   res-load faults PAGES PATH   read() PAGES pages of PATH in one call into untouched memory
 *   res-load forks N             fork N children that exit at once
 *   res-load tid TID N NAME      fork a child with process id TID (clone3 set_tid, root), named
 *                                NAME, that makes N getppid calls and exits
 * EXAMPLES
 *   res-load cpu 2000; res-load pingpong 1000; res-load io 8388608 /var/tmp/x
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define CHUNK (1 << 20)

static void die(const char *what)
{
	fprintf(stderr, "res-load: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int do_cpu(long ms)
{
	volatile unsigned long x = 0;
	double start = cpu_ms();

	while (cpu_ms() - start < (double)ms)
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i * 7;
	printf("pid %d\ncpu_ms %.0f\n", getpid(), cpu_ms() - start);
	return 0;
}

static void xfer(int fd, char *buf, int rd)
{
	ssize_t n = rd ? read(fd, buf, MSG) : write(fd, buf, MSG);

	if (n != MSG)
		die(rd ? "read" : "write");
}

static int do_pingpong(long n)
{
	int a[2], b[2], st;
	char buf[MSG] = "ping";
	pid_t child;

	if (pipe(a) < 0 || pipe(b) < 0)
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		for (long i = 0; i < n; i++) {
			xfer(a[0], buf, 1);
			xfer(b[1], buf, 0);
		}
		_exit(0);
	}
	for (long i = 0; i < n; i++) {
		xfer(a[1], buf, 0);
		xfer(b[0], buf, 1);
	}
	if (waitpid(child, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
	printf("pid %d\nchild %d\nmessages %ld\n", getpid(), child, 2 * n);
	return 0;
}

static int do_io(long bytes, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	long done = 0;
	void *buf;
	int direct = 1;

	if (fd < 0 && errno == EINVAL) {
		direct = 0;
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	}
	if (fd < 0)
		die(path);
	if (posix_memalign(&buf, 4096, CHUNK))
		die("posix_memalign");
	memset(buf, 0x5a, CHUNK);
	while (done < bytes) {
		long want = bytes - done < CHUNK ? bytes - done : CHUNK;
		ssize_t w = write(fd, buf, (size_t)want);

		if (w <= 0)
			die("write");
		done += w;
	}
	if (fsync(fd) < 0)
		die("fsync");
	close(fd);
	free(buf);
	printf("pid %d\nbytes %ld\ndirect %d\n", getpid(), done, direct);
	return 0;
}

static int do_forks(long n)
{
	long done = 0;

	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		int st;

		if (p < 0)
			die("fork");
		if (p == 0)
			_exit(0);
		if (waitpid(p, &st, 0) == p)
			done++;
	}
	printf("pid %d\nforks %ld\n", getpid(), done);
	return 0;
}

/* A child with a chosen id: what a thread id reused after an exit looks like, on demand. */
static int do_tid(long tid, long n, const char *name)
{
	pid_t want = (pid_t)tid, child;
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uint64_t)(uintptr_t)&want,
		.set_tid_size = 1,
	};
	int st;

	child = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (child < 0)
		die("clone3 with set_tid");
	if (child == 0) {
		(void)prctl(PR_SET_NAME, name, 0, 0, 0);
		for (long i = 0; i < n; i++)
			(void)syscall(SYS_getppid);
		_exit(0);
	}
	if (waitpid(child, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
	printf("pid %d\nchild %d\ncalls %ld\n", getpid(), child, n);
	return 0;
}

static int do_faults(long pages, const char *path)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)(pages * pg);
	char *src = malloc(len), *dst;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (!src || fd < 0)
		die(path);
	memset(src, 1, len);
	if (write(fd, src, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0)
		die("write");
	/* untouched, and no huge pages: one fault per page, taken inside read() */
	dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dst == MAP_FAILED)
		die("mmap");
	(void)madvise(dst, len, MADV_NOHUGEPAGE);
	n = read(fd, dst, len);
	if (n != (ssize_t)len)
		die("read");
	close(fd);
	unlink(path);
	printf("pid %d\npages %ld\n", getpid(), pages);
	return 0;
}

int main(int argc, char **argv)
{
	long v;

	if (argc < 3) {
		fprintf(stderr, "usage: res-load cpu MS | pingpong N | io BYTES PATH | faults PAGES PATH | forks N | "
			"tid TID N NAME\n");
		return 2;
	}
	v = strtol(argv[2], NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "cpu"))
		return do_cpu(v);
	if (!strcmp(argv[1], "pingpong"))
		return do_pingpong(v);
	if (!strcmp(argv[1], "forks"))
		return do_forks(v);
	if (!strcmp(argv[1], "io") && argc > 3)
		return do_io(v, argv[3]);
	if (!strcmp(argv[1], "faults") && argc > 3)
		return do_faults(v, argv[3]);
	if (!strcmp(argv[1], "tid") && argc > 4)
		return do_tid(v, strtol(argv[3], NULL, 10), argv[4]);
	fprintf(stderr, "res-load: unknown workload '%s'\n", argv[1]);
	return 2;
}
