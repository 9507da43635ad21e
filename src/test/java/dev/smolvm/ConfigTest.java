package dev.smolvm;

import dev.smolvm.forward.TransportKind;
import dev.smolvm.host.FakeHostPrivileges;
import dev.smolvm.network.NetworkMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The environment, parsed strictly once: each variable typed, a bad value one sentence naming it. */
class ConfigTest {
    @Test
    void anEmptyEnvironmentIsAllDefaults() {
        Config c = Config.fromEnvironment(Map.of(), FakeHostPrivileges.NOT_ROOT);
        assertThat(c.home().root()).isEqualTo(Path.of(System.getProperty("user.home"), ".smolvm"));
        assertThat(c.accelerator()).isNull();
        assertThat(c.guestAslr()).isEqualTo("auto");
        assertThat(c.network()).isNull();
        assertThat(c.portTransport()).isNull();
        assertThat(c.registryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.apiToken()).isNull();
        assertThat(c.privileges().root()).isFalse();
    }

    @Test
    void everyVariableIsReadIntoItsType() {
        Config c = Config.fromEnvironment(Map.of("SMOLVM_HOME", "/tmp/h", "SMOLVM_IMAGES", "/tmp/i",
                "SMOLVM_ACCEL", "tcg", "SMOLVM_GUEST_ASLR", "on", "SMOLVM_NETWORK", "user",
                "SMOLVM_PORT_TRANSPORT", "ssh_tunnel", "SMOLVM_REGISTRY_TIMEOUT", "3", "SMOLVM_API_TOKEN", "t0k"),
                FakeHostPrivileges.ROOT);
        assertThat(c.home()).isEqualTo(new Home(Path.of("/tmp/h"), Path.of("/tmp/i")));
        assertThat(c.accelerator()).isEqualTo("tcg");
        assertThat(c.guestAslr()).isEqualTo("on");
        assertThat(c.network()).isEqualTo(NetworkMode.USER);
        assertThat(c.portTransport()).isEqualTo(TransportKind.SSH_TUNNEL);
        assertThat(c.registryTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.apiToken()).isEqualTo("t0k");
        assertThat(c.privileges().root()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SMOLVM_ACCEL|hvf|SMOLVM_ACCEL must be kvm or tcg, not 'hvf'; unset it to let smolvm probe.",
            "SMOLVM_GUEST_ASLR|yes|SMOLVM_GUEST_ASLR must be on, off or auto, not 'yes'",
            "SMOLVM_NETWORK|bridge|SMOLVM_NETWORK must be tap or user, not 'bridge'",
            "SMOLVM_PORT_TRANSPORT|iptables|SMOLVM_PORT_TRANSPORT must be nftables or ssh_tunnel, not 'iptables'.",
            "SMOLVM_REGISTRY_TIMEOUT|ten|SMOLVM_REGISTRY_TIMEOUT must be a whole number of seconds from 1 to 3600, not 'ten'",
            "SMOLVM_REGISTRY_TIMEOUT|0|SMOLVM_REGISTRY_TIMEOUT must be a whole number of seconds from 1 to 3600, not '0'"})
    void aBadValueIsOneSentenceNamingTheVariable(String variable, String value, String message) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class,
                () -> Config.fromEnvironment(Map.of(variable, value), FakeHostPrivileges.NOT_ROOT));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).startsWith(message);
    }
}
