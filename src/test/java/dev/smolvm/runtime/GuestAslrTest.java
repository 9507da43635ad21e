package dev.smolvm.runtime;

import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuestAslrTest {

    @Test
    void offUnderTcgAndOnUnderKvmByDefault() {
        assertThat(GuestAslr.decide(Map.of(), "tcg").on()).isFalse();
        assertThat(GuestAslr.decide(Map.of(), "kvm").on()).isTrue();
        assertThat(GuestAslr.decide(Map.of("SMOLVM_GUEST_ASLR", "auto"), "tcg").on()).isFalse();
    }

    @Test
    void theEnvironmentDecidesWhenItSays() {
        assertThat(GuestAslr.decide(Map.of("SMOLVM_GUEST_ASLR", "on"), "tcg").on()).isTrue();
        assertThat(GuestAslr.decide(Map.of("SMOLVM_GUEST_ASLR", "off"), "kvm").on()).isFalse();
    }

    @Test
    void anotherValueIsOneSentence() {
        assertThatThrownBy(() -> GuestAslr.decide(Map.of("SMOLVM_GUEST_ASLR", "yes"), "tcg"))
                .isInstanceOf(SmolvmException.class)
                .hasMessage("SMOLVM_GUEST_ASLR must be on, off or auto, not 'yes'; unset it for the default "
                        + "(off under TCG, on under KVM).");
    }
}
