#!/bin/bash
# Builds the default smolvm guest image into $1 (a directory that must not exist yet):
#   vmlinuz         the host's Debian cloud kernel
#   initramfs.img   busybox + the virtio modules; mounts /dev/vda and switches root
#   rootfs.ext4     Debian bookworm minbase + sshd, python3, iproute2, busybox
#   host_key.pub    the guest's SSH host key, made here so boot never waits on keygen
#   image.json      what was built
# Inputs (environment): SMOLVM_KERNEL_VERSION, SMOLVM_DEBIAN_MIRROR, SMOLVM_ROOTFS_MIB, and
# SMOLVM_BOOT_DIR (where the host's kernels are; /boot unless a test says otherwise).
# Files next to this script: make-boot.sh (kernel + initramfs), initramfs-init, guest-boot, inittab,
# smolvm-agent (the static guest agent).
# Progress goes to stderr as "==> ..." lines; smolvm shows them.
set -euo pipefail

out=$1
here=$(cd "$(dirname "$0")" && pwd)
mirror=${SMOLVM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
rootfs_mib=${SMOLVM_ROOTFS_MIB:-1024}
boot=${SMOLVM_BOOT_DIR:-/boot}
# Fail before the long part when there is no kernel (make-boot.sh picks it the same way).
ls "$boot"/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || [ -n "${SMOLVM_KERNEL_VERSION:-}" ] \
  || { echo "no cloud kernel in $boot (install linux-image-cloud-amd64)" >&2; exit 1; }

# Build next to the destination so the final step is one rename.
work=$(mktemp -d "${out%/}.partial.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { echo "==> $*" >&2; }

step "[1/4] Installing Debian bookworm (minbase + openssh-server, python3, iproute2, busybox) from $mirror"
mmdebstrap --quiet --variant=minbase \
  --include=openssh-server,python3,iproute2,busybox,e2fsprogs,procps,coreutils \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
  bookworm "$work/root" "deb $mirror bookworm main" </dev/null >&2

step "[2/4] Configuring the guest (init, sshd, host key)"
root=$work/root
install -D -m 0755 /bin/busybox "$root/usr/lib/smolvm/busybox"   # static: init, poweroff, base64
install -m 0755 "$here/guest-boot" "$root/sbin/smolvm-boot"
install -m 0755 "$here/smolvm-agent" "$root/usr/lib/smolvm/smolvm-agent"   # the host's channel (virtio-serial)
install -m 0644 "$here/inittab" "$root/etc/inittab"
ssh-keygen -q -t ed25519 -N '' -C smolvm-guest -f "$root/etc/ssh/ssh_host_ed25519_key"
cat > "$root/etc/ssh/sshd_config.d/smolvm.conf" <<'CONF'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
MaxSessions 64
MaxStartups 64:30:128
CONF
# Login files that start no processes: in an emulated guest each fork costs tens of ms, and every
# 'smolvm exec' reads them. Same effect as Debian's (PATH, bashrc for interactive bash, profile.d).
cat > "$root/etc/profile" <<'PROFILE'
# /etc/profile (smolvm): Debian's, without subprocesses (Debian's runs id -u, a process start that
# costs ~10 ms under TCG on every login-shell exec); / is root's, so -O / asks "am I root?".
if [ -O / ]; then
  PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
else
  PATH="/usr/local/bin:/usr/bin:/bin"
fi
export PATH
if [ "${PS1-}" ] && [ "${BASH-}" ] && [ "$BASH" != "/bin/sh" ] && [ -f /etc/bash.bashrc ]; then
  . /etc/bash.bashrc
fi
for i in /etc/profile.d/*.sh; do [ -r "$i" ] && . "$i"; done
unset i
PROFILE
cat > "$root/root/.profile" <<'PROFILE'
# ~/.profile (smolvm): Debian's, without subprocesses.
if [ "${BASH-}" ] && [ -f ~/.bashrc ]; then . ~/.bashrc; fi
[ -t 0 ] && mesg n 2> /dev/null
true
PROFILE
# The live hostname, not a copy on disk: a restored guest takes its new name without writing to its
# disk (an ext4 write there costs every restore a journal commit and writeback under TCG).
ln -sf /proc/sys/kernel/hostname "$root/etc/hostname"
printf '127.0.0.1 localhost\n' > "$root/etc/hosts"
: > "$root/etc/fstab"
rm -rf "$root/var/cache/apt/"* "$root/var/lib/apt/lists/"*

step "[3/4] Making the ext4 root filesystem (${rootfs_mib} MiB, sparse)"
# Inode tables zeroed now, not by the guest kernel's ext4lazyinit thread in each sandbox's first
# minutes (CPU under TCG, and work every restore of an early snapshot repeats); the zeros become holes.
mkfs.ext4 -q -F -L smolvm-root -E lazy_itable_init=0,lazy_journal_init=0 -d "$root" "$work/rootfs.ext4" "${rootfs_mib}M"
fallocate --dig-holes "$work/rootfs.ext4"
cp "$root/etc/ssh/ssh_host_ed25519_key.pub" "$work/host_key.pub"

step "[4/4] Making the initramfs (busybox + virtio modules) and copying the kernel"
kver=$(bash "$here/make-boot.sh" "$work")
rm -rf "$root"
cat > "$work/image.json" <<JSON
{"os": "debian", "release": "bookworm", "kernel_version": "$kver", "rootfs_mib": $rootfs_mib, "channel": "agent", "built_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
JSON
mv "$work" "$out"
trap - EXIT
