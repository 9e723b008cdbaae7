/**
 * Folders a test hands to learner code. Learner code opens files only through its exercise's node:fs
 * facade, and only inside folders handed over this way (grader/src/confine/capabilities.ts); the test
 * setup takes them back after each test.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { grantFolder } from "../src/confine/capabilities.ts";

/** A new temp folder, named after `prefix`, in which the code under test may open files. */
export function folderForLearner(prefix: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), prefix));
  grantFolder(folder);
  return folder;
}
