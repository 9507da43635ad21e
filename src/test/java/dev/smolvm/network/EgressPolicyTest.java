package dev.smolvm.network;

import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EgressPolicyTest {
    @Test
    void defaultIsOpen() {
        assertThat(EgressPolicy.parse(null, null)).isEqualTo(EgressPolicy.OPEN);
        assertThat(EgressPolicy.parse("OPEN", List.of())).isEqualTo(EgressPolicy.OPEN);
    }

    @Test
    void allowIsRepeatableAndCommaSeparated() {
        var p = EgressPolicy.parse("restricted", List.of("203.0.113.0/24,198.51.100.7", " 10.0.0.0/8 "));
        assertThat(p.mode()).isEqualTo(EgressPolicy.Mode.RESTRICTED);
        assertThat(p.allowedStrings()).containsExactly("10.0.0.0/8", "198.51.100.7/32", "203.0.113.0/24");
        assertThat(EgressPolicy.parse("open", List.of("169.254.169.254")).allowedStrings())
                .containsExactly("169.254.169.254/32");
    }

    @Test
    void restrictedNeedsAList() {
        assertThatThrownBy(() -> EgressPolicy.parse("restricted", null)).isInstanceOf(SmolvmException.class)
                .hasMessageContaining("restricted needs at least one allowed CIDR");
        assertThatThrownBy(() -> EgressPolicy.parse("restricted", List.of(" , "))).isInstanceOf(SmolvmException.class)
                .hasMessageContaining("restricted needs at least one allowed CIDR");
    }

    @Test
    void badModeAndBadCidrAreNamed() {
        assertThatThrownBy(() -> EgressPolicy.parse("closed", null)).hasMessageContaining("'closed'");
        assertThatThrownBy(() -> EgressPolicy.parse("restricted", List.of("10.0.0.0/8", "10.0.0.300")))
                .hasMessageContaining("'10.0.0.300'");
        assertThatThrownBy(() -> EgressPolicy.parse("off", List.of("10.0.0.0/8"))).hasMessageContaining("off");
        assertThatCode(() -> EgressPolicy.parse("open", Arrays.asList((String) null))).doesNotThrowAnyException();
    }
}
