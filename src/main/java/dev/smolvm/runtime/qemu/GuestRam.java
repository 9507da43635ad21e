package dev.smolvm.runtime.qemu;

import dev.smolvm.runtime.VmSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a guest's RAM lives, so that a snapshot's memory is a file a restore maps instead of a
 * stream it reads page by page (under TCG, reading ~100 MB of saved pages was most of a restore).
 * <ul>
 * <li>A booted VM's RAM is a shared-memory file ({@code /dev/shm/smolvm-<id>.ram}, unlinked once
 *     QEMU has it open, so it goes with the process). A snapshot of it migrates with
 *     {@code x-ignore-shared} (devices only, under a MiB) and copies that file, sparsely.</li>
 * <li>A restore maps the snapshot's {@code ram} file privately (copy on write): the pages no guest
 *     changed stay one copy in the page cache for all restores of it, and what a guest writes is its
 *     own (KSM can merge those). QEMU 7.2 gives a discarded page back by punching a hole in the
 *     backing file, which here would change the snapshot under every other restore, so no VM has
 *     free-page reporting ({@link QemuArgv}).</li>
 * <li>A restored VM's RAM is private, and QEMU 7.2 leaves only shared RAM out of a migration, so a
 *     snapshot of it migrates everything into {@link RamSplitter}, which writes the RAM block's
 *     pages into the same kind of file and keeps the rest as the devices-only stream: its restores
 *     map the file like any other (with x-ignore-shared off, as it was saved).</li>
 * </ul>
 * Without a writable {@code /dev/shm} the RAM is anonymous; its snapshots are split the same way.
 * Snapshots of older versions whose memory is in the stream still load, into anonymous memory.
 */
final class GuestRam {
    /** The RAM's memory-backend id; the migration stream names the RAM block by it. */
    static final String ID = "smolvm.ram";
    /** In a snapshot's directory: its memory, when saved as a file. */
    static final String FILE = "ram";
    /** What snapshots are made of now (the RAM block and devices): recorded, and compared on restore. */
    static final String LAYOUT = "2";
    private static final Path SHM = Path.of("/dev/shm");

    private GuestRam() {
    }

    /** The shared-memory file a VM's RAM is created in. */
    static Path sharedFile(VmSpec spec) {
        return SHM.resolve("smolvm-" + spec.id() + ".ram");
    }

    /** Whether this boot restores a snapshot whose memory is a file. */
    static boolean fromFile(VmSpec spec) {
        return spec.restoreFrom() != null && Files.isRegularFile(spec.restoreFrom().resolve(FILE));
    }

    /**
     * Whether this boot's RAM is a shared-memory file: a boot's, not a restore's. A restore from a
     * stream loads every page, and QEMU reads each zero page to see it is zero, which in shared
     * memory allocates it (all of RAM per sandbox); anonymous memory maps the zero page instead.
     */
    static boolean shared(VmSpec spec) {
        return spec.restoreFrom() == null && Files.isDirectory(SHM) && Files.isWritable(SHM);
    }

    /** The {@code -object} memory backend. */
    static String backend(VmSpec spec) {
        String common = "id=" + ID + ",size=" + spec.memoryMib() + "M";
        if (fromFile(spec)) {
            return "memory-backend-file," + common + ",mem-path=" + spec.restoreFrom().resolve(FILE) + ",share=off";
        }
        if (shared(spec)) {
            return "memory-backend-file," + common + ",mem-path=" + sharedFile(spec) + ",share=on";
        }
        return "memory-backend-ram," + common;
    }

    /**
     * The running VM's shared RAM file, as {@code /proc/<pid>/fd/<n>} (its name is unlinked), or
     * empty when its RAM is private (a restore) or anonymous.
     */
    static Optional<Path> openFile(long pid, VmSpec spec) {
        String name = sharedFile(spec).toString();
        Path fds = Path.of("/proc", String.valueOf(pid), "fd");
        try (Stream<Path> s = Files.list(fds)) {
            return s.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.equals(name) || target.equals(name + " (deleted)");
                } catch (IOException gone) {
                    return false;
                }
            }).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * RAM files no process holds open: QEMU creates one and holds it from its start, and smolvm
     * unlinks it right after, so one left with nobody on it is a start killed in between.
     */
    static java.util.List<Path> leftovers() {
        java.util.List<Path> candidates;
        try (Stream<Path> s = Files.list(SHM)) {
            candidates = s.filter(p -> p.getFileName().toString().matches("smolvm-[A-Za-z0-9-]+\\.ram")).toList();
        } catch (IOException e) {
            return java.util.List.of();
        }
        if (candidates.isEmpty()) {
            return candidates;
        }
        java.util.Set<String> open = new java.util.HashSet<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try (Stream<Path> fds = Files.list(p.resolve("fd"))) {
                    fds.forEach(fd -> {
                        try {
                            open.add(Files.readSymbolicLink(fd).toString());
                        } catch (IOException gone) {
                            // closed meanwhile
                        }
                    });
                } catch (IOException | RuntimeException gone) {
                    // the process ended, or is not ours to read
                }
            });
        } catch (IOException e) {
            return java.util.List.of(); // cannot tell who holds what: remove nothing
        }
        return candidates.stream().filter(p -> !open.contains(p.toString())).toList();
    }

    /** Bytes a file really holds on disk (a sparse RAM file is mostly holes). */
    static long allocated(Path file) {
        var r = dev.smolvm.host.Cmd.of("stat", "-c", "%b %B", file.toString()).run();
        String[] f = r.stdout().strip().split(" ");
        return r.ok() && f.length == 2 ? Long.parseLong(f[0]) * Long.parseLong(f[1]) : 0;
    }
}
