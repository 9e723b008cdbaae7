import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Pacing, pacing } from "../../grader/harness/pacing.ts";
import {
  expectSettledAfterMicrotasks,
  type Observed,
  OverlapProbe,
  observe,
  PlannedFailure,
  watchUnhandledRejections,
} from "../../grader/harness/scheduler.ts";
import { type Actor, spawn } from "./actor.ts";

/** A message of these tests. Its fields tell the test's behavior what to do with it. */
interface Message {
  /** Unique, so that a reply or a log entry names the message it belongs to. */
  readonly id: number;
  /** How many scheduled turns the behavior awaits while it handles this message. */
  readonly steps: number;
  /** Posted with ask (true) or with send (false). */
  readonly ask: boolean;
  /** The behavior throws a PlannedFailure instead of answering. */
  readonly fails: boolean;
  /** How many follow-up messages, one after the other, the behavior sends to its own actor. */
  readonly forwards: number;
  /** For an ask: its sender posts its next message the moment this reply arrives, with no pause. */
  readonly waits: boolean;
}

/** The actor's state here: the ids of the messages handled so far, in order. Each reply is the new log. */
type Log = readonly number[];

/** Senders, each with the messages it posts in order; every message gets its own id. */
function senders({ failures = false, sends = true, forwards = false } = {}) {
  const message = fc.record({
    steps: fc.integer({ min: 0, max: 2 }),
    ask: sends ? fc.boolean() : fc.constant(true),
    fails: failures ? fc.boolean() : fc.constant(false),
    forwards: forwards ? fc.integer({ min: 0, max: 2 }) : fc.constant(0),
    waits: fc.boolean(),
  });
  return fc
    .array(fc.array(message, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 })
    .map((lists) => {
      let id = 0;
      return lists.map((list) => list.map((m): Message => ({ ...m, id: id++ })));
    });
}

/**
 * An actor whose behavior pauses `steps` times, sends its follow-ups, then appends the message's
 * id to the log and replies with the new log (or throws, for a failing message). Everything the test knows
 * about it is seen from outside: what was posted, what the behavior was doing, and the replies.
 */
function logActor(p: Pacing) {
  const probe = new OverlapProbe();
  /** Every message posted with send or ask, in the order of the calls: the order the actor must follow. */
  const posted: Message[] = [];
  /** Ids in the order the behavior finished with them, failing or not. */
  const finished: number[] = [];
  const asks = new Map<number, Observed<Log>>();
  let nextId = 1000;

  const actor: Actor<Message, Log> = spawn<Log, Message, Log>([], async (log, m) => {
    probe.enter();
    try {
      for (let i = 0; i < m.steps; i++) await p.pause(`message ${m.id} step ${i + 1}`);
      if (m.forwards > 0)
        post({
          id: nextId++,
          steps: m.steps,
          ask: false,
          fails: false,
          forwards: m.forwards - 1,
          waits: false,
        });
      if (m.fails) throw new PlannedFailure(m.id);
      const next = [...log, m.id];
      return [next, next] as const;
    } finally {
      finished.push(m.id);
      probe.leave();
    }
  });

  function post(m: Message): Observed<Log> | undefined {
    // Recorded before the call: a behavior that runs at once and posts a follow-up must not come first.
    posted.push(m);
    if (!m.ask) return void actor.send(m);
    const ask = observe(actor.ask(m));
    asks.set(m.id, ask);
    return ask;
  }

  return { actor, probe, posted, finished, asks, post };
}

/**
 * Each sender posts its messages one by one when the pacing says, others running between. After an ask
 * that `waits`, the sender posts its next message the moment the reply arrives: right when the actor may
 * be deciding that its mailbox is empty.
 */
function startSenders(
  p: Pacing,
  lists: readonly (readonly Message[])[],
  post: (m: Message) => Observed<Log> | undefined,
) {
  return lists.map((list, sender) =>
    observe(
      (async () => {
        let reply: Observed<Log> | undefined;
        for (const m of list) {
          if (reply) await reply.promise.catch(() => {});
          else await p.pause(`sender ${sender} posts message ${m.id}`);
          const posted = post(m);
          reply = m.ask && m.waits ? posted : undefined;
        }
      })(),
    ),
  );
}

/** Run until nothing can move, and fail if a sender or an ask is stuck. */
async function settle(p: Pacing, world: ReturnType<typeof logActor>, running: Observed<void>[]) {
  await p.settle(running, "senders");
  await p.settle([...world.asks.values()], "asks (a message left in the mailbox with nobody to handle it?)");
}

