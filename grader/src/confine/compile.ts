/**
 * A learner's TypeScript module, compiled into a program a compartment can evaluate.
 *
 * The module becomes one function expression `(require, module, exports, importMetaUrl) => …`: its
 * imports turn into calls of a `require` the course gives it (the only way a learner module reaches
 * any other module), `import()` likewise, and `import.meta.url` into a parameter. esbuild does the work;
 * it is fast enough (about a millisecond a file) to run wherever a learner module is loaded.
 */

import { pathToFileURL } from "node:url";
import { type BuildFailure, buildSync, type Message, transformSync } from "esbuild";

/** Everything needed to evaluate a learner module, as plain data (it is posted to worker threads). */
export interface CompiledModule {
  /** The learner file, absolute. */
  readonly file: string;
  /** A function expression of (require, module, exports, importMetaUrl), ending with its sourceURL. */
  readonly program: string;
  /** The specifiers the module requires, in order (type-only imports are gone). */
  readonly imports: readonly string[];
  /** The names it exports. */
  readonly exports: readonly string[];
  /** The source map of `program` (compiled positions → the learner's file), as JSON. */
  readonly sourceMap: string;
}

/** A learner file that does not compile: the first error, with its line and column. */
export class LearnerCompileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = "LearnerCompileError";
  }
}

/** How many lines the wrapper puts before the module's first line (stack positions are shifted by it). */
export const PROGRAM_LINE_OFFSET = 1;

const IMPORT_META_URL = "__courseImportMetaUrl";

export function compileLearnerModule(file: string, source: string): CompiledModule {
  const esm = run(file, () =>
    buildSync({
      stdin: { contents: source, loader: "ts", sourcefile: file },
      write: false,
      format: "esm",
      metafile: true,
      bundle: false,
      platform: "node",
      target: "node20",
      logLevel: "silent",
    }),
  );
  const output = Object.values(esm.metafile?.outputs ?? {})[0];
  const cjs = run(file, () =>
    transformSync(source, {
      loader: "ts",
      format: "cjs",
      sourcefile: file,
      target: "node20",
      platform: "node",
      sourcemap: "external",
      // import() becomes a require: a compartment refuses source that says "import(".
      supported: { "dynamic-import": false },
      define: { "import.meta.url": IMPORT_META_URL },
      logLevel: "silent",
    }),
  );
  const program =
    `(function (require, module, exports, ${IMPORT_META_URL}) {\n${cjs.code}\n})\n` +
    `//# sourceURL=${pathToFileURL(file).href}\n`;
  return {
    file,
    program,
    imports: [...new Set((output?.imports ?? []).map((entry) => entry.path))],
    exports: output?.exports ?? [],
    sourceMap: cjs.map,
  };
}

function run<T>(file: string, compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    const first: Message | undefined = (error as BuildFailure).errors?.[0];
    if (!first) throw error;
    throw new LearnerCompileError(
      file,
      first.location?.line ?? 1,
      (first.location?.column ?? 0) + 1,
      first.text,
    );
  }
}
