package dev.smolvm.host;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AcceleratorTest {
    private static final String INTEL_CPUINFO = "processor\t: 0\nvendor_id\t: GenuineIntel\n"
            + "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic vmx ssse3 sse4_1\n";
    private static final String AMD_CPUINFO = "processor\t: 0\nvendor_id\t: AuthenticAMD\n"
            + "flags\t\t: fpu vme de pse tsc msr pae svm sse4a\n";
    private static final String NO_VIRT_CPUINFO = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae\n";

    @TempDir
    Path tmp;
    Path devKvm;
    Path sysModule;
    Path cpuinfo;

    @BeforeEach
    void setUp() throws IOException {
        devKvm = tmp.resolve("kvm");
        sysModule = Files.createDirectory(tmp.resolve("module"));
        cpuinfo = tmp.resolve("cpuinfo");
        Files.createDirectory(sysModule.resolve("kvm"));
    }

    private Accelerator probe() {
        return Accelerator.probeKvm(devKvm, sysModule, cpuinfo);
    }

    @Test
    void noDevKvmMeansTcg() throws IOException {
        Files.createDirectory(sysModule.resolve("kvm_intel"));
        Files.writeString(cpuinfo, INTEL_CPUINFO);
        Accelerator a = probe();
        assertThat(a.name()).isEqualTo("tcg");
        assertThat(a.isKvm()).isFalse();
        assertThat(a.reason()).isEqualTo("/dev/kvm does not exist (no hardware virtualisation exposed to this host)"
                + "; guests run under QEMU TCG (software emulation, slower)");
    }

    @Test
    void kvmPvmModuleMeansTcg() throws IOException {
        Files.createFile(devKvm);
        Files.createDirectory(sysModule.resolve("kvm_pvm"));
        Files.createDirectory(sysModule.resolve("kvm_intel"));
        Files.writeString(cpuinfo, INTEL_CPUINFO);
        Accelerator a = probe();
        assertThat(a.name()).isEqualTo("tcg");
        assertThat(a.isKvm()).isFalse();
        assertThat(a.reason()).contains("kvm_pvm").contains("QEMU TCG");
    }

    @Test
    void kvmIntelWithVmxMeansKvm() throws IOException {
        Files.createFile(devKvm);
        Files.createDirectory(sysModule.resolve("kvm_intel"));
        Files.writeString(cpuinfo, INTEL_CPUINFO);
        Accelerator a = probe();
        assertThat(a).isEqualTo(new Accelerator("kvm", "/dev/kvm is usable (kvm_intel)"));
        assertThat(a.isKvm()).isTrue();
    }

    @Test
    void kvmAmdWithSvmMeansKvm() throws IOException {
        Files.createFile(devKvm);
        Files.createDirectory(sysModule.resolve("kvm_amd"));
        Files.writeString(cpuinfo, AMD_CPUINFO);
        assertThat(probe()).isEqualTo(new Accelerator("kvm", "/dev/kvm is usable (kvm_amd)"));
    }

    @Test
    void noVendorModuleMeansTcg() throws IOException {
        Files.createFile(devKvm);
        Files.writeString(cpuinfo, INTEL_CPUINFO);
        Accelerator a = probe();
        assertThat(a.name()).isEqualTo("tcg");
        assertThat(a.reason()).startsWith("neither kvm_intel nor kvm_amd is loaded");
    }

    @Test
    void vendorModuleWithoutCpuFlagMeansTcg() throws IOException {
        Files.createFile(devKvm);
        Files.createDirectory(sysModule.resolve("kvm_intel"));
        Files.writeString(cpuinfo, NO_VIRT_CPUINFO);
        Accelerator a = probe();
        assertThat(a.name()).isEqualTo("tcg");
        assertThat(a.reason()).startsWith("the CPU does not advertise vmx or svm");
    }

    @Test
    void unreadableCpuinfoMeansTcg() throws IOException {
        Files.createFile(devKvm);
        Files.createDirectory(sysModule.resolve("kvm_intel"));
        Accelerator a = probe();
        assertThat(a.name()).isEqualTo("tcg");
        assertThat(a.reason()).startsWith("cannot read " + cpuinfo);
    }

    @Test
    void envOverrideSkipsProbe() {
        assertThat(Accelerator.probe(Map.of("SMOLVM_ACCEL", "kvm")))
                .isEqualTo(new Accelerator("kvm", "forced by SMOLVM_ACCEL=kvm"));
        assertThat(Accelerator.probe(Map.of("SMOLVM_ACCEL", "tcg")))
                .isEqualTo(new Accelerator("tcg", "forced by SMOLVM_ACCEL=tcg"));
    }

    @Test
    void anyOtherSmolvmAccelIsRefusedWithASentence() {
        assertThatThrownBy(() -> Accelerator.probe(Map.of("SMOLVM_ACCEL", "hvf")))
                .isInstanceOf(dev.smolvm.SmolvmException.class)
                .hasMessage("SMOLVM_ACCEL must be kvm or tcg, not 'hvf'; unset it to let smolvm probe.");
        assertThat(Accelerator.probe(Map.of("SMOLVM_ACCEL", "")).reason()).as("empty is unset")
                .doesNotStartWith("forced");
    }
}
