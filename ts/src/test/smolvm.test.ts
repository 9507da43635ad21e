/**
 * End-to-end tests against a real `smolvm server start` (boots a QEMU microVM).
 *
 * Environment (all optional):
 *   SMOLVM_BIN     path to the smolvm launcher (default: ../smolvm next to ts/)
 *   SMOLVM_IMAGES  guest-image cache (default: /var/tmp/smolvm-test-images/$(smolvm image recipe))
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";

import { Smolvm, SmolvmError, type ExecResponse, type SandboxInfo } from "../index.js";

const here = path.dirname(fileURLToPath(import.meta.url)); // .../ts/dist/test
const SMOLVM_BIN = process.env.SMOLVM_BIN ?? path.resolve(here, "../../../smolvm");

const START_TIMEOUT_MS = 300_000; // the launcher may (re)build the jar first
const CREATE_TIMEOUT_MS = 180_000; // first boot on a machine can be slow

let imagesDir: string | undefined;
function smolvmImages(): string {
  if (process.env.SMOLVM_IMAGES) return process.env.SMOLVM_IMAGES;
  if (imagesDir === undefined) {
    const recipe = execFileSync(SMOLVM_BIN, ["image", "recipe"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: START_TIMEOUT_MS,
    }).trim();
    assert.match(recipe, /^\S+$/, `unexpected 'smolvm image recipe' output: ${recipe}`);
    imagesDir = `/var/tmp/smolvm-test-images/${recipe}`;
  }
  return imagesDir;
}

interface Server {
  baseUrl: string;
  home: string;
  stop(): Promise<void>;
}

/** Spawns `smolvm server start` in its own process group and waits for its "listening on" line. */
async function startServer(extraEnv: Record<string, string> = {}): Promise<Server> {
  const home = mkdtempSync("/tmp/smv-");
  const child: ChildProcess = spawn(
    SMOLVM_BIN,
    ["server", "start", "--host", "127.0.0.1", "--port", "0"],
    {
      env: { ...process.env, SMOLVM_HOME: home, SMOLVM_IMAGES: smolvmImages(), ...extraEnv },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 15_000).unref()),
      ]);
      if (!killed) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
        await exited;
      }
    }
    rmSync(home, { recursive: true, force: true });
  };

  try {
    const baseUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms\n${stderr}`)),
        START_TIMEOUT_MS,
      );
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server exited early (code ${code}, signal ${signal})\n${stderr}`));
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return { baseUrl, home, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function rejectsWith(
  promise: Promise<unknown>,
  status: number,
  code?: string,
): Promise<SmolvmError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SmolvmError, `expected SmolvmError, got ${String(err)}`);
    assert.ok(err instanceof Error);
    assert.equal(err.name, "SmolvmError");
    assert.equal(err.status, status, `status (message: ${err.message})`);
    if (code !== undefined) assert.equal(err.code, code, `code (message: ${err.message})`);
    assert.ok(err.message.length > 0, "message is non-empty");
    return err;
  }
  assert.fail(`expected a SmolvmError ${status}, but the call resolved`);
}

