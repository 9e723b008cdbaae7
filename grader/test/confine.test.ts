/**
 * Confinement of learner code (grader/src/confine/): the compartment, the membrane and the capabilities,
 * tested directly with small learner modules. The end-to-end cases (a graded submission that tries each
 * attack) are in attacks.test.ts; here each mechanism is checked on its own.
 */
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileLearnerModule } from "../src/confine/compile.ts";
import { FROZEN_BUILT_INS } from "../src/confine/explain.ts";
import { reachableFrom } from "../src/confine/intrinsics.ts";
import { confinedRealm, evaluateLearnerModule, type LearnerModuleContext } from "../src/confine/load.ts";
import { isLockedDown } from "../src/confine/realm.ts";

const { membrane, globals } = confinedRealm();

let counter = 0;
/** Evaluate `source` as a learner module of a made-up exercise, with the given modules. */
function learner<T = Record<string, unknown>>(
  source: string,
  context: Partial<LearnerModuleContext> = {},
): T {
  const file = `/course-test/exercises/00-test/module-${counter++}.ts`;
  return evaluateLearnerModule(compileLearnerModule(file, source), {
    exercise: "00-test/sample",
    name: "exercises/00-test/sample.ts",
    modules: {},
    allowed: [],
    ...context,
  }) as T;
}

describe("the realm", () => {
  it("is locked down: the built-ins every test relies on are frozen", () => {
    expect(isLockedDown()).toBe(true);
    for (const shared of [
      Object.prototype,
      Array.prototype,
      Promise.prototype,
      Function.prototype,
      Atomics,
    ]) {
      expect(Object.isFrozen(shared)).toBe(true);
    }
  });

  it("refuses a learner's change to a built-in, saying the course freezes them and where it happened", () => {
    const { poison } = learner<{ poison: () => void }>(
      "interface Unused { a: number }\n\nexport function poison() {\n  (Array.prototype as any).includes = () => true;\n}",
    );
    let thrown: unknown;
    try {
      poison();
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toContain(FROZEN_BUILT_INS);
    // The frame is the learner's own line 4, not a line of the compiled program.
    expect((thrown as Error).stack).toMatch(/^TypeError: .*The course freezes/);
    expect((thrown as Error).stack).toMatch(/\/module-\d+\.ts:4:\d+\)/);
    expect([1].includes(2)).toBe(false);
  });
});

describe("a learner module's compartment", () => {
  it("has no require of its own, no test framework, and a process with only nextTick and pid", () => {
    const { probe } = learner<{ probe: () => [string[], string[]] }>(`
      export function probe(): [string[], string[]] {
        const g = globalThis as Record<string, unknown>;
        const found = ["require", "module", "expect", "vi", "__vitest_worker__", "global"]
          .filter((name) => g[name] !== undefined);
        return [found, Reflect.ownKeys(g.process as object).map(String).sort()];
      }`);
    expect(probe()).toEqual([[], ["nextTick", "pid"]]);
  });

  it("has Buffer behind the membrane: its answers cross as copies, and it cannot be changed", () => {
    const { bytes } = learner<{ bytes: () => [number, string, boolean, string[]] }>(`
      export function bytes(): [number, string, boolean, string[]] {
        const refused: string[] = [];
        const b = Buffer as unknown as Record<string, unknown>;
        try { b.poolSize = 0; } catch { refused.push("poolSize"); }
        try { (b.prototype as Record<string, unknown>).toString = () => "mine"; } catch { refused.push("prototype"); }
        const made = Buffer.from("hé");
        return [Buffer.byteLength("hé"), Object.prototype.toString.call(made), made instanceof Uint8Array, refused];
      }`);
    const [length, kind, isBytes, refused] = bytes();
    expect(length).toBe(3);
    expect(kind).toBe("[object Uint8Array]");
    expect(isBytes).toBe(true);
    expect(refused).toEqual(["poolSize", "prototype"]);
    expect(Buffer.poolSize).toBeGreaterThan(0);
    expect(Buffer.from("x").toString()).toBe("x");
  });

  it("cannot reach the tests' global object through the Function constructor", () => {
    const { breakOut } = learner<{ breakOut: () => string }>(`
      export function breakOut() {
        try { return typeof (() => {}).constructor("return globalThis")().process; }
        catch (e) { return "refused: " + (e as Error).message; }
      }`);
    expect(breakOut()).toMatch(/^refused: /);
  });

  it("fails to import the test framework, naming the module and what the exercise offers", () => {
    expect(() =>
      learner('import { afterEach } from "vitest"; afterEach(() => {});', { allowed: ["node:os"] }),
    ).toThrow(/imports "vitest", which 00-test\/sample does not offer\. Its code may import: node:os\./);
  });

  it("gets only the modules it is granted, and those only as the learner's side of them", () => {
    const double = {
      hits: 0,
      hit() {
        return ++this.hits;
      },
    };
    const { use } = learner<{ use: () => number }>(
      'import { hit } from "./given.ts"; export const use = () => hit();',
      { modules: { "./given.ts": { hit: () => double.hit() } } },
    );
    expect(use()).toBe(1);
    expect(double.hits).toBe(1);
  });

  it("keeps time and randomness working (the start compartment's Date and Math)", () => {
    const { now } = learner<{ now: () => [number, number] }>(
      "export const now = () => [Date.now(), Math.random()];",
    );
    const [time, random] = now();
    expect(time).toBeGreaterThan(0);
    expect(random).toBeGreaterThanOrEqual(0);
  });
});

