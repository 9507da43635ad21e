package dev.smolvm.guest;

import java.util.List;

/**
 * Turns a user's command into the one string sshd hands to the guest user's shell, bounded by
 * coreutils {@code timeout} inside the guest so an expired command does not linger there. Pure.
 */
public final class GuestCommand {
    /** Exit status {@code timeout(1)} uses when the time limit was reached. */
    public static final int TIMED_OUT = 124;

    private GuestCommand() {
    }

    /** {@code words} are the argv for raw mode, or joined with spaces into a script for login mode. */
    public static String remote(List<String> words, ShellMode mode, long timeoutSeconds) {
        String limit = "timeout -k 2 " + timeoutSeconds + " ";
        if (mode == ShellMode.RAW) {
            return "exec " + limit + ShellWords.quoteAll(words);
        }
        String script = String.join(" ", words);
        return "exec " + limit + "\"${SHELL:-/bin/sh}\" -l -c " + ShellWords.quote(script);
    }
}
