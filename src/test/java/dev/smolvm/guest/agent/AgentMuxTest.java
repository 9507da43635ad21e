package dev.smolvm.guest.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real mux between the real agent and several real clients. The agent runs on this host over
 * its stdin/stdout, bridged to a unix socket the way QEMU's chardev presents the guest's port.
 */
class AgentMuxTest {
    static final Path MUX = Path.of("agent/build/smolvm-agent-mux").toAbsolutePath();

    private Path dir;
    private Process agent;
    private Process mux;
    private ServerSocketChannel upstream;
    private Path muxSocket;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("mux-test");
        Path up = dir.resolve("agent.sock");
        upstream = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        upstream.bind(UnixDomainSocketAddress.of(up));
        agent = new ProcessBuilder(AgentProcess.BINARY.toString(), "--stdio")
                .redirectError(dir.resolve("agent.log").toFile()).start();
        Thread.ofVirtual().start(() -> {
            try (SocketChannel ch = upstream.accept()) {
                InputStream fromMux = Channels.newInputStream(ch);
                OutputStream toMux = Channels.newOutputStream(ch);
                // As QEMU does when its guest is gone: the agent's end closes, so does the socket.
                Thread back = Thread.ofVirtual().start(() -> {
                    pump(agent.getInputStream(), toMux);
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // closed already
                    }
                });
                pump(fromMux, agent.getOutputStream());
                agent.getOutputStream().close();
                back.join();
            } catch (Exception ignored) {
                // the test is over
            }
        });
        muxSocket = dir.resolve("agent-mux.sock");
        mux = new ProcessBuilder(MUX.toString(), "--upstream", up.toString(), "--listen", muxSocket.toString())
                .redirectError(dir.resolve("mux.log").toFile()).start();
    }

    @AfterEach
    void stop() throws Exception {
        mux.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        upstream.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private AgentClient client() throws InterruptedException {
        for (int i = 0; i < 250 && !Files.exists(muxSocket); i++) {
            Thread.sleep(20);
        }
        return AgentClient.connect(muxSocket, Duration.ofSeconds(10));
    }

    private static String run(AgentClient c, String script) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        ExecOutcome o = c.exec(ExecSpec.script(script), null, out, err, Duration.ofSeconds(30));
        return o.exitCode() + "|" + out.toString(StandardCharsets.UTF_8) + "|" + err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void manyClientsShareOneAgentAndEachGetsItsOwnAnswers() throws Exception {
        try (AgentClient a = client(); AgentClient b = client()) {
            assertThat(a.hello().version()).isEqualTo(1);
            assertThat(b.hello().pid()).isEqualTo(a.hello().pid()).as("one agent behind both");
            List<CompletableFuture<String>> runs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int n = i;
                AgentClient c = i % 2 == 0 ? a : b;
                runs.add(CompletableFuture.supplyAsync(() -> run(c, "sleep 0.3; echo out" + n + "; echo err" + n + " >&2; exit " + n)));
            }
            for (int i = 0; i < 10; i++) {
                assertThat(runs.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i + "|out" + i + "\n|err" + i + "\n");
            }
            assertThat(a.ping()).isPositive();
        }
        assertThat(Files.getPosixFilePermissions(muxSocket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aClientThatGoesAwayMidExecHasItsProcessKilled() throws Exception {
        long pid;
        try (AgentClient a = client()) {
            RunningExec exec = a.start(ExecSpec.script("sleep 60"), null, OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream());
            pid = exec.pid();
            assertThat(ProcessHandle.of(pid)).isPresent();
        }
        for (int i = 0; i < 100 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(50);
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("sleep 60 was killed").isFalse();
        try (AgentClient again = client()) {
            assertThat(run(again, "echo still here")).isEqualTo("0|still here\n|");
        }
    }

    /** A burst (a big download) must not leave the mux holding its buffers: it is one per sandbox, always running. */
    @Test
    void theMuxGivesBackWhatABurstMadeItBuffer() throws Exception {
        try (AgentClient a = client()) {
            var counter = new java.util.concurrent.atomic.AtomicLong();
            var sink = new OutputStream() {
                @Override
                public void write(int b) {
                    counter.incrementAndGet();
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    counter.addAndGet(len);
                }
            };
            ExecOutcome o = a.exec(ExecSpec.script("head -c 33554432 /dev/zero"), null, sink, null, Duration.ofSeconds(60));
            assertThat(o.exitCode()).isZero();
            assertThat(counter.get()).isEqualTo(32L << 20);
            long rssKb = Files.readAllLines(Path.of("/proc", String.valueOf(mux.pid()), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
                    .findFirst().orElseThrow();
            assertThat(rssKb).as("mux RSS after a 32 MiB transfer, kB").isLessThan(4096);
        }
    }

    @Test
    void aClientSendingGarbageIsDroppedAndTheOthersGoOn() throws Exception {
        try (AgentClient good = client()) {
            try (SocketChannel bad = SocketChannel.open(UnixDomainSocketAddress.of(muxSocket))) {
                bad.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3}));
                var buf = java.nio.ByteBuffer.allocate(16);
                int n = 0;
                for (int i = 0; i < 100 && n >= 0; i++) {
                    buf.clear();
                    n = bad.read(buf);
                }
                assertThat(n).as("the mux hung up on the garbage").isEqualTo(-1);
            }
            assertThat(run(good, "echo unaffected")).isEqualTo("0|unaffected\n|");
            assertThat(mux.isAlive()).isTrue();
        }
    }

    @Test
    void whenTheAgentGoesAwayTheMuxEndsItsClientsAndExits() throws Exception {
        try (AgentClient a = client()) {
            agent.destroyForcibly();
            assertThat(mux.waitFor(10, TimeUnit.SECONDS)).as("mux exits with its upstream").isTrue();
            var err = new ByteArrayOutputStream();
            try {
                a.exec(ExecSpec.script("true"), null, OutputStream.nullOutputStream(), err, Duration.ofSeconds(5));
                throw new AssertionError("an exec on a dead channel must fail");
            } catch (AgentException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        }
    }

    private static void pump(InputStream in, OutputStream out) {
        byte[] buf = new byte[65536];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side went away
        }
    }
}
