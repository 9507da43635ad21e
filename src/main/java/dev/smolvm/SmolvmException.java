package dev.smolvm;

/**
 * The one exception type the core throws for expected failures. Its message is a
 * sentence meant for the user: what was wrong and what to do.
 *
 * <p>What to do often depends on the door: the CLI names a command, the HTTP API a route. Such
 * an exception carries the sentence without its remedy plus one remedy per door, added with
 * {@link #hint}; {@link #getMessage()} is the CLI's sentence and {@link #httpMessage()} the HTTP
 * API's.
 */
public class SmolvmException extends RuntimeException {
    private final ErrorCode code;
    private final String cliHint;
    private final String httpHint;

    public SmolvmException(ErrorCode code, String message) {
        this(code, message, null, null, null);
    }

    public SmolvmException(ErrorCode code, String message, Throwable cause) {
        this(code, message, null, null, cause);
    }

    private SmolvmException(ErrorCode code, String message, String cliHint, String httpHint, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.cliHint = cliHint;
        this.httpHint = httpHint;
    }

    public ErrorCode code() {
        return code;
    }

    /**
     * The same failure with a remedy per door: {@code "no sandbox named 'x'"} with
     * {@code "see 'smolvm sandbox list'"} reads "no sandbox named 'x'; see 'smolvm sandbox list'."
     * on the CLI. A null hint leaves that door with the bare sentence.
     */
    public SmolvmException hint(String cli, String http) {
        SmolvmException e = new SmolvmException(code, base(), cli, http, getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The sentence for the CLI (and the Java API): what was wrong and which command helps. */
    @Override
    public String getMessage() {
        return withHint(cliHint);
    }

    /** The sentence for the HTTP API: capitalised, and its remedy names a route, not a command. */
    public String httpMessage() {
        String s = withHint(httpHint);
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private String base() {
        String m = super.getMessage() == null ? "" : super.getMessage();
        return m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
    }

    private String withHint(String hint) {
        if (cliHint == null && httpHint == null) {
            return super.getMessage() == null ? "" : super.getMessage();
        }
        return base() + (hint == null ? "" : "; " + hint) + ".";
    }

    public static SmolvmException invalid(String message) {
        return new SmolvmException(ErrorCode.INVALID_INPUT, message);
    }

    public static SmolvmException notFound(String message) {
        return new SmolvmException(ErrorCode.NOT_FOUND, message);
    }

    public static SmolvmException conflict(String message) {
        return new SmolvmException(ErrorCode.CONFLICT, message);
    }

    public static SmolvmException unavailable(String message) {
        return new SmolvmException(ErrorCode.UNAVAILABLE, message);
    }

    public static SmolvmException internal(String message) {
        return new SmolvmException(ErrorCode.INTERNAL, message);
    }
}
