/**
 * Guards that keep code under test from weakening the tests that judge it.
 *
 * Learner code runs in the same realm as the assertions. Replacing a built-in such as Object.is, or a
 * matcher through expect.extend, can make a wrong answer pass. We record the originals before any test
 * runs and, after each test, put back anything that changed and fail that test with a clear reason.
 */

type Owner = Record<PropertyKey, unknown>;

const guarded: ReadonlyArray<readonly [string, object, readonly PropertyKey[]]> = [
  [
    "Object",
    Object,
    ["is", "keys", "values", "entries", "assign", "freeze", "getPrototypeOf", "defineProperty"],
  ],
  ["JSON", JSON, ["stringify", "parse"]],
  ["Array", Array, ["isArray", "from"]],
  [
    "Array.prototype",
    Array.prototype,
    [
      "every",
      "some",
      "map",
      "filter",
      "includes",
      "indexOf",
      "join",
      "slice",
      "sort",
      "push",
      "reduce",
      "forEach",
    ],
  ],
  ["Number", Number, ["isInteger", "isNaN"]],
  ["Promise", Promise, ["all", "allSettled", "race", "resolve", "reject"]],
  ["Promise.prototype", Promise.prototype, ["then", "catch", "finally"]],
  ["Function.prototype", Function.prototype, ["call", "apply", "bind"]],
  ["Reflect", Reflect, ["apply", "ownKeys", "get"]],
  ["Map.prototype", Map.prototype, ["get", "set", "has"]],
  ["Set.prototype", Set.prototype, ["add", "has"]],
  ["String.prototype", String.prototype, ["includes", "startsWith", "split"]],
  ["Math", Math, ["max", "min", "random"]],
  ["globalThis", globalThis, ["Promise", "setTimeout", "setImmediate", "queueMicrotask", "Atomics", "Error"]],
];

interface Snapshot {
  readonly intrinsics: ReadonlyArray<{ name: string; owner: Owner; key: PropertyKey; value: unknown }>;
  readonly matchers: Map<string, unknown>;
  readonly testers: number;
}

const MATCHERS = Symbol.for("$$jest-matchers-object");

interface MatcherState {
  matchers: Record<string, unknown>;
  customEqualityTesters: unknown[];
}

function matcherState(): MatcherState | undefined {
  return (globalThis as unknown as Record<symbol, MatcherState | undefined>)[MATCHERS];
}

export function takeSnapshot(): Snapshot {
  const intrinsics = guarded.flatMap(([ownerName, owner, keys]) =>
    keys.map((key) => ({
      name: `${ownerName}.${String(key)}`,
      owner: owner as Owner,
      key,
      value: (owner as Owner)[key],
    })),
  );
  const state = matcherState();
  return {
    intrinsics,
    matchers: new Map(Object.entries(state?.matchers ?? {})),
    testers: state?.customEqualityTesters.length ?? 0,
  };
}

/** Restore whatever changed since `snapshot` and return a description of each change. */
export function restoreAndReport(snapshot: Snapshot): string[] {
  const changed: string[] = [];
  for (const { name, owner, key, value } of snapshot.intrinsics) {
    if (owner[key] !== value) {
      changed.push(name);
      Object.defineProperty(owner, key, { value, writable: true, configurable: true, enumerable: false });
    }
  }
  const state = matcherState();
  if (state) {
    for (const [name, matcher] of Object.entries(state.matchers)) {
      if (snapshot.matchers.get(name) !== matcher) {
        changed.push(`expect matcher "${name}"`);
        if (snapshot.matchers.has(name)) state.matchers[name] = snapshot.matchers.get(name);
        else delete state.matchers[name];
      }
    }
    if (state.customEqualityTesters.length !== snapshot.testers) {
      changed.push("expect's equality testers");
      state.customEqualityTesters.length = snapshot.testers;
    }
  }
  return changed;
}
