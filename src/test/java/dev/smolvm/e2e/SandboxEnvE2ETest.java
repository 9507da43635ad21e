package dev.smolvm.e2e;

import dev.smolvm.Smolvm;
import dev.smolvm.server.ApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sandbox env set|unset|list} and {@code /sandboxes/{id}/env} on one real guest: kept
 * variables reach execs in both shell modes and login shells, lose to an exec's own --env, survive
 * stop and start, and bad names are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.Tag("e2e")
class SandboxEnvE2ETest {
    private Cli cli;
    private Smolvm smolvm;
    private ApiServer server;
    private Http http;

    @BeforeAll
    void start() {
        cli = Cli.withFreshHome();
        var created = cli.run("sandbox", "create", "--name", "e");
        assertThat(created.code()).as(created.toString()).isZero();
        smolvm = Smolvm.open(cli.env());
        server = ApiServer.start(smolvm, "127.0.0.1", 0, null);
        http = new Http("http://127.0.0.1:" + server.port(), null);
    }

    @AfterAll
    void stop() {
        server.close();
        smolvm.close();
        cli.close();
    }

    private String exec(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "sandbox";
        all[1] = "exec";
        all[2] = "e";
        System.arraycopy(args, 0, all, 3, args.length);
        var r = cli.run(all);
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out();
    }

    @Test
    @Order(1)
    void setVariablesReachEveryExecAndLoginShells() throws Exception {
        var set = cli.run("sandbox", "env", "set", "e", "GREETING=hello world", "URL=http://x/?a=b", "--json");
        assertThat(set.code()).as(set.toString()).isZero();
        assertThat(set.json().get("data").get("env").get("GREETING").asText()).isEqualTo("hello world");
        var list = cli.run("sandbox", "env", "list", "e");
        assertThat(list.out()).isEqualTo("GREETING=hello world\nURL=http://x/?a=b\n");
        assertThat(exec("--", "sh", "-c", "echo \"$GREETING|$URL\"")).isEqualTo("hello world|http://x/?a=b\n");
        assertThat(exec("--shell", "raw", "--", "printenv", "GREETING")).isEqualTo("hello world\n");
        assertThat(exec("--env", "GREETING=mine", "--", "sh", "-c", "echo $GREETING")).isEqualTo("mine\n");
        assertThat(exec("--shell", "raw", "--env", "GREETING=mine", "--", "printenv", "GREETING")).isEqualTo("mine\n");
        // A login shell that starts with nothing (as an ssh session does) gets them from the profile.
        assertThat(exec("--", "env", "-i", "/bin/sh", "-lc", "echo \"$GREETING|$URL\"")).isEqualTo("hello world|http://x/?a=b\n");
        var file = cli.home().resolve("sandboxes").resolve(smolvm.sandboxes().get("e").id()).resolve("env.json");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    @Order(2)
    void invalidNamesAreRefused() {
        var digit = cli.run("sandbox", "env", "set", "e", "1A=x", "--json");
        assertThat(digit.code()).isEqualTo(1);
        assertThat(digit.json().get("error").get("code").asText()).isEqualTo("invalid_input");
        assertThat(digit.json().get("error").get("message").asText()).isEqualTo("'1A' is not a valid environment "
                + "variable name: use letters, digits and '_', not starting with a digit.");
        var noValue = cli.run("sandbox", "env", "set", "e", "NOVALUE");
        assertThat(noValue.code()).isEqualTo(1);
        assertThat(noValue.err()).contains("'NOVALUE' must be NAME=VALUE");
        var dash = cli.run("sandbox", "env", "unset", "e", "A-B");
        assertThat(dash.code()).isEqualTo(1);
        assertThat(dash.err()).contains("'A-B' is not a valid environment variable name");
        var notSet = cli.run("sandbox", "env", "unset", "e", "NOPE");
        assertThat(notSet.code()).isEqualTo(1);
        assertThat(notSet.err()).contains("sandbox 'e' has no variable NOPE; it has GREETING, URL");
        assertThat(cli.run("sandbox", "env", "list", "ghost").code()).isEqualTo(1);
        assertThat(cli.run("sandbox", "env", "list", "e").out()).isEqualTo("GREETING=hello world\nURL=http://x/?a=b\n");
    }

    @Test
    @Order(3)
    void theHttpRoutesSetListAndUnset() {
        var put = http.send("PUT", "/sandboxes/e/env", "{\"env\":{\"FROM_HTTP\":\"yes\"}}", java.util.Map.of());
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("env").get("FROM_HTTP").asText()).isEqualTo("yes");
        assertThat(put.json().get("env").get("GREETING").asText()).isEqualTo("hello world");
        var list = http.get("/sandboxes/e/env");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().get("env").size()).isEqualTo(3);
        var run = http.post("/sandboxes/e/exec", "{\"command\":\"echo $FROM_HTTP\"}");
        assertThat(run.json().get("stdout").asText()).isEqualTo("yes\n");
        var bad = http.send("PUT", "/sandboxes/e/env", "{\"env\":{\"NOT-A-NAME\":\"1\"}}", java.util.Map.of());
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.errorMessage()).startsWith("'NOT-A-NAME' is not a valid environment variable name");
        var noEnv = http.send("PUT", "/sandboxes/e/env", "{}", java.util.Map.of());
        assertThat(noEnv.status()).isEqualTo(400);
        assertThat(http.delete("/sandboxes/e/env/FROM_HTTP").status()).isEqualTo(204);
        var again = http.delete("/sandboxes/e/env/FROM_HTTP");
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.errorCode()).isEqualTo("not_found");
        assertThat(http.get("/sandboxes/ghost/env").status()).isEqualTo(404);
        assertThat(http.post("/sandboxes/e/exec", "{\"command\":\"echo \\\"[$FROM_HTTP]\\\"\"}").json()
                .get("stdout").asText()).isEqualTo("[]\n");
    }

    @Test
    @Order(4)
    void theVariablesSurviveStopAndStart() {
        assertThat(cli.run("sandbox", "stop", "e").code()).isZero();
        assertThat(cli.run("sandbox", "env", "list", "e").out()).as("listed while stopped")
                .isEqualTo("GREETING=hello world\nURL=http://x/?a=b\n");
        var started = cli.run("sandbox", "start", "e");
        assertThat(started.code()).as(started.toString()).isZero();
        assertThat(exec("--", "sh", "-c", "echo $GREETING")).isEqualTo("hello world\n");
        assertThat(exec("--", "env", "-i", "/bin/sh", "-lc", "echo $GREETING")).isEqualTo("hello world\n");
    }

    @Test
    @Order(5)
    void unsetRemovesThemEverywhere() {
        var unset = cli.run("sandbox", "env", "unset", "e", "GREETING", "--json");
        assertThat(unset.code()).as(unset.toString()).isZero();
        assertThat(unset.json().get("data").get("env").has("GREETING")).isFalse();
        assertThat(exec("--", "sh", "-c", "echo \"[$GREETING]\"")).isEqualTo("[]\n");
        assertThat(exec("--", "env", "-i", "/bin/sh", "-lc", "echo \"[$GREETING|$URL]\"")).isEqualTo("[|http://x/?a=b]\n");
        assertThat(cli.run("sandbox", "env", "unset", "e", "URL").code()).isZero();
        assertThat(cli.run("sandbox", "env", "list", "e").out()).isEmpty();
        assertThat(exec("--", "sh", "-c", "[ -e /etc/profile.d/smolvm-env.sh ] && echo there || echo gone"))
                .isEqualTo("gone\n");
    }
}
