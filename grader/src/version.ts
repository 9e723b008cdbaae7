import { readFileSync } from "node:fs";
import { fromRoot } from "./paths.ts";

/** The grader's version: the course package's version, recorded in every report. */
export const graderVersion: string = (
  JSON.parse(readFileSync(fromRoot("package.json"), "utf8")) as { version: string }
).version;
