// Two async tasks each need two locks and take them in opposite orders. Nothing throws and nothing crashes:
// after a few milliseconds each task holds one lock and waits for the other, and neither promise ever
// settles. When the event loop runs out of work, Node would quietly exit; here we catch that moment and
// print who waits for whom.
// Run: npx tsx chapters/01-concepts/examples/async-deadlock.ts
// The cure: npx tsx chapters/01-concepts/examples/async-deadlock.ts --ordered   (both use one lock order)

/** A minimal async lock that remembers its holder and its waiters, so we can draw the wait-for graph. */
class Lock {
  holder: string | undefined;
  private readonly waiting: Array<{ task: string; wake: () => void }> = [];

  constructor(readonly name: string) {}

  acquire(task: string): Promise<void> {
    if (this.holder === undefined) {
      this.holder = task;
      return Promise.resolve();
    }
    return new Promise((wake) => this.waiting.push({ task, wake }));
  }

  release(): void {
    // Hand the lock straight to the oldest waiter, if any.
    const next = this.waiting.shift();
    this.holder = next?.task;
    next?.wake();
  }

  get waiters(): string[] {
    return this.waiting.map((w) => w.task);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const accounts = new Lock("accounts");
const ledger = new Lock("ledger");
const finished: string[] = [];

async function task(name: string, first: Lock, second: Lock): Promise<void> {
  await first.acquire(name);
  console.log(`${name}: holds ${first.name}, asks for ${second.name}`);
  await sleep(20); // some work in between: time enough for the other task to take its first lock
  await second.acquire(name);
  console.log(`${name}: holds both`);
  await sleep(20);
  second.release();
  first.release();
  finished.push(name);
}

const ordered = process.argv.includes("--ordered");
void task("transfer", accounts, ledger);
void (ordered ? task("audit", accounts, ledger) : task("audit", ledger, accounts));

// "beforeExit" fires when the event loop has nothing left to do: no timer, no I/O, no callback to run.
process.once("beforeExit", () => {
  if (finished.length === 2) {
    console.log(`both tasks finished (${finished.join(", then ")}): one lock order, no deadlock`);
    return;
  }
  console.log(
    `\nnothing left to run, yet ${2 - finished.length} of 2 tasks never finished. Who waits for whom:`,
  );
  for (const lock of [accounts, ledger]) {
    for (const waiter of lock.waiters) console.log(`  ${waiter} → ${lock.holder}  (wants ${lock.name})`);
  }
  console.log("a cycle in the wait-for graph: a deadlock. No error, no stack trace; Node just exits.");
});
