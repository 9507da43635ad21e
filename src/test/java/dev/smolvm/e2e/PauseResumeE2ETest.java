package dev.smolvm.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sandbox pause | resume} on a real guest: a loop that appends a counter every 0.2 s does
 * not advance while the sandbox is paused and goes on after resume; exec refuses with a sentence
 * (or resumes with --resume); a port forward stays; list and reconciliation keep it paused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.Tag("e2e")
class PauseResumeE2ETest {
    private Cli cli;

    @BeforeAll
    void sandbox() {
        cli = Cli.withFreshHome();
        var r = cli.run("sandbox", "create", "--name", "p", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
    }

    @AfterAll
    void cleanUp() {
        cli.close();
    }

    private int count() {
        var r = cli.run("sandbox", "exec", "p", "--", "sh", "-c", "wc -l < /tmp/count");
        assertThat(r.code()).as(r.toString()).isZero();
        return Integer.parseInt(r.out().strip());
    }

    @Test
    void pauseStopsTheGuestsWorkAndResumeContinuesIt() throws Exception {
        var start = cli.run("sandbox", "exec", "p", "--", "sh", "-c", String.join("\n",
                "mkdir -p /srv && echo paused-web > /srv/index.html && cd /srv",
                "setsid python3 -m http.server 3000 >/dev/null 2>&1 < /dev/null &",
                "setsid sh -c 'i=0; while true; do i=$((i+1)); echo $i >> /tmp/count; sleep 0.2; done' "
                        + ">/dev/null 2>&1 < /dev/null &",
                "for i in $(seq 50); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 3000), 1)' "
                        + "2>/dev/null && exit 0; sleep 0.1; done; exit 1"));
        assertThat(start.code()).as(start.toString()).isZero();
        int port = Net.freePort();
        assertThat(cli.run("port", "expose", "p", port + ":3000").code()).isZero();
        Thread.sleep(600);

        int before = count();
        var pause = cli.run("sandbox", "pause", "p", "--json");
        assertThat(pause.code()).as(pause.toString()).isZero();
        assertThat(pause.json().get("data").get("status").asText()).isEqualTo("paused");

        // Reconciliation does not take the paused VM for a dead one.
        assertThat(cli.run("sandbox", "list", "--json").json().get("data").get(0).get("status").asText())
                .isEqualTo("paused");
        assertThat(cli.run("sandbox", "info", "p").out()).contains("Status:     paused");
        var refused = cli.run("sandbox", "exec", "p", "--", "true");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("sandbox 'p' is paused", "smolvm sandbox resume p", "--resume");
        assertThat(cli.run("sandbox", "pause", "p").code()).as("pausing twice is fine").isZero();
        var ports = cli.run("port", "list", "p", "--json");
        assertThat(ports.out()).as("the forward stays while paused").contains("\"host_port\" : " + port);

        Thread.sleep(2000); // ten turns of the loop, were it running
        long t0 = System.nanoTime();
        var resumed = cli.run("sandbox", "exec", "p", "--resume", "--", "sh", "-c", "wc -l < /tmp/count");
        long resumeToExecMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(resumed.code()).as(resumed.toString()).isZero();
        int afterPause = Integer.parseInt(resumed.out().strip());
        assertThat(afterPause - before).as("the counter did not grow while paused (before %d, after %d)",
                before, afterPause).isLessThanOrEqualTo(3);
        System.out.println("resume -> first exec: " + resumeToExecMs + " ms");

        Thread.sleep(1500);
        assertThat(count()).as("the counter grows again after resume").isGreaterThan(afterPause + 3);
        assertThat(Net.get(port)).as("the forward works after resume").isEqualTo("paused-web\n");

        // A paused sandbox can be stopped (it is continued first, then powered off).
        assertThat(cli.run("sandbox", "pause", "p").code()).isZero();
        var stop = cli.run("sandbox", "stop", "p", "--json");
        assertThat(stop.code()).as(stop.toString()).isZero();
        assertThat(stop.json().get("data").get("status").asText()).isEqualTo("stopped");
        var notPaused = cli.run("sandbox", "resume", "p");
        assertThat(notPaused.code()).isEqualTo(1);
        assertThat(notPaused.err()).contains("is not paused (status: stopped)");
    }
}
