package dev.smolvm.sandbox;

import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.runtime.VmSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A backend that runs nothing: "boots" by writing a pid file and (optionally) the guest's ready line. */
final class FakeBackend implements Backend {
    final List<String> calls = new ArrayList<>();
    boolean alive;
    boolean writesReadyLine = true;
    RuntimeException bootFails;

    @Override
    public BackendKind kind() {
        return BackendKind.QEMU;
    }

    @Override
    public void ensureAvailable() {
    }

    @Override
    public String accelerator() {
        return "fake";
    }

    @Override
    public long boot(VmSpec spec) {
        calls.add("boot");
        if (bootFails != null) {
            throw bootFails;
        }
        try {
            Files.createDirectories(spec.dir());
            Files.writeString(spec.pidFile(), "4242\n");
            Files.writeString(spec.consoleLog(), writesReadyLine ? "booting\n" + Boot.GUEST_READY + "\n" : "booting\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        alive = true;
        return 4242;
    }

    @Override
    public boolean isAlive(long pid, String sandboxId) {
        return alive && pid == 4242;
    }

    @Override
    public void kill(long pid, String sandboxId, VmSpec spec, Duration timeout) {
        calls.add("kill " + pid);
        alive = false;
    }

    @Override
    public String kernelCmdline(String guestCidr, String gateway, String dns, String hostname, String key, int cpus) {
        return "fake " + guestCidr;
    }
}
