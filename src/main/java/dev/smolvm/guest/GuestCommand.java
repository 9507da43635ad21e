package dev.smolvm.guest;

import java.util.List;
import java.util.Map;

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
    /** Exit status when the command could not be started where asked (as docker exec uses). */
    public static final int CANNOT_RUN = 126;

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

    /** Runs {@code script} in the session's shell after the login files, in {@code cwd} (null: home) with {@code env}. */
    public static String login(String script, String cwd, Map<String, String> env, String tag) {
        return remote(script, null, cwd, env, tag);
    }

    /** Execs {@code argv} with no shell interpreting it, in {@code cwd} (null: home) with {@code env}. */
    public static String raw(List<String> argv, String cwd, Map<String, String> env, String tag) {
        return remote(null, argv, cwd, env, tag);
    }

    /** {@code cwd} and {@code env} are applied after the login files, so they win over the profile. */
    private static String remote(String loginScript, List<String> rawArgv, String cwd, Map<String, String> env,
                                 String tag) {
        StringBuilder s = new StringBuilder("{ echo $$ > " + pidFile(tag) + "; } 2>/dev/null; ");
        if (loginScript != null) {
            s.append(LOGIN_FILES);
        }
        if (cwd != null) {
            String dir = ShellWords.quote(cwd);
            s.append("cd -- ").append(dir).append(" 2>/dev/null || { echo \"smolvm: cannot change to directory \"")
                    .append(dir).append("\": no such directory or not allowed\" >&2; exit ").append(CANNOT_RUN)
                    .append("; }; ");
        }
        env.forEach((k, v) -> s.append("export ").append(k).append('=').append(ShellWords.quote(v)).append("; "));
        if (loginScript != null) {
            return s.append("eval ").append(ShellWords.quote(loginScript)).toString();
        }
        return s.append("exec ").append(ShellWords.quoteAll(rawArgv)).toString();
    }

    /** Kills the session recorded under {@code tag}, and everything it started. */
    public static String kill(String tag) {
        String file = pidFile(tag);
        return "p=$(cat " + file + " 2>/dev/null) && kill -KILL -- -\"$p\" 2>/dev/null; rm -f " + file;
    }
}
