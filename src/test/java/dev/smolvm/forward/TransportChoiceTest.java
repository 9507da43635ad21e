package dev.smolvm.forward;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class TransportChoiceTest {
    private static final String NEEDS_TAP = "the nftables transport needs a routable guest (TAP networking); "
            + "this sandbox uses user-mode networking.";

    @ParameterizedTest
    @ValueSource(strings = {"tap", "user"})
    void forcedSshTunnelAlwaysWins(String mode) {
        assertThat(TransportChoice.choose("ssh_tunnel", mode)).isEqualTo(TransportKind.SSH_TUNNEL);
    }

    @Test
    void forcedNftablesWithTapIsTakenWithoutProbing() {
        assertThat(TransportChoice.choose("nftables", "tap")).isEqualTo(TransportKind.NFTABLES);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"user", "TAP", ""})
    void forcedNftablesWithoutTapIsUnavailable(String mode) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> TransportChoice.choose("nftables", mode));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo(NEEDS_TAP);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "NFTABLES", "ssh", "ssh-tunnel", " nftables", "nftables "})
    void unknownForcedValueIsInvalid(String forced) {
        for (String mode : new String[] {"tap", "user"}) {
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
        assertThat(TransportChoice.choose(forced, "user")).isEqualTo(TransportKind.SSH_TUNNEL);
    }

    @Test
    void unforcedWithTapDependsOnTheHost() {
        TransportKind chosen = TransportChoice.choose(null, "tap");
        assertThat(chosen).isEqualTo(TransportChoice.nftablesUsable() ? TransportKind.NFTABLES : TransportKind.SSH_TUNNEL);
    }
}
