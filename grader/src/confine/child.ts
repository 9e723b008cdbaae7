/**
 * The entry of a child process that runs a learner's file (spinner-child.ts, forked by the given
 * runtime): lock the realm down, then evaluate the learner's module confined, as in the test process.
 *
 * The learner's code sees a `process` made for a child of the course: its arguments, its standard
 * output and error to write to, and the IPC channel to its parent (send, "message", "disconnect",
 * connected, exit). Not the process object itself: no environment, no file system, no other children.
 *
 * argv: [node, this bundle, the learner module's compiled form (a JSON file), ...the learner's arguments]
 */
import { readFileSync } from "node:fs";
import { guardInspector } from "../run/inspector-guard.ts";
import { isUnconfined } from "../vitest/env.ts";
import { builtinFacade } from "./capabilities.ts";
import { evaluateLearnerModule, evaluateUnconfined } from "./load.ts";
import type { LearnerModuleRef } from "./module-ref.ts";
import { lockdownRealm } from "./realm.ts";

const [refFile, ...args] = process.argv.slice(2);
guardInspector();
if (!isUnconfined()) lockdownRealm();

type Listener = (...args: unknown[]) => void;
const EVENTS = new Set(["message", "disconnect"]);

function listen(method: "on" | "once" | "off", event: unknown, listener: Listener): void {
  if (!EVENTS.has(String(event))) {
    throw new Error(`a child of the course hears only "message" and "disconnect", not "${String(event)}"`);
  }
  const on = process[method] as (event: string, listener: Listener) => unknown;
  Reflect.apply(on, process, [String(event), listener]);
}

/** What a learner's child process may use of `process`. */
function childProcessFacade(file: string): Record<string, unknown> {
  const facade: Record<string, unknown> = {
    argv: [process.argv[0], file, ...args],
    pid: process.pid,
    nextTick: (callback: (...a: unknown[]) => void, ...rest: unknown[]) =>
      process.nextTick(callback, ...rest),
    stdout: {
      write: (chunk: string | Uint8Array, callback?: () => void) => process.stdout.write(chunk, callback),
    },
    stderr: {
      write: (chunk: string | Uint8Array, callback?: () => void) => process.stderr.write(chunk, callback),
    },
    send: (message: unknown, callback?: (error: Error | null) => void) =>
      process.send ? process.send(message, undefined, {}, callback ?? (() => {})) : false,
    disconnect: () => process.disconnect?.(),
    exit: (code?: number) => process.exit(code),
    on: (event: unknown, listener: Listener) => {
      listen("on", event, listener);
      return facade;
    },
    once: (event: unknown, listener: Listener) => {
      listen("once", event, listener);
      return facade;
    },
    off: (event: unknown, listener: Listener) => {
      listen("off", event, listener);
      return facade;
    },
  };
  Object.defineProperty(facade, "connected", { get: () => process.connected, enumerable: true });
  return facade;
}

async function main(): Promise<void> {
  if (!refFile) throw new Error("child.ts runs a learner module: start it with forkProcess");
  const ref = JSON.parse(readFileSync(refFile, "utf8")) as LearnerModuleRef;
  const facade = childProcessFacade(ref.compiled.file);
  const modules: Record<string, unknown> = {};
  for (const grant of ref.grants.modules) {
    if (grant.capability === "node:process") modules[grant.specifier] = { ...facade, default: facade };
    else if (grant.builtin)
      modules[grant.specifier] = builtinFacade(grant.capability, await import(grant.capability));
  }
  if (isUnconfined()) {
    // As if the learner's file had been forked itself: its arguments after its own name.
    process.argv = facade.argv as string[];
    evaluateUnconfined(ref.compiled, { ...modules, "node:process": process });
    return;
  }
  evaluateLearnerModule(ref.compiled, {
    exercise: ref.exercise,
    name: ref.name,
    modules,
    allowed: ref.grants.allowed,
    globals: { process: facade },
  });
}

main().catch((error: unknown) => {
  // Printed as a learner would see it in their own terminal, then the child ends with a failure.
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
