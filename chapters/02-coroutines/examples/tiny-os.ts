// tiny-os.ts — micro-threads in 40 lines: generator tasks, a ready queue, and three system calls.
//
//   npx tsx chapters/02-coroutines/examples/tiny-os.ts
//
// A cut-down version of the exercise (no kill, no sleep), after Beazley's pyos.

type Call = { kind: "getTid" } | { kind: "spawn"; task: Task } | { kind: "wait"; tid: number };
type Task = Generator<Call | undefined, void, unknown>;

function runAll(first: Task): void {
  let nextTid = 1;
  const ready: Array<{ tid: number; task: Task; answer: unknown }> = [];
  const waiting = new Map<number, typeof ready>(); // tid → tasks waiting for it to end
  const spawn = (task: Task) => {
    const tid = nextTid++;
    ready.push({ tid, task, answer: undefined });
    waiting.set(tid, []);
    return tid;
  };
  spawn(first);
  for (let entry = ready.shift(); entry; entry = ready.shift()) {
    const step = entry.task.next(entry.answer); // one step of one task: runs until its next yield
    entry.answer = undefined;
    if (step.done) {
      ready.push(...(waiting.get(entry.tid) ?? []).map((w) => ({ ...w, answer: true })));
      waiting.delete(entry.tid);
      continue;
    }
    const call = step.value;
    if (call?.kind === "getTid") entry.answer = entry.tid;
    if (call?.kind === "spawn") entry.answer = spawn(call.task);
    if (call?.kind === "wait" && waiting.has(call.tid)) {
      waiting.get(call.tid)?.push(entry); // blocked: not back in the queue until that task ends
      continue;
    }
    if (call?.kind === "wait") entry.answer = false; // no such task alive
    ready.push(entry); // forget this line and every system call loses its task
  }
}

function* counter(name: string, n: number): Task {
  const tid = yield { kind: "getTid" };
  for (let i = 1; i <= n; i++) {
    console.log(`  ${name} (tid ${tid}): ${i}`);
    yield; // give up the turn
  }
}

function* main(): Task {
  const a = (yield { kind: "spawn", task: counter("fizz", 3) }) as number;
  const b = (yield { kind: "spawn", task: counter("buzz", 2) }) as number;
  console.log(`  main spawned tids ${a} and ${b}, and waits for both`);
  const doneA = yield { kind: "wait", tid: a };
  const doneB = yield { kind: "wait", tid: b };
  console.log(`  main: wait(${a}) gave ${doneA}; wait(${b}) gave ${doneB}, because buzz had already ended`);
  const never = yield { kind: "wait", tid: 99 };
  console.log(`  main: waiting for tid 99, which never existed, gives ${never}`);
}

console.log("round-robin on one thread:");
runAll(main());
