/* lazy_expiry.c - which calls time out a broken lease past its deadline (time_out_leases)?
 * Build: gcc -O2 -o /tmp/lazy_expiry native/lazy_expiry.c
 * usage: /tmp/lazy_expiry ACTION   (run as root; sets fs.lease-break-time to 1, puts 45 back)
 * A read lease on F (fd 3, O_RDONLY), SIGIO ignored; an O_WRONLY|O_NONBLOCK open breaks it
 * (EWOULDBLOCK); 1.5 s later (deadline 1 s) /proc/locks is read twice, then ACTION, then again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
static ino_t ino;
static void show(const char *when) {
	char l[256], pat[64]; FILE *f = fopen("/proc/locks", "r"); int any = 0;
	snprintf(pat, sizeof pat, ":%lu ", (unsigned long)ino);
	while (fgets(l, sizeof l, f)) if (strstr(l, pat)) { printf("  %-22s %s", when, l); any = 1; }
	if (!any) printf("  %-22s (no lease)\n", when);
	fclose(f);
}
static void sysctl(const char *v) { FILE *f = fopen("/proc/sys/fs/lease-break-time", "w"); fputs(v, f); fclose(f); }
int main(int argc, char **argv) {
	const char *a = argc > 1 ? argv[1] : "none", *path = "/tmp/lazy_expiry.F";
	struct stat st; int fd, r;
	int wr = !strcmp(a, "wrlease-reader-getlease") || !strcmp(a, "wrlease-reader-none");
	signal(SIGIO, SIG_IGN);
	close(open(path, O_CREAT | O_RDWR, 0666));
	stat(path, &st); ino = st.st_ino;
	sysctl("1\n");
	fd = open(path, wr ? O_RDWR : O_RDONLY);
	if (fcntl(fd, F_SETLEASE, wr ? F_WRLCK : F_RDLCK)) { perror("setlease"); return 1; }
	r = open(path, (wr ? O_RDONLY : O_WRONLY) | O_NONBLOCK);
	printf("%s: breaker open = %d %s\n", a, r, r < 0 ? strerrorname_np(errno) : "");
	usleep(1500000);
	show("past deadline");
	show("read again");
	errno = 0;
	if (!strcmp(a, "getlease") || !strcmp(a, "wrlease-reader-getlease")) r = fcntl(fd, F_GETLEASE);
	else if (!strcmp(a, "open-rdonly")) r = open(path, O_RDONLY);
	else if (!strcmp(a, "open-rdonly-nonblock")) r = open(path, O_RDONLY | O_NONBLOCK);
	else if (!strcmp(a, "open-path")) r = open(path, O_PATH);
	else if (!strcmp(a, "truncate")) r = truncate(path, 0);
	else if (!strcmp(a, "ftruncate")) { int w = open("/tmp/lazy_expiry.G", O_CREAT|O_RDWR, 0666); (void)w; r = ftruncate(fd, 0); }
	else if (!strcmp(a, "release")) r = fcntl(fd, F_SETLEASE, F_UNLCK);
	else if (!strcmp(a, "relock-rdlck")) r = fcntl(fd, F_SETLEASE, F_RDLCK);
	else if (!strcmp(a, "new-lease-other-fd")) { int g = open(path, O_RDONLY | O_NONBLOCK); (void)g; r = -2; }
	else if (!strcmp(a, "setlk")) { struct flock fl = { .l_type = F_RDLCK }; r = fcntl(fd, F_SETLK, &fl); }
	else if (!strcmp(a, "getlk")) { struct flock fl = { .l_type = F_WRLCK }; r = fcntl(fd, F_GETLK, &fl); }
	else if (!strcmp(a, "stat")) r = stat(path, &st);
	else if (!strcmp(a, "setsig")) r = fcntl(fd, F_SETSIG, SIGUSR1);
	else if (!strcmp(a, "dup-close")) { int d = dup(fd); r = close(d); }
	else r = 0;
	printf("  %s = %d %s\n", a, r, r == -1 ? strerrorname_np(errno) : "");
	show("after the action");
	sysctl("45\n");
	return 0;
}
