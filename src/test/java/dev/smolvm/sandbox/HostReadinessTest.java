package dev.smolvm.sandbox;

import dev.smolvm.host.Progress;
import dev.smolvm.network.NetworkMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HostReadinessTest {
    /** A fresh Debian host: nftables is missing until it is installed, and TAP needs nft. */
    static final class FakeFreshHost implements HostReadiness.Host {
        final List<String> calls = new ArrayList<>();
        boolean nftInstalled;

        @Override
        public List<String> missingPackages() {
            calls.add("missing");
            return nftInstalled ? List.of() : List.of("nftables", "qemu-system-x86");
        }

        @Override
        public void install(List<String> packages, Progress progress) {
            calls.add("install " + String.join(" ", packages));
            nftInstalled = true;
        }

        @Override
        public boolean tapSupported() {
            calls.add("tap?");
            return nftInstalled;
        }
    }

    @Test
    void theFirstBootOnAFreshHostGetsTapBecauseTheModeIsDecidedAfterTheInstall() {
        var host = new FakeFreshHost();
        var readiness = new HostReadiness(null, host);
        assertThat(readiness.current()).as("before the install nft is missing").isEqualTo(NetworkMode.USER);
        host.calls.clear();

        assertThat(readiness.ready(true, Progress.SILENT)).isEqualTo(NetworkMode.TAP);
        assertThat(host.calls).containsExactly("missing", "install nftables qemu-system-x86", "tap?");

        host.calls.clear();
        assertThat(readiness.ready(true, Progress.SILENT)).isEqualTo(NetworkMode.TAP);
        assertThat(host.calls).as("nothing left to install").containsExactly("missing", "tap?");

        host.calls.clear();
        assertThat(readiness.ready(true, Progress.SILENT)).isEqualTo(NetworkMode.TAP);
        assertThat(host.calls).as("all there once: not asked again in this process").containsExactly("tap?");
    }

    @Test
    void aForcedModeIsKeptWhateverTheHostCanDo() {
        var host = new FakeFreshHost();
        assertThat(new HostReadiness(NetworkMode.USER, host).ready(true, Progress.SILENT)).isEqualTo(NetworkMode.USER);
        assertThat(host.calls).as("packages are still installed").contains("install nftables qemu-system-x86");
        assertThat(new HostReadiness(NetworkMode.TAP, new FakeFreshHost()).current()).isEqualTo(NetworkMode.TAP);
    }

    @Test
    void backendsThatNeedNoPackagesInstallNothing() {
        var host = new FakeFreshHost();
        assertThat(new HostReadiness(null, host).ready(false, Progress.SILENT)).isEqualTo(NetworkMode.USER);
        assertThat(host.calls).containsExactly("tap?");
    }
}
