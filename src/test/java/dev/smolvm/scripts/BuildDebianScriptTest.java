package dev.smolvm.scripts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** build-debian.sh on a host without the cloud kernel says so, rather than dying silently under pipefail. */
class BuildDebianScriptTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingCloudKernelIsReportedInASentence() throws Exception {
        Path boot = Files.createDirectory(tmp.resolve("boot"));
        var r = ScriptRun.start(tmp, Map.of("SMOLVM_BOOT_DIR", boot.toString(),
                        // should the kernel check ever be passed by, fail fast instead of building an image
                        "SMOLVM_DEBIAN_MIRROR", "http://127.0.0.1:9/"),
                "bash", ScriptRun.REPO.resolve("src/main/resources/dev/smolvm/image/build-debian.sh").toString(),
                tmp.resolve("out").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("no cloud kernel in " + boot + " (install linux-image-cloud-amd64)\n");
        assertThat(tmp.resolve("out")).doesNotExist();
    }
}
