package dev.smolvm.server;

import dev.smolvm.ErrorCode;
import dev.smolvm.Smolvm;
import dev.smolvm.SmolvmException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.openapi.plugin.OpenApiPlugin;
import io.javalin.openapi.plugin.SecurityComponentConfiguration;
import io.javalin.openapi.BearerAuth;

import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * {@code smolvm server}: the local REST API over the one core. Routes are thin; errors from the
 * core are rendered once here as {@code {"error": {"code", "message"}}} with the mapped status.
 */
public final class ApiServer implements AutoCloseable {
    public static final String OPENAPI_PATH = "/openapi.json";
    public static final long MAX_REQUEST_BYTES = 64 * 1024;
    /** The version of the HTTP contract (info.version in the OpenAPI document), not of the build. */
    public static final String API_VERSION = "1.2.0";
    private final Javalin app;

    private ApiServer(Javalin app) {
        this.app = app;
    }

    /**
     * How the server listens and whom it answers. {@code token}, when not null, is required as
     * {@code Authorization: Bearer <token>} on every route but {@code /health}; browsers from
     * {@code allowedOrigins} may call it (CORS), every other Origin is refused.
     */
    public record Options(String host, int port, String token, Set<String> allowedOrigins) {
        public Options {
            allowedOrigins = allowedOrigins == null ? Set.of() : Set.copyOf(allowedOrigins);
        }
    }

    /** Starts listening on {@code host:port} (0 picks a free port); see {@link Options}. */
    public static ApiServer start(Smolvm smolvm, String host, int port, String token) {
        return start(smolvm, new Options(host, port, token, Set.of()));
    }

