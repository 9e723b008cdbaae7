/** Reading a submission's files without following links: every step below the named folder is checked. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWithoutLinks, readWithoutLinksByPath } from "../src/run/no-links.ts";

const root = mkdtempSync(path.join(tmpdir(), "course-no-links-"));
const secret = path.join(root, "solutions");
const named = path.join(root, "named");
const viaLink = path.join(root, "via-link");

beforeAll(() => {
  mkdirSync(path.join(secret, "01-concepts"), { recursive: true });
  writeFileSync(path.join(secret, "01-concepts", "a.ts"), "the answer\n");
  mkdirSync(path.join(named, "alice", "01-concepts"), { recursive: true });
  writeFileSync(path.join(named, "alice", "01-concepts", "a.ts"), "mine\n");
  writeFileSync(path.join(named, "alice", "01-concepts", "big.ts"), "x".repeat(101));
  symlinkSync(path.join(secret, "01-concepts", "a.ts"), path.join(named, "alice", "01-concepts", "b.ts"));
  mkdirSync(path.join(named, "bob"));
  symlinkSync(path.join(secret, "01-concepts"), path.join(named, "bob", "01-concepts"));
  symlinkSync(path.join(named, "alice"), path.join(named, "carol"));
  execFileSync("mkfifo", [path.join(named, "alice", "01-concepts", "fifo.ts")]);
  // The user's own way to the named folder may go through a link: that is theirs to choose.
  symlinkSync(named, viaLink);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  ["step by step from each opened folder", readWithoutLinks],
  ["step by step with lstat (where /proc is missing)", readWithoutLinksByPath],
])("reading without links, %s", (_, readFrom) => {
  const read = (...steps: string[]) => readFrom(named, steps, 100);

  it("reads a real file through real folders", () => {
    const found = read("alice", "01-concepts", "a.ts");
    expect(found.kind === "file" && found.bytes.toString()).toBe("mine\n");
  });

  it("takes the named folder as the user gave it, even through a link", () => {
    const found = readFrom(viaLink, ["alice", "01-concepts", "a.ts"], 100);
    expect(found.kind === "file" && found.bytes.toString()).toBe("mine\n");
  });

  it("refuses a link at any step, naming the steps up to it", () => {
    expect(read("alice", "01-concepts", "b.ts")).toEqual({
      kind: "link",
      link: "alice/01-concepts/b.ts",
      isTheFile: true,
    });
    expect(read("bob", "01-concepts", "a.ts")).toEqual({
      kind: "link",
      link: "bob/01-concepts",
      isTheFile: false,
    });
    expect(read("carol", "01-concepts", "a.ts")).toEqual({ kind: "link", link: "carol", isTheFile: false });
  });

  it("tells a missing file from one that is there but cannot be taken, without blocking on a FIFO", () => {
    expect(read("alice", "01-concepts", "none.ts")).toEqual({ kind: "missing" });
    expect(read("nobody", "01-concepts", "a.ts")).toEqual({ kind: "missing" });
    expect(read("alice", "01-concepts", "a.ts", "deeper.ts")).toEqual({ kind: "missing" });
    expect(read("alice", "01-concepts")).toEqual({ kind: "not-a-file" });
    expect(read("alice", "01-concepts", "fifo.ts")).toEqual({ kind: "not-a-file" });
    expect(read("alice", "01-concepts", "big.ts")).toEqual({ kind: "too-large", bytes: 101 });
    expect(readFrom(path.join(root, "absent"), ["a.ts"], 100)).toEqual({ kind: "missing" });
  });
});
