package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import dev.smolvm.guest.ShellMode;

import java.util.List;

/** A command to run in a sandbox: words, how to interpret them, and a time limit in seconds. */
public record ExecRequest(List<String> words, ShellMode shell, long timeoutSeconds) {
    public static final long DEFAULT_TIMEOUT_SECONDS = 30;
    public static final long MAX_TIMEOUT_SECONDS = 24 * 3600;

    public ExecRequest {
        if (words == null || words.isEmpty() || words.stream().allMatch(String::isBlank)) {
            throw SmolvmException.invalid("no command given: say what to run, e.g. 'uname -a'.");
        }
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw SmolvmException.invalid("timeout must be between 1 and " + MAX_TIMEOUT_SECONDS
                    + " seconds, got " + timeoutSeconds + ".");
        }
        words = List.copyOf(words);
    }
}
