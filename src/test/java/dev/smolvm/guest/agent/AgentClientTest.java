package dev.smolvm.guest.agent;

import dev.smolvm.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against the real agent binary, run on the host: real processes, real files. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentClientTest {
    @TempDir
    Path dir;

    AgentProcess agent;
    AgentClient client;

    @BeforeEach
    void start() throws IOException {
        agent = AgentProcess.start();
        client = agent.client;
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
    }

    record Run(ExecOutcome outcome, String out, String err) {
    }

    Run run(ExecSpec spec, InputStream stdin, Duration timeout) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExecOutcome o = client.exec(spec, stdin, out, err, timeout);
        return new Run(o, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Run run(String... argv) {
        return run(ExecSpec.argv(argv), null, Duration.ofSeconds(30));
    }

    @Test
    void handshakeTellsTheCapabilities() {
        AgentHello h = client.hello();
        assertThat(h.version()).isEqualTo(1);
        assertThat(h.capabilities()).contains("ping", "exec", "exec.pty", "exec.user", "signal", "file.write",
                "file.read");
        assertThat(h.pid()).isEqualTo(agent.process.pid());
        assertThat(client.ping()).isLessThan(Duration.ofSeconds(5));
    }

    /**
     * Only malformed requests: a well-formed one would rename this host and re-address its first
     * NIC (the e2e suite applies real ones inside guests, CreateByRestoreE2ETest and SnapshotE2ETest).
     */
    @Test
    void aMalformedNetworkIdentityIsRefusedBeforeAnythingChanges() throws IOException {
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        assertThat(client.hello().capabilities()).contains("identity", "identity.net");
        assertThatThrownBy(() -> IdentityRequests.network(client, "", null, null, null))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.agentCode()).isEqualTo("EINVAL"))
                .hasMessageContaining("hostname of 1 to 64 bytes");
        assertThatThrownBy(() -> IdentityRequests.network(client, "x".repeat(65), null, null, null))
                .hasMessageContaining("hostname of 1 to 64 bytes");
        assertThatThrownBy(() -> IdentityRequests.network(client, "h", "10.0.0.2/30", null, "52:54:00:00:00:01"))
                .hasMessageContaining("a MAC, an address and a gateway, or none of them");
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname"))).isEqualTo(hostname);
        assertThat(run("echo", "still serving").out()).isEqualTo("still serving\n");
    }

    /**
     * The request and its answer on the wire (this agent runs on the host, where sync(2) is
     * harmless); the connection goes on after it. The e2e suite shows what it is for
     * (SnapshotE2ETest: a file written just before a snapshot is in its frozen disk).
     */
    @Test
    void syncIsOfferedAnsweredAndLeavesTheConnectionServing() {
        assertThat(client.hello().capabilities()).contains("sync");
        client.sync();
        assertThat(run("echo", "still serving").out()).isEqualTo("still serving\n");
    }

    @Test
    void execGivesStdoutStderrAndTheExitCode() {
        Run r = run("sh", "-c", "echo out; echo err >&2; exit 7");
        assertThat(r.out()).isEqualTo("out\n");
        assertThat(r.err()).isEqualTo("err\n");
        assertThat(r.outcome().exitCode()).isEqualTo(7);
        assertThat(r.outcome().signal()).isZero();
        assertThat(r.outcome().timedOut()).isFalse();
    }

    @Test
    void argvIsKeptWordForWord() {
        Run r = run("printf", "%s|", "a b", "it's", "\"q\"", "$HOME", "*", "", "ü\\n");
        assertThat(r.out()).isEqualTo("a b|it's|\"q\"|$HOME|*||ü\\n|");
        assertThat(r.outcome().exitCode()).isZero();
    }

    @Test
    void aScriptRunsInALoginShell() {
        Run r = run(ExecSpec.script("echo $0; echo \"$1\" | tr a-z A-Z; exit 3"), null, Duration.ofSeconds(30));
        assertThat(r.out()).startsWith("/bin/sh\n");
        assertThat(r.outcome().exitCode()).isEqualTo(3);
    }

    @Test
    void cwdAndEnvApply() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("work dir"));
        Run r = run(ExecSpec.argv("sh", "-c", "pwd; echo \"$FOO\"; echo \"$EMPTY\"|wc -c").withCwd(sub.toString())
                .withEnv(Map.of("FOO", "bar  baz=1", "EMPTY", "")), null, Duration.ofSeconds(30));
        assertThat(r.out()).isEqualTo(sub + "\nbar  baz=1\n1\n");
    }

    /** Docker's USER forms, resolved by the agent from the (here: this host's) /etc/passwd and /etc/group. */
    @Test
    void commandsRunAsTheGivenUser() {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "setuid needs root");
        String show = "echo $(id -u):$(id -g):$HOME:$USER";
        assertThat(run(ExecSpec.argv("sh", "-c", show).withUser("daemon"), null, null).out())
                .isEqualTo("1:1:/usr/sbin:daemon\n");
        assertThat(run(ExecSpec.argv("sh", "-c", show).withUser("65534:daemon"), null, null).out())
                .as("a known uid by number takes its passwd entry; the group is the one named")
                .isEqualTo("65534:1:/nonexistent:nobody\n");
        assertThat(run(ExecSpec.argv("sh", "-c", show).withUser("4242:4343"), null, null).out())
                .as("a uid no one has: numbers only, home /").isEqualTo("4242:4343:/:4242\n");
        assertThat(run(ExecSpec.argv("sh", "-c", "echo $HOME").withUser("daemon").withEnv(Map.of("HOME", "/x")), null,
                null).out()).as("the request's own HOME wins").isEqualTo("/x\n");
        assertThatThrownBy(() -> run(ExecSpec.argv("true").withUser("ghost-user"), null, null))
                .isInstanceOfSatisfying(AgentException.class, e -> {
                    assertThat(e.agentCode()).isEqualTo("ENOUSER");
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).isEqualTo("cannot run as 'ghost-user': no such user in the guest's /etc/passwd");
                });
        assertThatThrownBy(() -> run(ExecSpec.argv("true").withUser("daemon:no-such-group"), null, null))
                .hasMessage("cannot run as 'daemon:no-such-group': no such group in the guest's /etc/group");
        assertThat(run("id", "-u").out()).as("no user: root, as before").isEqualTo("0\n");
    }

    @Test
    void aMissingWorkingDirectoryIsAnError() {
        assertThatThrownBy(() -> run(ExecSpec.argv("true").withCwd(dir.resolve("nope").toString()), null, null))
                .isInstanceOfSatisfying(AgentException.class, e -> {
                    assertThat(e.agentCode()).isEqualTo("ENOENT");
                    assertThat(e.getMessage()).contains("nope").contains("No such file or directory");
                });
        assertThat(run("true").outcome().exitCode()).isZero(); // the channel is fine afterwards
    }

    @Test
    void aMissingProgramExits127LikeAShell() {
        Run r = run("no-such-program-here");
        assertThat(r.outcome().exitCode()).isEqualTo(127);
        assertThat(r.err()).contains("cannot run 'no-such-program-here'");
    }

    @Test
    void stdinIsStreamedAndOutputComesAsProduced() throws Exception {
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(feed);
        CountDownLatch sawFirst = new CountDownLatch(1);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        OutputStream out = new OutputStream() {
            @Override
            public synchronized void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                seen.write(b, off, len);
                if (seen.toString(StandardCharsets.UTF_8).contains("got:one")) {
                    sawFirst.countDown();
                }
            }
        };
        RunningExec exec = client.start(ExecSpec.argv("sh", "-c", "while read l; do echo got:$l; done; echo end"),
                stdin, out, null);
        feed.write("one\n".getBytes());
        feed.flush();
        // The first line's answer arrives while stdin is still open: streaming both ways.
        assertThat(sawFirst.await(10, TimeUnit.SECONDS)).isTrue();
        feed.write("two\n".getBytes());
        feed.close();
        assertThat(exec.await(Duration.ofSeconds(10)).exitCode()).isZero();
        assertThat(seen.toString(StandardCharsets.UTF_8)).isEqualTo("got:one\ngot:two\nend\n");
    }

    @Test
    void stdinLargerThanTheWindowGetsThroughWhole() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(1).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecOutcome o = client.exec(ExecSpec.argv("cat"), new ByteArrayInputStream(data), out, null,
                Duration.ofSeconds(30));
        assertThat(o.exitCode()).isZero();
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void stdoutIsBinarySafe() throws Exception {
        byte[] data = new byte[1024 * 1024];
        new Random(2).nextBytes(data);
        for (int i = 0; i < 256; i++) {
            data[i] = (byte) i; // every byte value, NUL and 0xff included
        }
        Path f = Files.write(dir.resolve("blob"), data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecOutcome o = client.exec(ExecSpec.argv("cat", f.toString()), null, out, null, Duration.ofSeconds(30));
        assertThat(o.exitCode()).isZero();
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void aSignalEndsTheCommandAndIsReported() {
        RunningExec e = client.start(ExecSpec.argv("sleep", "30"), null, null, null);
        e.signal(15);
        ExecOutcome o = e.await(Duration.ofSeconds(10));
        assertThat(o.signal()).isEqualTo(15);
        assertThat(o.exitCode()).isEqualTo(143);
        assertThat(o.timedOut()).isFalse();
    }

    @Test
    void theTimeLimitKillsTheWholeProcessGroup() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        ExecOutcome o = client.exec(ExecSpec.argv("sh", "-c", "sleep 300 & echo $!; wait"), null, out, null,
                Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(o.timedOut()).isTrue();
        assertThat(o.exitCode()).isEqualTo(124);
        long child = Long.parseLong(out.toString().trim());
        // The background sleep was in the group: it is gone (or a zombie waiting for its reaper).
        for (int i = 0; i < 50 && alive(child); i++) {
            Thread.sleep(100);
        }
        assertThat(alive(child)).as("background child %d still running", child).isFalse();
    }

    private static boolean alive(long pid) throws IOException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (!Files.exists(stat)) {
            return false;
        }
        String s;
        try {
            s = Files.readString(stat);
        } catch (IOException gone) {
            return false;
        }
        return !s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
    }

    @Test
    void tenConcurrentExecsOnOneConnection() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            long t0 = System.nanoTime();
            List<Future<Run>> runs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String n = Integer.toString(i);
                runs.add(pool.submit(() -> run(ExecSpec.argv("sh", "-c", "sleep 1; echo out$0; echo err$0 >&2; exit $0",
                        n), null, Duration.ofSeconds(30))));
            }
            for (int i = 0; i < 10; i++) {
                Run r = runs.get(i).get(30, TimeUnit.SECONDS);
                assertThat(r.out()).isEqualTo("out" + i + "\n");
                assertThat(r.err()).isEqualTo("err" + i + "\n");
                assertThat(r.outcome().exitCode()).isEqualTo(i);
            }
            // Ten one-second sleeps took about one second: they ran side by side.
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPtyExecSeesATerminalAndItsResizes() throws Exception {
        PipedOutputStream feed = new PipedOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RunningExec e = client.start(ExecSpec.argv("sh", "-c", "stty size; read x; stty size; tty").withPty(30, 100),
                new PipedInputStream(feed), out, null);
        for (int i = 0; i < 100 && !out.toString().contains("30 100"); i++) {
            Thread.sleep(50);
        }
        e.resize(40, 120);
        feed.write("\n".getBytes());
        feed.flush();
        ExecOutcome o = e.await(Duration.ofSeconds(10));
        assertThat(o.exitCode()).isZero();
        assertThat(out.toString()).contains("30 100").contains("40 120").contains("/dev/pts/");
    }

    // ---- files ----

    static String sha256(byte[] data) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void aSixteenMebibyteFileRoundTripsWithItsMode() throws Exception {
        byte[] data = new byte[16 * 1024 * 1024];
        new Random(3).nextBytes(data);
        Path target = dir.resolve("new/deeper/file.bin");
        MessageDigest up = MessageDigest.getInstance("SHA-256");
        long written = client.writeFile(target.toString(), new DigestInputStream(new ByteArrayInputStream(data), up),
                0640, true);
        assertThat(written).isEqualTo(data.length);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r-----");
        MessageDigest down = MessageDigest.getInstance("SHA-256");
        FileInfo info = client.readFile(target.toString(), new DigestOutputStream(OutputStream.nullOutputStream(), down));
        assertThat(info.size()).isEqualTo(data.length);
        assertThat(info.mode()).isEqualTo(0640);
        assertThat(down.digest()).isEqualTo(up.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        try (var files = Files.list(target.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("file.bin"); // no temporary left
        }
    }

    @Test
    void anEmptyFileAndAReplacedFileKeepTheirModes() throws Exception {
        Path f = dir.resolve("script.sh");
        client.writeFile(f.toString(), InputStream.nullInputStream(), 0755, true);
        assertThat(Files.size(f)).isZero();
        client.writeFile(f.toString(), new ByteArrayInputStream("echo hi\n".getBytes()), null, true);
        assertThat(Files.readString(f)).isEqualTo("echo hi\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void aWriteInterruptedMidwayLeavesTheOldFile() throws Exception {
        Path f = Files.writeString(dir.resolve("keep.txt"), "old contents");
        InputStream failing = new InputStream() {
            int left = 1024 * 1024;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw new IOException("the upload's source broke");
                }
                return 'x';
            }
        };
        assertThatThrownBy(() -> client.writeFile(f.toString(), failing, null, true))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.getMessage())
                        .contains("left as it was").contains("the upload's source broke"));
        assertThat(Files.readString(f)).isEqualTo("old contents");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("keep.txt");
        }
    }

    @Test
    void anAgentKilledMidwriteLeavesTheOldFile() throws Exception {
        Path f = Files.writeString(dir.resolve("keep.txt"), "old contents");
        CountDownLatch halfway = new CountDownLatch(1);
        InputStream slow = new InputStream() {
            int sent;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (sent >= 2 * 1024 * 1024) {
                    halfway.countDown();
                    try {
                        Thread.sleep(20); // from here on, a trickle
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                int n = Math.min(len, 4096);
                java.util.Arrays.fill(b, off, off + n, (byte) 'y');
                sent += n;
                return n;
            }
        };
        Thread killer = Thread.ofVirtual().start(() -> {
            try {
                halfway.await();
                Thread.sleep(200);
                agent.process.destroyForcibly();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        assertThatThrownBy(() -> client.writeFile(f.toString(), slow, null, true))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.agentCode()).isEqualTo("ECHANNEL"));
        killer.join();
        assertThat(Files.readString(f)).isEqualTo("old contents");
    }

    @Test
    void fileErrorsAreCodesAndSentences() throws Exception {
        Files.createDirectories(dir.resolve("adir"));
        assertError(() -> client.writeFile("relative/x", InputStream.nullInputStream(), null, true), "EINVAL",
                ErrorCode.INVALID_INPUT, "absolute");
        assertError(() -> client.readFile("relative/x", OutputStream.nullOutputStream()), "EINVAL",
                ErrorCode.INVALID_INPUT, "absolute");
        assertError(() -> client.readFile(dir.resolve("missing").toString(), OutputStream.nullOutputStream()), "ENOENT",
                ErrorCode.NOT_FOUND, "No such file or directory");
        assertError(() -> client.readFile(dir.resolve("adir").toString(), OutputStream.nullOutputStream()), "EISDIR",
                ErrorCode.INVALID_INPUT, "is a directory");
        assertError(() -> client.writeFile(dir.resolve("adir").toString(), new ByteArrayInputStream(new byte[200_000]),
                null, true), "EISDIR", ErrorCode.INVALID_INPUT, "is a directory");
        assertError(() -> client.writeFile(dir.resolve("no/such/dir/f").toString(), InputStream.nullInputStream(), null,
                false), "ENOENT", ErrorCode.NOT_FOUND, "No such file or directory");
        Files.writeString(dir.resolve("afile"), "x");
        assertError(() -> client.writeFile(dir.resolve("afile/under").toString(), InputStream.nullInputStream(), null,
                true), "ENOTDIR", ErrorCode.INVALID_INPUT, "Not a directory");
        assertThat(client.ping()).isNotNull(); // errors end their request, not the channel
    }

    private static void assertError(Runnable r, String code, ErrorCode kind, String text) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(AgentException.class, e -> {
            assertThat(e.agentCode()).isEqualTo(code);
            assertThat(e.code()).isEqualTo(kind);
            assertThat(e.getMessage()).contains(text);
        });
    }

    // ---- garbage ----

    @Test
    void garbageOnTheAgentsInputEndsTheSessionWithASentence() throws Exception {
        ByteArrayOutputStream junk = new ByteArrayOutputStream();
        junk.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4, 5, 6, 7});
        junk.write("more garbage, which the agent ignores until the host hangs up".getBytes());
        agent.writeRaw(junk.toByteArray());
        for (int i = 0; i < 100 && client.isOpen(); i++) {
            Thread.sleep(20);
        }
        assertThatThrownBy(client::ping).isInstanceOfSatisfying(AgentException.class, e -> {
            assertThat(e.agentCode()).isEqualTo("EPROTO");
            assertThat(e.getMessage()).isEqualTo(
                    "the guest agent ended the session: frame length out of range; closing the session");
        });
        agent.process.waitFor(5, TimeUnit.SECONDS);
        assertThat(agent.process.exitValue()).isZero(); // it did not crash: it left cleanly at end of input
    }

    @Test
    void anUnknownFrameTypeIsAnsweredAndTheChannelGoesOn() throws Exception {
        agent.writeRaw(FrameCodec.encode(new Frame(0xee, 0x7ffffff0)));
        assertThat(run("true").outcome().exitCode()).isZero();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void garbageFromTheGuestSideIsASentenceOnTheHost() throws Exception {
        Process fake = new ProcessBuilder("sh", "-c", "printf '\\377\\377\\377\\377garbage'; sleep 5").start();
        try {
            assertThatThrownBy(() -> AgentClient.open(fake.getInputStream(), fake.getOutputStream(),
                    fake::destroyForcibly, Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.getMessage())
                            .contains("not the protocol").contains("out of range"));
        } finally {
            fake.destroyForcibly();
        }
    }

    @Test
    void aSilentPeerTimesOutWithASentence() throws Exception {
        Process fake = new ProcessBuilder("sleep", "10").start();
        try {
            assertThatThrownBy(() -> AgentClient.open(fake.getInputStream(), fake.getOutputStream(),
                    fake::destroyForcibly, Duration.ofMillis(500)))
                    .hasMessageContaining("did not answer").hasMessageContaining("hello");
        } finally {
            fake.destroyForcibly();
        }
    }
}
