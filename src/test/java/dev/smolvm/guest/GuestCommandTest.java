package dev.smolvm.guest;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GuestCommandTest {
    private static final String RECORD = "{ echo $$ > /tmp/.smolvm-exec.t1; } 2>/dev/null; ";

    @Test
    void rawModeRecordsThePidThenExecsTheQuotedWords() {
        assertThat(GuestCommand.remote(List.of("echo", "hello world", "$HOME", "it's"), ShellMode.RAW, "t1"))
                .isEqualTo(RECORD + "exec echo 'hello world' '$HOME' 'it'\\''s'");
    }

    @Test
    void loginModeReadsTheLoginFilesThenEvalsTheScript() {
        String remote = GuestCommand.remote(List.of("echo", "$HOME", "|", "wc", "-c"), ShellMode.LOGIN, "t1");
        assertThat(remote).startsWith(RECORD + "[ -r /etc/profile ] && . /etc/profile; ")
                .contains("elif [ -r ~/.profile ]; then . ~/.profile; fi; ")
                .endsWith("eval 'echo $HOME | wc -c'");
    }

    @Test
    void killTargetsTheRecordedProcessGroupAndRemovesTheFile() {
        assertThat(GuestCommand.kill("t1")).isEqualTo(
                "p=$(cat /tmp/.smolvm-exec.t1 2>/dev/null) && kill -KILL -- -\"$p\" 2>/dev/null; rm -f /tmp/.smolvm-exec.t1");
    }

    /** The strings are run by a real /bin/sh, with HOME pointing at a profile of our own. */
    @Test
    void aRealShellRunsThemWithLoginFilesAndExactArgv() throws Exception {
        Path home = Files.createTempDirectory("gc-home");
        Files.writeString(home.resolve(".profile"), "export FROM_PROFILE=yes\n");
        String tag = "unit" + ProcessHandle.current().pid();
        try {
            assertThat(sh(GuestCommand.remote(List.of("echo $FROM_PROFILE; exit 3"), ShellMode.LOGIN, tag), home))
                    .isEqualTo(new Result(3, "yes\n"));
            assertThat(sh(GuestCommand.remote(List.of("printf", "%s|", "$HOME", "a b"), ShellMode.RAW, tag), home))
                    .isEqualTo(new Result(0, "$HOME|a b|"));
            assertThat(Path.of(GuestCommand.pidFile(tag))).exists();
            sh(GuestCommand.kill(tag), home);
            assertThat(Path.of(GuestCommand.pidFile(tag))).doesNotExist();
        } finally {
            Files.deleteIfExists(Path.of(GuestCommand.pidFile(tag)));
            Files.deleteIfExists(home.resolve(".profile"));
            Files.deleteIfExists(home);
        }
    }

    record Result(int code, String out) {
    }

    private static Result sh(String script, Path home) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script);
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
