/**
 * How a call ended, as a value an assertion with a label can check, so the failure says in the test's
 * own words what went wrong. vitest's `.rejects` and `.resolves` drop the label when the promise settles
 * the other way ("promise resolved … instead of rejecting"), and an error that escapes a test reads as
 * the engine's words ("Maximum call stack size exceeded") rather than as the call that failed:
 *
 *   expect(await rejectionOf(pool.map(f, xs, 0)), "a chunksize of 0 is refused").toBeInstanceOf(RangeError)
 *   expect(thrownBy(() => grep("[", sink)), "a string pattern is plain text").toBeUndefined()
 */

/** What rejectionOf gives when the promise fulfilled instead: the value, for the failure message. */
export class DidNotReject {
  constructor(readonly resolvedWith: unknown) {}
}

/** What resolutionOf gives when the promise rejected instead: the reason, for the failure message. */
export class DidNotResolve {
  constructor(readonly rejectedWith: unknown) {}
}

/** The reason `promise` rejected with, or a DidNotReject holding what it fulfilled with. */
export function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(promise).then(
    (value) => new DidNotReject(value),
    (reason: unknown) => reason,
  );
}

/** The value `promise` fulfilled with, or a DidNotResolve holding the reason it rejected with. */
export function resolutionOf<T>(promise: PromiseLike<T>): Promise<T | DidNotResolve> {
  return Promise.resolve(promise).then(
    (value) => value,
    (reason: unknown) => new DidNotResolve(reason),
  );
}

/** What `action` threw, or undefined when it returned. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
    return undefined;
  } catch (error) {
    return error;
  }
}
