package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SandboxNamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "Z", "7", "my-vm", "VM_1.test", "a-", "a.b_c-d"})
    void validNamesAreReturnedUnchanged(String name) {
        assertThat(SandboxNames.validate(name)).isEqualTo(name);
    }

    @Test
    void sixtyThreeCharsIsTheMaximum() {
        String max = "a".repeat(63);
        assertThat(SandboxNames.validate(max)).isEqualTo(max);
        assertInvalid("a".repeat(64));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "-vm", ".vm", "_vm", "my vm", " vm", "vm ", "a/b", "../x", "vm!", "vm\n", "vé"})
    void invalidNamesRejected(String name) {
        assertInvalid(name);
    }

    private static void assertInvalid(String name) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> SandboxNames.validate(name));
        assertThat(e).as("expected '%s' to be rejected", name).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).startsWith("invalid sandbox name '" + name + "'")
                .contains("1-63 letters");
    }

    @Test
    void newIdFormatAndUniqueness() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String id = SandboxNames.newId();
            assertThat(id).matches("^vm-[0-9a-f]{8}$");
            ids.add(id);
        }
        assertThat(ids).hasSize(200);
    }

    @ParameterizedTest
    @CsvSource({
            "web1, web1",
            "My_VM.test, my-vm-test",
            "a_b, a-b",
            "vm-, vm",
            "x.., x",
            "___, smolvm",
            "ABC-def, abc-def",
    })
    void hostname(String name, String expected) {
        assertThat(SandboxNames.hostname(name)).isEqualTo(expected);
    }
}
