package dev.smolvm.e2e;

import dev.smolvm.host.Cmd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 'smolvm image pull' against a real registry (Debian's docker-registry on 127.0.0.1), with images
 * pushed by this test; the ext4 root it makes is read back with debugfs (e2fsprogs).
 */
@org.junit.jupiter.api.Tag("e2e")
class OciImageE2ETest {
    static TestRegistry registry;
    static Path images;
    static Cli cli;
    static String tinyDigest;

    @BeforeAll
    static void start() throws Exception {
        registry = new TestRegistry();
        images = Files.createTempDirectory(Path.of("/tmp"), "smolvm-oci-images-");
        cli = Cli.withFreshHome(Map.of("SMOLVM_IMAGES", images.toString(), "SMOLVM_REGISTRY_TIMEOUT", "3"));
        byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
        byte[] lower = TestRegistry.layer(t -> {
            t.dir("bin", 0755);
            t.file("bin/busybox", 0755, 0, 0, busybox);
            t.symlink("bin/sh", "busybox");
            t.dir("etc", 0755);
            t.file("etc/hello", 0640, 1000, 1001, "hello\n".getBytes(StandardCharsets.UTF_8));
            t.hardlink("etc/hello-link", "etc/hello");
            t.file("etc/gone", "gone\n");
            t.dir("opq", 0755);
            t.file("opq/a", "a\n");
            t.dir("opq/sub", 0700);
            t.file("opq/sub/b", "b\n");
            t.dir("dev", 0755);
            t.charDevice("dev/null", 1, 3);
            t.file("usr/bin/su-like", 04755, 0, 0, "x".getBytes(StandardCharsets.UTF_8));
        });
        byte[] upper = TestRegistry.layer(t -> {
            t.file("etc/.wh.gone", "");
            t.file("opq/.wh..wh..opq", "");
            t.file("opq/new", "new\n");
        });
        Map<String, Object> config = Map.of("Env", List.of("PATH=/bin:/usr/bin", "GREETING=hi there"),
                "WorkingDir", "/work", "User", "1000:1001", "Cmd", List.of("/bin/sh"));
        tinyDigest = registry.pushImage("e2e/tiny", "1", "amd64", config, List.of(lower, upper)).get("_digest").toString();
        var amd = registry.pushImage("e2e/multi", "amd64", "amd64", Map.of("Env", List.of("ARCH=amd64")), List.of(lower));
        var arm = registry.pushImage("e2e/multi", "arm64", "arm64", Map.of("Env", List.of("ARCH=arm64")), List.of(lower));
        registry.pushManifest("e2e/multi", "1", TestRegistry.OCI_INDEX, index(List.of(
                entry(arm, "arm64"), entry(amd, "amd64"))));
        var armOnly = registry.pushImage("e2e/armonly", "arm64", "arm64", Map.of(), List.of(lower));
        var ppc = registry.pushImage("e2e/armonly", "ppc", "ppc64le", Map.of(), List.of(lower));
        registry.pushManifest("e2e/armonly", "1", TestRegistry.OCI_INDEX, index(List.of(entry(armOnly, "arm64"),
                entry(ppc, "ppc64le"))));
        registry.pushImage("e2e/slip", "1", "amd64", Map.of(), List.of(TestRegistry.layer(t -> t.file("../evil", "x"))));
        registry.pushImage("e2e/slip", "link", "amd64", Map.of(), List.of(TestRegistry.layer(t -> {
            t.symlink("out", "../../../../tmp");
            t.file("out/evil", "x");
        })));
        byte[] corrupt = TestRegistry.layer(t -> t.file("data", "the real content\n"));
        var bad = registry.pushImage("e2e/corrupt", "1", "amd64", Map.of(), List.of(corrupt));
        @SuppressWarnings("unchecked")
        String layerDigest = ((List<Map<String, Object>>) bad.get("layers")).get(0).get("digest").toString();
        Path blob = registry.blobFile(layerDigest);
        byte[] b = Files.readAllBytes(blob);
        b[b.length / 2] ^= 0x55;
        Files.write(blob, b);
        registry.pushImage("e2e/conc", "1", "amd64", Map.of(), List.of(TestRegistry.layer(t -> t.file("c", "c\n"))));
    }

    static Map<String, Object> index(List<Map<String, Object>> entries) {
        return Map.of("schemaVersion", 2, "mediaType", TestRegistry.OCI_INDEX, "manifests", entries);
    }

    static Map<String, Object> entry(Map<String, Object> manifest, String arch) {
        return Map.of("mediaType", TestRegistry.OCI_MANIFEST, "digest", manifest.get("_digest"),
                "size", manifest.get("_size"), "platform", Map.of("os", "linux", "architecture", arch));
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (cli != null) {
            cli.close();
        }
        dev.smolvm.image.Images.deleteTree(images);
    }

    private static String debugfs(Path ext4, String request) {
        return Cmd.of("debugfs", "-R", request, ext4.toString()).run().stdout();
    }

    private static Path rootfs(String ref) {
        return images.resolve(dev.smolvm.image.oci.ImageRef.parse(ref).dirName()).resolve("rootfs.ext4");
    }

    @Test
    void pullsLayersWithWhiteoutsOwnersLinksAndDevices() {
        String ref = registry.host() + "/e2e/tiny:1";
        var r = cli.run("image", "pull", ref);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("layer 1/2").contains("layer 2/2");
        Path ext4 = rootfs(ref);
        assertThat(debugfs(ext4, "cat /etc/hello")).isEqualTo("hello\n");
        String hello = debugfs(ext4, "stat /etc/hello");
        assertThat(hello).contains("Mode:  0640").containsPattern("User:\\s+1000\\s+Group:\\s+1001").contains("Links: 2");
        assertThat(debugfs(ext4, "stat /bin/sh")).contains("Fast link dest: \"busybox\"");
        assertThat(debugfs(ext4, "stat /bin/busybox")).contains("Mode:  0755");
        assertThat(debugfs(ext4, "stat /usr/bin/su-like")).contains("Mode:  04755");
        assertThat(debugfs(ext4, "stat /dev/null")).contains("Type: character special").containsPattern("major[^\\n]*1");
        assertThat(Cmd.of("debugfs", "-R", "stat /etc/gone", ext4.toString()).run().stderr()).contains("not found");
        String opq = debugfs(ext4, "ls /opq");
        assertThat(opq).contains("new").doesNotContain(" a ").doesNotContain("sub");
        assertThat(debugfs(ext4, "stat /usr/lib/smolvm/smolvm-agent")).contains("Mode:  0755");
        assertThat(debugfs(ext4, "stat /usr/lib/smolvm/busybox")).contains("Mode:  0755");
        assertThat(debugfs(ext4, "cat /usr/lib/smolvm/modules/modules.order")).contains("virtio_blk.ko")
                .contains("virtio_console.ko");
        Path dir = ext4.getParent();
        assertThat(dir.resolve("vmlinuz")).isRegularFile();
        assertThat(dir.resolve("initramfs.img")).isRegularFile();
        assertThat(dir.resolve("host_key.pub")).doesNotExist();

        var inspect = cli.run("image", "inspect", ref, "--json");
        assertThat(inspect.code()).as(inspect.toString()).isZero();
        var data = inspect.json().path("data");
        assertThat(data.path("channel").asText()).isEqualTo("agent");
        assertThat(data.path("digest").asText()).startsWith("sha256:");
        assertThat(data.path("config").path("env").toString()).contains("GREETING=hi there");
        assertThat(data.path("config").path("working_dir").asText()).isEqualTo("/work");
        assertThat(data.path("config").path("user").asText()).isEqualTo("1000:1001");
        assertThat(cli.run("image", "inspect", ref).out()).contains("WorkingDir:  /work").contains("GREETING=hi there");
        var list = cli.run("image", "list");
        assertThat(list.out()).contains(ref);

        var again = cli.run("image", "pull", ref);
        assertThat(again.code()).isZero();
        assertThat(again.err()).contains("already here");
        var rm = cli.run("image", "rm", ref);
        assertThat(rm.code()).as(rm.toString()).isZero();
        assertThat(dir).doesNotExist();
    }

    /** A pulled image (no sshd, no init of its own) boots and is reached through the guest agent. */
    @Test
    void aPulledImageBootsAndRunsCommandsThroughTheAgent() {
        String ref = registry.host() + "/e2e/tiny:1";
        var create = cli.run("sandbox", "create", "--name", "oci", "--image", ref);
        assertThat(create.code()).as(create.toString()).isZero();
        try {
            var r = cli.run("sandbox", "exec", "oci", "--", "sh", "-c", "busybox cat /etc/hello; busybox ls /opq; "
                    + "[ -e /etc/gone ] || echo gone-is-gone; echo \"$GREETING\"; echo $(busybox id -u):$(busybox id -g):$HOME");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.out()).as("the image's User 1000:1001 runs the command (no passwd entry: home /)")
                    .isEqualTo("hello\nnew\ngone-is-gone\nhi there\n1000:1001:/\n");
            var raw = cli.run("sandbox", "exec", "oci", "--shell", "raw", "--env", "GREETING=mine", "--",
                    "/bin/busybox", "sh", "-c", "echo $GREETING");
            assertThat(raw.out()).as("--env wins over the image's Env: " + raw).isEqualTo("mine\n");
            var name = cli.run("sandbox", "exec", "oci", "--", "busybox", "cat", "/etc/hostname");
            assertThat(name.out()).as("/etc/hostname is the live name: " + name).isEqualTo("oci\n");
            var ssh = cli.run("sandbox", "ssh", "oci", "--", "true");
            assertThat(ssh.code()).isEqualTo(1);
            assertThat(ssh.err()).contains("runs an image without sshd");
            assertThat(cli.run("sandbox", "info", "oci", "--json").json().path("data").path("status").asText())
                    .isEqualTo("running");
        } finally {
            assertThat(cli.run("sandbox", "delete", "--force", "oci").code()).isZero();
        }
    }

    @Test
    void picksLinuxAmd64OutOfAnIndex() {
        String ref = registry.host() + "/e2e/multi:1";
        var r = cli.run("image", "pull", ref, "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        var inspect = cli.run("image", "inspect", ref, "--json").json().path("data");
        assertThat(inspect.path("config").path("env").toString()).contains("ARCH=amd64");
    }

    @Test
    void noAmd64VariantIsRefusedNamingThePlatforms() {
        failsCleanly(registry.host() + "/e2e/armonly:1", "no linux/amd64 variant", "linux/arm64", "linux/ppc64le");
    }

    @Test
    void unknownRepositoryAndTag() {
        failsCleanly(registry.host() + "/e2e/nothing:1", "has no manifest", "HTTP 404");
        failsCleanly(registry.host() + "/e2e/tiny:nope", "has no manifest", "MANIFEST_UNKNOWN");
    }

    @Test
    void unreachableRegistry() throws Exception {
        int closed = TestRegistry.freePort();
        failsCleanly("127.0.0.1:" + closed + "/e2e/tiny:1", "cannot reach registry 127.0.0.1:" + closed,
                "connection refused");
    }

    @Test
    void blobWithAWrongDigest() {
        failsCleanly(registry.host() + "/e2e/corrupt:1", "does not match its digest");
    }

    @Test
    void tarEntriesEscapingTheRoot() {
        failsCleanly(registry.host() + "/e2e/slip:1", "escapes the image's root", "'..'");
        failsCleanly(registry.host() + "/e2e/slip:link", "escapes the image's root", "symbolic link");
        assertThat(Path.of("/tmp/evil")).doesNotExist();
    }

    @Test
    void concurrentPullsOfOneRefDownloadOnce() throws Exception {
        String ref = registry.host() + "/e2e/conc:1";
        var a = CompletableFuture.supplyAsync(() -> cli.runProcess("image", "pull", ref));
        var b = CompletableFuture.supplyAsync(() -> cli.runProcess("image", "pull", ref));
        assertThat(a.get().code()).as(a.get().toString()).isZero();
        assertThat(b.get().code()).as(b.get().toString()).isZero();
        String log = Files.readString(registry.log);
        long layerGets = log.lines().filter(l -> l.contains("\"GET /v2/e2e/conc/blobs/sha256:") && l.contains("\" 200 "))
                .count();
        assertThat(layerGets).as(log).isEqualTo(2); // config + one layer, once
        assertThat(a.get().err() + b.get().err()).contains("already here");
        noLeftovers();
    }

    /** registry:port/repo@sha256:… pulls exactly that manifest; a digest the registry lacks is a sentence. */
    @Test
    void pullsByDigest() {
        String ref = registry.host() + "/e2e/tiny@" + tinyDigest;
        var r = cli.run("image", "pull", ref, "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        var inspect = cli.run("image", "inspect", ref, "--json").json().path("data");
        assertThat(inspect.path("digest").asText()).isEqualTo(tinyDigest);
        assertThat(debugfs(rootfs(ref), "cat /etc/hello")).isEqualTo("hello\n");
        assertThat(cli.run("image", "list").out()).contains(ref);
        assertThat(cli.run("image", "rm", ref).code()).isZero();
        failsCleanly(registry.host() + "/e2e/tiny@sha256:" + "0".repeat(64), "has no manifest");
    }

    /** The spec's HTTP create with an image reference: pulled on the way (it is not here yet), booted, exec'd. */
    @Test
    void httpCreateWithAnImagePullsItAndRuns() {
        String ref = registry.host() + "/e2e/tiny:1";
        cli.run("image", "rm", ref); // make sure the create has to pull
        try (var smolvm = dev.smolvm.Smolvm.open(cli.env());
             var server = dev.smolvm.server.ApiServer.start(smolvm, "127.0.0.1", 0, null)) {
            var http = new Http("http://127.0.0.1:" + server.port(), null);
            var created = http.post("/sandboxes", "{\"name\":\"oci-http\",\"image\":\"" + ref + "\"}");
            assertThat(created.status()).as(created.body()).isIn(200, 201);
            String id = created.json().path("id").asText();
            try {
                var exec = http.post("/sandboxes/" + id + "/exec", "{\"command\":\"busybox cat /etc/hello; echo $GREETING\"}");
                assertThat(exec.status()).as(exec.body()).isEqualTo(200);
                assertThat(exec.json().path("stdout").asText()).isEqualTo("hello\nhi there\n");
                var missing = http.post("/sandboxes", "{\"name\":\"oci-missing\",\"image\":\"" + registry.host()
                        + "/e2e/nothing:1\"}");
                assertThat(missing.status()).as(missing.body()).isBetween(400, 599);
                assertThat(missing.errorMessage()).contains("has no manifest");
            } finally {
                assertThat(http.delete("/sandboxes/" + id).status()).isLessThan(300);
            }
        }
        assertThat(cli.run("image", "list").out()).contains(ref);
    }

    /** 'image import' of a rootfs tarball boots; a directory import makes the same root. */
    @Test
    void importsATarballAndADirectory() throws Exception {
        Path src = Files.createTempDirectory(Path.of("/tmp"), "smolvm-import-src-");
        try {
            Files.createDirectories(src.resolve("bin"));
            Files.copy(Path.of("/bin/busybox"), src.resolve("bin/busybox"));
            Files.createSymbolicLink(src.resolve("bin/sh"), Path.of("busybox"));
            Files.createDirectories(src.resolve("etc"));
            Files.writeString(src.resolve("etc/imported"), "from a tarball\n");
            Path tar = src.getParent().resolve(src.getFileName() + ".tar");
            Cmd.of("tar", "-C", src.toString(), "-cf", tar.toString(), ".").run();
            try {
                var fromTar = cli.run("image", "import", tar.toString(), "--name", "imported-tar");
                assertThat(fromTar.code()).as(fromTar.toString()).isZero();
                var fromDir = cli.run("image", "import", src.toString(), "--name", "imported-dir");
                assertThat(fromDir.code()).as(fromDir.toString()).isZero();
                assertThat(debugfs(images.resolve("imported-dir").resolve("rootfs.ext4"), "cat /etc/imported"))
                        .isEqualTo("from a tarball\n");
                assertThat(cli.run("image", "list").out()).contains("imported-tar").contains("imported-dir");
                var create = cli.run("sandbox", "create", "--name", "imp", "--image", "imported-tar");
                assertThat(create.code()).as(create.toString()).isZero();
                try {
                    var r = cli.run("sandbox", "exec", "imp", "--", "busybox", "cat", "/etc/imported");
                    assertThat(r.out()).as(r.toString()).isEqualTo("from a tarball\n");
                } finally {
                    cli.run("sandbox", "delete", "--force", "imp");
                }
                var missing = cli.run("image", "import", src.resolve("nope.tar").toString());
                assertThat(missing.code()).isNotZero();
                assertThat(missing.err()).contains("nope.tar");
            } finally {
                Files.deleteIfExists(tar);
                cli.run("image", "rm", "imported-tar");
                cli.run("image", "rm", "imported-dir");
            }
        } finally {
            dev.smolvm.image.Images.deleteTree(src);
        }
        noLeftovers();
    }

    /** What a killed pull or build leaves behind is found by 'prune', by hand-made example; images stay. */
    @Test
    void pruneRemovesWhatAKilledPullLeftButNoImage() throws Exception {
        String ref = registry.host() + "/e2e/conc:1";
        assertThat(cli.run("image", "pull", ref).code()).isZero();
        Path dead = Files.createDirectories(images.resolve(".e2e_dead_1.partial-0badf00d").resolve("root"));
        Path unfinished = Files.createDirectories(images.resolve("half-built"));
        Files.writeString(unfinished.resolve("vmlinuz"), "not a kernel");
        var dry = cli.run("prune", "--dry-run", "--json");
        assertThat(dry.code()).as(dry.toString()).isZero();
        String listed = dry.json().path("data").path("would_remove").toString();
        assertThat(listed).contains("image-leftover").contains(dead.getParent().toString()).contains(unfinished.toString());
        assertThat(dead).exists();
        var pruned = cli.run("prune", "--json");
        assertThat(pruned.json().path("data").path("removed").toString()).contains(dead.getParent().toString())
                .contains(unfinished.toString());
        assertThat(dead.getParent()).doesNotExist();
        assertThat(unfinished).doesNotExist();
        assertThat(cli.run("image", "list").out()).contains(ref);
        assertThat(cli.run("prune", "--dry-run", "--json").json().path("data").path("would_remove").toString())
                .doesNotContain("image-leftover");
    }

    private static void failsCleanly(String ref, String... sentence) {
        var r = cli.run("image", "pull", ref, "--json");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        for (String s : sentence) {
            assertThat(r.json().path("error").path("message").asText()).as(r.toString()).contains(s);
        }
        assertThat(cli.run("image", "list", "--json").json().path("data").toString()).doesNotContain(
                dev.smolvm.image.oci.ImageRef.parse(ref).dirName());
        noLeftovers();
    }

    private static void noLeftovers() {
        try (Stream<Path> s = Files.list(images)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".partial"))).isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
