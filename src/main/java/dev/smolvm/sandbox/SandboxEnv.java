package dev.smolvm.sandbox;

import dev.smolvm.store.SandboxStatus;

import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.Progress;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code smolvm sandbox env set|unset|list} and {@code /sandboxes/{id}/env}: variables kept for a
 * sandbox, applied to every exec (under the exec's own {@code --env}, over the image's defaults)
 * and written into the guest's profile for login shells and SSH sessions, also after each start.
 */
public final class SandboxEnv implements Sandboxes.LifecycleListener {
    private final Home home;
    private final Sandboxes sandboxes;

    public SandboxEnv(Home home, Sandboxes sandboxes) {
        this.home = home;
        this.sandboxes = sandboxes;
    }

    /** The kept variables, by name. */
    public Map<String, String> list(String ref) {
        return SandboxEnvFile.read(home.sandboxDir(sandboxes.get(ref).id()));
    }

    /** Adds or replaces {@code vars} (names checked), and returns all kept variables. */
    public Map<String, String> set(String ref, Map<String, String> vars) {
        Map<String, String> checked = ExecRequest.checkedEnv(vars);
        if (checked.isEmpty()) {
            throw SmolvmException.invalid("no variables given; say what to set, e.g. DEBUG=1");
        }
        return change(ref, all -> all.putAll(checked));
    }

    /** Removes {@code names}; a name that is not set is NOT_FOUND. Returns the variables left. */
    public Map<String, String> unset(String ref, Collection<String> names) {
        if (names.isEmpty()) {
            throw SmolvmException.invalid("no variable names given; say which to remove, e.g. DEBUG");
        }
        Map<String, String> asVars = new LinkedHashMap<>();
        names.forEach(n -> asVars.put(n, ""));
        ExecRequest.checkedEnv(asVars);
        return change(ref, all -> {
            List<String> missing = names.stream().filter(n -> !all.containsKey(n)).toList();
            if (!missing.isEmpty()) {
                throw SmolvmException.notFound("sandbox '" + ref + "' has no variable " + String.join(", ", missing)
                        + (all.isEmpty() ? "; it has none set" : "; it has " + String.join(", ", all.keySet())));
            }
            names.forEach(all::remove);
        });
    }

    private Map<String, String> change(String ref, java.util.function.Consumer<Map<String, String>> edit) {
        Sandbox s = sandboxes.get(ref);
        Path dir = home.sandboxDir(s.id());
        Map<String, String> all;
        try (FileLock ignored = FileLock.acquire(dir.resolve("env.lock"))) {
            all = new TreeMap<>(SandboxEnvFile.read(dir));
            edit.accept(all);
            SandboxEnvFile.write(dir, all);
        }
        if (s.status() == SandboxStatus.RUNNING) {
            writeGuestProfile(s.id(), all);
        }
        return Map.copyOf(all);
    }

    /** A sandbox that boots again gets its profile script rewritten (its disk may be older than the env). */
    @Override
    public void started(Sandbox sandbox, Progress progress) {
        Map<String, String> vars = SandboxEnvFile.read(home.sandboxDir(sandbox.id()));
        if (vars.isEmpty()) {
            return;
        }
        try {
            writeGuestProfile(sandbox.id(), vars);
        } catch (SmolvmException e) {
            progress.step("Could not write the sandbox's environment into " + SandboxEnvFile.GUEST_PROFILE
                    + " (execs get it anyway): " + e.getMessage());
        }
    }

    @Override
    public void released(Sandbox sandbox, boolean deleted) {
        // the file lives in the sandbox directory and goes with it
    }

    private void writeGuestProfile(String id, Map<String, String> vars) {
        String target = SandboxEnvFile.GUEST_PROFILE;
        String script = vars.isEmpty() ? "rm -f " + target
                : "mkdir -p /etc/profile.d && cat > " + target + ".tmp && chmod 0644 " + target + ".tmp && mv -f "
                + target + ".tmp " + target;
        var out = new CapturedOutput(64 * 1024);
        ExecResult r = sandboxes.exec(id, ExecRequest.argv("/bin/sh", "-c", script).withShell(ShellMode.RAW),
                vars.isEmpty() ? null
                        : new ByteArrayInputStream(SandboxEnvFile.profileScript(vars).getBytes(StandardCharsets.UTF_8)),
                out, out);
        if (r.exitCode() != 0) {
            throw SmolvmException.internal("the variables are kept, but writing " + target + " in the guest failed "
                    + "(exit " + r.exitCode() + "): " + out.text().strip());
        }
    }
}
