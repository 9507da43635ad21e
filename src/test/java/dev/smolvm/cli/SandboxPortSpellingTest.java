package dev.smolvm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code smolvm sandbox port …} (the original's spelling) is {@code smolvm port …}, output and all. */
class SandboxPortSpellingTest {
    @TempDir
    Path home;

    private void assertSameAsPort(String... portArgs) {
        var plain = InProcess.run(home, portArgs);
        var nested = InProcess.run(home, Stream.concat(Stream.of("sandbox"), Arrays.stream(portArgs)).toArray(String[]::new));
        assertThat(nested).as(String.join(" ", portArgs)).isEqualTo(plain);
    }

    @Test
    void bothSpellingsPrintTheSame() {
        assertSameAsPort("port", "list", "nosuch");
        assertSameAsPort("port", "list", "nosuch", "--json");
        assertSameAsPort("port", "expose", "nosuch", "3000");
        assertSameAsPort("port", "close", "nosuch", "8080:3000", "--json");
        assertSameAsPort("port", "list");
        assertSameAsPort("port", "expose", "nosuch", "not-a-mapping");
        assertSameAsPort("port", "frob");
    }

    @Test
    void theEnvelopeNamesThePortCommand() {
        var r = InProcess.run(home, "sandbox", "port", "list", "nosuch", "--json");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("\"command\" : \"port list\"");
    }

    @Test
    void helpWorksUnderSandbox() {
        var group = InProcess.run(home, "sandbox", "port", "--help");
        assertThat(group.code()).isZero();
        assertThat(group.out()).startsWith("Usage: smolvm sandbox port ").contains("expose", "close", "list");
        var list = InProcess.run(home, "sandbox", "port", "list", "--help");
        assertThat(list.code()).isZero();
        assertThat(list.out()).startsWith("Usage: smolvm sandbox port list ");
        assertThat(InProcess.run(home, "sandbox", "--help").out()).contains("  port ");
    }
}
