/**
 * Names and symbols through which the course's own libraries act on a value they are given.
 *
 * vitest's equality calls a value's `asymmetricMatch` instead of comparing it; fast-check recognises
 * objects by registered symbols (`Symbol.for("fast-check/…")`); `await` adopts anything with a `then`.
 * A learner's object that reaches an assertion through the membrane must not be able to answer for the
 * assertion, so the host's view of a learner object never shows these, whatever the learner named its
 * methods. The list is closed: it is what the course's assertion and property libraries look for, not a
 * guess at what an attacker might try (everything else reaches them only as copied data or as methods
 * whose results are copied in turn).
 */

/** Property names a host library treats as a protocol rather than as data. */
const HOOK_NAMES = new Set<string>([
  // vitest/jest equality: an "asymmetric matcher" decides equality itself.
  "asymmetricMatch",
  "$$typeof",
  // DOM-node equality in vitest's `equals`.
  "nodeType",
  "isEqualNode",
  // Promise adoption: `await` and Promise.resolve call `then`.
  "then",
  // JSON.stringify and some formatters call it instead of reading the data.
  "toJSON",
]);

/** Immutable.js markers that switch vitest's iterable equality to unordered comparison. */
const HOOK_PREFIX = "@@__IMMUTABLE_";

/** Well-known symbols a host may use on a learner's object: iteration and disposal. */
export const PROTOCOL_SYMBOLS: ReadonlySet<symbol> = new Set<symbol>([
  Symbol.iterator,
  Symbol.asyncIterator,
  Symbol.toStringTag,
  ...[Symbol.dispose, Symbol.asyncDispose].filter((s): s is symbol => typeof s === "symbol"),
]);

/** True for a key through which a host library would act on the object rather than read it. */
export function isHostHook(key: string | symbol): boolean {
  if (typeof key === "symbol") return !PROTOCOL_SYMBOLS.has(key);
  return HOOK_NAMES.has(key) || key.startsWith(HOOK_PREFIX);
}
