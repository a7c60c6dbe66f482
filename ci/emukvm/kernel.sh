#!/bin/bash
# Prepare the emulated KVMs' kernel from Debian packages only, once, in a cache
# outside the tree: Debian's current amd64 kernel package (chosen by what apt
# offers now), downloaded with apt-get download and unpacked (never
# installed); the kvm, 9p and disk modules it needs with their modules.dep;
# a base initramfs with busybox-static and those modules (each run adds its
# own archive: ci/emukvm/init, tlbvisor, its libraries and the commands).
# Prints the directory holding vmlinuz, vmlinux and base.cpio.gz.
#
# Usage: ci/emukvm/kernel.sh        (TLBVISOR_CACHE overrides the cache root)
set -euo pipefail

if [ -n "${TLBVISOR_CACHE:-}" ]; then
	root=$TLBVISOR_CACHE
elif [ -w /var/cache ] || [ -w /var/cache/tlbvisor ]; then
	root=/var/cache/tlbvisor
else
	root=${XDG_CACHE_HOME:-$HOME/.cache}/tlbvisor
fi
cache=$root/emukvm
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# The kernel the metapackage linux-image-amd64 points at today; if apt has no
# such metapackage (another distribution), the newest linux-image-*-amd64.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
	pkg=$(apt-cache pkgnames linux-image- 2>/dev/null | grep -E '^linux-image-[0-9.]+-[0-9]+-amd64$' | sort -V | tail -1)
fi
if [ -z "$pkg" ]; then
	echo "ci/emukvm/kernel.sh: apt offers no Debian amd64 kernel package (linux-image-amd64); fix: run apt-get update on a Debian machine" >&2
	exit 1
fi
kver=${pkg#linux-image-}
# Keyed by this recipe too: a changed recipe builds afresh.
dir=$cache/$kver-$(sha1sum "$0" | cut -c1-8)
if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi

echo "emukvm: preparing $pkg in $dir (once)" >&2
rm -rf "$dir"
mkdir -p "$dir" "$cache/debs"
deb=$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | tail -1 || true)
if [ -z "$deb" ]; then
	sandbox=()
	[ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
	( cd "$cache/debs" && apt-get download "${sandbox[@]}" "$pkg" >&2 ) || {
		echo "ci/emukvm/kernel.sh: apt-get download $pkg failed; fix: check the network and apt sources (apt-get update)" >&2
		exit 1
	}
	deb=$(ls "$cache/debs/${pkg}_"*.deb | tail -1)
fi
unpacked=$dir/unpacked
dpkg-deb -x "$deb" "$unpacked"
cp "$unpacked/boot/vmlinuz-$kver" "$dir/vmlinuz"
# QEMU boots the uncompressed ELF through its PVH entry, which saves the
# decompression (seconds under TCG); Bochs boots vmlinuz through GRUB.
python3 - "$dir/vmlinuz" "$dir/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit("ci/emukvm/kernel.sh: the kernel image holds no xz stream; cannot unpack vmlinux")
open(sys.argv[2], "wb").write(lzma.LZMADecompressor().decompress(data[at:]))
PY

# The modules the two machines load, with everything they depend on.
base=$dir/base
mkdir -p "$base/bin" "$base/sbin" "$base/lib/modules/$kver" "$base/proc" "$base/sys" "$base/dev" \
	"$base/tmp" "$base/out" "$base/mnt"
cp "$unpacked/lib/modules/$kver/modules.order" "$unpacked/lib/modules/$kver/modules.builtin" \
	"$unpacked/lib/modules/$kver/modules.builtin.modinfo" "$base/lib/modules/$kver/"
depmod -b "$unpacked" "$kver"
for m in kvm_amd kvm_intel 9p 9pnet_virtio virtio_pci ata_piix sd_mod; do
	modprobe -d "$unpacked" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
	rel=${ko#"$unpacked"/}
	mkdir -p "$base/$(dirname "$rel")"
	cp "$ko" "$base/$rel"
done
depmod -b "$base" "$kver"
rm -rf "$unpacked"

cp /bin/busybox "$base/bin/busybox"
( cd "$base" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$dir/base.cpio.gz"
echo "$pkg" > "$dir/package"
touch "$dir/ready"
echo "$dir"
