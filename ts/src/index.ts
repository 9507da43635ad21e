/**
 * TypeScript client for the SmolVM HTTP API (`smolvm server start`).
 *
 * The request/response types come from `schema.d.ts`, generated from the
 * committed `openapi.json` with `npm run generate`; do not edit them by hand.
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths, operations } from "./schema.js";

export type { components, paths, operations };

type Schemas = components["schemas"];
export type Backend = Schemas["Backend"];
export type CreateSandboxRequest = Schemas["CreateSandboxRequest"];
export type CreatedSandbox = Schemas["CreatedSandbox"];
export type ErrorDetail = Schemas["ErrorDetail"];
export type ErrorResponse = Schemas["ErrorResponse"];
export type ExecRequest = Schemas["ExecRequest"];
export type ExecResponse = Schemas["ExecResponse"];
export type Health = Schemas["Health"];
export type NetworkInfo = Schemas["NetworkInfo"];
export type Os = Schemas["Os"];
export type PortForwardInfo = Schemas["PortForwardInfo"];
export type PortForwardList = Schemas["PortForwardList"];
export type PortForwardRequest = Schemas["PortForwardRequest"];
export type Protocol = Schemas["Protocol"];
export type PruneItem = Schemas["PruneItem"];
export type PruneResult = Schemas["PruneResult"];
export type SandboxEnv = Schemas["SandboxEnv"];
export type SandboxInfo = Schemas["SandboxInfo"];
export type SnapshotInfo = Schemas["SnapshotInfo"];
export type Shell = Schemas["Shell"];
export type Status = Schemas["Status"];
export type Transport = Schemas["Transport"];

/** An error answered by the server (any non-2xx response). */
export class SmolvmError extends Error {
  /** HTTP status of the response (e.g. 404). */
  readonly status: number;
  /**
   * The server's error code: invalid_input, not_found, not_running, conflict,
   * unavailable, timeout, unauthorized or internal (the body's `error.code`, also
   * sent as the `X-SmolVM-Error-Code` header). When the response carries neither,
   * `http_<status>`.
   */
  readonly code: string;
  /** The server's sentence: what was wrong and what to do (the body's `detail`). */
  readonly detail: string;

  /** `message` is `<what failed>: <detail>`, as the original SmolVM client words it. */
  constructor(status: number, code: string, detail: string, action?: string) {
    super(action ? `${action}: ${detail}` : detail);
    this.name = "SmolvmError";
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export interface SmolvmOptions {
  /** Server address, e.g. `http://127.0.0.1:8080` (as printed by `smolvm server start`). */
  baseUrl: string;
  /** API token (the server's `SMOLVM_API_TOKEN`); sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Custom fetch implementation (defaults to the global `fetch`). */
  fetch?: (input: Request) => Promise<Response>;
}

/** The shape of an openapi-fetch result: `data` on 2xx, `error` (the parsed body) otherwise. */
type ApiResult<T> = { data?: T; error?: unknown; response: Response };

/**
 * The sentence of an error body: `detail` when it is a string (this server, and the
 * original's handled errors); the `msg` values joined with "; " for a FastAPI
 * validation list; else `error.message`.
 */
function detailOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const detail = (body as { detail?: unknown }).detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    const msgs = detail
      .map((d) => (typeof d === "object" && d !== null ? (d as { msg?: unknown }).msg : undefined))
      .filter((m): m is string => typeof m === "string");
    if (msgs.length > 0) return msgs.join("; ");
  }
  const error = (body as { error?: unknown }).error;
  if (typeof error === "object" && error !== null && typeof (error as ErrorDetail).message === "string") {
    return (error as ErrorDetail).message;
  }
  return undefined;
}

