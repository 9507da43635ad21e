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
        description = "Build, list and remove guest images (kernel + initramfs + ext4 root).")
final class ImageCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: choose one of build, list, rm");
    }

    static Map<String, Object> json(GuestImage i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("path", i.dir().toString());
        m.put("rootfs_mib", i.rootfsMib());
        return m;
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Build a guest image.",
                    "On this kind of host only the Debian image can be built: ubuntu and alpine need package",
                    "archives it cannot reach; windows needs a licensed disk."})
    static final class Build extends BaseCommand {
        @Option(names = "--os", paramLabel = "OS", defaultValue = "debian", description = "Which image (default: ${DEFAULT-VALUE}).")
        String os;

        @Option(names = "--force", description = "Rebuild even if the image exists.")
        boolean force;

        @Override
        int run() {
            GuestImage image = ctx().smolvm().images().build(GuestOs.parse(os), force, ctx().progress());
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
                Table t = new Table("Images", "Name", "Root MiB", "Path");
                images.forEach(i -> t.row(i.name(), i.rootfsMib(), i.dir()));
                ctx().out.print(t.render());
            });
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove a built image.")
    static final class Remove extends BaseCommand {
        @Parameters(paramLabel = "IMAGE", description = "Image name.")
        String name;

        @Override
        int run() {
            ctx().smolvm().removeImage(name);
            return emit(Map.of("name", name), () -> ctx().out.println("Removed image '" + name + "'"));
        }
    }
}
