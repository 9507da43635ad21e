package dev.smolvm.forward;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.FakeHostPrivileges;
import dev.smolvm.network.NetworkMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class TransportChoiceTest {
    private static final String NEEDS_TAP = "the nftables transport needs a routable guest (TAP networking); "
            + "this sandbox uses user-mode networking.";

    @ParameterizedTest
    @EnumSource(NetworkMode.class)
    void forcedSshTunnelAlwaysWins(NetworkMode mode) {
        assertThat(TransportChoice.choose(TransportKind.SSH_TUNNEL, mode, FakeHostPrivileges.ROOT))
                .isEqualTo(TransportKind.SSH_TUNNEL);
    }

    @Test
    void forcedNftablesWithTapIsTakenWithoutProbing() {
        assertThat(TransportChoice.choose(TransportKind.NFTABLES, NetworkMode.TAP, FakeHostPrivileges.NOT_ROOT))
                .isEqualTo(TransportKind.NFTABLES);
    }

    @Test
    void forcedNftablesWithoutTapIsUnavailable() {
        SmolvmException e = catchThrowableOfType(SmolvmException.class,
                () -> TransportChoice.choose(TransportKind.NFTABLES, NetworkMode.USER, FakeHostPrivileges.ROOT));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo(NEEDS_TAP);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "NFTABLES", "ssh", "ssh-tunnel", " nftables", "nftables "})
    void unknownForcedValueIsInvalid(String forced) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> TransportKind.forcedBy(forced));
        assertThat(e).as("forced '%s'", forced).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo("SMOLVM_PORT_TRANSPORT must be nftables or ssh_tunnel, not '" + forced + "'.");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   "})
    void unsetOrBlankForcesNothing(String forced) {
        assertThat(TransportKind.forcedBy(forced)).isNull();
        assertThat(TransportChoice.choose(TransportKind.forcedBy(forced), NetworkMode.USER, FakeHostPrivileges.ROOT))
                .isEqualTo(TransportKind.SSH_TUNNEL);
    }

    @Test
    void unforcedWithTapIsAnSshTunnelWhenNotRoot() {
        assertThat(TransportChoice.choose(null, NetworkMode.TAP, FakeHostPrivileges.NOT_ROOT))
                .isEqualTo(TransportKind.SSH_TUNNEL);
    }

    @Test
    void unforcedWithTapAsRootIsNftablesWhereNftIsInstalled() {
        assertThat(TransportChoice.choose(null, NetworkMode.TAP, FakeHostPrivileges.ROOT))
                .isEqualTo(Cmd.onPath("nft") ? TransportKind.NFTABLES : TransportKind.SSH_TUNNEL);
    }
}
