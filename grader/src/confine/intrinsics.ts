/**
 * The objects every compartment already reaches: the frozen intrinsics SES shares between them, and the
 * globals the course gives each compartment. The membrane lets exactly these cross as they are.
 */

/** Every object reachable from `roots` through own properties (values and accessors) and prototypes. */
export function reachableFrom(roots: readonly object[]): WeakSet<object> {
  const seen = new WeakSet<object>();
  const pending: object[] = [...roots];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (seen.has(value)) continue;
    seen.add(value);
    const proto = attempt(() => Reflect.getPrototypeOf(value));
    if (proto) pending.push(proto);
    for (const key of attempt(() => Reflect.ownKeys(value)) ?? []) {
      const descriptor = attempt(() => Reflect.getOwnPropertyDescriptor(value, key));
      if (!descriptor) continue;
      for (const part of [descriptor.value, descriptor.get, descriptor.set]) {
        if ((typeof part === "object" && part !== null) || typeof part === "function") pending.push(part);
      }
    }
  }
  return seen;
}

/** A reflective read that may run code which throws (an accessor of a view): undefined then. */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * The shared intrinsics, found from a fresh compartment's global object. Only frozen objects count:
 * anything a compartment reaches that is not frozen is not safe to share and gets a view instead.
 */
export function sharedIntrinsics(extraRoots: readonly object[] = []): (value: object) => boolean {
  const reachable = reachableFrom([new Compartment({ __options__: true }).globalThis, ...extraRoots]);
  return (value) => reachable.has(value) && Object.isFrozen(value);
}
