import { types } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../grader/harness/outcomes.ts";
import { type CloneFailure, checkCloneable } from "./cloneability.ts";

/** What structuredClone itself says: the oracle every verdict must agree with. */
function clones(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm() {
    return Math.hypot(this.x, this.y);
  }
}

/** `Object(Symbol(description))`, told how to print itself: fast-check's own printing throws on a boxed symbol. */
const boxedSymbol = (description: string): object =>
  Object.assign(Object(Symbol(description)) as object, {
    [fc.toStringMethod]: () => `Object(Symbol(${JSON.stringify(description)}))`,
  });

/** Members structured clone refuses, each with the reason a verdict must give. */
const offenders: readonly [string, () => unknown, CloneFailure][] = [
  ["an arrow function", () => () => 1, "function"],
  ["a class", () => Point, "function"],
  ["an async function", () => async () => {}, "function"],
  ["a symbol", () => Symbol("s"), "symbol"],
  ["a boxed symbol", () => boxedSymbol("boxed"), "symbol"],
  ["a Promise", () => Promise.resolve(1), "uncloneable-object"],
  ["a WeakMap", () => new WeakMap(), "uncloneable-object"],
  ["a WeakSet", () => new WeakSet(), "uncloneable-object"],
  ["a WeakRef", () => new WeakRef({}), "uncloneable-object"],
  ["a Proxy", () => new Proxy({}, {}), "uncloneable-object"],
  ["a generator", () => (function* () {})(), "uncloneable-object"],
];
const offender = fc.constantFrom(...offenders);

/** Leaves that structured clone copies, the edge cases on purpose. */
const cloneableLeaf = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    "",
    "é\u0000",
    true,
    10n ** 30n,
  ),
  fc.integer(),
  fc.string(),
  fc.date(),
  fc
    .constantFrom(
      () => new Uint8Array([1, 2]),
      () => new Float64Array(2),
      () => new ArrayBuffer(4),
      () => new DataView(new ArrayBuffer(2)),
      () => /re+/gi,
      () => new Error("an error"),
      () => Object(7),
      () => Object("boxed"),
      () => new Point(1, 2),
      () => Object.create(null),
      () => Buffer.from("hi"),
    )
    .map((make) => make()),
);

const key = fc.oneof(
  fc.constantFrom("a", "x1", "0", "7", "a b", "", "é", "$ok", "-1", "_x"),
  fc.string({ maxLength: 4 }),
);

/** A property name that is not an array index. */
const namedKey = key.filter((k) => !/^(0|[1-9]\d*)$/.test(k) && k !== "length");

/** Containers of leaves, some of them offenders (about one leaf in eight). */
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    fc.oneof(
      { weight: 7, arbitrary: cloneableLeaf },
      { weight: 1, arbitrary: offender.map(([, make]) => make()) },
    ),
    tie("array"),
    tie("error"),
    tie("object"),
    tie("map"),
    tie("set"),
  ),
  // Sometimes with a named property too: structured clone copies an array's other own properties.
  array: fc
    .tuple(fc.array(tie("tree"), { maxLength: 4 }), fc.option(fc.tuple(namedKey, tie("tree")), { freq: 4 }))
    .map(([items, named]) => {
      if (named)
        Object.defineProperty(items, named[0], { value: named[1], enumerable: true, writable: true });
      return items;
    }),
  // An error copies its message and its cause, and nothing else of its own.
  error: fc
    .record({
      cause: fc.option(tie("tree"), { freq: 2 }),
      extra: fc.option(tie("tree"), { freq: 2 }),
    })
    .map(({ cause, extra }) => {
      const error = cause === null ? new Error("an error") : new Error("an error", { cause });
      if (extra !== null) Object.defineProperty(error, "extra", { value: extra, enumerable: true });
      return error;
    }),
  object: fc.array(fc.tuple(key, tie("tree")), { maxLength: 4 }).map((entries) => {
    const object: Record<string, unknown> = {};
    for (const [k, v] of entries)
      Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
    return object;
  }),
  map: fc.array(fc.tuple(tie("tree"), tie("tree")), { maxLength: 3 }).map((entries) => new Map(entries)),
  set: fc.array(tie("tree"), { maxLength: 3 }).map((items) => new Set(items)),
}));

