/**
 * Evaluating a learner's module: in a compartment of its own, behind the realm's membrane, with the
 * modules its exercise may import and nothing else. What the course gets back is the module's exports
 * as the membrane shows them.
 *
 * The test process and every worker thread that loads learner code go through here (the test process
 * through the module that vitest serves in place of a learner file, see shim.ts; workers through
 * importLearnerModule), so a learner meets the same confinement under `npm test` as when graded.
 */
import { pathToFileURL } from "node:url";
import { runInThisContext } from "node:vm";
import type { CompiledModule } from "./compile.ts";
import { compartmentErrorClasses, hostErrorClasses } from "./errors.ts";
import { explainLearnerError } from "./explain.ts";
import { nodeFacetOf } from "./facets.ts";
import { learnerGlobals, SHARED_GLOBALS } from "./globals.ts";
import { sharedIntrinsics } from "./intrinsics.ts";
import { Membrane } from "./membrane.ts";
import { lockdownRealm } from "./realm.ts";
import { mapStack, registerSourceMap } from "./sourcemap.ts";

interface Realm {
  readonly membrane: Membrane;
  readonly globals: Record<string, unknown>;
}

let realm: Realm | undefined;

/** This realm's membrane and compartment globals, made once, after lockdown. */
export function confinedRealm(): Realm {
  if (realm) return realm;
  lockdownRealm();
  const probe = new Compartment({ __options__: true });
  const membrane = new Membrane({
    shared: sharedIntrinsics(SHARED_GLOBALS),
    errorClasses: { host: hostErrorClasses(), learner: compartmentErrorClasses(probe.globalThis) },
    facetOf: nodeFacetOf,
    explainLearnerError,
    learnerStack: mapStack,
  });
  realm = { membrane, globals: learnerGlobals(membrane) };
  return realm;
}

export interface LearnerModuleContext {
  /** The exercise the module belongs to, for messages. */
  readonly exercise: string;
  /** The module as the learner names it (e.g. "exercises/03-processes/pool.ts"), for messages. */
  readonly name: string;
  /** The host side of every module it may require, by the specifier it uses. */
  readonly modules: Readonly<Record<string, unknown>>;
  /** What the exercise's code may import, for the message when it asks for anything else. */
  readonly allowed: readonly string[];
  /** Extra globals (the `process` facade of an exercise that may write to the terminal). */
  readonly globals?: Readonly<Record<string, unknown>>;
}

/** Evaluate `compiled` confined; resolves nothing asynchronously, so a test can import it like a module. */
export function evaluateLearnerModule(
  compiled: CompiledModule,
  context: LearnerModuleContext,
): Record<string, unknown> {
  const { membrane, globals } = confinedRealm();
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(context.globals ?? {})) extra[name] = membrane.toLearner(value);
  const compartment = new Compartment({
    globals: { ...globals, ...extra },
    __options__: true,
    name: context.name,
  });
  const url = pathToFileURL(compiled.file).href;
  registerSourceMap(url, compiled.sourceMap);
  const require = membrane.toLearner((specifier: unknown) => {
    const name = String(specifier);
    if (Object.hasOwn(context.modules, name)) return context.modules[name];
    throw new Error(
      `${context.name} imports "${name}", which ${context.exercise} does not offer. ` +
        (context.allowed.length > 0
          ? `Its code may import: ${context.allowed.join(", ")}.`
          : "Its code needs no imports: everything it uses is built into JavaScript."),
    );
  });
  // Made here, written by the learner's code: from then on they hold only what the learner put there.
  const learnerModule: { exports: unknown } = { exports: {} };
  try {
    const factory = compartment.evaluate(compiled.program) as (...args: unknown[]) => void;
    Reflect.apply(factory, undefined, [require, learnerModule, learnerModule.exports, url]);
  } catch (error) {
    throw membrane.toHost(error);
  }
  const exported = learnerModule.exports;
  const namespace: Record<string, unknown> = Object.create(null);
  for (const name of compiled.exports) {
    try {
      namespace[name] = membrane.toHost(Reflect.get(exported as object, name));
    } catch (error) {
      throw membrane.toHost(error);
    }
  }
  return namespace;
}

/**
 * The same module run the way learner code ran before confinement: in this realm, with the same
 * modules, no lockdown and no membrane. Only the confinement benchmark uses it (RUN_ENV.unconfined).
 */
export function evaluateUnconfined(
  compiled: CompiledModule,
  modules: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const factory = runInThisContext(compiled.program, { filename: compiled.file }) as (
    ...args: unknown[]
  ) => void;
  const learnerModule: { exports: Record<string, unknown> } = { exports: {} };
  const require = (specifier: string) => {
    if (Object.hasOwn(modules, specifier)) return modules[specifier];
    throw new Error(`${compiled.file} imports "${specifier}", which its exercise does not offer`);
  };
  factory(require, learnerModule, learnerModule.exports, pathToFileURL(compiled.file).href);
  return learnerModule.exports;
}
