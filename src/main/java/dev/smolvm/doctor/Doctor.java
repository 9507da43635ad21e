package dev.smolvm.doctor;

import dev.smolvm.Home;
import dev.smolvm.host.HostPackages;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.image.Images;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.host.Accelerator;
import dev.smolvm.host.Ksm;
import dev.smolvm.runtime.GuestAslr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checks this host for what smolvm needs, each with a fix. */
public final class Doctor {
    public enum Level { PASS, WARN, FAIL }

    public record Check(String name, Level level, String detail, String fix) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("status", level.name().toLowerCase());
            m.put("detail", detail);
            m.put("fix", fix);
            return m;
        }
    }

    private final Home home;
    private final Images images;
    private final Accelerator accelerator;
    private final NetworkMode networkMode;
    private final GuestAslr guestAslr;
    private final HostPrivileges privileges;

    public Doctor(Home home, Images images, Accelerator accelerator, NetworkMode networkMode, GuestAslr guestAslr,
                  HostPrivileges privileges) {
        this.privileges = privileges;
        this.home = home;
        this.guestAslr = guestAslr;
        this.images = images;
        this.accelerator = accelerator;
        this.networkMode = networkMode;
    }

    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        List<String> missing = HostPackages.missing();
        checks.add(missing.isEmpty()
                ? new Check("host packages", Level.PASS, "all installed", null)
                : new Check("host packages", Level.FAIL, "missing: " + String.join(", ", missing),
                "run 'smolvm setup' (or: apt-get install " + String.join(" ", missing) + ")"));
        checks.add(Cmd.onPath("qemu-system-x86_64")
                ? new Check("qemu", Level.PASS, firstLine(Cmd.of("qemu-system-x86_64", "--version").run().stdout()), null)
                : new Check("qemu", Level.FAIL, "qemu-system-x86_64 not found", "run 'smolvm setup'"));
        checks.add(accelerator.isKvm()
                ? new Check("kvm", Level.PASS, accelerator.reason(), null)
                : new Check("kvm", Level.WARN, accelerator.reason(),
                "on a host with VT-x/AMD-V, load kvm_intel or kvm_amd and make /dev/kvm accessible"));
        checks.add(new Check("guest aslr", Level.PASS, guestAslr.reason(), null));
        Path shm = Path.of("/dev/shm");
        checks.add(Files.isDirectory(shm) && Files.isWritable(shm)
                ? new Check("guest memory", Level.PASS, "a booted sandbox's RAM is a file in /dev/shm: its snapshots "
                + "save it as a file that restores map and share", null)
                : new Check("guest memory", Level.WARN, "/dev/shm is missing or not writable: guest RAM is anonymous, "
                + "and snapshots carry it in their state stream (slower to save and restore, no page sharing)",
                "mount a tmpfs on /dev/shm writable by this user"));
        checks.add(networkMode == NetworkMode.TAP
                ? new Check("networking", Level.PASS, "TAP devices with a routed /30 per sandbox (root, /dev/net/tun)", null)
                : new Check("networking", Level.WARN, "user-mode networking (no TAP: "
                + (privileges.root() ? "/dev/net/tun, ip or nft missing" : "not root") + "); guests are not "
                + "routable from the host", "run as root with /dev/net/tun, ip and nft for TAP networking"));
        checks.add(Cmd.onPath("ssh")
                ? new Check("ssh client", Level.PASS, "OpenSSH client present", null)
                : new Check("ssh client", Level.FAIL, "ssh not found", "apt-get install openssh-client"));
        var image = images.find(Images.DEFAULT);
        if (image.isEmpty()) {
            checks.add(new Check("guest image", Level.WARN, "the default image is not built yet (" + images.root() + ")",
                    "run 'smolvm setup' (the first 'sandbox create' also builds it)"));
        } else if (!Images.current(image.get())) {
            checks.add(new Check("guest image", Level.WARN, "'" + Images.DEFAULT + "' at " + image.get().dir()
                    + " was built by another version of smolvm", "delete the sandboxes that use it, then run "
                    + "'smolvm image build --force'"));
        } else {
            checks.add(new Check("guest image", Level.PASS, "'" + Images.DEFAULT + "' at " + image.get().dir(), null));
        }
        images.probeRegistries().forEach((host, answer) -> checks.add(answer.startsWith("HTTP ")
                ? new Check("registry " + host, Level.PASS, "answered (" + answer + "): --os ubuntu|alpine and image pull can use it", null)
                : new Check("registry " + host, Level.WARN, "did not answer (" + answer.substring("no answer: ".length())
                + "): --os ubuntu|alpine and pulls from it will fail; the Debian image and local registries still work",
                "allow HTTPS to " + host + ", or point SMOLVM_OS_UBUNTU_IMAGE / SMOLVM_OS_ALPINE_IMAGE at a reachable registry")));
        checks.add(Files.exists(Path.of("/dev/vhost-vsock"))
                ? new Check("vsock", Level.PASS, "/dev/vhost-vsock present", null)
                : new Check("vsock", Level.WARN, "/dev/vhost-vsock is missing, so the vsock control channel is "
                + "unavailable; ssh is used", "modprobe vhost_vsock (if the host kernel has it)"));
        checks.add(Cmd.onPath("firecracker") && accelerator.isKvm()
                ? new Check("firecracker", Level.WARN, "installed, but this version of smolvm drives only qemu", null)
                : new Check("firecracker", Level.WARN, "--backend firecracker is unavailable ("
                + (accelerator.isKvm() ? "firecracker is not installed" : "it needs a usable KVM") + ")",
                "use --backend qemu (the default)"));
        checks.add(KsmCheck.of(Ksm.system()));
        checks.addAll(ProtectionChecks.run(home, networkMode));
        checks.add(writable(home.root())
                ? new Check("state directory", Level.PASS, home.root().toString(), null)
                : new Check("state directory", Level.FAIL, home.root() + " is not writable",
                "set SMOLVM_HOME to a writable directory"));
        return checks;
    }

    private static boolean writable(Path dir) {
        try {
            Files.createDirectories(dir);
            return Files.isWritable(dir);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s.strip() : s.substring(0, nl).strip();
    }
}
