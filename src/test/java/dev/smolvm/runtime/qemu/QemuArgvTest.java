package dev.smolvm.runtime.qemu;

import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.VmSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QemuArgvTest {
    private static final Path DIR = Path.of("/home/u/.smolvm/sandboxes/vm-0a1b2c3d");

    private static VmSpec tapSpec() {
        return new VmSpec("vm-0a1b2c3d", DIR, Path.of("/img/vmlinuz"), Path.of("/img/initrd.img"),
                Path.of("/img/base.qcow2"), "console=ttyS0 root=/dev/vda", 1024, 2, 4096,
                NetworkMode.TAP, "smv7", "52:54:00:5d:00:07", null, DIR.resolve("agent.sock"), null);
    }

    private static VmSpec userSpec() {
        return new VmSpec("vm-0a1b2c3d", DIR, Path.of("/img/vmlinuz"), Path.of("/img/initrd.img"),
                Path.of("/img/base.qcow2"), "console=ttyS0 root=/dev/vda", 512, 1, 4096,
                NetworkMode.USER, null, null, 42022, null, null);
    }

    /** Every value that follows an occurrence of {@code flag}. */
    private static List<String> valuesOf(List<String> argv, String flag) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < argv.size() - 1; i++) {
            if (argv.get(i).equals(flag)) {
                out.add(argv.get(i + 1));
            }
        }
        return out;
    }

    @Test
    void tapModeWithKvm() {
        List<String> argv = QemuArgv.build("qemu-system-x86_64", "kvm", tapSpec());

        assertThat(argv.get(0)).isEqualTo("qemu-system-x86_64");
        assertThat(valuesOf(argv, "-name")).containsExactly("smolvm-vm-0a1b2c3d,process=smolvm-vm-0a1b2c3d");
        assertThat(valuesOf(argv, "-machine")).containsExactly("pc,memory-backend=smolvm.ram");
        assertThat(valuesOf(argv, "-accel")).containsExactly("kvm");
        assertThat(valuesOf(argv, "-cpu")).containsExactly("host");
        assertThat(valuesOf(argv, "-m")).containsExactly("1024M");
        assertThat(valuesOf(argv, "-smp")).containsExactly("2");
        assertThat(argv).contains("-nodefaults", "-no-user-config", "-no-reboot", "-daemonize");
        assertThat(valuesOf(argv, "-display")).containsExactly("none");
        assertThat(valuesOf(argv, "-pidfile")).containsExactly(DIR + "/vm.pid");
        assertThat(valuesOf(argv, "-serial")).containsExactly("chardev:console");
        assertThat(valuesOf(argv, "-chardev")).contains("file,id=console,path=" + DIR + "/console.log,append=on");
        assertThat(valuesOf(argv, "-qmp")).containsExactly("unix:" + DIR + "/qmp.sock,server=on,wait=off");
        assertThat(valuesOf(argv, "-kernel")).containsExactly("/img/vmlinuz");
        assertThat(valuesOf(argv, "-initrd")).containsExactly("/img/initrd.img");
        assertThat(valuesOf(argv, "-append")).containsExactly("console=ttyS0 root=/dev/vda");
        assertThat(valuesOf(argv, "-drive"))
                .containsExactly("file=" + DIR + "/disk.qcow2,if=none,id=root,format=qcow2,discard=unmap");
        assertThat(valuesOf(argv, "-netdev")).containsExactly("tap,id=net0,ifname=smv7,script=no,downscript=no");
        assertThat(valuesOf(argv, "-device")).containsExactly(
                "virtio-blk-pci,drive=root",
                "virtio-net-pci,netdev=net0,mac=52:54:00:5d:00:07",
                "virtio-serial-pci,id=vser0",
                "virtserialport,bus=vser0.0,chardev=agent,name=dev.smolvm.agent",
                "virtio-rng-pci",
                "virtio-balloon-pci,free-page-reporting=off,deflate-on-oom=on");
        assertThat(String.join(" ", argv)).doesNotContain("hostfwd");
    }

    @Test
    void daemonizeIsImmediatelyFollowedByPidfile() {
        List<String> argv = QemuArgv.build("qemu", "kvm", tapSpec());
        int i = argv.indexOf("-daemonize");
        assertThat(argv.subList(i, i + 3)).containsExactly("-daemonize", "-pidfile", DIR + "/vm.pid");
    }

    @Test
    void userModeWithTcgHasHostForwardAndNoCpuHost() {
        List<String> argv = QemuArgv.build("/usr/bin/qemu-system-x86_64", "tcg", userSpec());

        assertThat(argv.get(0)).isEqualTo("/usr/bin/qemu-system-x86_64");
        assertThat(valuesOf(argv, "-accel")).containsExactly("tcg,tb-size=128");
        assertThat(argv).doesNotContain("-cpu", "host");
        assertThat(valuesOf(argv, "-m")).containsExactly("512M");
        assertThat(valuesOf(argv, "-smp")).containsExactly("1");
        assertThat(valuesOf(argv, "-netdev"))
                .containsExactly("user,id=net0,net=10.0.2.0/24,restrict=on,hostfwd=tcp:127.0.0.1:42022-:22");
        assertThat(valuesOf(argv, "-device")).containsExactly(
                "virtio-blk-pci,drive=root",
                "virtio-net-pci,netdev=net0",
                "virtio-rng-pci",
                "virtio-balloon-pci,free-page-reporting=off,deflate-on-oom=on");
        assertThat(valuesOf(argv, "-qmp")).containsExactly("unix:" + DIR + "/qmp.sock,server=on,wait=off");
        assertThat(valuesOf(argv, "-serial")).containsExactly("chardev:console");
        assertThat(valuesOf(argv, "-chardev")).contains("file,id=console,path=" + DIR + "/console.log,append=on");
        assertThat(String.join(" ", argv)).doesNotContain("tap,", "ifname=", "mac=");
    }

    @Test
    void cpuHostOnlyWithKvm() {
        assertThat(valuesOf(QemuArgv.build("q", "kvm", userSpec()), "-cpu")).containsExactly("host");
        assertThat(valuesOf(QemuArgv.build("q", "tcg", tapSpec()), "-cpu")).isEmpty();
    }

    @Test
    void kernelCmdlineExact() {
        assertThat(QemuArgv.kernelCmdline("172.16.0.2/30", "172.16.0.1", "1.1.1.1", "my-vm", "c3NoLWVkMjU1MTk=", 1, true))
                .isEqualTo("console=ttyS0 root=/dev/vda rw quiet panic=-1 random.trust_cpu=on pci=noacpi"
                        + " smolvm.ip=172.16.0.2/30 smolvm.gw=172.16.0.1 smolvm.dns=1.1.1.1"
                        + " smolvm.hostname=my-vm smolvm.authkey=c3NoLWVkMjU1MTk=");
    }

    /** Under TCG guests skip ASLR (GuestAslr): the kernel's norandmaps, and nothing else changes. */
    @Test
    void norandmapsWhenMapsAreNotRandomized() {
        String with = QemuArgv.kernelCmdline("172.16.0.2/30", "172.16.0.1", "1.1.1.1", "my-vm", "k", 1, true);
        String without = QemuArgv.kernelCmdline("172.16.0.2/30", "172.16.0.1", "1.1.1.1", "my-vm", "k", 1, false);
        assertThat(with).doesNotContain("norandmaps");
        assertThat(without.replace(" norandmaps", "")).isEqualTo(with);
    }

    /** pci=noacpi leaves Debian's kernel (no MP tables) with one CPU, so several vCPUs need ACPI. */
    @Test
    void severalCpusKeepAcpiInterruptRouting() {
        assertThat(QemuArgv.kernelCmdline("172.16.0.2/30", "172.16.0.1", "1.1.1.1", "my-vm", "k", 2, true))
                .doesNotContain("pci=noacpi").contains("random.trust_cpu=on smolvm.ip=");
    }

    @Test
    void theAgentChannelIsAVirtioSerialPortOnAUnixSocket() {
        List<String> argv = QemuArgv.build("q", "tcg", tapSpec());
        assertThat(valuesOf(argv, "-chardev")).containsExactly(
                "file,id=console,path=" + DIR.resolve("console.log") + ",append=on",
                "socket,id=agent,path=" + DIR.resolve("agent.sock") + ",server=on,wait=off");
        assertThat(valuesOf(argv, "-device")).contains("virtio-serial-pci,id=vser0",
                "virtserialport,bus=vser0.0,chardev=agent,name=dev.smolvm.agent");
        assertThat(valuesOf(QemuArgv.build("q", "tcg", userSpec()), "-chardev")).as("no agent socket without an agent")
                .noneMatch(c -> c.startsWith("socket,"));
    }

    /** RAM a snapshot can save as a file: shared memory for a boot, the snapshot's file mapped privately for a restore. */
    @Test
    void guestRamIsAFileASnapshotCanCopyAndARestoreMaps(@org.junit.jupiter.api.io.TempDir Path snap) throws Exception {
        List<String> boot = QemuArgv.build("q", "tcg", userSpec());
        assertThat(valuesOf(boot, "-object")).singleElement().satisfiesAnyOf(
                o -> assertThat(o).isEqualTo("memory-backend-file,id=smolvm.ram,size=512M,"
                        + "mem-path=/dev/shm/smolvm-vm-0a1b2c3d.ram,share=on"),
                o -> assertThat(o).isEqualTo("memory-backend-ram,id=smolvm.ram,size=512M")); // no /dev/shm
        assertThat(boot).doesNotContain("-incoming");

        VmSpec stream = withRestore(snap);
        assertThat(valuesOf(QemuArgv.build("q", "tcg", stream), "-incoming"))
                .containsExactly("exec:cat '" + snap.resolve("state") + "'");
        assertThat(valuesOf(QemuArgv.build("q", "tcg", stream), "-object")).as("loading zero pages into shared memory "
                + "would allocate them").containsExactly("memory-backend-ram,id=smolvm.ram,size=512M");

        java.nio.file.Files.createFile(snap.resolve("ram"));
        List<String> file = QemuArgv.build("q", "tcg", withRestore(snap));
        assertThat(valuesOf(file, "-object")).containsExactly("memory-backend-file,id=smolvm.ram,size=512M,mem-path="
                + snap.resolve("ram") + ",share=off");
        assertThat(valuesOf(file, "-incoming")).as("loaded over QMP with x-ignore-shared").containsExactly("defer");
        assertThat(valuesOf(file, "-global")).as("a restore announces no MAC").contains("migration.announce-rounds=0");
        assertThat(valuesOf(boot, "-global")).doesNotContain("migration.announce-rounds=0");
    }

    private static VmSpec withRestore(Path snap) {
        VmSpec u = userSpec();
        return new VmSpec(u.id(), u.dir(), u.kernel(), u.initrd(), u.baseDisk(), u.kernelCmdline(), u.memoryMib(),
                u.cpus(), u.diskMib(), u.networkMode(), u.tap(), u.mac(), u.sshHostPort(), u.agentSocket(), snap);
    }
}
