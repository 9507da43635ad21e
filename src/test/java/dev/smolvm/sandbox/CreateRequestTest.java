package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.image.GuestOs;
import dev.smolvm.runtime.BackendKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class CreateRequestTest {
    private static CreateRequest with(Integer mem, Integer disk, Integer cpus, Duration boot, String image) {
        return new CreateRequest(null, null, image, mem, disk, null, cpus, boot);
    }

    private static void assertInvalid(CreateRequest r, String messageStart) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, r::validated);
        assertThat(e).as("expected %s to be rejected", r).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).startsWith(messageStart);
    }

    @Test
    void defaultsAreAllNullAndValid() {
        CreateRequest d = CreateRequest.defaults();
        assertThat(d).isEqualTo(new CreateRequest(null, null, null, null, null, null, null, null));
        assertThat(d.validated()).isSameAs(d);
    }

    @Test
    void constants() {
        assertThat(CreateRequest.DEFAULT_MEMORY_MIB).isEqualTo(512);
        assertThat(CreateRequest.MIN_MEMORY_MIB).isEqualTo(128);
        assertThat(CreateRequest.MAX_MEMORY_MIB).isEqualTo(262144);
        assertThat(CreateRequest.MAX_DISK_MIB).isEqualTo(1048576);
        assertThat(CreateRequest.DEFAULT_BOOT_TIMEOUT).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void memoryBounds() {
        assertThat(with(128, null, null, null, null).validated().memoryMib()).isEqualTo(128);
        assertThat(with(262144, null, null, null, null).validated().memoryMib()).isEqualTo(262144);
        assertInvalid(with(127, null, null, null, null), "memory must be between 128 and 262144 MiB, got 127.");
        assertInvalid(with(262145, null, null, null, null), "memory must be between 128 and 262144 MiB, got 262145.");
        assertInvalid(with(-1, null, null, null, null), "memory must be between");
    }

    @Test
    void diskBounds() {
        assertThat(with(null, 1, null, null, null).validated().diskMib()).isEqualTo(1);
        assertThat(with(null, 1048576, null, null, null).validated().diskMib()).isEqualTo(1048576);
        assertInvalid(with(null, 0, null, null, null), "disk size must be between 1 and 1048576 MiB, got 0.");
        assertInvalid(with(null, 1048577, null, null, null), "disk size must be between 1 and 1048576 MiB, got 1048577.");
    }

    @Test
    void cpuBounds() {
        assertThat(with(null, null, 1, null, null).validated().cpus()).isEqualTo(1);
        assertThat(with(null, null, 64, null, null).validated().cpus()).isEqualTo(64);
        assertInvalid(with(null, null, 0, null, null), "cpus must be between 1 and 64, got 0.");
        assertInvalid(with(null, null, 65, null, null), "cpus must be between 1 and 64, got 65.");
    }

    @Test
    void bootTimeoutMustBePositive() {
        assertThat(with(null, null, null, Duration.ofSeconds(1), null).validated().bootTimeout())
                .isEqualTo(Duration.ofSeconds(1));
        assertInvalid(with(null, null, null, Duration.ZERO, null), "boot timeout must be a positive number of seconds.");
        assertInvalid(with(null, null, null, Duration.ofSeconds(-5), null), "boot timeout must be");
    }

    @Test
    void imageMustNotBeBlank() {
        assertThat(with(null, null, null, null, "ubuntu:24.04").validated().image()).isEqualTo("ubuntu:24.04");
        assertInvalid(with(null, null, null, null, ""), "image must not be empty.");
        assertInvalid(with(null, null, null, null, "  "), "image must not be empty.");
    }

    @Test
    void nameIsValidated() {
        assertInvalid(CreateRequest.defaults().withName("bad name"), "invalid sandbox name 'bad name'");
        assertThat(CreateRequest.defaults().withName("good-1").validated().name()).isEqualTo("good-1");
    }

    @Test
    void withNameKeepsOtherFields() {
        CreateRequest r = new CreateRequest("a", GuestOs.UBUNTU, "img", 256, 2048, BackendKind.QEMU, 2, Duration.ofSeconds(9));
        assertThat(r.withName("b"))
                .isEqualTo(new CreateRequest("b", GuestOs.UBUNTU, "img", 256, 2048, BackendKind.QEMU, 2, Duration.ofSeconds(9)));
    }
}
