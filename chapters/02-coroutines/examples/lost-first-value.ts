// lost-first-value.ts — why a fresh generator drops the first value you send it, and how priming fixes it.
//
//   npx tsx chapters/02-coroutines/examples/lost-first-value.ts

/** A coroutine that writes down what it receives. */
function* recorder(into: unknown[]): Generator<void, void, string> {
  console.log("  (recorder starts running)");
  for (;;) into.push(yield);
}

// 1. Unprimed: the first next(value) only starts the body, which runs up to the first yield.
//    There was no yield waiting for "a", so "a" is gone.
const lost: unknown[] = [];
const unprimed = recorder(lost);
console.log('unprimed: next("a")');
unprimed.next("a");
unprimed.next("b");
unprimed.next("c");
console.log(`  received ${JSON.stringify(lost)}   <- "a" was lost\n`);

// 2. Primed: advance to the first yield once, with no value, then every value has a yield to land in.
function coroutine<A extends unknown[], Y, T, R>(fn: (...args: A) => Generator<Y, R, T>) {
  return (...args: A): Generator<Y, R, T> => {
    const generator = fn(...args);
    generator.next();
    return generator;
  };
}
const kept: unknown[] = [];
console.log("primed: coroutine(recorder)(kept)");
const primed = coroutine(recorder)(kept);
primed.next("a");
primed.next("b");
primed.next("c");
console.log(`  received ${JSON.stringify(kept)}`);
