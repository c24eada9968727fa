// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "spawn.h"

int hf_spawn_held(char **argv, pid_t *pid, int *go)
{
	int fds[2];
	char c;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (*pid == 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(127);	/* the caller gave up before releasing us */
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return 0;
}

void hf_spawn_release(int *go)
{
	if (*go < 0)
		return;
	if (write(*go, "g", 1) != 1)
		perror("releasing the command");
	close(*go);
	*go = -1;
}
