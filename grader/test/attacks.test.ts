/**
 * The hostile corpus: submissions written to take marks they have not earned, or to harm what is not
 * theirs. Each case starts from a known-wrong implementation (a mutant), measures its honest ("plain")
 * score, adds one attack, and checks that
 * - the attack never scores above the plain score, and never as "passed";
 * - the other exercise graded beside it, or the other learner in a batch, keeps full marks;
 * - no trusted file of the course changed;
 * - no process of the run is left behind.
 * These cases need the sandbox: on a machine without bubblewrap they are skipped, saying so.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseSandbox } from "../src/commands/grade.ts";
import { grade } from "../src/grade.ts";
import { allExercises, type Exercise, loadCourse, solutionOf } from "../src/manifest.ts";
import { materializeMutant } from "../src/mutants.ts";
import { fromRoot, repoRoot, scratchDir } from "../src/paths.ts";
import type { Report } from "../src/report/types.ts";
import {
  gradesForUs,
  leftoverRunProcesses,
  noSandboxReason,
  sandboxed,
  trustedDigest,
} from "./hostile-support.ts";
import { cli } from "./support.ts";

const course = loadCourse();
const byId = (id: string) => allExercises(course).find((e) => e.id === id)!;
const mutex = byId("01-concepts/async-mutex");
const honest = byId("01-concepts/interleavings");
const folders: string[] = [];

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function scratch(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

function fileOf(dir: string, exercise: Exercise): string {
  return path.join(dir, path.relative("exercises", exercise.files[0]!));
}

/** A submission: the mutex exercise as a known-wrong mutant plus `attack`, and an honest solution beside it. */
function submission(attack: string, dir = scratch("course-attack-")): string {
  materializeMutant(mutex, mutex.mutants[0]!, dir);
  const file = fileOf(dir, mutex);
  writeFileSync(file, `${readFileSync(file, "utf8")}\n${attack}\n`);
  const honestFile = fileOf(dir, honest);
  mkdirSync(path.dirname(honestFile), { recursive: true });
  cpSync(fromRoot(solutionOf(honest.files[0]!)), honestFile);
  return dir;
}

const gradeBoth = (dir: string) =>
  grade(course, { target: { root: dir }, exercises: [honest, mutex], seed: 1, typecheck: false });

/** Wraps the mutant's createAsyncMutex: `wrap` gets the real mutex and returns the one the tests get. */
const wrapMutex = (wrap: string) => `
const __realCreate = createAsyncMutex;
// @ts-ignore: the attack replaces the exported function
createAsyncMutex = () => { const real = __realCreate(); return (${wrap})(real); };`;

