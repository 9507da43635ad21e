package dev.smolvm.cli;

import dev.smolvm.image.GuestOs;
import dev.smolvm.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "info", aliases = "inspect",
        mixinStandardHelpOptions = true,
        description = "Show everything known about one sandbox.")
final class SandboxInfoCommand extends BaseCommand {
    @Parameters(paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Override
    int run() {
        Sandbox s = ctx().smolvm().sandboxes().get(sandbox);
        return emit(s.toJson(), () -> {
            var o = ctx().out;
            o.println("Name:       " + s.name());
            o.println("ID:         " + s.id());
            o.println("Status:     " + s.status().wireName() + (s.lastError() != null ? " (" + s.lastError() + ")" : ""));
            o.println("Image:      " + s.image() + " (" + GuestOs.wireNameOrCustom(s.os()) + ")");
            o.println("Backend:    " + s.backend() + " (" + s.accel() + ")");
            o.println("Memory:     " + s.memoryMib() + " MiB");
            o.println("Disk:       " + s.diskMib() + " MiB");
            o.println("CPUs:       " + s.cpus());
            o.println("Network:    " + s.networkMode() + ", guest " + s.guestIp()
                    + (s.tap() != null ? " via " + s.tap() : "")
                    + (s.sshPort() != null ? ", ssh on 127.0.0.1:" + s.sshPort() : ""));
            o.println("Egress:     " + s.egress() + (s.allowedCidrs().isEmpty() ? "" : ", allowed " + String.join(", ", s.allowedCidrs())));
            o.println("Channel:    " + s.channel() + ("agent".equals(s.channel()) ? " (virtio-serial; sshd on demand)"
                    : " (ssh)"));
            o.println("PID:        " + (s.pid() == null ? "-" : s.pid()));
            o.println("Created:    " + s.createdAt());
            o.println("Started:    " + (s.startedAt() == null ? "-" : s.startedAt()));
        });
    }
}
