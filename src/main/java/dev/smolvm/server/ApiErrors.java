package dev.smolvm.server;

import dev.smolvm.ErrorCode;

/** The one mapping from error codes to HTTP statuses. */
public final class ApiErrors {
    private ApiErrors() {
    }

    public static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_INPUT -> 422;
            case NOT_FOUND -> 404;
            case NOT_RUNNING, CONFLICT -> 409;
            case UNAVAILABLE -> 503;
            case TIMEOUT -> 504;
            case INTERNAL -> 500;
        };
    }

    /** The error code for a status Javalin itself produced (no route, no auth, too large). */
    static String httpCode(int status) {
        return switch (status) {
            case 401 -> "unauthorized";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "too_large";
            default -> "http_" + status;
        };
    }

    static ApiTypes.ErrorResponse body(String code, String message) {
        return new ApiTypes.ErrorResponse(new ApiTypes.ErrorDetail(code, message));
    }
}
