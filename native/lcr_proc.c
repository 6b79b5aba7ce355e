/*
 * lcr_proc.c - one emulated process on the real kernel, driven over a UNIX socket.
 *
 * Build: gcc -O2 -Wall -Wextra -o lcr_proc lcr_proc.c -lpthread
 * Usage: lcr_proc SOCKET_PATH NAME
 *
 * Connects to SOCKET_PATH, moves the connection to fd 100 (so the first open()
 * returns 3, as in the emulator), says "T hello NAME PID" and then runs one
 * command line at a time, answering each with "T ret CALL RESULT ERRNO TSTART"
 * (T = CLOCK_MONOTONIC ns, ERRNO = errno name or "-", TSTART = when the command was taken;
 * a reaction's ret line has no TSTART):
 *   open PATH FLAGS | close FD | dup FD | truncate PATH | ftruncate FD
 *   setlease FD ARG | getlease FD | setsig FD SIG        (answered "ret fcntl")
 *   setlk FD CMD TYPE START LEN [LPID]   fcntl(FD, CMD, &flock) with CMD F_GETLK/F_SETLK/F_SETLKW or
 *                                 F_OFD_GETLK/F_OFD_SETLK/F_OFD_SETLKW as numbers, SEEK_SET, l_pid LPID
 *                                 (default 0); answered "ret fcntl", (OFD_)GETLK's result being l_type and
 *                                 its ret line ending "lk L_WHENCE L_START L_LEN L_PID" (the struct it got back)
 *   flock FD OP                   flock(FD, OP); answered "ret flock"
 *   dup2 FD NEWFD | dup3 FD NEWFD FLAGS       answered "ret dup2" / "ret dup3"
 *   fdcntl FD CMD ARG             fcntl(FD, CMD, ARG) for F_DUPFD (0), F_GETFD (1), F_SETFD (2),
 *                                 F_DUPFD_CLOEXEC (1030); answered "ret fcntl"
 *   execve                        execs this program again on the same connection ("ret execve" comes
 *                                 from the new image): FD_CLOEXEC fds close, handlers go back to default
 *   sigaction SIG default|ignore|handler|restart
 *   sigprocmask HOW MASK          pthread_sigmask of the main thread (HOW 0 block, 1 unblock, 2 setmask; MASK
 *                                 unsigned decimal, bit SIG-1; SIGCHLD stays the harness's); pending signals it
 *                                 unblocks are handled before "ret sigprocmask"
 *   sigwait MASK TIMEOUT_NS       sigtimedwait (TIMEOUT_NS >= 0) or sigwaitinfo (-1); answered
 *                                 "T ret sigtimedwait|sigwaitinfo SIGNO ERRNO TSTART si SICODE SIFD"
 *   reaction SIG release|downgrade|close|nothing DELAY_NS FD
 *   identity UID CAPLEASE | fork CHILDNAME | exit STATUS
 * Asynchronous lines: "T sig SIGNO SICODE SIFD MODE", "T react ACTION FD DUE"
 * (followed by its "ret" line, written in the same write), "T child PID exit
 * STATUS" / "T child PID signal SIGNO", and "T exit STATUS" before _exit.
 *
 * Threads: the main thread runs the commands and takes every signal; the
 * reaction thread blocks all signals and runs delayed reactions at their
 * deadline. Every line (or react+ret pair) is one send() on the stream socket,
 * so lines from the two threads and the handlers never interleave.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SOCK_FD		100	/* connection to the driver */
#define JOB_RD		101	/* handler -> reaction thread pipe */
#define JOB_WR		102
#define MAX_FD		1024	/* lease-fd set size */
#define MAX_REACT	256
#define MAX_JOBS	1024
#define NSIGS		65	/* signals 1..64 */
#define MAX_GROUPS	256

enum { A_RELEASE, A_DOWNGRADE, A_CLOSE, A_NOTHING, A_STOP };
static const char *const act_names[] = { "release", "downgrade", "close", "nothing" };

enum { M_OTHER, M_HANDLER, M_RESTART };

struct reaction {
	int sig, action, fd;
	long long delay;
};

/* A delayed reaction on its way to (or waiting in) the reaction thread. */
struct job {
	long long due;
	int action;
	int fd;		/* explicit fd, si_fd, or -2: lowest lease fd at due time */
};

struct line {
	char b[512];
	size_t n;
};

static const char *sock_path;
static struct reaction reactions[MAX_REACT];
static volatile sig_atomic_t nreactions;
static volatile sig_atomic_t sig_mode[NSIGS];
static volatile unsigned char lease_fd[MAX_FD];
static struct job jobs[MAX_JOBS];	/* owned by the reaction thread */
static int njobs;
static pthread_t rthread;
static gid_t groups0[MAX_GROUPS];
static int ngroups0;
static char ibuf[16384];
static long long cur_uid, cur_cap = 1;	/* the identity, kept across execve */
static size_t ilen, iskip;	/* bytes buffered; bytes of the line in use */

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- line formatting: async-signal-safe, no stdio ---- */

