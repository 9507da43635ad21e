package dev.smolvm.sandbox;

import dev.smolvm.Home;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-sandbox reaper with a {@link FakeBackend} and a {@link FakeChannel} (user-mode records: no TAP). */
class ReaperTest {
    @TempDir
    Path tmp;
    Home home;
    Database db;
    SandboxStore store;
    final FakeBackend backend = new FakeBackend();
    final FakeChannel channel = new FakeChannel();
    final List<String> released = new ArrayList<>();
    Reaper reaper;

    @BeforeEach
    void setUp() throws Exception {
        home = Home.at(tmp.resolve("home"));
        Files.createDirectories(home.root());
        db = Database.open(home.database());
        store = new SandboxStore(db);
        Sandboxes.LifecycleListener listener = (sb, deleted) -> released.add(sb.id() + (deleted ? " deleted" : ""));
        reaper = new Reaper(home, store, new TapNetwork(), r -> backend, r -> channel, List.of(listener));
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private SandboxRecord record(Long pid, String guestIp) {
        return new SandboxRecord("vm-0000reap", "r", SandboxStatus.CREATING, GuestOs.DEBIAN, "debian", BackendKind.QEMU,
                "fake", 512, 2048, 1, NetworkMode.USER, null, null, guestIp, null, null, pid, Instant.now(), null, null,
                EgressPolicy.Mode.OFF, List.of());
    }

    @Test
    void aVmThatWasNeverRecordedIsFoundByItsPidFileAndEverythingGoesIdempotently() throws Exception {
        SandboxRecord r = record(null, null);
        store.insertIfNameFree(r);
        Path dir = Files.createDirectories(home.sandboxDir(r.id()));
        Files.writeString(dir.resolve("vm.pid"), "4242\n");
        backend.alive = true;

        reaper.remove(r.id());
        reaper.remove(r.id()); // idempotent: nothing left to find

        assertThat(backend.calls).containsExactly("kill 4242");
        assertThat(dir).doesNotExist();
        assertThat(store.find(r.id())).isEmpty();
    }

    @Test
    void releasingARunningSandboxClosesItsChannelAndTellsTheListeners() {
        SandboxRecord r = record(4242L, "10.0.2.15");
        reaper.releaseRuntime(r, true);
        assertThat(channel.calls).containsExactly("close");
        assertThat(released).containsExactly(r.id() + " deleted");
        assertThat(backend.calls).isEmpty(); // releasing is not killing
    }
}
