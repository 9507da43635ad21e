package dev.smolvm.image;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.host.Progress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

import static dev.smolvm.image.Images.deleteTree;

/**
 * Building the Debian guest image from its recipe (the build script and the guest files, carried
 * in the jar), and making a kernel and initramfs for any image.
 */
final class DebianBuild {
    /** The recipe: class-path resources the build script runs with (the agent is built by Maven). */
    private static final String[] BUILD_FILES = {"build-debian.sh", "make-boot.sh", "initramfs-init", "guest-boot",
            "inittab", "/dev/smolvm/guest/agent/smolvm-agent"};

    private DebianBuild() {
    }

    /**
     * A short hash of the build recipe (the script and the guest files). Images record the recipe
     * they were built from, so a stale one can be told apart from a current one.
     */
    static String recipe() {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (String file : BUILD_FILES) {
                try (InputStream in = Images.class.getResourceAsStream(file)) {
                    digest.update(in.readAllBytes());
                }
            }
            return java.util.HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("build recipe unreadable", e);
        }
    }

    /** Runs the build script into {@code target} (with progress) and records the recipe there. */
    static void run(Path target, Progress progress) throws IOException {
        Path scripts = Files.createTempDirectory("smolvm-image-");
        try {
            for (String file : BUILD_FILES) {
                Path copy = scripts.resolve(file.substring(file.lastIndexOf('/') + 1));
                try (InputStream in = Images.class.getResourceAsStream(file)) {
                    if (in == null) {
                        throw SmolvmException.internal("the build file " + file + " is missing from smolvm's jar; "
                                + "rebuild smolvm ('./smolvm' rebuilds when sources change)");
                    }
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
                copy.toFile().setExecutable(true);
            }
            runBuild(scripts.resolve("build-debian.sh"), target, progress);
            Files.writeString(target.resolve("recipe"), recipe() + "\n");
        } finally {
            deleteTree(scripts);
        }
    }

    /** Makes the kernel and initramfs of an image into {@code out} (and the initramfs's modules into {@code modules}); returns the kernel version. */
    static String makeBootFiles(Path out, Path modules) {
        try {
            Path scripts = Files.createTempDirectory("smolvm-boot-");
            try {
                for (String file : new String[] {"make-boot.sh", "initramfs-init"}) {
                    try (InputStream in = Images.class.getResourceAsStream(file)) {
                        Files.copy(in, scripts.resolve(file));
                    }
                }
                var r = Cmd.of("bash", scripts.resolve("make-boot.sh").toString(), out.toString(), modules.toString())
                        .withTimeout(java.time.Duration.ofMinutes(5)).run();
                if (!r.ok()) {
                    throw SmolvmException.unavailable("cannot make the kernel and initramfs: " + r.describeFailure()
                            + "; 'smolvm setup' installs the kernel, busybox-static, kmod and cpio.");
                }
                return r.stdout().strip();
            } finally {
                deleteTree(scripts);
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot make the kernel and initramfs: " + e.getMessage());
        }
    }

    private static void runBuild(Path script, Path target, Progress progress) throws IOException {
        Process p = new ProcessBuilder("bash", script.toString(), target.toString())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        Deque<String> tail = new ArrayDeque<>();
        try (var reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("==> ")) {
                    progress.step("  " + line.substring(4));
                }
                tail.addLast(line);
                if (tail.size() > 15) {
                    tail.removeFirst();
                }
            }
        }
        try {
            if (p.waitFor() != 0) {
                throw SmolvmException.internal("the guest image build failed; its last output was:\n  "
                        + String.join("\n  ", tail));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw SmolvmException.internal("image build interrupted");
        }
    }

    /** Building needs root, mmdebstrap, mkfs.ext4, cpio, modprobe, ssh-keygen and a cloud kernel in /boot. */
    static void checkTools(HostPrivileges privileges) {
        if (!privileges.root()) {
            throw SmolvmException.unavailable("building a guest image needs root (mmdebstrap and mkfs.ext4 make "
                    + "a root-owned tree); run 'sudo smolvm image build' once.");
        }
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("mmdebstrap", "mkfs.ext4", "cpio", "modprobe", "ssh-keygen")) {
            if (!Cmd.onPath(tool)) {
                missing.add(tool);
            }
        }
        try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
            if (boot.noneMatch(p -> p.getFileName().toString().matches("vmlinuz-.*-cloud-amd64"))) {
                missing.add("a cloud kernel in /boot (linux-image-cloud-amd64)");
            }
        } catch (IOException e) {
            missing.add("/boot");
        }
        if (!missing.isEmpty()) {
            throw SmolvmException.unavailable("cannot build the guest image: missing " + String.join(", ", missing)
                    + "; run 'smolvm setup' to install them.");
        }
    }
}
