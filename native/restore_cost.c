/*
 * restore_cost.c - what re-creating a process tree costs on this kernel: fork, open, lease, lock.
 *
 * Build: gcc -O2 -Wall -o restore_cost restore_cost.c
 * Usage: restore_cost [-d DIR] [-F FANOUT] [-b BUSY] [-r REPS] [-W WARMUPS] [-w]
 *                     -c N,FILES,LEASES,LOCKS [-c ...]
 *   -c      one configuration: N processes, each opening FILES files of its own (O_RDONLY), taking LEASES
 *           leases (F_SETLEASE on its first LEASES files) and LOCKS POSIX record locks (F_SETLK F_RDLCK,
 *           one byte each, spread over its files, never adjacent so they do not merge). Repeatable.
 *   -F      fan-out of the tree (default 4): process i forks processes i*F+1 .. i*F+F (those < N)
 *   -b      busy processes spinning on the CPU during the whole run (default 0)
 *   -r      measured repetitions per configuration (default 5); -W unreported warm-ups before them (1).
 *           The configurations take turns: repetition r of each, then repetition r + 1 of each.
 *   -w      F_WRLCK leases instead of F_RDLCK
 *   -d      where the scratch directory is made (default $TMPDIR or /tmp)
 * Output (stdout), one line per measured repetition:
 *   n=<N> files=<F> leases=<L> locks=<K> fanout=<F> busy=<B> rep=<R> ns=<NANOSECONDS>
 * Errors go to stderr; exit 1 (2 for bad usage). Everything is torn down on every path.
 *
 * One repetition: the clock (CLOCK_MONOTONIC) starts just before the first fork. Each process of the tree
 * closes the descriptors it inherited (a restored process has only its own), opens its files, takes its
 * leases and locks, forks its children (parents before children), then counts itself ready in a shared
 * counter; the last one to be ready writes one record to a pipe, and the clock stops when this process
 * reads it. Then the tree (its own process group) is killed with SIGKILL and every process reaped: this
 * process is a child subreaper, so orphaned grandchildren come back to it. A process that fails writes a
 * record naming the step and errno instead. Processes block reading a pipe whose only writer is this
 * process, so if it dies they see EOF and exit; the busy processes die with it (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONFIGS 256
#define MAX_N 30000
#define MAX_FILES 4096
#define MAX_BUSY 1024
#define READY_FD 3		/* in the tree: write end of the ready pipe */
#define RELEASE_FD 4		/* in the tree: read end of the release pipe (EOF = go away) */
#define TIMEOUT_MS 120000	/* one repetition; only a guard against a hang */

struct config { int n, files, leases, locks; };

static struct config configs[MAX_CONFIGS];
static int nconfigs, fanout = 4, busy, reps = 5, warmups = 1, lease_type = F_RDLCK;
static char dir[PATH_MAX - 64];
static int *row;		/* row[i]: how many files process i's scratch files go up to (created) */
static int rows;
static pid_t spinners[MAX_BUSY];
static int nspinners;
static pid_t tree = -1;		/* process group of the current tree, -1 when none */
static volatile sig_atomic_t stop;
static unsigned long *ready;	/* shared with the tree */

static void on_signal(int sig) { (void)sig; stop = 1; }

static void path_of(char *buf, size_t len, int proc, int file)
{
	snprintf(buf, len, "%s/p%d.f%d", dir, proc, file);
}

/* Kill the current tree and reap all of it (orphans come back to us: we are a subreaper). */
static int teardown_tree(void)
{
	int ok = 1;
	if (tree <= 0)
		return 1;
	kill(-tree, SIGKILL);
	for (;;) {
		pid_t p = waitpid(-tree, NULL, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;	/* ECHILD: none left in the group */
		}
	}
	if (kill(-tree, 0) == 0) {	/* cannot happen with a subreaper; say so if it does */
		fprintf(stderr, "restore_cost: processes of group %d survived the teardown\n", (int)tree);
		ok = 0;
	}
	tree = -1;
	return ok;
}

static void cleanup(void)
{
	char p[PATH_MAX];
	teardown_tree();
	for (int i = 0; i < nspinners; i++)
		kill(spinners[i], SIGKILL);
	for (int i = 0; i < nspinners; i++)
		while (waitpid(spinners[i], NULL, 0) < 0 && errno == EINTR)
			;
	nspinners = 0;
	if (row) {
		for (int i = 0; i < rows; i++)
			for (int j = 0; j < row[i]; j++) {
				path_of(p, sizeof p, i, j);
				unlink(p);
			}
		free(row);
		row = NULL;
	}
	if (dir[0]) {
		if (rmdir(dir) < 0)
			fprintf(stderr, "restore_cost: cannot remove %s: %s\n", dir, strerror(errno));
		dir[0] = 0;
	}
}

static void die(const char *what)
{
	int e = errno;
	fprintf(stderr, "restore_cost: %s: %s (%s)\n", what, strerrorname_np(e) ? strerrorname_np(e) : "?",
		strerror(e));
	cleanup();
	exit(1);
}

