package dev.smolvm.sandbox;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class CapturedOutputTest {
    @Test
    void keepsEverythingUnderTheLimit() {
        var out = new CapturedOutput(10);
        out.write("hello".getBytes(StandardCharsets.UTF_8), 0, 5);
        out.write('!');
        assertThat(out.text()).isEqualTo("hello!");
        assertThat(out.truncated()).isFalse();
        assertThat(out.bytesWritten()).isEqualTo(6);
    }

    @Test
    void exactlyTheLimitIsNotTruncated() {
        var out = new CapturedOutput(4);
        out.write("abcd".getBytes(StandardCharsets.UTF_8), 0, 4);
        assertThat(out.truncated()).isFalse();
        out.write('e');
        assertThat(out.truncated()).isTrue();
        assertThat(out.text()).isEqualTo("abcd");
    }

    @Test
    void dropsWhatComesPastTheLimitAcrossWrites() {
        var out = new CapturedOutput(8);
        byte[] chunk = "0123456".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 1000; i++) {
            out.write(chunk, 0, chunk.length);
        }
        assertThat(out.text()).isEqualTo("01234560");
        assertThat(out.truncated()).isTrue();
        assertThat(out.bytesWritten()).isEqualTo(7000);
    }

    @Test
    void theDefaultIsEightMebibytes() {
        assertThat(CapturedOutput.DEFAULT_LIMIT).isEqualTo(8 * 1024 * 1024);
    }
}
