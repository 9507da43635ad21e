package dev.smolvm.cli;

import dev.smolvm.server.ApiServer;
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
                    "It can create sandboxes and run commands on this machine: keep it on 127.0.0.1,",
                    "or require a token (--token or SMOLVM_API_TOKEN)."},
            footer = {"", "Examples:",
                    "  smolvm server start",
                    "  smolvm server start --port 8001",
                    "  SMOLVM_API_TOKEN=$(openssl rand -hex 16) smolvm server start",
                    "  curl -s http://127.0.0.1:8000/sandboxes"})
    static final class Start extends BaseCommand {
        @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
        String host;

        @Option(names = "--port", defaultValue = "8000", description = "Port to bind, 0 for any free one (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--token", description = "Require 'Authorization: Bearer TOKEN' (default: $SMOLVM_API_TOKEN, else none).")
        String token;

        @Override
        int run() {
            if (port < 0 || port > 65535) {
                throw new ParameterException(spec.commandLine(), "invalid --port " + port + ": use 0-65535");
            }
            String effectiveToken = token != null ? token : ctx().env.get("SMOLVM_API_TOKEN");
            if (effectiveToken != null && effectiveToken.isBlank()) {
                effectiveToken = null;
            }
            if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
                ctx().err.println("WARNING: listening on " + host + ": anyone who can reach this machine on port " + port
                        + " can create sandboxes and run commands on it" + (effectiveToken == null
                        ? ", and no token is required. Bind 127.0.0.1, or set --token." : "."));
            }
            ApiServer server = ApiServer.start(ctx().smolvm(), host, port, effectiveToken);
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
