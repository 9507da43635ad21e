package dev.smolvm.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guest agent that stops answering (SIGSTOP inside the guest, as a hang) makes its sandbox show
 * {@code error} with a sentence and the console's end, exec fails fast with that sentence instead of
 * waiting out its timeout, and once the agent answers again (SIGCONT) the sandbox is running again.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentHealthE2ETest {
    private Cli cli;

    @BeforeAll
    void boot() {
        cli = Cli.withFreshHome();
        var c = cli.run("sandbox", "create", "--name", "hang");
        assertThat(c.code()).as(c.toString()).isZero();
    }

    @AfterAll
    void cleanUp() {
        cli.close();
    }

    private String status() {
        return cli.run("sandbox", "info", "hang", "--json").json().path("data").path("status").asText();
    }

    private boolean waitFor(String status, int seconds) throws InterruptedException {
        for (int i = 0; i < seconds; i++) {
            if (status.equals(status())) {
                return true;
            }
            Thread.sleep(1000);
        }
        return false;
    }

    @Test
    void aHungAgentShowsAsErrorAndRecovers() throws Exception {
        Path health = Files.list(cli.home().resolve("sandboxes")).findFirst().orElseThrow().resolve("agent-health");
        assertThat(health).as("the mux records when the agent last spoke").exists();
        // Stopped for 22 s, from a process of its own that outlives this exec.
        var stop = cli.run("sandbox", "exec", "hang", "--", "sh", "-c", "P=$(/usr/lib/smolvm/busybox pidof smolvm-agent); "
                + "setsid sh -c \"sleep 1; kill -STOP $P; sleep 22; kill -CONT $P\" >/dev/null 2>&1 < /dev/null & echo $P");
        assertThat(stop.code()).as(stop.toString()).isZero();
        assertThat(waitFor("error", 20)).as("the sandbox shows error while its agent is silent").isTrue();
        var info = cli.run("sandbox", "info", "hang", "--json").json().path("data");
        assertThat(info.path("last_error").asText()).contains("the guest agent of sandbox 'hang' has not answered for")
                .contains("smolvm sandbox stop hang");
        long t0 = System.nanoTime();
        var exec = cli.run("sandbox", "exec", "hang", "--", "true");
        assertThat(exec.code()).isNotZero();
        assertThat(exec.err()).contains("has not answered for").doesNotContain("Exception");
        assertThat((System.nanoTime() - t0) / 1_000_000_000).as("no waiting out a timeout").isLessThan(10);
        assertThat(cli.run("sandbox", "list").out()).contains("error");
        assertThat(waitFor("running", 30)).as("running again once the agent answers").isTrue();
        assertThat(cli.run("sandbox", "exec", "hang", "--", "echo", "back").out()).isEqualTo("back\n");
    }
}
