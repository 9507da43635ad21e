package dev.smolvm.runtime.qemu;

import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.VmSpec;

import java.util.ArrayList;
import java.util.List;

/** The QEMU command line for a {@link VmSpec}. Pure. */
public final class QemuArgv {
    static final int TCG_TB_MIB = 128;
    private QemuArgv() {
    }

    public static List<String> build(String binary, String accel, VmSpec spec) {
        List<String> a = new ArrayList<>();
        a.add(binary);
        a.addAll(List.of("-name", "smolvm-" + spec.id() + ",process=smolvm-" + spec.id()));
        // Under TCG, QEMU's translated-code cache defaults to 1 GiB and is the largest part of its
        // memory; 128 MiB holds a small guest's working set.
        a.addAll(List.of("-machine", "pc,memory-backend=" + GuestRam.ID, "-accel",
                "tcg".equals(accel) ? "tcg,tb-size=" + TCG_TB_MIB : accel));
        if ("kvm".equals(accel)) {
            a.addAll(List.of("-cpu", "host"));
        }
        a.addAll(List.of("-m", spec.memoryMib() + "M", "-smp", String.valueOf(spec.cpus())));
        a.addAll(List.of("-object", GuestRam.backend(spec)));
        a.addAll(List.of("-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"));
        a.addAll(List.of("-daemonize", "-pidfile", spec.pidFile().toString()));
        // append: a restore's log starts with the boot its snapshot was saved from (QemuBackend seeds it)
        a.addAll(List.of("-chardev", "file,id=console,path=" + spec.consoleLog() + ",append=on", "-serial", "chardev:console"));
        a.addAll(List.of("-qmp", "unix:" + spec.qmpSocket() + ",server=on,wait=off"));
        a.addAll(List.of("-kernel", spec.kernel().toString(), "-initrd", spec.initrd().toString()));
        a.addAll(List.of("-append", spec.kernelCmdline()));
        a.addAll(List.of("-drive", "file=" + spec.overlayDisk() + ",if=none,id=root,format=qcow2,discard=unmap",
                "-device", "virtio-blk-pci,drive=root"));
        if (spec.networkMode() == NetworkMode.TAP) {
            a.addAll(List.of("-netdev", "tap,id=net0,ifname=" + spec.tap() + ",script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=net0,mac=" + spec.mac()));
        } else {
            // restrict=on: the guest cannot open connections through slirp at all, so it cannot reach the
            // host's loopback services at 10.0.2.2 (nor anything else); the SSH hostfwd still works.
            a.addAll(List.of("-netdev", "user,id=net0,net=10.0.2.0/24,restrict=on,hostfwd=tcp:127.0.0.1:"
                            + spec.sshHostPort() + "-:22",
                    "-device", "virtio-net-pci,netdev=net0"));
        }
        if (spec.agentSocket() != null) {
            // The guest agent's channel: a virtio-serial port whose host end is a unix socket. It works
            // under TCG and KVM alike (vsock needs vhost-vsock, which hosts like this one lack).
            a.addAll(List.of("-chardev", "socket,id=agent,path=" + spec.agentSocket() + ",server=on,wait=off",
                    "-device", "virtio-serial-pci,id=vser0",
                    "-device", "virtserialport,bus=vser0.0,chardev=agent,name=dev.smolvm.agent"));
        }
        a.addAll(List.of("-device", "virtio-rng-pci"));
        if (spec.restoreFrom() != null) {
            // A snapshot whose memory is a file is loaded over QMP once x-ignore-shared is set as it was saved;
            // one whose memory is in the state stream is read from it. QEMU runs the exec: URI with
            // /bin/sh -c; the path is quoted for it.
            a.addAll(List.of("-incoming", GuestRam.fromFile(spec) ? "defer" : incomingUri(spec)));
            // No announcements after the load: they tell a switched network where a migrated MAC
            // went (QEMU's RARPs, and the guest asked to send gratuitous ARPs), but a restore has a
            // TAP of its own and is about to take a new MAC; the guest's announce also made each
            // restore's QEMU translate the guest's netlink and transmit paths afresh.
            a.addAll(List.of("-global", "migration.announce-rounds=0"));
        }
        // No free-page reporting: QEMU 7.2 gives a reported page back by punching a hole in the RAM's
        // file, which for a restore is the snapshot's memory file that every restore of it maps
        // (GuestRam). An idle sandbox keeps the pages it touched; restores share the untouched ones.
        a.addAll(List.of("-device", "virtio-balloon-pci,free-page-reporting=off,deflate-on-oom=on"));
        return a;
    }

    /** The migration URI that reads a snapshot's state file. */
    static String incomingUri(VmSpec spec) {
        String state = spec.restoreFrom().resolve("state").toString();
        return "exec:cat '" + state.replace("'", "'\\''") + "'";
    }

    /** The kernel command line: console, root disk, and the guest's network and key (read by its init). */
    public static String kernelCmdline(String guestCidr, String gateway, String dns, String hostname,
                                       String authorizedKeyBase64, int cpus, boolean randomizeMaps) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "console=ttyS0", "root=/dev/vda", "rw", "quiet", "panic=-1", "random.trust_cpu=on"));
        if (cpus == 1) {
            // PCI interrupt routing from the BIOS tables instead of ACPI: the ACPI link set-up
            // costs ~0.4 s of emulated boot (measured); ACPI itself (power-off) stays on. Only for
            // one vCPU: Debian's kernel has no MP-table support, so with pci=noacpi it brings up
            // a single CPU whatever -smp says (seen: "smpboot: Allowing 1 CPUs" with -smp 2).
            args.add("pci=noacpi");
        }
        if (!randomizeMaps) {
            args.add("norandmaps"); // see runtime.GuestAslr for why and when
        }
        args.addAll(List.of("smolvm.ip=" + guestCidr, "smolvm.gw=" + gateway, "smolvm.dns=" + dns,
                "smolvm.hostname=" + hostname, "smolvm.authkey=" + authorizedKeyBase64));
        return String.join(" ", args);
    }
}