/** The model: handle the posted messages one by one, in posting order, with a plain loop. Reply per id. */
function sequentialReplies(posted: readonly Message[]): Map<number, Log> {
  const replies = new Map<number, Log>();
  let log: Log = [];
  for (const m of posted) {
    if (m.fails) continue; // a failing message leaves the log as it was
    log = [...log, m.id];
    replies.set(m.id, log);
  }
  return replies;
}

/** Ask one last message once all else is done: its reply is the whole log, so it shows what sends did too. */
async function lastLog(p: Pacing, actor: Actor<Message, Log>): Promise<Log | undefined> {
  const last = observe(actor.ask({ id: -1, steps: 0, ask: true, fails: false, forwards: 0, waits: false }));
  await p.settle([last], "asks");
  return last.value();
}

/** The Error of a refused message says why: the actor is stopped. */
function expectStoppedError(error: unknown, what: string): void {
  expect(error, `${what} should fail with an Error`).toBeInstanceOf(Error);
  expect((error as Error).message, `${what}: the error message should say the actor is stopped`).toMatch(
    /stopped/i,
  );
}

const handledIds = (posted: readonly Message[]) => [...posted.filter((m) => !m.fails).map((m) => m.id), -1];

describe("spawn", () => {
  it("replies as if the messages were handled one at a time, in the order they were sent", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), senders(), async (p, lists) => {
        const world = logActor(p);
        await settle(p, world, startSenders(p, lists, world.post));
        const expected = sequentialReplies(world.posted);
        for (const [id, ask] of world.asks)
          expect(ask.value(), `reply to message ${id}`).toEqual(expected.get(id));
        expect(await lastLog(p, world.actor), "the log once every message was handled").toEqual(
          handledIds(world.posted),
        );
      }),
    );
  });

  it("never runs the behavior for two messages at once, even while it awaits", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), senders({ failures: true }), async (p, lists) => {
        const world = logActor(p);
        await settle(p, world, startSenders(p, lists, world.post));
        expect(world.probe.max, "messages handled at the same time").toBe(1);
      }),
    );
  });

  it("resolves each ask with the reply to its own message", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), senders({ sends: false }), async (p, lists) => {
        const world = logActor(p);
        await settle(p, world, startSenders(p, lists, world.post));
        for (const [id, ask] of world.asks) expect(ask.value()?.at(-1), `reply to message ${id}`).toBe(id);
      }),
    );
  });

  it("rejects the ask of a message whose behavior throws with that error, keeps the state and goes on", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), senders({ failures: true }), async (p, lists) => {
        const world = logActor(p);
        await settle(p, world, startSenders(p, lists, world.post));
        const expected = sequentialReplies(world.posted);
        for (const m of world.posted.filter((m) => m.ask)) {
          const ask = world.asks.get(m.id)!;
          if (m.fails) expect(ask.reason(), `error of message ${m.id}`).toEqual(new PlannedFailure(m.id));
          else expect(ask.value(), `reply to message ${m.id}`).toEqual(expected.get(m.id));
        }
        expect(await lastLog(p, world.actor), "the log once every message was handled").toEqual(
          handledIds(world.posted),
        );
      }),
    );
  });

  it("drops a sent message whose behavior throws, and leaves no unhandled rejection behind", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), senders({ failures: true }), async (p, lists) => {
        const watch = watchUnhandledRejections();
        let unhandled: unknown[] = [];
        try {
          const world = logActor(p);
          await settle(p, world, startSenders(p, lists, world.post));
          expect(await lastLog(p, world.actor), "the log once every message was handled").toEqual(
            handledIds(world.posted),
          );
        } finally {
          unhandled = await watch.stop();
        }
        expect(unhandled, "rejections nobody handled").toEqual([]);
      }),
    );
  });

  it("handles the messages its behavior sends to its own actor, after the ones already in the mailbox", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), senders({ forwards: true }), async (p, lists) => {
        const world = logActor(p);
        await settle(p, world, startSenders(p, lists, world.post));
        // Every message, follow-ups included, is handled once and in the order it was posted.
        expect(world.finished).toEqual(world.posted.map((m) => m.id));
        const expected = sequentialReplies(world.posted);
        for (const [id, ask] of world.asks)
          expect(ask.value(), `reply to message ${id}`).toEqual(expected.get(id));
        expect(await lastLog(p, world.actor), "the log once every message was handled").toEqual(
          handledIds(world.posted),
        );
      }),
    );
  });

  it("also runs plain (non-async) behaviors, including ones that throw", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ value: fc.integer({ min: -9, max: 9 }), fails: fc.boolean() }), {
          maxLength: 6,
        }),
        async (messages) => {
          const actor = spawn<number, number, number>(0, (sum, i) => {
            if (messages[i]!.fails) throw new PlannedFailure(i);
            return [sum + messages[i]!.value, sum + messages[i]!.value];
          });
          const asks = messages.map((_, i) => observe(actor.ask(i)));
          await expectSettledAfterMicrotasks(asks, "asks");
          let sum = 0;
          messages.forEach(({ value, fails }, i) => {
            if (fails) expect(asks[i]!.reason()).toEqual(new PlannedFailure(i));
            else {
              sum += value;
              expect(asks[i]!.value()).toBe(sum);
            }
          });
        },
      ),
    );
  });
});

