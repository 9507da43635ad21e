#!/bin/bash
# Makes the boot files every smolvm image shares, into the existing directory $1:
#   vmlinuz         the host's Debian cloud kernel
#   initramfs.img   busybox + the virtio modules; mounts /dev/vda and switches root
# With $2 (a directory), also copies the modules the initramfs loads there, with their
# load order in modules.order (agent-channel images carry them in /usr/lib/smolvm/modules).
# Prints the kernel version on stdout. Used by build-debian.sh and by 'smolvm image pull|import'.
# Inputs (environment): SMOLVM_KERNEL_VERSION, and SMOLVM_BOOT_DIR (where the host's kernels are;
# /boot unless a test says otherwise). initramfs-init must be next to this script.
set -euo pipefail

out=$1
mods_out=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
boot=${SMOLVM_BOOT_DIR:-/boot}
# (ls fails when nothing matches; under pipefail that would end the script before the message below.)
kver=${SMOLVM_KERNEL_VERSION:-$( { ls "$boot"/vmlinuz-*-cloud-amd64 2>/dev/null || true; } | sed "s|^$boot/vmlinuz-||" | sort -V | tail -n 1)}
[ -n "$kver" ] || { echo "no cloud kernel in $boot (install linux-image-cloud-amd64)" >&2; exit 1; }

ird=$(mktemp -d "${out%/}/.initramfs.XXXXXX")
trap 'rm -rf "$ird"' EXIT
mkdir -p "$ird/bin" "$ird/lib/modules"
install -m 0755 /bin/busybox "$ird/bin/busybox"
install -m 0755 "$here/initramfs-init" "$ird/init"
: > "$ird/modules.order"
# virtio_console: the guest agent's virtio-serial port.
for mod in virtio_pci virtio_blk virtio_net virtio-rng virtio_balloon virtio_console; do
  modprobe -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" { print $2 }' | while read -r ko; do
    name=$(basename "$ko")
    if [ ! -e "$ird/lib/modules/$name" ]; then
      cp "$ko" "$ird/lib/modules/$name"
      echo "$name" >> "$ird/modules.order"
    fi
  done
done
if [ -n "$mods_out" ]; then
  mkdir -p "$mods_out"
  cp "$ird"/lib/modules/*.ko "$ird/modules.order" "$mods_out/"
fi
(cd "$ird" && find . | cpio --quiet -o -H newc | gzip -1) > "$out/initramfs.img"
cp "$boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver"
