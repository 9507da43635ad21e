package dev.smolvm.guest;

import dev.smolvm.WireName;

/** How a command is run in the guest. */
public enum ShellMode implements WireName {
    /** Through the guest user's login shell: pipes, variables and profile apply. */
    LOGIN,
    /** As a plain argv: no shell interprets it. */
    RAW;

    @Override
    public String toString() {
        return wireName();
    }

    public static ShellMode parse(String s) {
        return WireName.parse(ShellMode.class, s, "shell");
    }
}
