package dev.smolvm.network;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkModeTest {
    @Test
    void smolvmNetworkForcesTapOrUser() {
        assertThat(NetworkMode.forcedBy("tap")).isEqualTo(NetworkMode.TAP);
        assertThat(NetworkMode.forcedBy("user")).isEqualTo(NetworkMode.USER);
    }

    @Test
    void unsetOrEmptyLetsSmolvmChoose() {
        assertThat(NetworkMode.forcedBy(null)).isNull();
        assertThat(NetworkMode.forcedBy("")).isNull();
    }

    @Test
    void anyOtherValueIsRefusedWithASentence() {
        assertThatThrownBy(() -> NetworkMode.forcedBy("bogus"))
                .isInstanceOf(SmolvmException.class)
                .hasMessage("SMOLVM_NETWORK must be tap or user, not 'bogus'; unset it to let smolvm choose.")
                .extracting(e -> ((SmolvmException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThatThrownBy(() -> NetworkMode.forcedBy("TAP")).hasMessageContaining("not 'TAP'");
    }
}
