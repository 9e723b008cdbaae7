import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { microtaskPacing, type Pacing, pacing, settlingCell } from "../../grader/harness/pacing.ts";
import {
  expectSettledAfterMicrotasks,
  type Observed,
  OverlapProbe,
  observe,
  PlannedFailure,
} from "../../grader/harness/scheduler.ts";
import { type AsyncMutex, createAsyncMutex, type Store, safeIncrement } from "./async-mutex.ts";

/**
 * The callers of one run: how many paused steps each critical section takes, and when the caller arrives:
 * at the start, or just after an earlier caller's section ends (`after`), which is where a newcomer can
 * slip past a waiter that the release has woken but that has not run yet.
 */
const workload = fc.array(
  fc.record({
    steps: fc.integer({ min: 0, max: 3 }),
    after: fc.option(fc.nat(), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 6 },
);
type Workload = readonly { readonly steps: number; readonly after: number | undefined }[];

/** A promise and the function that resolves it. */
function signal() {
  let fire = () => {};
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fired, fire };
}

/**
 * Callers arrive when the pacing says (some right after an earlier caller's section ends); each runs a
 * critical section that pauses `steps` times before it returns. Returns what happened, in order, and every
 * moment at which `mutex.locked` was false although a caller was waiting for its turn or inside.
 */
function startCallers(
  p: Pacing,
  mutex: AsyncMutex,
  callers: Workload,
  section: (caller: number) => Promise<number> = async (caller) => caller,
) {
  const probe = new OverlapProbe();
  const calledInOrder: number[] = [];
  const startedInOrder: number[] = [];
  const lockedInside: boolean[] = [];
  const unlockedWhileBusy: string[] = [];
  const left = callers.map(() => signal());
  // Callers that have called runExclusive and whose section has not finished yet.
  const busy = new Set<number>();
  const lookAtLocked = (moment: string) => {
    if (busy.size > 0 && !mutex.locked)
      unlockedWhileBusy.push(`${moment}, while caller ${[...busy].join(", ")} had called runExclusive`);
  };
  const calls = callers.map(({ steps, after }, caller) => {
    const anchor = after === undefined || caller === 0 ? undefined : after % caller;
    // Plain awaits, no extra promise hops: an anchored caller can arrive one microtask after the release.
    const arrive = async () => {
      if (anchor !== undefined) await left[anchor]!.fired;
      await p.pause(`caller ${caller} arrives${anchor === undefined ? "" : ` after caller ${anchor}`}`);
      lookAtLocked(`when caller ${caller} arrived`);
      calledInOrder.push(caller);
      busy.add(caller);
      const result = mutex.runExclusive(async () => {
        probe.enter();
        startedInOrder.push(caller);
        lockedInside.push(mutex.locked);
        try {
          for (let i = 0; i < steps; i++) {
            await p.pause(`caller ${caller} step ${i + 1}`);
            lookAtLocked(`at caller ${caller}'s step ${i + 1}`);
          }
          return await section(caller);
        } finally {
          probe.leave();
          busy.delete(caller);
          left[caller]!.fire();
        }
      });
      lookAtLocked(`just after caller ${caller} called runExclusive`);
      return result;
    };
    return observe(arrive());
  });
  // Whatever happens, an anchored caller must not wait for a section that never runs.
  for (const [caller, call] of calls.entries())
    call.promise.catch(() => {}).finally(() => left[caller]!.fire());
  return { probe, calls, calledInOrder, startedInOrder, lockedInside, unlockedWhileBusy };
}

const calledOrder = (called: readonly number[], started: readonly number[]) =>
  `callers called runExclusive in the order ${called.join(", ")} but their sections started in the order ${started.join(", ")}`;

describe("createAsyncMutex", () => {
  it("never lets two critical sections run at once", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), workload, async (p, callers) => {
        const { probe, calls } = startCallers(p, createAsyncMutex(), callers);
        await p.settle(calls, "runExclusive calls");
        expect(probe.max, `${probe.max} critical sections ran at the same time`).toBe(1);
      }),
    );
  });

  it("serves callers in the order they called runExclusive, even one arriving just after a release", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), workload, async (p, callers) => {
        const { calls, calledInOrder, startedInOrder } = startCallers(p, createAsyncMutex(), callers);
        await p.settle(calls, "runExclusive calls");
        expect(startedInOrder, calledOrder(calledInOrder, startedInOrder)).toEqual(calledInOrder);
      }),
    );
  });

  it("gives each caller the result of its own critical section", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), workload, async (p, callers) => {
        const { calls } = startCallers(p, createAsyncMutex(), callers, async (caller) => caller * 10);
        await p.settle(calls, "runExclusive calls");
        expect(calls.map((c) => c.value())).toEqual(callers.map((_, caller) => caller * 10));
      }),
    );
  });

  it("passes a failing section's error to its caller and goes on serving the others", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), workload, fc.func(fc.boolean()), async (p, callers, fails) => {
        const mutex = createAsyncMutex();
        const { probe, calls } = startCallers(p, mutex, callers, async (caller) => {
          if (fails(caller)) throw new PlannedFailure(caller);
          return caller;
        });
        await p.settle(calls, "runExclusive calls");
        expect(probe.max, `${probe.max} critical sections ran at the same time`).toBe(1);
        calls.forEach((call, caller) => {
          if (fails(caller))
            expect(call.reason(), `caller ${caller} should get its section's error`).toEqual(
              new PlannedFailure(caller),
            );
          else expect(call.value(), `caller ${caller} should get its section's result`).toBe(caller);
        });
        expect(mutex.locked, "locked once every caller is done").toBe(false);
      }),
    );
  });

  it("also runs plain (non-async) functions, including ones that throw", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), async (throws) => {
        const mutex = createAsyncMutex();
        const calls: Observed<number>[] = throws.map((fail, i) =>
          observe(
            mutex.runExclusive(() => {
              if (fail) throw new PlannedFailure(i);
              return i;
            }),
          ),
        );
        await expectSettledAfterMicrotasks(calls, "runExclusive calls");
        throws.forEach((fail, i) => {
          expect(calls[i]!.state(), `call ${i}'s promise`).toBe(fail ? "rejected" : "fulfilled");
          if (fail)
            expect(calls[i]!.reason(), `call ${i} should get the error its function threw`).toEqual(
              new PlannedFailure(i),
            );
          else expect(calls[i]!.value(), `call ${i} should get what its function returned`).toBe(i);
        });
        expect(mutex.locked).toBe(false);
      }),
    );
  });

  it("keeps mutexes apart: a new one is unlocked, and its sections run while another mutex is held", async () => {
    const outer = createAsyncMutex();
    const before = createAsyncMutex();
    let madeInside: AsyncMutex | undefined;
    const call = observe(
      outer.runExclusive(async () => {
        madeInside = createAsyncMutex();
        const lockedWhenNew = madeInside.locked;
        return [
          lockedWhenNew,
          await before.runExclusive(() => "before"),
          await madeInside.runExclusive(() => "inside"),
        ];
      }),
    );
    await expectSettledAfterMicrotasks(
      [call],
      "runExclusive calls of a second mutex inside the first one's section",
    );
    expect(
      call.value(),
      "a mutex made while another is held starts unlocked and runs its own sections",
    ).toEqual([false, "before", "inside"]);
  });

  it("is locked from a call of runExclusive until its section is done, and unlocked once idle", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), workload, async (p, callers) => {
        const mutex = createAsyncMutex();
        expect(mutex.locked, "a new mutex is unlocked").toBe(false);
        const { calls, lockedInside, unlockedWhileBusy } = startCallers(p, mutex, callers);
        await p.settle(calls, "runExclusive calls");
        expect(
          lockedInside.every((locked) => locked),
          "locked was false inside a critical section",
        ).toBe(true);
        expect(unlockedWhileBusy, "moments when mutex.locked was false").toEqual([]);
        expect(mutex.locked, "locked once every caller is done").toBe(false);
      }),
    );
  });
});

