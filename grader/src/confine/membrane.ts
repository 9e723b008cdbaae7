/**
 * The membrane between the course's code (the "host": tests, harness, given code, the test framework)
 * and a learner's code, which runs in a compartment of its own.
 *
 * Compartments confine globals, not the values that cross between code. So every value crosses here,
 * in both directions, and comes out as something the receiving side can trust:
 *
 * - Primitives cross as they are; a registered symbol a learner hands over becomes a plain one, so a
 *   library that recognises its own registered symbols (fast-check's precondition marker) is not fooled.
 * - Frozen intrinsics both sides already share (Array.prototype, Math.max, …) cross as they are.
 * - Data from a learner (arrays, plain records, Map, Set, Date, RegExp) is copied into objects the
 *   course made: an assertion compares values, never a learner's object that could act on it.
 * - The course's objects are shown to the learner as live views: identity and cycles are kept, and they
 *   are read-only (a test's inputs, its doubles, its Maps), so learner code cannot rewrite what a test
 *   later reads as its own answer. An object a test hands over to be written (a sink's `into` array, see
 *   allowWrites) takes changes, converted on the way in, so what the test later reads is still its data.
 *   The course's bytes that are not shared memory arrive as copies.
 * - Everything with behaviour (functions, classes, generators, a pool, a mutex, a test double, a worker)
 *   is wrapped in a view whose every operation converts its arguments one way and its result the other.
 *   A host's view of a learner object never shows the names through which the course's libraries act on
 *   a value (protocols.ts); a learner's view of a host object shows only its public members (facets).
 * - Promises become promises of the other side that settle with converted values.
 * - Errors are rebuilt with the other side's built-in classes (errors.ts).
 * - Shared memory (SharedArrayBuffer and typed arrays on it), and a learner's own bytes, cross as they are,
 *   made non-extensible so neither side can hang behaviour on them.
 *
 * Views are cached in both directions, so identity survives a round trip: a learner's object that the
 * course hands back reaches the learner as the very same object, and the same for the course's objects.
 */
import { types } from "node:util";
import { type ErrorClasses, isStackOverflow, rebuildError, safely } from "./errors.ts";
import { isHostHook, PROTOCOL_SYMBOLS } from "./protocols.ts";

type Direction = "toHost" | "toLearner";
const opposite = (direction: Direction): Direction => (direction === "toHost" ? "toLearner" : "toHost");

/**
 * The members a learner may use on a host object: only those listed, or every public one except those
 * listed (an object with no facet shows every public member).
 */
export type Facet =
  | { readonly only: ReadonlySet<string | symbol> }
  | { readonly except: ReadonlySet<string | symbol> };

export interface MembraneOptions {
  /** Frozen objects both sides may hold as they are: the intrinsics every compartment reaches. */
  readonly shared: (value: object) => boolean;
  /** The built-in error classes each side constructs its errors with. */
  readonly errorClasses: { readonly host: ErrorClasses; readonly learner: ErrorClasses };
  /** The members of a host object a learner may use (a Worker's public methods, …); undefined: all. */
  readonly facetOf?: (host: object) => Facet | undefined;
  /** Rewrites a learner error's message for the host (built-ins are frozen …). */
  readonly explainLearnerError?: (name: string, message: string) => string;
  /** Rewrites a learner error's stack for the host (compiled positions back to the learner's file). */
  readonly learnerStack?: (stack: string) => string;
}

/** Thrown to the learner when its code tries to change an object of the course. */
const READ_ONLY =
  "objects of the course are read-only to your code: keep your changes on objects you made yourself";

/** Where a view's stand-in keeps the view's state; never reported by the view's traps. */
const VIEW_STATE = Symbol("view state");

/** What a view needs to know of itself, found from its proxy's stand-in. */
interface ViewState {
  readonly original: object;
  readonly facet: Facet | undefined;
  readonly writable: boolean;
  readonly proxy: object;
  /** An array or a plain record: data, whose every name is the learner's to see, "_x" included. */
  readonly data: boolean;
}

const TYPED_ARRAY_PROTOTYPE = Object.getPrototypeOf(Int8Array.prototype) as object;

/**
 * The built-in methods that change their receiver in place. Called through a view they run on the
 * course's own object, past the view's traps, so they are refused on what was not handed over to write.
 */
