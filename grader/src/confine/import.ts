/**
 * Loading a learner module in a worker thread (or any realm without vitest): lock the realm down, import
 * what the module is granted, evaluate it confined. Tests hand the worker a LearnerModuleRef (compiled
 * where the test runs, so a worker needs no compiler); given code that only knows a file's course name
 * compiles it first (importLearnerFile in module-ref.ts).
 */

import { isUnconfined } from "../vitest/env.ts";
import { builtinFacade } from "./capabilities.ts";
import { builtinFacadeEntry } from "./grants.ts";
import { evaluateLearnerModule, evaluateUnconfined } from "./load.ts";
import type { LearnerModuleRef } from "./module-ref.ts";

export type { LearnerModuleRef };

export async function importLearnerModule<T = Record<string, unknown>>(ref: LearnerModuleRef): Promise<T> {
  const modules: Record<string, unknown> = {};
  const globals: Record<string, unknown> = {};
  const hostSide = async (grant: LearnerModuleRef["grants"]["modules"][number]) => {
    const namespace = (await import(grant.importFrom)) as Record<string, unknown>;
    return grant.builtin ? builtinFacade(grant.capability, namespace) : namespace;
  };
  for (const grant of ref.grants.modules) modules[grant.specifier] = await hostSide(grant);
  for (const grant of ref.grants.ambient)
    globals[builtinFacadeEntry(grant.capability)!] = await hostSide(grant);
  if (isUnconfined()) return evaluateUnconfined(ref.compiled, modules) as T;
  return evaluateLearnerModule(ref.compiled, {
    exercise: ref.exercise,
    name: ref.name,
    modules,
    allowed: ref.grants.allowed,
    globals,
  }) as T;
}