/* In a tree process: tell the measuring process what failed, then leave. */
static void member_fails(char step)
{
	unsigned char rec[2] = { (unsigned char)step, (unsigned char)(errno & 0xff) };
	if (write(READY_FD, rec, 2) != 2) {
		/* nothing more we can do */
	}
	_exit(1);
}

/* Close every descriptor from `first` on (close_range, or one by one on kernels before 5.9). */
static void close_from(int first)
{
	if (syscall(SYS_close_range, first, ~0U, 0) < 0) {
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		for (int fd = first; fd < (int)rl.rlim_cur; fd++)
			close(fd);
	}
}

/*
 * Process `idx` of the tree: its own files, leases and locks, then its children; ready; wait.
 * A forked child starts over at the top with its own index (no recursion: a deep tree needs no stack).
 */
static void member(const struct config *c, int idx) __attribute__((noreturn));
static void member(const struct config *c, int idx)
{
	char p[PATH_MAX];
	int fds[MAX_FILES];

again:
	close_from(RELEASE_FD + 1);	/* a restored process has only its own descriptors */
	for (int j = 0; j < c->files; j++) {
		path_of(p, sizeof p, idx, j);
		fds[j] = open(p, O_RDONLY);
		if (fds[j] < 0)
			member_fails('o');
	}
	for (int j = 0; j < c->leases; j++)
		if (fcntl(fds[j], F_SETLEASE, lease_type) < 0)
			member_fails('l');
	for (int j = 0; j < c->locks; j++) {
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET,
				    .l_start = 2 * (j / c->files), .l_len = 1 };
		if (fcntl(fds[j % c->files], F_SETLK, &fl) < 0)
			member_fails('k');
	}
	for (long k = (long)idx * fanout + 1; k <= (long)idx * fanout + fanout && k < c->n; k++) {
		pid_t pid = fork();
		if (pid < 0)
			member_fails('f');
		if (pid == 0) {
			idx = (int)k;
			goto again;
		}
	}
	if (__atomic_add_fetch(ready, 1, __ATOMIC_ACQ_REL) == (unsigned long)c->n) {
		unsigned char rec[2] = { 'R', 0 };
		if (write(READY_FD, rec, 2) != 2)
			_exit(1);
	}
	char b;
	while (read(RELEASE_FD, &b, 1) < 0 && errno == EINTR)
		;
	_exit(0);		/* EOF: the measuring process is gone */
}

static const char *step_name(unsigned char s)
{
	switch (s) {
	case 'o': return "open";
	case 'l': return "F_SETLEASE";
	case 'k': return "F_SETLK";
	case 'f': return "fork";
	default: return "?";
	}
}

/* One repetition: nanoseconds from the first fork until all c->n processes are ready. */
static long long one_run(const struct config *c)
{
	int rp[2], lp[2];
	if (pipe2(rp, O_CLOEXEC) < 0 || pipe2(lp, O_CLOEXEC) < 0)
		die("pipe");
	*ready = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t root = fork();
	if (root < 0)
		die("fork");
	if (root == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		/* ready write end -> 3, release read end -> 4; the other ends are closed by close_from */
		int w = fcntl(rp[1], F_DUPFD, 10), r = fcntl(lp[0], F_DUPFD, 10);
		if (w < 0 || r < 0 || dup2(w, READY_FD) < 0 || dup2(r, RELEASE_FD) < 0)
			_exit(1);
		member(c, 0);
	}
	setpgid(root, root);	/* both sides set it: no window where the group does not exist */
	tree = root;
	close(rp[1]);
	close(lp[0]);

	unsigned char rec[2];
	int got = 0;
	long long ns = -1;
	while (got < 2) {
		struct pollfd pfd = { .fd = rp[0], .events = POLLIN };
		int k = poll(&pfd, 1, TIMEOUT_MS);
		if (stop) {
			errno = EINTR;
			close(rp[0]);
			close(lp[1]);
			die("interrupted");
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ETIMEDOUT;
			close(rp[0]);
			close(lp[1]);
			die("waiting for the tree");
		}
		ssize_t m = read(rp[0], rec + got, 2 - got);
		if (m <= 0) {
			if (m < 0 && errno == EINTR)
				continue;
			errno = m == 0 ? EPIPE : errno;
			close(rp[0]);
			close(lp[1]);
			die("the tree ended before it was ready");
		}
		got += m;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rec[0] == 'R')
		ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	int ok = teardown_tree();
	close(rp[0]);
	close(lp[1]);
	if (rec[0] != 'R') {
		errno = rec[1];
		char what[128];
		snprintf(what, sizeof what, "a process of the tree failed in %s (n=%d files=%d leases=%d locks=%d)",
			 step_name(rec[0]), c->n, c->files, c->leases, c->locks);
		die(what);
	}
	if (!ok) {
		errno = EBUSY;
		die("teardown");
	}
	return ns;
}

