package dev.smolvm.image;

import dev.smolvm.host.FileLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What a killed pull, import or build leaves in the images directory: a pull's or import's hidden
 * work directory ({@code .NAME.partial-*}), or an image directory a build never finished (no
 * kernel, initramfs or root disk). Each is an orphan only while nobody holds the lock that work
 * takes for NAME, so a pull or build going on right now is never touched. Complete images are
 * not leftovers: removing those is {@code smolvm image rm}.
 */
public final class ImageLeftovers {
    /** One leftover: the directory, and what made it. */
    public record Leftover(Path dir, String why) { }

    private final Path root;

    public ImageLeftovers(Path root) {
        this.root = root;
    }

    public List<Leftover> find() {
        List<Leftover> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path dir : s.filter(Files::isDirectory).sorted().toList()) {
                leftover(dir).ifPresent(out::add);
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Removes {@code l}, under its name's locks, unless work on that name started meanwhile. */
    public boolean remove(Leftover l) {
        String name = nameOf(l.dir());
        try (var pull = FileLock.tryAcquire(root.resolve(".pull-" + name + ".lock")).orElse(null);
             var build = pull == null ? null : FileLock.tryAcquire(root.resolve(".build-" + name + ".lock")).orElse(null)) {
            if (pull == null || build == null || leftover(l.dir()).isEmpty()) {
                return false;
            }
            Images.deleteTree(l.dir());
            return true;
        }
    }

    private Optional<Leftover> leftover(Path dir) {
        String file = dir.getFileName().toString();
        String name = nameOf(dir);
        boolean partial = file.startsWith(".") && file.contains(".partial-");
        if (!partial && (file.startsWith(".") || new GuestImage(name, dir).complete())) {
            return Optional.empty();
        }
        if (busy(".pull-" + name + ".lock") || busy(".build-" + name + ".lock")) {
            return Optional.empty(); // being made right now
        }
        return Optional.of(new Leftover(dir, partial ? "the work directory of a pull or import of '" + name
                + "' that did not finish" : "image '" + name + "' was never finished (no kernel, initramfs or root disk)"));
    }

    private boolean busy(String lockFile) {
        Path lock = root.resolve(lockFile);
        if (!Files.exists(lock)) {
            return false;
        }
        try (var held = FileLock.tryAcquire(lock).orElse(null)) {
            return held == null;
        }
    }

    private static String nameOf(Path dir) {
        String file = dir.getFileName().toString();
        int partial = file.indexOf(".partial-");
        return file.startsWith(".") && partial > 0 ? file.substring(1, partial) : file;
    }
}
