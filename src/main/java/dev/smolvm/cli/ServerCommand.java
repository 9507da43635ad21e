package dev.smolvm.cli;

import dev.smolvm.server.ApiServer;
import dev.smolvm.server.RequestGuard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

@Command(name = "server",
        mixinStandardHelpOptions = true,
        description = "Run the local HTTP API (REST + OpenAPI) over the same sandboxes as the CLI.")
final class ServerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: choose start");
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start the HTTP API and serve until interrupted (Ctrl-C).",
                    "It can create sandboxes and run commands on this machine, so it answers only clients that",
                    "name it by a loopback or its own address (no DNS rebinding), refuses requests from web",
                    "pages (any Origin header) unless --allow-origin names them, and takes only JSON bodies.",
                    "Bound to a non-loopback address it requires a token: --token, SMOLVM_API_TOKEN, or one it",
                    "generates and prints on stderr; --no-auth opts out."},
            footer = {"", "Examples:",
                    "  smolvm server start",
                    "  smolvm server start --port 8001",
                    "  SMOLVM_API_TOKEN=$(openssl rand -hex 16) smolvm server start --host 0.0.0.0",
                    "  smolvm server start --allow-origin http://localhost:5173",
                    "  curl -s http://127.0.0.1:8000/sandboxes"})
    static final class Start extends BaseCommand {
        @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
        String host;

        @Option(names = "--port", defaultValue = "8000", description = "Port to bind, 0 for any free one (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--token", description = "Require 'Authorization: Bearer TOKEN' (default: $SMOLVM_API_TOKEN; "
                + "on a non-loopback address a generated one, else none).")
        String token;

        @Option(names = "--no-auth", description = "Serve a non-loopback address without any token (anyone who can "
                + "reach it can run commands on this machine).")
        boolean noAuth;

        @Option(names = "--allow-origin", paramLabel = "ORIGIN", description = "Let web pages from this origin "
                + "(e.g. http://localhost:5173) call the API, with CORS headers (repeatable).")
        List<String> allowedOrigins = new ArrayList<>();

        @Override
        int run() {
            if (port < 0 || port > 65535) {
                throw new ParameterException(spec.commandLine(), "invalid --port " + port + ": use 0-65535");
            }
            String effectiveToken = token != null ? token : ctx().smolvm().config().apiToken();
            if (effectiveToken != null && effectiveToken.isBlank()) {
                effectiveToken = null;
            }
            if (noAuth && effectiveToken != null) {
                throw new ParameterException(spec.commandLine(), "--no-auth and a token (--token or SMOLVM_API_TOKEN) "
                        + "contradict each other: give one of them");
            }
            for (String origin : allowedOrigins) {
                if (!origin.matches("https?://[^/\\s]+")) {
                    throw new ParameterException(spec.commandLine(), "invalid --allow-origin '" + origin
                            + "': give scheme, host and port only, e.g. http://localhost:5173");
                }
            }
            boolean loopback = RequestGuard.isLoopback(host);
            if (!loopback && effectiveToken == null && !noAuth) {
                effectiveToken = HexFormat.of().formatHex(randomBytes(24));
                ctx().err.println("smolvm: " + host + " is reachable from other machines, so the API requires a token; "
                        + "generated for this run: " + effectiveToken);
                ctx().err.println("Clients send it as 'Authorization: Bearer <token>'; set SMOLVM_API_TOKEN or --token "
                        + "to choose your own, or --no-auth to serve without one.");
            } else if (!loopback && noAuth) {
                ctx().err.println("WARNING: listening on " + host + " with --no-auth: anyone who can reach this machine "
                        + "on port " + port + " can create sandboxes and run commands on it.");
            }
            ApiServer server = ApiServer.start(ctx().smolvm(),
                    new ApiServer.Options(host, port, effectiveToken, Set.copyOf(allowedOrigins)));
            String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
            ctx().out.println("SmolVM HTTP API listening on " + base);
            ctx().out.println("OpenAPI spec: " + base + ApiServer.OPENAPI_PATH);
            ctx().out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            try {
                server.awaitShutdown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }

        private static byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            new SecureRandom().nextBytes(b);
            return b;
        }
    }

    @Command(name = "openapi", hidden = true, mixinStandardHelpOptions = true,
            description = "Print the OpenAPI document exactly as the server serves it (used to refresh ts/openapi.json).")
    static final class OpenApiSpec extends BaseCommand {
        @Override
        int run() {
            try (ApiServer server = ApiServer.start(ctx().smolvm(), "127.0.0.1", 0, null)) {
                var resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + ApiServer.OPENAPI_PATH)).build(),
                        HttpResponse.BodyHandlers.ofString());
                ctx().out.println(resp.body());
                return 0;
            } catch (IOException e) {
                throw dev.smolvm.SmolvmException.internal("cannot fetch the OpenAPI document: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
    }
}
