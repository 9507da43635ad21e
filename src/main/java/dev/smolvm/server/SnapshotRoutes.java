package dev.smolvm.server;

import dev.smolvm.Smolvm;
import dev.smolvm.host.Progress;
import dev.smolvm.sandbox.Snapshots;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.openapi.OpenApiSecurity;

/** Snapshots: {@code POST /sandboxes/{id}/snapshots}, {@code /snapshots}, restore and delete. */
final class SnapshotRoutes {
    private final Smolvm smolvm;

    SnapshotRoutes(Smolvm smolvm) {
        this.smolvm = smolvm;
    }

    @OpenApi(path = "/sandboxes/{id}/snapshots", methods = HttpMethod.POST, operationId = "createSnapshot",
            tags = "snapshot", summary = "Save a running or paused sandbox's memory, devices and disk; it goes on as it was",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            requestBody = @OpenApiRequestBody(content = @OpenApiContent(from = ApiTypes.NameBody.class)),
            responses = {
                    @OpenApiResponse(status = "201", content = @OpenApiContent(from = ApiTypes.SnapshotInfo.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void create(Context ctx) {
        var body = Bodies.read(ctx.body(), ApiTypes.NameBody.class, true);
        Snapshots.Snapshot s = smolvm.snapshots().create(ctx.pathParam("id"), body == null ? null : body.name(),
                Progress.SILENT);
        ctx.status(HttpStatus.CREATED).json(info(s));
    }

    @OpenApi(path = "/snapshots", methods = HttpMethod.GET, operationId = "listSnapshots", tags = "snapshot",
            summary = "List snapshots", security = @OpenApiSecurity(name = "bearer"),
            responses = @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SnapshotInfo[].class)))
    void list(Context ctx) {
        ctx.json(smolvm.snapshots().list().stream().map(SnapshotRoutes::info).toList());
    }

    @OpenApi(path = "/snapshots/{name}", methods = HttpMethod.DELETE, operationId = "deleteSnapshot", tags = "snapshot",
            summary = "Delete a snapshot (409 while a sandbox or another snapshot stands on it)",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "name", required = true, description = "Snapshot name"),
            responses = {
                    @OpenApiResponse(status = "204"),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void delete(Context ctx) {
        smolvm.snapshots().delete(ctx.pathParam("name"));
        ctx.status(HttpStatus.NO_CONTENT);
    }

    @OpenApi(path = "/snapshots/{name}/restore", methods = HttpMethod.POST, operationId = "restoreSnapshot",
            tags = "snapshot", summary = "Make a new running sandbox from a snapshot, as its own machine",
            description = "It carries on from the snapshot's moment (files, processes) with its own address, MAC, "
                    + "hostname, clock and reseeded random generator. Port forwards are not carried over.",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "name", required = true, description = "Snapshot name"),
            requestBody = @OpenApiRequestBody(content = @OpenApiContent(from = ApiTypes.NameBody.class)),
            responses = {
                    @OpenApiResponse(status = "201", content = @OpenApiContent(from = ApiTypes.SandboxInfo.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "503", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void restore(Context ctx) {
        var body = Bodies.read(ctx.body(), ApiTypes.NameBody.class, true);
        var sb = smolvm.snapshots().restore(ctx.pathParam("name"), body == null ? null : body.name(), Progress.SILENT);
        ctx.status(HttpStatus.CREATED).json(SandboxRoutes.info(sb));
    }

    @OpenApi(path = "/sandboxes/{id}/fork", methods = HttpMethod.POST, operationId = "forkSandbox", tags = "snapshot",
            summary = "Clone a running sandbox: count new sandboxes that carry on from this moment of it",
            description = "The source keeps running. Each clone is its own machine; with a name and a count above 1 "
                    + "they are named NAME-1, NAME-2, … No named snapshot is left behind.",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            requestBody = @OpenApiRequestBody(content = @OpenApiContent(from = ApiTypes.ForkRequest.class)),
            responses = {
                    @OpenApiResponse(status = "201", content = @OpenApiContent(from = ApiTypes.SandboxInfo[].class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void fork(Context ctx) {
        var body = Bodies.read(ctx.body(), ApiTypes.ForkRequest.class, true);
        var clones = smolvm.snapshots().fork(ctx.pathParam("id"), body.name(), body.count() == null ? 1 : body.count(),
                Progress.SILENT);
        ctx.status(HttpStatus.CREATED).json(clones.stream().map(SandboxRoutes::info).toList());
    }

    static ApiTypes.SnapshotInfo info(Snapshots.Snapshot s) {
        return new ApiTypes.SnapshotInfo(s.name(), s.source(), s.createdAt().toString(), s.memoryMib(), s.cpus(),
                s.diskMib(), s.savedBytes(), s.tookMs());
    }
}