static void put_s(struct line *l, const char *s)
{
	while (*s && l->n < sizeof(l->b) - 2)
		l->b[l->n++] = *s++;
}

static void put_d(struct line *l, long long v)
{
	char t[24];
	int i = 0;
	unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;

	if (v < 0)
		put_s(l, "-");
	do
		t[i++] = '0' + u % 10;
	while ((u /= 10));
	while (i && l->n < sizeof(l->b) - 2)
		l->b[l->n++] = t[--i];
}

/* Starts a report line: "T KEYWORD". */
static void begin(struct line *l, long long t, const char *kw)
{
	l->n = 0;
	put_d(l, t);
	put_s(l, " ");
	put_s(l, kw);
}

static void end(struct line *l)
{
	l->b[l->n++] = '\n';
}

/* glibc's strerrorname_np is a table lookup: safe in a handler in practice. */
static const char *errname(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "EUNKNOWN";
}

/* " R ERR" of a ret line from a syscall result and the errno it left. */
static void put_res(struct line *l, long long r, int e)
{
	put_s(l, " ");
	put_d(l, r);
	put_s(l, " ");
	put_s(l, r < 0 ? errname(e) : "-");
	end(l);
}

/*
 * One send() per line: AF_UNIX stream sends this small are queued as one
 * skb, so writers on different threads cannot interleave inside a line.
 * MSG_NOSIGNAL: a gone driver must not be confused with a real SIGPIPE.
 */
static void send_raw(const char *b, size_t n)
{
	while (n) {
		ssize_t r = send(SOCK_FD, b, n, MSG_NOSIGNAL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			_exit(0);	/* driver gone: nobody to serve */
		}
		b += r;
		n -= r;
	}
}