const IN_PLACE_CHANGES: ReadonlySet<object> = new Set<object>(
  (
    [
      [
        Array.prototype,
        ["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin"],
      ],
      [Map.prototype, ["set", "delete", "clear"]],
      [Set.prototype, ["add", "delete", "clear"]],
      [WeakMap.prototype, ["set", "delete"]],
      [WeakSet.prototype, ["add", "delete"]],
      [TYPED_ARRAY_PROTOTYPE, ["set", "fill", "copyWithin", "reverse", "sort"]],
      [Date.prototype, Object.getOwnPropertyNames(Date.prototype).filter((name) => name.startsWith("set"))],
    ] as const
  ).flatMap(([proto, names]) =>
    names
      .map((name) => (proto as Record<string, unknown>)[name])
      .filter((fn): fn is object => typeof fn === "function"),
  ),
);

export class Membrane {
  /** original → its view, per the side the view is for. */
  readonly #views: Record<Direction, WeakMap<object, object>> = {
    toHost: new WeakMap(),
    toLearner: new WeakMap(),
  };
  /** view → its original, keyed by the side the view was made for. */
  readonly #originals: Record<Direction, WeakMap<object, object>> = {
    toHost: new WeakMap(),
    toLearner: new WeakMap(),
  };
  /** The course's objects that a test handed to learner code to be written (a sink's `into` array). */
  readonly #writable = new WeakSet<object>();
  /** Shared memory and typed arrays already checked and made non-extensible: they cross as they are. */
  readonly #vetted = new WeakSet<object>();
  /** A learner's registered symbol → the plain symbol the host sees instead. */
  readonly #neutralSymbols = new Map<string, symbol>();
  readonly #options: MembraneOptions;

  constructor(options: MembraneOptions) {
    this.#options = options;
  }

  /** A learner's value, as the course may hold it. */
  toHost<T = unknown>(value: unknown): T {
    return this.#convert(value, "toHost") as T;
  }

  /** A value of the course, as a learner's code may hold it. */
  toLearner<T = unknown>(value: unknown): T {
    return this.#convert(value, "toLearner") as T;
  }

  /**
   * Let learner code write to `value`, an object of the course: its views accept changes, and methods
   * that change it in place (push, set, clear …) may be called on it. Everything else the course hands
   * over stays read-only, so learner code cannot rewrite what a test later reads as its own answer.
   */
  allowWrites<T extends object>(value: T): T {
    this.#writable.add(value);
    return value;
  }

  /**
   * Whether learner code may call `fn`, a function of the course's side, on `receiver`: a method that
   * changes an object in place only on an object handed over to be written, and on a Node object only a
   * method its facet shows (so a method read from elsewhere cannot be applied to it with call()).
   */
  #mayCall(fn: object, receiver: unknown): boolean {
    if ((typeof receiver !== "object" && typeof receiver !== "function") || receiver === null) return true;
    if (IN_PLACE_CHANGES.has(fn) && !this.#writable.has(receiver)) return false;
    const facet = this.#options.facetOf?.(receiver);
    if (!facet) return true;
    const memberOf = (key: string | symbol) => safely(() => Reflect.get(receiver, key), undefined);
    if ("only" in facet) return [...facet.only].some((key) => memberOf(key) === fn);
    return ![...facet.except].some((key) => memberOf(key) === fn);
  }

  /** `copies`: the objects copied so far in one conversion, so a cycle is copied as a cycle. */
  #convert(value: unknown, direction: Direction, copies?: Map<object, object>): unknown {
    if (value === null) return null;
    if (typeof value === "symbol") return this.#symbol(value, direction);
    if (typeof value !== "object" && typeof value !== "function") return value;
    if (this.#vetted.has(value)) return value;
    const original = this.#originals[opposite(direction)].get(value);
    if (original !== undefined) return original;
    if (this.#options.shared(value)) return value;
    const cached = this.#views[direction].get(value);
    if (cached !== undefined) return cached;
    return this.#classify(value, direction, copies ?? new Map());
  }

  #symbol(value: symbol, direction: Direction): symbol {
    if (direction === "toLearner") return value;
    const key = Symbol.keyFor(value);
    if (key === undefined) return value;
    let plain = this.#neutralSymbols.get(key);
    if (!plain) {
      plain = Symbol(key);
      this.#neutralSymbols.set(key, plain);
    }
    return plain;
  }

  #classify(value: object, direction: Direction, copies: Map<object, object>): unknown {
    if (typeof value === "function") return this.#view(value, direction, "function");
    if (types.isProxy(value)) return this.#view(value, direction, Array.isArray(value) ? "array" : "object");
    if (types.isPromise(value)) return this.#promise(value as Promise<unknown>, direction);
    if (types.isNativeError(value)) return this.#error(value, direction);
    const memory = this.#memory(value, direction);
    if (memory !== undefined) return memory;
    // The course's objects reach a learner as live views: identity, cycles and changes on either side
    // are kept, and every member read or call converts on its way.
    if (direction === "toLearner")
      return this.#view(value, direction, Array.isArray(value) ? "array" : "object");
    const proto = safely(() => Reflect.getPrototypeOf(value), null);
    if (types.isMap(value) && proto === Map.prototype)
      return this.#copyMap(value as Map<unknown, unknown>, direction, copies);
    if (types.isSet(value) && proto === Set.prototype)
      return this.#copySet(value as Set<unknown>, direction, copies);
    if (types.isDate(value) && proto === Date.prototype) return new Date(Date.prototype.getTime.call(value));
    if (types.isRegExp(value) && proto === RegExp.prototype) {
      const regexp = value as RegExp;
      return new RegExp(
        String(getIntrinsic(RegExp.prototype, "source", regexp)),
        String(getIntrinsic(RegExp.prototype, "flags", regexp)),
      );
    }
    if (Array.isArray(value)) return this.#copyRecord(value, direction, copies);
    if ((proto === Object.prototype || proto === null) && isPlainData(value)) {
      return this.#copyRecord(value, direction, copies);
    }
    return this.#view(value, direction, "object");
  }

  /** Shared memory crosses as it is; other binary data is copied (see the module's comment). */
  #memory(value: object, direction: Direction): object | undefined {
    if (types.isArrayBuffer(value) && direction === "toLearner")
      return ArrayBuffer.prototype.slice.call(value, 0);
    if (types.isSharedArrayBuffer(value) || types.isArrayBuffer(value)) {
      const builtIn = types.isSharedArrayBuffer(value) ? SharedArrayBuffer.prototype : ArrayBuffer.prototype;
      if (Reflect.getPrototypeOf(value) === builtIn && Reflect.ownKeys(value).length === 0) {
        Object.preventExtensions(value);
        this.#vetted.add(value);
        return value;
      }
      return undefined;
    }
    if (!ArrayBuffer.isView(value)) return undefined;
    // The course's bytes that are not shared memory reach the learner as a copy it may change freely.
    if (direction === "toLearner" && !types.isSharedArrayBuffer((value as ArrayBufferView).buffer)) {
      return copyView(value as ArrayBufferView);
    }
    const proto = Reflect.getPrototypeOf(value);
    const builtIn =
      proto !== null &&
      (proto === DataView.prototype || Reflect.getPrototypeOf(proto) === TYPED_ARRAY_PROTOTYPE) &&
      this.#options.shared(proto);
    if (builtIn && Reflect.ownKeys(value).every(isIndex)) {
      // Non-extensible from now on, its only own properties its elements: nothing can be hung on it later.
      Object.preventExtensions(value);
      this.#vetted.add(value);
      return value;
    }
    return undefined;
  }

  /** A copy of a record or an array; `deep`: nested records and arrays are copied too, not viewed. */
  #copyRecord(value: object, direction: Direction, copies: Map<object, object>, deep = true): object {
    const done = copies.get(value);
    if (done) return done;
    const copy: Record<string | number, unknown> = Array.isArray(value)
      ? (new Array(safely(() => (value as unknown[]).length, 0)) as unknown as Record<string, unknown>)
      : Reflect.getPrototypeOf(value) === null
        ? Object.create(null)
        : {};
    copies.set(value, copy);
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== "string") continue;
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (!descriptor?.enumerable || key === "length") continue;
      const item =
        "value" in descriptor ? descriptor.value : safely(() => Reflect.get(value, key), undefined);
      copy[key] = deep ? this.#convert(item, direction, copies) : this.#convert(item, direction);
    }
    return copy;
  }

  #copyMap(
    value: Map<unknown, unknown>,
    direction: Direction,
    copies: Map<object, object>,
  ): Map<unknown, unknown> {
    const copy = new Map<unknown, unknown>();
    copies.set(value, copy);
    for (const [key, item] of Map.prototype.entries.call(value)) {
      copy.set(this.#convert(key, direction, copies), this.#convert(item, direction, copies));
    }
    return copy;
  }

  #copySet(value: Set<unknown>, direction: Direction, copies: Map<object, object>): Set<unknown> {
    const copy = new Set<unknown>();
    copies.set(value, copy);
    for (const item of Set.prototype.values.call(value)) copy.add(this.#convert(item, direction, copies));
    return copy;
  }

  #promise(value: Promise<unknown>, direction: Direction): Promise<unknown> {
    const view = new Promise<unknown>((resolve, reject) => {
      Promise.prototype.then.call(
        value,
        (result) => resolve(this.#convert(result, direction)),
        (reason) => reject(this.#convert(reason, direction)),
      );
    });
    this.#remember(value, view, direction);
    return view;
  }

  #error(value: object, direction: Direction): Error {
    try {
      return this.#rebuild(value, direction);
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      // Too close to the end of the stack to copy anything: the same prepared error every time, so the
      // message a learner's runaway recursion produces never depends on where exactly the stack ran out.
      return this.#stackOverflow[direction];
    }
  }

  /** One frozen "stack exhausted" error per side, made while there is stack to make it. */
  readonly #stackOverflow: Record<Direction, Error> = {
    toHost: Object.freeze(new RangeError("Maximum call stack size exceeded")),
    toLearner: Object.freeze(new RangeError("Maximum call stack size exceeded")),
  };

  #rebuild(value: object, direction: Direction): Error {
    const toHost = direction === "toHost";
    const copy = rebuildError(value, {
      classes: toHost ? this.#options.errorClasses.host : this.#options.errorClasses.learner,
      convert: (item) => this.#convert(item, direction),
      ...(toHost && this.#options.explainLearnerError ? { explain: this.#options.explainLearnerError } : {}),
      ...(toHost && this.#options.learnerStack ? { stack: this.#options.learnerStack } : {}),
    });
    // An error of the learner's own class (an exported NotExposedError) stays an instance of that class
    // as the course sees it: the copy's prototype is the view of the class's prototype.
    const proto = safely(() => Reflect.getPrototypeOf(value), null);
    if (toHost && proto !== null && !this.#options.shared(proto)) {
      Object.setPrototypeOf(copy, this.#convert(proto, direction) as object);
    }
    this.#remember(value, copy, direction);
    return copy;
  }

  #remember(original: object, view: object, direction: Direction): void {
    this.#views[direction].set(original, view);
    this.#originals[direction].set(view, original);
  }

  /**
   * A view of `original` for the side `direction` leads to: a proxy whose every trap converts. The
   * proxy's target is a stand-in, so the original never becomes reachable through the proxy, and the
   * stand-in's own properties (an array's length, a function's prototype) satisfy the proxy invariants.
   * One handler serves every view of a direction; a view's own state is found from its stand-in.
   */
  #view(original: object, direction: Direction, kind: "function" | "object" | "array"): object {
    const standIn: object =
      kind === "array"
        ? []
        : kind === "object"
          ? {}
          : // A constructor's stand-in has a prototype; an arrow function's or a method's has none, like it.
            Object.hasOwn(original, "prototype")
            ? function standIn() {}
            : () => {};
    const facet = direction === "toLearner" ? this.#options.facetOf?.(original) : undefined;
    // The course's objects are read-only to the learner unless a test handed one over to be written.
    const writable = direction === "toHost" || this.#writable.has(original);
    const proxy = new Proxy(standIn, this.#handlers[direction]);
    // Kept on the stand-in, which only the handler ever sees: cheaper than one more weak map. Configurable,
    // so the proxy invariants never require a trap to report it.
    Object.defineProperty(standIn, VIEW_STATE, {
      value: { original, facet, writable, proxy, data: isDataShaped(original) } satisfies ViewState,
      configurable: true,
    });
    this.#remember(original, proxy, direction);
    return proxy;
  }

  readonly #handlers: Record<Direction, ProxyHandler<object>> = {
    toHost: this.#handler("toHost"),
    toLearner: this.#handler("toLearner"),
  };

  #handler(direction: Direction): ProxyHandler<object> {
    const back = opposite(direction);
    const state = (standIn: object): ViewState => (standIn as { [VIEW_STATE]: ViewState })[VIEW_STATE];
    const out = (value: unknown) => this.#convert(value, direction);
    const into = (value: unknown) => this.#convert(value, back);
    const visible = ({ facet, data }: ViewState, key: string | symbol): boolean => {
      if (direction === "toHost") return !isHostHook(key);
      if (facet && "only" in facet) return facet.only.has(key);
      return isPublic(key, data) && !facet?.except.has(key);
    };
    /** Run code of the original's side; whatever it throws reaches the caller converted. */
    const guard = <T>(run: () => T): T => {
      try {
        return run();
      } catch (error) {
        throw out(error);
      }
    };
    const refuse = (): never => {
      const classes =
        direction === "toHost" ? this.#options.errorClasses.host : this.#options.errorClasses.learner;
      throw new classes.TypeError(READ_ONLY);
    };
    const member = ({ original }: ViewState, key: string | symbol): unknown => {
      const value = guard(() => Reflect.get(original, key));
      return typeof value === "function" ? this.#method(value, direction) : out(value);
    };
    const mayChange = (view: ViewState, key: string | symbol) => view.writable && visible(view, key);
    /**
     * What a call returns. A record of plain data that the course's function made for the learner (an
     * iterator's { value, done }, a reply) is copied one level deep, its members converted as ever: it
     * belongs to this call, and a copy costs far less than a view that every later read goes through.
     */
    const result = (value: unknown): unknown =>
      direction === "toLearner" && typeof value === "object" && value !== null && isFreshRecord(value)
        ? this.#copyRecord(value, direction, new Map(), false)
        : out(value);
    return {
      get: (target, key) => {
        const view = state(target);
        return visible(view, key) ? member(view, key) : undefined;
      },
      has: (target, key) => {
        const view = state(target);
        if (Reflect.getOwnPropertyDescriptor(target, key)?.configurable === false) return true;
        return visible(view, key) && guard(() => Reflect.has(view.original, key));
      },
      ownKeys: (target) => {
        const view = state(target);
        const keys = guard(() => Reflect.ownKeys(view.original)).filter((key) => visible(view, key));
        for (const key of Reflect.ownKeys(target)) {
          const fixed = Reflect.getOwnPropertyDescriptor(target, key);
          if (fixed && !fixed.configurable && !keys.includes(key)) keys.push(key);
        }
        return keys;
      },
      getOwnPropertyDescriptor: (target, key) => {
        const view = state(target);
        const fixed = Reflect.getOwnPropertyDescriptor(target, key);
        const pinned = fixed !== undefined && !fixed.configurable;
        const descriptor = visible(view, key)
          ? guard(() => Reflect.getOwnPropertyDescriptor(view.original, key))
          : undefined;
        // The stand-in's own value never leaves: only that the property exists (proxy invariants).
        if (!descriptor) return pinned ? { ...fixed, value: undefined } : undefined;
        // An accessor is shown as the value it has now: no function of the original's side is handed
        // over as a getter, and reading the property through the view still runs it each time.
        const value =
          "value" in descriptor
            ? typeof descriptor.value === "function"
              ? this.#method(descriptor.value, direction)
              : out(descriptor.value)
            : member(view, key);
        return {
          value,
          writable: pinned || (descriptor.writable ?? false),
          enumerable: descriptor.enumerable ?? false,
          configurable: !pinned,
        };
      },
      getPrototypeOf: (target) => {
        const view = state(target);
        // A Node object's class is where its internals live (emit, push, its handle): not shown at all.
        if (view.facet) return null;
        return out(guard(() => Reflect.getPrototypeOf(view.original))) as object | null;
      },
      set: (target, key, value) => {
        const view = state(target);
        if (!mayChange(view, key)) return refuse();
        return guard(() => Reflect.set(view.original, key, into(value)));
      },
      deleteProperty: (target, key) => {
        const view = state(target);
        if (!mayChange(view, key)) return refuse();
        return guard(() => Reflect.deleteProperty(view.original, key));
      },
      defineProperty: (target, key, descriptor) => {
        const view = state(target);
        if (!mayChange(view, key) || !("value" in descriptor)) return refuse();
        return guard(() =>
          Reflect.defineProperty(view.original, key, {
            ...descriptor,
            value: into(descriptor.value),
            configurable: true,
          }),
        );
      },
      setPrototypeOf: () => refuse(),
      preventExtensions: () => refuse(),
      isExtensible: () => true,
      apply: (target, self, args) => {
        const { original } = state(target);
        const inner = args.map(into);
        const receiver = into(self);
        if (direction === "toLearner" && !this.#mayCall(original, receiver)) return refuse();
        return result(guard(() => Reflect.apply(original as (...a: unknown[]) => unknown, receiver, inner)));
      },
      construct: (target, args, newTarget) => {
        const { original, proxy } = state(target);
        const inner = args.map(into);
        const subclass = (newTarget === proxy ? original : into(newTarget)) as new (
          ...a: unknown[]
        ) => object;
        return out(
          guard(() => Reflect.construct(original as new (...a: unknown[]) => object, inner, subclass)),
        ) as object;
      },
    };
  }

  /**
   * A function read as a member: viewed even when it is a shared intrinsic (a generator's `next`), since
   * the receiver it is called on is a view and must be converted back before the intrinsic sees it.
   */
  #method(fn: object, direction: Direction): unknown {
    const original = this.#originals[opposite(direction)].get(fn);
    if (original !== undefined) return original;
    const cached = this.#views[direction].get(fn);
    if (cached !== undefined) return cached;
    return this.#view(fn, direction, "function");
  }
}

