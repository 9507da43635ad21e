package dev.smolvm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Looks at the host the way a person checking on smolvm would: ip, nft, /proc. */
final class Host {
    private Host() {
    }

    static String sh(String script) {
        try {
            Process p = new ProcessBuilder(List.of("sh", "-c", script)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static boolean linkExists(String name) {
        return sh("ip -o link show " + name + " 2>/dev/null").contains(name);
    }

    /** Pids whose command line matches {@code regex}, not counting the shell that asks. */
    static String pgrep(String regex) {
        // "[x]yz" matches "xyz" but not itself, so the asking shell's own command line never counts.
        return sh("pgrep -f '[" + regex.charAt(0) + "]" + regex.substring(1) + "' || true").strip();
    }

    /** Alive and not a zombie (a killed daemon waits a moment for PID 1 to reap it). */
    static boolean processAlive(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
