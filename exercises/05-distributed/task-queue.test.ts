import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scaledWait, withDeadline } from "../../grader/harness/deadline.ts";
import { track } from "../../grader/harness/resources.ts";
import type { Broker, Delivery, Handlers } from "./broker.ts";
import { RedisBroker } from "./redis-broker.ts";
import { findRedisServer, REDIS_INSTALL_ADVICE, type RedisServer, startRedis } from "./redis-server.ts";
import { createBroker, type Outcome, workOnce } from "./task-queue.ts";

const task = (id: string, name = "job", args: unknown[] = [id]) => ({ id, name, args });

// ---------------------------------------------------------------------------------------------------------
// The broker against a model: a queue of task ids and the unacknowledged deliveries of each worker.

interface BrokerModel {
  published: number;
  queue: string[];
  /** Unacknowledged deliveries in the order they were made: tag → worker and task id. */
  unacked: Map<string, { worker: string; id: string }>;
  /** Every delivery tag handed out so far, acknowledged or not. */
  tags: string[];
}
interface BrokerReal {
  broker: Broker;
}
type BrokerCommand = fc.AsyncCommand<BrokerModel, BrokerReal>;

class Publish implements BrokerCommand {
  check = () => true;
  async run(m: BrokerModel, r: BrokerReal) {
    const id = `t${m.published++}`;
    await r.broker.publish(task(id));
    m.queue.push(id);
  }
  toString = () => "publish";
}

class Reserve implements BrokerCommand {
  constructor(readonly worker: string) {}
  check = () => true;
  async run(m: BrokerModel, r: BrokerReal) {
    const got: Delivery | undefined = await r.broker.reserve(this.worker);
    const expected = m.queue.shift();
    expect(
      got?.task.id,
      `reserve(${this.worker}) gave ${got ? `task ${got.task.id}` : "nothing"} but the queue was [${m.queue.length + (expected ? 1 : 0) > 0 ? [expected, ...m.queue].join(", ") : ""}]: reserve hands out the oldest queued task, and undefined only when the queue is empty`,
    ).toBe(expected);
    if (!got || expected === undefined) return;
    expect(
      m.tags.includes(got.deliveryTag),
      `reserve gave delivery tag ${JSON.stringify(got.deliveryTag)}, which it had handed out before: every delivery needs a tag of its own`,
    ).toBe(false);
    m.tags.push(got.deliveryTag);
    m.unacked.set(got.deliveryTag, { worker: this.worker, id: expected });
  }
  toString = () => `reserve(${this.worker})`;
}

class Ack implements BrokerCommand {
  constructor(readonly pick: number) {}
  check = (m: Readonly<BrokerModel>) => m.tags.length > 0;
  async run(m: BrokerModel, r: BrokerReal) {
    const tag = m.tags[this.pick % m.tags.length]!;
    const known = m.unacked.get(tag);
    let error: unknown;
    await r.broker.ack(tag).catch((e: unknown) => {
      error = e ?? new Error("rejected");
    });
    if (known) {
      expect(
        error,
        `ack of the unacknowledged delivery of task ${known.id} rejected with ${String(error)}`,
      ).toBeUndefined();
      m.unacked.delete(tag);
    } else
      expect(
        error,
        `ack(${JSON.stringify(tag)}) resolved, but that delivery was acknowledged already: a second ack must reject`,
      ).toBeInstanceOf(Error);
  }
  toString = () => `ack(tag #${this.pick})`;
}

class AckUnknown implements BrokerCommand {
  check = () => true;
  async run(_m: BrokerModel, r: BrokerReal) {
    const tag = "no-such-delivery";
    let error: unknown;
    await r.broker.ack(tag).catch((e: unknown) => {
      error = e ?? new Error("rejected");
    });
    expect(
      error,
      `ack(${JSON.stringify(tag)}) resolved, but the broker never handed out that tag: an unknown tag must reject`,
    ).toBeInstanceOf(Error);
  }
  toString = () => "ack(an unknown tag)";
}

class Lose implements BrokerCommand {
  constructor(readonly worker: string) {}
  check = () => true;
  async run(m: BrokerModel, r: BrokerReal) {
    await r.broker.workerLost(this.worker);
    const back: string[] = [];
    for (const [tag, d] of m.unacked)
      if (d.worker === this.worker) {
        back.push(d.id);
        m.unacked.delete(tag);
      }
    m.queue.unshift(...back);
  }
  toString = () => `workerLost(${this.worker})`;
}