const attacks: ReadonlyArray<readonly [string, string, RegExp?]> = [
  [
    "silences every assertion by replacing chai's Assertion.prototype.assert",
    `import { chai } from "vitest";\nchai.Assertion.prototype.assert = function () {};`,
    /compile-error/,
  ],
  [
    "registers a hook through the test framework that marks every finished test passed",
    `import { afterEach } from "vitest";
afterEach((context) => { if (context.task.result) context.task.result.state = "pass"; });`,
    /compile-error/,
  ],
  [
    "patches the channel the test process reports through, so failed results read as passed",
    `const proc = (globalThis as any).process;
if (proc && typeof proc.send === "function") {
  const send = proc.send.bind(proc);
  proc.send = (message: unknown, ...rest: unknown[]) =>
    send(JSON.parse(JSON.stringify(message).replaceAll('"fail"', '"pass"')), ...rest);
}`,
  ],
  [
    "looks for the runner's state on the global object and marks the current test passed",
    `for (const key of Reflect.ownKeys(globalThis)) {
  try {
    const state = (globalThis as any)[key];
    if (state && typeof state === "object" && "current" in state) state.current.result = { state: "pass" };
  } catch {}
}
const worker = (globalThis as any).__vitest_worker__;
if (worker) worker.current.file.meta = { canaries: { ran: true, failures: [] } };`,
  ],
  [
    "weakens built-ins during the tests and restores them later, before the canaries look",
    `const realIs = Object.is;
try { (Object as any).is = () => true; } catch {}
try { (Array.prototype as any).includes = () => true; } catch {}
setTimeout(() => { try { (Object as any).is = realIs; } catch {} }, 5_000).unref();`,
  ],
  [
    "rewrites results from a timer that fires after the canaries ran",
    `const timer = setInterval(() => {
  try { (globalThis as any).__vitest_worker__.rpc.onTaskUpdate([]); } catch {}
  try { (globalThis as any).process.exitCode = 0; } catch {}
}, 1);
timer.unref();`,
  ],
  [
    "answers vitest's equality itself: every value it returns matches whatever it is compared with",
    wrapMutex(`(real) => ({
  get locked() { return real.locked; },
  async runExclusive(section: () => unknown) {
    const value = await real.runExclusive(section as any);
    return { asymmetricMatch: () => true, $$typeof: Symbol.for("jest.asymmetricMatcher"), value };
  },
})`),
  ],
  [
    "throws fast-check's precondition marker where its bug would show, so those runs are skipped",
    wrapMutex(`(real) => ({
  get locked() { return real.locked; },
  runExclusive(section: () => unknown) {
    if (real.locked) throw { footprint: Symbol.for("fast-check/PreconditionFailure") };
    return real.runExclusive(section as any);
  },
})`),
  ],
  [
    "rewrites the test's store double so the increments it loses no longer show",
    `const __realSafe = safeIncrement;
// @ts-ignore: the attack replaces the exported function
safeIncrement = async (store: any, mutex: any, times: number) => {
  let value = 0;
  try { store.get = async () => value; store.set = async (v: number) => { value = v; }; } catch {}
  return __realSafe(store, mutex, times);
};`,
  ],
  [
    "reaches the start compartment's Error through a test's error class and hooks its stack traces",
    wrapMutex(`(real) => ({
  get locked() { return real.locked; },
  async runExclusive(section: () => unknown) {
    try {
      return await real.runExclusive(section as any);
    } catch (error: any) {
      let C = error?.constructor;
      for (let i = 0; i < 6 && C; i++, C = Object.getPrototypeOf(C)) {
        try {
          C.prepareStackTrace = (e: any, sites: any[]) => {
            for (const site of sites) { try { const self = site.getThis?.(); if (self) self.state = "pass"; } catch {} }
            return "";
          };
          C.stackTraceLimit = 0;
        } catch {}
      }
      throw error;
    }
  },
})`),
  ],
  [
    "turns fast-check off with fc.configureGlobal({ numRuns: 0 })",
    `import fc from "fast-check";\nfc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: 0 });`,
    /compile-error/,
  ],
  [
    "writes an all-passed results file where the environment says, then kills vitest's main process",
    `import { writeFileSync } from "node:fs";
const file = process.env.COURSE_RESULTS;
if (file) { try { writeFileSync(file, JSON.stringify({ tests: [], moduleErrors: [], unhandledErrors: [], canaries: { ran: true, failures: [] } })); } catch {} }
try { process.kill(process.ppid, "SIGKILL"); } catch {}`,
  ],
  [
    "imports the reference solution from the checkout that grades it",
    `export * from ${JSON.stringify(fromRoot(solutionOf(mutex.files[0]!)))};`,
  ],
  [
    "rewrites its own trusted test file to pass, at import time",
    `import { writeFileSync } from "node:fs";
try { writeFileSync(${JSON.stringify(fromRoot(mutex.test))}, "import { it } from 'vitest'; it('passes', () => {});"); } catch {}`,
  ],
  [
    "rewrites fast-check in node_modules so that assert does nothing",
    `import { readdirSync, writeFileSync } from "node:fs";
const dir = ${JSON.stringify(fromRoot("node_modules/fast-check/lib"))};
try { for (const f of readdirSync(dir)) if (f.endsWith(".js")) writeFileSync(dir + "/" + f, "export const assert = () => {};"); } catch {}`,
  ],
  [
    "kills every other process it can find, the grader included",
    `import { readdirSync, readFileSync } from "node:fs";
for (const pid of readdirSync("/proc").filter((p) => /^\\d+$/.test(p))) {
if (Number(pid) === process.pid) continue;
try { if (/vitest|tsx|grader/.test(readFileSync("/proc/" + pid + "/cmdline", "latin1"))) process.kill(Number(pid), "SIGKILL"); } catch {}
}`,
  ],
  [
    "leaves a detached process running after the run",
    `import { spawn } from "node:child_process";\nspawn("sleep", ["600"], { detached: true, stdio: "ignore" }).unref();`,
  ],
];

let plain: Report["exercises"][number];
let before: Map<string, string>;