static void spin(pid_t parent) __attribute__((noreturn));
static void spin(pid_t parent)
{
	volatile unsigned long x = 0;
	close_from(3);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(0);
	for (;;) {
		for (int i = 0; i < (1 << 22); i++)
			x++;
		if (getppid() != parent)
			_exit(0);
	}
}

static int parse_int(const char *s, int lo, int hi, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "restore_cost: %s must be a whole number from %d to %d, got '%s'\n", what, lo, hi, s);
		exit(2);
	}
	return (int)v;
}

static void usage(void)
{
	fprintf(stderr, "usage: restore_cost [-d DIR] [-F FANOUT] [-b BUSY] [-r REPS] [-W WARMUPS] [-w] "
		"-c N,FILES,LEASES,LOCKS [-c ...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *base = getenv("TMPDIR");
	int opt;
	if (!base || !*base)
		base = "/tmp";
	while ((opt = getopt(argc, argv, "d:F:b:r:W:wc:")) != -1) {
		switch (opt) {
		case 'd': base = optarg; break;
		case 'F': fanout = parse_int(optarg, 1, 1000, "fan-out"); break;
		case 'b': busy = parse_int(optarg, 0, MAX_BUSY, "busy"); break;
		case 'r': reps = parse_int(optarg, 1, 100000, "repetitions"); break;
		case 'W': warmups = parse_int(optarg, 0, 1000, "warm-ups"); break;
		case 'w': lease_type = F_WRLCK; break;
		case 'c': {
			char buf[128], *save, *tok[4];
			int k = 0;
			if (nconfigs == MAX_CONFIGS || strlen(optarg) >= sizeof buf)
				usage();
			strcpy(buf, optarg);
			for (char *t = strtok_r(buf, ",", &save); t && k < 5; t = strtok_r(NULL, ",", &save))
				if (k < 4)
					tok[k++] = t;
				else
					k = 5;
			if (k != 4)
				usage();
			struct config *c = &configs[nconfigs++];
			c->n = parse_int(tok[0], 1, MAX_N, "N");
			c->files = parse_int(tok[1], 0, MAX_FILES, "files");
			c->leases = parse_int(tok[2], 0, c->files, "leases (at most one per file)");
			c->locks = parse_int(tok[3], 0, c->files ? 1000000 : 0, "locks (none without files)");
			break;
		}
		default: usage();
		}
	}
	if (optind != argc || nconfigs == 0)
		usage();

	int maxn = 0, maxfiles = 0;
	for (int i = 0; i < nconfigs; i++) {
		maxn = configs[i].n > maxn ? configs[i].n : maxn;
		maxfiles = configs[i].files > maxfiles ? configs[i].files : maxfiles;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)maxfiles + RELEASE_FD + 16 > rl.rlim_cur) {
		fprintf(stderr, "restore_cost: %d files per process exceed the descriptor limit %lu\n", maxfiles,
			(unsigned long)rl.rlim_cur);
		return 2;
	}

	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die("PR_SET_CHILD_SUBREAPER");
	ready = mmap(NULL, sizeof *ready, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ready == MAP_FAILED)
		die("mmap");

	if (snprintf(dir, sizeof dir, "%s/restore_cost.XXXXXX", base) >= (int)sizeof dir) {
		dir[0] = 0;
		errno = ENAMETOOLONG;
		die("scratch directory");
	}
	if (!mkdtemp(dir)) {
		dir[0] = 0;
		die("mkdtemp");
	}
	/* The scratch files, outside the clock: each process i owns p<i>.f<j>. */
	row = calloc(maxn, sizeof *row);
	if (!row)
		die("calloc");
	rows = maxn;
	char p[PATH_MAX];
	for (int i = 0; i < nconfigs; i++)
		for (int k = 0; k < configs[i].n; k++)
			while (row[k] < configs[i].files) {
				if (stop) {
					errno = EINTR;
					die("interrupted");
				}
				path_of(p, sizeof p, k, row[k]);
				int fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
				if (fd < 0)
					die("create scratch file");
				row[k]++;
				close(fd);
			}

	pid_t self = getpid();
	for (int i = 0; i < busy; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork busy process");
		if (pid == 0)
			spin(self);
		spinners[nspinners++] = pid;
	}
	if (busy) {
		struct timespec settle = { 0, 50 * 1000 * 1000 };	/* let them start spinning (not measured) */
		nanosleep(&settle, NULL);
	}

	/* Round-robin: repetition r of every configuration before repetition r + 1 of any, so a slow drift of
	 * the machine (another job starting) spreads over all configurations instead of biasing some. */
	for (int r = -warmups; r < reps; r++)
		for (int i = 0; i < nconfigs; i++) {
			const struct config *c = &configs[i];
			long long ns = one_run(c);
			if (r >= 0) {
				printf("n=%d files=%d leases=%d locks=%d fanout=%d busy=%d rep=%d ns=%lld\n", c->n, c->files,
				       c->leases, c->locks, fanout, busy, r, ns);
				if (fflush(stdout) != 0)	/* the reader is gone (EPIPE): stop now */
					die("stdout");
			}
		}
	cleanup();
	return 0;
}