describe("smolvm server", () => {
  let server: Server;
  let baseUrl: string;
  const created: string[] = [];

  before(async () => {
    server = await startServer();
    baseUrl = server.baseUrl;
  }, { timeout: START_TIMEOUT_MS + 10_000 });

  after(async () => {
    if (!server) return;
    // Safety net: remove any sandbox a failed test left behind, so no QEMU outlives the run.
    const smolvm = new Smolvm({ baseUrl });
    for (const id of created) {
      await smolvm.sandbox.delete(id).catch(() => undefined);
    }
    await server.stop();
  }, { timeout: 120_000 });

  test("example flow: create, exec, list, get, delete", { timeout: CREATE_TIMEOUT_MS + 120_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl });
    const sandbox = await smolvm.sandbox.create({ memory: 512, disk_size: 2048 });
    created.push(sandbox.id);
    assert.equal(typeof sandbox.id, "string");
    assert.ok(sandbox.id.length > 0);

    const result: ExecResponse = await smolvm.sandbox.exec(sandbox.id, {
      command: "uname -a",
      timeout: 30,
      shell: "login",
    });
    assert.equal(result.exit_code, 0, `stderr: ${result.stderr}`);
    assert.match(result.stdout, /Linux/);
    assert.equal(result.timed_out, false);

    const all: SandboxInfo[] = await smolvm.sandbox.list();
    assert.ok(
      all.some((s) => s.id === sandbox.id),
      `list() should contain ${sandbox.id}: ${JSON.stringify(all.map((s) => s.id))}`,
    );

    const info = await smolvm.sandbox.get(sandbox.id);
    assert.equal(info.id, sandbox.id);
    assert.equal(info.status, "running");

    const failed = await smolvm.sandbox.exec(sandbox.id, { command: "exit 3" });
    assert.equal(failed.exit_code, 3);
    assert.equal(failed.timed_out, false);

    const scoped = await smolvm.sandbox.exec(sandbox.id, {
      command: 'echo "$PWD|$GREETING"',
      cwd: "/tmp",
      env: { GREETING: "hello world" },
    });
    assert.equal(scoped.stdout, "/tmp|hello world\n");
    assert.ok(scoped.duration_ms > 0, `duration_ms: ${scoped.duration_ms}`);

    // files.write / files.read: raw bytes both ways, larger than the 64 KiB JSON limit.
    const bytes = new Uint8Array(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    await smolvm.sandbox.files.write(sandbox.id, "/root/ts/data.bin", bytes, { mode: 0o750 });
    assert.deepEqual(await smolvm.sandbox.files.read(sandbox.id, "/root/ts/data.bin"), bytes);
    const stat = await smolvm.sandbox.exec(sandbox.id, { command: "stat -c %a /root/ts/data.bin" });
    assert.equal(stat.stdout, "750\n");
    await smolvm.sandbox.files.write(sandbox.id, "/root/ts/hello.txt", "héllo\n");
    assert.equal(new TextDecoder().decode(await smolvm.sandbox.files.read(sandbox.id, "/root/ts/hello.txt")), "héllo\n");
    const missing = await rejectsWith(smolvm.sandbox.files.read(sandbox.id, "/root/ts/nope"), 404, "not_found");
    assert.equal(missing.message, `Failed to read file in sandbox ${sandbox.id}: ${missing.detail}`);
    const relative = await rejectsWith(smolvm.sandbox.files.write(sandbox.id, "root/x", "x"), 422, "invalid_input");
    assert.equal(relative.message, `Failed to write file in sandbox ${sandbox.id}: ${relative.detail}`);
    assert.match(relative.detail, /is relative/);
    await rejectsWith(smolvm.sandbox.files.read(sandbox.id, "/root"), 422, "invalid_input");

    // env.set / list / unset: kept variables reach later execs; the exec's own env wins.
    assert.deepEqual(await smolvm.sandbox.env.set(sandbox.id, { KEPT: "yes", OTHER: "1" }), { KEPT: "yes", OTHER: "1" });
    assert.deepEqual(await smolvm.sandbox.env.list(sandbox.id), { KEPT: "yes", OTHER: "1" });
    assert.equal((await smolvm.sandbox.exec(sandbox.id, { command: "echo $KEPT" })).stdout, "yes\n");
    assert.equal((await smolvm.sandbox.exec(sandbox.id, { command: "echo $KEPT", env: { KEPT: "mine" } })).stdout, "mine\n");
    await smolvm.sandbox.env.unset(sandbox.id, "KEPT");
    assert.deepEqual(await smolvm.sandbox.env.list(sandbox.id), { OTHER: "1" });
    const unset = await rejectsWith(smolvm.sandbox.env.unset(sandbox.id, "KEPT"), 404, "not_found");
    assert.match(unset.message, /^Failed to unset environment variable KEPT of sandbox /);
    await rejectsWith(smolvm.sandbox.env.set(sandbox.id, { "1BAD": "x" }), 422, "invalid_input");

    // snapshots: save, list, restore (the file is there in the new machine), delete once nothing stands on it.
    const snap = await smolvm.snapshots.create(sandbox.id, "ts-snap");
    assert.equal(snap.name, "ts-snap");
    assert.ok(snap.state_bytes > 0, `state_bytes: ${snap.state_bytes}`);
    assert.ok((await smolvm.snapshots.list()).some((s) => s.name === "ts-snap"));
    const restored = await smolvm.snapshots.restore("ts-snap", "ts-restored");
    created.push(restored.id);
    assert.equal(restored.status, "running");
    assert.notEqual(restored.network.guest_ip, info.network.guest_ip);
    assert.equal(new TextDecoder().decode(await smolvm.sandbox.files.read(restored.id, "/root/ts/hello.txt")), "héllo\n");
    const standing = await rejectsWith(smolvm.snapshots.delete("ts-snap"), 409, "conflict");
    assert.match(standing.detail, /stands on snapshot 'ts-snap'/);
    assert.equal(standing.message, `Failed to delete snapshot ts-snap: ${standing.detail}`);
    await smolvm.sandbox.delete(restored.id);
    created.splice(created.indexOf(restored.id), 1);
    const clones = await smolvm.snapshots.fork(sandbox.id, { name: "ts-clone", count: 2 });
    assert.deepEqual(clones.map((c) => c.name), ["ts-clone-1", "ts-clone-2"]);
    for (const c of clones) {
      created.push(c.id);
      assert.equal((await smolvm.sandbox.exec(c.id, { command: "cat /root/ts/hello.txt" })).stdout, "héllo\n");
      await smolvm.sandbox.delete(c.id);
      created.splice(created.indexOf(c.id), 1);
    }
    assert.ok(!(await smolvm.snapshots.list()).some((s) => s.name.startsWith("fork-")), "a fork leaves no named snapshot");

    await smolvm.sandbox.delete(sandbox.id);
    created.splice(created.indexOf(sandbox.id), 1);

    await rejectsWith(smolvm.sandbox.get(sandbox.id), 404, "not_found");
    await smolvm.snapshots.delete("ts-snap");
    await rejectsWith(smolvm.snapshots.restore("ts-snap"), 404, "not_found");
  });

  test("prune: a dry run lists an orphan and keeps it, then prune removes it", { timeout: 60_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl });
    const orphan = path.join(server.home, "forwards", "ghost.json"); // no sandbox is named ghost
    mkdirSync(path.dirname(orphan), { recursive: true });
    writeFileSync(orphan, '{"sandbox": "ghost", "forwards": []}');

    const dry = await smolvm.prune({ dryRun: true });
    assert.equal(dry.dry_run, true);
    assert.equal(dry.removed, undefined);
    assert.ok(dry.would_remove?.some((i) => i.kind === "forwards" && i.name === orphan), JSON.stringify(dry));
    assert.ok(existsSync(orphan), "a dry run removes nothing");

    const done = await smolvm.prune();
    assert.equal(done.dry_run, false);
    assert.ok(done.removed?.some((i) => i.kind === "forwards" && i.name === orphan), JSON.stringify(done));
    assert.ok(Array.isArray(done.notes));
    assert.ok(!existsSync(orphan), "prune removed the orphan");
  });

  test("os: ubuntu is unavailable on this host (503)", { timeout: 120_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl });
    const err = await rejectsWith(smolvm.sandbox.create({ os: "ubuntu" }), 503, "unavailable");
    assert.equal(err.message, `Failed to create sandbox: ${err.detail}`);
  });

  test("errors read like the original client's: 'Failed to ...: <detail>'", { timeout: 30_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl });
    const err = await rejectsWith(smolvm.sandbox.get("nope"), 404, "not_found");
    assert.equal(err.detail, "No sandbox named 'nope'; GET /sandboxes lists them.");
    assert.equal(err.message, `Failed to get sandbox nope: ${err.detail}`);
  });

  test("a client that reads only 'detail' gets one sentence", { timeout: 120_000 }, async () => {
    // As the original SmolVM's own wrapper does: fetch, then body.detail, nothing else.
    const cases: [string, RequestInit][] = [
      ["/sandboxes/nope", {}],
      ["/sandboxes", { method: "POST", headers: { "content-type": "application/json" }, body: "{bad" }],
      ["/sandboxes", { method: "POST", headers: { "content-type": "application/json" }, body: '{"os":"ubuntu"}' }],
    ];
    for (const [path, init] of cases) {
      const response = await fetch(baseUrl + path, init);
      assert.ok(!response.ok);
      const detail: unknown = ((await response.json()) as { detail?: unknown }).detail;
      assert.equal(typeof detail, "string", `${path}: detail is a string`);
      assert.match(detail as string, /^[A-Z][^\n{}]*\.$/, `${path}: one sentence, no JSON`);
      assert.ok(response.headers.get("x-smolvm-error-code"), `${path}: code header`);
    }
  });

  test("invalid memory is a 422 invalid_input", { timeout: 30_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl });
    const err = await rejectsWith(smolvm.sandbox.create({ memory: 16 }), 422, "invalid_input");
    assert.match(err.detail, /^Memory must be between/);
    assert.equal(err.message, `Failed to create sandbox: ${err.detail}`);
  });

  test("exec in an unknown sandbox is a 404 not_found", { timeout: 30_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl });
    await rejectsWith(
      smolvm.sandbox.exec("no-such-sandbox", { command: "true" }),
      404,
      "not_found",
    );
  });

  test("request bodies are type-checked", () => {
    const smolvm = new Smolvm({ baseUrl });
    // Compile-time only: these lines are never executed.
    const neverRun = (): void => {
      // @ts-expect-error unknown field
      void smolvm.sandbox.create({ memroy: 512 });
      // @ts-expect-error command is required
      void smolvm.sandbox.exec("x", { timeout: 1 });
      // @ts-expect-error shell must be "login" or "raw"
      void smolvm.sandbox.exec("x", { command: "true", shell: "bash" });
    };
    assert.equal(typeof neverRun, "function");
  });
});

