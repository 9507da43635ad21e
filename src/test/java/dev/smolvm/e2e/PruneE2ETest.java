package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code smolvm prune}: each kind of orphan is made by hand (a sandbox whose record is deleted
 * behind smolvm's back leaves its QEMU, TAP, egress chain, agent mux and directory; a stray
 * directory, a stale forwards file and an egress chain without a TAP are made directly), and
 * another home's TAP stands beside them. Prune lists them on a dry run, removes exactly this
 * home's, leaves the owned sandbox and the other home's TAP alone, and a second prune finds nothing.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PruneE2ETest {
    private static final String FOREIGN_TAP = "smv16301";
    private static final String CHAINLESS_TAP = "smv16302";
    private Cli cli;

    @BeforeAll
    void home() {
        cli = Cli.withFreshHome();
    }

    @AfterAll
    void cleanUp() {
        Host.sh("ip link del " + FOREIGN_TAP + " 2>/dev/null; nft delete chain inet smolvm egress_" + CHAINLESS_TAP
                + " 2>/dev/null; true");
        cli.close();
    }

    @Test
    void pruneRemovesThisHomesOrphansAndNothingElse() throws Exception {
        assertThat(cli.run("sandbox", "create", "--name", "kept", "--memory", "384").code()).isZero();
        var created = cli.run("sandbox", "create", "--name", "orphaned", "--memory", "384", "--json");
        assertThat(created.code()).as(created.toString()).isZero();
        JsonNode sb = created.json().get("data");
        assertThat(sb.get("phases").fieldNames()).toIterable()
                .contains("record", "dir", "launch", "wait-ready", "channel", "running");
        String id = sb.get("id").asText();
        long pid = sb.get("pid").asLong();
        String tap = sb.get("network").get("tap").asText();
        Path dir = cli.home().resolve("sandboxes").resolve(id);
        assertThat(dir.resolve("agent-mux.sock")).exists(); // the agent channel's host side

        // The orphans, by hand.
        Host.sh("sqlite3 " + cli.home().resolve("smolvm.db") + " \"DELETE FROM sandboxes WHERE id = '" + id + "'\"");
        Path stray = Files.createDirectories(cli.home().resolve("sandboxes").resolve("vm-0stray00"));
        Path chainOwner = Files.createDirectories(cli.home().resolve("sandboxes").resolve("vm-0chain00"));
        Files.createDirectories(cli.home().resolve("forwards"));
        Path forwards = Files.writeString(cli.home().resolve("forwards").resolve("ghost.json"), "[]");
        Host.sh("nft add chain inet smolvm egress_" + CHAINLESS_TAP + " '{ comment \"smolvm-sandbox vm-0chain00 tap "
                + CHAINLESS_TAP + " policy off\"; }'");
        Host.sh("ip tuntap add dev " + FOREIGN_TAP + " mode tap && ip link set dev " + FOREIGN_TAP
                + " alias 'smolvm sandbox vm-0other00 home /tmp/some-other-smolvm-home'");

        JsonNode dry = cli.run("prune", "--dry-run", "--json").json().get("data");
        List<String> listed = names(dry.get("would_remove"));
        assertThat(listed).contains("vm pid " + pid + " (" + id + ")", "tap " + tap,
                "agent-mux " + dir.resolve("agent-mux.sock"), "directory " + dir, "directory " + stray,
                "directory " + chainOwner, "forwards " + forwards, "egress-chain inet smolvm egress_" + CHAINLESS_TAP);
        assertThat(listed).noneMatch(s -> s.contains(FOREIGN_TAP) || s.contains("kept"));
        assertThat(Host.processAlive(pid)).as("a dry run removes nothing").isTrue();
        assertThat(Host.linkExists(tap)).isTrue();

        var pruned = cli.run("prune", "--json");
        assertThat(pruned.code()).as(pruned.toString()).isZero();
        assertThat(names(pruned.json().get("data").get("removed"))).containsExactlyInAnyOrderElementsOf(listed);
        for (int i = 0; i < 50 && Host.processAlive(pid); i++) {
            Thread.sleep(100);
        }
        assertThat(Host.processAlive(pid)).as("the orphan QEMU is gone").isFalse();
        // (Other homes on this host may reuse the TAP's name at once: look for the sandbox's tag, not the name.)
        assertThat(Host.sh("ip -o link show")).as("the orphan TAP is gone").doesNotContain("smolvm sandbox " + id + " ");
        assertThat(Host.sh("nft list table inet smolvm 2>/dev/null")).doesNotContain("smolvm-sandbox " + id + " ")
                .doesNotContain("egress_" + CHAINLESS_TAP + " ");
        assertThat(dir).doesNotExist();
        assertThat(stray).doesNotExist();
        assertThat(forwards).doesNotExist();
        assertThat(Host.linkExists(FOREIGN_TAP)).as("another home's TAP is left alone").isTrue();

        assertThat(cli.run("sandbox", "exec", "kept", "--", "echo", "alive").out()).isEqualTo("alive\n");
        var again = cli.run("prune");
        assertThat(again.out()).startsWith("Nothing to prune.\n");
        cli.run("sandbox", "delete", "--force", "kept");
    }

    private static List<String> names(JsonNode items) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.get("kind").asText() + " " + i.get("name").asText()));
        return out;
    }
}