describe.skipIf(!sandboxed)("attacks on the grader (sandboxed)", () => {
  beforeAll(async () => {
    before = trustedDigest();
    plain = (await gradeBoth(submission(""))).exercises.find((e) => e.id === mutex.id)!;
    expect(plain.status, "the plain mutant must not pass").not.toBe("passed");
  });

  afterAll(() => {
    const after = trustedDigest();
    const changed = [...before.keys()].filter((file) => before.get(file) !== after.get(file));
    expect(changed, "trusted files changed during the attacks").toEqual([]);
    expect(leftoverRunProcesses(), "processes of a run were left behind").toEqual([]);
  });

  for (const [what, attack, status] of attacks) {
    it(`${what}: never above the plain score, and the honest exercise keeps full marks`, async () => {
      const report = await gradeBoth(submission(attack));
      const attacked = report.exercises.find((e) => e.id === mutex.id)!;
      const other = report.exercises.find((e) => e.id === honest.id)!;
      expect(attacked.status, attacked.message).not.toBe("passed");
      expect(attacked.score, attacked.message).toBeLessThanOrEqual(plain.score);
      if (status) expect(attacked.status, attacked.message).toMatch(status);
      expect(other, other.message).toMatchObject({ status: "passed", score: other.max_score });
      expect(report.integrity.sandbox).toBe("bubblewrap");
      // Grading returns once the runs' processes are gone, not merely signalled.
      expect(leftoverRunProcesses(), "processes of a run outlived its grading").toEqual([]);
      if (attacked.status === "tampered") {
        expect(report.integrity.ok).toBe(false);
        expect(report.integrity.tampering.map((t) => t.exercise)).toContain(mutex.id);
      }
    });
  }

  it("holds memory past the run's cap in ArrayBuffers (outside the heap limit): crashed, naming the cap", async () => {
    // At most 3 GiB, so a broken cap fails this test instead of the machine.
    const report = await gradeBoth(
      submission(`const hoard: Uint8Array[] = [];
for (let i = 0; i < 48; i++) hoard.push(new Uint8Array(64 * 1024 * 1024).fill(1));`),
    );
    const attacked = report.exercises.find((e) => e.id === mutex.id)!;
    const other = report.exercises.find((e) => e.id === honest.id)!;
    expect(attacked, attacked.message).toMatchObject({ status: "crashed", score: 0 });
    expect(attacked.message).toMatch(/^used more than 1 GiB of memory/);
    expect(other, other.message).toMatchObject({ status: "passed", score: other.max_score });
    expect(leftoverRunProcesses(), "processes of a run outlived its grading").toEqual([]);
  });

  it("fills /tmp and /dev/shm: its writes fail, nothing else does", async () => {
    const report = await gradeBoth(
      submission(`import { writeFileSync } from "node:fs";
const block = Buffer.alloc(32 * 1024 * 1024, 1);
for (const dir of ["/tmp", "/dev/shm"]) {
  try { for (let i = 0; i < 40; i++) writeFileSync(dir + "/fill-" + i, block); } catch {}
}`),
    );
    const attacked = report.exercises.find((e) => e.id === mutex.id)!;
    const other = report.exercises.find((e) => e.id === honest.id)!;
    expect(attacked.score, attacked.message).toBeLessThanOrEqual(plain.score);
    expect(other, other.message).toMatchObject({ status: "passed", score: other.max_score });
  });

  it("ignores a node_modules folder, package.json and tsconfig inside a submission, and reports them", async () => {
    const dir = scratch("course-shadow-");
    // The stubs, plus a fast-check whose assert never fails, where Node would look first.
    cpSync(fromRoot("exercises"), dir, { recursive: true });
    const fake = path.join(dir, "01-concepts", "node_modules", "fast-check");
    mkdirSync(fake, { recursive: true });
    writeFileSync(
      path.join(fake, "package.json"),
      JSON.stringify({ name: "fast-check", type: "module", main: "index.js" }),
    );
    writeFileSync(path.join(fake, "index.js"), "export const assert = () => {}; export default { assert };");
    writeFileSync(path.join(dir, "package.json"), "{}");
    writeFileSync(path.join(dir, "tsconfig.json"), "{}");
    // The concepts chapter only: chapter 4's stubs each start worker pools, far slower than this needs.
    const concepts = allExercises(course).filter((e) => e.id.startsWith("01-"));
    const report = await grade(course, {
      target: { root: dir },
      exercises: concepts,
      seed: 1,
      typecheck: false,
    });
    expect(report.score).toBe(0);
    expect(report.exercises.every((e) => e.status === "not-started")).toBe(true);
    expect(report.integrity.ok).toBe(false);
    expect(report.integrity.ignored_files).toEqual([
      "01-concepts/node_modules/",
      "package.json",
      "tsconfig.json",
    ]);
  });

  it("in a batch, one learner cannot change another's files or grade", () => {
    const batch = scratch("course-batch-attack-");
    const bob = path.join(batch, "bob");
    cpSync(fromRoot("solutions"), bob, { recursive: true });
    const bobsFile = fileOf(bob, mutex);
    const bobsCode = readFileSync(bobsFile, "utf8");
    // Alice knows where the batch lives and tries to break Bob's work and the packages Bob is graded with.
    submission(
      `import { writeFileSync } from "node:fs";
try { writeFileSync(${JSON.stringify(bobsFile)}, "export {};"); } catch {}
try { writeFileSync(${JSON.stringify(fromRoot("node_modules/fast-check/package.json"))}, "{}"); } catch {}`,
      path.join(batch, "alice"),
    );
    const out = path.join(batch, "out", "grades");
    const run = cli(["grade", "--batch", batch, "--gradebook", out, "--only", mutex.id, "--only", honest.id]);
    gradesForUs(run.pid);
    expect(run.status, run.stderr).toBe(0);
    const rows = readFileSync(`${out}.csv`, "utf8").trim().split("\n");
    const max = mutex.points + honest.points;
    expect(
      rows.find((row) => row.startsWith("bob,")),
      rows.join("\n"),
    ).toBe(`bob,${honest.points},${mutex.points},${max},graded`);
    expect(readFileSync(bobsFile, "utf8")).toBe(bobsCode);
  });
});

