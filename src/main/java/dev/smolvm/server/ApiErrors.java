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

    static ApiTypes.ErrorResponse body(String code, String message) {
        return new ApiTypes.ErrorResponse(new ApiTypes.ErrorDetail(code, message));
    }
}
