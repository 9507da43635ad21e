package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.ShellMode;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

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
        assertThat(new ExecRequest(List.of("true"), ShellMode.RAW, 1).timeoutSeconds()).isEqualTo(1);
        assertThat(new ExecRequest(List.of("true"), ShellMode.RAW, 86400).timeoutSeconds()).isEqualTo(86400);
        assertThat(invalid(() -> new ExecRequest(List.of("true"), ShellMode.RAW, 0)).getMessage())
                .isEqualTo("timeout must be between 1 and 86400 seconds, got 0.");
        assertThat(invalid(() -> new ExecRequest(List.of("true"), ShellMode.LOGIN, 86401)).getMessage())
                .isEqualTo("timeout must be between 1 and 86400 seconds, got 86401.");
        assertThat(invalid(() -> new ExecRequest(List.of("true"), ShellMode.LOGIN, -3)).getMessage())
                .startsWith("timeout must be between");
    }

    @Test
    void emptyCommandsRejected() {
        String msg = "no command given: say what to run, e.g. 'uname -a'.";
        assertThat(invalid(() -> new ExecRequest(null, ShellMode.RAW, 30)).getMessage()).isEqualTo(msg);
        assertThat(invalid(() -> new ExecRequest(List.of(), ShellMode.RAW, 30)).getMessage()).isEqualTo(msg);
        assertThat(invalid(() -> new ExecRequest(List.of("", "  ", "\t"), ShellMode.LOGIN, 30)).getMessage())
                .isEqualTo(msg);
    }

    @Test
    void commandCheckedBeforeTimeout() {
        assertThat(invalid(() -> new ExecRequest(List.of(), ShellMode.RAW, 0)).getMessage())
                .startsWith("no command given");
    }

    @Test
    void wordsAreDefensivelyCopiedAndImmutable() {
        List<String> words = new ArrayList<>(List.of("echo", "hi"));
        ExecRequest r = new ExecRequest(words, ShellMode.RAW, 30);
        words.add("mutated");
        assertThat(r.words()).containsExactly("echo", "hi");
        assertThatThrownBy(() -> r.words().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(r.shell()).isEqualTo(ShellMode.RAW);
    }
}
