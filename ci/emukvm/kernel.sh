#!/bin/bash
# Prepare an emulated KVM machine's kernel from Debian packages only, once, in
# a cache outside the tree: Debian's current kernel package of the flavour the
# machine boots (chosen by what apt offers now through the flavour's
# metapackage), downloaded with apt-get download and unpacked, never
# installed; the modules the machine loads with their modules.dep; a base
# initramfs with busybox-static and those modules (each boot adds its own
# archive: ci/emukvm/init, the binaries and the commands).
#
#   amd:   linux-image-amd64 (xz): kvm_amd and a 9p share under QEMU TCG, which
#          boots the uncompressed vmlinux through its PVH entry (no
#          decompression under emulation).
#   intel: linux-image-cloud-amd64 (lz4: its decompression costs a fraction of
#          xz's in Bochs): kvm_intel and the ATA disk under Bochs.
#
# Prints the directory holding vmlinuz (and vmlinux for amd) and base.cpio.gz.
# Usage: ci/emukvm/kernel.sh amd|intel   (TLBVISOR_CACHE overrides the cache root)
set -euo pipefail

machine=${1:-}
case "$machine" in
amd) meta=linux-image-amd64 modules="kvm_amd 9p 9pnet_virtio virtio_pci" ;;
intel) meta=linux-image-cloud-amd64 modules="kvm_intel ata_piix sd_mod" ;;
*) echo "usage: ci/emukvm/kernel.sh amd|intel" >&2; exit 2 ;;
esac

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

# The kernel package the metapackage depends on today.
pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
	echo "ci/emukvm/kernel.sh: apt offers no $meta (a Debian kernel metapackage); fix: run apt-get update on a Debian machine" >&2
	exit 1
fi
kver=${pkg#linux-image-}
# Keyed by this recipe too: a changed recipe builds afresh.
dir=$cache/$machine-$kver-$(sha1sum "$0" | cut -c1-8)
if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi

echo "emukvm: preparing $pkg for the $machine machine in $dir (once)" >&2
rm -rf "$cache/$machine-"* # older kernels or recipes
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
if [ "$machine" = amd ]; then
	python3 - "$dir/vmlinuz" "$dir/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit("ci/emukvm/kernel.sh: the kernel image holds no xz stream; cannot unpack vmlinux")
open(sys.argv[2], "wb").write(lzma.LZMADecompressor().decompress(data[at:]))
PY
fi

# The modules the machine loads, with everything they depend on.
base=$dir/base
mkdir -p "$base/bin" "$base/lib/modules/$kver"
cp "$unpacked/lib/modules/$kver/modules.order" "$unpacked/lib/modules/$kver/modules.builtin" \
	"$unpacked/lib/modules/$kver/modules.builtin.modinfo" "$base/lib/modules/$kver/"
depmod -b "$unpacked" "$kver"
for m in $modules; do
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
