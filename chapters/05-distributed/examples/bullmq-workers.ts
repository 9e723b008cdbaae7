// bullmq-workers.ts — where a real system takes over: this chapter's task-queue worker on BullMQ, over a
// real Redis. Three worker processes share one queue of deposits. The example kills one of them in the
// middle of a task, after its deposit and before its acknowledgement, and shows that no task is lost: the
// dead worker stops renewing its lock, the lock expires, and BullMQ's stalled-job check gives the job to a
// live worker. That task then runs twice, which only an idempotent handler survives.
//
// The workers run your workOnce (exercises/05-distributed/task-queue.ts) over a BullMQ broker; until you
// have written it, BullMQ's own Worker stands in. The example starts its own redis-server on a free port of
// 127.0.0.1, and stops it and every worker at the end, also when something fails.
//
//   npx tsx chapters/05-distributed/examples/bullmq-workers.ts
//
// (COURSE_TARGET=solutions in front runs the reference workOnce instead of yours.)
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { availableParallelism, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import type { Broker, Task } from "../../../exercises/05-distributed/broker.ts";
import {
  findRedisServer,
  REDIS_INSTALL_ADVICE,
  type RedisServer,
  startRedis,
} from "../../../exercises/05-distributed/redis-server.ts";
import type * as TaskQueue from "../../../exercises/05-distributed/task-queue.ts";
import { withDeadline } from "../../../grader/harness/deadline.ts";
import { learnerFileIn, targetFromEnv } from "../../../grader/src/target.ts";
import { KEYS, type WorkerConfig, type WorkerEvent } from "./bullmq/worker.ts";

const WORKERS = 3;
/** Deposits t1 … t9 of 1 … 9: 45 in all. */
const TASKS = 9;
/** BullMQ's defaults are 30 s each: a dead worker's job would come back after half a minute. */
const LOCK_MS = 1000;
const STALLED_INTERVAL_MS = 500;
/** How long a deposit takes: half before the deposit, half after it. */
const WORK_MS = 400;
/**
 * Starting a worker takes about half a second of CPU (tsx, BullMQ). On a machine so busy that the workers
 * are not up after this long, the example gives up on its demonstration (and says so) rather than run for
 * minutes; on a machine that is not busy, a worker that late is an error.
 */
const READY_DEADLINE_MS = 60_000;
const DONE_DEADLINE_MS = 8_000;

/** The timeline starts when the tasks are published. */
let started = performance.now();
const log = (text: string) =>
  console.log(`${((performance.now() - started) / 1000).toFixed(2).padStart(6)} s  ${text}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const redisServer = findRedisServer();
if (!redisServer) {
  console.log(
    `bullmq-workers: skipped: no redis-server on PATH; ${REDIS_INSTALL_ADVICE} to run this example`,
  );
  process.exit(0);
}

/** Why your workOnce cannot run the workers (undefined: it can), tried on a broker holding one task. */
async function whyNotYours(file: string): Promise<string | undefined> {
  try {
    const { workOnce } = (await import(pathToFileURL(file).href)) as typeof TaskQueue;
    const task: Task = { id: "probe", name: "probe", args: [] };
    const queued = [{ deliveryTag: "probe", task }];
    let acked = false;
    const oneTask: Broker = {
      publish: async () => {},
      reserve: async () => queued.shift(),
      ack: async () => {
        acked = true;
      },
      workerLost: async () => {},
    };
    const outcome = await withDeadline(
      workOnce(oneTask, "probe", { probe: () => "done" }),
      5000,
      "workOnce on a broker holding one task",
    );
    return outcome?.ok && acked ? undefined : "it did not run and acknowledge a single task";
  } catch (error) {
    return String(error).includes("TODO")
      ? 'it is not written yet (it throws "TODO")'
      : `it failed on a single task: ${String(error)}`;
  }
}

// Everything started below is ended in `finally`; these are the last resort if the process dies otherwise.
const children: ChildProcess[] = [];
/** Children whose end is part of the plan: the one killed mid-task, and all of them at the end. */
const meantToExit = new Set<ChildProcess>();
let redis: RedisServer | undefined;
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  if (redis?.alive()) process.kill(redis.pid, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    console.log(`\nbullmq-workers: ${signal}, stopping the workers and redis-server`);
    void stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });

// By absolute URL: `--import tsx` would resolve "tsx" from the working directory.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

class NotReadyInTime extends Error {}

/** Fork one worker process; resolves once it is connected and waiting for jobs. */
function startWorker(
  config: WorkerConfig,
  onEvent: (event: WorkerEvent, child: ChildProcess) => void,
): Promise<ChildProcess> {
  const child = fork(new URL("./bullmq/worker.ts", import.meta.url), [JSON.stringify(config)], {
    execArgv: ["--import", tsxLoader],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new NotReadyInTime(`${config.name} was not ready after ${READY_DEADLINE_MS / 1000} s`)),
      READY_DEADLINE_MS,
    );
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${config.name} exited (${signal ?? `code ${code}`}) before it was ready`));
    });
    child.on("message", (event: WorkerEvent) => {
      if (event.type === "ready") {
        clearTimeout(timer);
        resolve(child);
        child.once("exit", (code, signal) => {
          if (!meantToExit.has(child)) log(`${config.name} died by itself (${signal ?? `code ${code}`})`);
        });
      } else onEvent(event, child);
    });
  });
}

