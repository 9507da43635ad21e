package dev.smolvm.image.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OciPureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void referencesNormaliseLikeDocker() {
        assertThat(ImageRef.parse("alpine:3.20")).isEqualTo(new ImageRef("docker.io", "library/alpine", "3.20", null));
        assertThat(ImageRef.parse("docker.io/library/ubuntu:24.04").toString()).isEqualTo("docker.io/library/ubuntu:24.04");
        assertThat(ImageRef.parse("ubuntu").tag()).isEqualTo("latest");
        String d = "sha256:" + "a".repeat(64);
        ImageRef r = ImageRef.parse("127.0.0.1:5000/team/app@" + d);
        assertThat(r.registry()).isEqualTo("127.0.0.1:5000");
        assertThat(r.reference()).isEqualTo(d);
        assertThat(r.insecure()).isTrue();
        assertThat(r.apiBase()).isEqualTo("http://127.0.0.1:5000/v2/");
        assertThat(ImageRef.parse("alpine").apiBase()).isEqualTo("https://registry-1.docker.io/v2/");
        assertThat(ImageRef.parse("alpine:3.20").dirName()).isEqualTo("docker.io_library_alpine_3.20");
        assertThat(ImageRef.parse("localhost/x").insecure()).isTrue();
        assertThat(ImageRef.parse("ghcr.io/x/y").insecure()).isFalse();
        assertThatThrownBy(() -> ImageRef.parse("Upper/Case")).isInstanceOf(SmolvmException.class)
                .hasMessageContaining("is not an image reference");
        assertThatThrownBy(() -> ImageRef.parse("x@sha256:short")).hasMessageContaining("64 hex digits");
        assertThat(ImageRef.looksLikeReference("debian")).isFalse();
        assertThat(ImageRef.looksLikeReference("alpine:3.20")).isTrue();
        assertThat(ImageRef.looksLikeReference("/var/images/x")).isFalse();
    }

    @Test
    void platformSelection() throws Exception {
        var index = JSON.readTree("""
                {"manifests": [
                  {"digest": "sha256:arm", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
                  {"digest": "sha256:amd", "platform": {"os": "linux", "architecture": "amd64"}},
                  {"digest": "sha256:att", "platform": {"os": "unknown", "architecture": "unknown"}}]}""");
        assertThat(Platforms.select(index, "x").digest()).isEqualTo("sha256:amd");
        var armOnly = JSON.readTree("""
                {"manifests": [{"digest": "sha256:arm", "platform": {"os": "linux", "architecture": "arm64"}},
                  {"digest": "sha256:w", "platform": {"os": "windows", "architecture": "amd64"}}]}""");
        assertThatThrownBy(() -> Platforms.select(armOnly, "r"))
                .hasMessage("image r has no linux/amd64 variant (it has: linux/arm64, windows/amd64); smolvm guests are linux/amd64.");
    }

    @Test
    void challengesAndCredentials() {
        var c = BearerChallenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/alpine:pull\"").orElseThrow();
        assertThat(c.bearer()).isTrue();
        assertThat(c.realm()).isEqualTo("https://auth.docker.io/token");
        assertThat(c.params()).containsEntry("scope", "repository:library/alpine:pull");
        assertThat(BearerChallenge.parse("Basic realm=\"r\"").orElseThrow().bearer()).isFalse();
        var creds = DockerCredentials.parse("""
                {"auths": {"https://index.docker.io/v1/": {"auth": "dTpw"}, "r.example:5000": {"auth": "eDp5"}}}""");
        assertThat(creds.basicAuth("docker.io")).contains("Basic dTpw");
        assertThat(creds.basicAuth("r.example:5000")).contains("Basic eDp5");
        assertThat(creds.basicAuth("other.io")).isEmpty();
    }

    @Test
    void whiteoutsAndEscapes() {
        assertThat(LayerPaths.classify("./etc/.wh.passwd", "1")).isEqualTo(new LayerPaths.Whiteout("etc/passwd"));
        assertThat(LayerPaths.classify("opt/.wh..wh..opq", "1")).isEqualTo(new LayerPaths.Opaque("opt"));
        assertThat(LayerPaths.classify(".wh..wh..opq", "1")).isEqualTo(new LayerPaths.Opaque(""));
        assertThat(LayerPaths.classify("./", "1")).isEqualTo(new LayerPaths.Root());
        assertThat(LayerPaths.classify("a/./b/../c", "1")).isEqualTo(new LayerPaths.Plain("a/c"));
        assertThatThrownBy(() -> LayerPaths.classify("../x", "2/3")).hasMessage(
                "layer 2/3 has an entry '../x' that escapes the image's root: it climbs out of the root with '..'; nothing was kept.");
        assertThatThrownBy(() -> LayerPaths.classify("/etc/x", "1")).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> LayerPaths.classify("a/.wh...", "1")).hasMessageContaining("whiteout of nothing");
        assertThat(LayerPaths.resolveTarget(List.of("usr", "bin"), "../lib", "e", "1")).containsExactly("usr", "lib");
        assertThat(LayerPaths.resolveTarget(List.of("a"), "/usr/lib", "e", "1")).containsExactly("usr", "lib");
        assertThatThrownBy(() -> LayerPaths.resolveTarget(List.of("a"), "../../x", "a/l/f", "1"))
                .hasMessageContaining("symbolic link that points out of the root");
    }

    @Test
    void configDefaults() throws Exception {
        var c = ImageConfig.of(JSON.readTree("""
                {"config": {"Env": ["A=1", "B=x=y", "A=2"], "Entrypoint": ["/e"], "Cmd": ["c"]}}"""));
        assertThat(c.workingDir()).isEqualTo("/");
        assertThat(c.user()).isEqualTo("root");
        assertThat(c.envMap()).containsEntry("A", "2").containsEntry("B", "x=y");
        assertThat(c.defaultCommand()).containsExactly("/e", "c");
        assertThat(ImageConfig.fromJson(JSON.valueToTree(c.toJson()))).isEqualTo(c);
        assertThat(ImageConfig.of(JSON.readTree("{}"))).isEqualTo(ImageConfig.NONE);
    }
}
