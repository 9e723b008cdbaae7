import { MessageChannel } from "node:worker_threads";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scaledWait, withDeadline } from "../../grader/harness/deadline.ts";
import { expectAllSettle, type Observed, observe } from "../../grader/harness/scheduler.ts";
import { expose, NotExposedError, type Port, proxy } from "./rpc.ts";

/**
 * A line whose every message arrives on its own scheduled turn, in any order: a network may reorder what a
 * MessagePort would not.
 */
function scheduledLine(s: fc.Scheduler): [Port, Port] {
  const listeners: [((m: unknown) => void)[], ((m: unknown) => void)[]] = [[], []];
  const end = (me: 0 | 1): Port => ({
    postMessage(message) {
      const copy = structuredClone(message);
      void s.schedule(Promise.resolve(), `message to the ${me === 0 ? "server" : "client"}`).then(() => {
        for (const listener of listeners[1 - me]!) listener(copy);
      });
    },
    on(_event, listener) {
      listeners[me].push(listener);
      return this;
    },
  });
  return [end(0), end(1)];
}

/** The object the tests expose: an account whose methods await scheduled turns before they answer. */
class Account {
  balance = 0;
  constructor(private readonly s: fc.Scheduler) {}
  async deposit(amount: number, steps: number): Promise<number> {
    for (let i = 0; i < steps; i++)
      await this.s.schedule(Promise.resolve(), `deposit ${amount} step ${i + 1}`);
    this.balance += amount;
    return amount;
  }
  get(): number {
    return this.balance;
  }
  async withdraw(amount: number): Promise<number> {
    if (amount > this.balance) throw new RangeError(`cannot withdraw ${amount} from ${this.balance}`);
    this.balance -= amount;
    return this.balance;
  }
  secret(): string {
    return "not for you";
  }
}

const EXPOSED = ["deposit", "get", "withdraw"] as const;

function connect(s: fc.Scheduler) {
  const [client, server] = scheduledLine(s);
  const account = new Account(s);
  const stop = expose(account, [...EXPOSED], server);
  const remote = proxy<Account>(client);
  return { account, remote, stop };
}

describe("proxy", () => {
  it("gives each of many concurrent calls its own result, whatever order the replies arrive in", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ amount: fc.integer({ min: 1, max: 99 }), steps: fc.nat({ max: 3 }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (s, calls) => {
          const { remote } = connect(s);
          const results = calls.map(({ amount, steps }) => observe(remote.deposit(amount, steps)));
          await expectAllSettle(s, results, "remote calls");
          calls.forEach(({ amount }, i) => {
            expect(
              results[i]!.value(),
              `call ${i + 1}, deposit(${amount}), resolved with ${String(results[i]!.value())}: each call must get the reply to its own request (give requests ids and match replies by id)`,
            ).toBe(amount);
          });
        },
      ),
    );
  });

  it("returns what the same calls return on a local object, one after the other", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("deposit" as const), amount: fc.integer({ min: 1, max: 50 }) }),
            fc.record({ op: fc.constant("withdraw" as const), amount: fc.integer({ min: 1, max: 80 }) }),
            fc.record({ op: fc.constant("get" as const), amount: fc.constant(0) }),
          ),
          { maxLength: 8 },
        ),
        async (s, ops) => {
          const { remote } = connect(s);
          let local = 0;
          const run = observe(
            (async () => {
              for (const [i, { op, amount }] of ops.entries()) {
                const call =
                  op === "deposit"
                    ? remote.deposit(amount, 0)
                    : op === "withdraw"
                      ? remote.withdraw(amount)
                      : remote.get();
                let expected: number | RangeError;
                if (op === "deposit") {
                  local += amount;
                  expected = amount;
                } else if (op === "get") expected = local;
                else if (amount > local) expected = new RangeError(`cannot withdraw ${amount} from ${local}`);
                else {
                  local -= amount;
                  expected = local;
                }
                const got = await call.then(
                  (v) => v,
                  (e: unknown) => e,
                );
                if (expected instanceof Error) {
                  expect(
                    got,
                    `call ${i + 1}, ${op}(${amount}) threw on the server: the call must reject with an Error of the same name and message`,
                  ).toBeInstanceOf(Error);
                  expect((got as Error).name, `call ${i + 1}: the name of the error`).toBe("RangeError");
                  expect((got as Error).message, `call ${i + 1}: the message of the error`).toBe(
                    expected.message,
                  );
                } else expect(got, `call ${i + 1}, ${op}(${op === "get" ? "" : amount})`).toBe(expected);
              }
            })(),
          );
          await expectAllSettle(s, [run], "sequences of remote calls");
          if (run.state() === "rejected") throw run.reason();
        },
      ),
    );
  });

  it("refuses, with a NotExposedError, every method that was not exposed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.constantFrom(
          "secret",
          "constructor",
          "__proto__",
          "toString",
          "hasOwnProperty",
          "balance",
          "nothing",
        ),
        async (s, name) => {
          const { remote, account } = connect(s);
          const call = observe((remote as unknown as Record<string, () => Promise<unknown>>)[name]!());
          await expectAllSettle(s, [call], "remote calls");
          expect(
            call.state(),
            `calling ${name}, which was not exposed, must reject, not resolve with ${String(call.value())}`,
          ).toBe("rejected");
          expect(call.reason(), `calling ${name}, which was not exposed`).toBeInstanceOf(NotExposedError);
          expect(account.balance, "the account must be untouched").toBe(0);
        },
      ),
    );
  });

  it("makes every call reject once the server stopped, instead of hanging", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 4 }), async (s, n) => {
        const { remote, stop } = connect(s);
        stop();
        const calls: Observed<unknown>[] = Array.from({ length: n }, () => observe(remote.get()));
        await expectAllSettle(s, calls, "calls after stop()");
        for (const call of calls) {
          expect(call.state(), "a call after stop() must reject").toBe("rejected");
          expect(call.reason(), "a call after stop()").toBeInstanceOf(NotExposedError);
        }
      }),
    );
  });

  it("works over a real MessageChannel", async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const counter = {
        n: 0,
        add(k: number) {
          counter.n += k;
          return counter.n;
        },
      };
      expose(counter, ["add"], port2);
      const remote = proxy<typeof counter>(port1);
      const results = await withDeadline(
        Promise.all([remote.add(1), remote.add(2), remote.add(3)]),
        scaledWait(5_000),
        "three calls over a MessageChannel",
      );
      expect(results, "add(1), add(2), add(3) on a counter that starts at 0").toEqual([1, 3, 6]);
    } finally {
      port1.close();
    }
  });
});
