package dev.smolvm.scripts;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * run-tests and bench/run read the JDK the launcher picked from target/.jdk; when it is missing
 * they stop with a sentence (an 'export JAVA_HOME=$(cat …)' would carry on with an empty JAVA_HOME).
 */
class RunScriptsJdkCheckTest {
    @TempDir
    Path copy;

    @ParameterizedTest
    @ValueSource(strings = {"run-tests", "bench/run"})
    void aMissingJdkFileStopsTheScriptWithASentence(String script) throws Exception {
        ScriptRun.copy(script, copy);
        ScriptRun.script(copy.resolve("smolvm"), "exit 0"); // a launcher that leaves no target/.jdk behind
        Path bin = Files.createDirectories(copy.resolve("bin"));
        ScriptRun.script(bin.resolve("mvn"), "echo mvn ran >&2; exit 3");
        var r = ScriptRun.start(copy, Map.of("PATH", bin + ":" + System.getenv("PATH")),
                "bash", copy.resolve(script).toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).startsWith(script + ": target/.jdk is missing").doesNotContain("mvn ran");
    }
}
