package dev.smolvm;

/**
 * The one exception type the core throws for expected failures. Its message is a
 * sentence meant for the user: what was wrong and what to do.
 */
public class SmolvmException extends RuntimeException {
    private final ErrorCode code;

    public SmolvmException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public SmolvmException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
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
