package dev.smolvm.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ForwardsFileTest {
    private static final Forward TUNNEL = new Forward(8080, 3000, Protocol.TCP, "8080:3000", TransportKind.SSH_TUNNEL,
            "10.0.2.15", 4242L, true, "2025-01-02T03:04:05Z");
    private static final Forward NFT_UDP = new Forward(40123, 53, Protocol.UDP, "40123:53/udp", TransportKind.NFTABLES,
            "172.16.0.2", null, false, "2025-01-02T03:04:06Z");

    @TempDir
    Path dir;

    @Test
    void writeThenReadRoundTripsEveryField() {
        ForwardsFile f = new ForwardsFile(dir.resolve("forwards").resolve("web.json"));
        f.write("web", "vm-0212ba48", List.of(TUNNEL, NFT_UDP));

        List<Forward> read = new ForwardsFile(f.path()).read();
        assertThat(read).containsExactly(TUNNEL, NFT_UDP);
        assertThat(read.get(0).protocol()).isEqualTo(Protocol.TCP);
        assertThat(read.get(1).protocol()).isEqualTo(Protocol.UDP);
        assertThat(read.get(1).pid()).isNull();
    }

    @Test
    void writeReplacesPreviousContent() {
        ForwardsFile f = new ForwardsFile(dir.resolve("web.json"));
        f.write("web", "vm-0212ba48", List.of(TUNNEL, NFT_UDP));
        f.write("web", "vm-0212ba48", List.of(NFT_UDP));
        assertThat(f.read()).containsExactly(NFT_UDP);
    }

    @Test
    void writtenJsonShape() throws Exception {
        Path p = dir.resolve("web.json");
        new ForwardsFile(p).write("web", "vm-0212ba48", List.of(TUNNEL, NFT_UDP));

        JsonNode root = new ObjectMapper().readTree(p.toFile());
        assertThat(root.isObject()).isTrue();
        assertThat(fieldNames(root)).containsExactlyInAnyOrder("sandbox", "sandbox_id", "forwards");
        assertThat(root.get("sandbox").asText()).isEqualTo("web");
        assertThat(root.get("sandbox_id").asText()).isEqualTo("vm-0212ba48");
        assertThat(root.get("forwards").isArray()).isTrue();
        assertThat(root.get("forwards")).hasSize(2);

        JsonNode first = root.get("forwards").get(0);
        assertThat(fieldNames(first)).contains("host_port", "guest_port", "mapping", "transport")
                .containsExactlyInAnyOrder("host_port", "guest_port", "protocol", "mapping", "transport",
                        "guest_ip", "pid", "requested_host_port", "created_at");
        assertThat(first.get("host_port").asInt()).isEqualTo(8080);
        assertThat(first.get("guest_port").asInt()).isEqualTo(3000);
        assertThat(first.get("protocol").asText()).isEqualTo("tcp");
        assertThat(first.get("mapping").asText()).isEqualTo("8080:3000");
        assertThat(first.get("transport").asText()).isEqualTo("ssh_tunnel");
        assertThat(first.get("guest_ip").asText()).isEqualTo("10.0.2.15");
        assertThat(first.get("pid").asLong()).isEqualTo(4242L);
        assertThat(first.get("requested_host_port").asBoolean()).isTrue();
        assertThat(first.get("created_at").asText()).isEqualTo("2025-01-02T03:04:05Z");

        JsonNode second = root.get("forwards").get(1);
        assertThat(second.get("mapping").asText()).isEqualTo("40123:53/udp");
        assertThat(second.get("transport").asText()).isEqualTo("nftables");
        assertThat(second.get("pid").isNull()).isTrue();
    }

    @Test
    void noTempFileLeftAfterWrite() throws Exception {
        Path p = dir.resolve("web.json");
        ForwardsFile f = new ForwardsFile(p);
        f.write("web", "vm-0212ba48", List.of(TUNNEL));
        f.write("web", "vm-0212ba48", List.of(TUNNEL, NFT_UDP));
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).containsExactly("web.json");
        }
        assertThat(dir.resolve(".web.json.tmp")).doesNotExist();
    }

    @Test
    void writingNoForwardsDeletesTheFile() {
        Path p = dir.resolve("web.json");
        ForwardsFile f = new ForwardsFile(p);
        f.write("web", "vm-0212ba48", List.of(TUNNEL));
        assertThat(p).exists();

        f.write("web", "vm-0212ba48", List.of());
        assertThat(p).doesNotExist();
        assertThat(f.read()).isEmpty();
    }

    @Test
    void writingNoForwardsWhenThereIsNoFileIsFine() {
        Path p = dir.resolve("sub").resolve("web.json");
        new ForwardsFile(p).write("web", "vm-0212ba48", List.of());
        assertThat(p).doesNotExist();
        assertThat(p.getParent()).doesNotExist();
    }

    @Test
    void readOfMissingFileIsEmpty() {
        assertThat(new ForwardsFile(dir.resolve("nothing.json")).read()).isEmpty();
    }

    @Test
    void readWithNullForwardsIsEmpty() throws Exception {
        Path p = Files.writeString(dir.resolve("web.json"),
                "{\"sandbox\": \"web\", \"sandbox_id\": \"vm-1\", \"forwards\": null}");
        assertThat(new ForwardsFile(p).read()).isEmpty();
    }

    @Test
    void deleteRemovesTheFileAndToleratesAbsence() {
        Path p = dir.resolve("web.json");
        ForwardsFile f = new ForwardsFile(p);
        f.write("web", "vm-0212ba48", List.of(TUNNEL));
        f.delete();
        assertThat(p).doesNotExist();
        f.delete();
        assertThat(p).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "not json at all", "{\"forwards\": [{\"host_port\": \"eighty\"}]}", "[1, 2]",
            "{\"sandbox\": \"web\", \"forwards\": {}}"})
    void corruptFileIsReportedAndLeftAlone(String content) throws Exception {
        Path p = Files.writeString(dir.resolve("web.json"), content);
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> new ForwardsFile(p).read());
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).startsWith("the port forward state file " + p + " is corrupt (")
                .endsWith("); fix or delete it, then run 'smolvm port list' again.");
        assertThat(Files.readString(p)).isEqualTo(content);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"protocol\": \"sctp\", \"transport\": \"nftables\"",
            "\"protocol\": \"udp\", \"transport\": \"iptables\"", "\"protocol\": \"UDP\", \"transport\": \"nftables\""})
    void anUnknownProtocolOrTransportIsCorruptNeverADefault(String fields) throws Exception {
        String content = "{\"forwards\": [{\"host_port\": 80, \"guest_port\": 80, " + fields + "}]}";
        Path p = Files.writeString(dir.resolve("web.json"), content);
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> new ForwardsFile(p).read());
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith("the port forward state file " + p + " is corrupt (a forward's ")
                .contains("not one of");
    }

    @Test
    void aFileWithoutProtocolIsTcp() throws Exception {
        Path p = Files.writeString(dir.resolve("web.json"),
                "{\"forwards\": [{\"host_port\": 80, \"guest_port\": 81, \"transport\": \"ssh_tunnel\"}]}");
        assertThat(new ForwardsFile(p).read().get(0).protocol()).isEqualTo(Protocol.TCP);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