function codeOf(response: Response, body: unknown): string {
  if (typeof body === "object" && body !== null) {
    const error = (body as { error?: unknown }).error;
    if (typeof error === "object" && error !== null && typeof (error as ErrorDetail).code === "string") {
      return (error as ErrorDetail).code;
    }
  }
  return response.headers.get("X-SmolVM-Error-Code") ?? `http_${response.status}`;
}

function toError(response: Response, body: unknown, action?: string): SmolvmError {
  const fallback = typeof body === "string" && body.length > 0 ? body : response.statusText;
  const detail = detailOf(body) ?? (fallback || `HTTP ${response.status}`);
  return new SmolvmError(response.status, codeOf(response, body), detail, action);
}

async function unwrap<T>(call: Promise<ApiResult<T>>, action?: string): Promise<T> {
  const result = await call;
  if (!result.response.ok) throw toError(result.response, result.error, action);
  return result.data as T;
}

async function unwrapVoid(
  call: Promise<{ response: Response; error?: unknown }>,
  action?: string,
): Promise<void> {
  const result = await call;
  if (!result.response.ok) throw toError(result.response, result.error, action);
}

/** Files in a sandbox: `/sandboxes/{id}/files?path=`, raw bytes both ways. */
export class FilesApi {
  constructor(private readonly client: Client<paths>) {}

  /**
   * PUT /sandboxes/{id}/files?path=: write `data` (bytes, or a string as UTF-8) to the absolute
   * guest `path`, replacing it atomically; parent directories are made. `mode` (e.g. 0o755) sets
   * the permission bits; without it a replaced file keeps its mode and a new one gets 0644.
   */
  write(id: string, path: string, data: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const query: { path: string; mode?: string } = { path };
    if (options.mode !== undefined) query.mode = options.mode.toString(8).padStart(4, "0");
    return unwrapVoid(
      this.client.PUT("/sandboxes/{id}/files", {
        params: { path: { id }, query },
        // The body goes as it is: openapi-fetch would JSON-encode it otherwise.
        body: bytes as unknown as string,
        bodySerializer: (body: unknown) => body as BodyInit,
        headers: { "Content-Type": "application/octet-stream" },
      }),
      `Failed to write file in sandbox ${id}`,
    );
  }

  /** GET /sandboxes/{id}/files?path=: the bytes of the guest file at the absolute `path`. */
  async read(id: string, path: string): Promise<Uint8Array> {
    const buffer = await unwrap(
      this.client.GET("/sandboxes/{id}/files", { params: { path: { id }, query: { path } }, parseAs: "arrayBuffer" }),
      `Failed to read file in sandbox ${id}`,
    );
    return new Uint8Array(buffer as ArrayBuffer);
  }
}

/** Environment variables kept for a sandbox: `/sandboxes/{id}/env`. */
export class EnvApi {
  constructor(private readonly client: Client<paths>) {}

  /**
   * PUT /sandboxes/{id}/env: add or replace variables (the others stay); they apply to every
   * later exec and login shell, across stop and start. Resolves to all kept variables.
   */
  async set(id: string, env: Record<string, string>): Promise<Record<string, string>> {
    const body = await unwrap(
      this.client.PUT("/sandboxes/{id}/env", { params: { path: { id } }, body: { env } }),
      `Failed to set environment of sandbox ${id}`,
    );
    return (body as SandboxEnv).env;
  }

  /** DELETE /sandboxes/{id}/env/{name}: remove one variable (404 when it is not set). */
  unset(id: string, name: string): Promise<void> {
    return unwrapVoid(
      this.client.DELETE("/sandboxes/{id}/env/{name}", { params: { path: { id, name } } }),
      `Failed to unset environment variable ${name} of sandbox ${id}`,
    );
  }

  /** GET /sandboxes/{id}/env: the kept variables, by name. */
  async list(id: string): Promise<Record<string, string>> {
    const body = await unwrap(
      this.client.GET("/sandboxes/{id}/env", { params: { path: { id } } }),
      `Failed to list environment of sandbox ${id}`,
    );
    return (body as SandboxEnv).env;
  }
}

