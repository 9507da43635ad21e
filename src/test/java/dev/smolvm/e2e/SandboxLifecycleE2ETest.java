package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One real guest through its whole life: create → exec → stop → start → exec → delete. The
 * steps share the sandbox (a TCG boot costs seconds), so they run in order.
 */
@org.junit.jupiter.api.Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxLifecycleE2ETest {
    private Cli cli;
    private String id;
    private String tap;

    @BeforeAll
    void home() {
        cli = Cli.withFreshHome();
    }

    @AfterAll
    void cleanUp() {
        cli.close();
    }

    @Test
    @Order(1)
    void createBootsARealGuestAndReportsItInTheEnvelope() throws Exception {
        var r = cli.run("sandbox", "create", "--name", "life", "--memory", "384", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode env = r.json();
        assertThat(env.get("command").asText()).isEqualTo("sandbox create");
        assertThat(env.get("exit_code").asInt()).isZero();
        JsonNode data = env.get("data");
        assertThat(data.get("name").asText()).isEqualTo("life");
        assertThat(data.get("id").asText()).matches("vm-[0-9a-f]{8}");
        assertThat(data.get("status").asText()).isEqualTo("running");
        assertThat(data.get("memory").asInt()).isEqualTo(384);
        assertThat(data.get("backend").asText()).isEqualTo("qemu");
        id = data.get("id").asText();
        tap = data.get("network").get("tap").asText();
        assertThat(Host.linkExists(tap)).as("TAP device %s exists", tap).isTrue();
        assertThat(Host.processAlive(data.get("pid").asLong())).isTrue();
        // QEMU runs with all its memory open to KSM (the mux's --exec-mergeable), where the kernel can (6.4+).
        Path ksm = Path.of("/proc", data.get("pid").asText(), "ksm_stat");
        if (Files.exists(ksm) && Files.readString(ksm).contains("ksm_merge_any")) {
            assertThat(Files.readString(ksm)).contains("ksm_merge_any: yes");
        }
        assertThat(r.out()).as("progress never goes into --json output").doesNotContain("Booting");
        assertThat(data.get("phases").fieldNames()).toIterable().as("the clock is pushed over the agent's channel")
                .contains("wait-ready", "clock", "channel");
        var clock = cli.run("sandbox", "exec", "life", "--", "date", "+%s.%N");
        double guest = Double.parseDouble(clock.out().strip());
        assertThat(Math.abs(guest - System.currentTimeMillis() / 1000.0)).as("the guest's clock, to the host's")
                .isLessThan(2.0);
    }

    /** Other local users must not read the key or state, nor drive the VM through its sockets. */
    @Test
    @Order(2)
    void stateKeysAndSocketsArePrivateToTheOwner() throws Exception {
        Path home = cli.home();
        Path dir = home.resolve("sandboxes").resolve(id);
        assertThat(cli.run("sandbox", "exec", "life", "--", "true").code()).isZero(); // the agent channel is up
        Map<Path, String> expected = new LinkedHashMap<>();
        expected.put(home, "rwx------");
        expected.put(home.resolve("smolvm.db"), "rw-------");
        expected.put(home.resolve("keys"), "rwx------");
        expected.put(home.resolve("keys/id_ed25519"), "rw-------");
        expected.put(dir, "rwx------");
        expected.put(dir.resolve("qmp.sock"), "rw-------");
        expected.put(dir.resolve("agent.sock"), "rw-------");
        expected.put(dir.resolve("agent-mux.sock"), "rw-------");
        expected.forEach((path, mode) -> {
            try {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).as(path.toString())
                        .isEqualTo(mode);
            } catch (java.io.IOException e) {
                throw new AssertionError(path + ": " + e, e);
            }
        });
        var doctor = cli.run("doctor", "--json").json().get("data");
        Map<String, JsonNode> checks = new LinkedHashMap<>();
        for (JsonNode c : doctor.has("checks") ? doctor.get("checks") : doctor) {
            checks.put(c.get("name").asText(), c);
        }
        assertThat(checks.get("guest isolation").get("status").asText()).isEqualTo("pass");
        assertThat(checks.get("guest isolation").get("detail").asText()).contains("smolvm base v2");
        assertThat(checks.get("state privacy").get("status").asText()).isEqualTo("pass");
        assertThat(checks.get("api guard").get("status").asText()).isEqualTo("pass");
        for (String wal : List.of("smolvm.db-wal", "smolvm.db-shm")) {
            Path f = home.resolve(wal);
            if (Files.exists(f)) {
                assertThat(Files.getPosixFilePermissions(f)).as(wal).noneMatch(p -> p.name().startsWith("OTHERS_"));
            }
        }
    }

    @Test
    @Order(2)
    void listAndInfoShowTheRunningSandboxByNameOrId() {
        var list = cli.run("sandbox", "list", "--json");
        assertThat(list.code()).isZero();
        assertThat(list.json().get("data")).hasSize(1);
        assertThat(list.json().get("data").get(0).get("id").asText()).isEqualTo(id);
        var table = cli.run("sandbox", "list");
        assertThat(table.out()).contains("life", id, "running", "┏");
        var info = cli.run("sandbox", "info", id);
        assertThat(info.out()).contains("Name:       life", "Status:     running");
    }

    @Test
    @Order(3)
    void execPassesStdoutStderrAndTheExitCodeThrough() {
        var r = cli.run("sandbox", "exec", "life", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 7");
        assertThat(r.code()).isEqualTo(7);
        assertThat(r.out()).isEqualTo("to-out\n");
        assertThat(r.err()).isEqualTo("to-err\n");
    }

    /** The guest kernel's view of the GuestAslr decision (doctor names it; the guest must agree). */
    @Test
    @Order(4)
    void guestAddressRandomizationFollowsTheDoctorsAnswer() {
        var doctor = cli.run("doctor", "--json");
        boolean off = doctor.out().contains("\"off under TCG") || doctor.out().contains("\"off (");
        var r = cli.run("sandbox", "exec", "life", "--", "cat", "/proc/sys/kernel/randomize_va_space");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().strip()).as(doctor.out()).isEqualTo(off ? "0" : "2");
    }

    @Test
    @Order(4)
    void execRunsRealGuestSoftware() {
        var r = cli.run("sandbox", "exec", "life", "--", "sh", "-c", "python3 -c 'import platform; print(platform.system())'; uname -r");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Linux\n").contains("cloud-amd64");
    }

    @Test
    @Order(5)
    void rawShellPassesWordsWithoutInterpretingThem() {
        var raw = cli.run("sandbox", "exec", "life", "--shell", "raw", "--", "printf", "%s|", "$HOME", "a b");
        assertThat(raw.out()).isEqualTo("$HOME|a b|");
        var login = cli.run("sandbox", "exec", "life", "--", "sh", "-c", "printf '%s|' $HOME");
        assertThat(login.out()).isEqualTo("/root|");
    }

    @Test
    @Order(6)
    void execJsonCapturesOutputAndCarriesTheGuestExitCode() {
        var r = cli.run("sandbox", "exec", "life", "--json", "--", "sh", "-c", "echo hi; echo oops >&2; exit 5");
        assertThat(r.code()).isEqualTo(5);
        JsonNode env = r.json();
        assertThat(env.get("command").asText()).isEqualTo("sandbox exec");
        assertThat(env.get("exit_code").asInt()).isEqualTo(5);
        assertThat(env.get("data").get("stdout").asText()).isEqualTo("hi\n");
        assertThat(env.get("data").get("stderr").asText()).isEqualTo("oops\n");
    }

    @Test
    @Order(7)
    void execTimeoutKillsTheCommandInTheGuest() {
        long t0 = System.nanoTime();
        var r = cli.run("sandbox", "exec", "life", "--timeout", "2", "--", "sh", "-c", "sleep 30; echo never");
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        assertThat(r.code()).isEqualTo(124);
        assertThat(r.out()).doesNotContain("never");
        assertThat(r.err()).contains("timed out after 2 s");
        assertThat(seconds).isLessThan(20);
        var ps = cli.run("sandbox", "exec", "life", "--", "sh", "-c", "ps -eo args | grep -c '^sleep 30' || true");
        assertThat(ps.out().strip()).as("the guest-side command is gone too").isEqualTo("0");
    }

    @Test
    @Order(7)
    void everyWordOfTheArgvReachesTheGuestUnchanged() {
        List<String> words = List.of("a b", "it's", "\"dq\"", "$HOME", "`id`", "a;b", "x && y", "*", "/etc/*",
                "line1\nline2", "", "back\\slash", "~", "#hash", "tab\there", "--");
        StringBuilder expected = new StringBuilder();
        words.forEach(w -> expected.append('<').append(w).append('>'));
        for (String shell : List.of("login", "raw")) {
            List<String> args = new ArrayList<>(List.of("sandbox", "exec", "life", "--shell", shell, "--", "printf", "<%s>"));
            args.addAll(words);
            var r = cli.run(args.toArray(String[]::new));
            assertThat(r.code()).as(shell + ": " + r).isZero();
            assertThat(r.out()).as(shell).isEqualTo(expected.toString());
        }
        var json = cli.run("sandbox", "exec", "life", "--json", "--", "printf", "%s", "a  b;c");
        assertThat(json.json().get("data").get("stdout").asText()).isEqualTo("a  b;c");
    }

    @Test
    @Order(7)
    void cwdAndEnvApplyToTheCommandAndDurationIsReported() {
        var r = cli.run("sandbox", "exec", "life", "--cwd", "/tmp", "--env", "GREETING=hello world", "-e", "PATHLIKE=a=b",
                "--json", "--", "sh", "-c", "echo \"$PWD|$GREETING|$PATHLIKE\"");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode data = r.json().get("data");
        assertThat(data.get("stdout").asText()).isEqualTo("/tmp|hello world|a=b\n");
        assertThat(data.get("duration_ms").asLong()).isPositive();
        var missing = cli.run("sandbox", "exec", "life", "--cwd", "/no/such", "--", "true");
        assertThat(missing.code()).isEqualTo(126);
        assertThat(missing.err()).isEqualTo("smolvm: cannot change to directory /no/such: no such directory or not allowed\n");
        var relative = cli.run("sandbox", "exec", "life", "--cwd", "tmp", "--", "true");
        assertThat(relative.code()).isEqualTo(1);
        assertThat(relative.err()).contains("must be an absolute guest path");
        var badEnv = cli.run("sandbox", "exec", "life", "--env", "1X=y", "--", "true");
        assertThat(badEnv.code()).isEqualTo(1);
        assertThat(badEnv.err()).contains("'1X' is not a valid environment variable name");
    }

    /** The interactive shell, driven the way a person does: in a real terminal (tmux), key by key. */
    @Test
    @Order(8)
    void shellGivesAnInteractiveTerminalWithResizeAndCtrlC() throws Exception {
        String session = "smolvm-e2e-" + ProcessHandle.current().pid();
        String cmd = "env SMOLVM_HOME=" + cli.home() + " SMOLVM_IMAGES=" + cli.env().get("SMOLVM_IMAGES") + " "
                + Path.of(System.getProperty("java.home"), "bin", "java") + " --enable-native-access=ALL-UNNAMED -cp "
                + System.getProperty("java.class.path") + " dev.smolvm.cli.Main sandbox shell life; echo SHELL-EXIT=$?; sleep 30";
        Files.writeString(cli.home().resolve("shell.sh"), cmd + "\n");
        Host.sh("tmux new-session -d -s " + session + " -x 100 -y 30 'sh " + cli.home().resolve("shell.sh") + "'");
        try {
            awaitScreen(session, "#"); // bash's root prompt
            tmux(session, "send-keys", "echo hi-$((6*7))", "Enter");
            assertThat(awaitScreen(session, "hi-42")).contains("hi-42");
            tmux(session, "send-keys", "stty size", "Enter");
            assertThat(awaitScreen(session, "30 100")).contains("30 100");
            Host.sh("tmux resize-window -t " + session + " -x 90 -y 25");
            Thread.sleep(500);
            tmux(session, "send-keys", "stty size", "Enter");
            assertThat(awaitScreen(session, "25 90")).as("the guest terminal follows a resize").contains("25 90");
            tmux(session, "send-keys", "sleep 100; echo not-$((2+3))-interrupted", "Enter");
            Thread.sleep(1500);
            tmux(session, "send-keys", "C-c", "");
            tmux(session, "send-keys", "echo after-$((1+1))-ctrl-c", "Enter");
            String screen = awaitScreen(session, "after-2-ctrl-c");
            assertThat(screen).as("Ctrl-C ended the sleep and its list").doesNotContain("not-5-interrupted");
            tmux(session, "send-keys", "exit 3", "Enter");
            assertThat(awaitScreen(session, "SHELL-EXIT=")).contains("SHELL-EXIT=3");
        } finally {
            Host.sh("tmux kill-session -t " + session + " 2>/dev/null; true");
        }
    }

    private static void tmux(String session, String verb, String keys, String extra) {
        Host.sh("tmux " + verb + " -t " + session + " " + quote(keys) + (extra.isEmpty() ? "" : " " + extra));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String awaitScreen(String session, String text) throws InterruptedException {
        String screen = "";
        for (int i = 0; i < 300; i++) {
            screen = Host.sh("tmux capture-pane -p -t " + session);
            if (screen.contains(text)) {
                return screen;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + text + "' never appeared on the terminal:\n" + screen);
    }

    /** Ctrl-C on 'sandbox exec' reaches the command in the guest as SIGINT, as it would locally. */
    @Test
    @Order(8)
    void ctrlCIsForwardedToTheGuestCommand() throws Exception {
        // env --default-signal=INT: a test run started in the background (CI, 'cmd &') has SIGINT ignored, and
        // a JVM that inherits an ignored SIGINT cannot handle it, so Ctrl-C would never reach the CLI at all.
        ProcessBuilder pb = new ProcessBuilder("env", "--default-signal=INT",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.smolvm.cli.Main", "sandbox", "exec", "life", "--", "sh", "-c",
                "trap 'echo got-int; exit 130' INT; echo ready; sleep 30 & wait");
        pb.environment().putAll(cli.env());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        assertThat(out.readLine()).isEqualTo("ready");
        Host.sh("kill -INT " + p.pid());
        assertThat(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("the CLI ends with the command").isTrue();
        assertThat(out.readLine()).isEqualTo("got-int");
        assertThat(p.exitValue()).isEqualTo(130);
    }

    /** The channel heals: a host-side mux that died is started again, a guest agent that died is respawned. */
    @Test
    @Order(8)
    void theChannelSurvivesItsMuxAndItsAgentDying() throws Exception {
        Path dir = cli.home().resolve("sandboxes").resolve(id);
        long mux = Long.parseLong(Files.readString(dir.resolve("agent-mux.pid")).strip());
        Host.sh("kill -9 " + mux);
        for (int i = 0; i < 50 && Host.processAlive(mux); i++) {
            Thread.sleep(100);
        }
        var afterMux = cli.run("sandbox", "exec", "life", "--", "echo", "mux-restarted");
        assertThat(afterMux.out()).as(afterMux.toString()).isEqualTo("mux-restarted\n");
        assertThat(Long.parseLong(Files.readString(dir.resolve("agent-mux.pid")).strip())).isNotEqualTo(mux);

        var killAgent = cli.run("sandbox", "exec", "life", "--", "sh", "-c", "kill -9 $(pidof smolvm-agent)");
        assertThat(killAgent.code()).as(killAgent.toString()).isNotZero();
        assertThat(killAgent.err()).doesNotContain("Exception").startsWith("smolvm: ");
        String back = "";
        for (int i = 0; i < 50 && !back.equals("agent-respawned\n"); i++) {
            back = cli.run("sandbox", "exec", "life", "--", "echo", "agent-respawned").out();
            Thread.sleep(200);
        }
        assertThat(back).as("init respawns the agent and the mux greets it").isEqualTo("agent-respawned\n");
        assertThat(cli.run("sandbox", "info", "life", "--json").json().get("data").get("status").asText())
                .isEqualTo("running");
    }

    @Test
    @Order(8)
    void stdinIsPassedOnlyWhenAskedFor() {
        var r = cli.runWithStdin("hello from stdin\n", "sandbox", "exec", "-i", "life", "--", "cat");
        assertThat(r.out()).isEqualTo("hello from stdin\n");
    }

    @Test
    @Order(8)
    void sshRunsACommandAndJsonTellsHowToConnect() {
        var r = cli.runProcess("sandbox", "ssh", "life", "--", "echo", "over-ssh");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("over-ssh\n");
        var json = cli.run("sandbox", "ssh", "life", "--json").json().get("data");
        assertThat(json.get("user").asText()).isEqualTo("root");
        assertThat(json.get("port").asInt()).isEqualTo(22);
        assertThat(json.get("ssh_key").asText()).isEqualTo(cli.home().resolve("keys/id_ed25519").toString());
        var otherUser = cli.runProcess("ssh", "life", "--ssh-user", "nobody", "--", "true");
        assertThat(otherUser.code()).as("a user without our key is refused by the guest").isEqualTo(255);
    }

    @Test
    @Order(9)
    void stopPowersOffAndReleasesTheTap() throws Exception {
        // From here on the disk has no sshd: the next boot, exec and shell must not need it.
        cli.run("sandbox", "exec", "life", "--", "sh", "-c",
                "echo kept > /root/marker && mv /usr/sbin/sshd /usr/sbin/sshd.removed && sync");
        var r = cli.run("sandbox", "stop", "life", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.json().get("data").get("status").asText()).isEqualTo("stopped");
        assertThat(Host.linkExists(tap)).isFalse();
        assertThat(Host.pgrep("smolvm-" + id)).isEmpty();
        assertThat(Files.exists(cli.home().resolve("sandboxes").resolve(id).resolve("disk.qcow2"))).isTrue();
    }

    @Test
    @Order(10)
    void execOnAStoppedSandboxIsAClearError() {
        var r = cli.run("sandbox", "exec", "life", "--", "true");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("smolvm: sandbox 'life' is not running (status: stopped); "
                + "start it with 'smolvm sandbox start life', or pass --start.");
        var json = cli.run("sandbox", "exec", "life", "--json", "--", "true");
        assertThat(json.json().get("error").get("code").asText()).isEqualTo("not_running");
        assertThat(cli.run("sandbox", "list").out()).contains("No running sandboxes");
        assertThat(cli.run("sandbox", "list", "--status", "stopped").out()).contains("life");
    }

    @Test
    @Order(11)
    void execStartBootsTheSameDiskAgainFirst() {
        var marker = cli.run("sandbox", "exec", "--start", "life", "--", "cat", "/root/marker");
        assertThat(marker.code()).as(marker.toString()).isZero();
        assertThat(marker.out()).isEqualTo("kept\n");
        assertThat(marker.err()).contains("Booting sandbox 'life'");
        var again = cli.run("sandbox", "start", "life");
        assertThat(again.code()).as("start of a running sandbox is a no-op: " + again).isZero();
        assertThat(cli.run("sandbox", "exec", "life", "--", "sh", "-c", "test -e /usr/sbin/sshd || echo no-sshd").out())
                .as("booted and reached without sshd").isEqualTo("no-sshd\n");
        var ssh = cli.run("sandbox", "ssh", "life", "--", "true");
        assertThat(ssh.code()).isEqualTo(1);
        assertThat(ssh.err()).startsWith("smolvm: ").doesNotContain("Exception");
    }

    @Test
    @Order(12)
    void deleteRefusesARunningSandboxWithoutForce() {
        var r = cli.run("sandbox", "delete", "life");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("is running; stop it first or pass --force");
        assertThat(cli.run("sandbox", "info", "life").code()).isZero();
    }

    @Test
    @Order(13)
    void deleteForceRemovesEverythingTheSandboxHeld() {
        var r = cli.run("sandbox", "delete", "--force", "life", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.json().get("data").get("deleted").get(0).get("id").asText()).isEqualTo(id);
        assertThat(Host.linkExists(tap)).isFalse();
        assertThat(Host.pgrep("smolvm-" + id)).isEmpty();
        assertThat(Files.exists(cli.home().resolve("sandboxes").resolve(id))).isFalse();
        assertThat(Host.pgrep("ssh.*" + id)).as("no ssh master left").isEmpty();
        var info = cli.run("sandbox", "info", "life");
        assertThat(info.code()).isEqualTo(1);
        assertThat(info.err()).contains("no sandbox named 'life'");
    }
}
