package dev.smolvm.host;

import dev.smolvm.SmolvmException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The Debian packages smolvm runs, and installing the missing ones with apt-get. */
public final class HostPackages {
    /** Package, and why smolvm needs it. */
    public record Need(String pkg, String why) {
    }

    public static final List<Need> NEEDED = List.of(
            new Need("qemu-system-x86", "runs the guests"),
            new Need("qemu-utils", "qemu-img makes each sandbox's copy-on-write disk"),
            new Need("linux-image-cloud-amd64", "the guest kernel"),
            new Need("busybox-static", "the guest's init and initramfs"),
            new Need("mmdebstrap", "builds the guest root filesystem"),
            new Need("e2fsprogs", "mkfs.ext4 makes the guest disk image"),
            new Need("cpio", "packs the initramfs"),
            new Need("kmod", "resolves kernel module dependencies"),
            new Need("nftables", "sandbox NAT, isolation and port forwards"),
            new Need("iproute2", "TAP devices"),
            new Need("openssh-client", "the control channel to each guest"),
            new Need("musl-tools", "builds the static guest agent (agent/, with make)"),
            new Need("make", "builds the guest agent"),
            new Need("docker-registry", "a local OCI registry for the image pull tests (never started by smolvm itself)"));

    private HostPackages() {
    }

    /** The needed packages that are not installed, asked of dpkg in one call (this is on the create path). */
    public static List<String> missing() {
        List<String> argv = new ArrayList<>(List.of("dpkg-query", "-W", "-f=${Package} ${Status}\n"));
        NEEDED.forEach(n -> argv.add(n.pkg()));
        var r = Cmd.of(argv).run();
        java.util.Set<String> installed = new java.util.HashSet<>();
        for (String line : r.stdout().split("\n")) {
            if (line.endsWith(" install ok installed")) {
                installed.add(line.substring(0, line.indexOf(' ')).replaceFirst(":.*", ""));
            }
        }
        List<String> out = new ArrayList<>();
        for (Need n : NEEDED) {
            if (!installed.contains(n.pkg())) {
                out.add(n.pkg());
            }
        }
        return out;
    }

    /** Installs {@code packages} with apt-get (root only), reporting progress. */
    public static void install(List<String> packages, Progress progress, HostPrivileges privileges) {
        if (packages.isEmpty()) {
            return;
        }
        String command = "apt-get install -y --no-install-recommends " + String.join(" ", packages);
        if (!privileges.root() || !Cmd.onPath("apt-get")) {
            throw SmolvmException.unavailable("smolvm needs these host packages: " + String.join(", ", packages)
                    + "; install them with 'sudo " + command + "'.");
        }
        progress.step("Installing host packages: " + String.join(" ", packages));
        progress.step("  apt-get update");
        Cmd.of("apt-get", "update", "-qq").withTimeout(Duration.ofMinutes(5)).run();
        progress.step("  " + command);
        List<String> argv = new ArrayList<>(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install",
                "-y", "-qq", "--no-install-recommends"));
        argv.addAll(packages);
        var r = Cmd.of(argv).withTimeout(Duration.ofMinutes(15)).run();
        if (!r.ok()) {
            throw SmolvmException.unavailable("installing host packages failed; " + r.describeFailure());
        }
    }
}
