import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  expectAllSettle,
  expectSettledAfterMicrotasks,
  type Observed,
  OverlapProbe,
  observe,
  PlannedFailure,
} from "../../grader/harness/scheduler.ts";
import { type AsyncMutex, createAsyncMutex, type Store, safeIncrement } from "./async-mutex.ts";

/** How many callers, and how many awaits each critical section makes before it returns. */
const workload = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 });

/**
 * Callers arrive in an order the scheduler picks; each runs a critical section that awaits `steps`
 * scheduled turns. Returns what happened, in order.
 */
function startCallers(
  s: fc.Scheduler,
  mutex: AsyncMutex,
  steps: readonly number[],
  section: (caller: number) => Promise<number> = async (caller) => caller,
) {
  const probe = new OverlapProbe();
  const calledInOrder: number[] = [];
  const startedInOrder: number[] = [];
  const lockedInside: boolean[] = [];
  const calls = steps.map((count, caller) =>
    observe(
      s.schedule(Promise.resolve(), `caller ${caller} arrives`).then(() => {
        calledInOrder.push(caller);
        return mutex.runExclusive(async () => {
          probe.enter();
          startedInOrder.push(caller);
          lockedInside.push(mutex.locked);
          try {
            for (let i = 0; i < count; i++)
              await s.schedule(Promise.resolve(), `caller ${caller} step ${i + 1}`);
            return await section(caller);
          } finally {
            probe.leave();
          }
        });
      }),
    ),
  );
  return { probe, calls, calledInOrder, startedInOrder, lockedInside };
}

describe("createAsyncMutex", () => {
  it("never lets two critical sections run at once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), workload, async (s, steps) => {
        const { probe, calls } = startCallers(s, createAsyncMutex(), steps);
        await expectAllSettle(s, calls, "runExclusive calls");
        expect(probe.max).toBe(1);
      }),
    );
  });

  it("serves callers in the order they called runExclusive", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), workload, async (s, steps) => {
        const { calls, calledInOrder, startedInOrder } = startCallers(s, createAsyncMutex(), steps);
        await expectAllSettle(s, calls, "runExclusive calls");
        expect(startedInOrder).toEqual(calledInOrder);
      }),
    );
  });

  it("gives each caller the result of its own critical section", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), workload, async (s, steps) => {
        const { calls } = startCallers(s, createAsyncMutex(), steps, async (caller) => caller * 10);
        await expectAllSettle(s, calls, "runExclusive calls");
        expect(calls.map((c) => c.value())).toEqual(steps.map((_, caller) => caller * 10));
      }),
    );
  });

  it("passes a failing section's error to its caller and goes on serving the others", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), workload, fc.func(fc.boolean()), async (s, steps, fails) => {
        const mutex = createAsyncMutex();
        const { probe, calls } = startCallers(s, mutex, steps, async (caller) => {
          if (fails(caller)) throw new PlannedFailure(caller);
          return caller;
        });
        await expectAllSettle(s, calls, "runExclusive calls");
        expect(probe.max).toBe(1);
        calls.forEach((call, caller) => {
          if (fails(caller)) expect(call.reason()).toEqual(new PlannedFailure(caller));
          else expect(call.value()).toBe(caller);
        });
        expect(mutex.locked).toBe(false);
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
          expect(calls[i]!.state()).toBe(fail ? "rejected" : "fulfilled");
        });
        expect(mutex.locked).toBe(false);
      }),
    );
  });

  it("is locked while a section runs and unlocked once every caller is done", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), workload, async (s, steps) => {
        const mutex = createAsyncMutex();
        expect(mutex.locked).toBe(false);
        const { calls, lockedInside } = startCallers(s, mutex, steps);
        await expectAllSettle(s, calls, "runExclusive calls");
        expect(lockedInside.every((locked) => locked)).toBe(true);
        expect(mutex.locked).toBe(false);
      }),
    );
  });
});

describe("safeIncrement", () => {
  /** A store whose every get and set resolves when the scheduler says so. */
  function scheduledStore(s: fc.Scheduler): Store & { value: number } {
    const store: Store & { value: number } = {
      value: 0,
      get: s.scheduleFunction(async () => store.value),
      set: s.scheduleFunction(async (v: number) => {
        store.value = v;
      }),
    };
    return store;
  }

  it("loses no increment when many callers share one store", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
        async (s, times) => {
          const store = scheduledStore(s);
          const mutex = createAsyncMutex();
          const calls = times.map((t) => observe(safeIncrement(store, mutex, t)));
          await expectAllSettle(s, calls, "safeIncrement calls");
          expect(store.value).toBe(times.reduce((a, b) => a + b, 0));
        },
      ),
    );
  });

  it("adds exactly `times` for a single caller, and nothing for zero", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 0, max: 6 }), async (s, times) => {
        const store = scheduledStore(s);
        const call = observe(safeIncrement(store, createAsyncMutex(), times));
        await expectAllSettle(s, [call], "safeIncrement calls");
        expect(store.value).toBe(times);
      }),
    );
  });
});
