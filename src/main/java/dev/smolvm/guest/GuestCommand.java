package dev.smolvm.guest;

import java.util.List;

/**
 * Turns a user's command into the one string sshd hands to the guest user's shell. Pure.
 *
 * <p>Every process start is expensive in an emulated guest, so the command runs in the shell sshd
 * starts, with nothing in between: for login mode that shell reads the login files itself (what
 * {@code sh -l} would read) and then runs the script; for raw mode it {@code exec}s the argv. The
 * time limit is kept by the host, which on expiry kills the whole session: sshd makes that shell a
 * session leader, so the pid it records under {@code tag} is also its process group.
 */
public final class GuestCommand {
    /** Exit status reported when the time limit ended a command (as timeout(1) uses). */
    public static final int TIMED_OUT = 124;

    private static final String LOGIN_FILES = "[ -r /etc/profile ] && . /etc/profile; "
            + "if [ -n \"${BASH_VERSION-}\" ] && [ -r ~/.bash_profile ]; then . ~/.bash_profile; "
            + "elif [ -n \"${BASH_VERSION-}\" ] && [ -r ~/.bash_login ]; then . ~/.bash_login; "
            + "elif [ -r ~/.profile ]; then . ~/.profile; fi; ";

    private GuestCommand() {
    }

    /** Where the session records its pid for {@link #kill}. */
    static String pidFile(String tag) {
        return "/tmp/.smolvm-exec." + tag;
    }

    /** {@code words} are the argv for raw mode, or joined with spaces into a script for login mode. */
    public static String remote(List<String> words, ShellMode mode, String tag) {
        String record = "{ echo $$ > " + pidFile(tag) + "; } 2>/dev/null; ";
        if (mode == ShellMode.RAW) {
            return record + "exec " + ShellWords.quoteAll(words);
        }
        return record + LOGIN_FILES + "eval " + ShellWords.quote(String.join(" ", words));
    }

    /** Kills the session recorded under {@code tag}, and everything it started. */
    public static String kill(String tag) {
        String file = pidFile(tag);
        return "p=$(cat " + file + " 2>/dev/null) && kill -KILL -- -\"$p\" 2>/dev/null; rm -f " + file;
    }
}
