/**
 * Exercise 03-processes/cloneability — "must be picklable", Node's way: what survives postMessage.
 *
 * Everything a worker thread receives, and everything a child process receives with
 * `serialization: "advanced"`, is copied with the structured clone algorithm (the one behind
 * `structuredClone()`). It copies data: primitives except symbols, plain objects, arrays, Map, Set, Date,
 * RegExp, ArrayBuffers and their views, boxed primitives, errors, and cycles. It refuses functions,
 * symbols (a boxed one, `Object(Symbol())`, too) and objects that only make sense in their own thread (a
 * Promise, a WeakMap, a Proxy …). When it
 * refuses, it does not say where. Build `checkCloneable`: the same answer as structuredClone, plus the
 * path of the first member that cannot be cloned and why.
 *
 * Read first: chapters/03-processes/README.md#messages-and-what-survives-the-trip
 * Check yourself: npm test -- cloneability        Stuck? npm run hint -- cloneability
 */
/** Why a member cannot be cloned. */
export type CloneFailure = "function" | "symbol" | "uncloneable-object";

export type CloneVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly path: string; readonly reason: CloneFailure };

/** `key` as a path segment: `[3]` for an array index, `.name` for an identifier, `["any key"]` otherwise. */
export function segment(key: string, inArray: boolean): string {
  if (inArray && /^(0|[1-9]\d*)$/.test(key)) return `[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Whether structuredClone(value) succeeds; if not, the path of the first member it cannot clone, in
 * depth-first order: own enumerable string keys in Object.keys order (symbol keys and non-enumerable
 * properties are not copied, so they do not count), a Map's entries in order (`<key i>` then `<value i>`
 * for entry i), a Set's items in order (`<item i>`). The root is `$`; e.g. `$.jobs[2].run`,
 * `$["a key"]<value 0>`. An error is copied with its name, message, stack and, when it is an own data
 * property, its cause: a member in the cause counts (`$.failed.cause`), its other own properties do not. An
 * array's own properties other than its indexes are copied too (`$.jobs.run`). Cycles and shared objects
 * are fine: each object is looked at once.
 */
export function checkCloneable(value: unknown): CloneVerdict {
  // TODO: walk the value depth-first with a set of the objects already seen; report the first function,
  //       symbol or thread-bound object (util.types helps), with its path built from segment().
  //       See chapters/03-processes/README.md#messages-and-what-survives-the-trip
  throw new Error("TODO: checkCloneable is not implemented yet");
}
