import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../grader/harness/outcomes.ts";
import { Scheduler, type Task, type Tid } from "./scheduler.ts";

const show = (value: unknown) => fc.stringify(value);

// ---------------------------------------------------------------------------------------------------
// Generated task programs. Every op yields exactly once, so a task of n ops takes n + 1 steps.
type Op =
  | { op: "step" }
  | { op: "getTid" }
  | { op: "spawn"; child: Op[] }
  | { op: "waitChild" } // wait for the last child spawned (or for a tid nobody has, if none yet)
  | { op: "waitNobody" } // wait for a tid that no task has
  | { op: "killChild" } // kill the last child spawned (or a tid nobody has)
  | { op: "sleep"; ticks: number };

interface ProgramOptions {
  readonly kills: boolean;
  readonly sleeps: boolean;
  readonly waits: boolean;
}

function programs({ kills, sleeps, waits }: ProgramOptions) {
  const simple: fc.Arbitrary<Op>[] = [
    fc.constant({ op: "step" as const }),
    fc.constant({ op: "getTid" as const }),
  ];
  if (waits)
    simple.push(fc.constant({ op: "waitChild" as const }), fc.constant({ op: "waitNobody" as const }));
  if (kills) simple.push(fc.constant({ op: "killChild" as const }));
  if (sleeps)
    simple.push(fc.record({ op: fc.constant("sleep" as const), ticks: fc.integer({ min: 0, max: 4 }) }));
  return fc.letrec<{ program: Op[]; op: Op }>((tie) => ({
    program: fc.array(tie("op"), { maxLength: 5 }),
    op: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      ...simple,
      fc.record({ op: fc.constant("spawn" as const), child: tie("program") }),
    ),
  })).program;
}

const NOBODY = 1_000_000;

type Event =
  | { task: string; what: "start" | "end" | "finally" | "step" | "slept" }
  | { task: string; what: "getTid" | "spawned"; tid: Tid; child?: string }
  | { task: string; what: "wait" | "kill"; target?: string; result: unknown };

/** Run a program as a task; every event goes to `log` in the order it happens. `clock` counts resumes. */
function interpret(program: readonly Op[], name: string, log: Event[], clock: { resumes: number }): Task {
  return (function* (): Task {
    clock.resumes++;
    log.push({ task: name, what: "start" });
    let child: { name: string; tid: Tid } | undefined;
    try {
      for (const [i, op] of program.entries()) {
        switch (op.op) {
          case "step":
            yield;
            clock.resumes++;
            log.push({ task: name, what: "step" });
            break;
          case "getTid": {
            const tid = (yield { kind: "getTid" }) as Tid;
            clock.resumes++;
            log.push({ task: name, what: "getTid", tid });
            break;
          }
          case "spawn": {
            const childName = `${name}.${i}`;
            const tid = (yield { kind: "spawn", task: interpret(op.child, childName, log, clock) }) as Tid;
            clock.resumes++;
            child = { name: childName, tid };
            log.push({ task: name, what: "spawned", tid, child: childName });
            break;
          }
          case "waitChild":
          case "waitNobody": {
            const target = op.op === "waitChild" ? child : undefined;
            const result = yield { kind: "wait", tid: target?.tid ?? NOBODY };
            clock.resumes++;
            log.push({ task: name, what: "wait", ...(target ? { target: target.name } : {}), result });
            break;
          }
          case "killChild": {
            const result = yield { kind: "kill", tid: child?.tid ?? NOBODY };
            clock.resumes++;
            log.push({ task: name, what: "kill", ...(child ? { target: child.name } : {}), result });
            break;
          }
          case "sleep":
            yield { kind: "sleep", ticks: op.ticks };
            clock.resumes++;
            log.push({ task: name, what: "slept" });
            break;
        }
      }
      log.push({ task: name, what: "end" });
    } finally {
      log.push({ task: name, what: "finally" });
    }
  })();
}

/** Every task name in a program tree, with the number of ops (yields) of its program. */
function tasksOf(program: readonly Op[], name = "main"): Map<string, number> {
  const all = new Map<string, number>([[name, program.length]]);
  program.forEach((op, i) => {
    if (op.op === "spawn") for (const [n, ops] of tasksOf(op.child, `${name}.${i}`)) all.set(n, ops);
  });
  return all;
}

