// A race condition with one thread: two async increments interleave at their `await`s and one update is
// lost. Then the same with the increments serialised by a tiny lock.
// Run: npx tsx chapters/01-concepts/examples/async-race.ts

let balance = 0;

/** A "database" round trip: the value comes back on a later turn of the event loop. */
const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
async function read(): Promise<number> {
  await pause();
  return balance;
}
async function write(value: number): Promise<void> {
  await pause();
  balance = value;
}

async function deposit(amount: number): Promise<void> {
  const current = await read(); // ← another deposit may run here…
  await write(current + amount); // ← …and its update is overwritten here
}

await Promise.all([deposit(10), deposit(10), deposit(10)]);
console.log(`without a lock: balance = ${balance} (expected 30)`);

// The cure: let only one deposit at a time between read and write.
let tail: Promise<void> = Promise.resolve();
function exclusive(section: () => Promise<void>): Promise<void> {
  const run = tail.then(section);
  tail = run.catch(() => {});
  return run;
}

balance = 0;
await Promise.all([10, 10, 10].map((amount) => exclusive(() => deposit(amount))));
console.log(`with a lock:    balance = ${balance} (expected 30)`);