describe("safeIncrement", () => {
  /** A store whose reads and writes land when their promise settles, in the order the pacing picks. */
  const storeFor = (p: Pacing): Store & { readonly value: number } => settlingCell(p.pause, 0, "store");

  it("loses no increment when many callers share one store", async () => {
    await fc.assert(
      fc.asyncProperty(
        pacing(),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
        async (p, times) => {
          const store = storeFor(p);
          const mutex = createAsyncMutex();
          const calls = times.map((t) => observe(safeIncrement(store, mutex, t)));
          await p.settle(calls, "safeIncrement calls");
          const total = times.reduce((a, b) => a + b, 0);
          expect(store.value, `${total - store.value} of ${total} increments were lost`).toBe(total);
        },
      ),
    );
  });

  it("has added exactly `times` by the time it resolves, for a single caller, and nothing for zero", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), fc.integer({ min: 0, max: 6 }), async (p, times) => {
        const store = storeFor(p);
        const call = observe(safeIncrement(store, createAsyncMutex(), times).then(() => store.value));
        await p.settle([call], "safeIncrement calls");
        expect(
          call.value(),
          "the store's value when safeIncrement resolved (does it await every get and set?)",
        ).toBe(times);
        expect(store.value).toBe(times);
      }),
      // Zero times, and one, in every run.
      {
        examples: [
          [microtaskPacing([0]), 0],
          [microtaskPacing([1]), 1],
          [microtaskPacing([0]), 1],
        ],
      },
    );
  });

  it("adds one at a time: every write the store sees is one more than the write before it", async () => {
    await fc.assert(
      fc.asyncProperty(
        pacing(),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        async (p, times) => {
          const cell = storeFor(p);
          // The writes in the order they land in the store.
          const writes: number[] = [];
          const store: Store = {
            get: () => cell.get(),
            set: async (value) => {
              await cell.set(value);
              writes.push(value);
            },
          };
          const mutex = createAsyncMutex();
          const calls = times.map((t) => observe(safeIncrement(store, mutex, t)));
          await p.settle(calls, "safeIncrement calls");
          const total = times.reduce((a, b) => a + b, 0);
          expect(writes, "the values written, in the order they landed").toEqual(
            Array.from({ length: total }, (_, i) => i + 1),
          );
        },
      ),
    );
  });
});