function countOps(program: readonly Op[], which: (op: Op) => boolean): number {
  return program.reduce(
    (n, op) => n + (which(op) ? 1 : 0) + (op.op === "spawn" ? countOps(op.child, which) : 0),
    0,
  );
}

function runProgram(program: readonly Op[], maxSteps?: number) {
  const scheduler = new Scheduler();
  const log: Event[] = [];
  const clock = { resumes: 0 };
  const mainTid = scheduler.spawn(interpret(program, "main", log, clock));
  const trace = scheduler.run(maxSteps);
  // Which tid belongs to which task: main's from spawn(), every child's from its parent's spawn call.
  const tidOf = new Map<string, Tid>([["main", mainTid]]);
  for (const e of log) if (e.what === "spawned" && e.child) tidOf.set(e.child, e.tid);
  return { log, trace, tidOf, mainTid };
}

const index = (log: readonly Event[], task: string, what: Event["what"]) =>
  log.findIndex((e) => e.task === task && e.what === what);

/** The event the same task logged just before log[at]: it was logged in the step that made the system call. */
function previousEventOf(log: readonly Event[], at: number): number {
  for (let i = at - 1; i >= 0; i--) if (log[i]!.task === log[at]!.task) return i;
  return -1;
}

/**
 * The model of a run of a program without waits or kills, straight from the doc comment: one FIFO ready
 * queue; a step takes the task at the front; a spawned task is queued before its spawner; a task that
 * sleeps `ticks` in step s rejoins the back of the queue just before step s + 1 + ticks would be chosen,
 * sleepers in the order they fell asleep; with nothing ready, the clock jumps to the first wake-up.
 * Returns the names of the tasks resumed, step by step.
 */
function modelTrace(program: readonly Op[]): string[] {
  type Queued = { name: string; ops: readonly Op[]; next: number };
  const ready: Queued[] = [{ name: "main", ops: program, next: 0 }];
  // In the order they fell asleep.
  let sleeping: Array<{ task: Queued; wakeAt: number }> = [];
  const trace: string[] = [];
  let clock = 0;
  for (;;) {
    for (const { task, wakeAt } of sleeping) if (wakeAt <= clock) ready.push(task);
    sleeping = sleeping.filter(({ wakeAt }) => wakeAt > clock);
    const task = ready.shift();
    if (!task) {
      if (sleeping.length === 0) return trace;
      clock = Math.min(...sleeping.map(({ wakeAt }) => wakeAt));
      continue;
    }
    const step = clock++;
    trace.push(task.name);
    if (task.next === task.ops.length) continue;
    const op = task.ops[task.next]!;
    if (op.op === "spawn") ready.push({ name: `${task.name}.${task.next}`, ops: op.child, next: 0 });
    task.next++;
    if (op.op === "sleep") sleeping.push({ task, wakeAt: step + 1 + op.ticks });
    else ready.push(task);
  }
}

