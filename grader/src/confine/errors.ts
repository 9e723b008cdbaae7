/**
 * Errors that cross the membrane are rebuilt, never handed over: a learner's thrown object could carry
 * behaviour (getters, a registered symbol fast-check acts on, an `asymmetricMatch`), and a host error's
 * class leads to the start compartment's powers (Error.prepareStackTrace). The copy keeps what a reader
 * and an assertion need: the built-in class, the name, the message, a `code`, the cause, and plain
 * primitive fields such as a test's own `id`.
 */

/** The built-in error classes, by name, as one side of the membrane sees them. */
export type ErrorClasses = Readonly<Record<(typeof ERROR_NAMES)[number], ErrorConstructor>>;

export const ERROR_NAMES = [
  "Error",
  "RangeError",
  "TypeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
  "AggregateError",
] as const;

const MAX_TEXT = 8_000;
const MAX_FIELDS = 16;

/** The error classes of the start compartment (the course's own code). */
export function hostErrorClasses(): ErrorClasses {
  return {
    Error,
    RangeError,
    TypeError,
    SyntaxError,
    ReferenceError,
    EvalError,
    URIError,
    AggregateError: AggregateError as unknown as ErrorConstructor,
  };
}

/** The error classes a compartment's code sees (SES gives compartments a powerless Error). */
export function compartmentErrorClasses(globals: Record<PropertyKey, unknown>): ErrorClasses {
  const classes = {} as Record<(typeof ERROR_NAMES)[number], ErrorConstructor>;
  for (const name of ERROR_NAMES) classes[name] = globals[name] as ErrorConstructor;
  return classes;
}

/** Every side shares these prototypes: SES gives compartments new constructors, not new prototypes. */
const builtInPrototypes = new Map<object, (typeof ERROR_NAMES)[number]>(
  ERROR_NAMES.map((name) => [hostErrorClasses()[name].prototype, name]),
);

/** The name of the nearest built-in error class on `error`'s prototype chain. */
function builtInClassOf(error: object): (typeof ERROR_NAMES)[number] {
  let proto = safely(() => Reflect.getPrototypeOf(error), null);
  for (let depth = 0; proto && depth < 32; depth++) {
    const name = builtInPrototypes.get(proto);
    if (name) return name;
    proto = safely(() => Reflect.getPrototypeOf(proto!), null);
  }
  return "Error";
}

/**
 * Run `read` (which may run the other side's code); on a throw, the fallback. Not when the stack ran out:
 * that must reach the caller, which then gives the one answer that does not depend on how much was left.
 */
export function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch (error) {
    if (isStackOverflow(error)) throw error;
    return fallback;
  }
}

/** V8's error when the call stack is exhausted (a learner's recursion runs the membrane near its end). */
export function isStackOverflow(error: unknown): boolean {
  try {
    return error instanceof RangeError && error.message === "Maximum call stack size exceeded";
  } catch {
    return true;
  }
}

/** A string no longer than the limit, whatever `value` is; never throws. */
export function safeText(value: unknown, fallback = ""): string {
  const text = safely(
    () => (typeof value === "string" ? value : value === undefined ? fallback : String(value)),
    fallback,
  );
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

export interface RebuildOptions {
  readonly classes: ErrorClasses;
  /** Converts a cause or an aggregate's errors to the new side. */
  readonly convert: (value: unknown) => unknown;
  /** Rewrites the message a learner should read (the built-ins are frozen, …), for the host side only. */
  readonly explain?: (name: string, message: string) => string;
  /** The stack to give the copy; the original's when omitted. */
  readonly stack?: (original: string) => string;
}

/** A new error of the same built-in class, made with `classes`, carrying only what is safe to carry. */
export function rebuildError(original: object, options: RebuildOptions): Error {
  const builtIn = builtInClassOf(original);
  const name = safeText(
    safely(() => Reflect.get(original, "name"), builtIn),
    builtIn,
  );
  const written = safeText(safely(() => Reflect.get(original, "message"), ""));
  const message = options.explain ? options.explain(name, written) : written;
  const Class = options.classes[builtIn];
  const copy: Error =
    builtIn === "AggregateError"
      ? new (Class as unknown as AggregateErrorConstructor)(
          toArray(options.convert(safely(() => Reflect.get(original, "errors"), []))),
          message,
        )
      : new Class(message);
  if (name !== builtIn) defineData(copy, "name", name);
  const cause = safely(() => Reflect.get(original, "cause"), undefined);
  if (cause !== undefined) defineData(copy, "cause", options.convert(cause));
  for (const [key, value] of primitiveFields(original)) defineData(copy, key, value);
  const stack = safely(() => Reflect.get(original, "stack"), undefined);
  if (typeof stack === "string") {
    const frames = options.stack ? options.stack(stack) : stack;
    // The stack starts with the message it was made with: show the one the copy carries.
    const header = `${name}: ${written}`;
    defineData(
      copy,
      "stack",
      frames.startsWith(header) ? `${name}: ${message}${frames.slice(header.length)}` : frames,
    );
  }
  return copy;
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? [...value] : [];
}

function defineData(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
}

/**
 * Own fields whose values are strings, numbers, booleans or bigints (`code`, a test's `id`): data a
 * reader or an assertion may use. Functions, objects and symbols stay behind.
 */
function primitiveFields(error: object): [string, string | number | boolean | bigint][] {
  const fields: [string, string | number | boolean | bigint][] = [];
  const keys = safely(() => Reflect.ownKeys(error), [] as (string | symbol)[]);
  for (const key of keys) {
    if (typeof key !== "string" || ["name", "message", "stack", "cause", "errors"].includes(key)) continue;
    const descriptor = safely(() => Reflect.getOwnPropertyDescriptor(error, key), undefined);
    if (!descriptor || !("value" in descriptor)) continue;
    const value: unknown = descriptor.value;
    if (typeof value === "string") fields.push([key, safeText(value)]);
    else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
      fields.push([key, value]);
    if (fields.length >= MAX_FIELDS) break;
  }
  return fields;
}
