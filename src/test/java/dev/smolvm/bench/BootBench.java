package dev.smolvm.bench;

import dev.smolvm.Smolvm;
import dev.smolvm.host.Progress;
import dev.smolvm.sandbox.CreateRequest;
import dev.smolvm.sandbox.ExecRequest;
import java.io.OutputStream;

import dev.smolvm.Home;
import dev.smolvm.e2e.Cli;
import dev.smolvm.image.Images;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.GuestAslr;
import dev.smolvm.runtime.VmSpec;
import dev.smolvm.runtime.qemu.QemuArgv;
import dev.smolvm.runtime.qemu.QemuBackend;
import dev.smolvm.host.Accelerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Boot: {@code smolvm sandbox create} + the first {@code exec}, as a user types them, against the
 * same kernel, initramfs and image booted by a bare QEMU command line up to the moment the
 * guest's init prints that it is ready (the floor for the QEMU path).
 */
final class BootBench {
    private static final String READY = "smolvm: guest ready";

    private BootBench() {
    }

    static void run(Cli cli, boolean quick, Report report) throws Exception {
        int runs = quick ? 1 : 3;
        Map<String, String> env = cli.env();
        var images = new Images(Home.fromEnvironment(env).images());
        if (images.find(Images.DEFAULT).isEmpty()) {
            Bench.check(cli.run("image", "build"), "image build"); // not part of what is measured
        }
        var image = images.find(Images.DEFAULT).orElseThrow();
        Accelerator accel = Accelerator.probe(env);
        List<Double> bare = new ArrayList<>();
        List<Double> create = new ArrayList<>();
        List<Double> createExec = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            bare.add(bareBoot(image.kernel(), image.initrd(), image.rootfs(), accel.name()));
            String name = "boot" + i;
            double c = Proc.timeOk(List.of(Proc.launcher(), "sandbox", "create", "--cold", "--name", name), env);
            double e = Proc.timeOk(List.of(Proc.launcher(), "sandbox", "exec", name, "--", "true"), env);
            create.add(c);
            createExec.add(c + e);
            Bench.check(cli.run("sandbox", "delete", "--force", name), "delete");
        }
        Stats floor = Stats.of(bare);
        report.add(new Row("boot", "bare QEMU to guest ready", "qemu " + accel.name(), "ms", floor, null, null, null));
        Stats c = Stats.of(create);
        report.add(new Row("boot", "smolvm sandbox create", "cli", "ms", c, "bare QEMU", c.median() / floor.median(), null));
        Stats ce = Stats.of(createExec);
        report.add(new Row("boot", "create → first exec", "cli", "ms", ce, "bare QEMU", ce.median() / floor.median(),
                "<= 1.15"));
        byRestore(cli, runs, report, floor);
        SnapshotBench.run(cli, quick, report, floor);
    }

    /**
     * Create by restore: the first create of the default shape boots and saves the boot snapshot
     * (not measured; it also warms this JVM's classes), then creates that load it, as a user types
     * them (two JVM starts) and through the Java API (one process, as the HTTP server does it).
     */
    private static void byRestore(Cli cli, int runs, Report report, Stats floor) throws Exception {
        Map<String, String> env = cli.env();
        List<Double> viaCli = new ArrayList<>();
        List<Double> viaApi = new ArrayList<>();
        try (Smolvm smolvm = Smolvm.open(env)) {
            smolvm.sandboxes().create(CreateRequest.defaults().withName("seed"), Progress.SILENT);
            firstExec(smolvm, "seed");
            for (int i = 0; i < runs; i++) {
                double c = Proc.timeOk(List.of(Proc.launcher(), "sandbox", "create", "--name", "rc" + i), env);
                double e = Proc.timeOk(List.of(Proc.launcher(), "sandbox", "exec", "rc" + i, "--", "true"), env);
                viaCli.add(c + e);
                long t0 = System.nanoTime();
                smolvm.sandboxes().create(CreateRequest.defaults().withName("ra" + i), Progress.SILENT);
                firstExec(smolvm, "ra" + i);
                viaApi.add((System.nanoTime() - t0) / 1e6);
                Bench.check(cli.run("sandbox", "delete", "--force", "rc" + i, "ra" + i), "delete");
            }
        }
        Bench.check(cli.run("sandbox", "delete", "--force", "seed"), "delete");
        Stats c = Stats.of(viaCli);
        report.add(new Row("boot", "create by restore → first exec", "cli", "ms", c, "bare QEMU",
                c.median() / floor.median(), null));
        Stats a = Stats.of(viaApi);
        report.add(new Row("boot", "create by restore → first exec", "java api", "ms", a, "bare QEMU",
                a.median() / floor.median(), "<= 0.3"));
    }

    private static void firstExec(Smolvm smolvm, String name) {
        smolvm.sandboxes().exec(name, ExecRequest.argv("true"), null, OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream());
    }

    /** Boots the image with nothing of smolvm around it and returns ms until init says ready. */
    static double bareBoot(Path kernel, Path initrd, Path rootfs, String accel) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "smolvm-bare-");
        Path[] ram = new Path[1];
        try {
            String key = Base64.getEncoder().encodeToString("ssh-ed25519 AAAA bench\n".getBytes());
            String cmdline = QemuArgv.kernelCmdline("10.0.2.15/24", "10.0.2.2", "10.0.2.3", "bare", key, 1,
                    GuestAslr.decide(System.getenv(), accel).on()); // the same guest kernel arguments smolvm uses
            VmSpec spec = new VmSpec("bare" + ProcessHandle.current().pid(), dir, kernel, initrd, rootfs, cmdline,
                    512, 1, 2048, NetworkMode.USER, null, null, 0, null, null);
            ram[0] = QemuBackend.ramFileOf(spec);
            long t0 = System.nanoTime();
            Proc.timeOk(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", rootfs.toString(),
                    spec.overlayDisk().toString(), "2048M"), Map.of());
            List<String> argv = QemuArgv.build(QemuBackend.BINARY, accel, spec);
            Proc.timeOk(argv, Map.of());
            Files.deleteIfExists(QemuBackend.ramFileOf(spec)); // as smolvm does: the RAM goes with QEMU
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (Files.exists(spec.consoleLog()) && Files.readString(spec.consoleLog()).contains(READY)) {
                    double ms = (System.nanoTime() - t0) / 1e6;
                    long pid = Long.parseLong(Files.readString(spec.pidFile()).strip());
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    return ms;
                }
                Thread.sleep(5);
            }
            throw new IllegalStateException("bare QEMU boot did not reach '" + READY + "'");
        } finally {
            try {
                if (Files.exists(dir.resolve("vm.pid"))) {
                    long pid = Long.parseLong(Files.readString(dir.resolve("vm.pid")).strip());
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (IOException | NumberFormatException ignored) {
                // already gone
            }
            Images.deleteTree(dir);
            if (ram[0] != null) {
                Files.deleteIfExists(ram[0]);
            }
        }
    }
}