describe("what the course receives from a learner", () => {
  it("never lets a learner's object answer for vitest's equality (asymmetricMatch)", () => {
    const { fake, nested } = learner<{ fake: () => unknown; nested: () => unknown }>(`
      const liar = { asymmetricMatch: () => true, $$typeof: Symbol.for("jest.asymmetricMatcher") };
      export const fake = () => liar;
      export const nested = () => [{ value: liar }];`);
    expect(fake()).not.toEqual(42);
    expect(nested()).not.toEqual([{ value: 42 }]);
    expect("asymmetricMatch" in (fake() as object)).toBe(false);
  });

  it("never lets a thrown value pass as fast-check's precondition failure", () => {
    const { skip } = learner<{ skip: (n: number) => number }>(`
      export function skip(n: number): number {
        if (n > 3) throw { footprint: Symbol.for("fast-check/PreconditionFailure") };
        return n;
      }`);
    expect(() =>
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 10 }), (n) => skip(n) === n),
        { seed: 1 },
      ),
    ).toThrow();
  });

  it("copies data: what a learner returns cannot change after the course has it", () => {
    const { make, change } = learner<{ make: () => number[]; change: () => void }>(`
      const kept = [1, 2, 3];
      export const make = () => kept;
      export const change = () => { kept[0] = 99; };`);
    const got = make();
    change();
    expect(got).toEqual([1, 2, 3]);
  });

  it("keeps a non-index key of a returned array, and a Map's entries", () => {
    const { odd } = learner<{ odd: () => [unknown[], Map<string, number>] }>(`
      export const odd = () => { const a: any = [1]; a.extra = "x"; return [a, new Map([["k", 1]])]; };`);
    const [array, map] = odd();
    expect((array as unknown as Record<string, unknown>).extra).toBe("x");
    expect(map).toEqual(new Map([["k", 1]]));
  });

  it("rebuilds a thrown error with its class, name, message and primitive fields only", () => {
    const { fail } = learner<{ fail: () => never }>(`
      class Custom extends RangeError {
        code = "E_CUSTOM";
        asymmetricMatch = () => true;
        constructor() { super("out of range"); this.name = "Custom"; }
      }
      export function fail(): never { throw new Custom(); }`);
    let caught: unknown;
    try {
      fail();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect(caught).toMatchObject({ name: "Custom", message: "out of range", code: "E_CUSTOM" });
    expect((caught as Record<string, unknown>).asymmetricMatch).toBeUndefined();
  });

  it("ends a runaway recursion through the membrane with the same error every time", () => {
    const { recurse } = learner<{ recurse: (step: (n: number) => number) => number }>(
      "export function recurse(step: (n: number) => number): number { const go = (n: number): number => step(n) + go(n + 1); return go(0); }",
    );
    const messages = new Set<string>();
    for (let i = 0; i < 5; i++) {
      try {
        recurse((n) => n);
      } catch (error) {
        messages.add(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    expect([...messages]).toEqual(["RangeError: Maximum call stack size exceeded"]);
  });

  it("turns a learner's promise into a promise of copies", async () => {
    const { later } = learner<{ later: () => Promise<unknown> }>(
      "export const later = async () => ({ n: 1, list: [1, 2] });",
    );
    await expect(later()).resolves.toEqual({ n: 1, list: [1, 2] });
  });

  it("shows a class and its instances as views whose methods, getters and statics work", () => {
    const { Counter } = learner<{
      Counter: new (start: number) => { add(n: number): number; readonly value: number };
    }>(`
      export class Counter {
        #n: number;
        constructor(start: number) { this.#n = start; }
        static zero() { return new Counter(0); }
        add(n: number) { this.#n += n; return this.#n; }
        get value() { return this.#n; }
      }`);
    const counter = new Counter(2);
    expect(counter.add(3)).toBe(5);
    expect(counter.value).toBe(5);
    expect(counter).toBeInstanceOf(Counter);
    const zero = (Counter as unknown as { zero(): { value: number } }).zero();
    expect(zero.value).toBe(0);
  });
});

describe("what a learner receives from the course", () => {
  it("writes into an array the test handed over to be written, converting what it puts there", () => {
    const { collect } = learner<{ collect: (into: unknown[]) => void }>(`
      export function collect(into: unknown[]) { into.push(1, { asymmetricMatch: () => true }); into[5] = 2; }`);
    const into: unknown[] = membrane.allowWrites([]);
    collect(into);
    expect(into[0]).toBe(1);
    expect(into[5]).toBe(2);
    expect(into).not.toEqual([1, 2, undefined, undefined, undefined, 2]);
  });

  it("cannot change the test's own arrays, records and collections, by any route", () => {
    const { tamper } = learner<{
      tamper: (values: {
        list: number[];
        map: Map<string, number>;
        set: Set<number>;
        record: { n: number };
      }) => string[];
    }>(`
      export function tamper(values: any): string[] {
        const changed: string[] = [];
        const attempts: Record<string, () => unknown> = {
          "list[0] =": () => { values.list[0] = 99; },
          "list.push": () => values.list.push(99),
          "Array.prototype.push.call": () => Array.prototype.push.call(values.list, 99),
          "list.sort": () => values.list.sort((a: number, b: number) => b - a),
          "map.clear": () => values.map.clear(),
          "Map.prototype.set.call": () => Map.prototype.set.call(values.map, "k", 99),
          "set.add": () => values.set.add(99),
          "record.n =": () => { values.record.n = 99; },
          "delete record.n": () => { delete values.record.n; },
          "Object.assign": () => Object.assign(values.record, { n: 99 }),
        };
        for (const [what, attempt] of Object.entries(attempts)) {
          try { attempt(); changed.push(what); } catch {}
        }
        return changed;
      }`);
    const values = { list: [1, 2], map: new Map([["k", 1]]), set: new Set([1]), record: { n: 1 } };
    expect(tamper(values)).toEqual([]);
    expect(values).toEqual({ list: [1, 2], map: new Map([["k", 1]]), set: new Set([1]), record: { n: 1 } });
  });

  it('sees every name of the test\'s data, "_" names included, but no "_" internals of an object with behaviour', () => {
    const { names } = learner<{ names: (value: object) => string[] }>(`
      export function names(value: object): string[] {
        return Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
      }`);
    const keys = fc.uniqueArray(fc.stringMatching(/^_?[a-z]{1,4}$/), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(keys, (ks) => {
        const record = Object.fromEntries(ks.map((k) => [k, 1]));
        expect(names(record), "a plain record's own names").toEqual(ks.filter((k) => !/^\d/.test(k)));
        const list = Object.assign([1, 2], Object.fromEntries(ks.map((k) => [k, 1])));
        expect(names(list), "an array's own names").toEqual(["0", "1", ...ks]);
      }),
      { examples: [[["_handle", "_x", "a"]]] },
    );
    class Internals {
      _handle = 1;
      visible = 2;
    }
    expect(names(new Internals())).toEqual(["visible"]);
  });

  it("cannot rewrite a test double", () => {
    const { rewrite } = learner<{ rewrite: (double: { check(): boolean }) => void }>(`
      export function rewrite(double: { check(): boolean }) { double.check = () => true; }`);
    const double = { check: () => false };
    expect(() => rewrite(double)).toThrow(/read-only/);
    expect(double.check()).toBe(false);
  });

  it("gets the course's errors without the start compartment's Error behind them", () => {
    class PlannedFailure extends Error {
      constructor(readonly id: number) {
        super(`planned failure #${id}`);
        this.name = "PlannedFailure";
      }
    }
    const { hook, rethrow } = learner<{ hook: (e: unknown) => string; rethrow: (e: unknown) => never }>(`
      export function hook(e: any): string {
        let C = e.constructor;
        for (let i = 0; i < 5 && C; i++) {
          const d = Object.getOwnPropertyDescriptor(C, "prepareStackTrace");
          if (d && d.set) { try { (C as any).prepareStackTrace = () => "hooked"; } catch {} }
          C = Object.getPrototypeOf(C);
        }
        return e.name + ": " + e.message + " #" + e.id;
      }
      export function rethrow(e: unknown): never { throw e; }`);
    const failure = new PlannedFailure(7);
    expect(hook(failure)).toBe("PlannedFailure: planned failure #7 #7");
    expect(new Error("x").stack).not.toBe("hooked");
    // A round trip gives the course back its own error.
    expect(() => rethrow(failure)).toThrow(expect.objectContaining({ id: 7 }));
    try {
      rethrow(failure);
    } catch (error) {
      expect(error).toBe(failure);
    }
  });

  it("shares memory, not copies, for SharedArrayBuffer and typed arrays", () => {
    const { bump } = learner<{ bump: (view: Int32Array) => void }>(
      "export const bump = (view: Int32Array) => { Atomics.add(view, 0, 1); };",
    );
    const view = new Int32Array(new SharedArrayBuffer(4));
    bump(view);
    expect(view[0]).toBe(1);
  });

  it("copies a Node Buffer: its memory may be a pool that other buffers share", () => {
    const { peek } = learner<{ peek: (bytes: Uint8Array) => number }>(
      "export const peek = (bytes: Uint8Array) => bytes.buffer.byteLength;",
    );
    expect(peek(Buffer.from("hi"))).toBe(2);
  });

  it("sees only the public members of a worker, and can write none", async () => {
    const worker = new Worker("setInterval(() => {}, 1000)", { eval: true });
    try {
      const { inspect } = learner<{ inspect: (w: unknown) => string[] }>(`
        export function inspect(w: any): string[] {
          const seen: string[] = [];
          for (const key of ["_handle", "postMessage", "terminate", "threadId", "performance"]) {
            if (w[key] !== undefined) seen.push(key);
          }
          try { w.postMessage = () => {}; seen.push("rewrote"); } catch {}
          return seen;
        }`);
      expect(inspect(worker)).toEqual(["postMessage", "terminate", "threadId"]);
    } finally {
      await worker.terminate();
    }
  });

  it("cannot reach a Node object's class, nor apply another object's method to it", async () => {
    const worker = new Worker("setInterval(() => {}, 1000)", { eval: true });
    let exited = 0;
    worker.on("exit", () => exited++);
    try {
      const { forge } = learner<{ forge: (w: unknown, other: unknown) => string[] }>(`
        export function forge(w: any, other: any): string[] {
          const reached: string[] = [];
          if (Object.getPrototypeOf(w) !== null) reached.push("prototype");
          for (const [what, attempt] of [
            ["emit via another emitter", () => other.emit.call(w, "exit", 0)],
            ["dispatchEvent", () => new EventTarget().dispatchEvent.call(w, new Event("exit"))],
          ] as const) {
            try { attempt(); reached.push(what); } catch {}
          }
          return reached;
        }`);
      const other = new (class Other extends (await import("node:events")).EventEmitter {})();
      expect(forge(worker, other)).toEqual([]);
      expect(exited).toBe(0);
    } finally {
      await worker.terminate();
    }
  });

  it("views a course's arrow function without breaking the proxy invariants", () => {
    const { inspect } = learner<{ inspect: (f: unknown) => [boolean, string[]] }>(
      `export const inspect = (f: any): [boolean, string[]] => ["prototype" in f, Reflect.ownKeys(f).map(String)];`,
    );
    expect(inspect(() => 1)[0]).toBe(false);
    expect(inspect(function named() {})[0]).toBe(true);
  });

  it("has the float arrays SES leaves out, shared as the built-ins they are", () => {
    const { make } = learner<{ make: () => Float64Array }>(
      "export const make = () => Float64Array.from([1.5]);",
    );
    const made = make();
    expect(made).toBeInstanceOf(Float64Array);
    expect(made[0]).toBe(1.5);
  });

  it("reaches nothing of the course's realm from its globals and a test double but what the membrane shows", () => {
    const forbidden = new Set<object>([globalThis, process, Error, Function, expect as unknown as object]);
    const { walk } = learner<{ walk: (double: unknown) => unknown[] }>(`
      export function walk(double: unknown): unknown[] {
        const seen = new Set<unknown>();
        const pending: unknown[] = [globalThis, double];
        while (pending.length > 0 && seen.size < 20000) {
          const value = pending.pop();
          if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value)) continue;
          seen.add(value);
          try { pending.push(Object.getPrototypeOf(value)); } catch {}
          let keys: (string | symbol)[] = [];
          try { keys = Reflect.ownKeys(value); } catch {}
          for (const key of keys) {
            try {
              const d = Object.getOwnPropertyDescriptor(value, key);
              if (d) pending.push(d.value, d.get, d.set);
            } catch {}
          }
        }
        return [...seen];
      }`);
    const double = {
      publish(task: unknown) {
        return task;
      },
      nested: { list: [1, 2] },
    };
    const reached = walk(double).map((value) => membrane.toHost(value));
    expect(reached.filter((value) => forbidden.has(value as object))).toEqual([]);
  });

  it("only reaches frozen intrinsics among the objects its globals expose as they are", () => {
    const reachable = reachableFrom([globals]);
    expect(reachable.has(process)).toBe(false);
    expect(reachable.has(globalThis)).toBe(false);
  });
});