describe("stop", () => {
  it("resolves only after every message sent before it was handled, and refuses the later ones", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), senders({ failures: true }), async (p, lists) => {
        const world = logActor(p);
        let stopped = false;
        const refusedAsks: Observed<Log>[] = [];
        const sendErrors: unknown[] = [];
        const refusedIds: number[] = [];
        const post = (m: Message) => {
          if (!stopped) return world.post(m);
          refusedIds.push(m.id);
          if (m.ask) {
            const refused = observe(world.actor.ask(m));
            refusedAsks.push(refused);
            return refused;
          } else {
            let error: unknown = "send did not throw";
            try {
              world.actor.send(m);
            } catch (thrown) {
              error = thrown;
            }
            sendErrors.push(error);
          }
          return undefined;
        };
        // Two stoppers call stop() when the pacing says; each notes how many messages were handled by the
        // time its promise resolved.
        const finishedWhenResolved: number[] = [];
        const stoppers = [1, 2].map((n) =>
          observe(
            p.pause(`stop() call ${n}`).then(() => {
              stopped = true;
              return world.actor.stop().then(() => {
                finishedWhenResolved.push(world.finished.length);
              });
            }),
          ),
        );
        const running = startSenders(p, lists, post);
        await settle(p, world, running);
        await p.settle([...stoppers, ...refusedAsks], "stop() calls and refused asks");

        expect(finishedWhenResolved, "messages handled when each stop() resolved").toEqual([
          world.posted.length,
          world.posted.length,
        ]);
        expect(world.finished).toEqual(world.posted.map((m) => m.id));
        for (const ask of refusedAsks) expectStoppedError(ask.reason(), "ask on a stopped actor");
        for (const error of sendErrors) expectStoppedError(error, "send on a stopped actor");
        // ask on a stopped actor rejects: it does not throw at the caller.
        for (const sender of running)
          expect(sender.state(), "ask threw instead of rejecting").toBe("fulfilled");
        expect(world.finished.filter((id) => refusedIds.includes(id))).toEqual([]);
      }),
    );
  });

  it("waits for the mailbox even when called at once, then makes send throw and ask reject", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -9, max: 9 }), { maxLength: 5 }), async (values) => {
        const actor = spawn<number, number, number>(0, async (sum, value) => [sum + value, sum + value]);
        const asks = values.map((value) => observe(actor.ask(value)));
        // How many asks had their reply when stop()'s promise resolved: all of them, or stop was early.
        const stopping = observe(
          actor.stop().then(() => asks.filter((a) => a.state() === "fulfilled").length),
        );
        let sendError: unknown = "send did not throw";
        try {
          actor.send(1);
        } catch (error) {
          sendError = error;
        }
        expectStoppedError(sendError, "send on a stopped actor");
        let late: Observed<number> | undefined;
        expect(() => {
          late = observe(actor.ask(1));
        }, "ask on a stopped actor should reject, not throw").not.toThrow();
        const again = observe(actor.stop());
        await expectSettledAfterMicrotasks([...asks, stopping, late!, again], "calls");
        let sum = 0;
        values.forEach((value, i) => {
          sum += value;
          expect(asks[i]!.value()).toBe(sum);
        });
        expect(stopping.value(), "asks answered when stop() resolved").toBe(values.length);
        expectStoppedError(late!.reason(), "ask on a stopped actor");
        expect(again.state(), "a second stop() resolves too").toBe("fulfilled");
      }),
      // An empty mailbox: stop() has nothing to wait for and must still resolve; and a single message.
      { examples: [[[]], [[4]]] },
    );
  });
});
