/**
 * Load a reference solution for a benchmark (the learners' template has no solutions/, so benchmarks type
 * what they use themselves). A solution imports its given code as "./x.ts", which lives in exercises/, not
 * beside it in solutions/: a resolve hook sends such imports there, as the grader's target switch does.
 * The hook is registered once per thread, so a worker thread that loads a solution calls this too.
 */
import { register } from "node:module";
import { pathToFileURL } from "node:url";
import { fromRoot } from "../paths.ts";

let registered = false;

function registerGivenCodeHook(): void {
  if (registered) return;
  registered = true;
  const solutions = pathToFileURL(fromRoot("solutions")).href;
  const exercises = pathToFileURL(fromRoot("exercises")).href;
  const hook = `
    export async function resolve(specifier, context, next) {
      try {
        return await next(specifier, context);
      } catch (error) {
        const parent = context.parentURL ?? "";
        if (!parent.startsWith(${JSON.stringify(solutions)}) || !specifier.startsWith(".")) throw error;
        const given = new URL(specifier, parent).href.replace(${JSON.stringify(solutions)}, ${JSON.stringify(exercises)});
        return next(given, context);
      }
    }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

/** Import `file` (relative to the repository, e.g. "solutions/03-processes/pool.ts") with that hook in place. */
export async function loadReference<T>(file: string): Promise<T> {
  registerGivenCodeHook();
  return (await import(pathToFileURL(fromRoot(file)).href)) as T;
}
