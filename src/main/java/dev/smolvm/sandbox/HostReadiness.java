package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.HostPackages;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.host.Progress;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.network.TapNetwork;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.BackendKind;

import java.util.List;

/**
 * Readies the host for a boot, then decides the network mode, in that order: TAP needs
 * {@code nft}, which the package install may only just have put there (on a fresh host the first
 * sandbox would otherwise get user-mode networking and every later one TAP). A mode forced with
 * {@code SMOLVM_NETWORK} is kept as it is.
 */
final class HostReadiness {
    /** What the decision asks of the host. */
    interface Host {
        List<String> missingPackages();

        void install(List<String> packages, Progress progress);

        boolean tapSupported();
    }

    /** The real host: dpkg and apt-get, and whether this process ({@code privileges}) can make TAP devices. */
    static Host real(HostPrivileges privileges) {
        return new Host() {
            @Override
            public List<String> missingPackages() {
                return HostPackages.missing();
            }

            @Override
            public void install(List<String> packages, Progress progress) {
                HostPackages.install(packages, progress, privileges);
            }

            @Override
            public boolean tapSupported() {
                return TapNetwork.supported(privileges);
            }
        };
    }

    private volatile boolean packagesPresent;
    private final NetworkMode forced;
    private final Host host;

    /** {@code forced} is the mode {@code SMOLVM_NETWORK} names, or null to choose by what the host can do. */
    HostReadiness(NetworkMode forced, Host host) {
        this.forced = forced;
        this.host = host;
    }

    /** Installs the missing host packages when {@code installPackages}, then says which network mode to boot with. */
    NetworkMode ready(boolean installPackages, Progress progress) {
        if (installPackages && !packagesPresent) {
            List<String> missing = host.missingPackages();
            if (!missing.isEmpty()) {
                host.install(missing, progress);
            }
            // Asked once per process (a dpkg-query is ~50 ms of every create otherwise): a package
            // removed under a running server shows as the backend's own "not installed" sentence.
            packagesPresent = missing.isEmpty();
        }
        return current();
    }

    /** The mode a boot would get with the host as it is now. */
    NetworkMode current() {
        if (forced != null) {
            return forced;
        }
        return host.tapSupported() ? NetworkMode.TAP : NetworkMode.USER;
    }

    /** Installs what the backend needs, checks it can run, and says which network mode to boot with. */
    NetworkMode forBackend(Backend backend, Progress progress) {
        NetworkMode networkMode = ready(backend.kind() == BackendKind.QEMU, progress);
        backend.ensureAvailable();
        return networkMode;
    }

    /**
     * User-mode guests have no egress at all (QEMU's {@code restrict=on}, which is what keeps them
     * off the host's loopback services), so a list of allowed networks cannot be honoured there.
     */
    static void refuseUnenforceable(NetworkMode networkMode, EgressPolicy policy) {
        if (networkMode == NetworkMode.USER && policy.mode() == EgressPolicy.Mode.RESTRICTED) {
            throw SmolvmException.unavailable("user-mode networking (SMOLVM_NETWORK=user, or not root) cannot "
                    + "enforce --network restricted: its sandboxes have no egress at all. Use TAP networking "
                    + "(run as root) for restricted, or --network off.");
        }
    }

}