const brokerCommands = [
  fc.constant(new Publish()),
  fc.constantFrom("w0", "w1", "w2").map((w) => new Reserve(w)),
  fc.nat({ max: 20 }).map((n) => new Ack(n)),
  fc.constant(new AckUnknown()),
  fc.constantFrom("w0", "w1", "w2").map((w) => new Lose(w)),
];

/** Reserve everything that is left, so the final queue can be compared with the model's. */
async function drainIds(broker: Broker): Promise<string[]> {
  const ids: string[] = [];
  for (let d = await broker.reserve("drain"); d; d = await broker.reserve("drain")) ids.push(d.task.id);
  return ids;
}

describe("createBroker", () => {
  it("hands out the oldest task, acks each delivery once, and puts a lost worker's tasks back in front", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(brokerCommands, { maxCommands: 30 }), async (commands) => {
        const model: BrokerModel = { published: 0, queue: [], unacked: new Map(), tags: [] };
        const real = { broker: createBroker() };
        await fc.asyncModelRun(() => ({ model, real }), commands);
        expect(await drainIds(real.broker), "the tasks left in the queue at the end, in order").toEqual(
          model.queue,
        );
      }),
      // A lost worker that held three tasks, another worker's task between them: back in front, oldest first.
      {
        examples: [
          [
            [
              ...Array.from({ length: 5 }, () => new Publish()),
              new Reserve("w1"),
              new Reserve("w2"),
              new Reserve("w1"),
              new Reserve("w1"),
              new Lose("w1"),
            ],
          ],
        ],
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Workers that crash: each worker slot runs one workOnce at a time; its handler waits until the test lets it
// finish, or the test "kills" the worker (workerLost) and abandons the handler, as a dead process would.

interface Running {
  readonly id: string;
  readonly finish: () => void;
  readonly done: Promise<Outcome | undefined>;
}
interface Slot {
  worker: string;
  generation: number;
  running?: Running;
}
interface Farm {
  broker: Broker;
  slots: Slot[];
  published: string[];
  /** How many times each task's handler ran to the end. */
  runs: Map<string, number>;
  /** How many times each task's handler was started, crashed runs included. */
  starts: Map<string, number>;
  /** Tasks whose worker died while running them. */
  inFlightAtCrash: Set<string>;
  acksLate: boolean;
}
type FarmCommand = fc.AsyncCommand<{ slots: number }, Farm>;

function startWork(farm: Farm, slot: Slot): Promise<void> {
  let started: (id: string) => void = () => {};
  const startedP = new Promise<string>((resolve) => {
    started = resolve;
  });
  let finish: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const handlers: Handlers = {
    job: async (id: string) => {
      farm.starts.set(id, (farm.starts.get(id) ?? 0) + 1);
      started(id);
      await gate;
      farm.runs.set(id, (farm.runs.get(id) ?? 0) + 1);
      return id;
    },
  };
  const done = workOnce(farm.broker, slot.worker, handlers, { acksLate: farm.acksLate });
  return Promise.race([startedP, done.then(() => undefined)]).then((id) => {
    if (typeof id === "string") slot.running = { id, finish, done };
  });
}

class Start implements FarmCommand {
  constructor(readonly slot: number) {}
  check = () => true;
  async run(_m: { slots: number }, farm: Farm) {
    const slot = farm.slots[this.slot]!;
    if (slot.running) return;
    await withDeadline(
      startWork(farm, slot),
      scaledWait(2_000),
      `workOnce of ${slot.worker} reaching its handler`,
    );
  }
  toString = () => `start(worker ${this.slot})`;
}

class Finish implements FarmCommand {
  constructor(readonly slot: number) {}
  check = () => true;
  async run(_m: { slots: number }, farm: Farm) {
    const slot = farm.slots[this.slot]!;
    const running = slot.running;
    if (!running) return;
    slot.running = undefined;
    running.finish();
    const outcome = await withDeadline(
      running.done,
      scaledWait(2_000),
      `workOnce of ${slot.worker} after its handler returned`,
    );
    expect(outcome, `workOnce of ${slot.worker} ran task ${running.id}`).toEqual({
      task: task(running.id),
      ok: true,
      value: running.id,
    });
  }
  toString = () => `finish(worker ${this.slot})`;
}

class Crash implements FarmCommand {
  constructor(readonly slot: number) {}
  check = () => true;
  async run(_m: { slots: number }, farm: Farm) {
    const slot = farm.slots[this.slot]!;
    if (slot.running) farm.inFlightAtCrash.add(slot.running.id);
    slot.running = undefined; // its handler never returns: the process is gone
    await farm.broker.workerLost(slot.worker);
    slot.generation++;
    slot.worker = `worker-${this.slot}-${slot.generation}`;
  }
  toString = () => `crash(worker ${this.slot})`;
}

class PublishTask implements FarmCommand {
  check = () => true;
  async run(_m: { slots: number }, farm: Farm) {
    const id = `t${farm.published.length}`;
    farm.published.push(id);
    await farm.broker.publish(task(id));
  }
  toString = () => "publish";
}

const farmCommands = [
  fc.constant(new PublishTask()),
  fc.nat({ max: 2 }).map((n) => new Start(n)),
  fc.nat({ max: 2 }).map((n) => new Finish(n)),
  fc.nat({ max: 2 }).map((n) => new Crash(n)),
];

/** Run the commands, then let every running handler finish and one more worker empty the queue. */
async function runFarm(commands: Iterable<FarmCommand>, acksLate: boolean): Promise<Farm> {
  const farm: Farm = {
    broker: createBroker(),
    slots: [0, 1, 2].map((n) => ({ worker: `worker-${n}-0`, generation: 0 })),
    published: [],
    runs: new Map(),
    starts: new Map(),
    inFlightAtCrash: new Set(),
    acksLate,
  };
  await fc.asyncModelRun(() => ({ model: { slots: 3 }, real: farm }), commands);
  for (let n = 0; n < 3; n++) await new Finish(n).run({ slots: 3 }, farm);
  const handlers: Handlers = {
    job: (id: string) => {
      farm.starts.set(id, (farm.starts.get(id) ?? 0) + 1);
      farm.runs.set(id, (farm.runs.get(id) ?? 0) + 1);
      return id;
    },
  };
  for (let i = 0; i <= farm.published.length * 2; i++)
    if ((await workOnce(farm.broker, "last-worker", handlers, { acksLate })) === undefined) break;
  return farm;
}

describe("workOnce", () => {
  it("with late acknowledgement runs every task at least once, even when workers die mid-task", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(farmCommands, { maxCommands: 25 }), async (commands) => {
        const farm = await runFarm(commands, true);
        for (const id of farm.published) {
          const runs = farm.runs.get(id) ?? 0;
          expect(
            runs,
            `task ${id} never ran to the end${farm.inFlightAtCrash.has(id) ? ", although its worker died while running it" : ""}: with acksLate the delivery is acknowledged only after the handler returned, so the broker gives the task of a dead worker to another`,
          ).toBeGreaterThanOrEqual(1);
          const starts = farm.starts.get(id) ?? 0;
          if (starts > 1)
            expect(
              farm.inFlightAtCrash.has(id),
              `task ${id} was started ${starts} times although no worker died while running it: a task is handed out again only when its worker died before acknowledging it`,
            ).toBe(true);
        }
      }),
    );
  });

  it("with early acknowledgement runs every task at most once, losing only tasks whose worker died", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(farmCommands, { maxCommands: 25 }), async (commands) => {
        const farm = await runFarm(commands, false);
        for (const id of farm.published) {
          const runs = farm.runs.get(id) ?? 0;
          const starts = farm.starts.get(id) ?? 0;
          expect(
            starts,
            `task ${id} was started ${starts} times${farm.inFlightAtCrash.has(id) ? " (its worker died during the first)" : ""}: with acksLate: false the delivery is acknowledged before the handler starts, so the broker never hands the task out again`,
          ).toBeLessThanOrEqual(1);
          if (!farm.inFlightAtCrash.has(id))
            expect(runs, `task ${id} never ran, although no worker died while running it`).toBe(1);
        }
      }),
    );
  });

  it("acknowledges a task whose handler throws or is missing, and reports it as ok: false", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("good", "bad", "worse", "missing", "toString"), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        async (names, acksLate) => {
          const broker = createBroker();
          const handlers: Handlers = {
            good: (x: number) => x + 1,
            bad: async () => {
              throw new RangeError("bad task");
            },
            // Throws at once, not in a promise.
            worse: () => {
              throw new TypeError("worse task");
            },
          };
          for (const [i, name] of names.entries()) await broker.publish(task(`t${i}`, name, [i]));
          for (const [i, name] of names.entries()) {
            const outcome = await workOnce(broker, "w", handlers, { acksLate });
            expect(outcome?.task.id, `step ${i + 1} must run task t${i}`).toBe(`t${i}`);
            if (name === "good")
              expect(outcome, `task t${i} (handler good)`).toEqual({
                task: task(`t${i}`, name, [i]),
                ok: true,
                value: i + 1,
              });
            else {
              expect(
                outcome?.ok,
                `task t${i} has ${name === "bad" ? "a handler that rejects" : name === "worse" ? "a handler that throws at once" : "no handler"}: its outcome must be ok: false`,
              ).toBe(false);
              if (name === "bad")
                expect((outcome as { error: unknown }).error, `the error of task t${i}`).toEqual(
                  new RangeError("bad task"),
                );
              if (name === "worse")
                expect((outcome as { error: unknown }).error, `the error of task t${i}`).toEqual(
                  new TypeError("worse task"),
                );
            }
          }
          await broker.workerLost("w");
          expect(
            await broker.reserve("other"),
            "after every task ran, the worker's deliveries must all be acknowledged, also those whose handler failed: workerLost put one back",
          ).toBeUndefined();
          expect(await workOnce(broker, "w", handlers), "workOnce on an empty queue").toBeUndefined();
        },
      ),
    );
  });

  it("acknowledges after the handler when no acksLate is given", async () => {
    const broker = createBroker();
    await broker.publish(task("t0"));
    let started: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => {
      started = resolve;
    });
    // The handler never returns: its worker dies in it, as a dead process would.
    const step = workOnce(broker, "w", {
      job: () => {
        started();
        return new Promise(() => {});
      },
    });
    void step.catch(() => {});
    await withDeadline(
      Promise.race([inHandler, step.then(() => Promise.reject(new Error("workOnce returned early")))]),
      scaledWait(2_000),
      "workOnce reaching its handler",
    );
    await broker.workerLost("w");
    const again = await broker.reserve("other");
    expect(
      again?.task.id,
      "workOnce without options, whose worker died in the handler: the task must go back to the queue (by default the delivery is acknowledged only after the handler)",
    ).toBe("t0");
  });
});

