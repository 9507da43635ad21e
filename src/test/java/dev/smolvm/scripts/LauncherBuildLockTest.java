package dev.smolvm.scripts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two first runs of ./smolvm at once (clean target/) build once: the second waits for the first's
 * build and then uses its jar. Runs the real launcher in a scratch copy with a stand-in 'mvn' that
 * takes two seconds and notes every build and any overlap.
 */
class LauncherBuildLockTest {
    @TempDir
    Path repo;

    @Test
    void twoFirstRunsAtOnceBuildOnce() throws Exception {
        ScriptRun.copy("smolvm", repo);
        Files.createDirectories(repo.resolve("src/main/java"));
        Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
        Path bin = Files.createDirectories(repo.resolve("bin"));
        ScriptRun.script(bin.resolve("mvn"),
                "[ -e target/.mvn-running ] && echo overlap >> mvn.log",
                "echo build >> mvn.log",
                "mkdir -p target && touch target/.mvn-running",
                "sleep 2",
                "printf x > target/smolvm.jar",
                "rm -f target/.mvn-running");
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"),
                "JAVA_HOME", System.getProperty("java.home"));

        Process first = ScriptRun.process(repo, env, "bash", "smolvm", "--launcher-java-version");
        Process second = ScriptRun.process(repo, env, "bash", "smolvm", "--launcher-java-version");
        var a = ScriptRun.of(first);
        var b = ScriptRun.of(second);

        assertThat(a.code()).as(a.toString()).isZero();
        assertThat(b.code()).as(b.toString()).isZero();
        assertThat(Files.readString(repo.resolve("mvn.log"))).isEqualTo("build\n");
        assertThat(repo.resolve("target/.building")).as("the in-progress marker is gone").doesNotExist();
        assertThat(Files.readString(repo.resolve("target/.jdk")).strip()).isEqualTo(System.getProperty("java.home"));
    }
}
