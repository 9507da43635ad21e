package dev.smolvm.host;

/**
 * What this process may do on the host, asked in one place: whether it runs as root (TAP
 * devices, nftables, package installs, image builds and pulls need it). {@link #REAL} asks the
 * JVM; a unit test passes a fake instead.
 */
@FunctionalInterface
public interface HostPrivileges {
    /** The real process: root when the JVM runs as the user {@code root}. */
    HostPrivileges REAL = () -> "root".equals(System.getProperty("user.name"));

    boolean root();
}
