package dev.smolvm.guest;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GuestCommandTest {
    @Test
    void rawModeQuotesEachWord() {
        assertThat(GuestCommand.remote(List.of("echo", "hello world", "$HOME", "it's"), ShellMode.RAW, 30))
                .isEqualTo("exec timeout -k 2 30 echo 'hello world' '$HOME' 'it'\\''s'");
    }

    @Test
    void rawModeSimpleWordsUnquoted() {
        assertThat(GuestCommand.remote(List.of("uname", "-a"), ShellMode.RAW, 5))
                .isEqualTo("exec timeout -k 2 5 uname -a");
    }

    @Test
    void loginModeJoinsWordsIntoOneQuotedScript() {
        assertThat(GuestCommand.remote(List.of("echo", "$HOME", "|", "wc", "-c"), ShellMode.LOGIN, 30))
                .isEqualTo("exec timeout -k 2 30 \"${SHELL:-/bin/sh}\" -l -c 'echo $HOME | wc -c'");
    }

    @Test
    void loginModeEscapesSingleQuotesInScript() {
        assertThat(GuestCommand.remote(List.of("echo it's"), ShellMode.LOGIN, 86400))
                .isEqualTo("exec timeout -k 2 86400 \"${SHELL:-/bin/sh}\" -l -c 'echo it'\\''s'");
    }

    @Test
    void loginModeSingleSafeWordStillGoesThroughShell() {
        assertThat(GuestCommand.remote(List.of("uptime"), ShellMode.LOGIN, 1))
                .isEqualTo("exec timeout -k 2 1 \"${SHELL:-/bin/sh}\" -l -c uptime");
    }

    @Test
    void timedOutStatus() {
        assertThat(GuestCommand.TIMED_OUT).isEqualTo(124);
    }
}
