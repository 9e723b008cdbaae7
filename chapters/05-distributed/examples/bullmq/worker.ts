// bullmq/worker.ts — one worker process of ../bullmq-workers.ts (which forks three of it; not run alone).
//
// It takes deposits from a BullMQ queue and runs them, in one of two ways:
// - "yours": your workOnce from exercises/05-distributed/task-queue.ts, in a loop, over BullBroker below:
//   the Broker of broker.ts on BullMQ. Your code does not change; the broker under it is now a real one.
// - "bullmq": BullMQ's own Worker, which reserves, runs and acknowledges by itself (the fallback while
//   workOnce still throws "TODO").
// Either way it tells the parent over IPC what it does, so the parent can print one timeline.
import { pathToFileURL } from "node:url";
import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Broker, Delivery, Handlers, Task } from "../../../../exercises/05-distributed/broker.ts";
import type * as TaskQueue from "../../../../exercises/05-distributed/task-queue.ts";

export interface WorkerConfig {
  readonly name: string;
  readonly mode: "yours" | "bullmq";
  /** Where the learner's task-queue.ts is (mode "yours"). */
  readonly taskQueueFile: string;
  readonly port: number;
  readonly queue: string;
  readonly lockMs: number;
  readonly stalledIntervalMs: number;
  readonly workMs: number;
}

/** What a worker process tells the parent. */
export type WorkerEvent =
  | { readonly type: "ready" }
  | { readonly type: "started"; readonly id: string; readonly run: number }
  | { readonly type: "deposited"; readonly id: string; readonly first: boolean }
  | { readonly type: "finished"; readonly id: string }
  | { readonly type: "failed"; readonly id: string; readonly error: string };

/** The Redis keys the deposit handler writes: what the tasks did, for the parent's final check. */
export const KEYS = {
  /** Hash: task id → how many times a handler started it. */
  starts: "example:starts",
  /** A careless account: every run of a task adds its amount. */
  careless: "example:careless",
  /** An idempotent account: a task's amount is added once, under its id, however often the task runs. */
  ledger: "example:ledger",
  /** Prefix of "task id → the worker that deposited it" keys, one per task. */
  depositedBy: "example:deposited-by:",
} as const;

/**
 * The Broker interface on BullMQ, with manual fetching. reserve asks BullMQ for a job with a fresh lock
 * token and keeps renewing that lock while the job is unacknowledged; ack completes the job with that
 * token. A worker that dies stops renewing, its lock expires after lockMs, and the stalled-job checker of
 * any live worker puts the job back in the queue.
 */
export class BullBroker implements Broker {
  private readonly held = new Map<string, { job: Job; renew: NodeJS.Timeout }>();
  private queue: Queue | undefined;
  private tokens = 0;

  constructor(
    private readonly worker: Worker,
    private readonly lockMs: number,
  ) {}

  async publish(task: Task): Promise<void> {
    this.queue ??= new Queue(this.worker.name, { connection: this.worker.opts.connection });
    await this.queue.add(task.name, { args: task.args }, { jobId: task.id });
  }

  async reserve(workerId: string): Promise<Delivery | undefined> {
    // The token is the lock's owner: only whoever holds it may extend the lock or complete the job.
    const token = `${workerId}:${this.tokens++}`;
    const job = (await this.worker.getNextJob(token, { block: false })) as Job | undefined;
    if (!job) return undefined;
    // The lock is a lease: renewing it says "still alive, still working". A dead process renews nothing.
    const renew = setInterval(() => {
      job.extendLock(token, this.lockMs).catch(() => {});
    }, this.lockMs / 2);
    this.held.set(token, { job, renew });
    const data = job.data as { args: unknown[] };
    return { deliveryTag: token, task: { id: job.id!, name: job.name, args: data.args } };
  }

  async ack(deliveryTag: string): Promise<void> {
    const held = this.held.get(deliveryTag);
    if (!held) throw new Error(`no unacknowledged delivery ${deliveryTag}: unknown, or acknowledged before`);
    this.held.delete(deliveryTag);
    clearInterval(held.renew);
    // Rejects ("Missing lock for job …") if the lock expired meanwhile and the job went to another worker.
    await held.job.moveToCompleted(null, deliveryTag, false);
  }

