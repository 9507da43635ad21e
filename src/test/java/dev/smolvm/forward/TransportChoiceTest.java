package dev.smolvm.forward;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
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
        assertThat(TransportChoice.choose("ssh_tunnel", mode)).isEqualTo(TransportKind.SSH_TUNNEL);
    }

    @Test
    void forcedNftablesWithTapIsTakenWithoutProbing() {
        assertThat(TransportChoice.choose("nftables", NetworkMode.TAP)).isEqualTo(TransportKind.NFTABLES);
    }

    @ParameterizedTest
    @NullSource
    @EnumSource(value = NetworkMode.class, names = "USER")
    void forcedNftablesWithoutTapIsUnavailable(NetworkMode mode) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> TransportChoice.choose("nftables", mode));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo(NEEDS_TAP);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "NFTABLES", "ssh", "ssh-tunnel", " nftables", "nftables "})
    void unknownForcedValueIsInvalid(String forced) {
        for (NetworkMode mode : NetworkMode.values()) {
            SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> TransportChoice.choose(forced, mode));
            assertThat(e).as("forced '%s' with %s", forced, mode).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.getMessage())
                    .isEqualTo("SMOLVM_PORT_TRANSPORT must be nftables or ssh_tunnel, not '" + forced + "'.");
        }
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   "})
    void unforcedWithUserModeIsSshTunnel(String forced) {
        assertThat(TransportChoice.choose(forced, NetworkMode.USER)).isEqualTo(TransportKind.SSH_TUNNEL);
    }

    @Test
    void unforcedWithTapDependsOnTheHost() {
        TransportKind chosen = TransportChoice.choose(null, NetworkMode.TAP);
        assertThat(chosen).isEqualTo(TransportChoice.nftablesUsable() ? TransportKind.NFTABLES : TransportKind.SSH_TUNNEL);
    }
}