async function stopAll(): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      meantToExit.add(child);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await redis?.stop();
}

async function run(binary: string): Promise<number> {
  const taskQueueFile = learnerFileIn(targetFromEnv(), "exercises/05-distributed/task-queue.ts");
  const why = await whyNotYours(taskQueueFile);
  const mode = why === undefined ? "yours" : "bullmq";

  redis = await startRedis(binary);
  const connection = { host: redis.host, port: redis.port };
  const queue = new Queue("deposits", { connection });
  const events = new QueueEvents("deposits", { connection });
  const db = new Redis({ ...connection, maxRetriesPerRequest: 1 });
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    console.log(
      `redis-server on 127.0.0.1:${redis.port}; ${WORKERS} worker processes share one BullMQ queue; lock ${LOCK_MS} ms, stalled check every ${STALLED_INTERVAL_MS} ms`,
    );
    console.log(
      mode === "yours"
        ? "each worker runs your workOnce in a loop, over a Broker built on BullMQ (bullmq/worker.ts)"
        : `your workOnce cannot run the workers: ${why}.\nSo BullMQ's own Worker runs them instead; write workOnce (npm test -- task-queue) and run this again to see yours on BullMQ.`,
    );
    events.on("stalled", ({ jobId }) =>
      log(`BullMQ: the lock on ${jobId} expired (nobody renewed it): stalled, back to waiting`),
    );

    let killed: string | undefined;
    /** Tasks some handler ran to the end, and the tasks each live worker is running now. */
    const finished = new Set<string>();
    const running = new Map<string, string>();
    const onEvent = (name: string) => (event: WorkerEvent, child: ChildProcess) => {
      if (event.type === "started") running.set(name, event.id);
      if (event.type === "finished") {
        running.delete(name);
        finished.add(event.id);
      }
      if (event.type === "started")
        log(`${name} starts ${event.id}${event.run > 1 ? ` (run ${event.run}: the task came back)` : ""}`);
      else if (event.type === "deposited" && !event.first)
        log(
          `${name} deposits ${event.id} again: the ledger sees its id and adds nothing; the careless account adds`,
        );
      else if (event.type === "deposited" && killed === undefined) {
        killed = name;
        running.delete(name);
        meantToExit.add(child);
        child.kill("SIGKILL");
        log(`${name} deposited ${event.id}; killed it now (SIGKILL), before its handler returned`);
      } else if (event.type === "failed") log(`${name}: ${event.id} failed: ${event.error}`);
    };
    const ready = Promise.all(
      Array.from({ length: WORKERS }, async (_, i) => {
        const name = `worker ${i + 1}`;
        const config: WorkerConfig = {
          name,
          mode,
          taskQueueFile,
          port: connection.port,
          queue: "deposits",
          lockMs: LOCK_MS,
          stalledIntervalMs: STALLED_INTERVAL_MS,
          workMs: WORK_MS,
        };
        await startWorker(config, onEvent(name));
      }),
    );
    try {
      await ready;
    } catch (error) {
      // Load per core over the last minute: above 1.5, processes queue for a core most of the time.
      const load = loadavg()[0]! / availableParallelism();
      if (!(error instanceof NotReadyInTime) || !(load > 1.5)) throw error;
      console.log(
        `bullmq-workers: skipped: ${error.message}, the machine is too busy (load ${load.toFixed(1)} per core) to show this in seconds; run it again later`,
      );
      return 0;
    }

    const tasks = Array.from({ length: TASKS }, (_, i) => ({ id: `t${i + 1}`, amount: i + 1 }));
    const expected = tasks.reduce((sum, t) => sum + t.amount, 0);
    started = performance.now();
    log(`publishing ${TASKS} deposits, t1 … t${TASKS} (${expected} in all)`);
    await queue.addBulk(
      tasks.map((t) => ({ name: "deposit", data: { args: [t.id, t.amount] }, opts: { jobId: t.id } })),
    );

    const deadline = performance.now() + DONE_DEADLINE_MS;
    let counts = await queue.getJobCounts("completed", "failed");
    while ((counts.completed ?? 0) + (counts.failed ?? 0) < TASKS && performance.now() < deadline) {
      await sleep(100);
      counts = await queue.getJobCounts("completed", "failed");
    }
    log(`BullMQ: ${counts.completed} completed, ${counts.failed} failed`);
    // A job acknowledged early counts as completed while its handler still runs: let the handlers finish.
    while (running.size > 0 && performance.now() < deadline) await sleep(50);

    const starts = await db.hgetall(KEYS.starts);
    const careless = Number(await db.get(KEYS.careless));
    const ledger = Number(await db.get(KEYS.ledger));
    const completed = new Set(await Promise.all((await queue.getCompleted(0, TASKS)).map((job) => job.id)));
    const lost = tasks.filter((t) => !completed.has(t.id)).map((t) => t.id);
    const twice = tasks.filter((t) => Number(starts[t.id] ?? 0) > 1).map((t) => t.id);
    const cutShort = tasks.filter((t) => completed.has(t.id) && !finished.has(t.id)).map((t) => t.id);
    console.log("\nwhat happened");
    console.log(`  ${killed ?? "no worker"} was killed mid-task; ${twice.join(", ") || "no task"} ran twice`);
    console.log(`  ${completed.size} of ${TASKS} jobs completed in BullMQ`);
    console.log(`  careless account, adds on every run:    ${String(careless).padStart(3)}`);
    console.log(
      `  idempotent ledger, once per task id:    ${String(ledger).padStart(3)}   (expected ${expected})`,
    );
    const problems = [
      ...(lost.length > 0 ? [`${lost.join(", ")} never completed`] : []),
      ...(cutShort.length > 0
        ? [
            `${cutShort.join(", ")} completed although no handler ran it to the end: acknowledged before the handler finished, so the kill cost the rest of its work (at most once)`,
          ]
        : []),
      ...(ledger !== expected ? [`the ledger holds ${ledger}, not ${expected}`] : []),
    ];
    if (problems.length > 0) {
      for (const problem of problems) console.log(`  ✗ ${problem}`);
      console.log(
        mode === "yours"
          ? "  Does your workOnce acknowledge only after the handler returned (acksLate, the default)? npm test -- task-queue"
          : "  BullMQ's own Worker ran the tasks: is the machine so busy that locks expire?",
      );
      return 1;
    }
    console.log(
      "  ✓ at least once: every task completed although its worker died; exactly-once effect: the ledger",
    );
    return 0;
  } finally {
    await Promise.allSettled([queue.close(), events.close()]);
    db.disconnect();
    await stopAll();
  }
}

try {
  process.exitCode = await run(redisServer);
} catch (error) {
  console.error(`bullmq-workers: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exitCode = 1;
}
