/**
 * Exercise 02-coroutines/trampoline — generator "subroutines" that call each other without growing the stack.
 *
 * A coroutine that wants to call another coroutine as a subroutine can `yield*` it, but every `yield*`
 * level is a real JavaScript stack frame: a few thousand levels deep, Node throws "Maximum call stack size
 * exceeded". A trampoline keeps the call stack itself, as an array: a coroutine *yields* the generator it
 * wants to call, the trampoline pushes the caller and runs the callee, and when the callee returns it pops
 * the caller and sends it the result. However deep the calls go, the JavaScript stack stays one level deep.
 *
 * Read first: chapters/02-coroutines/README.md#trampolining
 * Check yourself: npm test -- trampoline        Stuck? npm run hint -- trampoline
 */

/** A generator that the trampoline runs: what it yields is a call (a generator) or a plain value. */
export type Routine<R = unknown> = Generator<unknown, R, unknown>;

/**
 * Run `main` to the end on a trampoline and return what it returns.
 *
 * - Yielding a generator (what calling a `function*` returns) calls it: the callee runs to its end, and
 *   its *return* value becomes the value of the caller's `yield`.
 * - Yielding anything else sends that same value straight back: `const x = yield 5` gives 5.
 * - An error that escapes a callee is thrown into its caller at the `yield` that called it (`throw()`),
 *   so the caller's try/catch/finally work as with ordinary calls; an error that escapes `main` is thrown
 *   by runTrampolined.
 *
 * Calls may nest 100,000 deep (and more): the JavaScript stack does not grow with the depth.
 *
 * @example
 *   function* depth(n: number): Routine<number> { return n === 0 ? 0 : 1 + ((yield depth(n - 1)) as number); }
 *   runTrampolined(depth(100_000)); // → 100000
 */
export function runTrampolined<R>(main: Routine<R>): R {
  const callers: Routine[] = [];
  let current: Routine = main;
  let input: unknown;
  let failure: { error: unknown } | undefined;
  for (;;) {
    let step: IteratorResult<unknown, unknown>;
    try {
      const pending = failure;
      failure = undefined;
      step = pending ? current.throw(pending.error) : current.next(input);
    } catch (error) {
      // The current routine ended with an error: it surfaces in its caller, at the yield that called it.
      const caller = callers.pop();
      if (!caller) throw error;
      current = caller;
      failure = { error };
      continue;
    }
    if (step.done) {
      const caller = callers.pop();
      if (!caller) return step.value as R;
      current = caller;
      input = step.value;
    } else if (isGenerator(step.value)) {
      callers.push(current);
      current = step.value;
      input = undefined;
    } else {
      input = step.value;
    }
  }
}

function isGenerator(value: unknown): value is Routine {
  return Object.prototype.toString.call(value) === "[object Generator]";
}
