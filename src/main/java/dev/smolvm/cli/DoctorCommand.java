package dev.smolvm.cli;

import dev.smolvm.doctor.Doctor;
import picocli.CommandLine.Command;

import java.util.List;

@Command(name = "doctor",
        mixinStandardHelpOptions = true,
        description = {"Check this host for what smolvm needs: packages, QEMU, KVM, networking, image.",
                "Each problem comes with a fix. Exits 1 when a check fails (warnings do not)."})
final class DoctorCommand extends BaseCommand {
    @Override
    int run() {
        List<Doctor.Check> checks = ctx().smolvm().doctor().run();
        boolean failed = checks.stream().anyMatch(c -> c.level() == Doctor.Level.FAIL);
        int code = failed ? Main.EXIT_ERROR : Main.EXIT_OK;
        return emit(code, checks.stream().map(Doctor.Check::toJson).toList(), () -> {
            for (Doctor.Check c : checks) {
                String mark = switch (c.level()) {
                    case PASS -> "[pass]";
                    case WARN -> "[warn]";
                    case FAIL -> "[FAIL]";
                };
                ctx().out.println(mark + " " + c.name() + ": " + c.detail());
                if (c.fix() != null && c.level() != Doctor.Level.PASS) {
                    ctx().out.println("       fix: " + c.fix());
                }
            }
        });
    }
}
