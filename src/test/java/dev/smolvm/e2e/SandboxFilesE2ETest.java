package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smolvm.Smolvm;
import dev.smolvm.server.ApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files in and out of one real guest, through the CLI ({@code sandbox file upload|download}) and
 * HTTP ({@code PUT|GET /sandboxes/{id}/files}): large binary files with their mode, directories as
 * tar, atomic replacement, and every kind of bad input with its sentence, exit code and status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.Tag("e2e")
class SandboxFilesE2ETest {
    private Cli cli;
    private Smolvm smolvm;
    private ApiServer server;
    private String base;
    private Path work;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws IOException {
        cli = Cli.withFreshHome();
        var created = cli.run("sandbox", "create", "--name", "f");
        assertThat(created.code()).as(created.toString()).isZero();
        smolvm = Smolvm.open(cli.env());
        server = ApiServer.start(smolvm, "127.0.0.1", 0, null);
        base = "http://127.0.0.1:" + server.port();
        work = Files.createTempDirectory(Path.of("/tmp"), "smolvm-files-");
    }

    @AfterAll
    void stop() {
        server.close();
        smolvm.close();
        cli.close();
        try (var walk = Files.walk(work)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    private String guest(String script) {
        var r = cli.run("sandbox", "exec", "f", "--", "sh", "-c", script);
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out();
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    @Order(1)
    void aSixteenMebibyteBinaryFileGoesUpAndDownWithItsMode() throws Exception {
        byte[] data = random(16 << 20, 1);
        Path local = work.resolve("big.bin");
        Files.write(local, data);
        Files.setPosixFilePermissions(local, PosixFilePermissions.fromString("rwxr-x---"));
        var up = cli.run("sandbox", "file", "upload", "f", local.toString(), "/root/deep/er/big.bin", "--json");
        assertThat(up.code()).as(up.toString()).isZero();
        JsonNode d = up.json().get("data");
        assertThat(d.get("bytes").asLong()).isEqualTo(16 << 20);
        assertThat(d.get("mode").asText()).isEqualTo("0750");
        assertThat(d.get("kind").asText()).isEqualTo("file");
        assertThat(guest("stat -c %a /root/deep/er/big.bin; sha256sum < /root/deep/er/big.bin | cut -d' ' -f1"))
                .isEqualTo("750\n" + sha256(data) + "\n");

        Path back = work.resolve("new/dir/big.back");
        var down = cli.run("sandbox", "file", "download", "f", "/root/deep/er/big.bin", back.toString(), "--json");
        assertThat(down.code()).as(down.toString()).isZero();
        assertThat(down.json().get("data").get("bytes").asLong()).isEqualTo(16 << 20);
        assertThat(down.json().get("data").get("mode").asText()).isEqualTo("0750");
        assertThat(sha256(Files.readAllBytes(back))).isEqualTo(sha256(data));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(back))).isEqualTo("rwxr-x---");
        try (var left = Files.list(back.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactly("big.back");
        }

        var moded = cli.run("sandbox", "file", "upload", "f", local.toString(), "/root/moded", "--mode", "600");
        assertThat(moded.code()).as(moded.toString()).isZero();
        assertThat(moded.out()).contains("mode 0600");
        assertThat(guest("stat -c %a /root/moded")).isEqualTo("600\n");
    }

    @Test
    @Order(2)
    void aDirectoryWithASymlinkAndAnEmptyDirectoryTravelsAsTar() throws Exception {
        Path tree = work.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.createDirectories(tree.resolve("empty"));
        Files.writeString(tree.resolve("a/b/c.txt"), "nested\n");
        Files.write(tree.resolve("a/bin.dat"), random(300_000, 2));
        Files.setPosixFilePermissions(tree.resolve("a/b/c.txt"), PosixFilePermissions.fromString("rw-r-----"));
        Files.createSymbolicLink(tree.resolve("link"), Path.of("a/b/c.txt"));
        var up = cli.run("sandbox", "file", "upload", "f", tree.toString(), "/srv/tree", "--json");
        assertThat(up.code()).as(up.toString()).isZero();
        assertThat(up.json().get("data").get("kind").asText()).isEqualTo("directory");
        assertThat(guest("cd /srv/tree && find . | sort && readlink link && cat link && stat -c %a a/b/c.txt "
                + "&& sha256sum < a/bin.dat | cut -d' ' -f1 && ls -A /srv"))
                .isEqualTo(".\n./a\n./a/b\n./a/b/c.txt\n./a/bin.dat\n./empty\n./link\na/b/c.txt\nnested\n640\n"
                        + sha256(Files.readAllBytes(tree.resolve("a/bin.dat"))) + "\ntree\n");

        guest("echo guest-made > /srv/tree/empty/new.txt");
        Path back = work.resolve("tree-back");
        var down = cli.run("sandbox", "file", "download", "f", "/srv/tree", back.toString());
        assertThat(down.code()).as(down.toString()).isZero();
        assertThat(down.out()).contains("directory");
        assertThat(Files.readSymbolicLink(back.resolve("link"))).isEqualTo(Path.of("a/b/c.txt"));
        assertThat(Files.readString(back.resolve("link"))).isEqualTo("nested\n");
        assertThat(Files.readString(back.resolve("empty/new.txt"))).isEqualTo("guest-made\n");
        assertThat(Files.readAllBytes(back.resolve("a/bin.dat"))).isEqualTo(Files.readAllBytes(tree.resolve("a/bin.dat")));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("a/b/c.txt"))))
                .isEqualTo("rw-r-----");
        guest("mkdir -p /srv/emptydir");
        var empty = cli.run("sandbox", "file", "download", "f", "/srv/emptydir", work.resolve("emptydir").toString());
        assertThat(empty.code()).as(empty.toString()).isZero();
        assertThat(Files.isDirectory(work.resolve("emptydir"))).isTrue();
    }

    @Test
    @Order(3)
    void noCreateDirsRefusesMissingParentsOnBothSides() throws IOException {
        Path local = work.resolve("small.txt");
        Files.writeString(local, "small\n");
        var up = cli.run("sandbox", "file", "upload", "f", local.toString(), "/nowhere/sub/small.txt",
                "--no-create-dirs", "--json");
        assertThat(up.code()).isEqualTo(1);
        assertThat(up.json().get("error").get("code").asText()).isEqualTo("not_found");
        assertThat(up.json().get("error").get("message").asText())
                .startsWith("cannot write /nowhere/sub/small.txt in sandbox 'f': ");
        assertThat(guest("[ -e /nowhere ] && echo there || echo absent")).isEqualTo("absent\n");
        var dir = cli.run("sandbox", "file", "upload", "f", work.resolve("tree").toString(), "/nowhere/tree",
                "--no-create-dirs");
        assertThat(dir.code()).isEqualTo(1);
        assertThat(dir.err()).contains("the directory /nowhere does not exist (and --no-create-dirs was given)");
        var down = cli.run("sandbox", "file", "download", "f", "/etc/hostname", work.resolve("no/such/h").toString(),
                "--no-create-dirs");
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).contains("the local directory " + work.resolve("no/such") + " does not exist");
        assertThat(Files.exists(work.resolve("no"))).isFalse();
    }

    @Test
    @Order(4)
    void badInputGetsASentenceAndExitOne() throws IOException {
        Path local = work.resolve("small.txt");
        Files.writeString(local, "small\n");
        var relative = cli.run("sandbox", "file", "upload", "f", local.toString(), "root/x", "--json");
        assertThat(relative.code()).isEqualTo(1);
        assertThat(relative.json().get("error").get("code").asText()).isEqualTo("invalid_input");
        assertThat(relative.json().get("error").get("message").asText()).isEqualTo("the guest path 'root/x' is "
                + "relative; give an absolute path in the sandbox, e.g. /root/root/x");

        var missing = cli.run("sandbox", "file", "download", "f", "/root/missing.txt", work.resolve("m").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot read /root/missing.txt in sandbox 'f': ")
                .contains("No such file or directory");
        assertThat(Files.exists(work.resolve("m"))).isFalse();

        var noLocal = cli.run("sandbox", "file", "upload", "f", work.resolve("absent").toString(), "/root/x");
        assertThat(noLocal.code()).isEqualTo(1);
        assertThat(noLocal.err()).contains("there is no local file or directory");

        var ontoDir = cli.run("sandbox", "file", "upload", "f", local.toString(), "/root", "--json");
        assertThat(ontoDir.code()).isEqualTo(1);
        assertThat(ontoDir.json().get("error").get("code").asText()).isEqualTo("invalid_input");
        assertThat(ontoDir.json().get("error").get("message").asText()).contains("/root is a directory");

        var underFile = cli.run("sandbox", "file", "upload", "f", local.toString(), "/etc/hostname/x");
        assertThat(underFile.code()).isEqualTo(1);
        assertThat(underFile.err()).contains("cannot write /etc/hostname/x in sandbox 'f': ").contains("Not a directory");

        // Nothing can be made under /proc/sys: the kernel answers ENOENT, so it is a 404 / not_found.
        var proc = cli.run("sandbox", "file", "upload", "f", local.toString(), "/proc/sys/smolvm-x", "--json");
        assertThat(proc.code()).isEqualTo(1);
        assertThat(proc.json().get("error").get("code").asText()).isEqualTo("not_found");
        assertThat(proc.json().get("error").get("message").asText())
                .startsWith("cannot write /proc/sys/smolvm-x in sandbox 'f': cannot write in /proc/sys: ");
        // The agent runs as root, so "not allowed" in a guest is a read-only file system (EROFS).
        guest("mkdir -p /mnt/ro && mount -t tmpfs -o ro,size=64k tmpfs /mnt/ro");
        var ro = cli.run("sandbox", "file", "upload", "f", local.toString(), "/mnt/ro/x", "--json");
        assertThat(ro.code()).isEqualTo(1);
        assertThat(ro.json().get("error").get("code").asText()).isEqualTo("invalid_input");
        assertThat(ro.json().get("error").get("message").asText())
                .startsWith("cannot write /mnt/ro/x in sandbox 'f': ").contains("Read-only file system");
        var roDir = cli.run("sandbox", "file", "upload", "f", work.resolve("tree").toString(), "/mnt/ro/tree");
        assertThat(roDir.code()).isEqualTo(1);
        assertThat(roDir.err()).contains("cannot upload " + work.resolve("tree") + " to /mnt/ro/tree in sandbox 'f': ")
                .contains("Read-only file system");

        Files.writeString(work.resolve("afile"), "x");
        var fileOverDir = cli.run("sandbox", "file", "download", "f", "/etc/hostname", work.toString());
        assertThat(fileOverDir.code()).isEqualTo(1);
        assertThat(fileOverDir.err()).contains(work + " is a directory, but /etc/hostname in the sandbox is a file");

        var badMode = cli.run("sandbox", "file", "upload", "f", local.toString(), "/root/x", "--mode", "9z");
        assertThat(badMode.code()).isEqualTo(1);
        assertThat(badMode.err()).contains("--mode '9z' is not an octal file mode");
    }

    @Test
    @Order(5)
    void aFullDiskIsASentenceAndLeavesNoTemporaryFile() throws IOException {
        guest("mkdir -p /mnt/small && mount -t tmpfs -o size=64k tmpfs /mnt/small");
        Path mib = work.resolve("mib.bin");
        Files.write(mib, random(1 << 20, 3));
        var full = cli.run("sandbox", "file", "upload", "f", mib.toString(), "/mnt/small/mib.bin", "--json");
        assertThat(full.code()).isEqualTo(1);
        assertThat(full.json().get("error").get("code").asText()).isEqualTo("invalid_input");
        assertThat(full.json().get("error").get("message").asText())
                .startsWith("cannot write /mnt/small/mib.bin in sandbox 'f': ").contains("No space left on device");
        assertThat(guest("ls -A /mnt/small | wc -l")).isEqualTo("0\n");
        var http = put("/sandboxes/f/files?path=/mnt/small/h.bin", random(1 << 20, 4));
        assertThat(http.statusCode()).isEqualTo(422);
        assertThat(new String(http.body(), StandardCharsets.UTF_8)).contains("No space left on device");
    }

    private HttpResponse<byte[]> put(String path, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private HttpResponse<byte[]> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b) {
        try {
            return client.send(b.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(6)
    void httpPutAndGetStreamFilesLargerThanTheJsonLimit() throws Exception {
        byte[] data = random(6 << 20, 5);
        var put = put("/sandboxes/f/files?path=/root/http/data.bin&mode=0751", data);
        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(204);
        var get = get("/sandboxes/f/files?path=/root/http/data.bin");
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(get.headers().firstValue("X-SmolVM-File-Mode")).hasValue("0751");
        assertThat(get.headers().firstValueAsLong("Content-Length").orElse(-1)).isEqualTo(6 << 20);
        assertThat(sha256(get.body())).isEqualTo(sha256(data));
        var empty = put("/sandboxes/f/files?path=/root/http/empty", new byte[0]);
        assertThat(empty.statusCode()).isEqualTo(204);
        assertThat(get("/sandboxes/f/files?path=/root/http/empty").body()).isEmpty();
    }

    @Test
    @Order(7)
    void httpBadInputHasTheRightStatusAndSentence() {
        var relative = put("/sandboxes/f/files?path=root/x", new byte[]{1});
        assertThat(relative.statusCode()).isEqualTo(422);
        assertThat(new String(relative.body(), StandardCharsets.UTF_8)).contains("The guest path 'root/x' is relative");
        var noPath = put("/sandboxes/f/files", new byte[]{1});
        assertThat(noPath.statusCode()).isEqualTo(400);
        assertThat(new String(noPath.body(), StandardCharsets.UTF_8)).containsIgnoringCase("query parameter 'path' is required");
        var missing = get("/sandboxes/f/files?path=/root/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("X-SmolVM-Error-Code")).hasValue("not_found");
        assertThat(new String(missing.body(), StandardCharsets.UTF_8)).contains("Cannot read /root/nope in sandbox 'f': ");
        var dir = get("/sandboxes/f/files?path=/root");
        assertThat(dir.statusCode()).isEqualTo(422);
        assertThat(new String(dir.body(), StandardCharsets.UTF_8)).contains("/root is a directory");
        var ro = put("/sandboxes/f/files?path=/mnt/ro/x", new byte[]{1});
        assertThat(ro.statusCode()).isEqualTo(422);
        assertThat(new String(ro.body(), StandardCharsets.UTF_8)).contains("Read-only file system");
        var underFile = put("/sandboxes/f/files?path=/etc/hostname/x", new byte[]{1});
        assertThat(underFile.statusCode()).isEqualTo(422);
        assertThat(new String(underFile.body(), StandardCharsets.UTF_8)).contains("Not a directory");
        var notRunning = get("/sandboxes/ghost/files?path=/etc/hostname");
        assertThat(notRunning.statusCode()).isEqualTo(404);
        var text = send(HttpRequest.newBuilder(URI.create(base + "/sandboxes/f/files?path=/root/t"))
                .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(text.statusCode()).isEqualTo(415);
    }

    @Test
    @Order(8)
    void anUploadCutOffMidwayLeavesTheOldFile() throws Exception {
        assertThat(put("/sandboxes/f/files?path=/root/atomic.txt", "old content\n".getBytes(StandardCharsets.UTF_8))
                .statusCode()).isEqualTo(204);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("PUT /sandboxes/f/files?path=/root/atomic.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Length: " + (8 << 20) + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.write(random(1 << 20, 6));
            out.flush();
            Thread.sleep(1000); // the first MiB reaches the guest's temporary file
        } // the connection is cut 7 MiB short
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String left;
        do {
            Thread.sleep(200);
            left = guest("ls -A /root | grep -c smolvm-write || true");
        } while (!left.equals("0\n") && System.nanoTime() < deadline);
        assertThat(left).as("the temporary file is removed").isEqualTo("0\n");
        assertThat(new String(get("/sandboxes/f/files?path=/root/atomic.txt").body(), StandardCharsets.UTF_8))
                .isEqualTo("old content\n");
    }
}
