/*
 * pairtime: run two or more commands alternately (A B A B ...) so that both see the
 * same machine load, and print each one's median, quartiles and the ratio of
 * medians to the first. Standard output of the commands goes to /dev/null.
 * Each run is a whole process: fork, exec, dynamic loading, work, exit.
 *
 *   pairtime RUNS -- CMD_A ARGS... -- CMD_B ARGS... [-- CMD_C ...]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXCMD 8

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
run(char **argv)
{
	double t0 = now();
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	/* Exit statuses are the commands' own answers (getent says 2 for "not in
	 * /etc/services"); only a command that could not run, or crashed, stops us. */
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) == 127) {
		fprintf(stderr, "pairtime: %s did not run or crashed\n", argv[0]);
		exit(1);
	}
	return now() - t0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	char **cmds[MAXCMD];
	double *t[MAXCMD], med[MAXCMD];
	int n = 0, runs;

	if (argc < 5 || (runs = atoi(argv[1])) < 3 || runs > 100000 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: pairtime RUNS -- CMD... -- CMD...\n");
		return 2;
	}
	for (int i = 2; i < argc && n < MAXCMD; i++) {
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = NULL;
			cmds[n++] = &argv[i + 1];
		}
	}
	for (int k = 0; k < n; k++)
		if ((t[k] = calloc((size_t)runs, sizeof(double))) == NULL)
			return 1;
	for (int k = 0; k < n; k++)          /* warm the page cache */
		for (int w = 0; w < 5; w++)
			run(cmds[k]);
	for (int r = 0; r < runs; r++)
		for (int k = 0; k < n; k++)
			t[k][r] = run(cmds[k]);
	for (int k = 0; k < n; k++) {
		qsort(t[k], (size_t)runs, sizeof(double), cmp);
		med[k] = t[k][runs / 2];
		printf("%-48.48s median %8.3f ms  (q1 %.3f, q3 %.3f)  ratio %.2f\n", cmds[k][0] ?
		    cmds[k][0] : "?", med[k] * 1e3, t[k][runs / 4] * 1e3, t[k][runs * 3 / 4] * 1e3,
		    med[k] / med[0]);
	}
	return 0;
}
