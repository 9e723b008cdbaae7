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
import { types } from "node:util";

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

/** Objects that structured clone copies whole, without looking at their properties. */
function isOpaqueData(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Blob ||
    types.isAnyArrayBuffer(value) ||
    ArrayBuffer.isView(value) ||
    types.isBooleanObject(value) ||
    types.isNumberObject(value) ||
    types.isStringObject(value) ||
    types.isBigIntObject(value)
  );
}

/** Objects that belong to their own thread: structured clone refuses them. */
function isUncloneableObject(value: object): boolean {
  return (
    types.isProxy(value) ||
    types.isPromise(value) ||
    types.isWeakMap(value) ||
    types.isWeakSet(value) ||
    types.isGeneratorObject(value) ||
    types.isArgumentsObject(value) ||
    types.isModuleNamespaceObject(value) ||
    types.isExternal(value) ||
    value instanceof WeakRef ||
    value instanceof FinalizationRegistry
  );
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
  const seen = new Set<object>();
  const visit = (member: unknown, path: string): CloneVerdict | undefined => {
    if (typeof member === "function") return { ok: false, path, reason: "function" };
    if (typeof member === "symbol") return { ok: false, path, reason: "symbol" };
    if (member === null || typeof member !== "object") return undefined;
    if (seen.has(member)) return undefined;
    seen.add(member);
    if (types.isSymbolObject(member)) return { ok: false, path, reason: "symbol" };
    if (isUncloneableObject(member)) return { ok: false, path, reason: "uncloneable-object" };
    if (member instanceof Map) {
      let i = 0;
      for (const [key, entry] of member) {
        const found = visit(key, `${path}<key ${i}>`) ?? visit(entry, `${path}<value ${i}>`);
        if (found) return found;
        i++;
      }
      return undefined;
    }
    if (member instanceof Set) {
      let i = 0;
      for (const item of member) {
        const found = visit(item, `${path}<item ${i}>`);
        if (found) return found;
        i++;
      }
      return undefined;
    }
    if (types.isNativeError(member)) {
      // Only its name, message, stack and an own data property `cause` are copied.
      const cause = Object.getOwnPropertyDescriptor(member, "cause");
      return cause && "value" in cause ? visit(cause.value, path + segment("cause", false)) : undefined;
    }
    if (isOpaqueData(member)) return undefined;
    // A plain object, an array or a class instance: its own enumerable properties are copied (getters run).
    const inArray = Array.isArray(member);
    for (const key of Object.keys(member)) {
      const found = visit((member as Record<string, unknown>)[key], path + segment(key, inArray));
      if (found) return found;
    }
    return undefined;
  };
  return visit(value, "$") ?? { ok: true };
}