/** The member a verdict's path names, following the path grammar of the exercise. */
function resolve(root: unknown, path: string): unknown {
  expect(path.startsWith("$"), `a path starts at the root "$", got ${JSON.stringify(path)}`).toBe(true);
  let at: unknown = root;
  let rest = path.slice(1);
  const patterns = {
    name: /^\.([A-Za-z_$][\w$]*)/,
    index: /^\[(0|[1-9]\d*)\]/,
    quoted: /^\[("(?:[^"\\]|\\.)*")\]/,
    entry: /^<(key|value|item) (\d+)>/,
  };
  while (rest.length > 0) {
    const [kind, m] = (Object.entries(patterns) as [keyof typeof patterns, RegExp][])
      .map(([k, re]) => [k, rest.match(re)] as const)
      .find(([, match]) => match !== null) ?? ["none", null];
    if (!m) throw new Error(`cannot read the path ${JSON.stringify(path)} at ${JSON.stringify(rest)}`);
    if (kind === "name") at = (at as Record<string, unknown>)[m[1]!];
    else if (kind === "index") at = (at as unknown[])[Number(m[1])];
    else if (kind === "quoted") at = (at as Record<string, unknown>)[JSON.parse(m[1]!)];
    else if (m[1] === "item") at = [...(at as Set<unknown>)][Number(m[2])];
    else at = [...(at as Map<unknown, unknown>)][Number(m[2])]![m[1] === "key" ? 0 : 1];
    rest = rest.slice(m[0].length);
  }
  return at;
}

/** The reason a member by itself is uncloneable, as the exercise names it; undefined if it is cloneable itself. */
function ownReason(member: unknown): CloneFailure | undefined {
  if (typeof member === "function") return "function";
  if (typeof member === "symbol" || types.isSymbolObject(member)) return "symbol";
  if (types.isProxy(member)) return "uncloneable-object";
  if (member !== null && typeof member === "object" && !clones(member)) {
    const container =
      Array.isArray(member) ||
      member instanceof Map ||
      member instanceof Set ||
      Object.getPrototypeOf(member) === Object.prototype;
    return container ? undefined : "uncloneable-object";
  }
  return undefined;
}

