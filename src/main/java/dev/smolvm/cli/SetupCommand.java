package dev.smolvm.cli;

import dev.smolvm.guest.SshKeys;
import dev.smolvm.host.HostPackages;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.GuestOs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "setup",
        mixinStandardHelpOptions = true,
        description = {"Prepare this host: install packages, SSH key and guest image.",
                "Installs the Debian packages smolvm runs (as root, with apt-get), makes the SSH key and",
                "builds the default guest image. Safe to run again. 'sandbox create' does the same",
                "automatically when something is missing."})
final class SetupCommand extends BaseCommand {
    @Option(names = "--no-image", description = "Install packages only; do not build the guest image.")
    boolean noImage;

    @Override
    int run() {
        var smolvm = ctx().smolvm();
        List<String> missing = HostPackages.missing();
        HostPackages.install(missing, ctx().progress());
        SshKeys.ensure(smolvm.home().defaultSshKey());
        GuestImage image = noImage ? null : smolvm.images().build(GuestOs.DEBIAN, false, ctx().progress());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("installed_packages", missing);
        data.put("ssh_key", smolvm.home().defaultSshKey().toString());
        data.put("image", image == null ? null : image.dir().toString());
        data.put("accelerator", smolvm.accelerator().name());
        return emit(data, () -> {
            ctx().out.println("Host packages: " + (missing.isEmpty() ? "already installed" : "installed " + String.join(" ", missing)));
            ctx().out.println("SSH key:       " + smolvm.home().defaultSshKey());
            if (image != null) {
                ctx().out.println("Guest image:   " + image.dir());
            }
            ctx().out.println("Accelerator:   " + smolvm.accelerator().name() + " (" + smolvm.accelerator().reason() + ")");
            ctx().out.println("Ready. Try: smolvm sandbox create --name demo");
        });
    }
}
