package dev.smolvm;

import dev.smolvm.forward.CommChannel;
import dev.smolvm.forward.Protocol;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.store.SandboxStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class WireNameTest {
    private static final List<Class<? extends Enum<?>>> ENUMS = List.of(SandboxStatus.class, GuestOs.class,
            BackendKind.class, NetworkMode.class, EgressPolicy.Mode.class, Protocol.class, ShellMode.class,
            CommChannel.class);

    @Test
    void everyConstantRoundTripsThroughItsWireName() {
        for (Class<? extends Enum<?>> type : ENUMS) {
            for (Enum<?> e : type.getEnumConstants()) {
                String wire = ((WireName) e).wireName();
                assertThat(wire).as(type.getSimpleName()).matches("[a-z_]+");
                assertThat(e.toString()).as("toString is the wire name (picocli's help shows it)").isEqualTo(wire);
                assertThat(parse(type, wire)).isSameAs(e);
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object parse(Class type, String value) {
        return WireName.parse(type, value, "thing");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "UDP", " udp", "udp ", "sctp"})
    void anUnknownNameIsInvalidInputNamingTheValidOnes(String value) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> Protocol.fromWire(value));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo("unknown protocol '" + value + "': choose one of tcp, udp.");
    }

    @Test
    void noSilentDefaults() {
        assertThat(catchThrowableOfType(SmolvmException.class, () -> NetworkMode.fromWire("bridge")).getMessage())
                .isEqualTo("unknown network mode 'bridge': choose one of tap, user.");
        assertThat(catchThrowableOfType(SmolvmException.class, () -> NetworkMode.fromWire(null))).isNotNull();
        assertThat(catchThrowableOfType(SmolvmException.class, () -> SandboxStatus.fromWire("zombie")).getMessage())
                .isEqualTo("unknown status 'zombie': choose one of creating, starting, running, paused, stopped, error.");
        assertThat(catchThrowableOfType(SmolvmException.class, () -> BackendKind.parse("vmware")).getMessage())
                .isEqualTo("unknown backend 'vmware': choose one of qemu, firecracker, libkrun.");
        assertThat(catchThrowableOfType(SmolvmException.class, () -> GuestOs.parse("beos")).getMessage())
                .isEqualTo("unknown guest OS 'beos': choose one of debian, ubuntu, alpine, windows.");
        assertThat(catchThrowableOfType(SmolvmException.class, () -> ShellMode.parse("zsh")).getMessage())
                .isEqualTo("unknown shell 'zsh': choose one of login, raw.");
    }

    @Test
    void choicesAreInDeclarationOrder() {
        assertThat(WireName.names(BackendKind.class)).containsExactly("qemu", "firecracker", "libkrun");
        assertThat(WireName.choices(CommChannel.class)).isEqualTo("ssh, vsock");
    }
}
