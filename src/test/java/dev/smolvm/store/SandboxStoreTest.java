package dev.smolvm.store;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.BackendKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The typed record against a real SQLite file: wire names in the table, enums out, unknown values refused. */
class SandboxStoreTest {
    @TempDir
    Path tmp;
    Database db;
    SandboxStore store;

    @BeforeEach
    void setUp() {
        db = Database.open(tmp.resolve("smolvm.db"));
        store = new SandboxStore(db);
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private static SandboxRecord record(String id, GuestOs os, NetworkMode netMode) {
        return new SandboxRecord(id, "n-" + id, SandboxStatus.PAUSED, os, os == null ? "/images/mine" : "debian",
                BackendKind.QEMU, "kvm", 512, 2048, 1, netMode, null, null, null, null, null, null,
                Instant.now().truncatedTo(ChronoUnit.MILLIS), null, null, EgressPolicy.Mode.RESTRICTED,
                List.of("10.0.0.0/8"));
    }

    private String column(String id, String column) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM sandboxes WHERE id = ?")) {
                ps.setString(1, id);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : "(no row)";
                }
            }
        });
    }

    private void set(String id, String column, String value) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE sandboxes SET " + column + " = ? WHERE id = ?")) {
                ps.setString(1, value);
                ps.setString(2, id);
                return ps.executeUpdate();
            }
        });
    }

    @Test
    void kindsAreStoredByWireNameAndReadBackAsTheSameEnums() {
        SandboxRecord r = record("vm-typed", GuestOs.UBUNTU, NetworkMode.TAP);
        assertThat(store.insertIfNameFree(r)).isTrue();
        assertThat(column(r.id(), "status")).isEqualTo("paused");
        assertThat(column(r.id(), "os")).isEqualTo("ubuntu");
        assertThat(column(r.id(), "net_mode")).isEqualTo("tap");
        assertThat(column(r.id(), "egress")).isEqualTo("restricted");
        assertThat(store.find(r.id())).contains(r);
    }

    @Test
    void anImageByReferenceIsStoredAsCustomAndReadBackWithoutAnOs() {
        SandboxRecord r = record("vm-custom", null, null);
        store.insertIfNameFree(r);
        assertThat(column(r.id(), "os")).isEqualTo(GuestOs.CUSTOM);
        assertThat(column(r.id(), "net_mode")).isNull();
        SandboxRecord back = store.find(r.id()).orElseThrow();
        assertThat(back.os()).isNull();
        assertThat(back.netMode()).isNull();
        assertThat(back).isEqualTo(r);
    }

    @Test
    void anUnknownStatusInTheDatabaseIsAnErrorNamingTheRowAndTheValue() {
        SandboxRecord r = record("vm-zombie", GuestOs.DEBIAN, NetworkMode.USER);
        store.insertIfNameFree(r);
        set(r.id(), "status", "zombie");
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> store.find(r.id()));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).isEqualTo("the database row of sandbox vm-zombie has status 'zombie', which this "
                + "smolvm does not know (it knows creating, starting, running, paused, stopped, error); it was "
                + "written by a newer smolvm or edited by hand.");
        assertThat(catchThrowableOfType(SmolvmException.class, store::all)).hasMessageContaining("'zombie'");
    }

    @Test
    void everyTypedColumnIsReadStrictly() {
        SandboxRecord r = record("vm-strict", GuestOs.DEBIAN, NetworkMode.USER);
        store.insertIfNameFree(r);
        for (String[] bad : new String[][] {{"os", "Debian"}, {"backend", "kvm"}, {"net_mode", "bridge"},
                {"egress", "closed"}}) {
            SandboxRecord good = store.find(r.id()).orElseThrow();
            set(r.id(), bad[0], bad[1]);
            assertThat(catchThrowableOfType(SmolvmException.class, () -> store.find(r.id())))
                    .as(bad[0]).hasMessageContaining("has " + bad[0] + " '" + bad[1] + "'");
            store.update(good);
        }
        assertThat(store.find(r.id())).contains(r);
    }
}
