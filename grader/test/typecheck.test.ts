/**
 * Type-checking learner files under a CPU-time and a memory limit (run/typecheck.ts): a file whose types
 * are too heavy is a compile-error that says so, and costs no other exercise its grade, even one that
 * imports it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { grade } from "../src/grade.ts";
import { allExercises, loadCourse } from "../src/manifest.ts";
import { fromRoot, solutionsDir } from "../src/paths.ts";
import { typecheck } from "../src/run/typecheck.ts";

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/**
 * Types that keep the compiler busy: each Heavy<N> compares two mapped types of 64,000 keys. On two
 * cores, 20 of them take 4.7 s of CPU and 740 MiB, and it grows linearly: 200 take minutes and gigabytes,
 * far past the small limits below (which the course's own files stay far under: 0.1 s and 50 MiB).
 */
const typeBomb = (checks: number) => `
type Letter = "a"|"b"|"c"|"d"|"e"|"f"|"g"|"h"|"i"|"j"|"k"|"l"|"m"|"n"|"o"|"p"|"q"|"r"|"s"|"t"|"u"|"v"|"w"|"x"|"y"|"z"|"A"|"B"|"C"|"D"|"E"|"F"|"G"|"H"|"I"|"J"|"K"|"L"|"M"|"N";
type Key = \`\${Letter}\${Letter}\${Letter}\`;
type Wide<T> = { [K in Key]: { key: K; tag: T } };
type Heavy<T> = Wide<T> extends Wide<[T]> ? 1 : 0;
export type Bomb = [${Array.from({ length: checks }, (_, i) => `Heavy<${i}>`).join(", ")}];
`;

/**
 * The reference solutions of chapters 1 and 3, with the type bomb in 03-processes/pool.ts (which
 * spinner.ts imports a type from) and a plain type error in 01-concepts/interleavings.ts.
 */
function submission(): { dir: string; files: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), "course-typecheck-"));
  folders.push(dir);
  for (const chapter of ["01-concepts", "03-processes"])
    cpSync(path.join(solutionsDir, chapter), path.join(dir, chapter), { recursive: true });
  const at = (file: string) => path.join(dir, file);
  writeFileSync(at("03-processes/pool.ts"), readFileSync(at("03-processes/pool.ts"), "utf8") + typeBomb(200));
  writeFileSync(
    at("01-concepts/interleavings.ts"),
    `${readFileSync(at("01-concepts/interleavings.ts"), "utf8")}\nexport const wrong: number = "text";\n`,
  );
  const files = Object.fromEntries(
    [
      "03-processes/pool.ts",
      "03-processes/spinner.ts",
      "03-processes/spinner-child.ts",
      "01-concepts/interleavings.ts",
    ].map((file) => [file, at(file)]),
  );
  return { dir, files };
}

describe("type-checking under limits", () => {
  it("names the file whose types take too long, and still checks every other file", async () => {
    const { dir, files } = submission();
    const diagnostics = await typecheck(Object.values(files), dir, path.join(dir, ".work"), {
      limits: { seconds: 2, memoryMiB: 4096 },
    });
    const byFile = (file: string) => diagnostics.filter((d) => d.file === files[file]);
    expect(byFile("03-processes/pool.ts")).toEqual([
      {
        file: files["03-processes/pool.ts"],
        line: 1,
        column: 1,
        message: "type-checking your file took longer than 2 s: simplify its types",
        limit: "cpu",
      },
    ]);
    // spinner.ts imports from pool.ts: checked against pool's stub, it is clean.
    expect(byFile("03-processes/spinner.ts")).toEqual([]);
    expect(byFile("03-processes/spinner-child.ts")).toEqual([]);
    expect(byFile("01-concepts/interleavings.ts").map((d) => d.message)).toEqual([
      "TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  });

  it("names the file whose types take too much memory", async () => {
    const { dir, files } = submission();
    const diagnostics = await typecheck([files["03-processes/pool.ts"]!], dir, path.join(dir, ".work"), {
      limits: { seconds: 600, memoryMiB: 256 },
    });
    expect(diagnostics.map((d) => [d.limit, d.message])).toEqual([
      ["memory", "type-checking your file took more than 256 MiB of memory: simplify its types"],
    ]);
  });

  it("reports every diagnostic as before when nothing goes past a limit", async () => {
    const { dir, files } = submission();
    writeFileSync(files["03-processes/pool.ts"]!, readFileSync(fromRoot("solutions/03-processes/pool.ts")));
    const diagnostics = await typecheck(Object.values(files), dir, path.join(dir, ".work"));
    expect(diagnostics.map((d) => [path.relative(dir, d.file), d.line, d.limit])).toEqual([
      ["01-concepts/interleavings.ts", expect.any(Number), undefined],
    ]);
  });

  it("when grading, makes that exercise a compile-error and leaves the others their grade", async () => {
    const { dir } = submission();
    const course = loadCourse();
    const strict = { ...course, grading: { ...course.grading, typecheckSeconds: 2 } };
    const exercises = allExercises(course).filter((e) =>
      ["03-processes/pool", "01-concepts/async-mutex"].includes(e.id),
    );
    const report = await grade(strict, { target: { root: dir }, exercises, seed: 1 });
    const [mutex, pool] = report.exercises;
    expect(pool, pool?.message).toMatchObject({
      status: "compile-error",
      score: 0,
      message:
        "exercises/03-processes/pool.ts: type-checking your file took longer than 2 s: simplify its types",
    });
    expect(mutex, mutex?.message).toMatchObject({ status: "passed", score: mutex?.max_score });
  });
});
