/**
 * Given code for chapter 5 (do not edit): a throwaway redis-server on a free port of 127.0.0.1, for the
 * task-queue test and the chapter's BullMQ example. It keeps its files in a fresh temporary folder, saves
 * nothing to disk, and is gone (folder included) after stop().
 *
 * Where there is no redis-server, findRedisServer() returns undefined and the caller says so with
 * REDIS_INSTALL_ADVICE instead of failing.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { withDeadline } from "../../grader/harness/deadline.ts";

/** How to get a redis-server, for a message that says why something was skipped. */
export const REDIS_INSTALL_ADVICE =
  "install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)";

/** redis-server on PATH; COURSE_REDIS_SERVER names another binary, or (empty) pretends there is none. */
export function findRedisServer(): string | undefined {
  const chosen = process.env.COURSE_REDIS_SERVER;
  if (chosen !== undefined) return chosen !== "" && existsSync(chosen) ? chosen : undefined;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "redis-server");
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A TCP port of 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer extends AsyncDisposable {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The server's process id, for a last-resort kill from a synchronous 'exit' handler. */
  readonly pid: number;
  /** True until the server process exited. */
  alive(): boolean;
  /** Resolves once the server process exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** SIGTERM, SIGKILL after 5 s, then remove its folder. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Start `binary` on 127.0.0.1:`port`; resolves once it accepts connections. Without a port it takes a free
 * one, and tries another if that was taken in the meantime (another process may have picked it too).
 */
export async function startRedis(binary: string, port?: number): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, port ?? (await freePort()));
    } catch (error) {
      if (port !== undefined || attempt === 3 || !String(error).includes("Address already in use"))
        throw error;
    }
  }
}

async function startOnce(binary: string, port: number): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "course-redis-"));
  const child = spawn(
    binary,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--protected-mode",
      "yes",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      running = false;
      resolve();
    });
    // A binary that cannot be started emits 'error' and never 'exit'.
    child.once("error", () => {
      running = false;
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (running) child.kill("SIGTERM");
      await withDeadline(exited, 5000, "redis-server stopping").catch(async () => {
        child.kill("SIGKILL");
        await exited;
      });
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) => reject(new Error(`could not start ${binary}: ${error.message}`)));
    void exited.then(() =>
      reject(new Error(`redis-server exited with code ${child.exitCode} before it was ready:\n${output}`)),
    );
  });
  try {
    await withDeadline(ready, 10_000, "redis-server starting");
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host: "127.0.0.1",
    port,
    pid: child.pid!,
    alive: () => running,
    exited,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
