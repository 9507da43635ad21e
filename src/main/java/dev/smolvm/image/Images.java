package dev.smolvm.image;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.Progress;
import dev.smolvm.image.oci.ImageRef;
import dev.smolvm.image.oci.OciImages;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The guest images under the images directory: list, build, remove, resolve. */
public final class Images {
    /** The image a sandbox gets when it names none. */
    public static final String DEFAULT = "debian";
    /** The recipe: class-path resources the build script runs with (the agent is built by Maven). */
    private static final String[] BUILD_FILES = {"build-debian.sh", "make-boot.sh", "initramfs-init", "guest-boot",
            "inittab", "/dev/smolvm/guest/agent/smolvm-agent"};
    private final Path root;
    private final Map<String, String> env;
    private final OciImages oci;

    public Images(Path root) {
        this(root, Map.of());
    }

    public Images(Path root, Map<String, String> env) {
        this.root = root;
        this.env = env;
        this.oci = new OciImages(root, env);
    }

    public Path root() {
        return root;
    }

    /**
     * A short hash of the build recipe (the script and the guest files). Images record the recipe
     * they were built from, so a stale one can be told apart from a current one.
     */
    public static String recipe() {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (String file : BUILD_FILES) {
                try (InputStream in = Images.class.getResourceAsStream(file)) {
                    digest.update(in.readAllBytes());
                }
            }
            return java.util.HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("build recipe unreadable", e);
        }
    }

    /** Whether {@code image} was built from this version's recipe. */
    public static boolean current(GuestImage image) {
        try {
            return recipe().equals(Files.readString(image.dir().resolve("recipe")).strip());
        } catch (IOException e) {
            return false;
        }
    }

    public List<GuestImage> list() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory)
                    .filter(d -> !d.getFileName().toString().startsWith(".")
                            && !d.getFileName().toString().contains(".partial."))
                    .map(d -> new GuestImage(d.getFileName().toString(), d))
                    .filter(GuestImage::complete)
                    .sorted(Comparator.comparing(GuestImage::name))
                    .toList();
        } catch (IOException e) {
            throw SmolvmException.internal("cannot list " + root + ": " + e.getMessage());
        }
    }

    /** An image by its directory name, or by the OCI reference it was pulled from. */
    public Optional<GuestImage> find(String name) {
        if (name.isEmpty() || name.startsWith(".") || name.contains("/") && !ImageRef.looksLikeReference(name)) {
            return Optional.empty();
        }
        if (!name.contains("/")) {
            GuestImage image = new GuestImage(name, root.resolve(name));
            if (image.complete()) {
                return Optional.of(image);
            }
        }
        if (ImageRef.looksLikeReference(name)) {
            ImageRef ref = ImageRef.parse(name);
            GuestImage pulled = new GuestImage(ref.dirName(), oci.dirFor(ref));
            return pulled.complete() ? Optional.of(pulled) : Optional.empty();
        }
        return Optional.empty();
    }

    /** Pulls an OCI image (with progress), or returns it when it is already here. */
    public GuestImage pull(String reference, Progress progress) {
        ImageRef ref = ImageRef.parse(reference);
        Path dir = oci.pull(ref, progress);
        return new GuestImage(dir.getFileName().toString(), dir);
    }

    /** Imports a rootfs tarball or directory as an image. */
    public GuestImage importRootfs(Path source, String name, Progress progress) {
        Path dir = oci.importRootfs(source, name, progress);
        return new GuestImage(dir.getFileName().toString(), dir);
    }

    /** An image by name or reference, or a sentence saying there is none. */
    public GuestImage get(String name) {
        return find(name).orElseThrow(() -> SmolvmException.notFound("no image named '" + name + "'")
                .hint("see 'smolvm image list'", "see GET /images"));
    }

    /**
     * The OCI reference {@code --os ubuntu|alpine} pulls: {@code SMOLVM_OS_<OS>_IMAGE} when set,
     * else the documented default.
     */
    public String osReference(GuestOs os) {
        return env.getOrDefault("SMOLVM_OS_" + os.name() + "_IMAGE", os.ociReference());
    }

    /** For doctor: each registry the OS references pull from, and whether it answered ("HTTP …" or "no answer: …"). */
    public Map<String, String> probeRegistries() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (GuestOs os : GuestOs.values()) {
            if (os.ociReference() != null) {
                ImageRef ref = ImageRef.parse(osReference(os));
                out.computeIfAbsent(ref.apiHost(), h -> dev.smolvm.image.oci.RegistryClient.probe(ref,
                        java.time.Duration.ofSeconds(3)));
            }
        }
        return out;
    }

    /** An image a sandbox can boot: reached over SSH (host key) or through the guest agent. */
    private static GuestImage bootable(GuestImage image) {
        if (!image.hasSsh() && !image.agentChannel()) {
            throw SmolvmException.unavailable("image '" + image.name() + "' has neither the guest agent nor sshd, so "
                    + "smolvm could not reach its guest; pull or import it again with this version of smolvm.");
        }
        return image;
    }

    /** Makes the kernel and initramfs of an image into {@code out} (and the initramfs's modules into {@code modules}); returns the kernel version. */
    public static String makeBootFiles(Path out, Path modules) {
        try {
            Path scripts = Files.createTempDirectory("smolvm-boot-");
            try {
                for (String file : new String[] {"make-boot.sh", "initramfs-init"}) {
                    try (InputStream in = Images.class.getResourceAsStream(file)) {
                        Files.copy(in, scripts.resolve(file));
                    }
                }
                var r = Cmd.of("bash", scripts.resolve("make-boot.sh").toString(), out.toString(), modules.toString())
                        .withTimeout(java.time.Duration.ofMinutes(5)).run();
                if (!r.ok()) {
                    throw SmolvmException.unavailable("cannot make the kernel and initramfs: " + r.describeFailure()
                            + "; 'smolvm setup' installs the kernel, busybox-static, kmod and cpio.");
                }
                return r.stdout().strip();
            } finally {
                deleteTree(scripts);
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot make the kernel and initramfs: " + e.getMessage());
        }
    }

    /**
     * The image for a sandbox: an explicit {@code --image} name or directory wins; otherwise the
     * OS's image, built now (with progress) when it is the buildable default.
     */
    public GuestImage resolve(String imageRef, GuestOs os, Progress progress) {
        if (imageRef != null) {
            String ref = imageRef.startsWith("file://") ? imageRef.substring("file://".length()) : imageRef;
            Optional<GuestImage> named = find(ref);
            if (named.isPresent()) {
                return bootable(named.get());
            }
            if (!imageRef.startsWith("file://") && !Files.isDirectory(Path.of(ref)) && ImageRef.looksLikeReference(ref)) {
                return bootable(pull(ref, progress));
            }
            if (ref.contains("/")) {
                GuestImage dirImage = new GuestImage(Path.of(ref).getFileName().toString(), Path.of(ref).toAbsolutePath());
                if (!dirImage.complete()) {
                    throw SmolvmException.notFound("image directory " + ref + " is not a smolvm image (it needs "
                            + "vmlinuz, initramfs.img, rootfs.ext4 and host_key.pub).");
                }
                return bootable(dirImage);
            }
            return find(ref).orElseThrow(() -> SmolvmException.notFound("no image named '" + ref + "'")
                    .hint("see 'smolvm image list', or build it with 'smolvm image build'",
                            "images are listed and built on the server's host with 'smolvm image list|build'"));
        }
        if (os.ociReference() != null) {
            String reference = osReference(os);
            Optional<GuestImage> pulled = find(reference);
            return bootable(pulled.isPresent() ? pulled.get() : pull(reference, progress));
        }
        String name = os.wireName();
        Optional<GuestImage> existing = find(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        if (!os.buildable()) {
            throw SmolvmException.unavailable("no " + name + " image is available and this host cannot build one: "
                    + os.whyNotBuildable() + "; omit --os to use the default Debian image.");
        }
        return build(os, false, progress);
    }

    /** Builds the image for {@code os} (only Debian can be built here). */
    public GuestImage build(GuestOs os, boolean force, Progress progress) {
        if (!os.buildable()) {
            throw SmolvmException.unavailable("cannot build a " + os.wireName() + " image: " + os.whyNotBuildable() + ".");
        }
        checkBuildTools();
        String name = os.wireName();
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw SmolvmException.internal("cannot create " + root + ": " + e.getMessage());
        }
        try (FileLock ignored = FileLock.acquire(root.resolve(".build-" + name + ".lock"))) {
            Optional<GuestImage> existing = find(name);
            if (existing.isPresent() && !force) {
                return existing.get(); // another process built it while we waited
            }
            Path target = root.resolve(name);
            if (Files.exists(target)) {
                deleteTree(target);
            }
            progress.step("Building the " + name + " guest image in " + target + " (about a minute, once)");
            Path scripts = Files.createTempDirectory("smolvm-image-");
            try {
                for (String file : BUILD_FILES) {
                    Path copy = scripts.resolve(file.substring(file.lastIndexOf('/') + 1));
                    try (InputStream in = Images.class.getResourceAsStream(file)) {
                        if (in == null) {
                            throw SmolvmException.internal("the build file " + file + " is missing from smolvm's jar; "
                                    + "rebuild smolvm ('./smolvm' rebuilds when sources change)");
                        }
                        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                    }
                    copy.toFile().setExecutable(true);
                }
                runBuild(scripts.resolve("build-debian.sh"), target, progress);
                Files.writeString(target.resolve("recipe"), recipe() + "\n");
            } finally {
                deleteTree(scripts);
            }
            return find(name).orElseThrow(() -> SmolvmException.internal("the image build finished but "
                    + target + " is incomplete"));
        } catch (IOException e) {
            throw SmolvmException.internal("image build failed: " + e.getMessage());
        }
    }

    private void runBuild(Path script, Path target, Progress progress) throws IOException {
        Process p = new ProcessBuilder("bash", script.toString(), target.toString())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        Deque<String> tail = new ArrayDeque<>();
        try (var reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("==> ")) {
                    progress.step("  " + line.substring(4));
                }
                tail.addLast(line);
                if (tail.size() > 15) {
                    tail.removeFirst();
                }
            }
        }
        try {
            if (p.waitFor() != 0) {
                throw SmolvmException.internal("the guest image build failed; its last output was:\n  "
                        + String.join("\n  ", tail));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw SmolvmException.internal("image build interrupted");
        }
    }

    private static void checkBuildTools() {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw SmolvmException.unavailable("building a guest image needs root (mmdebstrap and mkfs.ext4 make "
                    + "a root-owned tree); run 'sudo smolvm image build' once.");
        }
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("mmdebstrap", "mkfs.ext4", "cpio", "modprobe", "ssh-keygen")) {
            if (!Cmd.onPath(tool)) {
                missing.add(tool);
            }
        }
        try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
            if (boot.noneMatch(p -> p.getFileName().toString().matches("vmlinuz-.*-cloud-amd64"))) {
                missing.add("a cloud kernel in /boot (linux-image-cloud-amd64)");
            }
        } catch (IOException e) {
            missing.add("/boot");
        }
        if (!missing.isEmpty()) {
            throw SmolvmException.unavailable("cannot build the guest image: missing " + String.join(", ", missing)
                    + "; run 'smolvm setup' to install them.");
        }
    }

    public void remove(String name) {
        Optional<GuestImage> image = find(name);
        Path dir = image.map(GuestImage::dir).orElse(root.resolve(name));
        if (image.isEmpty() && (name.contains("/") || name.startsWith(".") || !Files.isDirectory(dir))) {
            throw SmolvmException.notFound("no image named '" + name + "'; see 'smolvm image list'.");
        }
        deleteTree(dir);
    }

    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new SmolvmException(ErrorCode.INTERNAL, "cannot delete " + dir + ": " + e.getMessage());
        }
    }
}
