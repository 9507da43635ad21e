package dev.smolvm.server;

import dev.smolvm.Smolvm;
import io.javalin.http.Context;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.openapi.OpenApiSecurity;

/** {@code POST /prune}: what {@code smolvm prune} does, answered with the same JSON as its {@code --json} data. */
final class PruneRoutes {
    private final Smolvm smolvm;

    PruneRoutes(Smolvm smolvm) {
        this.smolvm = smolvm;
    }

    @OpenApi(path = "/prune", methods = HttpMethod.POST, operationId = "prune", tags = "server",
            summary = "Remove what smolvm left on this host that no sandbox owns (orphan VMs, TAP devices, egress "
                    + "chains, SSH masters, directories, forwards files, image and snapshot leftovers)",
            description = "Only this server's smolvm home is touched; what cannot be attributed to it is left alone "
                    + "and said so in 'notes'. With dry_run, nothing is removed and 'would_remove' lists it.",
            security = @OpenApiSecurity(name = "bearer"),
            requestBody = @OpenApiRequestBody(content = @OpenApiContent(from = ApiTypes.PruneRequest.class)),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.PruneResult.class)),
                    @OpenApiResponse(status = "400", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void prune(Context ctx) {
        var body = Bodies.read(ctx.body(), ApiTypes.PruneRequest.class, true);
        boolean dryRun = body.dry_run() != null && body.dry_run();
        ctx.json(smolvm.sandboxes().prune(dryRun).toJson()); // the CLI's --json data, field for field
    }
}