/* From the main thread: keep handlers from writing while we are in send(). */
static void send_main(struct line *l)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	send_raw(l->b, l->n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* When the main thread took the command it is running: ret lines carry it, so the driver can measure
 * how late this process got to run each call (its scheduling delay under load). */
static long long cmd_start;

static void reply_info(const char *call, long long r, int e, const siginfo_t *si, const struct flock *fl)
{
	struct line l;

	begin(&l, mono_ns(), "ret ");
	put_s(&l, call);
	put_s(&l, " ");
	put_d(&l, r);
	put_s(&l, " ");
	put_s(&l, r < 0 ? errname(e) : "-");
	put_s(&l, " ");
	put_d(&l, cmd_start);
	if (fl) {		/* what F_GETLK wrote back into the struct */
		put_s(&l, " lk ");
		put_d(&l, fl->l_whence);
		put_s(&l, " ");
		put_d(&l, fl->l_start);
		put_s(&l, " ");
		put_d(&l, fl->l_len);
		put_s(&l, " ");
		put_d(&l, fl->l_pid);
	}
	if (si) {		/* the siginfo a sigtimedwait took: si_fd only where the kernel sets it */
		put_s(&l, " si ");
		put_d(&l, si->si_code);
		put_s(&l, " ");
		put_d(&l, si->si_code == POLL_MSG ? si->si_fd : -1);
	}
	end(&l);
	send_main(&l);
}

static void reply(const char *call, long long r, int e)
{
	reply_info(call, r, e, NULL, NULL);
}

/* A mask from the driver (bit SIG-1) as a sigset; SIGCHLD is the harness's own (it reaps the children). */
static int mask_of(const char *text, sigset_t *set)
{
	char *end;
	unsigned long long m;

	errno = 0;
	m = strtoull(text, &end, 10);
	if (errno || *end)
		return -1;
	sigemptyset(set);
	for (int s = 1; s < NSIGS; s++)
		if (s != SIGCHLD && (m >> (s - 1)) & 1)
			sigaddset(set, s);
	return 0;
}

/* ---- the lease-fd set (fds this process took a lease through) ---- */

/* The driver's connection and the job pipe are invisible to the scenario. */
static int hidden_fd(long long fd)
{
	return fd >= SOCK_FD && fd <= JOB_WR;
}

static void lease_set(int fd, int on)
{
	if (fd >= 0 && fd < MAX_FD)
		lease_fd[fd] = on;
}

static int lowest_lease_fd(void)
{
	for (int fd = 0; fd < MAX_FD; fd++)
		if (lease_fd[fd])
			return fd;
	return -1;
}

/* F_SETLEASE, keeping the set as the emulator does: add on RD/WR, drop on UNLCK. */
static int do_setlease(int fd, long long arg, int *err)
{
	int r;

	if (hidden_fd(fd)) {
		*err = EBADF;
		return -1;
	}
	r = fcntl(fd, F_SETLEASE, (int)arg);
	*err = errno;
	if (r == 0)
		lease_set(fd, arg != F_UNLCK);
	return r;
}

static int do_close(int fd, int *err)
{
	int r;

	if (hidden_fd(fd)) {
		*err = EBADF;
		return -1;
	}
	r = close(fd);
	*err = errno;
	lease_set(fd, 0);
	return r;
}

/*
 * Runs one reaction and reports it as "react" + "ret" in a single send, so no
 * other line (main thread, other thread) can come between the pair.
 * Called from handlers (main thread) and the reaction thread.
 */
static void run_reaction(int action, int fd, long long due)
{
	struct line l;
	int r, e = 0;

	if (fd == -2)
		fd = lowest_lease_fd();
	begin(&l, mono_ns(), "react ");
	put_s(&l, act_names[action]);
	put_s(&l, " ");
	put_d(&l, fd);
	put_s(&l, " ");
	put_d(&l, due);	/* when it was due: the driver measures how late it ran */
	end(&l);
	switch (action) {
	case A_RELEASE:
	case A_DOWNGRADE:
		r = do_setlease(fd, action == A_RELEASE ? F_UNLCK : F_RDLCK, &e);
		put_d(&l, mono_ns());
		put_s(&l, " ret fcntl");
		put_res(&l, r, e);
		break;
	case A_CLOSE:
		r = do_close(fd, &e);
		put_d(&l, mono_ns());
		put_s(&l, " ret close");
		put_res(&l, r, e);
		break;
	default:
		break;		/* nothing: the react line alone, no call */
	}
	send_raw(l.b, l.n);
}

/* ---- signal handlers ---- */

/* How many times a scenario's handler has run: a wait interrupted by none of them was interrupted by the harness's. */
static volatile sig_atomic_t handled;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	long long now = mono_ns();
	int sifd = si->si_code == POLL_MSG ? si->si_fd : -1;
	struct line l;

	(void)uc;
	handled++;
	begin(&l, now, "sig ");
	put_d(&l, sig);
	put_s(&l, " ");
	put_d(&l, si->si_code);
	put_s(&l, " ");
	put_d(&l, sifd);
	put_s(&l, sig_mode[sig] == M_RESTART ? " restart" : " handler");
	end(&l);
	send_raw(l.b, l.n);

	for (int i = 0; i < nreactions; i++) {
		struct reaction *r = &reactions[i];
		/* si_fd is fixed now; the lease-set fallback is looked up when due */
		int fd = r->fd >= 0 ? r->fd : sifd >= 0 ? sifd : -2;

		if (r->sig != sig)
			continue;
		if (r->delay <= 0) {
			run_reaction(r->action, fd, now);
		} else {
			struct job j = { now + r->delay, r->action, fd };

			if (write(JOB_WR, &j, sizeof(j)) != sizeof(j))
				(void)!write(2, "lcr_proc: reaction pipe full\n", 29);
		}
	}
	errno = saved;
}

/* Harness-internal: reap and report children, never a "sig" line. */
static void on_child(int sig, siginfo_t *si, void *uc)
{
	int saved = errno, st;
	pid_t p;
	struct line l;

	(void)sig;
	(void)si;
	(void)uc;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		begin(&l, mono_ns(), "child ");
		put_d(&l, p);
		if (WIFSIGNALED(st)) {
			put_s(&l, " signal ");
			put_d(&l, WTERMSIG(st));
		} else {
			put_s(&l, " exit ");
			put_d(&l, WEXITSTATUS(st));
		}
		end(&l);
		send_raw(l.b, l.n);
	}
	errno = saved;
}

/* ---- the reaction thread ---- */

static void add_job(struct job j)
{
	int i = njobs;

	if (njobs == MAX_JOBS) {
		fprintf(stderr, "lcr_proc: too many pending reactions\n");
		return;
	}
	while (i > 0 && jobs[i - 1].due > j.due)	/* stable: equal deadlines keep order */
		i--;
	memmove(&jobs[i + 1], &jobs[i], (njobs - i) * sizeof(jobs[0]));
	jobs[i] = j;
	njobs++;
}

