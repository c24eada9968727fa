// SPDX-License-Identifier: GPL-2.0
/*
 * denysys: run a command as if the kernel lacked a system call, for the
 * error paths of the tests (e.g. hpcov --promote on a kernel without
 * MADV_COLLAPSE).
 *
 *   denysys NR ERRNO COMMAND [ARG...]
 *
 * Installs a seccomp filter that fails system call NR (x86-64 number)
 * with ERRNO, then executes COMMAND.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	unsigned int nr, err;

	if (argc < 4) {
		fprintf(stderr, "usage: denysys NR ERRNO COMMAND [ARG...]\n");
		return 2;
	}
	nr = strtoul(argv[1], NULL, 0);
	err = strtoul(argv[2], NULL, 0);
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("denysys: seccomp");
		return 1;
	}
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
