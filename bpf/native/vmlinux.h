/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The native build's stand-in for bpf/vmlinux.h: a policy compiled as
 * ordinary C (-DFB_NATIVE, fbload's native replay engine) needs only the
 * fixed-width integers and the BPF constants of the UAPI headers. The
 * Makefile puts this directory first on the include path of that build.
 */
#include <linux/types.h>
#include <linux/bpf.h>
