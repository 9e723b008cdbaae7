/** The course's own files: what git tracks, plus new files it does not ignore. */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.ts";

/** Relative paths of the course's regular files (a symlinked folder such as node_modules is not one). */
export function courseFiles(root = repoRoot): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter(
      (file) => file !== "" && existsSync(path.join(root, file)) && lstatSync(path.join(root, file)).isFile(),
    )
    .sort();
}
