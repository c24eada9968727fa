// SPDX-License-Identifier: GPL-2.0
/*
 * dropcap: run a command without one capability, even as root.
 *
 *   dropcap CAP COMMAND [ARG...]
 *
 * Drops capability number CAP (e.g. 23, CAP_SYS_NICE) from the bounding
 * set, so that COMMAND, executed next, never has it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: dropcap CAP COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_CAPBSET_DROP, atoi(argv[1]), 0, 0, 0)) {
		perror("dropcap: PR_CAPBSET_DROP");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror("dropcap: exec");
	return 127;
}
