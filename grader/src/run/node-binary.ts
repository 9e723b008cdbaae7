/**
 * A copy of the node binary that nobody may read (mode 0111), run in place of node inside the sandbox.
 *
 * Executing a file the process cannot read makes it non-dumpable (the kernel's rule, so that a
 * process cannot be inspected to read what it could not read itself). A non-dumpable process can be
 * traced, read through /proc/<pid>/mem, reached with process_vm_readv/writev or pidfd_getfd, or have
 * its /proc/<pid>/fd and environ opened, only by a process with CAP_SYS_PTRACE over it, and nothing in
 * the sandbox has a capability. So the test process, and every node process it starts, is out of reach
 * of a learner's child process of the same uid: on this kernel, without Yama, nothing else keeps them
 * apart. Read-only mounts (bubblewrap) or ownership by another uid ("unprivileged user") keep the copy
 * from being made readable again.
 *
 * One copy per node binary and grader version, cached under .grade-tmp; the first grading after an
 * upgrade makes it (about 0.2 s for Node's 100 MB).
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import path from "node:path";
import { scratchDir } from "../paths.ts";
import { graderVersion } from "../version.ts";

const EXECUTE_ONLY = 0o111;
const folder = path.join(scratchDir, "node-binary");

let made: string | undefined;

/** The path of the unreadable copy of `node` (made now if needed). */
export function unreadableNode(node: string = process.execPath): string {
  if (made) return made;
  const real = realpathSync(node);
  const { size, mtimeMs } = statSync(real);
  const key = createHash("sha256")
    .update(`${real}\0${size}\0${mtimeMs}\0${graderVersion}`)
    .digest("hex")
    .slice(0, 16);
  const dir = path.join(folder, key);
  const copy = path.join(dir, "node");
  if (!isReady(copy, size)) {
    // Others may be traversing to it as another uid: the folders stay searchable by everybody.
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(folder, 0o755);
    chmodSync(dir, 0o755);
    // Made aside and renamed: a grading running beside this one never executes half a binary.
    const partial = `${copy}.${process.pid}.partial`;
    copyFileSync(real, partial);
    chmodSync(partial, EXECUTE_ONLY);
    renameSync(partial, copy);
    removeOthers(key);
  }
  made = copy;
  return copy;
}

function isReady(copy: string, size: number): boolean {
  try {
    const stat = statSync(copy);
    return stat.size === size && (stat.mode & 0o777) === EXECUTE_ONLY;
  } catch {
    return false;
  }
}

/** Copies for other node versions or grader versions are not needed any more. */
function removeOthers(keep: string): void {
  for (const name of readdirSync(folder)) {
    if (name !== keep) rmSync(path.join(folder, name), { recursive: true, force: true });
  }
}
