#!/bin/bash
# Install what tlbvisor needs from Debian and build it into build/.
# Safe to run again: installs only what is missing, reconfigures only once.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(gcc meson ninja-build pkg-config python3 libcriterion-dev libjansson-dev libpfm4-dev libsqlite3-dev libinih-dev gnuplot-nox
	sqlite3 chromium clang libclang-rt-dev libbenchmark-tools python3-scipy
	bochs bochsbios vgabios bochs-term grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
	qemu-system-x86 ovmf)
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "tlbvisor setup: installing ${missing[*]}" >&2
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# The kvm tracepoints (exit reasons) need tracefs; mount it where we may.
if [ "$(id -u)" -eq 0 ] && [ -d /sys/kernel/tracing ] && [ ! -e /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi

if [ ! -f build/build.ninja ]; then
	meson setup build >&2
fi
ninja -C build >&2
