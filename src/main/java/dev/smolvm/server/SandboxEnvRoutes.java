package dev.smolvm.server;

import dev.smolvm.Smolvm;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.openapi.OpenApiSecurity;

import java.util.List;
import java.util.TreeMap;

/** {@code /sandboxes/{id}/env}: variables kept for a sandbox and applied to every exec. */
final class SandboxEnvRoutes {
    private final Smolvm smolvm;

    SandboxEnvRoutes(Smolvm smolvm) {
        this.smolvm = smolvm;
    }

    @OpenApi(path = "/sandboxes/{id}/env", methods = HttpMethod.GET, operationId = "listEnv", tags = "env",
            summary = "The environment variables kept for a sandbox",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SandboxEnv.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void list(Context ctx) {
        ctx.json(new ApiTypes.SandboxEnv(new TreeMap<>(smolvm.sandboxEnv().list(ctx.pathParam("id")))));
    }

    @OpenApi(path = "/sandboxes/{id}/env", methods = HttpMethod.PUT, operationId = "setEnv", tags = "env",
            summary = "Set (add or replace) kept environment variables; the others stay",
            description = "They apply to every later exec (over the image's defaults, under the exec's own env), "
                    + "to login shells and SSH sessions, and last across stop and start. Names are letters, digits "
                    + "and '_', not starting with a digit. Answers with all kept variables.",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(from = ApiTypes.SandboxEnv.class)),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SandboxEnv.class)),
                    @OpenApiResponse(status = "400", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void set(Context ctx) {
        var body = Bodies.read(ctx.body(), ApiTypes.SandboxEnv.class, false);
        if (body.env() == null) {
            throw new BadRequest("field 'env' is required: an object of NAME: value.");
        }
        ctx.json(new ApiTypes.SandboxEnv(new TreeMap<>(smolvm.sandboxEnv().set(ctx.pathParam("id"), body.env()))));
    }

    @OpenApi(path = "/sandboxes/{id}/env/{name}", methods = HttpMethod.DELETE, operationId = "unsetEnv", tags = "env",
            summary = "Remove a kept environment variable",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = {
                    @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
                    @OpenApiParam(name = "name", required = true, description = "Variable name")},
            responses = {
                    @OpenApiResponse(status = "204"),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void unset(Context ctx) {
        smolvm.sandboxEnv().unset(ctx.pathParam("id"), List.of(ctx.pathParam("name")));
        ctx.status(HttpStatus.NO_CONTENT);
    }
}