static void *reaction_thread(void *unused)
{
	(void)unused;
	for (;;) {
		struct pollfd p = { JOB_RD, POLLIN, 0 };
		struct timespec ts, *tp = NULL;
		struct job j;

		if (njobs) {
			long long d = jobs[0].due - mono_ns();

			if (d < 0)
				d = 0;
			ts.tv_sec = d / 1000000000LL;
			ts.tv_nsec = d % 1000000000LL;
			tp = &ts;
		}
		if (ppoll(&p, 1, tp, NULL) > 0) {
			while (read(JOB_RD, &j, sizeof(j)) == sizeof(j)) {
				if (j.action == A_STOP)
					return NULL;	/* jobs[] stays for the next thread */
				add_job(j);
			}
		}
		while (njobs) {
			long long now = mono_ns();

			if (jobs[0].due > now + 2000000)
				break;	/* not yet: back to watching the pipe */
			if (jobs[0].due > now) {
				ts.tv_sec = jobs[0].due / 1000000000LL;
				ts.tv_nsec = jobs[0].due % 1000000000LL;
				while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
					;
			}
			j = jobs[0];
			njobs--;
			memmove(&jobs[0], &jobs[1], njobs * sizeof(jobs[0]));
			run_reaction(j.action, j.fd, j.due);
		}
	}
}

/* The thread starts with every signal blocked, so signals go to the main thread. */
static void start_thread(void)
{
	sigset_t all, old;
	int e;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&rthread, NULL, reaction_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		fprintf(stderr, "lcr_proc: pthread_create: %s\n", strerror(e));
		_exit(1);
	}
}

static void stop_thread(void)
{
	struct job j = { 0, A_STOP, 0 };

	if (write(JOB_WR, &j, sizeof(j)) != sizeof(j)) {
		fprintf(stderr, "lcr_proc: cannot stop the reaction thread\n");
		_exit(1);
	}
	pthread_join(rthread, NULL);
}

/* ---- set-up helpers ---- */

static void move_fd(int from, int to)
{
	if (from == to)
		return;
	if (dup3(from, to, O_CLOEXEC) < 0) {
		perror("lcr_proc: dup3");
		_exit(1);
	}
	close(from);
}

static void make_job_pipe(void)
{
	int p[2], w;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
		perror("lcr_proc: pipe2");
		_exit(1);
	}
	/* park the write end above both slots: the read end may sit on JOB_WR */
	w = fcntl(p[1], F_DUPFD_CLOEXEC, JOB_WR + 1);
	close(p[1]);
	move_fd(p[0], JOB_RD);
	move_fd(w, JOB_WR);
}

/*
 * Connects to the driver and puts the connection on SOCK_FD. A process that
 * switched to another fsuid connects as fsuid 0 (the socket is root's), then
 * switches back: the euid stayed 0, so that is allowed.
 */
static void connect_driver(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fsuid = setfsuid(-1), s;

	if (strlen(sock_path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "lcr_proc: socket path too long\n");
		_exit(1);
	}
	strcpy(a.sun_path, sock_path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		perror("lcr_proc: socket");
		_exit(1);
	}
	setfsuid(0);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("lcr_proc: connect");
		_exit(1);
	}
	setfsuid(fsuid);
	move_fd(s, SOCK_FD);	/* closes a parent's connection in a fork child */
}

static void hello(const char *name)
{
	struct line l;

	begin(&l, mono_ns(), "hello ");
	put_s(&l, name);
	put_s(&l, " ");
	put_d(&l, getpid());
	end(&l);
	send_main(&l);
}

/* A known state, as in the emulator: every signal default and unblocked. */
static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int s = 1; s < NSIGS; s++)
		sigaction(s, &sa, NULL);	/* fails harmlessly for KILL, STOP, 32, 33 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_child;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigfillset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- commands ---- */

/* Whole-token decimal number; 0 on a malformed one. */
static int num(const char *s, long long *v)
{
	char *e;

	if (!s || !*s)
		return 0;
	errno = 0;
	*v = strtoll(s, &e, 10);
	return !*e && !errno;
}

static int split(char *s, char **f, int max)
{
	int n = 0;

	while (n < max && s && *s) {
		f[n++] = s;
		s = strchr(s, ' ');
		if (s)
			*s++ = 0;
	}
	return n;
}

static void cmd_fork(const char *name)
{
	sigset_t all, old;
	pid_t p;
	int e;

	/* No handler may write to the parent's connection from the child. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	p = fork();
	e = errno;
	if (p == 0) {
		ilen = iskip = 0;	/* read-ahead belongs to the parent's connection */
		njobs = 0;	/* the parent's delayed reactions stay the parent's */
		connect_driver();
		hello(name);
		close(JOB_RD);
		close(JOB_WR);
		make_job_pipe();
		start_thread();
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	reply("fork", p, e);
}

