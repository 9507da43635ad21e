package dev.smolvm.cli;

import dev.smolvm.image.GuestImage;
import dev.smolvm.image.GuestOs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "image",
        mixinStandardHelpOptions = true,
        description = "Build, pull, import, list, inspect and remove guest images (kernel + initramfs + ext4 root).")
final class ImageCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: choose one of build, pull, import, list, inspect, rm");
    }

    static Map<String, Object> json(GuestImage i) {
        var info = i.info();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("ref", info.path("ref").asText(info.has("os") ? "built: " + info.path("os").asText() : null));
        m.put("digest", info.path("digest").isTextual() ? info.path("digest").asText() : null);
        m.put("size", info.path("size").isNumber() ? info.path("size").asLong() : null);
        m.put("channel", i.agentChannel() ? "agent" : "ssh");
        m.put("path", i.dir().toString());
        m.put("rootfs_mib", i.rootfsMib());
        return m;
    }

    static String shortDigest(Object digest) {
        return digest == null ? "-" : digest.toString().substring(0, Math.min(digest.toString().length(), 19));
    }

    static String size(Object bytes) {
        return bytes == null ? "-" : String.format("%.1f MB", ((Number) bytes).longValue() / (1024.0 * 1024));
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = {"Pull an OCI image from a registry and make it a guest image.",
                    "REF: alpine:3.20, docker.io/library/ubuntu:24.04, host:5000/repo@sha256:…",
                    "Credentials come from ~/.docker/config.json; a registry on localhost/127.0.0.0/8 is plain HTTP."})
    static final class Pull extends BaseCommand {
        @Parameters(paramLabel = "REF", description = "Image reference.")
        String ref;

        @Override
        int run() {
            GuestImage image = ctx().smolvm().images().pull(ref, ctx().progress());
            return emit(json(image), () -> ctx().out.println("Pulled " + image.info().path("ref").asText(ref)
                    + " as image '" + image.name() + "' (" + image.info().path("digest").asText() + ")"));
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Make a guest image from a root filesystem tarball (.tar, .tar.gz) or directory.")
    static final class Import extends BaseCommand {
        @Parameters(paramLabel = "PATH", description = "Rootfs tarball or directory.")
        java.nio.file.Path path;

        @Option(names = "--name", paramLabel = "NAME", description = "Image name (default: from the file name).")
        String name;

        @Override
        int run() {
            GuestImage image = ctx().smolvm().images().importRootfs(path, name, ctx().progress());
            return emit(json(image), () -> ctx().out.println("Imported " + path + " as image '" + image.name() + "'"));
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Show an image: its source, digest, size and exec defaults (Env, WorkingDir, User, Cmd).")
    static final class Inspect extends BaseCommand {
        @Parameters(paramLabel = "IMAGE", description = "Image name or the reference it was pulled from.")
        String name;

        @Override
        int run() {
            GuestImage image = ctx().smolvm().images().get(name);
            Map<String, Object> m = json(image);
            var config = dev.smolvm.image.oci.ImageConfig.fromJson(image.info().path("config"));
            m.put("config", config.toJson());
            m.put("kernel_version", image.info().path("kernel_version").asText(null));
            return emit(m, () -> {
                var out = ctx().out;
                out.println("Name:        " + image.name());
                out.println("Ref:         " + m.get("ref"));
                out.println("Digest:      " + (m.get("digest") == null ? "-" : m.get("digest")));
                out.println("Size:        " + size(m.get("size")));
                out.println("Channel:     " + m.get("channel"));
                out.println("Path:        " + image.dir());
                out.println("Env:         " + (config.env().isEmpty() ? "-" : String.join(" ", config.env())));
                out.println("WorkingDir:  " + config.workingDir());
                out.println("User:        " + config.user());
                out.println("Entrypoint:  " + (config.entrypoint().isEmpty() ? "-" : String.join(" ", config.entrypoint())));
                out.println("Cmd:         " + (config.cmd().isEmpty() ? "-" : String.join(" ", config.cmd())));
            });
        }
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Build a guest image.",
                    "On this kind of host only the Debian image can be built: ubuntu and alpine need package",
                    "archives it cannot reach; windows needs a licensed disk."})
    static final class Build extends BaseCommand {
        @Option(names = "--os", paramLabel = "OS", defaultValue = "debian",
                description = "Which image: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        GuestOs os;

        @Option(names = "--force", description = "Rebuild even if the image exists.")
        boolean force;

        @Override
        int run() {
            GuestImage image = ctx().smolvm().images().build(os, force, ctx().progress());
            return emit(json(image), () -> ctx().out.println("Image '" + image.name() + "' is ready at " + image.dir()));
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List built images.")
    static final class ListImages extends BaseCommand {
        @Override
        int run() {
            List<GuestImage> images = ctx().smolvm().images().list();
            return emit(images.stream().map(ImageCommand::json).toList(), () -> {
                if (images.isEmpty()) {
                    ctx().out.println("No images yet; 'smolvm setup' builds the default one.");
                    return;
                }
                Table t = new Table("Images", "Name", "Ref", "Digest", "Size", "Root MiB");
                images.forEach(i -> {
                    Map<String, Object> m = json(i);
                    t.row(i.name(), m.get("ref") == null ? "-" : m.get("ref"), shortDigest(m.get("digest")),
                            size(m.get("size")), i.rootfsMib());
                });
                ctx().out.print(t.render());
            });
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove an image (refused while a sandbox uses it).")
    static final class Remove extends BaseCommand {
        @Parameters(paramLabel = "IMAGE", description = "Image name, or the reference it was pulled from.")
        String name;

        @Override
        int run() {
            ctx().smolvm().removeImage(name);
            return emit(Map.of("name", name), () -> ctx().out.println("Removed image '" + name + "'"));
        }
    }
}
