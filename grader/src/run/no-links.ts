/**
 * Reading a file of a submission without following a symbolic link on the way to it.
 *
 * A link anywhere below the folder the user named (a batch entry, a clone's exercises/, a chapter folder,
 * the file itself) could point at what the grader must never take as the learner's work: solutions/, a
 * classmate's folder. So each step is opened on its own, refusing links, and the file is read from the
 * very descriptor that was checked. On Linux every step is opened relative to the folder opened before it
 * (through /proc/self/fd, Node's stand-in for openat), so nothing can swap a folder for a link between the
 * check and the read. Elsewhere each step is checked with lstat and the opened file is compared with the
 * one checked; only something rewriting the submission while it is copied could race that, and no
 * learner code runs before its copy is made.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  type Stats,
} from "node:fs";
import path from "node:path";

export type Found =
  | { readonly kind: "file"; readonly bytes: Buffer }
  | { readonly kind: "missing" }
  /** `link`: the steps up to the link, joined with "/"; it is the last step when the file itself is one. */
  | { readonly kind: "link"; readonly link: string; readonly isTheFile: boolean }
  | { readonly kind: "not-a-file" }
  | { readonly kind: "too-large"; readonly bytes: number };

/** O_NOFOLLOW is 0 where the platform lacks it (Windows): the lstat checks still stand. */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const DIRECTORY = constants.O_DIRECTORY ?? 0;
// A FIFO swapped in for a file must not block the grader: open without waiting, then refuse it by type.
const NON_BLOCK = constants.O_NONBLOCK ?? 0;

const relativeOpen = process.platform === "linux" && existsSync("/proc/self/fd");

/**
 * Read `steps` (path components, e.g. ["alice", "01-concepts", "actor.ts"]) below `folder`, at most
 * `maxBytes` of it. `folder` itself is opened as it is: how the user's folder is reached is theirs to say.
 */
export function readWithoutLinks(folder: string, steps: readonly string[], maxBytes: number): Found {
  return relativeOpen
    ? readRelative(folder, steps, maxBytes)
    : readWithoutLinksByPath(folder, steps, maxBytes);
}

/** True when every step below `folder` is a real folder, none of them a link. */
export function isRealFolder(folder: string, steps: readonly string[]): boolean {
  let current = folder;
  for (const step of steps) {
    current = path.join(current, step);
    const stat = lstatSync(current, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) return false;
  }
  return true;
}

function readRelative(folder: string, steps: readonly string[], maxBytes: number): Found {
  const open: number[] = [];
  try {
    let dir = openSync(folder, constants.O_RDONLY | DIRECTORY);
    open.push(dir);
    for (const [index, step] of steps.entries()) {
      const isTheFile = index === steps.length - 1;
      const where = `/proc/self/fd/${dir}/${step}`;
      const stat = lstatSync(where, { throwIfNoEntry: false });
      if (!stat) return { kind: "missing" };
      if (stat.isSymbolicLink()) return linkAt(steps, index);
      if (!isTheFile && !stat.isDirectory()) return { kind: "missing" };
      if (isTheFile && !stat.isFile()) return { kind: "not-a-file" };
      const flags = constants.O_RDONLY | NO_FOLLOW | NON_BLOCK | (isTheFile ? 0 : DIRECTORY);
      let fd: number;
      try {
        fd = openSync(where, flags);
      } catch (error) {
        // Replaced since the lstat above: by a link (refused by O_NOFOLLOW), or removed.
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ELOOP" || code === "ENOTDIR") return linkAt(steps, index);
        return { kind: "missing" };
      }
      open.push(fd);
      if (isTheFile) return readOpened(fd, maxBytes);
      dir = fd;
    }
    return { kind: "missing" };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw error;
  } finally {
    for (const fd of open) closeSync(fd);
  }
}

/** The portable way, step by step with lstat, used where /proc is missing; see the top of this file. */
export function readWithoutLinksByPath(folder: string, steps: readonly string[], maxBytes: number): Found {
  let current = folder;
  let last: Stats | undefined;
  for (const [index, step] of steps.entries()) {
    current = path.join(current, step);
    last = lstatSync(current, { throwIfNoEntry: false });
    if (!last) return { kind: "missing" };
    if (last.isSymbolicLink()) return linkAt(steps, index);
    if (index < steps.length - 1 && !last.isDirectory()) return { kind: "missing" };
  }
  if (!last?.isFile()) return { kind: "not-a-file" };
  let fd: number;
  try {
    fd = openSync(current, constants.O_RDONLY | NO_FOLLOW | NON_BLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return linkAt(steps, steps.length - 1);
    if (code === "ENOENT") return { kind: "missing" };
    throw error;
  }
  try {
    const opened = fstatSync(fd);
    // Not the file checked above: something was swapped in on the way.
    if (opened.dev !== last.dev || opened.ino !== last.ino) return linkAt(steps, steps.length - 1);
    return readOpened(fd, maxBytes);
  } finally {
    closeSync(fd);
  }
}

function readOpened(fd: number, maxBytes: number): Found {
  const stat = fstatSync(fd);
  if (!stat.isFile()) return { kind: "not-a-file" };
  if (stat.size > maxBytes) return { kind: "too-large", bytes: stat.size };
  // Read to the end rather than trusting the size: the file may grow while it is read.
  const buffer = Buffer.alloc(maxBytes + 1);
  let length = 0;
  for (;;) {
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
    if (length > maxBytes) return { kind: "too-large", bytes: length };
  }
  return { kind: "file", bytes: buffer.subarray(0, length) };
}

function linkAt(steps: readonly string[], index: number): Found {
  return { kind: "link", link: steps.slice(0, index + 1).join("/"), isTheFile: index === steps.length - 1 };
}
