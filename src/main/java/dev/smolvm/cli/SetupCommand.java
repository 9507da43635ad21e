package dev.smolvm.cli;

import dev.smolvm.guest.SshKeys;
import dev.smolvm.host.HostPackages;
import dev.smolvm.host.Ksm;
import dev.smolvm.host.KsmSetup;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.GuestOs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Command(name = "setup",
        mixinStandardHelpOptions = true,
        description = {"Prepare this host: install packages, SSH key and guest image.",
                "Installs the Debian packages smolvm runs (as root, with apt-get), makes the SSH key and",
                "builds the default guest image. Safe to run again. 'sandbox create' does the same",
                "automatically when something is missing. --ksm turns on the kernel's same-page merging so",
                "sandboxes restored from one snapshot share their identical pages (root; see docs/security.md)."})
final class SetupCommand extends BaseCommand {
    @Option(names = "--no-image", description = "Install packages only; do not build the guest image.")
    boolean noImage;

    @Option(names = "--ksm", negatable = true, description = {"Turn KSM (kernel same-page merging) on, at a rate "
            + "that merges idle sandboxes in seconds, and print what ksmd costs in CPU; --no-ksm turns it off "
            + "and unmerges. Needs root."})
    Boolean ksm;

    @Override
    int run() {
        var smolvm = ctx().smolvm();
        Progress progress = json ? Progress.SILENT : ctx().progress();
        if (ksm != null) {
            Ksm.system().requireChangeable(); // before the long steps, not after them
        }
        List<String> missing = HostPackages.missing();
        HostPackages.install(missing, progress, smolvm.config().privileges());
        SshKeys.ensure(smolvm.home().defaultSshKey());
        GuestImage image = noImage ? null : smolvm.images().build(GuestOs.DEBIAN, false, progress);
        KsmSetup.Result ksmResult = ksm == null ? null
                : ksm ? KsmSetup.system().turnOn(progress) : KsmSetup.system().turnOff(progress);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("installed_packages", missing);
        data.put("ssh_key", smolvm.home().defaultSshKey().toString());
        data.put("image", image == null ? null : image.dir().toString());
        data.put("accelerator", smolvm.accelerator().name());
        if (ksmResult != null) {
            data.put("ksm", ksmResult.toJson());
        }
        return emit(data, () -> {
            ctx().out.println("Host packages: " + (missing.isEmpty() ? "already installed" : "installed " + String.join(" ", missing)));
            ctx().out.println("SSH key:       " + smolvm.home().defaultSshKey());
            if (image != null) {
                ctx().out.println("Guest image:   " + image.dir());
            }
            ctx().out.println("Accelerator:   " + smolvm.accelerator().name() + " (" + smolvm.accelerator().reason() + ")");
            if (ksmResult != null) {
                ctx().out.println("KSM:           " + describe(ksmResult));
            }
            ctx().out.println("Ready. Try: smolvm sandbox create --name demo");
        });
    }

    static String describe(KsmSetup.Result r) {
        if (!r.settings().running()) {
            return String.format(Locale.ROOT, "off (ksmd stopped and its merged pages unmerged; %.1f MiB still "
                    + "shared)", r.sharingMib());
        }
        String cost = r.ksmdCpuPercent() == null ? "no ksmd thread found to measure its CPU"
                : String.format(Locale.ROOT, "ksmd used %.1f%% of one core over %.1f s%s", r.ksmdCpuPercent(),
                r.measuredSeconds(), r.pagesScannedPerSecond() < 0 ? ""
                        : String.format(Locale.ROOT, " (%d pages scanned/s)", r.pagesScannedPerSecond()));
        return String.format(Locale.ROOT, "on (%d pages every %d ms); %s; it scans only guest RAM (idle sandboxes "
                + "merge within a minute and then cost less), none when no sandbox runs; %.1f MiB shared now",
                r.settings().pagesToScan(), r.settings().sleepMillisecs(), cost, r.sharingMib());
    }
}
