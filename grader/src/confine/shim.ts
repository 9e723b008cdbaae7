/**
 * The module served in place of a learner's file: it evaluates the learner's compiled code confined
 * (load.ts) and re-exports what the membrane shows of its exports. The test imports "./semaphore.ts" as
 * ever; it gets this module, and learner code never becomes a module of the tests' own realm.
 *
 * The shim imports exactly the modules the learner's code asks for and its exercise allows, so the
 * modules a learner's code can reach are decided here, by the course, from the manifest.
 */
import path from "node:path";
import type { CompiledModule } from "./compile.ts";
import { builtinFacadeEntry, type Grants } from "./grants.ts";

const confineDir = path.dirname(new URL(import.meta.url).pathname);

export interface ShimInput {
  readonly compiled: CompiledModule;
  readonly exercise: string;
  /** The learner file as the course names it, e.g. "exercises/03-processes/pool.ts". */
  readonly name: string;
  readonly grants: Grants;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The source of the module that stands in for a learner file. */
export function shimSource({ compiled, exercise, name, grants }: ShimInput): string {
  const lines = [
    `import { evaluateLearnerModule as __evaluate } from ${JSON.stringify(path.join(confineDir, "load.ts"))};`,
    `import { builtinFacade as __facade } from ${JSON.stringify(path.join(confineDir, "capabilities.ts"))};`,
  ];
  const modules: string[] = [];
  const globals: string[] = [];
  const imported = (grant: Grants["modules"][number], index: number) => {
    lines.push(`import * as __m${index} from ${JSON.stringify(grant.importFrom)};`);
    return grant.builtin ? `__facade(${JSON.stringify(grant.capability)}, __m${index})` : `__m${index}`;
  };
  grants.modules.forEach((grant, index) => {
    modules.push(`${JSON.stringify(grant.specifier)}: ${imported(grant, index)}`);
  });
  grants.ambient.forEach((grant, index) => {
    const entry = imported(grant, grants.modules.length + index);
    globals.push(`${JSON.stringify(builtinFacadeEntry(grant.capability))}: ${entry}`);
  });
  const context = `{ exercise: ${JSON.stringify(exercise)}, name: ${JSON.stringify(name)}, allowed: ${JSON.stringify(grants.allowed)}, modules: { ${modules.join(", ")} }, globals: { ${globals.join(", ")} } }`;
  lines.push(`const __ns = __evaluate(${JSON.stringify(compiled)}, ${context});`);
  for (const exported of compiled.exports) {
    if (exported === "default") lines.push("export default __ns.default;");
    else if (IDENTIFIER.test(exported))
      lines.push(`export const ${exported} = __ns[${JSON.stringify(exported)}];`);
  }
  return `${lines.join("\n")}\n`;
}
