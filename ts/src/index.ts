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
export type SandboxInfo = Schemas["SandboxInfo"];
export type Shell = Schemas["Shell"];
export type Status = Schemas["Status"];
export type Transport = Schemas["Transport"];

/** An error answered by the server (any non-2xx response). */
export class SmolvmError extends Error {
  /** HTTP status of the response (e.g. 404). */
  readonly status: number;
  /**
   * The server's error code: invalid_input, not_found, not_running, conflict,
   * unavailable, timeout, unauthorized or internal. When the body is not the
   * server's JSON error shape, `http_<status>`.
   */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "SmolvmError";
    this.status = status;
    this.code = code;
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

function isErrorResponse(body: unknown): body is ErrorResponse {
  if (typeof body !== "object" || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as ErrorDetail).code === "string" &&
    typeof (error as ErrorDetail).message === "string"
  );
}

function toError(response: Response, body: unknown): SmolvmError {
  if (isErrorResponse(body)) {
    return new SmolvmError(response.status, body.error.code, body.error.message);
  }
  const text = typeof body === "string" && body.length > 0 ? body : response.statusText;
  return new SmolvmError(
    response.status,
    `http_${response.status}`,
    text || `HTTP ${response.status}`,
  );
}

async function unwrap<T>(call: Promise<ApiResult<T>>): Promise<T> {
  const result = await call;
  if (!result.response.ok) throw toError(result.response, result.error);
  return result.data as T;
}

async function unwrapVoid(call: Promise<{ response: Response; error?: unknown }>): Promise<void> {
  const result = await call;
  if (!result.response.ok) throw toError(result.response, result.error);
}

/** Sandbox operations: `/sandboxes` and `/sandboxes/{id}`. */
export class SandboxApi {
  constructor(private readonly client: Client<paths>) {}

  /** POST /sandboxes: create, boot and register a sandbox (may take several seconds). */
  create(body: CreateSandboxRequest = {}): Promise<CreatedSandbox> {
    return unwrap(this.client.POST("/sandboxes", { body }));
  }

  /** GET /sandboxes: list the sandboxes on the host. */
  list(): Promise<SandboxInfo[]> {
    return unwrap(this.client.GET("/sandboxes"));
  }

  /** GET /sandboxes/{id}: one sandbox's state (id or name). */
  get(id: string): Promise<SandboxInfo> {
    return unwrap(this.client.GET("/sandboxes/{id}", { params: { path: { id } } }));
  }

  /**
   * POST /sandboxes/{id}/exec: run a command. A command that exits non-zero still
   * resolves; check `exit_code`, `stdout`, `stderr` and `timed_out`.
   */
  exec(id: string, body: ExecRequest): Promise<ExecResponse> {
    return unwrap(this.client.POST("/sandboxes/{id}/exec", { params: { path: { id } }, body }));
  }

  /** DELETE /sandboxes/{id}: stop and delete a sandbox. */
  delete(id: string): Promise<void> {
    return unwrapVoid(this.client.DELETE("/sandboxes/{id}", { params: { path: { id } } }));
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

/** Client for a SmolVM HTTP API server. */
export class Smolvm {
  /** The underlying typed openapi-fetch client, for calls not wrapped here. */
  readonly client: Client<paths>;
  readonly sandbox: SandboxApi;
  readonly ports: PortsApi;

  constructor(options: SmolvmOptions) {
    this.client = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : undefined,
      fetch: options.fetch,
    });
    this.sandbox = new SandboxApi(this.client);
    this.ports = new PortsApi(this.client);
  }

  /** GET /health: liveness check (no token needed). */
  health(): Promise<Health> {
    return unwrap(this.client.GET("/health"));
  }
}

export { createClient };
export default Smolvm;
