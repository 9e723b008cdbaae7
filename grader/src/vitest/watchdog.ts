/**
 * A watchdog for synchronous hangs. vitest's timeouts are timers on the very thread a `while (true) {}`
 * or an `Atomics.wait` blocks, so they never fire and the run never ends. A worker thread is not
 * blocked: it watches how long the current test has run and, past the limit, says which test hung and
 * kills this test process. vitest then reports the tests as unfinished and the run completes; after a
 * plain `npm test` the learner sees why instead of a frozen terminal.
 */
import { Worker } from "node:worker_threads";

const RUNNING = 0; // 1 while a test runs
const STARTED = 1; // Float64 slot index (in the second view) of the test's start, ms since epoch

export interface Watchdog {
  testStarted(name: string): void;
  testFinished(): void;
}

// The worker's code, as a string: it must not depend on the loaders the test process uses.
const WATCHER = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const flags = new Int32Array(workerData.buffer, 0, 2);
const times = new Float64Array(workerData.buffer, 8, 2);
const names = workerData.names;
// CPU time of the whole process over the last second: a spinning loop uses a core, a blocked wait none.
let samples = [];
setInterval(() => {
  const now = Date.now();
  const usage = process.cpuUsage();
  samples.push({ now, cpu: usage.user + usage.system });
  samples = samples.filter((s) => now - s.now <= 1500);
  if (Atomics.load(flags, ${RUNNING}) !== 1) return;
  const ran = now - times[${STARTED}];
  // Past the run's own deadline too: the grader's hard limit counts from the start of the process.
  if (ran < workerData.limitMs && !(workerData.deadline && now >= workerData.deadline)) return;
  const name = new TextDecoder().decode(new Uint8Array(names).slice(0, Atomics.load(flags, 1)));
  const first = samples[0];
  const cores = first && now > first.now ? (usage.user + usage.system - first.cpu) / 1000 / (now - first.now) : 0;
  // A loaded machine gives a spinning thread less than a core, but never next to nothing.
  const how = cores > 0.1
    ? "spinning on the CPU (an endless loop? a busy-wait on shared memory?)"
    : "blocked without using the CPU (Atomics.wait that nobody notifies? a synchronous wait?)";
  if (workerData.hungFile) require("node:fs").writeFileSync(workerData.hungFile, name + "\\n" + how);
  writeSync(2, "\\n✗ The test \\"" + name + "\\" ran for " + Math.round(ran / 1000) + " s without letting the event loop turn: " +
    how + ". Its test process was stopped.\\n");
  process.kill(workerData.pid, "SIGKILL");
}, 250);
`;

/**
 * `hungFile`, if given, receives the name of the test that hung, for the grader; `deadline` (ms since the
 * epoch) stops a blocked test also when the run as a whole is about to reach its limit.
 */
export function startWatchdog(limitMs: number, hungFile?: string, deadline?: number): Watchdog {
  const buffer = new SharedArrayBuffer(24);
  const names = new SharedArrayBuffer(1024);
  const flags = new Int32Array(buffer, 0, 2);
  const times = new Float64Array(buffer, 8, 2);
  const nameBytes = new Uint8Array(names);
  const worker = new Worker(WATCHER, {
    eval: true,
    workerData: { buffer, names, limitMs, pid: process.pid, hungFile, deadline },
  });
  worker.unref();
  return {
    testStarted(name) {
      const encoded = new TextEncoder().encode(name).slice(0, nameBytes.length);
      nameBytes.set(encoded);
      Atomics.store(flags, 1, encoded.length);
      times[STARTED] = Date.now();
      Atomics.store(flags, RUNNING, 1);
    },
    testFinished() {
      Atomics.store(flags, RUNNING, 0);
    },
  };
}
