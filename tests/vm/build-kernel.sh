#!/bin/bash
# Build the test-bed kernel into a cache directory shared by all clones.
#   build-kernel.sh OUTDIR patched|unpatched
# OUTDIR gets bzImage, vmlinux and config; an existing complete OUTDIR is
# reused as is. The tree is extracted from Debian's linux-source-6.12,
# patched with kernel-patches/series (unless "unpatched"), configured as
# tinyconfig + kernel-patches/config.fragment and built with make -j$(nproc).
set -euo pipefail

out=$1
mode=${2:-patched}
here=$(cd "$(dirname "$0")/../.." && pwd)
patches=$here/kernel-patches
tarball=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

if [ -s "$out/bzImage" ] && [ -s "$out/vmlinux" ]; then
	exit 0
fi
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if [ -s "$out/bzImage" ] && [ -s "$out/vmlinux" ]; then
	exit 0
fi

[ -r "$tarball" ] || { echo "build-kernel: $tarball missing (apt-get install linux-source-6.12)" >&2; exit 1; }

work=$out.build
src=$work/linux-source-6.12
if [ ! -e "$work/.extracted" ]; then
	rm -rf "$work"
	mkdir -p "$work"
	echo "build-kernel: extracting $tarball" >&2
	tar -C "$work" -xf "$tarball"
	touch "$work/.extracted"
fi
if [ "$mode" = patched ] && [ ! -e "$work/.patched" ]; then
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		echo "build-kernel: applying $p" >&2
		patch -d "$src" -p1 --quiet --forward < "$patches/$p"
	done < "$patches/series"
	touch "$work/.patched"
fi

cd "$src"
# With ccache (Debian's, in /usr/lib/ccache), a build after a small change
# of the series recompiles only what the change touched: the cache is
# shared by every kernel-<hash>, whose trees differ in their paths.
if [ -d /usr/lib/ccache ]; then
	export PATH=/usr/lib/ccache:$PATH
	export CCACHE_DIR=${CCACHE_DIR:-$(dirname "$out")/ccache}
	export CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
fi
if [ ! -e "$work/.configured" ]; then
	make -s tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$patches/config.fragment" >/dev/null
	make -s olddefconfig
	# Every =y of the fragment must have survived (except FETCHBPF on
	# the unpatched tree, where the symbol does not exist).
	missing=$(grep '^CONFIG_.*=y$' "$patches/config.fragment" | while read -r l; do
		grep -qx "$l" .config || echo "${l%%=*}"; done | grep -v FETCHBPF || true)
	if [ -n "$missing" ]; then
		echo "build-kernel: config options lost: $missing" >&2
		exit 1
	fi
	touch "$work/.configured"
fi
echo "build-kernel: building $mode kernel in $src (log: $work/build.log)" >&2
if ! make -j"$(nproc)" bzImage vmlinux > "$work/build.log" 2>&1; then
	tail -40 "$work/build.log" >&2
	exit 1
fi
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
cp arch/x86/boot/bzImage vmlinux "$tmp/"
cp .config "$tmp/config"
rm -rf "$out"
mv "$tmp" "$out"
if [ -z "${HF_KEEP_KBUILD:-}" ]; then
	rm -rf "$work"
fi
echo "build-kernel: $out ready" >&2
