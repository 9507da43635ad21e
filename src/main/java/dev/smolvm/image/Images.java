package dev.smolvm.image;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.host.Progress;
import dev.smolvm.image.oci.ImageRef;
import dev.smolvm.image.oci.OciImages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The guest images under the images directory: list, build, remove, resolve. */
public final class Images {
    /** The image a sandbox gets when it names none. */
    public static final String DEFAULT = "debian";
    private final Path root;
    private final Map<String, String> env;
    private final OciImages oci;
    private final HostPrivileges privileges;

    public Images(Path root) {
        this(root, Map.of(), HostPrivileges.REAL);
    }

    /** {@code env}: SMOLVM_OS_&lt;OS&gt;_IMAGE, SMOLVM_REGISTRY_TIMEOUT and Docker's credentials are read from it. */
    public Images(Path root, Map<String, String> env, HostPrivileges privileges) {
        this.root = root;
        this.env = env;
        this.privileges = privileges;
        this.oci = new OciImages(root, env, privileges);
    }

    public Path root() {
        return root;
    }

    /**
     * A short hash of the build recipe (the script and the guest files). Images record the recipe
     * they were built from, so a stale one can be told apart from a current one.
     */
    public static String recipe() {
        return DebianBuild.recipe();
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
        return DebianBuild.makeBootFiles(out, modules);
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
        DebianBuild.checkTools(privileges);
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
            DebianBuild.run(target, progress);
            return find(name).orElseThrow(() -> SmolvmException.internal("the image build finished but "
                    + target + " is incomplete"));
        } catch (IOException e) {
            throw SmolvmException.internal("image build failed: " + e.getMessage());
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