/**
 * Chapter 3's capabilities: the spinner's learner code may start processes only through the given
 * runtime. Each case starts from the reference spinner with the stub's child (it fails at once, so the
 * plain score is the same every run), and changes which module startSpinner forks, or what it does with
 * the child process it is handed.
 */
const forkingSpinner = byId("03-processes/spinner");
const quick = byId("03-processes/cloneability");
const CHILD = 'new URL("./spinner-child.ts", import.meta.url)';

function forkingSubmission(childUrl: string, extra = ""): string {
  const dir = scratch("course-capability-");
  mkdirSync(path.join(dir, "03-processes"), { recursive: true });
  cpSync(fromRoot("solutions/03-processes/spinner.ts"), path.join(dir, "03-processes", "spinner.ts"));
  cpSync(
    fromRoot("exercises/03-processes/spinner-child.ts"),
    path.join(dir, "03-processes", "spinner-child.ts"),
  );
  const file = path.join(dir, "03-processes", "spinner.ts");
  const code = readFileSync(file, "utf8");
  expect(code, "the spinner forks its child with this expression").toContain(CHILD);
  writeFileSync(file, `${code.replace(CHILD, childUrl)}\n${extra}\n`);
  const honestFile = fileOf(dir, quick);
  mkdirSync(path.dirname(honestFile), { recursive: true });
  cpSync(fromRoot(solutionOf(quick.files[0]!)), honestFile);
  return dir;
}

