/**
 * What a learner module may import: the modules its exercise lists in the manifest ("capabilities"),
 * its exercise's other learner files, and nothing else. A built-in module is offered as a facade with
 * only the members an exercise's code needs; anything that would hand over more (raw file descriptors,
 * a worker started from any file, `node:module`, the whole `process`) is not on the list, and files
 * open only in folders a test handed over.
 */
import { realpathSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The members of each built-in module a learner may import, when its exercise lists the module. */
const BUILTIN_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  "node:os": ["availableParallelism", "cpus", "EOL"],
  "node:util": ["types", "format", "inspect", "isDeepStrictEqual", "promisify"],
  "node:events": ["once", "on"],
  "node:worker_threads": [
    "MessageChannel",
    "MessagePort",
    "BroadcastChannel",
    "receiveMessageOnPort",
    "isMainThread",
    "threadId",
  ],
  "node:timers/promises": ["setTimeout", "setImmediate", "setInterval"],
  "node:fs": ["createReadStream", "createWriteStream"],
  // Waiting for a stream to end, or joining streams, as Node code usually does around file streams.
  "node:stream/promises": ["finished", "pipeline"],
  "node:process": ["stdout", "stderr", "nextTick", "pid"],
};

/** Built-in modules the manifest may grant. */
export const GRANTABLE_BUILTINS: readonly string[] = Object.keys(BUILTIN_MEMBERS);

/** The capability a specifier asks for: "node:os" for a built-in, a repository path for a course file. */
export function capabilityOf(
  specifier: string,
  importer: { file: string; root: string },
): string | undefined {
  const bare = specifier.replace(/^node:/, "");
  if (isBuiltin(specifier)) return `node:${bare}`;
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  const absolute = path.resolve(path.dirname(importer.file), specifier);
  const relative = path.relative(importer.root, absolute);
  if (relative.startsWith("..") || path.isAbsolute(relative)) return undefined;
  return ["exercises", ...relative.split(path.sep)].join("/").replace(/\.js$/, ".ts");
}

/** The learner's side of a built-in module: only the granted members, and files only in granted folders. */
export function builtinFacade(capability: string, namespace: Readonly<Record<string, unknown>>): object {
  const members = BUILTIN_MEMBERS[capability];
  if (!members) throw new Error(`the course offers no facade of ${capability}`);
  const facade: Record<string, unknown> = {};
  for (const name of members) facade[name] = namespace[name];
  if (capability === "node:fs") {
    const fs = namespace as unknown as typeof import("node:fs");
    facade.createReadStream = (file: unknown, options?: unknown) =>
      fs.createReadStream(
        scratchPath(file),
        streamOptions(options, ["highWaterMark", "start", "end", "encoding"]),
      );
    facade.createWriteStream = (file: unknown, options?: unknown) =>
      fs.createWriteStream(scratchPath(file), streamOptions(options, ["highWaterMark", "encoding", "flags"]));
  }
  // A namespace's default export is the module itself: `import os from "node:os"` gets the facade.
  facade.default = facade;
  return facade;
}

/** Folders a test has handed to learner code (grantFolder), by real path. */
const grantedFolders = new Set<string>();

/**
 * Let learner code open files in `folder` (a test's temp folder) through its node:fs facade. Only the
 * course's code can call this: learner code never sees this module, only the facade it builds.
 */
export function grantFolder(folder: string): void {
  grantedFolders.add(safeRealpath(path.resolve(folder)));
}

/** Take back every folder granted so far (after a test). */
export function revokeFolders(): void {
  grantedFolders.clear();
}

/**
 * A file a learner's code may open: inside a folder a test granted (grantFolder), named by a path or a
 * file: URL, resolved through links. Never a descriptor.
 */
function scratchPath(file: unknown): string {
  const name = file instanceof URL ? fileURLToPath(file) : typeof file === "string" ? file : undefined;
  if (name === undefined) throw new TypeError("a file is named by a path or a file: URL");
  const absolute = path.resolve(name);
  // Real paths: a link inside a granted folder must not lead out of it.
  const real = path.join(safeRealpath(path.dirname(absolute)), path.basename(absolute));
  for (const folder of grantedFolders) {
    const relative = path.relative(folder, real);
    if (relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative)) return absolute;
  }
  throw new Error(`your code may open only the files a test hands it, not ${absolute}`);
}

function safeRealpath(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return folder;
  }
}

/** Stream options with only the listed keys (no `fd`, no custom `fs`). */
function streamOptions(options: unknown, allowed: readonly string[]): Record<string, unknown> | undefined {
  if (options === undefined) return undefined;
  if (typeof options === "string") return { encoding: options };
  if (typeof options !== "object" || options === null)
    throw new TypeError("stream options must be an object");
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new Error(`the stream option "${key}" is not available to your code`);
    const value = (options as Record<string, unknown>)[key];
    if (key === "flags" && value !== "w" && value !== "a")
      throw new Error('a write stream\'s flags may be "w" or "a"');
    picked[key] = value;
  }
  return picked;
}
