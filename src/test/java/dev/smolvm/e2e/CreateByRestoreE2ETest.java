package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Create by restore on real guests: the first create of an image and size boots and saves a boot
 * snapshot, later ones load it and are their own machines, {@code --cold} boots, and a changed
 * image gets a new boot snapshot while the old one goes once nothing stands on it. The image is
 * a private copy of the test image (by directory, hard links), so "rebuilding" it touches no other test.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CreateByRestoreE2ETest {
    private Cli cli;
    private Path image;
    private Path snapshots;

    @BeforeAll
    void setUp() throws IOException {
        cli = Cli.withFreshHome();
        snapshots = cli.home().resolve("snapshots");
        // The shared test image (built once), copied so this test may "rebuild" it.
        Path shared = Cli.SHARED_IMAGES.resolve("debian");
        if (!Files.isRegularFile(shared.resolve("rootfs.ext4"))) {
            var build = cli.run("image", "build");
            assertThat(build.code()).as(build.toString()).isZero();
        }
        image = cli.home().resolve("img");
        Files.createDirectories(image);
        try (Stream<Path> files = Files.list(shared)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.createLink(image.resolve(f.getFileName()), f); // same bytes; a "rebuild" replaces a link
            }
        }
    }

    @AfterAll
    void cleanUp() {
        cli.close();
    }

    private JsonNode create(String name, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("sandbox", "create", "--name", name, "--image",
                image.toString(), "--memory", "256", "--json"));
        args.addAll(List.of(more));
        var r = cli.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isZero();
        return r.json().path("data");
    }

    private static List<String> phases(JsonNode created) {
        List<String> out = new java.util.ArrayList<>();
        created.path("phases").fieldNames().forEachRemaining(out::add);
        return out;
    }

    private List<String> bootSnapshots() throws IOException {
        if (!Files.isDirectory(snapshots)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(snapshots)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("boot-")).sorted().toList();
        }
    }

    private String exec(String sandbox, String command) {
        var r = cli.run("sandbox", "exec", sandbox, "--", "sh", "-c", command);
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out().strip();
    }

    @Test
    @Order(1)
    void theFirstCreateBootsAndSavesABootSnapshotThatIsNotListed() throws IOException {
        JsonNode a = create("first");
        assertThat(phases(a)).as("a boot, then the save").contains("clock", "boot-snapshot").doesNotContain("identity");
        assertThat(bootSnapshots()).hasSize(1);
        assertThat(cli.run("sandbox", "snapshot", "list", "--json").json().path("data")).isEmpty();
        assertThat(exec("first", "echo ok")).isEqualTo("ok");
    }

    @Test
    @Order(2)
    void laterCreatesRestoreAndAreTheirOwnMachines() throws IOException {
        JsonNode b = create("second");
        assertThat(phases(b)).as("a restore").contains("identity").doesNotContain("clock", "boot-snapshot");
        assertThat(bootSnapshots()).hasSize(1);
        String first = exec("first", "echo $(hostname) $(cat /proc/sys/kernel/random/uuid) "
                + "$(ip -4 -o addr show eth0 | awk '{print $4}') $(cat /sys/class/net/eth0/address)");
        String second = exec("second", "echo $(hostname) $(cat /proc/sys/kernel/random/uuid) "
                + "$(ip -4 -o addr show eth0 | awk '{print $4}') $(cat /sys/class/net/eth0/address)");
        String[] f = first.split(" ");
        String[] s = second.split(" ");
        assertThat(s[0]).isEqualTo("second");
        for (int i = 1; i < 4; i++) {
            assertThat(s[i]).as("field %d of %s vs %s", i, second, first).isNotEqualTo(f[i]);
        }
        assertThat(s[2]).isEqualTo(b.path("network").path("guest_ip").asText() + "/30");
        long now = System.currentTimeMillis() / 1000;
        assertThat(Long.parseLong(exec("second", "date +%s"))).isBetween(now - 5, now + 5);
        // Its memory is the boot snapshot's file, mapped copy-on-write: a guest that fills and frees
        // memory must leave that file as it was (QEMU 7.2 would punch freed pages out of it if the VM
        // had free-page reporting), or every other restore of it would change under its feet.
        Path ram = snapshots.resolve(bootSnapshots().get(0)).resolve("ram");
        assertThat(ram).as("a booted VM's memory is saved as a file").isRegularFile();
        String before = sha256(ram);
        assertThat(exec("second", "head -c 100000000 /dev/zero > /dev/shm/fill && rm /dev/shm/fill && "
                + "python3 -c 'b = bytearray(80 << 20); del b' && echo 3 > /proc/sys/vm/drop_caches && sleep 2 && echo ok"))
                .isEqualTo("ok");
        assertThat(sha256(ram)).isEqualTo(before);
        var logs = cli.run("sandbox", "logs", "second");
        assertThat(logs.out()).as("the console log starts with the boot it was saved from")
                .contains("restored from snapshot " + bootSnapshots().get(0));
    }

    @Test
    @Order(3)
    void coldBootsAndSavesNothing() throws IOException {
        JsonNode c = create("cold", "--cold");
        assertThat(phases(c)).contains("clock").doesNotContain("identity", "boot-snapshot");
        assertThat(bootSnapshots()).hasSize(1);
        assertThat(exec("cold", "hostname")).isEqualTo("cold");
    }

    /** A rebuilt image (new files) boots and gets a new boot snapshot; the old one goes when nothing stands on it. */
    @Test
    @Order(4)
    void aChangedImageGetsANewBootSnapshotAndTheOldOneGoes() throws IOException {
        String old = bootSnapshots().get(0);
        for (String sb : List.of("first", "second", "cold")) {
            assertThat(cli.run("sandbox", "delete", sb, "--force").code()).isZero();
        }
        rewrite(image.resolve("initramfs.img"));
        JsonNode d = create("rebuilt");
        assertThat(phases(d)).contains("clock", "boot-snapshot");
        assertThat(bootSnapshots()).as("the old one nothing stood on was replaced").hasSize(1).doesNotContain(old);

        // Changed again while 'rebuilt' stands on the current one: prune keeps it, then removes it once free.
        String current = bootSnapshots().get(0);
        rewrite(image.resolve("initramfs.img"));
        var kept = cli.run("prune", "--json");
        assertThat(kept.code()).as(kept.toString()).isZero();
        assertThat(bootSnapshots()).contains(current);
        assertThat(cli.run("sandbox", "delete", "rebuilt", "--force").code()).isZero();
        var pruned = cli.run("prune", "--json");
        assertThat(pruned.out()).contains(current).contains("snapshot-leftover");
        assertThat(bootSnapshots()).isEmpty();
    }

    /** {@code image rm} removes the image's boot snapshots with it (a private images directory: links to the test image). */
    @Test
    @Order(5)
    void imageRmRemovesTheImagesBootSnapshots() throws IOException {
        Path images = cli.home().resolve("own-images");
        Path debian = Files.createDirectories(images.resolve("debian"));
        try (Stream<Path> files = Files.list(image)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.createLink(debian.resolve(f.getFileName()), f);
            }
        }
        try (Cli own = Cli.withFreshHome(java.util.Map.of("SMOLVM_IMAGES", images.toString()))) {
            var c = own.run("sandbox", "create", "--name", "first", "--memory", "256", "--json");
            assertThat(c.code()).as(c.toString()).isZero();
            Path snaps = own.home().resolve("snapshots");
            try (Stream<Path> s = Files.list(snaps)) {
                assertThat(s.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("boot-"));
            }
            var refused = own.run("image", "rm", "debian");
            assertThat(refused.code()).as("a sandbox still boots from it").isNotZero();
            assertThat(refused.err()).contains("used by sandbox(es) first");
            assertThat(own.run("sandbox", "delete", "--force", "first").code()).isZero();
            var rm = own.run("image", "rm", "debian");
            assertThat(rm.code()).as(rm.toString()).isZero();
            try (Stream<Path> s = Files.list(snaps)) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("boot-"));
            }
            assertThat(debian).doesNotExist();
        }
        assertThat(image.resolve("rootfs.ext4")).as("the shared test image is untouched").exists();
    }

    private static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** New files with the same bytes: what a rebuild of the image leaves. */
    private static void rewrite(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
}
