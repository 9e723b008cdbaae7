// broadcast.ts — a push pipeline with a fan-out and a fan-in, and what closing it does.
//
//   npx tsx chapters/02-coroutines/examples/broadcast.ts
//
//                 ┌─ grep("python") ─┐
//   source ─ broadcast                ├─ printer
//                 └─ grep("ply") ────┘

type Sink<T> = Generator<void, void, T>;

function primed<T>(sink: Sink<T>): Sink<T> {
  sink.next();
  return sink;
}

function* grepStage(pattern: string, target: Sink<string>): Sink<string> {
  try {
    for (;;) {
      const line = yield;
      if (line.includes(pattern)) target.next(`[${pattern}] ${line}`);
    }
  } finally {
    console.log(`  grep(${JSON.stringify(pattern)}) closed; closing what it feeds`);
    target.return();
  }
}

function* broadcastStage<T>(targets: Sink<T>[]): Sink<T> {
  try {
    for (;;) {
      const value = yield;
      for (const target of targets) target.next(value);
    }
  } finally {
    for (const target of targets) target.return();
  }
}

let printed = 0;
function* printer(): Sink<string> {
  try {
    for (;;) {
      console.log(`  ${yield}`);
      printed++;
    }
  } finally {
    // Runs once: the second branch's return() finds the printer already finished and does nothing.
    console.log(`  printer closed after ${printed} lines`);
  }
}

const shared = primed(printer());
const head = primed(broadcastStage([primed(grepStage("python", shared)), primed(grepStage("ply", shared))]));

const source = ["python coroutines", "a ply parser in python", "nothing to see", "jython"];
for (const line of source) head.next(line); // push: the source drives, each next() runs the whole chain
console.log("closing the head of the pipeline:");
head.return();
