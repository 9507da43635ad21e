package dev.smolvm.cli;

import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.sandbox.CreateRequest;
import dev.smolvm.sandbox.Sandbox;
import dev.smolvm.sandbox.Sandboxes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "create",
        mixinStandardHelpOptions = true,
        description = {
                "Create and boot a sandbox, and wait until it accepts commands.",
                "The first create on a host installs what is missing and builds the guest image (shown as it goes)."},
        footer = {"", "Examples:",
                "  smolvm sandbox create --name demo",
                "  smolvm sandbox create --memory 1024 --disk-size 4096 --json",
                "  smolvm sandbox create --network restricted --allow 203.0.113.0/24,198.51.100.7"})
final class SandboxCreateCommand extends BaseCommand {
    @Option(names = "--name", paramLabel = "NAME", description = "Sandbox name (default: its generated id, like vm-a1b2c3d4).")
    String name;

    @Option(names = "--os", paramLabel = "OS", description = "Guest OS: ${COMPLETION-CANDIDATES} (default: the Debian image).")
    GuestOs os;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Image name from 'smolvm image list', or an image directory.")
    String image;

    @Option(names = "--memory", paramLabel = "MiB", description = "Guest memory in MiB (default: 512).")
    Integer memory;

    @Option(names = "--disk-size", paramLabel = "MiB", description = "Guest disk size in MiB (default: 2048).")
    Integer diskSize;

    @Option(names = "--cpus", paramLabel = "N", description = "Virtual CPUs, at most the host's cores (default: 1).")
    Integer cpus;

    @Option(names = "--backend", paramLabel = "BACKEND", description = "Runtime backend: ${COMPLETION-CANDIDATES} (default: qemu).")
    BackendKind backend;

    @Option(names = "--network", paramLabel = "MODE",
            description = "Egress: open (default; never the host's networks or 169.254.0.0/16 unless allowed), "
                    + "off (none), restricted (only --allow and DNS).")
    EgressPolicy.Mode network;

    @Option(names = "--allow", paramLabel = "CIDR", split = ",",
            description = "Networks the sandbox may reach (repeatable or comma-separated), e.g. 10.1.2.0/24.")
    List<String> allow;

    @Option(names = "--boot-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for the guest to answer (default: ${DEFAULT-VALUE}).")
    int bootTimeout;

    @Option(names = "--cold",
            description = "Boot the guest even when a boot snapshot of this image and size exists (by default the "
                    + "first sandbox of an image and size boots and is saved right after its boot, and later ones "
                    + "are made by restoring that, which is faster).")
    boolean cold;

    @Override
    int run() {
        CreateRequest req = new CreateRequest(name, os, image, memory, diskSize, backend, cpus,
                Duration.ofSeconds(bootTimeout)).withNetwork(network, allow).withCold(cold);
        Sandboxes.Created created = ctx().smolvm().sandboxes().createTimed(req, ctx().progress());
        Sandbox sb = created.sandbox();
        Map<String, Object> json = new LinkedHashMap<>(sb.toJson());
        json.put("phases", created.phases()); // boot phase -> milliseconds, in order
        return emit(json, () -> {
            ctx().out.println("Created sandbox '" + sb.name() + "' (" + sb.id() + "), running at " + sb.guestIp());
            ctx().out.println("Run a command: smolvm sandbox exec " + sb.name() + " -- uname -a");
        });
    }
}