/** Sandbox operations: `/sandboxes` and `/sandboxes/{id}`; `files` and `env` of a sandbox. */
export class SandboxApi {
  readonly files: FilesApi;
  readonly env: EnvApi;

  constructor(private readonly client: Client<paths>) {
    this.files = new FilesApi(client);
    this.env = new EnvApi(client);
  }

  /** POST /sandboxes: create, boot and register a sandbox (may take several seconds). */
  create(body: CreateSandboxRequest = {}): Promise<CreatedSandbox> {
    return unwrap(this.client.POST("/sandboxes", { body }), "Failed to create sandbox");
  }

  /** GET /sandboxes: list the sandboxes on the host. */
  list(): Promise<SandboxInfo[]> {
    return unwrap(this.client.GET("/sandboxes"), "Failed to list sandboxes");
  }

  /** GET /sandboxes/{id}: one sandbox's state (id or name). */
  get(id: string): Promise<SandboxInfo> {
    return unwrap(this.client.GET("/sandboxes/{id}", { params: { path: { id } } }), `Failed to get sandbox ${id}`);
  }

  /**
   * POST /sandboxes/{id}/exec: run a command (a shell script, or words with
   * `shell: "raw"`), optionally in `cwd` with extra `env`. A command that exits
   * non-zero still resolves; check `exit_code`, `stdout`, `stderr` and `timed_out`.
   */
  exec(id: string, body: ExecRequest): Promise<ExecResponse> {
    return unwrap(
      this.client.POST("/sandboxes/{id}/exec", { params: { path: { id } }, body }),
      `Failed to run command in sandbox ${id}`,
    );
  }

  /** POST /sandboxes/{id}/start: boot a stopped sandbox again. */
  start(id: string): Promise<SandboxInfo> {
    return unwrap(
      this.client.POST("/sandboxes/{id}/start", { params: { path: { id } } }),
      `Failed to start sandbox ${id}`,
    );
  }

  /** POST /sandboxes/{id}/stop: power a sandbox off, keeping its disk. */
  stop(id: string): Promise<SandboxInfo> {
    return unwrap(
      this.client.POST("/sandboxes/{id}/stop", { params: { path: { id } } }),
      `Failed to stop sandbox ${id}`,
    );
  }

  /** POST /sandboxes/{id}/pause: stop a running sandbox's vCPUs; memory, address and forwards stay. */
  pause(id: string): Promise<SandboxInfo> {
    return unwrap(
      this.client.POST("/sandboxes/{id}/pause", { params: { path: { id } } }),
      `Failed to pause sandbox ${id}`,
    );
  }

  /** POST /sandboxes/{id}/resume: continue a paused sandbox. */
  resume(id: string): Promise<SandboxInfo> {
    return unwrap(
      this.client.POST("/sandboxes/{id}/resume", { params: { path: { id } } }),
      `Failed to resume sandbox ${id}`,
    );
  }

  /** DELETE /sandboxes/{id}: stop and delete a sandbox. */
  delete(id: string): Promise<void> {
    return unwrapVoid(
      this.client.DELETE("/sandboxes/{id}", { params: { path: { id } } }),
      `Failed to delete sandbox ${id}`,
    );
  }
}

/** Port-forward operations: `/sandboxes/{id}/ports`. */
export class PortsApi {
  constructor(private readonly client: Client<paths>) {}

  /** POST /sandboxes/{id}/ports: forward a sandbox port to 127.0.0.1 on the host. */
  expose(id: string, body: PortForwardRequest): Promise<PortForwardInfo> {
    return unwrap(this.client.POST("/sandboxes/{id}/ports", { params: { path: { id } }, body }));
  }

  /** GET /sandboxes/{id}/ports: the sandbox's active port forwards. */
  list(id: string): Promise<PortForwardList> {
    return unwrap(this.client.GET("/sandboxes/{id}/ports", { params: { path: { id } } }));
  }

