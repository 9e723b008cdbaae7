import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { courseFiles } from "../files.ts";
import { repoRoot, userPath } from "../paths.ts";
import { UsageError } from "./errors.ts";

/** Paths (relative, forward slashes) that stay out of the template; a trailing "/" means a folder. */
export const EXCLUDED = [
  "solutions/",
  "grader/mutants/",
  // Mutation testing runs over solutions/, which the template does not have.
  "grader/mutation/",
  "grader/test/",
  ".github/workflows/ci.yml",
  // The class re-grade belongs in the teacher's own private repository, not in the learners' template.
  ".github/workflows/regrade.yml",
  ".ci/",
] as const;

const MAINTAINER_SCRIPTS = ["verify", "test:grader", "mutation"];
const README_CUT = /<!-- maintainers:start -->[\s\S]*?<!-- maintainers:end -->\n?/g;

export async function exportCommand(argv: readonly string[]): Promise<number> {
  const [dir, ...rest] = argv;
  if (!dir || rest.length > 0)
    throw new UsageError("usage: npm run export -- <dir>   (the folder must not exist yet, or be empty)");
  const target = userPath(dir);
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
    throw new UsageError(
      `${dir} already exists and is not empty; give a new folder, so nothing of yours is overwritten`,
    );
  }
  const files = exportedFiles();
  for (const file of files) {
    const from = path.join(repoRoot, file);
    const to = path.join(target, file);
    mkdirSync(path.dirname(to), { recursive: true });
    const transform = TRANSFORMS[file];
    if (transform) writeFileSync(to, transform(readFileSync(from, "utf8")));
    else copyFileSync(from, to);
  }
  console.log(`Wrote the learners' template (${files.length} files) to ${target}.`);
  console.log(
    "Next: cd there, git init, commit, push to a new GitHub repository, and mark it as a template.",
  );
  return 0;
}

/** The repository's files (tracked, plus new ones not ignored), minus what learners must not have. */
export function exportedFiles(): string[] {
  return courseFiles().filter(
    (file) => !EXCLUDED.some((x) => (x.endsWith("/") ? file.startsWith(x) : file === x)),
  );
}

const TRANSFORMS: Readonly<Record<string, (text: string) => string>> = {
  "README.md": (text) => text.replace(README_CUT, ""),
  "package.json": (text) => {
    const pkg = JSON.parse(text) as { scripts: Record<string, string> };
    for (const name of MAINTAINER_SCRIPTS) delete pkg.scripts[name];
    return `${JSON.stringify(pkg, null, 2)}\n`;
  },
  "grader/course.json": (text) => {
    // Mutants stay with the course's maintainers.
    const course = JSON.parse(text) as { chapters: Array<{ exercises: Array<{ mutants: unknown[] }> }> };
    for (const chapter of course.chapters) for (const exercise of chapter.exercises) exercise.mutants = [];
    return `${JSON.stringify(course, null, 2)}\n`;
  },
};
