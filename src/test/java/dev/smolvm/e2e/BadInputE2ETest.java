package dev.smolvm.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/** Wrong input ends in one clear sentence, the right exit code, no stack trace, no state. */
@org.junit.jupiter.api.Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputE2ETest {
    private Cli cli;

    @BeforeAll
    void home() {
        cli = Cli.withFreshHome();
    }

    @AfterAll
    void cleanUp() {
        cli.close();
    }

    private static void assertNoStackTrace(Cli.Result r) {
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).doesNotContain("Exception");
    }

    @Test
    void unknownSandbox() {
        for (String[] args : new String[][] {{"sandbox", "info", "nope"}, {"sandbox", "exec", "nope", "--", "true"},
                {"sandbox", "stop", "nope"}, {"sandbox", "start", "nope"}, {"sandbox", "delete", "nope"}}) {
            var r = cli.run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.err()).isEqualTo("smolvm: no sandbox named 'nope'; see 'smolvm sandbox list --all'.\n");
            assertNoStackTrace(r);
        }
        var json = cli.run("sandbox", "info", "nope", "--json");
        assertThat(json.json().get("error").get("code").asText()).isEqualTo("not_found");
        assertThat(json.json().get("exit_code").asInt()).isEqualTo(1);
        assertThat(json.json().get("command").asText()).isEqualTo("sandbox info");
    }

    @Test
    void invalidName() {
        var r = cli.run("sandbox", "create", "--name", "bad name!");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("smolvm: invalid sandbox name 'bad name!': use 1-63 letters");
        assertNoStackTrace(r);
        assertThat(cli.run("sandbox", "list", "--all", "--json").json().get("data")).isEmpty();
    }

    @Test
    void nonNumericMemoryIsAUsageError() {
        var r = cli.run("sandbox", "create", "--memory", "abc");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Invalid value for option '--memory': 'abc' is not an int");
        assertThat(r.err()).contains("Try 'smolvm sandbox create --help' for usage.");
        assertNoStackTrace(r);
        var json = cli.run("sandbox", "create", "--memory", "abc", "--json");
        assertThat(json.code()).isEqualTo(2);
        assertThat(json.json().get("error").get("code").asText()).isEqualTo("usage");
    }

    @Test
    void outOfRangeMemoryIsAnError() {
        var r = cli.run("sandbox", "create", "--memory", "16");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smolvm: memory must be between 128 and 262144 MiB, got 16.\n");
    }

    @Test
    void moreCpusThanTheHostHasIsAnError() {
        int cores = Runtime.getRuntime().availableProcessors();
        var r = cli.run("sandbox", "create", "--cpus", String.valueOf(cores + 1));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smolvm: cpus " + (cores + 1) + " is more than this host's " + cores
                + " cores; use at most " + cores + ".\n");
        assertThat(cli.run("sandbox", "list", "--all", "--json").json().get("data")).as("nothing half-made").isEmpty();
    }

    @Test
    void missingArguments() {
        var exec = cli.run("sandbox", "exec");
        assertThat(exec.code()).isEqualTo(2);
        assertThat(exec.err()).contains("Missing required parameter");
        var noCmd = cli.run("sandbox", "exec", "x");
        assertThat(noCmd.code()).isEqualTo(2);
        var bare = cli.run("sandbox");
        assertThat(bare.code()).isEqualTo(2);
        assertThat(bare.err()).contains("missing subcommand: choose one of create, list");
        var unknown = cli.run("sandbox", "explode");
        assertThat(unknown.code()).isEqualTo(2);
        var delete = cli.run("sandbox", "delete");
        assertThat(delete.code()).isEqualTo(2);
        assertThat(delete.err()).contains("name the sandboxes to delete, or pass --all");
        assertNoStackTrace(exec);
    }

    @Test
    void backendsThatCannotRunHereSaySo() {
        for (String backend : new String[] {"firecracker", "libkrun"}) {
            var r = cli.run("sandbox", "create", "--backend", backend);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).startsWith("smolvm: the " + backend + " backend needs ").contains("use --backend qemu.");
            assertNoStackTrace(r);
        }
        var unknown = cli.run("sandbox", "create", "--backend", "vmware");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("smolvm: Invalid value for option '--backend': 'vmware' is not one of qemu, "
                + "firecracker, libkrun.\nTry 'smolvm sandbox create --help' for usage.\n");
        assertThat(cli.run("sandbox", "list", "--all", "--json").json().get("data")).isEmpty();
    }

    @Test
    void guestOsesThatCannotBeBuiltHereSaySo() {
        // --os ubuntu is a real pull of docker.io/library/ubuntu:24.04; on a host without Docker Hub the
        // sentence names the registry and what went wrong.
        var r = cli.withEnv(java.util.Map.of("SMOLVM_REGISTRY_TIMEOUT", "3")).run("sandbox", "create", "--os", "ubuntu");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("smolvm: cannot reach registry registry-1.docker.io: ")
                .contains("docker.io/library/ubuntu:24.04");
        var json = cli.run("sandbox", "create", "--os", "windows", "--json");
        assertThat(json.json().get("error").get("code").asText()).isEqualTo("unavailable");
        var build = cli.run("image", "build", "--os", "alpine");
        assertThat(build.code()).isEqualTo(1);
        assertThat(build.err()).contains("cannot build a alpine image");
        assertThat(cli.run("sandbox", "list", "--all", "--json").json().get("data")).isEmpty();
    }

    @Test
    void aGuestThatDoesNotAnswerInTimeLeavesNothingBehind() {
        var r = cli.run("sandbox", "create", "--name", "slow", "--boot-timeout", "1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("smolvm: boot failed in phase 'wait-ready': sandbox 'slow' was not ready within 1 s "
                + "(still waiting for the guest agent's hello); the guest console log is at "
                + cli.home().resolve("logs")).contains("-console.log");
        assertNoStackTrace(r);
        assertThat(cli.run("sandbox", "list", "--all", "--json").json().get("data")).isEmpty();
        assertThat(Host.pgrep("process=smolvm-vm-")).as("no QEMU of this home left")
                .satisfiesAnyOf(p -> assertThat(p).isEmpty(), p -> assertThat(Host.sh("ps -o args= -p " + p.replace('\n', ','))
                        .contains(cli.home().toString())).isFalse());
        assertThat(cli.home().resolve("sandboxes")).isEmptyDirectory();
    }

    @Test
    void aCreateInterruptedMidBootLeavesNothingBehind() throws Exception {
        String tapsBefore = Host.sh("ip -o link show | grep -c ': smv' || true").strip();
        var pb = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                dev.smolvm.cli.Main.class.getName(), "sandbox", "create", "--name", "interrupted");
        pb.environment().putAll(cli.env());
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        java.nio.file.Path sandboxes = cli.home().resolve("sandboxes");
        for (int i = 0; i < 300 && !hasVmPid(sandboxes); i++) {
            Thread.sleep(50); // until QEMU is running for it
        }
        assertThat(hasVmPid(sandboxes)).as("QEMU started").isTrue();
        String vmPid = Host.sh("cat " + sandboxes + "/*/vm.pid").strip();
        p.destroy(); // SIGTERM, as Ctrl-C or a service manager would
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(Host.processAlive(Long.parseLong(vmPid))).as("its QEMU was stopped").isFalse();
        assertThat(Host.sh("ip -o link show | grep -c ': smv' || true").strip()).as("its TAP device was removed")
                .isEqualTo(tapsBefore);
        assertThat(cli.run("sandbox", "list", "--all", "--json").json().get("data")).isEmpty();
        assertThat(sandboxes).isEmptyDirectory();
    }

    private static boolean hasVmPid(java.nio.file.Path sandboxes) {
        try (var dirs = java.nio.file.Files.list(sandboxes)) {
            return dirs.anyMatch(d -> java.nio.file.Files.exists(d.resolve("vm.pid")));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void exitCodesHoldForARealProcess() {
        var usage = cli.runProcess("sandbox", "create", "--memory", "abc");
        assertThat(usage.code()).isEqualTo(2);
        var missing = cli.runProcess("sandbox", "info", "ghost");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("smolvm: no sandbox named 'ghost'; see 'smolvm sandbox list --all'.\n");
        var help = cli.runProcess("sandbox", "exec", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--timeout", "--shell");
    }
}