static void cmd_sigaction(long long sig, const char *mode)
{
	struct sigaction sa;
	int m, r;

	memset(&sa, 0, sizeof(sa));
	if (!strcmp(mode, "default")) {
		sa.sa_handler = SIG_DFL;
		m = M_OTHER;
	} else if (!strcmp(mode, "ignore")) {
		sa.sa_handler = SIG_IGN;
		m = M_OTHER;
	} else if (!strcmp(mode, "handler") || !strcmp(mode, "restart")) {
		sa.sa_sigaction = on_signal;
		sa.sa_flags = SA_SIGINFO;
		m = M_HANDLER;
		if (mode[0] == 'r') {
			sa.sa_flags |= SA_RESTART;
			m = M_RESTART;
		}
		sigfillset(&sa.sa_mask);	/* handlers never nest: lines stay ordered */
	} else {
		reply("sigaction", -1, EINVAL);
		return;
	}
	if (sig == SIGCHLD) {
		reply("sigaction", 0, 0);	/* harness-internal: keep reaping */
		return;
	}
	if (sig < 1 || sig >= NSIGS) {
		reply("sigaction", -1, EINVAL);
		return;
	}
	sig_mode[sig] = m;	/* before the handler can run */
	r = sigaction(sig, &sa, NULL);
	reply("sigaction", r, errno);
}

static void cmd_reaction(char **f, int n)
{
	long long sig, delay, fd;
	int a;
	sigset_t all, old;

	for (a = 0; a < A_STOP; a++)
		if (n == 5 && !strcmp(f[2], act_names[a]))
			break;
	if (n != 5 || a == A_STOP || !num(f[1], &sig) || !num(f[3], &delay) ||
	    !num(f[4], &fd) || nreactions == MAX_REACT) {
		reply("reaction", -1, EINVAL);
		return;
	}
	/* a handler walking the table must see whole entries only */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	reactions[nreactions] = (struct reaction){ (int)sig, a, (int)fd, delay };
	nreactions++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	reply("reaction", 0, 0);
}

/* Raw capget/capset: per-thread, no libcap needed. */
static int cap_lease(int on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	unsigned int bit = 1u << (CAP_LEASE % 32);

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	if (on)
		d[CAP_LEASE / 32].effective |= bit;	/* EPERM if not permitted */
	else
		d[CAP_LEASE / 32].effective &= ~bit;	/* permitted keeps it: reversible */
	return syscall(SYS_capset, &h, d);
}

/*
 * fsuid/fsgid decide F_SETLEASE's ownership check and file access; the euid
 * stays 0 so a fork child can still connect to the driver's socket and a
 * later "identity 0 1" can go back. CAP_LEASE is toggled in the effective set,
 * which is what capable() checks. These are per-thread credentials, so the
 * reaction thread is restarted to inherit them.
 */
static void cmd_identity(long long uid, long long caplease)
{
	int r = 0, e = 0;

	if (uid < 0 || uid > 0xfffffffeLL) {
		reply("identity", -1, EINVAL);
		return;
	}
	stop_thread();
	if (setgroups(uid ? 0 : ngroups0, groups0) < 0) {
		r = -1;
		e = errno;
	}
	setfsgid(uid);
	setfsuid(uid);
	if (!r && ((uid_t)setfsuid(-1) != (uid_t)uid || (gid_t)setfsgid(-1) != (gid_t)uid)) {
		r = -1;
		e = EPERM;
	}
	if (!r && cap_lease(caplease != 0) < 0) {
		r = -1;
		e = errno;
	}
	if (!r) {
		cur_uid = uid;
		cur_cap = caplease != 0;
	}
	start_thread();
	reply("identity", r, e);
}


/* The program's path, its name, and this process's scenario name: what an execve starts again. */
static char self_name[128];

/*
 * execve of this program, as a scenario's execve step: the connection survives (its FD_CLOEXEC is cleared for
 * the exec), the new image learns its identity, lease fds and the command's start from argv, and answers
 * "ret execve 0" itself. The kernel does the rest: FD_CLOEXEC fds close, handlers go back to SIG_DFL, ignored
 * signals stay ignored, the mask stays, the reaction thread is gone.
 */
static void cmd_execve(void)
{
	char uid[24], cap[24], start[24], fds[4096];
	size_t n = 0;
	static char ahead[sizeof(ibuf) + 1];
	char *argv[] = { "lcr_proc", (char *)sock_path, self_name, "--exec", uid, cap, fds, start, ahead, NULL };
	int e;

	/* commands already read behind this one go to the new image too */
	memcpy(ahead, ibuf + iskip, ilen - iskip);
	ahead[ilen - iskip] = 0;

	snprintf(uid, sizeof(uid), "%lld", cur_uid);
	snprintf(cap, sizeof(cap), "%lld", cur_cap);
	snprintf(start, sizeof(start), "%lld", cmd_start);
	fds[0] = 0;
	for (int fd = 0; fd < MAX_FD && n + 12 < sizeof(fds); fd++)
		if (lease_fd[fd])
			n += snprintf(fds + n, sizeof(fds) - n, "%s%d", n ? "," : "", fd);
	if (!n)
		strcpy(fds, "-");
	stop_thread();
	fcntl(SOCK_FD, F_SETFD, 0);
	execv("/proc/self/exe", argv);
	e = errno;
	fcntl(SOCK_FD, F_SETFD, FD_CLOEXEC);
	start_thread();
	reply("execve", -1, e);
}

