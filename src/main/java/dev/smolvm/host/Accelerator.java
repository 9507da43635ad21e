package dev.smolvm.host;

import dev.smolvm.SmolvmException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Decides between KVM and TCG. {@code /dev/kvm} existing is not enough: a host whose KVM is
 * paravirtual-only ({@code kvm_pvm}) opens the device but cannot run an ordinary guest kernel.
 * {@code SMOLVM_ACCEL=kvm|tcg} overrides the probe; any other non-empty value is an error.
 */
public record Accelerator(String name, String reason) {

    public static Accelerator probe(Map<String, String> env) {
        return probe(forcedBy(env.get("SMOLVM_ACCEL")));
    }

    /** {@code forced}: kvm or tcg as {@link #forcedBy} gave it, or null to probe. */
    public static Accelerator probe(String forced) {
        if (forced != null) {
            return new Accelerator(forced, "forced by SMOLVM_ACCEL=" + forced);
        }
        return probeKvm(Path.of("/dev/kvm"), Path.of("/sys/module"), Path.of("/proc/cpuinfo"));
    }

    /** The accelerator {@code SMOLVM_ACCEL} forces (kvm or tcg), or null when it is unset or empty. */
    public static String forcedBy(String value) {
        if ("kvm".equals(value) || "tcg".equals(value)) {
            return value;
        }
        if (value != null && !value.isEmpty()) {
            throw SmolvmException.invalid("SMOLVM_ACCEL must be kvm or tcg, not '" + value
                    + "'; unset it to let smolvm probe.");
        }
        return null;
    }

    /** The probe itself, over paths so a unit test can point it at a fake sysfs. */
    static Accelerator probeKvm(Path devKvm, Path sysModule, Path cpuinfo) {
        if (!Files.exists(devKvm)) {
            return tcg("/dev/kvm does not exist (no hardware virtualisation exposed to this host)");
        }
        if (!Files.isReadable(devKvm) || !Files.isWritable(devKvm)) {
            return tcg("/dev/kvm exists but this user cannot open it (add yourself to the 'kvm' group)");
        }
        if (Files.isDirectory(sysModule.resolve("kvm_pvm"))) {
            return tcg("/dev/kvm is provided by kvm_pvm, which only runs PVM-built guest kernels");
        }
        boolean vendorModule = Files.isDirectory(sysModule.resolve("kvm_intel"))
                || Files.isDirectory(sysModule.resolve("kvm_amd"));
        if (!vendorModule) {
            return tcg("neither kvm_intel nor kvm_amd is loaded");
        }
        try {
            String flags = Files.readString(cpuinfo);
            if (!flags.contains(" vmx") && !flags.contains(" svm")) {
                return tcg("the CPU does not advertise vmx or svm");
            }
        } catch (IOException e) {
            return tcg("cannot read " + cpuinfo);
        }
        return new Accelerator("kvm", "/dev/kvm is usable (" + (Files.isDirectory(sysModule.resolve("kvm_intel"))
                ? "kvm_intel" : "kvm_amd") + ")");
    }

    private static Accelerator tcg(String why) {
        return new Accelerator("tcg", why + "; guests run under QEMU TCG (software emulation, slower)");
    }

    public boolean isKvm() {
        return "kvm".equals(name);
    }
}
