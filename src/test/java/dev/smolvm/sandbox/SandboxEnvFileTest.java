package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxEnvFileTest {
    @TempDir
    Path dir;

    @Test
    void keptVariablesAreWrittenPrivatelyAndReadBack() throws Exception {
        assertThat(SandboxEnvFile.read(dir)).isEmpty();
        SandboxEnvFile.write(dir, Map.of("B", "two words", "A", "x=y"));
        assertThat(SandboxEnvFile.read(dir)).containsExactly(Map.entry("A", "x=y"), Map.entry("B", "two words"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("env.json"))))
                .isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("env.json");
        }
    }

    @Test
    void anExecsOwnVariablesWinOverKeptOnes() {
        SandboxEnvFile.write(dir, Map.of("A", "kept", "B", "kept"));
        assertThat(SandboxEnvFile.under(dir, Map.of("A", "mine"))).containsEntry("A", "mine").containsEntry("B", "kept");
    }

    @Test
    void aDamagedFileIsASentence() throws Exception {
        Files.writeString(dir.resolve("env.json"), "{\"1A\": \"x\"}");
        assertThatThrownBy(() -> SandboxEnvFile.read(dir)).isInstanceOf(SmolvmException.class)
                .hasMessageContaining("is unreadable").hasMessageContaining("fix or delete it");
    }

    @Test
    void theProfileSetsEachVariableQuotedUnlessAnExecAlreadyHasIt() {
        assertThat(SandboxEnvFile.profileScript(Map.of("B", "it's $HOME", "A", "1")))
                .isEqualTo("# The sandbox's environment, kept by 'smolvm sandbox env'; smolvm rewrites this file.\n"
                        + "if [ -n \"${SSH_CONNECTION-}\" ] || [ -z \"${A+set}\" ]; then export A=1; fi\n"
                        + "if [ -n \"${SSH_CONNECTION-}\" ] || [ -z \"${B+set}\" ]; then export B='it'\\''s $HOME'; fi\n");
    }
}