/** A record whose every own property holds data, not behaviour: no accessor, no function. */
function isPlainData(value: object): boolean {
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
    if (!descriptor || !("value" in descriptor) || typeof descriptor.value === "function") return false;
  }
  return true;
}

/** A plain record (not an array) of data only, and not already a view or a shared object. */
function isFreshRecord(value: object): boolean {
  return !Array.isArray(value) && isPlainRecord(value);
}

/** A record of plain data (the learner may change it as it could without the membrane); not a double. */
function isPlainRecord(value: object): boolean {
  const proto = safely(() => Reflect.getPrototypeOf(value), null);
  return (proto === Object.prototype || proto === null) && !types.isProxy(value) && isPlainData(value);
}

/**
 * A member of a host object that a learner may see: not Node's internals (symbols, `_handle`, …). Names
 * starting with "_" are internal only on objects with behaviour; in data (a test's input) they are data.
 */
function isPublic(key: string | symbol, data: boolean): boolean {
  if (typeof key === "symbol") return PROTOCOL_SYMBOLS.has(key) || key === Symbol.toPrimitive;
  return data || !key.startsWith("_");
}

/** An array, or a record whose prototype is Object.prototype or null: data by its shape. */
function isDataShaped(value: object): boolean {
  if (safely(() => Array.isArray(value), false)) return true;
  const proto = safely(() => Reflect.getPrototypeOf(value), undefined);
  return proto === Object.prototype || proto === null;
}

