/*
 * lcr_criu_restore.c - gives a CRIU restore the driver connections of the helpers it restores.
 *
 * Build: gcc -O2 -Wall -Wextra -o lcr_criu_restore lcr_criu_restore.c
 * Usage: lcr_criu_restore SOCKET_PATH NAME PID FD [NAME PID FD ...] -- CRIU_BINARY ARGS...
 *
 * A helper (lcr_proc.c) talks to the driver over a connected UNIX stream socket, and CRIU cannot dump half of
 * a stream connection: the driver dumps each helper with --external unix[INO], and restores it with
 * --inherit-fd fd[FD]:socket:[INO]. For each NAME this program connects to SOCKET_PATH, says
 * "0 reattach NAME PID" (the driver then takes the new connection as that helper's), moves the connection to
 * fd FD, and then execs CRIU with the rest of its arguments, which name those fds.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int i;

	if (argc < 4 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: lcr_criu_restore SOCKET NAME PID FD ... -- CRIU ARGS...\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	for (i = 2; i + 2 < argc && strcmp(argv[i], "--"); i += 3) {
		char hello[256];
		int fd = atoi(argv[i + 2]);
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		int n = snprintf(hello, sizeof(hello), "0 reattach %s %s\n", argv[i], argv[i + 1]);

		if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			perror("lcr_criu_restore: connect");
			return 1;
		}
		if (write(s, hello, n) != n) {
			perror("lcr_criu_restore: write");
			return 1;
		}
		if (s != fd) {
			if (dup2(s, fd) < 0) {
				perror("lcr_criu_restore: dup2");
				return 1;
			}
			close(s);
		}
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc) {
		fprintf(stderr, "lcr_criu_restore: no -- CRIU ARGS\n");
		return 2;
	}
	execv(argv[i + 1], argv + i + 1);
	perror("lcr_criu_restore: execv");
	return 1;
}
