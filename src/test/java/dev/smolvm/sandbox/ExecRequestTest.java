package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.ShellMode;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ExecRequestTest {
    private static SmolvmException invalid(ThrowingCallable c) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, c);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        return e;
    }

    @Test
    void constants() {
        assertThat(ExecRequest.DEFAULT_TIMEOUT_SECONDS).isEqualTo(30);
        assertThat(ExecRequest.MAX_TIMEOUT_SECONDS).isEqualTo(86400);
    }

    @Test
    void timeoutBounds() {
        assertThat(ExecRequest.argv("true").withTimeout(1).timeoutSeconds()).isEqualTo(1);
        assertThat(ExecRequest.argv("true").withTimeout(86400).timeoutSeconds()).isEqualTo(86400);
        assertThat(invalid(() -> ExecRequest.argv("true").withTimeout(0)).getMessage())
                .isEqualTo("timeout must be between 1 and 86400 seconds, got 0.");
        assertThat(invalid(() -> ExecRequest.script("true").withTimeout(86401)).getMessage())
                .isEqualTo("timeout must be between 1 and 86400 seconds, got 86401.");
        assertThat(invalid(() -> ExecRequest.argv("true").withTimeout(-3)).getMessage())
                .startsWith("timeout must be between");
    }

    @Test
    void emptyCommandsRejected() {
        String msg = "no command given: say what to run, e.g. 'uname -a'.";
        assertThat(invalid(() -> ExecRequest.argv((List<String>) null)).getMessage()).isEqualTo(msg);
        assertThat(invalid(() -> ExecRequest.argv(List.of())).getMessage()).isEqualTo(msg);
        assertThat(invalid(() -> ExecRequest.argv("", "  ", "\t")).getMessage()).isEqualTo(msg);
        assertThat(invalid(() -> ExecRequest.script(" ")).getMessage()).isEqualTo(msg);
        assertThat(invalid(() -> ExecRequest.script(null)).getMessage()).isEqualTo(msg);
    }

    @Test
    void argvIsQuotedWordByWordForTheLoginShell() {
        ExecRequest r = ExecRequest.argv("sh", "-c", "echo out; echo err >&2; exit 7");
        assertThat(r.loginScript()).isEqualTo("sh -c 'echo out; echo err >&2; exit 7'");
        assertThat(r.rawArgv()).containsExactly("sh", "-c", "echo out; echo err >&2; exit 7");
        assertThat(ExecRequest.argv("printf", "%s|", "", "a b").loginScript()).isEqualTo("printf '%s|' '' 'a b'");
    }

    @Test
    void aScriptRunsAsGivenOrIsSplitForRawMode() {
        ExecRequest r = ExecRequest.script("echo 'a b' \"$HOME\" | wc -c");
        assertThat(r.loginScript()).isEqualTo("echo 'a b' \"$HOME\" | wc -c");
        assertThat(r.rawArgv()).containsExactly("echo", "a b", "$HOME", "|", "wc", "-c");
    }

    @Test
    void cwdMustBeAbsolute() {
        assertThat(ExecRequest.argv("pwd").withCwd("/tmp").cwd()).isEqualTo("/tmp");
        assertThat(ExecRequest.argv("pwd").withCwd(null).cwd()).isNull();
        assertThat(invalid(() -> ExecRequest.argv("pwd").withCwd("tmp")).getMessage())
                .isEqualTo("the working directory must be an absolute guest path like /root, not 'tmp'.");
    }

    @Test
    void envNamesAreValidatedAndValuesKept() {
        assertThat(ExecRequest.parseEnv(List.of("A=1", "B_2=x=y", "EMPTY="))).containsExactly(
                Map.entry("A", "1"), Map.entry("B_2", "x=y"), Map.entry("EMPTY", ""));
        assertThat(invalid(() -> ExecRequest.parseEnv(List.of("NOVALUE"))).getMessage())
                .isEqualTo("environment variable 'NOVALUE' must be NAME=VALUE, e.g. DEBUG=1.");
        assertThat(invalid(() -> ExecRequest.parseEnv(List.of("=x"))).getMessage()).contains("NAME=VALUE");
        assertThat(invalid(() -> ExecRequest.argv("env").withEnv(Map.of("1BAD", "x"))).getMessage())
                .isEqualTo("'1BAD' is not a valid environment variable name: use letters, digits and '_', "
                        + "not starting with a digit.");
        assertThat(invalid(() -> ExecRequest.argv("env").withEnv(Map.of("A-B", "x"))).getMessage())
                .startsWith("'A-B' is not a valid");
        Map<String, String> withNull = new LinkedHashMap<>();
        withNull.put("A", null);
        assertThat(ExecRequest.argv("env").withEnv(withNull).env()).containsEntry("A", "");
    }

    @Test
    void wordsAndEnvAreDefensivelyCopiedAndImmutable() {
        List<String> words = new ArrayList<>(List.of("echo", "hi"));
        Map<String, String> env = new LinkedHashMap<>(Map.of("A", "1"));
        ExecRequest r = ExecRequest.argv(words).withShell(ShellMode.RAW).withEnv(env);
        words.add("mutated");
        env.put("B", "2");
        assertThat(r.argv()).containsExactly("echo", "hi");
        assertThat(r.env()).containsOnlyKeys("A");
        assertThatThrownBy(() -> r.argv().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.env().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(r.shell()).isEqualTo(ShellMode.RAW);
    }
}
