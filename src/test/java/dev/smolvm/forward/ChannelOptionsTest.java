package dev.smolvm.forward;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ChannelOptionsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsPass() {
        assertThat(ChannelOptions.DEFAULTS.validated()).isSameAs(ChannelOptions.DEFAULTS);
        assertThat(ChannelOptions.DEFAULTS).isEqualTo(new ChannelOptions(null, null, null));
    }

    @Test
    void fullyGivenValidOptionsPass() throws Exception {
        Path key = Files.writeString(dir.resolve("id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        ChannelOptions o = new ChannelOptions(CommChannel.SSH, "ubuntu", key);
        assertThat(o.validated()).isSameAs(o);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "SSH", "", "ssh ", "serial"})
    void unknownChannelIsInvalid(String channel) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> CommChannel.parse(channel));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo("unknown control channel '" + channel + "': choose one of ssh, vsock.");
    }

    @Test
    void knownChannelsParse() {
        assertThat(CommChannel.parse("ssh")).isEqualTo(CommChannel.SSH);
        assertThat(CommChannel.parse("vsock")).isEqualTo(CommChannel.VSOCK);
    }

    @Test
    void vsockIsUnavailable() {
        SmolvmException e = fail(new ChannelOptions(CommChannel.VSOCK, null, null));
        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(e.getMessage()).contains("vsock").contains("--comm-channel ssh");
        if (Files.exists(Path.of("/dev/vhost-vsock"))) {
            assertThat(e.getMessage()).isEqualTo(
                    "the vsock control channel is not supported by this version of smolvm; use --comm-channel ssh.");
        } else {
            assertThat(e.getMessage()).isEqualTo("the vsock control channel needs /dev/vhost-vsock, which this host "
                    + "does not have; use --comm-channel ssh (or leave it unset).");
        }
    }

    @Test
    void unreadableKeyIsInvalid() {
        Path missing = dir.resolve("no-such-key");
        SmolvmException e = fail(new ChannelOptions(null, null, missing));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo("cannot read the SSH key " + missing
                + "; give a readable private key with --ssh-key.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "", "1root", "-x", "root;id", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "über"})
    void invalidUserIsInvalid(String user) {
        SmolvmException e = fail(new ChannelOptions(CommChannel.SSH, user, null));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo("invalid SSH user '" + user + "'.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", "ubuntu", "_svc", "deploy.bot-1", "A"})
    void validUserPasses(String user) {
        ChannelOptions o = new ChannelOptions(null, user, null);
        assertThat(o.validated()).isSameAs(o);
    }

    @Test
    void thirtyTwoCharUserIsTheMaximum() {
        ChannelOptions o = new ChannelOptions(null, "a".repeat(32), null);
        assertThat(o.validated()).isSameAs(o);
    }

    @Test
    void channelIsCheckedFirst() {
        SmolvmException e = fail(new ChannelOptions(CommChannel.VSOCK, "a b", dir.resolve("missing")));
        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    }

    private static SmolvmException fail(ChannelOptions o) {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, o::validated);
        assertThat(e).as("expected %s to be rejected", o).isNotNull();
        return e;
    }
}
