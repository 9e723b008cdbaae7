import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  microtaskPacing,
  microtasks,
  type Pacing,
  pacing,
  scheduledPacing,
  settleWith,
  settlingCell,
} from "../harness/pacing.ts";
import { observe } from "../harness/scheduler.ts";

/** A toy lock with the gap the pacing must reach: release clears the flag two microtasks late. */
function lateFlagLock() {
  let held = false;
  return {
    get held() {
      return held;
    },
    tryAcquire(): boolean {
      if (held) return false;
      held = true;
      return true;
    },
    async release(): Promise<void> {
      await Promise.resolve();
      await Promise.resolve();
      held = false;
    },
  };
}

/** One holder releases after a pause; a newcomer arrives after another and checks the flag on arrival. */
async function newcomerSeesAHeldFlagAfterRelease(p: Pacing): Promise<boolean> {
  const lock = lateFlagLock();
  lock.tryAcquire();
  let released = false;
  let sawStale = false;
  const holder = observe(
    (async () => {
      await p.pause("holder works");
      released = true;
      await lock.release();
    })(),
  );
  const newcomer = observe(
    (async () => {
      await p.pause("newcomer arrives");
      if (released && lock.held) sawStale = true;
    })(),
  );
  await p.settle([holder, newcomer], "activities");
  return sawStale;
}

describe("microtasks", () => {
  it("ends pauses in the order of their length, ties in the order they began", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 6 }), { maxLength: 8 }), async (lengths) => {
        const ended: number[] = [];
        await Promise.all(lengths.map((n, i) => microtasks(n).then(() => ended.push(i))));
        const expected = lengths.map((n, i) => [n, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(ended).toEqual(expected.map(([, i]) => i));
      }),
      { seed: 1 },
    );
  });
});

describe("pacing", () => {
  it("at microtask grain reaches a gap of two microtasks that scheduled steps never reach", async () => {
    // Scheduled steps: the holder's release has long finished when the newcomer's step comes.
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        expect(await newcomerSeesAHeldFlagAfterRelease(scheduledPacing(s))).toBe(false);
      }),
      { seed: 1 },
    );
    // Microtask grain: some delays put the newcomer inside the gap.
    const inGap = await newcomerSeesAHeldFlagAfterRelease(microtaskPacing([0, 1]));
    expect(inGap, "a newcomer one microtask behind the release sees the flag still set").toBe(true);
    const found = await fc.check(
      fc.asyncProperty(pacing(), async (p) => !(await newcomerSeesAHeldFlagAfterRelease(p))),
      { seed: 1 },
    );
    expect(found.failed, "pacing() finds the gap at the default grading run count").toBe(true);
    expect(String(found.counterexample?.[0])).toMatch(/^microtask pauses/);
  });

  it("generates both grains, and reports the pauses of a run", async () => {
    const grains = new Set<string>();
    await fc.assert(
      fc.asyncProperty(pacing(), async (p) => {
        grains.add(p.grain);
        const calls = ["first", "second"].map((name) => observe(p.pause(name)));
        await p.settle(calls, "pauses");
        expect(String(p)).toContain("first");
        expect(fc.stringify(p)).toBe(String(p));
      }),
      { seed: 1, numRuns: 40 },
    );
    expect([...grains].sort()).toEqual(["microtasks", "scheduled steps"]);
  });

  it("microtaskPacing ends pauses after the given delays, cycling through them", async () => {
    const p = microtaskPacing([3, 0]);
    const ended: string[] = [];
    await Promise.all(["a", "b", "c"].map((label) => p.pause(label).then(() => ended.push(label))));
    // a waits 3, b 0, c 3 again (the list cycles): b first, then a and c in the order they began.
    expect(ended).toEqual(["b", "a", "c"]);
    expect(String(p)).toBe(
      "microtask pauses, in the order they began:\n  a: 3 microtasks\n  b: 0 microtasks\n  c: 3 microtasks",
    );
  });

  it("scheduledPacing makes each pause a step of the scheduler, named by its label", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const p = scheduledPacing(s, [2]);
        const call = observe(p.pause("caller 1 arrives"));
        expect(s.report().map((r) => r.label)).toEqual(["caller 1 arrives"]);
        await p.settle([call]);
        expect(String(p)).toContain("caller 1 arrives (+2 microtasks)");
      }),
      { seed: 1, numRuns: 5 },
    );
  });

  it("settle fails naming how many calls are stuck, at either grain", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), async (p) => {
        const never = observe(new Promise<void>(() => {}));
        const done = observe(p.pause("done"));
        await expect(p.settle([never, done], "asks")).rejects.toThrow(/^1 of 2 asks never finished/);
      }),
      { seed: 1, numRuns: 10 },
    );
  });
});

describe("settlingCell", () => {
  it("lands a write when its promise settles, not when set is called", async () => {
    const cell = settlingCell(microtaskPacing([4]).pause, 0);
    const write = cell.set(5);
    await microtasks(2);
    expect(cell.value, "the write is still in flight").toBe(0);
    await write;
    expect(cell.value).toBe(5);
  });

  it("reads the value as it is when the read settles", async () => {
    const cell = settlingCell(microtaskPacing([3, 0]).pause, 1);
    const read = cell.get(); // 3 microtasks
    await cell.set(2); // 0 microtasks: lands first
    await expect(read).resolves.toBe(2);
  });

  it("lands two writes in flight in the order the pacing picks, so an unawaited write can be lost", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), async (p) => {
        const cell = settlingCell(p.pause, "start", "row");
        const writes = [observe(cell.set("first")), observe(cell.set("second"))];
        await p.settle(writes, "writes");
        expect(["first", "second"]).toContain(cell.value);
      }),
      { seed: 1, numRuns: 30 },
    );
    const orders = new Set<string>();
    for (const ticks of [
      [0, 2],
      [2, 0],
    ]) {
      const cell = settlingCell(microtaskPacing(ticks).pause, "start");
      await Promise.all([cell.set("first"), cell.set("second")]);
      orders.add(cell.value);
    }
    expect([...orders].sort()).toEqual(["first", "second"]);
  });

  it("settleWith runs the effect once, at the end of the pause, and passes its result on", async () => {
    let runs = 0;
    const result = settleWith(microtaskPacing([2]).pause, "answer", () => ++runs);
    expect(runs).toBe(0);
    await expect(result).resolves.toBe(1);
    expect(runs).toBe(1);
  });
});
