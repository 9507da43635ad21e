package dev.smolvm.host;

/** A host where this process is root or not, as the test says; for unit tests of one class. */
public record FakeHostPrivileges(boolean root) implements HostPrivileges {
    public static final FakeHostPrivileges ROOT = new FakeHostPrivileges(true);
    public static final FakeHostPrivileges NOT_ROOT = new FakeHostPrivileges(false);
}
