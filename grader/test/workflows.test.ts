import { describe, expect, it } from "vitest";
import { parse } from "yaml";
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

  it("grade from the base commit's checkout and read the pull request's only as data", () => {
    const text = byName("grade.yml").text;
    type Step = { uses?: string; run?: string; with?: unknown; "working-directory"?: string };
    const workflow = parse(text) as { jobs: { grade: { steps: Step[] } } };
    const steps = workflow.jobs.grade.steps;
    const checkouts = steps.filter((s) => String(s.uses).startsWith("actions/checkout@"));
    expect(checkouts.map((s) => s.with)).toEqual([
      {
        ref: expect.stringMatching(/^\$\{\{ github\.event\.pull_request\.base\.sha \}\}$/),
        path: "base",
        "persist-credentials": false,
      },
      {
        ref: expect.stringMatching(/^\$\{\{ github\.event\.pull_request\.head\.sha \}\}$/),
        path: "head",
        "fetch-depth": 0,
        "persist-credentials": false,
      },
    ]);
    const runs = steps.filter((s): s is Step & { run: string } => typeof s.run === "string");
    // Everything that runs, runs in the base folder or outside both; nothing in the pull request's.
    expect(runs.every((s) => s["working-directory"] === undefined || s["working-directory"] === "base")).toBe(
      true,
    );
    const order = [
      "npm ci --no-audit --no-fund --ignore-scripts",
      "sudo apt-get install -y bubblewrap",
      "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
      "ci integrity",
      "npm run grade -- --dir ../head",
      "pull-request.json",
    ].map((s) => text.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const grade = runs.find((s) => s.run.includes("npm run grade"))!;
    expect(grade["working-directory"]).toBe("base");
    expect(grade.run).toMatch(/--integrity \.\.\/grade-output\/integrity\.json/);
    expect(text).toMatch(/AppArmor/);
    expect(text).not.toMatch(/ci restore|git checkout/);
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

  describe("for the job that grades a pull request", () => {
    const grading = `name: g
on: pull_request
permissions:
  contents: read
jobs:
  g:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
        with:
          ref: \${{ github.event.pull_request.base.sha }}
          path: base
          persist-credentials: false
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
        with:
          ref: \${{ github.event.pull_request.head.sha }}
          path: head
          persist-credentials: false
      - working-directory: base
        run: npm ci --ignore-scripts
      - working-directory: base
        run: npm run grade -- --dir ../head
`;

    it("accept grading from the base tree", () => {
      expect(securityProblems(file(grading))).toEqual([]);
    });

    it.each([
      [
        "no checkout of the base commit",
        grading.replace("pull_request.base.sha", "pull_request.head.sha"),
        /does not check out the base commit/,
      ],
      [
        "the base commit checked out over the workspace",
        grading.replace("          path: base\n", ""),
        /does not check out the base commit .* into a folder of its own/,
      ],
      [
        "no separate checkout of the pull request",
        grading.replace("pull_request.head.sha", "pull_request.base.sha"),
        /without checking out its head/,
      ],
      [
        "grading without --dir",
        grading.replace("npm run grade -- --dir ../head", "npm run grade"),
        /must grade from the base commit's checkout/,
      ],
      [
        "grading from the wrong folder",
        grading.replace(
          "      - working-directory: base\n        run: npm run grade",
          "      - run: npm run grade",
        ),
        /must grade from the base commit's checkout/,
      ],
      ["install scripts", grading.replace("npm ci --ignore-scripts", "npm ci"), /--ignore-scripts/],
      [
        "anything run inside the pull request's checkout",
        grading.replace(
          "      - working-directory: base\n        run: npm ci",
          "      - working-directory: head\n        run: npm ci",
        ),
        /inside head\/, the pull request's checkout, which is data only/,
      ],
    ])("flag %s", (_case, text, message) => {
      expect(securityProblems(file(text)).join("\n")).toMatch(message);
    });
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
