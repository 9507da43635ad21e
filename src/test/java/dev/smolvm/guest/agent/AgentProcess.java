package dev.smolvm.guest.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The real static agent binary, run on this host over its stdin and stdout, with a client
 * connected to it: the same bytes a guest's agent would exchange over virtio-serial.
 */
final class AgentProcess implements AutoCloseable {
    static final Path BINARY = Path.of("agent/build/smolvm-agent").toAbsolutePath();

    final Process process;
    final AgentClient client;
    final Path log;

    private AgentProcess(Process process, AgentClient client, Path log) {
        this.process = process;
        this.client = client;
        this.log = log;
    }

    static AgentProcess start() throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: the Maven build makes it ('make -C agent')");
        }
        Path log = Files.createTempFile("smolvm-agent-test", ".log");
        Process p = new ProcessBuilder(BINARY.toString(), "--stdio").redirectError(log.toFile()).start();
        OutputStream toAgent = p.getOutputStream();
        AgentClient c = AgentClient.open(p.getInputStream(), toAgent, toAgent::close, Duration.ofSeconds(10));
        return new AgentProcess(p, c, log);
    }

    /** Bytes straight onto the agent's input, past the client. */
    void writeRaw(byte[] bytes) throws IOException {
        process.getOutputStream().write(bytes);
        process.getOutputStream().flush();
    }

    @Override
    public void close() throws Exception {
        client.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(log);
    }
}
