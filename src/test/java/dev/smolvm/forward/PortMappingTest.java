package dev.smolvm.forward;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PortMappingTest {
    private static final String USAGE = ": use host-port:sandbox-port (e.g. 8080:3000) or sandbox-port (e.g. 3000).";

    @Test
    void hostAndGuestPort() {
        assertThat(PortMapping.parse("8080:3000")).isEqualTo(new PortMapping(8080, 3000, Protocol.TCP));
    }

    @Test
    void guestPortOnlyLeavesHostPortNull() {
        PortMapping m = PortMapping.parse("3000");
        assertThat(m.hostPort()).isNull();
        assertThat(m.guestPort()).isEqualTo(3000);
        assertThat(m.protocol()).isEqualTo(Protocol.TCP);
    }

    @Test
    void udpSuffix() {
        assertThat(PortMapping.parse("5353:53/udp")).isEqualTo(new PortMapping(5353, 53, Protocol.UDP));
    }

    @Test
    void explicitTcpSuffix() {
        assertThat(PortMapping.parse("80:8080/tcp")).isEqualTo(new PortMapping(80, 8080, Protocol.TCP));
    }

    @ParameterizedTest
    @CsvSource({"53/UDP, UDP", "53/Udp, UDP", "53/TCP, TCP", "53/tCp, TCP"})
    void protocolIsCaseInsensitive(String text, Protocol expected) {
        assertThat(PortMapping.parse(text)).isEqualTo(new PortMapping(null, 53, expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {" 8080:3000", "8080:3000 ", "  8080:3000\t", "\n8080:3000\n"})
    void surroundingWhitespaceIsTrimmed(String text) {
        assertThat(PortMapping.parse(text)).isEqualTo(new PortMapping(8080, 3000, Protocol.TCP));
    }

    @Test
    void portBoundsAreInclusive() {
        assertThat(PortMapping.parse("1:65535")).isEqualTo(new PortMapping(1, 65535, Protocol.TCP));
        assertThat(PortMapping.parse("65535:1/udp")).isEqualTo(new PortMapping(65535, 1, Protocol.UDP));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "\t"})
    void missingMappingRejected(String text) {
        assertInvalid(text, "no port mapping given: use host-port:sandbox-port (e.g. 8080:3000) "
                + "or sandbox-port (e.g. 3000).");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "80:abc", ":80", "80:", "1:2:3", "8080 : 3000", "-1", "80:-3", "80/", "/udp",
            "80:3000/udp/tcp", "1.5"})
    void malformedMappingRejected(String text) {
        assertInvalid(text, "invalid port mapping '" + text + "'" + USAGE);
    }

    @Test
    void malformedMessageQuotesTheTextAsGiven() {
        assertInvalid(" abc ", "invalid port mapping ' abc '" + USAGE);
    }

    @ParameterizedTest
    @CsvSource({
            "0, sandbox port 0 is out of range: ports are 1-65535.",
            "65536, sandbox port 65536 is out of range: ports are 1-65535.",
            "70000:80, host port 70000 is out of range: ports are 1-65535.",
            "0:80, host port 0 is out of range: ports are 1-65535.",
            "80:0/udp, sandbox port 0 is out of range: ports are 1-65535.",
            "80:999999, sandbox port 999999 is out of range: ports are 1-65535."
    })
    void outOfRangePortRejected(String text, String message) {
        assertInvalid(text, message);
    }

    @Test
    void hugeNumberIsOutOfRangeNotANumberFormatException() {
        String twenty = "12345678901234567890";
        assertInvalid(twenty, "sandbox port " + twenty + " is out of range: ports are 1-65535.");
        assertInvalid(twenty + ":80", "host port " + twenty + " is out of range: ports are 1-65535.");
    }

    @Test
    void hostPortIsCheckedBeforeGuestPort() {
        assertInvalid("70000:0", "host port 70000 is out of range: ports are 1-65535.");
    }

    @Test
    void unknownProtocolRejected() {
        assertInvalid("80/sctp", "unknown protocol 'sctp' in '80/sctp': use tcp or udp.");
        assertInvalid("8080:80/SCTP", "unknown protocol 'SCTP' in '8080:80/SCTP': use tcp or udp.");
    }

    @Test
    void formatTcpHasNoSuffix() {
        assertThat(PortMapping.format(8080, 3000, Protocol.TCP)).isEqualTo("8080:3000");
    }

    @Test
    void formatUdpHasSuffix() {
        assertThat(PortMapping.format(5353, 53, Protocol.UDP)).isEqualTo("5353:53/udp");
    }

    @Test
    void formatParsesBack() {
        assertThat(PortMapping.parse(PortMapping.format(5353, 53, Protocol.UDP)))
                .isEqualTo(new PortMapping(5353, 53, Protocol.UDP));
        assertThat(PortMapping.parse(PortMapping.format(1, 65535, Protocol.TCP)))
                .isEqualTo(new PortMapping(1, 65535, Protocol.TCP));
    }

    @Test
    void typedPartsAreCheckedLikeText() {
        for (var bad : List.<Runnable>of(() -> new PortMapping(70000, 80, Protocol.TCP),
                () -> new PortMapping(-1, 80, Protocol.TCP), () -> new PortMapping(null, 0, Protocol.UDP))) {
            SmolvmException e = catchThrowableOfType(SmolvmException.class, bad::run);
            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.getMessage()).endsWith(" is out of range: ports are 1-65535.");
        }
        assertThat(new PortMapping(null, 3000, null).protocol()).as("no protocol is tcp").isEqualTo(Protocol.TCP);
    }

    @Test
    void textIsWhatTheUserWouldWrite() {
        assertThat(new PortMapping(null, 3000, Protocol.TCP).text()).isEqualTo("3000");
        assertThat(new PortMapping(null, 53, Protocol.UDP).text()).isEqualTo("53/udp");
        assertThat(new PortMapping(5353, 53, Protocol.UDP).text()).isEqualTo("5353:53/udp");
        assertThat(PortMapping.parse(new PortMapping(8080, 80, Protocol.TCP).text())).isEqualTo(new PortMapping(8080, 80, Protocol.TCP));
    }

    private static void assertInvalid(String text, String message) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> PortMapping.parse(text));
        assertThat(e).as("expected '%s' to be rejected", text).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo(message);
    }
}
