/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * getppid-loop.c - N getppid system calls; prints the mean ns of CPU time
 * per call (process CPU time, so that other load on a shared machine
 * inflates it far less than wall time would).
 * USAGE: getppid-loop [N]   (default 2000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000, i;
	struct timespec a, b;
	double ns;

	if (n <= 0) {
		fprintf(stderr, "getppid-loop: N must be a positive number\n");
		return 1;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("%.1f\n", ns / (double)n);
	return 0;
}