function isIndex(key: string | symbol): boolean {
  return typeof key === "string" && /^(0|[1-9]\d*)$/.test(key);
}

/**
 * A copy of a view of the course's non-shared bytes, of the same built-in type (a Node Buffer becomes a
 * Uint8Array: its memory may be a pool that other buffers of the course share).
 */
function copyView(view: ArrayBufferView): ArrayBufferView {
  const { buffer, byteOffset, byteLength } = view;
  const copied = ArrayBuffer.prototype.slice.call(buffer, byteOffset, byteOffset + byteLength) as ArrayBuffer;
  if (types.isDataView(view)) return new DataView(copied);
  const name = getIntrinsic(TYPED_ARRAY_PROTOTYPE, Symbol.toStringTag, view) as string;
  const Type = (globalThis as unknown as Record<string, new (buffer: ArrayBuffer) => ArrayBufferView>)[name]!;
  return new Type(copied);
}

/** Read an intrinsic getter on `receiver` without looking at anything `receiver` defines itself. */
function getIntrinsic(proto: object, key: string | symbol, receiver: object): unknown {
  const getter = Reflect.getOwnPropertyDescriptor(proto, key)?.get;
  if (!getter) throw new TypeError(`no built-in getter ${String(key)}`);
  return Reflect.apply(getter, receiver, []);
}