static void command(char *line)
{
	char *f[7];
	long long a, b;
	int n, r, e;

	if (!strncmp(line, "open ", 5) || !strncmp(line, "truncate ", 9)) {
		/* PATH may hold spaces: it runs up to the last field */
		int is_open = line[0] == 'o';
		char *path = strchr(line, ' ') + 1, *fl = NULL;

		if (is_open) {
			fl = strrchr(path, ' ');
			if (!fl || !num(fl + 1, &a)) {
				reply("open", -1, EINVAL);
				return;
			}
			*fl = 0;
			r = open(path, (int)a, 0644);
			e = errno;
			reply("open", r, e);
		} else {
			r = truncate(path, 0);
			e = errno;
			reply("truncate", r, e);
		}
		return;
	}

	n = split(line, f, 7);
	if (n == 0) {
		reply("unknown", -1, EINVAL);
		return;
	}
	if (!strcmp(f[0], "close") && n == 2 && num(f[1], &a)) {
		r = do_close((int)a, &e);
		reply("close", r, e);
	} else if (!strcmp(f[0], "ftruncate") && n == 2 && num(f[1], &a)) {
		r = hidden_fd(a) ? (errno = EBADF, -1) : ftruncate((int)a, 0);
		reply("ftruncate", r, errno);
	} else if (!strcmp(f[0], "dup") && n == 2 && num(f[1], &a)) {
		r = hidden_fd(a) ? (errno = EBADF, -1) : dup((int)a);
		reply("dup", r, errno);
	} else if (!strcmp(f[0], "setlease") && n == 3 && num(f[1], &a) && num(f[2], &b)) {
		r = do_setlease((int)a, b, &e);
		reply("fcntl", r, e);
	} else if (!strcmp(f[0], "getlease") && n == 2 && num(f[1], &a)) {
		r = hidden_fd(a) ? (errno = EBADF, -1) : fcntl((int)a, F_GETLEASE);
		reply("fcntl", r, errno);
	} else if (!strcmp(f[0], "setsig") && n == 3 && num(f[1], &a) && num(f[2], &b)) {
		r = hidden_fd(a) ? (errno = EBADF, -1) : fcntl((int)a, F_SETSIG, (int)b);
		reply("fcntl", r, errno);
	} else if (!strcmp(f[0], "setlk") && (n == 6 || n == 7) && num(f[1], &a) && num(f[2], &b)) {
		long long type, start, len, lpid = 0;
		struct flock fl;

		if (!num(f[3], &type) || !num(f[4], &start) || !num(f[5], &len) || (n == 7 && !num(f[6], &lpid))) {
			reply("fcntl", -1, EINVAL);
			return;
		}
		memset(&fl, 0, sizeof(fl));
		fl.l_type = (short)type;
		fl.l_whence = SEEK_SET;
		fl.l_start = (off_t)start;
		fl.l_len = (off_t)len;
		fl.l_pid = (pid_t)lpid;	/* the F_OFD_* commands want 0 (EINVAL otherwise) */
		/* F_SETLKW may sleep; a handled signal without SA_RESTART ends it with EINTR, not retried here */
		r = hidden_fd(a) ? (errno = EBADF, -1) : fcntl((int)a, (int)b, &fl);
		e = errno;
		if (r == 0 && (b == F_GETLK || b == F_OFD_GETLK)) {
			r = fl.l_type;	/* what F_GETLK found: F_UNLCK when nothing conflicts */
			reply_info("fcntl", r, e, NULL, &fl);
			return;
		}
		reply("fcntl", r, e);
	} else if (!strcmp(f[0], "flock") && n == 3 && num(f[1], &a) && num(f[2], &b)) {
		/* may sleep like F_SETLKW; EINTR unless SA_RESTART */
		r = hidden_fd(a) ? (errno = EBADF, -1) : flock((int)a, (int)b);
		reply("flock", r, errno);
	} else if (!strcmp(f[0], "dup2") && n == 3 && num(f[1], &a) && num(f[2], &b)) {
		r = hidden_fd(a) || hidden_fd(b) ? (errno = EBADF, -1) : dup2((int)a, (int)b);
		e = errno;
		if (r >= 0 && a != b)
			lease_set((int)b, 0);	/* newfd was closed: a lease taken through it is not this fd's */
		reply("dup2", r, e);
	} else if (!strcmp(f[0], "dup3") && n == 4 && num(f[1], &a) && num(f[2], &b)) {
		long long fl;

		if (!num(f[3], &fl)) {
			reply("dup3", -1, EINVAL);
			return;
		}
		r = hidden_fd(a) || hidden_fd(b) ? (errno = EBADF, -1) : dup3((int)a, (int)b, (int)fl);
		e = errno;
		if (r >= 0)
			lease_set((int)b, 0);
		reply("dup3", r, e);
	} else if (!strcmp(f[0], "fdcntl") && n == 4 && num(f[1], &a) && num(f[2], &b)) {
		long long arg;

		if (!num(f[3], &arg) || (b != F_DUPFD && b != F_GETFD && b != F_SETFD && b != F_DUPFD_CLOEXEC)) {
			reply("fcntl", -1, EINVAL);
			return;
		}
		r = hidden_fd(a) ? (errno = EBADF, -1) : fcntl((int)a, (int)b, (long)arg);
		reply("fcntl", r, errno);
	} else if (!strcmp(f[0], "execve") && n == 1) {
		cmd_execve();
	} else if (!strcmp(f[0], "sigprocmask") && n == 3 && num(f[1], &a)) {
		sigset_t set;
		int how = a == 0 ? SIG_BLOCK : a == 1 ? SIG_UNBLOCK : SIG_SETMASK;

		if (mask_of(f[2], &set) < 0 || a < 0 || a > 2) {
			reply("sigprocmask", -1, EINVAL);
			return;
		}
		r = pthread_sigmask(how, &set, NULL);	/* unblocked pending signals are handled here */
		reply("sigprocmask", r ? -1 : 0, r);
	} else if (!strcmp(f[0], "sigwait") && n == 3 && num(f[2], &b)) {
		sigset_t set;
		siginfo_t si;
		struct timespec ts = { (time_t)(b / 1000000000LL), (long)(b % 1000000000LL) };
		const char *name = b < 0 ? "sigwaitinfo" : "sigtimedwait";
		long long deadline = mono_ns() + (b < 0 ? 0 : b);

		if (mask_of(f[1], &set) < 0) {
			reply(name, -1, EINVAL);
			return;
		}
		memset(&si, 0, sizeof(si));
		for (;;) {
			sig_atomic_t seen = handled;

			r = sigtimedwait(&set, &si, b < 0 ? NULL : &ts);	/* never restarted: EINTR after a handler */
			e = errno;
			/* SIGCHLD's handler is the harness's (it reaps), not the scenario's: there SIGCHLD is SIG_DFL,
			 * ignored, and a child's exit ends no wait (emulator fuzz --seed 61206, program 3809). Only the
			 * harness's ran: wait on for what is left of the timeout. */
			if (r >= 0 || e != EINTR || handled != seen)
				break;
			if (b >= 0) {
				long long left = deadline - mono_ns();

				left = left < 0 ? 0 : left;
				ts.tv_sec = (time_t)(left / 1000000000LL);
				ts.tv_nsec = (long)(left % 1000000000LL);
			}
		}
		reply_info(name, r, e, r > 0 ? &si : NULL, NULL);
	} else if (!strcmp(f[0], "sigaction") && n == 3 && num(f[1], &a)) {
		cmd_sigaction(a, f[2]);
	} else if (!strcmp(f[0], "reaction")) {
		cmd_reaction(f, n);
	} else if (!strcmp(f[0], "identity") && n == 3 && num(f[1], &a) && num(f[2], &b)) {
		cmd_identity(a, b);
	} else if (!strcmp(f[0], "fork") && n == 2) {
		cmd_fork(f[1]);
	} else if (!strcmp(f[0], "exit") && n == 2 && num(f[1], &a)) {
		struct line l;

		begin(&l, mono_ns(), "exit ");
		put_d(&l, a);
		end(&l);
		send_main(&l);
		_exit((int)a);
	} else {
		fprintf(stderr, "lcr_proc: bad command '%s'\n", f[0]);
		reply(f[0], -1, EINVAL);
	}
}