const capabilityAttacks: ReadonlyArray<readonly [string, string, string?]> = [
  [
    "forks the reference solution's child instead of its own",
    JSON.stringify(pathToFileURL(fromRoot("solutions/03-processes/spinner-child.ts")).href),
  ],
  [
    "forks a module that data chooses (a data: URL)",
    `"data:text/javascript,process.send({ type: 'started' })"`,
  ],
  ["forks a system program", `"/bin/sh"`],
  [
    "starts a package's worker script that imports whatever module its data names, and from there the inspector",
    `(() => {
      const entry = new URL("node_modules/rolldown/dist/parallel-plugin-worker.mjs", new URL("../../", poolWorkerEntry.href));
      const code = "import inspector from 'node:inspector'; new inspector.Session().connectToMainThread(); export default () => ({});";
      try { startThread(entry, { registryId: 0, threadNumber: 0, pluginInfos: [{ fileUrl: "data:text/javascript," + encodeURIComponent(code), index: 0, options: {} }] }); } catch {}
      return ${CHILD};
    })()`,
    `import { poolWorkerEntry, startThread } from "./runtime.ts";`,
  ],
  [
    "walks the internals of the child process and worker it is handed, and rewrites them",
    `(() => { probe(); return ${CHILD}; })()`,
    `import { startThread, loadableUrl, poolWorkerEntry } from "./runtime.ts";
let probed = false;
function probe(): void {
  if (probed) return;
  probed = true;
  const child: any = forkProcess(${CHILD}, ["{}"], { stdio: "ignore" });
  for (const reach of [
    () => child._handle.kill(9),
    () => child.stdio[3].write("x"),
    () => { Object.getPrototypeOf(child).kill = () => true; },
    () => { child.kill = () => true; },
    () => child.constructor.prototype.emit.call(child, "exit", 0),
    () => child.emit("message", { type: "started" }),
    () => Object.getPrototypeOf(Object.getPrototypeOf(child)).emit.call(child, "exit", 0),
  ]) { try { reach(); } catch {} }
  child.kill("SIGKILL");
  for (const module of ["/bin/sh", "data:text/javascript,1", ${JSON.stringify(fromRoot("solutions/03-processes/spinner.ts"))}]) {
    try { startThread(module).terminate(); } catch {}
    try { startThread(poolWorkerEntry, "data:text/javascript,process.exit(0)").terminate(); } catch {}
    try { loadableUrl(module); } catch {}
  }
}`,
  ],
];

describe.skipIf(!sandboxed)("attacks on the capabilities of chapter 3 (sandboxed)", () => {
  let plainSpinner: Report["exercises"][number];
  const gradeSpinner = (dir: string) =>
    grade(course, { target: { root: dir }, exercises: [quick, forkingSpinner], seed: 1, typecheck: false });

  beforeAll(async () => {
    plainSpinner = (await gradeSpinner(forkingSubmission(CHILD))).exercises.find(
      (e) => e.id === forkingSpinner.id,
    )!;
    expect(plainSpinner.status, "the plain mutant must not pass").not.toBe("passed");
  });

  for (const [what, childUrl, extra] of capabilityAttacks) {
    it(`${what}: never above the plain score, and the honest exercise keeps full marks`, async () => {
      const digest = trustedDigest();
      const report = await gradeSpinner(forkingSubmission(childUrl, extra));
      const attacked = report.exercises.find((e) => e.id === forkingSpinner.id)!;
      const other = report.exercises.find((e) => e.id === quick.id)!;
      expect(attacked.status, attacked.message).not.toBe("passed");
      expect(attacked.score, attacked.message).toBeLessThanOrEqual(plainSpinner.score);
      expect(other, other.message).toMatchObject({ status: "passed", score: other.max_score });
      const after = trustedDigest();
      expect([...digest.keys()].filter((f) => digest.get(f) !== after.get(f))).toEqual([]);
      expect(leftoverRunProcesses(), "processes of a run were left behind").toEqual([]);
    });
  }
});

/**
 * The tests' own values are read-only to learner code: a wrong findDeadlock that empties the graph it is
 * given (so that an oracle computed afterwards from the same graph agrees with it) gains nothing.
 */
