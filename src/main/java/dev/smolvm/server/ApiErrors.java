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

    /** The response header that carries the error code, for clients that read only headers. */
    public static final String CODE_HEADER = "X-SmolVM-Error-Code";

    static ApiTypes.ErrorResponse body(String code, String message) {
        return new ApiTypes.ErrorResponse(message, new ApiTypes.ErrorDetail(code, message));
    }

    /** Renders an error once, for every route: status, code header, and the body with 'detail'. */
    static void render(io.javalin.http.Context ctx, int status, String code, String message) {
        ctx.status(status).header(CODE_HEADER, code).json(body(code, message));
    }
}
