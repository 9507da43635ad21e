package dev.smolvm.store;

import dev.smolvm.SmolvmException;
import dev.smolvm.WireName;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.BackendKind;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;

/** Reads and writes {@link SandboxRecord}s. */
public final class SandboxStore {
    private static final String COLUMNS = "id, name, status, os, image, backend, accel, memory_mib, disk_mib, cpus, "
            + "net_mode, lease_index, tap, guest_ip, host_ip, ssh_port, pid, created_at, started_at, last_error, "
            + "egress, allowed_cidrs";
    private final Database db;

    public SandboxStore(Database db) {
        this.db = db;
    }

    public Database database() {
        return db;
    }

    public List<SandboxRecord> all() {
        return db.read(c -> query(c, "SELECT " + COLUMNS + " FROM sandboxes ORDER BY created_at, id"));
    }

    /** Finds a sandbox by id or by name. */
    public Optional<SandboxRecord> find(String idOrName) {
        return db.read(c -> query(c, "SELECT " + COLUMNS + " FROM sandboxes WHERE id = ? OR name = ? "
                + "ORDER BY (id = ?) DESC LIMIT 1", idOrName, idOrName, idOrName)).stream().findFirst();
    }

    /** Inserts a new record; returns false when the name or id is already taken. */
    public boolean insertIfNameFree(SandboxRecord r) {
        return db.inTransaction(c -> {
            if (!query(c, "SELECT " + COLUMNS + " FROM sandboxes WHERE name = ? OR id = ? OR name = ? OR id = ?",
                    r.name(), r.name(), r.id(), r.id()).isEmpty()) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO sandboxes (" + COLUMNS + ") VALUES "
                    + "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                bind(ps, r);
                ps.executeUpdate();
            }
            return true;
        });
    }

    public void update(SandboxRecord r) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE sandboxes SET id = ?, name = ?, status = ?, os = ?, "
                    + "image = ?, backend = ?, accel = ?, memory_mib = ?, disk_mib = ?, cpus = ?, net_mode = ?, "
                    + "lease_index = ?, tap = ?, guest_ip = ?, host_ip = ?, ssh_port = ?, pid = ?, created_at = ?, "
                    + "started_at = ?, last_error = ?, egress = ?, allowed_cidrs = ? WHERE id = ?")) {
                bind(ps, r);
                ps.setString(23, r.id());
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void delete(String id) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM sandboxes WHERE id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Gives the sandbox the lowest free network lease index that the host also considers free
     * ({@code hostFree}), atomically with respect to other smolvm processes.
     */
    public int leaseFor(String id, int maxIndex, IntPredicate hostFree) {
        return db.inTransaction(c -> {
            Set<Integer> used = new HashSet<>();
            Integer mine = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT id, lease_index FROM sandboxes WHERE lease_index IS NOT NULL");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    used.add(rs.getInt(2));
                    if (rs.getString(1).equals(id)) {
                        mine = rs.getInt(2);
                    }
                }
            }
            if (mine != null) {
                return mine;
            }
            for (int i = 0; i <= maxIndex; i++) {
                if (!used.contains(i) && hostFree.test(i)) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE sandboxes SET lease_index = ? WHERE id = ?")) {
                        ps.setInt(1, i);
                        ps.setString(2, id);
                        ps.executeUpdate();
                    }
                    return i;
                }
            }
            return -1;
        });
    }

    private static void bind(PreparedStatement ps, SandboxRecord r) throws SQLException {
        ps.setString(1, r.id());
        ps.setString(2, r.name());
        ps.setString(3, r.status().wireName());
        ps.setString(4, GuestOs.wireNameOrCustom(r.os()));
        ps.setString(5, r.image());
        ps.setString(6, r.backend().wireName());
        ps.setString(7, r.accel());
        ps.setInt(8, r.memoryMib());
        ps.setInt(9, r.diskMib());
        ps.setInt(10, r.cpus());
        ps.setString(11, r.netMode() == null ? null : r.netMode().wireName());
        setInt(ps, 12, r.leaseIndex());
        ps.setString(13, r.tap());
        ps.setString(14, r.guestIp());
        ps.setString(15, r.hostIp());
        setInt(ps, 16, r.sshPort());
        if (r.pid() == null) {
            ps.setNull(17, Types.INTEGER);
        } else {
            ps.setLong(17, r.pid());
        }
        ps.setString(18, r.createdAt().toString());
        ps.setString(19, r.startedAt() == null ? null : r.startedAt().toString());
        ps.setString(20, r.lastError());
        ps.setString(21, r.egress().wireName());
        ps.setString(22, String.join(",", r.allowedCidrs()));
    }

    private static void setInt(PreparedStatement ps, int index, Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }

    private static List<String> cidrs(String joined) {
        return joined == null || joined.isEmpty() ? List.of() : List.of(joined.split(","));
    }

    /**
     * One row as a record. The kinds are parsed strictly: a value this smolvm does not know (a newer
     * smolvm's, or a hand edit) is an error naming the row and the value, never a silent default.
     */
    private static SandboxRecord row(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        String os = rs.getString("os");
        String netMode = rs.getString("net_mode");
        String egress = rs.getString("egress");
        return new SandboxRecord(
                id, rs.getString("name"), kind(id, "status", SandboxStatus.class, rs.getString("status")),
                GuestOs.CUSTOM.equals(os) ? null : kind(id, "os", GuestOs.class, os),
                rs.getString("image"), kind(id, "backend", BackendKind.class, rs.getString("backend")),
                rs.getString("accel"), rs.getInt("memory_mib"), rs.getInt("disk_mib"), rs.getInt("cpus"),
                netMode == null ? null : kind(id, "net_mode", NetworkMode.class, netMode),
                (Integer) rs.getObject("lease_index"), rs.getString("tap"),
                rs.getString("guest_ip"), rs.getString("host_ip"), (Integer) rs.getObject("ssh_port"),
                rs.getObject("pid") == null ? null : rs.getLong("pid"),
                Instant.parse(rs.getString("created_at")),
                rs.getString("started_at") == null ? null : Instant.parse(rs.getString("started_at")),
                rs.getString("last_error"),
                egress == null ? EgressPolicy.Mode.OPEN : kind(id, "egress", EgressPolicy.Mode.class, egress),
                cidrs(rs.getString("allowed_cidrs")));
    }

    private static <E extends Enum<E> & WireName> E kind(String id, String column, Class<E> type, String value) {
        return WireName.find(type, value).orElseThrow(() -> SmolvmException.internal("the database row of sandbox " + id + " has " + column + " '" + value
                + "', which this smolvm does not know (it knows " + WireName.choices(type)
                + "); it was written by a newer smolvm or edited by hand."));
    }

    private static List<SandboxRecord> query(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<SandboxRecord> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row(rs));
                }
                return out;
            }
        }
    }
}
