package dev.smolvm.guest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
    private Path home;
    private String tag;

    @BeforeEach
    void profile() throws IOException {
        home = Files.createTempDirectory("gc-home");
        Files.writeString(home.resolve(".profile"), "export FROM_PROFILE=yes\nexport OVERRIDE=profile\n");
        tag = "unit" + ProcessHandle.current().pid();
    }

    @AfterEach
    void cleanUp() throws IOException {
        Files.deleteIfExists(Path.of(GuestCommand.pidFile(tag)));
        Files.deleteIfExists(home.resolve(".profile"));
        Files.deleteIfExists(home);
    }

    @Test
    void rawModeRecordsThePidThenExecsTheQuotedWords() {
        assertThat(GuestCommand.raw(List.of("echo", "hello world", "$HOME", "it's"), null, Map.of(), "t1"))
                .isEqualTo(RECORD + "exec echo 'hello world' '$HOME' 'it'\\''s'");
    }

    @Test
    void loginModeReadsTheLoginFilesThenEvalsTheScript() {
        String remote = GuestCommand.login("echo $HOME | wc -c", null, Map.of(), "t1");
        assertThat(remote).startsWith(RECORD + "[ -r /etc/profile ] && . /etc/profile; ")
                .contains("elif [ -r ~/.profile ]; then . ~/.profile; fi; ")
                .endsWith("eval 'echo $HOME | wc -c'");
    }

    @Test
    void cwdAndEnvComeAfterTheLoginFiles() {
        String remote = GuestCommand.login("env", "/srv/a b", Map.of("K", "it's"), "t1");
        assertThat(remote.indexOf("cd -- '/srv/a b'")).isGreaterThan(remote.indexOf(". ~/.profile"));
        assertThat(remote).contains("export K='it'\\''s'; eval env");
    }

    @Test
    void killTargetsTheRecordedProcessGroupAndRemovesTheFile() {
        assertThat(GuestCommand.kill("t1")).isEqualTo(
                "p=$(cat /tmp/.smolvm-exec.t1 2>/dev/null) && kill -KILL -- -\"$p\" 2>/dev/null; rm -f /tmp/.smolvm-exec.t1");
    }

    /** The strings are run by a real /bin/sh, with HOME pointing at a profile of our own. */
    @Test
    void aRealShellRunsThemWithLoginFilesAndExactArgv() throws Exception {
        assertThat(sh(GuestCommand.login("echo $FROM_PROFILE; exit 3", null, Map.of(), tag)))
                .isEqualTo(new Result(3, "yes\n"));
        assertThat(sh(GuestCommand.raw(List.of("printf", "%s|", "$HOME", "a b"), null, Map.of(), tag)))
                .isEqualTo(new Result(0, "$HOME|a b|"));
        assertThat(Path.of(GuestCommand.pidFile(tag))).exists();
        sh(GuestCommand.kill(tag));
        assertThat(Path.of(GuestCommand.pidFile(tag))).doesNotExist();
    }

    /** The argv the CLI gets reaches the program word for word, whatever the words hold. */
    @Test
    void everyKindOfWordSurvivesTheLoginShell() throws Exception {
        List<String> words = List.of("a b", "it's", "\"dq\"", "$HOME", "`id`", "a;b", "x && y", "*", "?.txt",
                "line1\nline2", "", "back\\slash", "~", "#hash", "tab\there");
        List<String> argv = new java.util.ArrayList<>(List.of("printf", "<%s>"));
        argv.addAll(words);
        String script = ShellWords.quoteAll(argv);
        StringBuilder expected = new StringBuilder();
        words.forEach(w -> expected.append('<').append(w).append('>'));
        assertThat(sh(GuestCommand.login(script, "/", Map.of(), tag))).isEqualTo(new Result(0, expected.toString()));
        assertThat(sh(GuestCommand.raw(argv, "/", Map.of(), tag))).isEqualTo(new Result(0, expected.toString()));
    }

    @Test
    void cwdAndEnvApplyAndWinOverTheProfile() throws Exception {
        Path dir = Files.createTempDirectory("gc dir");
        try {
            String script = ShellWords.quoteAll(List.of("sh", "-c", "printf '%s|%s|%s' \"$PWD\" \"$OVERRIDE\" \"$V\""));
            assertThat(sh(GuestCommand.login(script, dir.toString(), Map.of("OVERRIDE", "mine", "V", "a b$"), tag)))
                    .isEqualTo(new Result(0, dir + "|mine|a b$"));
        } finally {
            Files.delete(dir);
        }
    }

    @Test
    void aMissingCwdIsReportedWithItsOwnExitCode() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", GuestCommand.login("true", "/no/such/dir", Map.of(), tag));
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(GuestCommand.CANNOT_RUN);
        assertThat(err).isEqualTo("smolvm: cannot change to directory /no/such/dir: no such directory or not allowed\n");
    }

    record Result(int code, String out) {
    }

    private Result sh(String script) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script);
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
