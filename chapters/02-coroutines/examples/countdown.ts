// countdown.ts — one generator, two roles: a producer you iterate, and a coroutine you send to.
//
//   npx tsx chapters/02-coroutines/examples/countdown.ts

// A generator *produces*: the caller pulls values out with for…of (next() without an argument).
function* countdown(n: number): Generator<number, void, undefined> {
  while (n > 0) {
    yield n;
    n--;
  }
}
console.log("pull:", [...countdown(5)].join(" "));

// A coroutine *consumes*: the caller pushes values in with next(value), and `yield` is where they arrive.
function* grepper(pattern: string): Generator<void, void, string> {
  console.log(`  looking for ${JSON.stringify(pattern)}`);
  try {
    for (;;) {
      const line = yield;
      if (line.includes(pattern)) console.log(`  match: ${line}`);
    }
  } finally {
    console.log("  closed: return() ran my finally block (Python would raise GeneratorExit here)");
  }
}
console.log("push:");
const g = grepper("python");
g.next(); // prime: run up to the first yield
for (const line of ["coroutines in python", "no match here", "python generators"]) g.next(line);
g.return();

// Mixing the two in one generator works, but reads badly: each next(value) both delivers a value and
// asks for the next one, and it is easy to lose track of which yield receives what.
function* bogusCountdown(n: number): Generator<number, void, number | undefined> {
  while (n > 0) {
    const reset = yield n;
    n = reset ?? n - 1;
  }
}
const c = bogusCountdown(5);
const seen = [c.next().value, c.next().value, c.next(10).value, c.next().value];
console.log("mixed (sent 10 after the second value):", seen.join(" "));
