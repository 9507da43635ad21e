package dev.smolvm.guest;

import dev.smolvm.SmolvmException;

/** How a command is run in the guest. */
public enum ShellMode {
    /** Through the guest user's login shell: pipes, variables and profile apply. */
    LOGIN("login"),
    /** As a plain argv: no shell interprets it. */
    RAW("raw");

    private final String wireName;

    ShellMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static ShellMode parse(String s) {
        for (ShellMode m : values()) {
            if (m.wireName.equals(s)) {
                return m;
            }
        }
        throw SmolvmException.invalid("unknown shell '" + s + "': use 'login' or 'raw'.");
    }
}