// ---------------------------------------------------------------------------------------------------
describe("Scheduler", () => {
  it("runs every task to its end, one trace entry per step (n + 1 steps for n yields)", () => {
    fc.assert(
      fc.property(programs({ kills: false, sleeps: true, waits: true }), (program) => {
        const { log, trace, tidOf } = runProgram(program);
        const expected = tasksOf(program);
        const notEnded = [...expected.keys()].filter((task) => index(log, task, "end") < 0);
        expect(
          notEnded,
          `these tasks never finished: ${notEnded.join(", ")} — was a task left out of the ready queue after a system call that answers at once?`,
        ).toEqual([]);
        for (const [task, ops] of expected) {
          const steps = trace.filter((tid) => tid === tidOf.get(task)).length;
          expect(
            steps,
            `task ${task} yields ${ops} times, so it takes ${ops + 1} steps; the trace has ${steps}`,
          ).toBe(ops + 1);
        }
        expect(trace.length, "the trace has one entry per step of every task").toBe(
          [...expected.values()].reduce((sum, ops) => sum + ops + 1, 0),
        );
      }),
    );
  });

  it("gives each task its own positive tid, the one spawn returned, and never reuses one", () => {
    fc.assert(
      fc.property(programs({ kills: true, sleeps: false, waits: true }), (program) => {
        const { log, tidOf } = runProgram(program);
        for (const e of log) {
          if (e.what !== "getTid") continue;
          const known = tidOf.get(e.task);
          // A child whose parent was killed before it saw spawn's answer is known by its getTid only.
          if (known === undefined) tidOf.set(e.task, e.tid);
          else
            expect(e.tid, `getTid in task ${e.task} gave ${e.tid}, but spawn gave it ${known}`).toBe(known);
        }
        const tids = [...tidOf.values()];
        expect(
          new Set(tids).size,
          `tasks ${show([...tidOf.entries()])} share tids: a tid must never be reused, even after its task ended`,
        ).toBe(tids.length);
        for (const tid of tids)
          expect(Number.isInteger(tid) && tid > 0, `tid ${tid} is not a positive integer`).toBe(true);
      }),
    );
  });

  it("takes turns round-robin, in the order tasks were queued (a spawned task before its spawner)", () => {
    fc.assert(
      fc.property(programs({ kills: false, sleeps: false, waits: false }), (program) => {
        const { trace, tidOf } = runProgram(program);
        // The model: one FIFO queue; every op answers at once; spawn queues the child, then the spawner.
        const queue: Array<{ name: string; ops: readonly Op[]; next: number }> = [
          { name: "main", ops: program, next: 0 },
        ];
        const expected: string[] = [];
        for (let task = queue.shift(); task; task = queue.shift()) {
          expected.push(task.name);
          if (task.next === task.ops.length) continue;
          const op = task.ops[task.next]!;
          if (op.op === "spawn") queue.push({ name: `${task.name}.${task.next}`, ops: op.child, next: 0 });
          task.next++;
          queue.push(task);
        }
        const names = new Map([...tidOf.entries()].map(([name, tid]) => [tid, name]));
        expect(
          trace.map((tid) => names.get(tid) ?? `tid ${tid}`),
          "the order in which tasks were resumed",
        ).toEqual(expected);
      }),
    );
  });

  it("wait gives true once the awaited task has ended, and false at once for a task that is not alive", () => {
    fc.assert(
      fc.property(programs({ kills: false, sleeps: true, waits: true }), (program) => {
        const { log } = runProgram(program);
        const waits = countOps(program, (op) => op.op === "waitChild" || op.op === "waitNobody");
        const returned = log.filter((e) => e.what === "wait").length;
        expect(
          returned,
          `the tasks made ${waits} waits but only ${returned} returned: a wait for a task that is not alive should give false at once`,
        ).toBe(waits);
        for (const [at, e] of log.entries()) {
          if (e.what !== "wait") continue;
          if (e.target === undefined) {
            expect(e.result, `task ${e.task} waited for a tid no task has; wait should give false`).toBe(
              false,
            );
            continue;
          }
          const issuedAt = previousEventOf(log, at);
          const endedAt = index(log, e.target, "end");
          if (endedAt < issuedAt) {
            expect(
              e.result,
              `task ${e.task} waited for ${e.target}, which had already ended; wait should give false`,
            ).toBe(false);
          } else {
            expect(endedAt, `task ${e.task} resumed from its wait before ${e.target} ended`).toBeLessThan(at);
            expect(
              e.result,
              `task ${e.task} waited for ${e.target}; once it ended, wait should give true`,
            ).toBe(true);
          }
        }
      }),
      // A wait for a child that has already ended, right after it ended and a step later.
      {
        examples: [
          [[{ op: "spawn", child: [] }, { op: "waitChild" }]],
          [[{ op: "spawn", child: [{ op: "step" }] }, { op: "step" }, { op: "step" }, { op: "waitChild" }]],
        ],
      },
    );
  });

  it("kill ends a live task at once: true, its finally runs, it does nothing more; false once it has ended", () => {
    fc.assert(
      fc.property(programs({ kills: true, sleeps: true, waits: true }), (program) => {
        const { log } = runProgram(program);
        for (const [at, e] of log.entries()) {
          if (e.what !== "kill") continue;
          if (e.target === undefined) {
            expect(e.result, `task ${e.task} killed a tid no task has; kill should give false`).toBe(false);
            continue;
          }
          const issuedAt = previousEventOf(log, at);
          const finallyAt = index(log, e.target, "finally");
          if (finallyAt >= 0 && finallyAt < issuedAt) {
            expect(
              e.result,
              `task ${e.task} killed ${e.target}, which had already ended; kill should give false`,
            ).toBe(false);
            continue;
          }
          expect(e.result, `task ${e.task} killed the live task ${e.target}; kill should give true`).toBe(
            true,
          );
          expect(
            finallyAt > issuedAt && finallyAt < at,
            `killing ${e.target} should run its finally (through return()) before the killer runs again`,
          ).toBe(true);
          const after = log.slice(finallyAt + 1).filter((x) => x.task === e.target);
          expect(after, `${e.target} was killed but kept running`).toEqual([]);
          expect(index(log, e.target, "end"), `${e.target} was killed but still reached its end`).toBe(-1);
        }
      }),
    );
  });

  it("wakes the tasks waiting for a task that is killed, and a task may kill itself", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 3 }), (before, waiters) => {
        const events: string[] = [];
        const scheduler = new Scheduler();
        function* forever(): Task {
          try {
            for (;;) yield;
          } finally {
            events.push("victim finally");
          }
        }
        function* waiter(i: number, tid: Tid): Task {
          const result = yield { kind: "wait", tid };
          events.push(`waiter ${i} woke with ${show(result)}`);
        }
        function* suicidal(): Task {
          try {
            const me = (yield { kind: "getTid" }) as Tid;
            yield { kind: "kill", tid: me };
            events.push("suicidal task kept running after killing itself");
          } finally {
            events.push("suicidal finally");
          }
        }
        function* main(): Task {
          const victim = (yield { kind: "spawn", task: forever() }) as Tid;
          for (let i = 0; i < waiters; i++) yield { kind: "spawn", task: waiter(i, victim) };
          for (let i = 0; i < before; i++) yield;
          const killed = yield { kind: "kill", tid: victim };
          events.push(`kill gave ${show(killed)}`);
          const self = (yield { kind: "spawn", task: suicidal() }) as Tid;
          selfTid = self;
          const waited = yield { kind: "wait", tid: self };
          events.push(`main's wait for the suicidal task gave ${show(waited)}`);
        }
        let selfTid: Tid | undefined;
        scheduler.spawn(main());
        const trace = scheduler.run(10_000);
        const woken = Array.from({ length: waiters }, (_, i) => `waiter ${i} woke with true`);
        expect(events[0], "killing the victim should run its finally first").toBe("victim finally");
        expect(
          events.filter((e) => e.startsWith("waiter")),
          `the ${waiters} tasks waiting for the killed task should wake, in the order they started waiting, with true`,
        ).toEqual(woken);
        expect(events.includes("kill gave true"), "kill of a live task should give true").toBe(true);
        expect(
          events.slice(1 + waiters + 1),
          "a task that kills itself ends at once: its finally runs, and a wait for it gives true",
        ).toEqual(["suicidal finally", "main's wait for the suicidal task gave true"]);
        expect(
          trace.filter((tid) => tid === selfTid).length,
          "the task that killed itself took a step after the kill: it should take two steps (getTid, kill) and no more",
        ).toBe(2);
      }),
      { examples: [[0, 1]] },
    );
  });

  it("kill ends a task that is waiting or asleep: it never runs again, not even when its wait or sleep is over", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("waiting", "asleep"),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        (state, before, ticks) => {
          const events: string[] = [];
          function* busy(steps: number): Task {
            for (let i = 0; i < steps; i++) yield;
          }
          function* victim(other: Tid): Task {
            try {
              if (state === "waiting") yield { kind: "wait", tid: other };
              else yield { kind: "sleep", ticks: 2 * before + ticks + 2 };
              events.push(`the victim ran again after it was ${state}`);
            } finally {
              events.push("victim finally");
            }
          }
          let victimTid: Tid | undefined;
          function* main(): Task {
            const other = (yield { kind: "spawn", task: busy(before + ticks + 2) }) as Tid;
            victimTid = (yield { kind: "spawn", task: victim(other) }) as Tid;
            for (let i = 0; i < before; i++) yield;
            const killed = yield { kind: "kill", tid: victimTid };
            events.push(`kill gave ${show(killed)}`);
            // Still running when the victim's wait or sleep would be over.
            yield { kind: "wait", tid: other };
            for (let i = 0; i < ticks + 2; i++) yield;
          }
          const scheduler = new Scheduler();
          scheduler.spawn(main());
          const trace = scheduler.run(10_000);
          expect(
            events,
            `killing a task while it is ${state} should run its finally and give true, and the task should do nothing more`,
          ).toEqual(["victim finally", "kill gave true"]);
          expect(
            trace.filter((tid) => tid === victimTid).length,
            `a task killed while it was ${state} was resumed again when its ${state === "waiting" ? "wait" : "sleep"} was over: it took more than the one step that made it ${state}`,
          ).toBe(1);
        },
      ),
      {
        examples: [
          ["waiting", 0, 1],
          ["asleep", 0, 1],
        ],
      },
    );
  });

  it("sleep keeps a task off the queue for its ticks, and it runs again within one round after", () => {
    const sleepers = fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(sleepers, (plans) => {
        const clock = { step: 0 };
        const gaps: Array<{ task: number; ticks: number; gap: number }> = [];
        const answers: unknown[] = [];
        function* sleeper(task: number, plan: readonly number[]): Task {
          clock.step++;
          // An answer first, so a sleep that hands back a stale answer shows.
          yield { kind: "getTid" };
          clock.step++;
          for (const ticks of plan) {
            const at = clock.step;
            answers.push(yield { kind: "sleep", ticks });
            clock.step++;
            gaps.push({ task, ticks, gap: clock.step - at - 1 });
          }
        }
        const total = plans.flat().reduce((a, b) => a + b, 0) + 10;
        function* ticker(): Task {
          clock.step++;
          for (let i = 0; i < total; i++) {
            yield;
            clock.step++;
          }
        }
        const scheduler = new Scheduler();
        scheduler.spawn(ticker());
        for (const [i, plan] of plans.entries()) scheduler.spawn(sleeper(i, plan));
        scheduler.run(10_000);
        const round = plans.length + 1;
        for (const { task, ticks, gap } of gaps) {
          expect(
            gap,
            `sleeper ${task} slept ${ticks} ticks but ran again after ${gap} other steps`,
          ).toBeGreaterThanOrEqual(ticks);
          expect(
            gap,
            `sleeper ${task} slept ${ticks} ticks and then waited ${gap} steps: it was not woken in time`,
          ).toBeLessThanOrEqual(ticks + round);
        }
        expect(gaps.length, "every sleep should end").toBe(plans.flat().length);
        expect(answers, "what each sleep gave back: undefined").toEqual(plans.flat().map(() => undefined));
      }),
    );
  });

  it("lets a lone sleeping task finish: when nothing is ready, time moves on to the next wake-up", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 4 }), (naps) => {
        const done: number[] = [];
        function* napper(): Task {
          for (const ticks of naps) {
            yield { kind: "sleep", ticks };
            done.push(ticks);
          }
        }
        const scheduler = new Scheduler();
        const tid = scheduler.spawn(napper());
        const trace = scheduler.run(100);
        expect(done, "every nap should end, even with no other task running").toEqual(naps);
        expect(
          trace,
          `a task with ${naps.length} naps takes ${naps.length + 1} steps, and idle time is not a step`,
        ).toEqual(Array(naps.length + 1).fill(tid));
      }),
      // Naps far longer than any run: time jumps to the wake-up, it is not counted out tick by tick.
      { examples: [[[2 ** 40]], [[0, 2 ** 40, 3]]] },
    );
  });

  it("ends the run with the error a task throws, at its first or its last step", () => {
    fc.assert(
      fc.property(fc.constantFrom("first", "last"), fc.integer({ min: 0, max: 4 }), (when, others) => {
        const problem = new Error(`failed at the ${when} step`);
        function* failing(): Task {
          if (when === "last") {
            yield;
            yield { kind: "getTid" };
          }
          throw problem;
        }
        function* other(): Task {
          for (let i = 0; i < 3; i++) yield;
        }
        const scheduler = new Scheduler();
        for (let i = 0; i < others; i++) scheduler.spawn(other());
        scheduler.spawn(failing());
        expect(
          thrownBy(() => scheduler.run()),
          "the task's error should come out of run()",
        ).toBe(problem);
      }),
    );
  });

  it("stops with a RangeError after maxSteps steps", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), (maxSteps) => {
        let steps = 0;
        function* forever(): Task {
          for (;;) {
            steps++;
            yield;
          }
        }
        const scheduler = new Scheduler();
        scheduler.spawn(forever());
        expect(() => scheduler.run(maxSteps), "a run that never ends should stop with a RangeError").toThrow(
          RangeError,
        );
        expect(steps, `run(${maxSteps}) should take exactly ${maxSteps} steps before it gives up`).toBe(
          maxSteps,
        );
      }),
      { examples: [[1], [2]] },
    );
  });

  it("wakes a sleeper just before step s + 1 + ticks, sleepers in the order they fell asleep", () => {
    const sleep = (ticks: number): Op => ({ op: "sleep", ticks });
    const step: Op = { op: "step" };
    fc.assert(
      fc.property(programs({ kills: false, sleeps: true, waits: false }), (program) => {
        const { trace, tidOf } = runProgram(program);
        const names = new Map([...tidOf.entries()].map(([name, tid]) => [tid, name]));
        expect(
          trace.map((tid) => names.get(tid) ?? `tid ${tid}`),
          "the order in which tasks were resumed",
        ).toEqual(modelTrace(program));
      }),
      {
        examples: [
          // A sleep of 0 ticks; a lone sleeper, whose clock jumps; two sleepers that wake together; a
          // sleeper that wakes while another task runs.
          [[sleep(0)]],
          [[sleep(3), sleep(1)]],
          [[{ op: "spawn", child: [sleep(2)] }, sleep(1)]],
          [[{ op: "spawn", child: [step, step, step, step] }, sleep(1), step]],
        ],
      },
    );
  });

  it("numbers tasks 1, 2, 3, … in the order they are spawned, from outside or by a task", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), (outside, inside) => {
        function* quick(): Task {
          yield;
        }
        const answers: Tid[] = [];
        function* spawner(): Task {
          for (let i = 0; i < inside; i++) answers.push((yield { kind: "spawn", task: quick() }) as Tid);
        }
        const scheduler = new Scheduler();
        const returned = [scheduler.spawn(spawner())];
        for (let i = 1; i < outside; i++) returned.push(scheduler.spawn(quick()));
        scheduler.run();
        const later = scheduler.spawn(quick());
        const from = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);
        expect(returned, `the tids spawn returned for ${outside} tasks spawned from outside`).toEqual(
          from(1, outside),
        );
        expect(answers, `the tids the spawn calls of a task gave, after ${outside} tasks`).toEqual(
          from(outside + 1, inside),
        );
        expect(later, "the tid of a task spawned after every other task ended: never reused").toBe(
          outside + inside + 1,
        );
      }),
      { examples: [[1, 0]] },
    );
  });

  it("returns once the tasks left are blocked for good, waiting for each other", () => {
    const woke: string[] = [];
    function* second(first: Tid): Task {
      yield { kind: "wait", tid: first };
      woke.push("second");
    }
    function* first(): Task {
      const me = (yield { kind: "getTid" }) as Tid;
      const other = (yield { kind: "spawn", task: second(me) }) as Tid;
      yield { kind: "wait", tid: other };
      woke.push("first");
    }
    const scheduler = new Scheduler();
    const tid = scheduler.spawn(first());
    let trace: Tid[] = [];
    expect(
      thrownBy(() => {
        trace = scheduler.run(100);
      }),
      "two tasks that wait for each other can never run again: run should return its trace, not throw",
    ).toBeUndefined();
    expect(trace, "first: getTid, spawn; second: wait; first: wait; then nobody can run").toEqual([
      tid,
      tid,
      tid + 1,
      tid,
    ]);
    expect(woke, "neither task can ever wake").toEqual([]);
  });

  it("takes up to maxSteps steps without complaint, and at least 100,000 by default", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), (maxSteps) => {
        function* finite(): Task {
          for (let i = 1; i < maxSteps; i++) yield;
        }
        const scheduler = new Scheduler();
        const tid = scheduler.spawn(finite());
        let trace: Tid[] = [];
        expect(
          thrownBy(() => {
            trace = scheduler.run(maxSteps);
          }),
          `a run of exactly ${maxSteps} steps is within run(${maxSteps}): it should not throw`,
        ).toBeUndefined();
        expect(trace, `the ${maxSteps} steps of the task`).toEqual(Array(maxSteps).fill(tid));
      }),
      { examples: [[1], [2]] },
    );
    // The default is checked from below only: 1,000,000 steps take seconds in the grader.
    const long = 100_000;
    function* longTask(): Task {
      for (let i = 1; i < long; i++) yield;
    }
    const scheduler = new Scheduler();
    scheduler.spawn(longTask());
    let steps = -1;
    expect(
      thrownBy(() => {
        steps = scheduler.run().length;
      }),
      `run() without maxSteps allows 1,000,000 steps, so a task of ${long} steps should finish`,
    ).toBeUndefined();
    expect(steps, `the ${long} steps of the task`).toBe(long);
  });
});
