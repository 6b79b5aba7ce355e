/*
 * lease_cycle.c - measure lease-break cycles per second on the real kernel.
 *
 * Build: gcc -O2 -o lease_cycle lease_cycle.c
 * Usage: lease_cycle CYCLES [DIR]
 * Output (stdout, one line):
 *   kernel_cycles=<N> seconds=<S.ssssss> cycles_per_sec=<R.r>
 *
 * One cycle:
 *   P1 (holder) F_SETLEASE(F_WRLCK) -> tells P2 "go" (pipe) -> P2 open(O_WRONLY)
 *   blocks in the kernel's lease break -> P1 gets the lease-break signal via
 *   sigtimedwait -> P1 F_SETLEASE(F_UNLCK) -> P2's open returns -> P2 closes
 *   and tells P1 "done" (pipe) -> next cycle.
 * The signal is a realtime signal set with F_SETSIG and kept blocked, so P1
 * collects it synchronously with sigtimedwait: no handler, no latency ambiguity,
 * and P1 provably releases only after the kernel started the break.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char path[4096], tmpdir[4096];
static pid_t child = -1;

static void cleanup(void)
{
	if (child > 0) {		/* never leave the opener behind */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	if (path[0])
		unlink(path);
	if (tmpdir[0])
		rmdir(tmpdir);		/* only the directory we created */
}

static void die(const char *what)
{
	int e = errno;
	fprintf(stderr, "lease_cycle: %s: %s (%s)\n", what,
		strerrorname_np(e) ? strerrorname_np(e) : "?", strerror(e));
	cleanup();
	exit(1);
}

/* P2: wait for "go", open for write (breaks the lease), close, say "done". */
static void opener(int go, int done)
{
	char c;
	while (read(go, &c, 1) == 1) {
		int fd = open(path, O_WRONLY);	/* blocks until P1 unlocks */
		if (fd < 0)
			_exit(2);
		close(fd);	/* close before "done": next F_WRLCK needs no other opens */
		if (write(done, "d", 1) != 1)
			_exit(3);
	}
	_exit(0);		/* EOF on "go": P1 finished */
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s CYCLES [DIR]\n", argv[0]);
		return 2;
	}
	long cycles = atol(argv[1]);
	const char *dir = argv[2];
	if (!dir) {
		strcpy(tmpdir, "/tmp/lease_cycle.XXXXXX");
		if (!mkdtemp(tmpdir))
			die("mkdtemp");
		dir = tmpdir;
	}
	snprintf(path, sizeof path, "%s/lease_cycle.%d", dir, (int)getpid());
	int fd = open(path, O_CREAT | O_EXCL | O_RDONLY, 0600);
	if (fd < 0) {
		path[0] = 0;		/* not ours: do not unlink */
		die("create file");
	}

	/*
	 * Block the signal before any lease exists, so it is queued, not delivered.
	 * SIGIO is blocked too: F_SETLEASE(F_UNLCK) resets F_SETSIG to 0, and a
	 * stray default SIGIO would kill us instead of being reported.
	 */
	int sig = SIGRTMIN;
	sigset_t set, all;
	sigemptyset(&set);
	sigaddset(&set, sig);
	all = set;
	sigaddset(&all, SIGIO);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* Probe once up front so "leases unavailable" is reported clearly. */
	if (fcntl(fd, F_SETLEASE, F_WRLCK) < 0)
		die("F_SETLEASE(F_WRLCK) (leases unavailable?)");
	if (fcntl(fd, F_SETLEASE, F_UNLCK) < 0)
		die("F_SETLEASE(F_UNLCK)");

	signal(SIGPIPE, SIG_IGN);	/* a dead P2 gives EPIPE (reported), not a silent kill */
	int go[2], done[2];
	if (pipe(go) < 0 || pipe(done) < 0)
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		close(fd);		/* P2 must not hold an OFD of the file */
		close(go[1]);
		close(done[0]);
		opener(go[0], done[1]);
	}
	close(go[0]);
	close(done[1]);

	/* Timeout only guards against a hang; a normal break signals in microseconds. */
	struct timespec to = { 10, 0 }, t0, t1;
	siginfo_t si;
	char c;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < cycles; i++) {
		/* Must be redone each cycle: the kernel clears it when the lease is removed. */
		if (fcntl(fd, F_SETSIG, sig) < 0)
			die("F_SETSIG");
		if (fcntl(fd, F_SETLEASE, F_WRLCK) < 0)
			die("F_SETLEASE(F_WRLCK)");
		if (write(go[1], "g", 1) != 1)
			die("write go");
		/* Release only after the kernel tells us P2's open is breaking the lease. */
		if (sigtimedwait(&set, &si, &to) != sig)
			die("sigtimedwait (no lease-break signal)");
		if (si.si_fd != fd || si.si_code != POLL_MSG) {
			errno = EPROTO;
			die("unexpected siginfo");
		}
		if (fcntl(fd, F_SETLEASE, F_UNLCK) < 0)
			die("F_SETLEASE(F_UNLCK)");
		if (read(done[0], &c, 1) != 1) {	/* P2 closed: clean state */
			errno = EPIPE;
			die("opener failed");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	close(go[1]);		/* EOF lets P2 exit */
	int st;
	if (waitpid(child, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		child = -1;
		errno = ECHILD;
		die("opener exit status");
	}
	child = -1;
	close(fd);
	cleanup();

	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("kernel_cycles=%ld seconds=%.6f cycles_per_sec=%.1f\n", cycles, s, cycles / s);
	return 0;
}
