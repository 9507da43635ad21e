package dev.smolvm.store;

import dev.smolvm.SmolvmException;

import java.io.IOException;
import dev.smolvm.host.FileModes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The SQLite database under the smolvm home. WAL mode and a busy timeout let several CLI
 * processes and the HTTP server share it; {@link #inTransaction} takes the write lock up
 * front ({@code BEGIN IMMEDIATE}) so read-then-write sequences (leases, names) cannot race.
 */
public final class Database implements AutoCloseable {
    private static final int SCHEMA_VERSION = 2;
    private final Connection connection;

    private Database(Connection connection) {
        this.connection = connection;
    }

    public static Database open(Path file) {
        try {
            FileModes.privateDir(file.getParent());
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
            FileModes.privateFile(file); // SQLite gives its -wal and -shm files the database's mode
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 15000");
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("PRAGMA foreign_keys = ON");
            }
            Database db = new Database(c);
            db.migrate();
            return db;
        } catch (SQLException | IOException e) {
            throw SmolvmException.internal("cannot open the state database " + file + ": " + e.getMessage());
        }
    }

    private void migrate() throws SQLException {
        if (userVersion() >= SCHEMA_VERSION) {
            return; // the common case: no write lock needed just to read
        }
        inTransaction(c -> {
            int from;
            try (Statement s = c.createStatement(); var rs = s.executeQuery("PRAGMA user_version")) {
                from = rs.next() ? rs.getInt(1) : 0; // again, under the lock: another process may have migrated
            }
            try (Statement s = c.createStatement()) {
                if (from < 1) {
                    createV1(s);
                }
                if (from < 2) {
                    // v2: the sandbox's egress policy (open, off, restricted) and its allowed CIDRs, comma-separated.
                    s.execute("ALTER TABLE sandboxes ADD COLUMN egress TEXT NOT NULL DEFAULT 'open'");
                    s.execute("ALTER TABLE sandboxes ADD COLUMN allowed_cidrs TEXT NOT NULL DEFAULT ''");
                }
                s.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', '" + SCHEMA_VERSION + "')");
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            }
            return null;
        });
    }

    private static void createV1(Statement s) throws SQLException {
        s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        s.execute("""
                CREATE TABLE IF NOT EXISTS sandboxes (
                  id          TEXT PRIMARY KEY,
                  name        TEXT NOT NULL UNIQUE,
                  status      TEXT NOT NULL,
                  os          TEXT NOT NULL,
                  image       TEXT NOT NULL,
                  backend     TEXT NOT NULL,
                  accel       TEXT,
                  memory_mib  INTEGER NOT NULL,
                  disk_mib    INTEGER NOT NULL,
                  cpus        INTEGER NOT NULL,
                  net_mode    TEXT,
                  lease_index INTEGER UNIQUE,
                  tap         TEXT,
                  guest_ip    TEXT,
                  host_ip     TEXT,
                  ssh_port    INTEGER,
                  pid         INTEGER,
                  created_at  TEXT NOT NULL,
                  started_at  TEXT,
                  last_error  TEXT
                )""");
    }

    private int userVersion() throws SQLException {
        try (Statement s = connection.createStatement(); var rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    /** Runs {@code work} holding the database write lock; commits on success, rolls back otherwise. */
    public synchronized <T> T inTransaction(Work<T> work) {
        try (Statement s = connection.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                T result = work.apply(connection);
                s.execute("COMMIT");
                return result;
            } catch (RuntimeException | SQLException e) {
                s.execute("ROLLBACK");
                throw e;
            }
        } catch (SQLException e) {
            throw SmolvmException.internal("state database error: " + e.getMessage());
        }
    }

    /** Runs a read (or a single self-contained write) without an explicit transaction. */
    public synchronized <T> T read(Work<T> work) {
        try {
            return work.apply(connection);
        } catch (SQLException e) {
            throw SmolvmException.internal("state database error: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing at exit; nothing useful to do
        }
    }
}
