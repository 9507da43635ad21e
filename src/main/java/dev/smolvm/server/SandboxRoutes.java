package dev.smolvm.server;

import dev.smolvm.Smolvm;
import dev.smolvm.WireName;
import dev.smolvm.forward.ChannelOptions;
import dev.smolvm.forward.Forward;
import dev.smolvm.forward.ForwardInfo;
import dev.smolvm.forward.PortForwards;
import dev.smolvm.forward.PortMapping;
import dev.smolvm.forward.Protocol;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.sandbox.CapturedExec;
import dev.smolvm.sandbox.CreateRequest;
import dev.smolvm.sandbox.ExecRequest;
import dev.smolvm.sandbox.ExecResult;
import dev.smolvm.sandbox.Sandbox;
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
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/** The sandbox endpoints. Each parses its input, makes one core call, and renders the result. */
final class SandboxRoutes {
    private final Smolvm smolvm;

    SandboxRoutes(Smolvm smolvm) {
        this.smolvm = smolvm;
    }

    @OpenApi(path = "/sandboxes", methods = HttpMethod.POST, operationId = "createSandbox", tags = "sandbox",
            summary = "Create, boot, and register a sandbox",
            security = @OpenApiSecurity(name = "bearer"),
            requestBody = @OpenApiRequestBody(content = @OpenApiContent(from = ApiTypes.CreateSandboxRequest.class)),
            responses = {
                    @OpenApiResponse(status = "201", content = @OpenApiContent(from = ApiTypes.CreatedSandbox.class)),
                    @OpenApiResponse(status = "400", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "503", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void create(Context ctx) {
        var body = Bodies.read(ctx.body(), ApiTypes.CreateSandboxRequest.class, true);
        var req = new CreateRequest(body.name(), body.os() == null ? null : GuestOs.parse(body.os().name()), body.image(),
                body.memory(), body.disk_size(), body.backend() == null ? null : BackendKind.parse(body.backend().name()),
                body.cpus(), null)
                .withNetwork(body.network() == null || body.network().mode() == null ? null
                                : WireName.parse(EgressPolicy.Mode.class, body.network().mode().name(), "network mode"),
                        body.network() == null ? null : body.network().allowed_cidrs())
                .withCold(Boolean.TRUE.equals(body.cold()));
        Sandbox sb = smolvm.sandboxes().create(req, Progress.SILENT);
        ctx.status(HttpStatus.CREATED).json(new ApiTypes.CreatedSandbox(sb.id(), ApiTypes.Status.valueOf(sb.status().wireName())));
    }

    @OpenApi(path = "/sandboxes", methods = HttpMethod.GET, operationId = "listSandboxes", tags = "sandbox",
            summary = "List sandboxes on the host",
            security = @OpenApiSecurity(name = "bearer"),
            responses = @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SandboxInfo[].class)))
    void list(Context ctx) {
        ctx.json(smolvm.sandboxes().list().stream().map(SandboxRoutes::info).toList());
    }

    @OpenApi(path = "/sandboxes/{id}", methods = HttpMethod.GET, operationId = "getSandbox", tags = "sandbox",
            summary = "Get one sandbox's state",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SandboxInfo.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void get(Context ctx) {
        ctx.json(info(smolvm.sandboxes().get(ctx.pathParam("id"))));
    }

    @OpenApi(path = "/sandboxes/{id}/start", methods = HttpMethod.POST, operationId = "startSandbox", tags = "sandbox",
            summary = "Boot a stopped sandbox again (a running one is returned as it is)",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SandboxInfo.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "504", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void start(Context ctx) {
        ctx.json(info(smolvm.sandboxes().start(ctx.pathParam("id"), null, Progress.SILENT)));
    }

    @OpenApi(path = "/sandboxes/{id}/stop", methods = HttpMethod.POST, operationId = "stopSandbox", tags = "sandbox",
            summary = "Power a sandbox off, keeping its disk (start boots it again)",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SandboxInfo.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void stop(Context ctx) {
        ctx.json(info(smolvm.sandboxes().stop(ctx.pathParam("id"), java.time.Duration.ofSeconds(10))));
    }

    @OpenApi(path = "/sandboxes/{id}/pause", methods = HttpMethod.POST, operationId = "pauseSandbox", tags = "sandbox",
            summary = "Pause a running sandbox (its vCPUs stop; memory, address and port forwards stay)",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SandboxInfo.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void pause(Context ctx) {
        ctx.json(info(smolvm.pauses().pause(ctx.pathParam("id"))));
    }

    @OpenApi(path = "/sandboxes/{id}/resume", methods = HttpMethod.POST, operationId = "resumeSandbox", tags = "sandbox",
            summary = "Continue a paused sandbox (a running one is returned as it is)",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.SandboxInfo.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void resume(Context ctx) {
        ctx.json(info(smolvm.pauses().resume(ctx.pathParam("id"))));
    }

    @OpenApi(path = "/sandboxes/{id}/exec", methods = HttpMethod.POST, operationId = "execCommand", tags = "sandbox",
            summary = "Run a command inside a sandbox",
            description = "A command that runs and exits non-zero is still a 200: check exit_code, stdout and stderr.",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(from = ApiTypes.ExecRequest.class)),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.ExecResponse.class)),
                    @OpenApiResponse(status = "400", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void exec(Context ctx) {
        ExecRequest req = execRequest(ctx);
        CapturedExec c = smolvm.sandboxes().execCaptured(ctx.pathParam("id"), req, null);
        ExecResult r = c.result();
        ctx.json(new ApiTypes.ExecResponse(r.exitCode(), c.stdout(), c.stderr(), r.timedOut(), r.durationMs(),
                c.truncated()));
    }

    @OpenApi(path = "/sandboxes/{id}/exec/stream", methods = HttpMethod.POST, operationId = "execCommandStream",
            tags = "sandbox", summary = "Run a command and stream its output as Server-Sent Events",
            description = "Events: 'stdout' and 'stderr' (data: a chunk of output, JSON-encoded string), then one 'exit' "
                    + "(data: {\"exit_code\": N, \"timed_out\": bool, \"duration_ms\": N}).",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(from = ApiTypes.ExecRequest.class)),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(type = "text/event-stream", from = String.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void execStream(Context ctx) throws IOException {
        ExecRequest req = execRequest(ctx);
        String id = ctx.pathParam("id");
        smolvm.sandboxes().running(id); // fail with a JSON error before the stream starts
        ctx.status(200).contentType("text/event-stream").header("Cache-Control", "no-cache");
        OutputStream raw = ctx.res().getOutputStream();
        SseWriter sse = new SseWriter(raw);
        ExecResult r = smolvm.sandboxes().exec(id, req, null, sse.stream("stdout"), sse.stream("stderr"));
        sse.event("exit", Bodies.JSON.writeValueAsString(Map.of("exit_code", r.exitCode(), "timed_out", r.timedOut(),
                "duration_ms", r.durationMs())));
        raw.flush();
    }

    @OpenApi(path = "/sandboxes/{id}", methods = HttpMethod.DELETE, operationId = "deleteSandbox", tags = "sandbox",
            summary = "Stop and delete a sandbox",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            responses = {
                    @OpenApiResponse(status = "204"),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void delete(Context ctx) {
        smolvm.sandboxes().delete(ctx.pathParam("id"), true);
        ctx.status(HttpStatus.NO_CONTENT);
    }

    @OpenApi(path = "/sandboxes/{id}/ports", methods = HttpMethod.POST, operationId = "exposePort", tags = "port",
            summary = "Forward a sandbox port to 127.0.0.1 on the host",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(from = ApiTypes.PortForwardRequest.class)),
            responses = {
                    @OpenApiResponse(status = "201", content = @OpenApiContent(from = ApiTypes.PortForwardInfo.class)),
                    @OpenApiResponse(status = "400", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "409", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class)),
                    @OpenApiResponse(status = "422", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void expose(Context ctx) {
        var body = Bodies.read(ctx.body(), ApiTypes.PortForwardRequest.class, false);
        if (body.guest_port() == null) {
            throw new BadRequest("field 'guest_port' is required.");
        }
        var mapping = new PortMapping(body.host_port(), body.guest_port(),
                body.protocol() == null ? Protocol.TCP : Protocol.fromWire(body.protocol().name()));
        Sandbox sb = smolvm.sandboxes().get(ctx.pathParam("id"));
        Forward f = smolvm.forwards().expose(sb.id(), mapping, ChannelOptions.DEFAULTS);
        ctx.status(HttpStatus.CREATED).json(forward(sb.name(), f));
    }

    @OpenApi(path = "/sandboxes/{id}/ports", methods = HttpMethod.GET, operationId = "listPorts", tags = "port",
            summary = "List a sandbox's active port forwards (dead ones are pruned)",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
            responses = {
                    @OpenApiResponse(status = "200", content = @OpenApiContent(from = ApiTypes.PortForwardList.class)),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void listPorts(Context ctx) {
        PortForwards.Listing l = smolvm.forwards().list(ctx.pathParam("id"));
        ctx.json(new ApiTypes.PortForwardList(l.sandbox().name(),
                l.forwards().stream().map(f -> forward(l.sandbox().name(), f)).toList()));
    }

    @OpenApi(path = "/sandboxes/{id}/ports/{host_port}", methods = HttpMethod.DELETE, operationId = "closePort",
            tags = "port", summary = "Close the forward on a host port",
            security = @OpenApiSecurity(name = "bearer"),
            pathParams = {
                    @OpenApiParam(name = "id", required = true, description = "Sandbox id or name"),
                    @OpenApiParam(name = "host_port", type = Integer.class, required = true, description = "Host port of the forward")},
            queryParams = @OpenApiParam(name = "protocol", description = "tcp (default) or udp"),
            responses = {
                    @OpenApiResponse(status = "204"),
                    @OpenApiResponse(status = "404", content = @OpenApiContent(from = ApiTypes.ErrorResponse.class))})
    void closePort(Context ctx) {
        int hostPort;
        try {
            hostPort = Integer.parseInt(ctx.pathParam("host_port"));
        } catch (NumberFormatException e) {
            throw new BadRequest("host_port must be a port number, not '" + ctx.pathParam("host_port") + "'.");
        }
        String protocol = ctx.queryParam("protocol") == null ? "tcp" : ctx.queryParam("protocol");
        if (!protocol.equals("tcp") && !protocol.equals("udp")) {
            throw new BadRequest("protocol must be tcp or udp, not '" + protocol + "'.");
        }
        smolvm.forwards().close(ctx.pathParam("id"), hostPort, Protocol.fromWire(protocol));
        ctx.status(HttpStatus.NO_CONTENT);
    }

    private static ExecRequest execRequest(Context ctx) {
        var body = Bodies.read(ctx.body(), ApiTypes.ExecRequest.class, false);
        if (body.command() == null) {
            throw new BadRequest("field 'command' is required.");
        }
        ShellMode shell = body.shell() == null ? ShellMode.LOGIN : ShellMode.parse(body.shell().name());
        return ExecRequest.script(body.command()).withShell(shell)
                .withTimeout(body.timeout() == null ? ExecRequest.DEFAULT_TIMEOUT_SECONDS : body.timeout())
                .withCwd(body.cwd()).withEnv(body.env());
    }

    static ApiTypes.SandboxInfo info(Sandbox s) {
        return new ApiTypes.SandboxInfo(s.id(), s.name(), ApiTypes.Status.valueOf(s.status().wireName()),
                GuestOs.wireNameOrCustom(s.os()), s.image(), s.backend().wireName(), s.accel(), s.memoryMib(), s.diskMib(), s.cpus(),
                new ApiTypes.NetworkInfo(WireName.nameOrNull(s.networkMode()), s.guestIp(), s.hostIp(), s.tap(), s.sshPort(),
                        ApiTypes.NetworkPolicy.valueOf(s.egress().wireName()), s.allowedCidrs()), s.pid(),
                s.createdAt().toString(), s.startedAt() == null ? null : s.startedAt().toString(), s.lastError(),
                s.channel());
    }

    private static ApiTypes.PortForwardInfo forward(String sandbox, Forward f) {
        ForwardInfo i = ForwardInfo.of(sandbox, f);
        return new ApiTypes.PortForwardInfo(i.sandbox(), i.guestPort(), i.hostPort(), i.mapping(),
                ApiTypes.Protocol.valueOf(i.protocol().wireName()), ApiTypes.Transport.valueOf(i.transport().wireName()));
    }
}