    public static ApiServer start(Smolvm smolvm, Options options) {
        String host = options.host();
        int port = options.port();
        String token = options.token();
        RequestGuard guard = new RequestGuard(host, options.allowedOrigins());
        SandboxRoutes sandboxes = new SandboxRoutes(smolvm);
        SandboxFileRoutes files = new SandboxFileRoutes(smolvm);
        SandboxEnvRoutes env = new SandboxEnvRoutes(smolvm);
        SnapshotRoutes snapshots = new SnapshotRoutes(smolvm);
        PruneRoutes prune = new PruneRoutes(smolvm);
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.useVirtualThreads = true;
            config.http.maxRequestSize = MAX_REQUEST_BYTES;
            config.http.defaultContentType = "application/json";
            config.registerPlugin(new OpenApiPlugin(openApi -> openApi
                    .withDocumentationPath(OPENAPI_PATH)
                    .withDefinitionConfiguration((version, definition) -> definition
                            .withInfo(info -> info.title("SmolVM HTTP API").version(API_VERSION)
                                    .description("Create, list, get, exec in and delete microVM sandboxes; move files in and out, keep their environment, forward their ports."))
                            .withSecurity(new SecurityComponentConfiguration()
                                    .withSecurityScheme("bearer", new BearerAuth())))));
        });
        app.before(ctx -> guard(ctx, guard));
        app.beforeMatched(ctx -> authorize(ctx, token));
        app.options("/*", ctx -> ctx.status(204)); // a CORS preflight from an allowed origin
        app.get("/health", ApiServer::health);
        app.post("/sandboxes", sandboxes::create);
        app.get("/sandboxes", sandboxes::list);
        app.get("/sandboxes/{id}", sandboxes::get);
        app.delete("/sandboxes/{id}", sandboxes::delete);
        app.post("/sandboxes/{id}/start", sandboxes::start);
        app.post("/sandboxes/{id}/stop", sandboxes::stop);
        app.post("/sandboxes/{id}/pause", sandboxes::pause);
        app.post("/sandboxes/{id}/resume", sandboxes::resume);
        app.post("/sandboxes/{id}/snapshots", snapshots::create);
        app.post("/sandboxes/{id}/fork", snapshots::fork);
        app.get("/snapshots", snapshots::list);
        app.delete("/snapshots/{name}", snapshots::delete);
        app.post("/snapshots/{name}/restore", snapshots::restore);
        app.post("/sandboxes/{id}/exec", sandboxes::exec);
        app.post("/sandboxes/{id}/exec/stream", sandboxes::execStream);
        app.post("/sandboxes/{id}/ports", sandboxes::expose);
        app.get("/sandboxes/{id}/ports", sandboxes::listPorts);
        app.delete("/sandboxes/{id}/ports/{host_port}", sandboxes::closePort);
        app.put("/sandboxes/{id}/files", files::write);
        app.get("/sandboxes/{id}/files", files::read);
        app.get("/sandboxes/{id}/env", env::list);
        app.put("/sandboxes/{id}/env", env::set);
        app.delete("/sandboxes/{id}/env/{name}", env::unset);
        app.post("/prune", prune::prune);

        app.exception(Refused.class, (e, ctx) ->
                ApiErrors.render(ctx, e.refusal.status(), e.refusal.code(), e.refusal.message()));
        app.exception(SmolvmException.class, (e, ctx) ->
                ApiErrors.render(ctx, ApiErrors.status(e.code()), e.code().wireName(), e.httpMessage()));
        app.exception(BadRequest.class, (e, ctx) ->
                ApiErrors.render(ctx, 400, ErrorCode.INVALID_INPUT.wireName(), e.getMessage()));
        app.exception(HttpResponseException.class, (e, ctx) -> ApiErrors.render(ctx, e.getStatus(),
                ApiErrors.httpCode(e.getStatus()), e.getStatus() == 404
                        ? "No route " + ctx.method() + " " + ctx.path() + "; " + OPENAPI_PATH + " lists the routes."
                        : e.getMessage()));
        app.exception(Exception.class, (e, ctx) ->
                ApiErrors.render(ctx, 500, ErrorCode.INTERNAL.wireName(), "Unexpected error: " + e
                        + "; the server's log has the details."));
        app.error(413, ctx -> ApiErrors.render(ctx, 413, "too_large", "The request body is larger than "
                + MAX_REQUEST_BYTES / 1024 + " KiB."));
        try {
            app.start(host, port);
        } catch (RuntimeException e) {
            app.stop();
            if (causedBy(e, BindException.class)) {
                throw SmolvmException.conflict("cannot listen on " + host + ":" + port + ": the port is already in use; "
                        + "pick another with --port.");
            }
            throw SmolvmException.internal("cannot start the HTTP server on " + host + ":" + port + ": " + e.getMessage());
        }
        return new ApiServer(app);
    }

    @OpenApi(path = "/health", methods = HttpMethod.GET, operationId = "health", tags = "server",
            summary = "Liveness check (no token needed)",
            responses = @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.Health.class)))
    static void health(Context ctx) {
        ctx.json(new ApiTypes.Health("ok", version()));
    }

    /** A request the guard turned away before any route saw it. */
    private static final class Refused extends RuntimeException {
        final RequestGuard.Refusal refusal;

        Refused(RequestGuard.Refusal refusal) {
            super(refusal.message(), null, false, false);
            this.refusal = refusal;
        }
    }

    private static void guard(Context ctx, RequestGuard guard) {
        String origin = ctx.header("Origin");
        boolean hasBody = ctx.contentLength() > 0 || ctx.header("Transfer-Encoding") != null;
        var refusal = guard.check(ctx.method().name(), ctx.header("Host"), origin, ctx.contentType(), hasBody);
        if (refusal.isPresent()) {
            throw new Refused(refusal.get());
        }
        if (guard.originAllowed(origin)) {
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Vary", "Origin");
            ctx.header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
            ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            ctx.header("Access-Control-Expose-Headers", ApiErrors.CODE_HEADER);
        }
    }

    private static void authorize(Context ctx, String token) {
        if (token == null || ctx.path().equals("/health") || ctx.method() == io.javalin.http.HandlerType.OPTIONS) {
            return;
        }
        String header = ctx.header("Authorization");
        String given = header != null && header.startsWith("Bearer ") ? header.substring(7) : "";
        // Constant time: the comparison does not leak how much of the token matched.
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            throw new io.javalin.http.UnauthorizedResponse("A valid 'Authorization: Bearer <token>' header is required; "
                    + "the token is the server's --token or SMOLVM_API_TOKEN.");
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static String version() {
        String v = ApiServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public int port() {
        return app.port();
    }

    /** Blocks until the JVM is asked to stop. */
    public void awaitShutdown() throws InterruptedException {
        Object forever = new Object();
        synchronized (forever) {
            forever.wait();
        }
    }

    @Override
    public void close() {
        app.stop();
    }
}
