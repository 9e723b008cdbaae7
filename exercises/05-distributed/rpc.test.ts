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
  /** Synchronous, and throws an Error with a name of its own when the balance is odd. */
  audit(): number {
    if (this.balance % 2 === 1) {
      const error = new Error(`odd balance ${this.balance}`);
      error.name = "AuditError";
      throw error;
    }
    return this.balance;
  }
  secret(): string {
    return "not for you";
  }
}

const EXPOSED = ["deposit", "get", "withdraw", "audit"] as const;

/** The Error a local call would throw, for comparing names and messages. */
function errorLike(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

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
            fc.record({ op: fc.constant("audit" as const), amount: fc.constant(0) }),
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
                      : op === "audit"
                        ? remote.audit()
                        : remote.get();
                let expected: number | Error;
                if (op === "deposit") {
                  local += amount;
                  expected = amount;
                } else if (op === "get") expected = local;
                else if (op === "audit")
                  expected = local % 2 === 1 ? errorLike("AuditError", `odd balance ${local}`) : local;
                else if (amount > local) expected = new RangeError(`cannot withdraw ${amount} from ${local}`);
                else {
                  local -= amount;
                  expected = local;
                }
                const got = await call.then(
                  (v) => v,
                  (e: unknown) => e,
                );
                const shown = op === "deposit" || op === "withdraw" ? `${op}(${amount})` : `${op}()`;
                if (expected instanceof Error) {
                  expect(
                    got,
                    `call ${i + 1}, ${shown} threw on the server${op === "audit" ? " (synchronously)" : ""}: the call must reject with an Error of the same name and message`,
                  ).toBeInstanceOf(Error);
                  expect((got as Error).name, `call ${i + 1}, ${shown}: the name of the error`).toBe(
                    expected.name,
                  );
                  expect((got as Error).message, `call ${i + 1}: the message of the error`).toBe(
                    expected.message,
                  );
                } else expect(got, `call ${i + 1}, ${shown}`).toBe(expected);
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

  it("speaks { id, method, args } requests and { id, value } or { id, error: { name, message } } replies, one per request", async () => {
    // The server end, driven by hand.
    const serverListeners: ((m: unknown) => void)[] = [];
    const replies: unknown[] = [];
    const serverPort: Port = {
      postMessage: (m) => replies.push(m),
      on: (_event, listener) => serverListeners.push(listener),
    };
    const target = {
      twice: (x: number) => 2 * x,
      later: async (x: number) => x + 1,
      fail: () => {
        throw new TypeError("no such thing");
      },
    };
    expose(target, ["twice", "later", "fail"], serverPort);
    const requests = [
      { id: 7, method: "twice", args: [21] },
      { id: 3, method: "later", args: [1] },
      { id: 9, method: "fail", args: [] },
    ];
    for (const request of requests) for (const listener of serverListeners) listener(request);
    const wanted = [
      { id: 7, value: 42 },
      { id: 3, value: 2 },
      { id: 9, error: { name: "TypeError", message: "no such thing" } },
    ];
    await withDeadline(
      (async () => {
        while (replies.length < wanted.length) await new Promise((resolve) => setImmediate(resolve));
      })(),
      scaledWait(1_000),
      "the server's replies to three requests",
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      [...replies].sort((a, b) => (a as { id: number }).id - (b as { id: number }).id),
      `expose answered ${JSON.stringify(requests)} with ${JSON.stringify(replies)}: one { id, value } or { id, error: { name, message } } per request`,
    ).toEqual([...wanted].sort((a, b) => a.id - b.id));

    // The client end, driven by hand.
    const clientListeners: ((m: unknown) => void)[] = [];
    const sent: { id: unknown; method: unknown; args: unknown }[] = [];
    const clientPort: Port = {
      postMessage: (m) => sent.push(m as { id: unknown; method: unknown; args: unknown }),
      on: (_event, listener) => clientListeners.push(listener),
    };
    const remote = proxy<typeof target>(clientPort);
    const first = observe(remote.twice(5));
    const second = observe(remote.fail());
    expect(
      sent.map(({ method, args }) => ({ method, args })),
      "what the proxy posted for twice(5) and fail()",
    ).toEqual([
      { method: "twice", args: [5] },
      { method: "fail", args: [] },
    ]);
    expect(sent[0]!.id === sent[1]!.id, "two requests must carry different ids").toBe(false);
    for (const listener of clientListeners)
      listener({ id: sent[1]!.id, error: { name: "TypeError", message: "no" } });
    for (const listener of clientListeners) listener({ id: sent[0]!.id, value: 10 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(first.value(), "twice(5) after the reply { id, value: 10 } to its request").toBe(10);
    expect(second.state(), "fail() after the reply { id, error } to its request").toBe("rejected");
    expect(
      [(second.reason() as Error).name, (second.reason() as Error).message],
      'fail() after the reply { id, error: { name: "TypeError", message: "no" } }: the Error it rejects with',
    ).toEqual(["TypeError", "no"]);
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
