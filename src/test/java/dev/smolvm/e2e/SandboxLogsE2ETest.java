package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code sandbox logs} and {@code sandbox port} on one real guest; the steps run in order (the
 * guest is stopped near the end).
 */
@org.junit.jupiter.api.Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxLogsE2ETest {
    private static final String READY = "smolvm: guest ready";
    private Cli cli;

    @BeforeAll
    void sandbox() {
        cli = Cli.withFreshHome();
        var r = cli.run("sandbox", "create", "--name", "logged", "--memory", "384");
        assertThat(r.code()).as(r.toString()).isZero();
    }

    @AfterAll
    void cleanUp() {
        cli.close();
    }

    @Test
    @Order(1)
    void logsPrintTheConsoleLogWithTheGuestsReadyLine() {
        var r = cli.run("sandbox", "logs", "logged");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(READY);
        JsonNode env = cli.run("sandbox", "logs", "logged", "--json").json();
        assertThat(env.get("command").asText()).isEqualTo("sandbox logs");
        assertThat(env.get("exit_code").asInt()).isZero();
        assertThat(env.get("data").get("sandbox").asText()).isEqualTo("logged");
        assertThat(env.get("data").get("path").asText()).endsWith("/console.log");
        assertThat(env.get("data").get("log").asText()).contains(READY);
    }

    @Test
    @Order(2)
    void logsOfAnUnknownSandboxFailWithTheNotFoundSentence() {
        var r = cli.run("sandbox", "logs", "nope");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smolvm: no sandbox named 'nope'; see 'smolvm sandbox list --all'.\n");
        var json = cli.run("sandbox", "logs", "nope", "--json").json();
        assertThat(json.get("error").get("code").asText()).isEqualTo("not_found");
        assertThat(cli.run("sandbox", "logs", "logged", "--follow", "--json").code()).as("usage").isEqualTo(2);
    }

    @Test
    @Order(3)
    void sandboxPortIsThePortCommandWithTheSameOutput() {
        int port = Net.freePort();
        var expose = cli.run("sandbox", "port", "expose", "logged", port + ":3000");
        assertThat(expose.code()).as(expose.toString()).isZero();
        assertThat(expose.out()).isEqualTo("Exposed localhost:" + port + " → guest:3000\n"
                + "Connect to localhost:" + port + "\n"
                + "Stop with: smolvm port close logged " + port + ":3000\n");
        var plain = cli.run("port", "list", "logged");
        var nested = cli.run("sandbox", "port", "list", "logged");
        assertThat(plain.code()).isZero();
        assertThat(plain.out()).contains("Port Forwards — logged", String.valueOf(port));
        assertThat(nested).isEqualTo(plain);
        assertThat(cli.run("sandbox", "port", "list", "logged", "--json").out())
                .isEqualTo(cli.run("port", "list", "logged", "--json").out());
        var close = cli.run("sandbox", "port", "close", "logged", port + ":3000");
        assertThat(close.out()).isEqualTo("Closed localhost:" + port + " → guest:3000\n");
        assertThat(cli.run("sandbox", "port", "list", "logged").out()).isEqualTo("No active port forwards for 'logged'.\n");
    }

    @Test
    @Order(4)
    void followKeepsPrintingUntilTheVmIsGone() throws Exception {
        var follow = CompletableFuture.supplyAsync(() -> cli.run("sandbox", "logs", "logged", "--follow"));
        assertThatThrownBy(() -> follow.get(1500, TimeUnit.MILLISECONDS)).as("still following")
                .isInstanceOf(TimeoutException.class);
        assertThat(cli.run("sandbox", "stop", "logged").code()).isZero();
        var r = follow.get(30, TimeUnit.SECONDS);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(READY);
        assertThat(cli.run("sandbox", "logs", "logged").out()).as("a stopped sandbox keeps its log").contains(READY);
    }

    @Test
    @Order(5)
    void theKeptLogOfAFailedCreateIsFoundByItsId() {
        var failed = cli.run("sandbox", "create", "--name", "too-quick", "--boot-timeout", "1");
        assertThat(failed.code()).as(failed.toString()).isEqualTo(1);
        Matcher m = Pattern.compile("logs/(vm-[0-9a-f]{8})-console\\.log").matcher(failed.err());
        assertThat(m.find()).as(failed.err()).isTrue();
        String id = m.group(1);
        var r = cli.run("sandbox", "logs", id, "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.json().get("data").get("path").asText()).endsWith("logs/" + id + "-console.log");
        assertThat(cli.run("sandbox", "logs", "too-quick").code()).as("the sandbox itself is gone").isEqualTo(1);
    }
}