/* Next command line, NUL-terminated; NULL when the driver hung up. */
static char *next_line(void)
{
	char *nl;

	if (iskip) {		/* drop the line handed out last time */
		memmove(ibuf, ibuf + iskip, ilen - iskip);
		ilen -= iskip;
		iskip = 0;
	}
	while (!(nl = memchr(ibuf, '\n', ilen))) {
		ssize_t r;

		if (ilen == sizeof(ibuf)) {
			fprintf(stderr, "lcr_proc: command line too long\n");
			_exit(1);
		}
		r = recv(SOCK_FD, ibuf + ilen, sizeof(ibuf) - ilen, 0);
		if (r < 0 && errno == EINTR)
			continue;	/* a handler without SA_RESTART ran */
		if (r <= 0)
			return NULL;
		ilen += r;
	}
	*nl = 0;
	iskip = nl - ibuf + 1;
	return ibuf;
}

/*
 * The keeper: the process the driver started stays behind as a child subreaper and the
 * scenario's process is its child. A helper whose parent died is reparented to the nearest
 * living subreaper ancestor, this one, which reaps it and reports its death on a connection of
 * its own ("T keeper NAME PID", then "T child PID exit|signal N" lines): without it an orphan's
 * death went to init and was reported by nobody (emulator fuzz seed 1, program 27).
 * It leaves when it has no descendants left (ECHILD).
 */
