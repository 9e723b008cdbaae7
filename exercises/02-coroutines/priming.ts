/**
 * Exercise 02-coroutines/priming — a coroutine that does not lose the first value sent to it.
 *
 * A generator becomes a coroutine when you push values *into* it: `gen.next(value)` is Python's
 * `gen.send(value)`, and the value appears where the generator is paused, as the result of `yield`. But a
 * fresh generator is paused *before* its first line, not at a `yield`, so the value of the very first
 * `next(value)` has nowhere to go and is thrown away. Beazley's `@coroutine` decorator fixes that by
 * advancing every new generator to its first `yield` ("priming" it) before anyone sends to it.
 *
 * Read first: chapters/02-coroutines/README.md#priming-a-coroutine
 * Check yourself: npm test -- priming        Stuck? npm run hint -- priming
 */

/**
 * Wrap a generator function so that every generator it returns is already primed: advanced to its first
 * `yield`, so the first value you send is received. Whatever that first `yield` yields is dropped. The
 * wrapped function takes the same arguments and returns the generator itself (so `return()` and `throw()`
 * work on it as usual). An error thrown before the first `yield` is thrown by the wrapped function; a
 * generator that returns before its first `yield` comes back finished, and the first `send` to it throws.
 *
 * @example
 *   function* printer() { for (;;) console.log(yield); }
 *   const p = coroutine(printer)();
 *   send(p, "hello"); // prints hello (unprimed, it would print nothing)
 */
export function coroutine<A extends unknown[], Y, T, R>(
  fn: (...args: A) => Generator<Y, R, T>,
): (...args: A) => Generator<Y, R, T> {
  // TODO: return a function that calls fn, advances the generator to its first `yield`, and returns it.
  //       Returning fn unchanged is the bug this exercise is about: the first value sent is lost.
  throw new Error(
    "TODO: coroutine(fn) does not prime yet, so the first value sent would be lost (read chapters/02-coroutines/README.md#priming-a-coroutine)",
  );
}

/**
 * Send `value` into a primed coroutine and return what it yields next, like Python's `gen.send(value)`.
 *
 * @throws Error (with "finished" in its message) if the coroutine has finished, or finishes on this value
 *   (Python raises StopIteration in both cases); an error the coroutine throws passes through unchanged.
 * @example
 *   const avg = coroutine(averager)();
 *   send(avg, 10); // → 10
 *   send(avg, 20); // → 15
 */
export function send<Y, T>(target: Generator<Y, unknown, T>, value: T): Y {
  // TODO: next(value) is send; look at `done` before you trust `value`.
  throw new Error(
    "TODO: send is not implemented yet (read chapters/02-coroutines/README.md#priming-a-coroutine)",
  );
}

/**
 * A coroutine that keeps a running average (use it primed: `coroutine(averager)()`): each number sent in
 * is answered with the average of every number it has received so far. Its first `yield`, the one
 * priming consumes, yields `undefined`: there is nothing to average yet.
 */
export function averager(): Generator<number | undefined, never, number> {
  // TODO: make this a generator function (function*) that loops forever: `const term = yield average`.
  throw new Error(
    "TODO: averager is not implemented yet (read chapters/02-coroutines/README.md#priming-a-coroutine)",
  );
}