  async workerLost(_workerId: string): Promise<void> {
    // Nothing to do, and nobody to call it: a broker cannot be told that a process died (the process is
    // dead). BullMQ notices by itself that the lock was not renewed.
  }

  async close(): Promise<void> {
    for (const { renew } of this.held.values()) clearInterval(renew);
    await this.queue?.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A deposit, written as handlers usually are, in two steps with a pause: the effect (add the amount to
 * both accounts), then "the rest of the work", during which a crash leaves the effect done but the task
 * unacknowledged. The ledger adds under the task's id, atomically, so a second run adds nothing.
 */
function depositHandler(redis: Redis, config: WorkerConfig, tell: (event: WorkerEvent) => void) {
  // SET NX and INCRBY in one Lua script: Redis runs it atomically, so no crash can fall between the two.
  const once = `if redis.call("SET", KEYS[1], ARGV[2], "NX") then
      redis.call("INCRBY", KEYS[2], ARGV[1]) return 1 end return 0`;
  return async (id: string, amount: number): Promise<number> => {
    tell({ type: "started", id, run: await redis.hincrby(KEYS.starts, id, 1) });
    await sleep(config.workMs / 2);
    await redis.incrby(KEYS.careless, amount);
    const first = (await redis.eval(once, 2, KEYS.depositedBy + id, KEYS.ledger, amount, config.name)) === 1;
    tell({ type: "deposited", id, first });
    await sleep(config.workMs / 2);
    tell({ type: "finished", id });
    return amount;
  };
}

async function main(config: WorkerConfig): Promise<void> {
  const tell = (event: WorkerEvent) => process.send?.(event);
  const connection = { host: "127.0.0.1", port: config.port };
  const redis = new Redis({ ...connection, maxRetriesPerRequest: 1 });
  const deposit = depositHandler(redis, config, tell);
  const handlers: Handlers = { deposit };
  const options = {
    connection,
    name: config.name,
    lockDuration: config.lockMs,
    stalledInterval: config.stalledIntervalMs,
    // How often a job may come back after its worker went quiet before it counts as failed (BullMQ's default).
    maxStalledCount: 1,
  };
  let stopping = false;
  let stop = async () => {};

  if (config.mode === "bullmq") {
    const worker = new Worker(
      config.queue,
      (job: Job) => deposit(...(job.data as { args: [string, number] }).args),
      options,
    );
    worker.on("error", (error) => stopping || console.error(`${config.name}: ${error.message}`));
    worker.on("failed", (job, error) => tell({ type: "failed", id: job?.id ?? "?", error: error.message }));
    await worker.waitUntilReady();
    stop = () => worker.close(true);
  } else {
    const { workOnce } = (await import(pathToFileURL(config.taskQueueFile).href)) as typeof TaskQueue;
    const worker = new Worker(config.queue, null, { ...options, autorun: false });
    worker.on("error", (error) => stopping || console.error(`${config.name}: ${error.message}`));
    const broker = new BullBroker(worker, config.lockMs);
    await worker.waitUntilReady();
    // Without run(), BullMQ leaves the stalled-job checker to us: every live worker runs one.
    void worker.startStalledCheckTimer();
    const loop = (async () => {
      while (!stopping) {
        try {
          const outcome = await workOnce(broker, config.name, handlers);
          if (outcome === undefined) await sleep(50);
          else if (!outcome.ok) tell({ type: "failed", id: outcome.task.id, error: String(outcome.error) });
        } catch (error) {
          // workOnce itself failed (an ack BullMQ refused, say): report it and keep working.
          tell({ type: "failed", id: "?", error: String(error) });
          await sleep(50);
        }
      }
    })();
    stop = async () => {
      await loop.catch(() => {});
      await broker.close();
      await worker.close(true);
    };
  }
  tell({ type: "ready" });

  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await stop().catch(() => {});
    redis.disconnect();
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  // The parent is gone (its IPC channel closed): nobody is left to stop us, so stop.
  process.on("disconnect", shutdown);
}

const entry = process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url;
if (entry) {
  if (!process.send) {
    console.error(
      "bullmq/worker.ts is started by ../bullmq-workers.ts: npx tsx chapters/05-distributed/examples/bullmq-workers.ts",
    );
    process.exit(2);
  }
  await main(JSON.parse(process.argv[2] ?? "{}") as WorkerConfig);
}
