package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.network.TapNetwork;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.store.Database;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;
import dev.smolvm.store.SandboxStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The boot sequence and its rollback, with a {@link FakeBackend} and a {@link FakeChannel} (user-mode network). */
class BootTest {
    @TempDir
    Path tmp;
    Home home;
    Database db;
    SandboxStore store;
    GuestImage image;
    final FakeBackend backend = new FakeBackend();
    final FakeChannel channel = new FakeChannel();
    final List<String> undone = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        home = Home.at(tmp.resolve("home"));
        Files.createDirectories(home.root());
        db = Database.open(home.database());
        store = new SandboxStore(db);
        image = new GuestImage("fake", tmp.resolve("image"));
        Files.createDirectories(image.dir());
        Files.writeString(image.hostKey(), "ssh-ed25519 AAAAfake\n");
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private SandboxRecord record() {
        return new SandboxRecord("vm-0000test", "t", SandboxStatus.CREATING, GuestOs.DEBIAN, "debian",
                BackendKind.QEMU, "fake", 512, 2048, 1, NetworkMode.USER, null, null, null, null, null, null, Instant.now(),
                null, null, EgressPolicy.Mode.OFF,
                List.of());
    }

    private Boot boot(SandboxRecord r, Duration timeout) {
        return new Boot(home, store, new TapNetwork(), backend, x -> channel, r, image, NetworkMode.USER, timeout,
                Progress.SILENT);
    }

    private Phase recordPhase(SandboxRecord r) {
        return Phase.of("record", () -> store.insertIfNameFree(r), () -> {
            undone.add("record");
            store.delete(r.id());
        });
    }

    @Test
    void aBootRunsItsPhasesInOrderAndTimesEach() {
        SandboxRecord r = record();
        Boot boot = boot(r, Duration.ofSeconds(5));
        SandboxRecord running = boot.run(recordPhase(r), List.of());
        assertThat(running.status()).isEqualTo(SandboxStatus.RUNNING);
        assertThat(running.pid()).isEqualTo(4242L);
        assertThat(boot.timings().keySet())
                .containsExactly("record", "dir", "ssh-port", "launch", "wait-ready", "channel", "running");
        assertThat(store.find(r.id()).orElseThrow().status()).isEqualTo(SandboxStatus.RUNNING);
        assertThat(backend.calls).containsExactly("boot");
        assertThat(channel.calls).containsExactly("open");
    }

    @Test
    void aFailedChannelUndoesEverythingInReverseAndNamesThePhase() {
        channel.openFails = true;
        SandboxRecord r = record();
        assertThatThrownBy(() -> boot(r, Duration.ofSeconds(5)).run(recordPhase(r), List.of()))
                .isInstanceOf(SmolvmException.class)
                .hasMessageStartingWith("boot failed in phase 'channel': sandbox 't' refused the fake channel")
                .hasMessageContaining("the guest console log is at " + home.keptConsoleLog(r.id()))
                .hasMessageContaining("it ends with:\n  booting\n  " + Boot.GUEST_READY)
                .satisfies(e -> assertThat(((SmolvmException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(channel.calls).containsExactly("open", "close");
        assertThat(backend.calls).containsExactly("boot", "kill 4242");
        assertThat(undone).containsExactly("record");
        assertThat(store.find(r.id())).isEmpty();
    }

    @Test
    void aGuestThatNeverSaysReadyTimesOutNamingWhatWasAwaited() {
        backend.writesReadyLine = false;
        SandboxRecord r = record();
        assertThatThrownBy(() -> boot(r, Duration.ofSeconds(1)).run(recordPhase(r), List.of()))
                .hasMessageStartingWith("boot failed in phase 'wait-ready': sandbox 't' was not ready within 1 s "
                        + "(still waiting for the console line '" + Boot.GUEST_READY + "')")
                .satisfies(e -> assertThat(((SmolvmException) e).code()).isEqualTo(ErrorCode.TIMEOUT));
        assertThat(backend.calls).containsExactly("boot", "kill 4242");
        assertThat(channel.calls).isEmpty(); // the channel phase was never reached
    }

    @Test
    void aFailedLaunchUndoesOnlyWhatCameBefore() {
        backend.bootFails = SmolvmException.internal("QEMU failed to start: no");
        SandboxRecord r = record();
        assertThatThrownBy(() -> boot(r, Duration.ofSeconds(5)).run(recordPhase(r), List.of()))
                .hasMessage("boot failed in phase 'launch': QEMU failed to start: no");
        assertThat(backend.calls).containsExactly("boot"); // no pid, no pid file: nothing to kill
        assertThat(channel.calls).isEmpty();
        assertThat(undone).containsExactly("record");
    }

    @Test
    void aVmThatDiesWhileBootingFailsFast() {
        backend.writesReadyLine = false;
        SandboxRecord r = record();
        Boot boot = boot(r, Duration.ofSeconds(30));
        Phase dies = Phase.keep("dies", () -> backend.alive = false);
        long start = System.nanoTime();
        List<Phase> phases = new ArrayList<>(boot.phases(recordPhase(r), List.of()));
        phases.add(phases.indexOf(phases.stream().filter(p -> p.name().equals("wait-ready")).findFirst().orElseThrow()),
                dies);
        PhaseRunner runner = new PhaseRunner("boot");
        assertThatThrownBy(() -> runner.run(phases, () -> ""))
                .hasMessage("boot failed in phase 'wait-ready': sandbox 't' stopped while booting");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
