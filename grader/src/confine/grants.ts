/**
 * Which modules a learner module gets: each specifier its code asks for, matched against what its
 * exercise allows (the manifest's capabilities, and the exercise's own learner files).
 */
import path from "node:path";
import type { Exercise } from "../manifest.ts";
import { capabilityOf } from "./capabilities.ts";

export interface ModuleGrant {
  /** As the learner's code writes it: "node:os", "os", "./runtime.ts". */
  readonly specifier: string;
  /** What it amounts to: "node:os", or the course path of a file ("exercises/03-processes/runtime.ts"). */
  readonly capability: string;
  readonly builtin: boolean;
  /** What the host imports to serve it: a built-in's name, or an absolute file path. */
  readonly importFrom: string;
}

/** Built-in capabilities that are also globals of the compartment (spinner's default `process.stderr`). */
const AMBIENT: Readonly<Record<string, string>> = { "node:process": "process" };

/** The global a capability provides, if any. */
export function builtinFacadeEntry(capability: string): string | undefined {
  return AMBIENT[capability];
}

export interface GrantInput {
  readonly exercise: Exercise;
  /** The learner file, absolute, inside `targetRoot`. */
  readonly file: string;
  /** The folder laid out like exercises/ that the learner's files are read from. */
  readonly targetRoot: string;
  /** The trusted course checkout (given files come from its exercises/). */
  readonly courseRoot: string;
  /** The specifiers the compiled module requires. */
  readonly imports: readonly string[];
}

export interface Grants {
  /** The modules to hand over, by specifier. */
  readonly modules: readonly ModuleGrant[];
  /** Capabilities the compartment gets as globals whether or not the code imports them. */
  readonly ambient: readonly ModuleGrant[];
  /** What the exercise allows, as a learner would write it, for messages. */
  readonly allowed: readonly string[];
}

export function grantsFor({ exercise, file, targetRoot, courseRoot, imports }: GrantInput): Grants {
  const ownFiles = new Set(exercise.files);
  const allowedCapabilities = new Set([...exercise.capabilities, ...exercise.files]);
  const importer = { file, root: targetRoot };
  const grant = (specifier: string, capability: string): ModuleGrant => {
    const builtin = capability.startsWith("node:");
    const importFrom = builtin
      ? capability
      : ownFiles.has(capability)
        ? path.join(targetRoot, path.relative("exercises", capability))
        : path.join(courseRoot, capability);
    return { specifier, capability, builtin, importFrom };
  };
  const modules: ModuleGrant[] = [];
  for (const specifier of imports) {
    const capability = capabilityOf(specifier, importer);
    if (capability && allowedCapabilities.has(capability)) modules.push(grant(specifier, capability));
  }
  const ambient = exercise.capabilities
    .filter((capability) => builtinFacadeEntry(capability) !== undefined)
    .map((capability) => grant(capability, capability));
  const here = path.dirname(path.relative(targetRoot, file));
  const allowed = [
    ...exercise.capabilities,
    ...exercise.files.filter((f) => path.join(targetRoot, path.relative("exercises", f)) !== file),
  ].map((capability) =>
    capability.startsWith("node:")
      ? capability
      : `./${path.relative(here, path.relative("exercises", capability)).split(path.sep).join("/")}`,
  );
  return { modules, ambient, allowed };
}
