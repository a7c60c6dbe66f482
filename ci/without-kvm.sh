#!/bin/bash
# Run a command as on a machine of this kind that has no /dev/kvm: in a
# private mount namespace whose /dev holds everything but the kvm node.
# Usage (as root): ci/without-kvm.sh COMMAND [ARGS...]
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
	echo "ci/without-kvm.sh: needs root (it builds a private /dev in a mount namespace)" >&2
	exit 2
fi
if [ $# -eq 0 ]; then
	echo "usage: ci/without-kvm.sh COMMAND [ARGS...]" >&2
	exit 2
fi
exec unshare --mount --propagation private bash -c '
set -e
dev=$(mktemp -d /tmp/tlbvisor-nokvm-dev.XXXXXX)
mount -t tmpfs -o mode=755 tmpfs "$dev"
for n in /dev/* /dev/.[!.]*; do
	[ -e "$n" ] || [ -L "$n" ] || continue
	b=${n#/dev/}
	[ "$b" = kvm ] && continue
	# A bound /dev/ptmx finds no devpts beside it: point it at pts/ptmx.
	if [ "$b" = ptmx ] && [ -e /dev/pts/ptmx ]; then
		ln -s pts/ptmx "$dev/ptmx"
		continue
	fi
	if [ -L "$n" ]; then
		cp -P "$n" "$dev/$b"
	elif [ -d "$n" ]; then
		mkdir "$dev/$b" && mount --rbind "$n" "$dev/$b"
	else
		: > "$dev/$b" && mount --bind "$n" "$dev/$b"
	fi
done
mount --move "$dev" /dev
rmdir "$dev" 2>/dev/null || true
exec "$@"
' tlbvisor-without-kvm "$@"