  /** DELETE /sandboxes/{id}/ports/{host_port}: close the forward on a host port. */
  close(id: string, hostPort: number, protocol?: Protocol): Promise<void> {
    return unwrapVoid(
      this.client.DELETE("/sandboxes/{id}/ports/{host_port}", {
        params: {
          path: { id, host_port: hostPort },
          query: protocol === undefined ? undefined : { protocol },
        },
      }),
    );
  }
}

/** Snapshots: save a sandbox's memory, devices and disk; restore new sandboxes from it. */
export class SnapshotsApi {
  constructor(private readonly client: Client<paths>) {}

  /** POST /sandboxes/{id}/snapshots: snapshot a running or paused sandbox (it goes on as it was). */
  create(id: string, name?: string): Promise<SnapshotInfo> {
    return unwrap(
      this.client.POST("/sandboxes/{id}/snapshots", { params: { path: { id } }, body: { name: name ?? null } }),
      `Failed to snapshot sandbox ${id}`,
    );
  }

  /**
   * POST /sandboxes/{id}/fork: `count` new running sandboxes that carry on from this moment of a
   * running one (which keeps running); named `name`, or `name-1`, `name-2`, … when count > 1.
   */
  fork(id: string, options: { name?: string; count?: number } = {}): Promise<SandboxInfo[]> {
    return unwrap(
      this.client.POST("/sandboxes/{id}/fork", {
        params: { path: { id } },
        body: { name: options.name ?? null, count: options.count ?? null },
      }),
      `Failed to fork sandbox ${id}`,
    );
  }

  /** GET /snapshots: all snapshots. */
  list(): Promise<SnapshotInfo[]> {
    return unwrap(this.client.GET("/snapshots"), "Failed to list snapshots");
  }

  /**
   * POST /snapshots/{name}/restore: a new running sandbox from the snapshot, as its own machine
   * (new address, MAC, hostname; clock set; random generator reseeded). Forwards are not carried over.
   */
  restore(name: string, sandboxName?: string): Promise<SandboxInfo> {
    return unwrap(
      this.client.POST("/snapshots/{name}/restore", {
        params: { path: { name } },
        body: { name: sandboxName ?? null },
      }),
      `Failed to restore snapshot ${name}`,
    );
  }

  /** DELETE /snapshots/{name}: refused (409) while a sandbox or another snapshot stands on it. */
  delete(name: string): Promise<void> {
    return unwrapVoid(
      this.client.DELETE("/snapshots/{name}", { params: { path: { name } } }),
      `Failed to delete snapshot ${name}`,
    );
  }
}

/** Client for a SmolVM HTTP API server. */
export class Smolvm {
  /** The underlying typed openapi-fetch client, for calls not wrapped here. */
  readonly client: Client<paths>;
  readonly sandbox: SandboxApi;
  readonly ports: PortsApi;
  readonly snapshots: SnapshotsApi;

  constructor(options: SmolvmOptions) {
    this.client = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : undefined,
      fetch: options.fetch,
    });
    this.sandbox = new SandboxApi(this.client);
    this.ports = new PortsApi(this.client);
    this.snapshots = new SnapshotsApi(this.client);
  }

  /** GET /health: liveness check (no token needed). */
  health(): Promise<Health> {
    return unwrap(this.client.GET("/health"));
  }

  /**
   * POST /prune: remove what smolvm left on the server's host that no sandbox owns (only the
   * server's smolvm home is touched), as `smolvm prune` does. With `dryRun`, nothing is removed and
   * `would_remove` lists it; otherwise `removed` does.
   */
  prune(options: { dryRun?: boolean } = {}): Promise<PruneResult> {
    return unwrap(this.client.POST("/prune", { body: { dry_run: options.dryRun ?? false } }), "Failed to prune");
  }
}

export { createClient };
export default Smolvm;