// ---------------------------------------------------------------------------------------------------------
// The same worker on a real Redis, started by this test on a free loopback port.

/** Start redis-server on a free loopback port, ended by the test setup if the test leaves it running. */
async function startTrackedRedis(binary: string): Promise<RedisServer> {
  const redis = await startRedis(binary);
  const forget = track({
    description: `redis-server on port ${redis.port}`,
    alive: redis.alive,
    end: redis.stop,
  });
  void redis.exited.then(forget);
  return redis;
}

const redisServer = findRedisServer();

describe("RedisBroker", () => {
  it("runs the same worker on a real Redis: three workers, one dies mid-task, every task runs", async (context) => {
    if (!redisServer) {
      context.skip(`no redis-server on PATH: ${REDIS_INSTALL_ADVICE} to run this test`);
      return;
    }
    const redis = await startTrackedRedis(redisServer);
    const broker = new RedisBroker({ port: redis.port });
    try {
      await withDeadline(broker.connect(), scaledWait(5_000), "connecting to redis-server");
      const ids = Array.from({ length: 9 }, (_, i) => `t${i}`);
      for (const id of ids) await broker.publish(task(id));
      const runs = new Map<string, number>();
      const count: Handlers = {
        job: (id: string) => {
          runs.set(id, (runs.get(id) ?? 0) + 1);
          return id;
        },
      };
      // Worker "doomed" reserves a task and dies in its handler: its delivery is never acknowledged.
      let died: (id: string) => void = () => {};
      const dying = new Promise<string>((resolve) => {
        died = resolve;
      });
      const never: Handlers = {
        job: (id: string) => {
          died(id);
          return new Promise(() => {});
        },
      };
      const doomed = workOnce(broker, "doomed", never).then(() => {
        throw new Error("workOnce of the doomed worker returned although its handler never does");
      });
      const lostId = await withDeadline(
        Promise.race([dying, doomed]),
        scaledWait(5_000),
        "the doomed worker reaching its handler",
      );
      await broker.workerLost("doomed");
      // Two healthy workers share the queue until it is empty.
      const work = async (worker: string) => {
        while ((await workOnce(broker, worker, count)) !== undefined) {}
      };
      await withDeadline(
        Promise.all([work("a"), work("b")]),
        scaledWait(10_000),
        "two workers emptying the Redis queue",
      );
      for (const id of ids)
        expect(
          runs.get(id),
          `on Redis, task ${id} ran ${runs.get(id) ?? 0} times${id === lostId ? " (its first worker died while running it)" : ""}: every task must run once with late acknowledgement`,
        ).toBe(1);
      expect(await broker.pending(), "tasks left in the Redis queue").toBe(0);
    } finally {
      await broker.close();
      await redis.stop();
    }
  });
});
