package dev.smolvm.cli;

import dev.smolvm.sandbox.ShellSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

@Command(name = "shell",
        mixinStandardHelpOptions = true,
        description = {"Open an interactive shell in a running sandbox, through its guest agent: no SSH needed.",
                "The shell runs on a terminal in the guest that follows this one's size; Ctrl-C interrupts the "
                        + "command running in it, and 'exit' (or Ctrl-D) ends the session with the shell's exit code."},
        footer = {"", "Examples:",
                "  smolvm sandbox shell demo",
                "  smolvm sandbox ssh demo      # the same over SSH (starts sshd in the guest on first use)"})
final class SandboxShellCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Override
    int run() {
        boolean tty = SandboxSshCommand.onTerminal();
        int[] size = tty ? terminalSize() : new int[] {24, 80};
        String saved = tty ? stty("-g").strip() : null;
        OutputStream screen = new OutputStream() {
            @Override
            public void write(int b) {
                ctx().out.write(b);
                ctx().out.flush();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                ctx().out.write(b, off, len);
                ctx().out.flush();
            }
        };
        try (ShellSession session = ctx().smolvm().sandboxes().shell(sandbox, size[0], size[1], ctx().in, screen)) {
            if (tty) {
                stty("raw", "-echo"); // keys, Ctrl-C included, go to the guest's terminal as typed
                followResizes(session);
            }
            return session.await();
        } finally {
            if (saved != null) {
                stty(saved);
            }
        }
    }

    /** SIGWINCH: the terminal was resized; tell the guest's pty. */
    private static void followResizes(ShellSession session) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> {
                int[] s = terminalSize();
                session.resize(s[0], s[1]);
            });
        } catch (IllegalArgumentException unsupported) {
            // no SIGWINCH here: the size stays what it was at the start
        }
    }

    private static int[] terminalSize() {
        String[] rc = stty("size").strip().split("\\s+");
        try {
            return new int[] {Integer.parseInt(rc[0]), Integer.parseInt(rc[1])};
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return new int[] {24, 80};
        }
    }

    /** Runs stty on this process's terminal and returns what it printed. */
    private static String stty(String... args) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("stty"));
        argv.addAll(java.util.List.of(args));
        try {
            Process p = new ProcessBuilder(argv).redirectInput(Path.of("/dev/tty").toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