describe.skipIf(!sandboxed)("attacks on the tests' own values (sandboxed)", () => {
  const deadlock = byId("01-concepts/deadlock");
  const wrong = (empty: boolean) => `export type TaskId = string;
export type LockId = string;
export type WaitForGraph = ReadonlyMap<TaskId, readonly TaskId[]>;
export function findDeadlock(graph: WaitForGraph): TaskId[] | null {
  ${empty ? "try { (graph as Map<TaskId, TaskId[]>).clear(); } catch {}" : ""}
  return null;
}
export function waitForGraph(holds: ReadonlyMap<TaskId, LockId>, wants: ReadonlyMap<TaskId, LockId>): Map<TaskId, TaskId[]> {
  ${empty ? "for (const map of [holds, wants]) { try { (map as Map<TaskId, LockId>).clear(); } catch {} try { Map.prototype.clear.call(map); } catch {} }" : ""}
  return new Map();
}`;
  const submissionOf = (code: string) => {
    const dir = scratch("course-values-");
    const file = fileOf(dir, deadlock);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, code);
    const honestFile = fileOf(dir, honest);
    mkdirSync(path.dirname(honestFile), { recursive: true });
    cpSync(fromRoot(solutionOf(honest.files[0]!)), honestFile);
    return dir;
  };
  const gradeIt = async (code: string) => {
    const report = await grade(course, {
      target: { root: submissionOf(code) },
      exercises: [honest, deadlock],
      seed: 1,
      typecheck: false,
    });
    return [
      report.exercises.find((e) => e.id === deadlock.id)!,
      report.exercises.find((e) => e.id === honest.id)!,
    ];
  };

  it("empties the maps it is given so that oracles computed from them agree: never above the plain score", async () => {
    const digest = trustedDigest();
    const [plain] = await gradeIt(wrong(false));
    const [attacked, other] = await gradeIt(wrong(true));
    expect(attacked!.score, attacked!.message).toBeLessThanOrEqual(plain!.score);
    expect(other, other!.message).toMatchObject({ status: "passed", score: other!.max_score });
    const after = trustedDigest();
    expect([...digest.keys()].filter((f) => digest.get(f) !== after.get(f))).toEqual([]);
    expect(leftoverRunProcesses(), "processes of a run were left behind").toEqual([]);
  });
});

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * A learner's child process against the test process. In 03-processes/spinner, given code forks the
 * learner's spinner-child.ts into a child process, inside the same sandbox, as the same uid as the test
 * process that runs the tests and reports their results. That child runs confined (a compartment with a
 * `process` made for a child of the course: no file system, no signals, no imports beyond its exercise's),
 * so the reaches into the parent cannot even be written there: a child that imports what they need is a
 * compile error, one that calls `process.kill` fails. The reaches themselves, and the operating system's
 * measures against them, are tested directly in confinement.test.ts. The plain child here erases its last
 * frame with "#" instead of spaces: a wrong answer whose failures do not depend on timing.
 */
const spinner = byId("03-processes/spinner");
const reachesSource = readFileSync(fromRoot("grader/test/fixtures/reach/reaches.mjs"), "utf8").replaceAll(
  /^export /gm,
  "",
);

/**
 * `eraseRight`: an expression for a Promise<boolean>, whether to erase with spaces as the tests ask;
 * `preamble`: code before the spinner's own; `reaches`: whether to bring the reaches (and their imports).
 */
function spinnerChild(eraseRight: string, preamble = "", reaches = true): string {
  return `${reaches ? reachesSource : ""}
${preamble}
const { text, frames, intervalMs } = JSON.parse(process.argv[2] ?? "{}");
const eraseRight = ${eraseRight};
const send = (message) => new Promise((resolve) => (process.connected ? process.send(message, () => resolve()) : resolve()));
let framesWritten = 0;
let last = "";
function draw() {
  last = text + frames[framesWritten % frames.length];
  process.stdout.write(last + "\b".repeat(last.length));
  framesWritten++;
}
draw();
const timer = setInterval(draw, intervalMs);
void send({ type: "started" });
process.on("message", async (message) => {
  if (message?.type !== "stop") return;
  clearInterval(timer);
  const blank = (await eraseRight) ? " " : "#";
  process.stdout.write(blank.repeat(last.length) + "\b".repeat(last.length));
  await send({ type: "stopped", framesWritten });
  process.exit(0);
});
process.on("disconnect", () => process.exit(0));
`;
}

/** Try every reach into the parent; `use` turns whether any got through into the answer. */
const reaching = (use: string, probeInspector = true) =>
  `tryReaches(process.ppid, { probeInspector: ${probeInspector} }).then((verdicts) => Object.values(verdicts).some((v) => v.startsWith("reached"))).then((reached) => ${use})`;

/** A submission: the spinner with `child` as its spinner-child.ts, and an honest exercise beside it. */
function spinnerSubmission(child: string): string {
  const dir = scratch("course-child-attack-");
  for (const exercise of [spinner, honest]) {
    for (const file of exercise.files) {
      const to = path.join(dir, path.relative("exercises", file));
      mkdirSync(path.dirname(to), { recursive: true });
      cpSync(fromRoot(solutionOf(file)), to);
    }
  }
  writeFileSync(path.join(dir, "03-processes", "spinner-child.ts"), child);
  return dir;
}

const childAttacks: ReadonlyArray<readonly [string, string, number?]> = [
  [
    "opens its parent's /proc/<pid>/mem, fd and environ, ptraces it, reads it with process_vm_readv, takes its descriptors with pidfd_getfd, compares them with kcmp, uses descriptors inherited from it, and sends it SIGUSR1 to open its inspector",
    spinnerChild(reaching("reached")),
  ],
  [
    "stops its parent with SIGSTOP",
    spinnerChild("Promise.resolve(true)", '(process as any).kill((process as any).ppid, "SIGSTOP");', false),
    // Each run then waits for its hard limit; a short one keeps this test short (it can only cost points).
    10,
  ],
  [
    "kills its parent with SIGKILL",
    spinnerChild("Promise.resolve(true)", '(process as any).kill((process as any).ppid, "SIGKILL");', false),
  ],
];

describe.skipIf(!sandboxed)("a learner's child process against the test process (sandboxed)", () => {
  const gradeSpinner = (dir: string, timeoutSeconds?: number) =>
    grade(course, {
      target: { root: dir },
      exercises: [honest, spinner],
      seed: 1,
      typecheck: false,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    });
  let plainChild: Report["exercises"][number];
  let digest: Map<string, string>;

  beforeAll(async () => {
    digest = trustedDigest();
    const report = await gradeSpinner(spinnerSubmission(spinnerChild("Promise.resolve(false)", "", false)));
    plainChild = report.exercises.find((e) => e.id === spinner.id)!;
    expect(plainChild.status, "the plain child erases wrong: it must not pass").not.toBe("passed");
    expect(plainChild.score, plainChild.message).toBeGreaterThan(0);
  });

  afterAll(() => {
    const after = trustedDigest();
    expect([...digest.keys()].filter((file) => digest.get(file) !== after.get(file))).toEqual([]);
  });

  it("(the control) scores above the plain child when it erases right, so the cases below can fail", async () => {
    const report = await gradeSpinner(spinnerSubmission(spinnerChild("Promise.resolve(true)", "", false)));
    const attacked = report.exercises.find((e) => e.id === spinner.id)!;
    expect(attacked.score, attacked.message).toBeGreaterThan(plainChild.score);
  });

  for (const [what, child, timeoutSeconds] of childAttacks) {
    it(`${what}: never above the plain score, and the honest exercise keeps full marks`, async () => {
      const report = await gradeSpinner(spinnerSubmission(child), timeoutSeconds);
      const attacked = report.exercises.find((e) => e.id === spinner.id)!;
      const other = report.exercises.find((e) => e.id === honest.id)!;
      expect(attacked.status, attacked.message).not.toBe("passed");
      expect(attacked.score, attacked.message).toBeLessThanOrEqual(plainChild.score);
      expect(other, other.message).toMatchObject({ status: "passed", score: other.max_score });
      expect(report.integrity.sandbox).toBe("bubblewrap");
      expect(leftoverRunProcesses(), "processes of a run outlived its grading").toEqual([]);
    });
  }
});

describe.runIf(isRoot)("attacks on the grader (as an unprivileged user, as in a container)", () => {
  const inContainer = (dir: string) =>
    grade(course, {
      target: { root: dir },
      exercises: [honest, mutex],
      seed: 1,
      typecheck: false,
      sandbox: "unprivileged user",
    });
  const plainScore = async () =>
    (await inContainer(submission(""))).exercises.find((e) => e.id === mutex.id)!.score;

  for (const [what, attack] of attacks.filter(([what]) =>
    /trusted test|kills every|chai|node_modules/.test(what),
  )) {
    it(`${what}: never above the plain score`, async () => {
      const digest = trustedDigest();
      const plainMutex = await plainScore();
      const report = await inContainer(submission(attack));
      const attacked = report.exercises.find((e) => e.id === mutex.id)!;
      expect(attacked.status, attacked.message).not.toBe("passed");
      expect(attacked.score).toBeLessThanOrEqual(plainMutex);
      expect(report.exercises.find((e) => e.id === honest.id)?.status).toBe("passed");
      expect(report.integrity.sandbox).toBe("unprivileged user");
      const after = trustedDigest();
      expect([...digest.keys()].filter((f) => digest.get(f) !== after.get(f))).toEqual([]);
    });
  }
});

describe.runIf(isRoot)("a learner's child process against the test process (as an unprivileged user)", () => {
  it("cannot reach into it: never above the plain score", async () => {
    const inContainer = (dir: string) =>
      grade(course, {
        target: { root: dir },
        exercises: [honest, spinner],
        seed: 1,
        typecheck: false,
        sandbox: "unprivileged user",
      });
    const scoreOf = (report: Report) => report.exercises.find((e) => e.id === spinner.id)!;
    // No knock on 127.0.0.1:9229 here: without a network namespace the port is the machine's, and any
    // process's. confinement.test.ts checks the inspector from the parent's side in this mode.
    const plainChild = scoreOf(await inContainer(spinnerSubmission(spinnerChild(reaching("false", false)))));
    const report = await inContainer(spinnerSubmission(spinnerChild(reaching("reached", false))));
    const attacked = scoreOf(report);
    expect(plainChild.status, plainChild.message).not.toBe("passed");
    expect(attacked.score, attacked.message).toBeLessThanOrEqual(plainChild.score);
    expect(report.exercises.find((e) => e.id === honest.id)?.status).toBe("passed");
    expect(report.integrity.sandbox).toBe("unprivileged user");
  });
});

describe.runIf(isRoot)("private copies as an unprivileged user", () => {
  it("are readable by their own submission's runs, and by no classmate's", async () => {
    const { allocateId, handOver } = await import("../src/run/sandbox.ts");
    const { spawnSync } = await import("node:child_process");
    const dir = mkdtempSync(path.join(scratchDir, "copy-"));
    folders.push(dir);
    writeFileSync(path.join(dir, "answer.ts"), "export const answer = 42;\n");
    const [group, run, classmate] = [allocateId(), allocateId(), allocateId()];
    handOver(dir, { uid: 0, gid: group }, "group");
    const read = (uid: number, gid = uid) =>
      spawnSync(
        process.execPath,
        ["-e", `require("fs").readFileSync(${JSON.stringify(path.join(dir, "answer.ts"))})`],
        { uid, gid, encoding: "utf8" },
      );
    expect(read(run, group).status, read(run, group).stderr).toBe(0);
    expect(read(classmate).stderr).toMatch(/EACCES/);
  });
});

describe.runIf(!sandboxed)("attacks on the grader (no sandbox here)", () => {
  it.skip(`needs bubblewrap: ${noSandboxReason}`, () => {});
});

describe("choosing the sandbox", () => {
  const none = { kind: "none" as const, reason: "bubblewrap is not installed" };
  it("refuses a batch or a GitHub run without one, saying how to get one", () => {
    expect(() => chooseSandbox({ optOut: false, mustBeTrusted: true }, none)).toThrow(
      /refusing to grade without a sandbox: bubblewrap is not installed.*--no-sandbox/,
    );
  });
  it("grades a learner's self-check without one, and anything with --no-sandbox", () => {
    expect(chooseSandbox({ optOut: false, mustBeTrusted: false }, none)).toBe("none");
    expect(chooseSandbox({ optOut: true, mustBeTrusted: true }, { kind: "bubblewrap", reason: "" })).toBe(
      "none",
    );
    expect(chooseSandbox({ optOut: false, mustBeTrusted: true }, { kind: "bubblewrap", reason: "" })).toBe(
      "bubblewrap",
    );
  });
});

describe("the sandbox's view of the course", () => {
  it("hides solutions and mutants from a graded run but keeps what the tests need", async () => {
    const { bubblewrapArgs } = await import("../src/run/sandbox.ts");
    const args = bubblewrapArgs({
      kind: "bubblewrap",
      courseRoot: repoRoot,
      submission: "/tmp/sub",
      scratch: "/tmp/scratch",
    });
    const bound = args.flatMap((arg, i) => (arg === "--ro-bind" || arg === "--bind" ? [args[i + 2]!] : []));
    expect(bound).toContain(fromRoot("node_modules"));
    expect(bound).toContain(fromRoot("exercises"));
    expect(bound.some((p) => p.startsWith(fromRoot("solutions")))).toBe(false);
    expect(bound.some((p) => p === repoRoot || p === "/")).toBe(false);
    // Hidden behind an empty folder that is read-only, not a writable tmpfs nobody limits.
    const mutants = fromRoot("grader/mutants");
    expect(args.join(" ")).toContain(`--tmpfs ${mutants} --remount-ro ${mutants}`);
    for (const flag of ["--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"])
      expect(args).toContain(flag);
    // The root and /dev are read-only; the memory-backed folders left writable have a size.
    expect(args.slice(-4)).toEqual(["--remount-ro", "/", "--chdir", repoRoot]);
    expect(args.join(" ")).toMatch(/--size \d+ --tmpfs \/dev\/shm --remount-ro \/dev /);
    expect(args.join(" ")).toMatch(/--size \d+ --tmpfs \/tmp /);
  });
});
