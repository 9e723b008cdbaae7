import path from "node:path";
import type { Plugin } from "vitest/config";
import { loadCourse } from "../manifest.ts";
import { isInside, repoRoot } from "../paths.ts";
import { createRedirect, targetFromEnv } from "../target.ts";

const isRelative = (source: string) => source.startsWith("./") || source.startsWith("../");

/** A Vite plugin that points every exercise import at the target chosen by the environment (see target.ts). */
export function courseTargetPlugin(): Plugin {
  const redirect = createRedirect(loadCourse(), targetFromEnv());
  return {
    name: "course-target",
    enforce: "pre",
    async resolveId(source, importer) {
      if (!importer) return null;
      const from = importer.replace(/[?#].*$/, "");
      if (isRelative(source)) return redirect(path.resolve(path.dirname(from), source), from) ?? null;
      // A submission outside the repository has no node_modules of its own: its package imports resolve
      // as if it sat in the course, so it sees exactly the packages the course installed.
      if (
        path.isAbsolute(from) &&
        !isInside(repoRoot, from) &&
        !source.startsWith("node:") &&
        !path.isAbsolute(source)
      ) {
        return this.resolve(source, path.join(repoRoot, "package.json"), { skipSelf: true });
      }
      return null;
    },
  };
}
