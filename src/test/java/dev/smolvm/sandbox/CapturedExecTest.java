package dev.smolvm.sandbox;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The one exec output cap both doors use: each stream kept up to the limit, and truncated said once. */
class CapturedExecTest {
    private static final ExecResult DONE = new ExecResult(3, false, 12);

    @Test
    void outputUnderTheLimitIsKeptWhole() {
        CapturedExec c = CapturedExec.run((out, err) -> {
            write(out, "hello\n");
            write(err, "warn\n");
            return DONE;
        });
        assertThat(c.stdout()).isEqualTo("hello\n");
        assertThat(c.stderr()).isEqualTo("warn\n");
        assertThat(c.truncated()).isFalse();
        assertThat(c.result()).isSameAs(DONE);
    }

    @Test
    void aStreamPastTheLimitIsCutThereAndSaysTruncated() {
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) 'x');
        CapturedExec c = CapturedExec.run((out, err) -> {
            try {
                for (int i = 0; i < 9; i++) {
                    err.write(chunk); // 9 MiB to stderr, over the 8 MiB cap
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            write(out, "ok");
            return DONE;
        });
        assertThat(c.stderr()).hasSize(CapturedOutput.DEFAULT_LIMIT);
        assertThat(c.stdout()).isEqualTo("ok");
        assertThat(c.truncated()).isTrue();
    }

    private static void write(java.io.OutputStream s, String text) {
        try {
            s.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
