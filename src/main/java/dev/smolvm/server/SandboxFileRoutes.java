package dev.smolvm.server;

import dev.smolvm.Smolvm;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.agent.FileInfo;
import dev.smolvm.sandbox.SandboxFiles;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.openapi.OpenApiSecurity;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * {@code PUT|GET /sandboxes/{id}/files?path=}: raw bytes streamed straight between the HTTP
 * connection and the guest agent, never buffered whole (so the 64 KiB limit of JSON bodies does
 * not apply here).
 */
final class SandboxFileRoutes {
    /** The file's permission bits, in octal (e.g. 0644), on a GET. */
    static final String MODE_HEADER = "X-SmolVM-File-Mode";
    private final Smolvm smolvm;

    SandboxFileRoutes(Smolvm smolvm) {
        this.smolvm = smolvm;
    }

    @OpenApi(path = "/sandboxes/{id}/files", methods = HttpMethod.PUT, operationId = "writeFile", tags = "files",
            summary = "Write a file in a sandbox (the raw body, streamed; any size)",
            description = "The body is the file's bytes (Content-Type: application/octet-stream). It replaces the file "
                    + "atomically: a body that is cut off midway leaves the old file as it was. Parent directories are "
                    + "made. A replaced file keeps its mode unless 'mode' is given; a new one gets 0644.",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            queryParams = {
                    @OpenApiParam(name = "path", required = true, description = "Absolute path in the guest"),
                    @OpenApiParam(name = "mode", description = "Octal permission bits, e.g. 0755")},
            requestBody = @OpenApiRequestBody(required = true,
                    content = @OpenApiContent(type = "application/octet-stream", format = "binary", from = byte[].class)),
            responses = {
                    @OpenApiResponse(status = "204"),
                    @OpenApiResponse(status = "400", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "503", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void write(Context ctx) throws IOException {
        String path = path(ctx);
        Integer mode = SandboxFiles.parseMode(ctx.queryParam("mode"), "mode");
        // The servlet's own stream: Javalin's body helpers would read it whole (and cap it at 64 KiB).
        try (InputStream body = ctx.req().getInputStream()) {
            smolvm.files().write(ctx.pathParam("id"), path, body, mode, true);
        }
        ctx.status(HttpStatus.NO_CONTENT);
    }

    @OpenApi(path = "/sandboxes/{id}/files", methods = HttpMethod.GET, operationId = "readFile", tags = "files",
            summary = "Read a file in a sandbox (streamed bytes)",
            description = "The bytes of a regular file, with its size as Content-Length and its mode in the "
                    + MODE_HEADER + " header (octal). A directory is 422; a missing file 404.",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            queryParams = @OpenApiParam(name = "path", required = true, description = "Absolute path in the guest"),
            responses = {
                    @OpenApiResponse(status = "200",
                            content = @OpenApiContent(type = "application/octet-stream", format = "binary", from = byte[].class)),
                    @OpenApiResponse(status = "400", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "503", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void read(Context ctx) throws IOException {
        String path = path(ctx);
        var res = ctx.res();
        boolean[] started = new boolean[1];
        OutputStream out = res.getOutputStream();
        try {
            smolvm.files().read(ctx.pathParam("id"), path, out, (FileInfo info) -> {
                // Before the first byte: the headers go out with it.
                started[0] = true;
                res.setStatus(200);
                res.setCharacterEncoding(null); // bytes have no charset (Jetty would add Javalin's utf-8)
                res.setContentType("application/octet-stream");
                res.setContentLengthLong(info.size());
                res.setHeader(MODE_HEADER, String.format("%04o", info.mode() & 07777));
            });
            out.flush();
        } catch (SmolvmException e) {
            if (!started[0]) {
                throw e; // nothing sent yet: the usual JSON error
            }
            abort(ctx, e); // the client sees a body shorter than its Content-Length, never a short file as whole
        }
    }

    private static void abort(Context ctx, Exception e) {
        if (ctx.res() instanceof org.eclipse.jetty.server.Response jetty) {
            jetty.getHttpChannel().abort(e);
        } else {
            throw new IllegalStateException("the transfer failed midway: " + e.getMessage(), e);
        }
    }

    private static String path(Context ctx) {
        String path = ctx.queryParam("path");
        if (path == null || path.isEmpty()) {
            throw new BadRequest("query parameter 'path' is required: the absolute path of the file in the guest, "
                    + "e.g. ?path=/root/data.bin.");
        }
        return path;
    }
}
