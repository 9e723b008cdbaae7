// trampoline-depth.ts — yield* puts every call level on the JavaScript stack; a trampoline does not.
//
//   npx tsx chapters/02-coroutines/examples/trampoline-depth.ts

type Routine<R = unknown> = Generator<unknown, R, unknown>;

// Subroutine calls with yield*: each level is a real stack frame (generator resumes nest inside each other).
function* depthDelegating(n: number): Generator<never, number, unknown> {
  if (n === 0) return 0;
  return 1 + (yield* depthDelegating(n - 1));
}

// Subroutine calls through a trampoline: yield the generator you want to call, receive its result.
function* depthTrampolined(n: number): Routine<number> {
  if (n === 0) return 0;
  return 1 + ((yield depthTrampolined(n - 1)) as number);
}

/** A minimal trampoline: the callers live in an array, so the JavaScript stack stays flat. */
function trampoline<R>(main: Routine<R>): R {
  const callers: Routine[] = [];
  let current: Routine = main;
  let input: unknown;
  for (;;) {
    const step = current.next(input);
    if (step.done) {
      const caller = callers.pop();
      if (!caller) return step.value as R;
      [current, input] = [caller, step.value];
    } else if (Object.prototype.toString.call(step.value) === "[object Generator]") {
      callers.push(current);
      [current, input] = [step.value as Routine, undefined];
    } else {
      input = step.value;
    }
  }
}

for (const n of [1_000, 10_000, 100_000]) {
  let delegated: string;
  try {
    delegated = String(depthDelegating(n).next().value);
  } catch (error) {
    delegated = `${(error as Error).name}: ${(error as Error).message}`;
  }
  console.log(
    `depth ${String(n).padStart(7)}   yield*: ${delegated.padEnd(50)} trampoline: ${trampoline(depthTrampolined(n))}`,
  );
}
