package dev.smolvm.cli;

import dev.smolvm.SmolvmException;
import dev.smolvm.guest.SshChannel;
import dev.smolvm.guest.SshTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "ssh",
        mixinStandardHelpOptions = true,
        description = {"Open an SSH session in a running sandbox, or run one command through SSH.",
                "With --json, prints how to connect instead of connecting."},
        footer = {"", "Examples:",
                "  smolvm sandbox ssh demo",
                "  smolvm ssh demo -- \"cd /app && npm run dev &\""})
final class SandboxSshCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the running sandbox.")
    String sandbox;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "CMD", description = "A command to run instead of a shell.")
    List<String> command = new ArrayList<>();

    @Option(names = "--ssh-key", paramLabel = "PATH", description = "SSH private key path (default: ~/.smolvm/keys/id_ed25519).")
    Path sshKey;

    @Option(names = "--ssh-user", paramLabel = "USER", defaultValue = "root", description = "SSH user to connect as (default: ${DEFAULT-VALUE}).")
    String sshUser;

    /**
     * Whether this process talks to a terminal. On JDK 22+ System.console() exists even when it
     * does not, and Console.isTerminal() says; on JDK 21 a console exists only on a terminal.
     */
    static boolean onTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException jdk21) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    @Override
    int run() {
        SshTarget target = ctx().smolvm().sandboxes().sshTarget(sandbox, sshUser, sshKey);
        if (sshKey != null && !sshKey.toFile().canRead()) {
            throw SmolvmException.invalid("cannot read the SSH key " + sshKey + ".");
        }
        List<String> argv = new ArrayList<>(new SshChannel(target).command(command));
        boolean tty = command.isEmpty() && onTerminal();
        if (tty) {
            argv.set(argv.indexOf("-T"), "-t");
        }
        if (json) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("sandbox", sandbox);
            data.put("host", target.host());
            data.put("port", target.port());
            data.put("user", target.user());
            data.put("ssh_key", target.key().toString());
            data.put("command", argv);
            return emit(data, () -> { });
        }
        try {
            Process p = new ProcessBuilder(argv).inheritIO().start();
            return p.waitFor();
        } catch (IOException e) {
            throw SmolvmException.unavailable("cannot run ssh: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }
}