describe("smolvm server with SMOLVM_API_TOKEN", () => {
  let server: Server;

  before(async () => {
    server = await startServer({ SMOLVM_API_TOKEN: "secret-token" });
  }, { timeout: START_TIMEOUT_MS + 10_000 });

  after(async () => {
    if (server) await server.stop();
  }, { timeout: 60_000 });

  test("a client without the token gets 401", { timeout: 30_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl: server.baseUrl });
    await rejectsWith(smolvm.sandbox.list(), 401);
  });

  test("a wrong token gets 401", { timeout: 30_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl: server.baseUrl, token: "wrong-token" });
    await rejectsWith(smolvm.sandbox.list(), 401);
  });

  test("a client with the token can list", { timeout: 30_000 }, async () => {
    const smolvm = new Smolvm({ baseUrl: server.baseUrl, token: "secret-token" });
    const all = await smolvm.sandbox.list();
    assert.ok(Array.isArray(all));
  });

  test("the token is sent as a bearer Authorization header", { timeout: 30_000 }, async () => {
    const seen: (string | null)[] = [];
    const smolvm = new Smolvm({
      baseUrl: server.baseUrl,
      token: "secret-token",
      fetch: (request: Request) => {
        seen.push(request.headers.get("authorization"));
        return fetch(request);
      },
    });
    await smolvm.sandbox.list();
    assert.deepEqual(seen, ["Bearer secret-token"]);
  });
});