static void keeper(const char *name, pid_t child)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct line l;
	sigset_t all;
	int s, st;
	pid_t p;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);	/* SIGKILL (the driver's tear-down) still ends it */
	strcpy(a.sun_path, sock_path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("lcr_proc: keeper connect");
		_exit(1);
	}
	move_fd(s, SOCK_FD);
	begin(&l, mono_ns(), "keeper ");
	put_s(&l, name);
	put_s(&l, " ");
	put_d(&l, child);
	end(&l);
	send_raw(l.b, l.n);
	for (;;) {
		p = waitpid(-1, &st, __WALL);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			_exit(0);	/* ECHILD: every descendant is gone */
		begin(&l, mono_ns(), "child ");
		put_d(&l, p);
		if (WIFSIGNALED(st)) {
			put_s(&l, " signal ");
			put_d(&l, WTERMSIG(st));
		} else {
			put_s(&l, " exit ");
			put_d(&l, WEXITSTATUS(st));
		}
		end(&l);
		send_raw(l.b, l.n);
	}
}


/* The new image after a scenario's execve: argv is "SOCK NAME --exec UID CAPLEASE LEASEFDS TSTART AHEAD". */
static int exec_main(char **argv)
{
	struct sigaction sa;
	long long uid = 0, cap = 1, fd;
	char *line, *s, *tok;

	num(argv[4], &uid);
	num(argv[5], &cap);
	num(argv[7], &cmd_start);
	ilen = strlen(argv[8]);
	memcpy(ibuf, argv[8], ilen);
	fcntl(SOCK_FD, F_SETFD, FD_CLOEXEC);
	for (s = argv[6]; strcmp(argv[6], "-") && (tok = strsep(&s, ","));)
		if (num(tok, &fd) && fcntl((int)fd, F_GETFD) >= 0)
			lease_set((int)fd, 1);	/* still open: it had no FD_CLOEXEC */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_child;	/* harness-internal, as before the exec */
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigfillset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	s = NULL;
	ngroups0 = getgroups(MAX_GROUPS, groups0);
	if (ngroups0 < 0)
		ngroups0 = 0;
	/* exec set the fsuid back to the euid (0) and the effective caps to the permitted ones */
	setfsgid(uid);
	setfsuid(uid);
	cur_uid = uid;
	cur_cap = cap != 0;
	cap_lease(cap != 0);
	make_job_pipe();
	start_thread();
	reply("execve", 0, 0);
	while ((line = next_line())) {
		cmd_start = mono_ns();
		command(line);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	char *line;
	int s;

	if (argc != 3 && !(argc == 9 && !strcmp(argv[3], "--exec"))) {
		fprintf(stderr, "usage: %s SOCKET_PATH NAME\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	snprintf(self_name, sizeof(self_name), "%s", argv[2]);
	if (argc == 9)
		return exec_main(argv);
	/* the emulator's RLIMIT_NOFILE: fds 0-1023 (dup2 beyond is EBADF, F_DUPFD EINVAL) */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max >= 1024) {
			rl.rlim_cur = 1024;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (strlen(sock_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "lcr_proc: socket path too long\n");
		return 1;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) {
		pid_t child = fork();

		if (child > 0)
			keeper(argv[2], child);
		if (child < 0) {
			perror("lcr_proc: fork");
			return 1;
		}
		prctl(PR_SET_CHILD_SUBREAPER, 0);	/* the scenario's process is no subreaper */
	}
	/*
	 * A session of its own: the session this was started in may have its leader outside our pid namespace
	 * (CI runs in one), where getsid() says 0 and criu dump refuses ("A session leader ... is outside of its
	 * pid namespace"); the same conditions for every run, wherever the driver was started.
	 */
	setsid();
	reset_signals();
	connect_driver();
	make_job_pipe();
	s = getgroups(MAX_GROUPS, groups0);
	ngroups0 = s < 0 ? 0 : s;
	hello(argv[2]);
	start_thread();
	while ((line = next_line())) {
		cmd_start = mono_ns();
		command(line);
	}
	_exit(0);		/* driver hung up */
}
