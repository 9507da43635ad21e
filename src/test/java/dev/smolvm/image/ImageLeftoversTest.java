package dev.smolvm.image;

import dev.smolvm.host.FileLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** Real directories and real file locks: what a killed pull or build leaves, and what is still being made. */
class ImageLeftoversTest {
    @TempDir
    Path root;

    @Test
    void findsDeadWorkAndUnfinishedImagesButNotCompleteOnes() throws Exception {
        Path partial = Files.createDirectories(root.resolve(".alpine_3.20.partial-1a2b3c4d/root"));
        Path unfinished = Files.createDirectories(root.resolve("debian"));
        Files.writeString(unfinished.resolve("vmlinuz"), "k");
        Path done = complete("tiny");
        var found = new ImageLeftovers(root).find();
        assertThat(found).extracting(ImageLeftovers.Leftover::dir)
                .containsExactly(partial.getParent(), unfinished);
        assertThat(found.get(0).why()).contains("pull or import of 'alpine_3.20'");
        assertThat(found.get(1).why()).contains("image 'debian' was never finished");
        found.forEach(l -> assertThat(new ImageLeftovers(root).remove(l)).isTrue());
        assertThat(partial.getParent()).doesNotExist();
        assertThat(unfinished).doesNotExist();
        assertThat(done).isDirectory();
        assertThat(new ImageLeftovers(root).find()).isEmpty();
    }

    @Test
    void workGoingOnNowIsLeftAlone() throws Exception {
        Path partial = Files.createDirectories(root.resolve(".tiny.partial-00000000"));
        Path building = Files.createDirectories(root.resolve("debian"));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var holder = CompletableFuture.runAsync(() -> {
            try (var pull = FileLock.acquire(root.resolve(".pull-tiny.lock"));
                 var build = FileLock.acquire(root.resolve(".build-debian.lock"))) {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        held.await();
        assertThat(new ImageLeftovers(root).find()).isEmpty();
        assertThat(new ImageLeftovers(root).remove(new ImageLeftovers.Leftover(partial, "x"))).isFalse();
        assertThat(partial).isDirectory();
        release.countDown();
        holder.get();
        assertThat(new ImageLeftovers(root).find()).extracting(ImageLeftovers.Leftover::dir)
                .containsExactly(partial, building);
    }

    private Path complete(String name) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        for (String f : new String[] {"vmlinuz", "initramfs.img", "rootfs.ext4"}) {
            Files.writeString(dir.resolve(f), f);
        }
        Files.writeString(dir.resolve("image.json"), "{\"channel\":\"agent\"}");
        return dir;
    }
}