describe("checkCloneable", () => {
  it("agrees with structuredClone, and points at a member that cannot be cloned, with the reason", () => {
    fc.assert(
      fc.property(tree, (value) => {
        const verdict = checkCloneable(value);
        expect(
          verdict.ok,
          "checkCloneable(v).ok should be true exactly when structuredClone(v) succeeds",
        ).toBe(clones(value));
        if (!verdict.ok) {
          const member = resolve(value, verdict.path);
          expect(
            ownReason(member),
            `the member at ${verdict.path} should itself be uncloneable, for the reason "${verdict.reason}"`,
          ).toBe(verdict.reason);
        }
      }),
      {
        numRuns: 300,
        // An offender in an error's cause and under an array's named property; one beside an error, ignored.
        examples: [
          [{ failed: new Error("task failed", { cause: () => 1 }) }],
          [{ jobs: Object.assign([1, 2], { run: () => 1 }) }],
          [[Object.assign(new Error("e"), { retry: () => 1 })]],
        ],
      },
    );
  });

  it("gives the path of the first offending member, depth first in key order", () => {
    // `later`: the container also holds a second offender after the one on the path, which must not be reported.
    const step = fc.oneof(
      fc.record({ kind: fc.constant("key" as const), key, later: fc.boolean() }),
      fc.record({
        kind: fc.constant("index" as const),
        index: fc.integer({ min: 0, max: 3 }),
        later: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant("map" as const),
        index: fc.integer({ min: 0, max: 2 }),
        later: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant("set" as const),
        index: fc.integer({ min: 0, max: 2 }),
        later: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 4 }),
        offender,
        fc.boolean(),
        (steps, [, make, reason], twice) => {
          // Build from the inside out: the offender at the end of `steps`, plain data everywhere else.
          let value: unknown = make();
          let path = "";
          for (const s of [...steps].reverse()) {
            const later = s.later ? [() => 0] : [];
            if (s.kind === "key") {
              // "later!" is no integer, so Object.keys lists it after s.key (keys are at most 4 long).
              value = s.later ? { [s.key]: value, "later!": later[0] } : { [s.key]: value };
              path = (/^[A-Za-z_$][\w$]*$/.test(s.key) ? `.${s.key}` : `[${JSON.stringify(s.key)}]`) + path;
            } else if (s.kind === "index") {
              value = [...Array.from({ length: s.index }, (_, i) => i), value, ...later];
              path = `[${s.index}]${path}`;
            } else if (s.kind === "map") {
              value = new Map<unknown, unknown>([
                ...Array.from({ length: s.index }, (_, i) => [i, `v${i}`] as const),
                ["k", value],
                ...later.map((f) => [f, "v"] as const),
              ]);
              path = `<value ${s.index}>${path}`;
            } else {
              value = new Set([...Array.from({ length: s.index }, (_, i) => i), value, ...later]);
              path = `<item ${s.index}>${path}`;
            }
          }
          // A second offender after the first must not be the one reported.
          const root = twice ? [value, () => 0] : value;
          const expected = twice ? `$[0]${path}` : `$${path}`;
          expect(checkCloneable(root), `the first offender sits at ${expected}`).toEqual({
            ok: false,
            path: expected,
            reason,
          });
        },
      ),
      { numRuns: 200 },
    );
    const integerKeyFirst = { b: () => 1, 1: Symbol("one") };
    expect(
      checkCloneable(integerKeyFirst),
      "Object.keys lists integer keys first: in { b: f, 1: symbol } the key 1 is the first member",
    ).toEqual({ ok: false, path: '$["1"]', reason: "symbol" });
    expect(
      checkCloneable({ "a key": new Map([["k", Symbol("v")]]) }),
      'the example of the doc: $["a key"]<value 0>',
    ).toEqual({ ok: false, path: '$["a key"]<value 0>', reason: "symbol" });
  });

  it("names each kind of member that cannot be cloned", () => {
    for (const [what, make, reason] of offenders) {
      expect(checkCloneable({ member: make() }), `${what} cannot be cloned: reason "${reason}"`).toEqual({
        ok: false,
        path: "$.member",
        reason,
      });
    }
    const getter = Object.defineProperty({}, "run", { get: () => () => 1, enumerable: true });
    expect(
      checkCloneable(getter),
      "structuredClone runs getters: a getter that returns a function fails",
    ).toEqual({
      ok: false,
      path: "$.run",
      reason: "function",
    });
    const mapKey = new Map([[() => 1, Symbol("value")]]);
    expect(checkCloneable(mapKey), "a Map key is cloned too, and comes before its value").toEqual({
      ok: false,
      path: "$<key 0>",
      reason: "function",
    });
    expect(checkCloneable(Symbol("top")), "the value itself may be the offender").toEqual({
      ok: false,
      path: "$",
      reason: "symbol",
    });
  });

  it("accepts data: class instances, null-prototype objects, dates, typed arrays, maps, sets, errors", () => {
    const data: [string, unknown][] = [
      ["a class instance (it arrives as a plain object)", new Point(3, 4)],
      ["a null-prototype object", Object.create(null)],
      ["a Date", new Date(0)],
      ["a typed array", new Int32Array([1, -1])],
      ["a Buffer", Buffer.from("x")],
      ["a SharedArrayBuffer", new SharedArrayBuffer(8)],
      ["a Map", new Map([[{ a: 1 }, [1n]]])],
      ["a Set", new Set(["a", 1])],
      ["an Error", new Error("boom")],
      ["a RegExp", /x/y],
      ["an ArrayBuffer", new ArrayBuffer(4)],
      ["a DataView", new DataView(new ArrayBuffer(2))],
      ["boxed primitives", [Object(7), Object("boxed"), Object(false), Object(1n)]],
      ["a BigInt", 2n ** 100n],
      ["undefined", undefined],
      ["a sparse array", Object.assign(new Array(3), { 0: 1, 2: 3 })],
    ];
    for (const [what, value] of data) {
      expect(clones(value), `(the test's own check of ${what})`).toBe(true);
      expect(checkCloneable(value), `${what} can be cloned`).toEqual({ ok: true });
    }
  });

  it("handles cycles and shared objects without recursing forever", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.boolean(), (length, poisoned) => {
        // A ring of `length` objects, each pointing to the next, and an array that holds them all twice.
        const ring = Array.from({ length }, (_, i) => ({ i, next: undefined as unknown }));
        ring.forEach((node, i) => {
          node.next = ring[(i + 1) % length];
        });
        const value: Record<string, unknown> = { ring: ring[0], all: [...ring, ...ring] };
        if (poisoned) value.last = () => 1;
        expect(clones(value), "(the test's own check)").toBe(!poisoned);
        let verdict: unknown;
        expect(
          thrownBy(() => {
            verdict = checkCloneable(value);
          }),
          `checkCloneable threw on a ring of ${length} objects that point to each other: an object already seen must not be walked again`,
        ).toBeUndefined();
        expect(verdict, "a cycle is fine; a function after it is still found").toEqual(
          poisoned ? { ok: false, path: "$.last", reason: "function" } : { ok: true },
        );
      }),
    );
    // Each object is looked at once: how often a getter of an object shared by many members runs does not
    // grow with the number of members that hold it (compared, since reading through the harness may add reads).
    const readsWhenHeldBy = (holders: number): number => {
      let reads = 0;
      const shared = {
        get x() {
          reads++;
          return 1;
        },
      };
      const sharing = { all: Array.from({ length: holders }, () => shared), again: { shared } };
      expect(checkCloneable(sharing), `an object shared by ${holders + 1} members can be cloned`).toEqual({
        ok: true,
      });
      return reads;
    };
    const few = readsWhenHeldBy(2);
    expect(few, "the shared object's getter must run: structuredClone runs it").toBeGreaterThan(0);
    expect(
      readsWhenHeldBy(40),
      "an object held by 41 members must be looked at once (keep a set of the objects seen), as often as one held by 3",
    ).toBe(few);
    const deep: { next?: unknown } = {};
    let at = deep;
    for (let i = 0; i < 2_000; i++) at = at.next = {} as { next?: unknown };
    expect(checkCloneable(deep), "a chain of 2,000 objects can be cloned").toEqual({ ok: true });
  });

  it("ignores what structuredClone does not copy: symbol keys, non-enumerable properties, an error's own extras", () => {
    const hidden = Object.defineProperty({ a: 1 }, "f", { value: () => 1, enumerable: false });
    const symbolKeyed = { a: 1, [Symbol("f")]: () => 1 };
    const inherited = Object.create({ f: () => 1 });
    for (const [what, value] of [
      ["a non-enumerable function property", hidden],
      ["a function under a symbol key", symbolKeyed],
      ["an inherited function", inherited],
      ["a class instance's methods", new Point(0, 1)],
      ["an error's own property other than its cause", Object.assign(new Error("e"), { retry: () => 1 })],
    ] as const) {
      expect(clones(value), `(the test's own check of ${what})`).toBe(true);
      expect(checkCloneable(value), `${what} is not copied, so it does not count`).toEqual({ ok: true });
    }
  });
});
