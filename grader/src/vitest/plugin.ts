import path from "node:path";
import type { Plugin } from "vitest/config";
import { loadCourse } from "../manifest.ts";
import { createRedirect, targetFromEnv } from "../target.ts";

/** A Vite plugin that points every exercise import at the target chosen by the environment (see target.ts). */
export function courseTargetPlugin(): Plugin {
  const redirect = createRedirect(loadCourse(), targetFromEnv());
  return {
    name: "course-target",
    enforce: "pre",
    resolveId(source, importer) {
      if (!importer || !(source.startsWith("./") || source.startsWith("../"))) return null;
      const from = importer.replace(/[?#].*$/, "");
      return redirect(path.resolve(path.dirname(from), source), from) ?? null;
    },
  };
}
