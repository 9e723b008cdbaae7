/**
 * Exercise 02-coroutines/scheduler — micro-threads: a round-robin scheduler of generator tasks with system calls.
 *
 * After Beazley's "Python operating system" (pyos): each task is a generator, and every `yield` is a trap
 * into the scheduler, which decides who runs next. A task that yields nothing just gives up its turn; a
 * task that yields a *system call* asks the scheduler for something (its id, a new task, another task's
 * end, a nap) and gets the answer as the value of that `yield`. One thread, thousands of tasks, and a
 * switch only where a task yields: cooperative multitasking, written out.
 *
 * Read first: chapters/02-coroutines/README.md#micro-threads-a-scheduler-with-system-calls
 * Check yourself: npm test -- scheduler        Stuck? npm run hint -- scheduler
 */

/** A task id: 1 for the first task spawned, then 2, 3, … never reused. */
export type Tid = number;

/**
 * What a task may ask the scheduler for, and what its `yield` then gives back:
 * - `getTid`: the task's own tid.
 * - `spawn`: start `task` as a new task (at the back of the ready queue); gives its tid.
 * - `kill`: end the task `tid` at once (its `finally` blocks run, through `return()`), and wake the tasks
 *   waiting for it; gives true, or false if no task `tid` is alive. A task may kill itself.
 * - `wait`: block until task `tid` has ended, then give true; gives false at once if no task `tid` is alive.
 * - `sleep`: stay off the ready queue until `ticks` more steps have run; gives undefined.
 */
export type SysCall =
  | { readonly kind: "getTid" }
  | { readonly kind: "spawn"; readonly task: Task }
  | { readonly kind: "kill"; readonly tid: Tid }
  | { readonly kind: "wait"; readonly tid: Tid }
  | { readonly kind: "sleep"; readonly ticks: number };

/** A task: yields `undefined` to give up its turn, or a system call; receives the call's answer. */
export type Task = Generator<SysCall | undefined, void, unknown>;

interface Entry {
  readonly tid: Tid;
  readonly task: Task;
  /** What the task receives at its next resume: the answer to its last system call. */
  answer: unknown;
  alive: boolean;
  readonly waiters: Entry[];
}

/**
 * A round-robin scheduler. Tasks wait their turn in one first-in, first-out ready queue; `run` takes the
 * task at the front, resumes it for one step (one `next()`), and deals with what it yielded:
 *
 * - nothing, or a call answered at once (`getTid`, `spawn`, `kill`, a `wait` for a task that is not
 *   alive): the task goes to the back of the queue, to receive the answer at its next step. A task that
 *   `spawn`s is queued after the task it spawned.
 * - `wait` for a live task: the task leaves the queue until that task ends; then it goes to the back of the
 *   queue (waiters in the order they started waiting) and receives true.
 * - `sleep(ticks)` in step number s (counting from 0): the task rejoins the back of the queue just before
 *   step s + 1 + ticks would be chosen (sleepers in the order they fell asleep). When nothing is ready but
 *   tasks sleep, the clock jumps to the first wake-up without taking a step.
 * - the task returned: it has ended; the tasks waiting for it go to the back of the queue.
 */
export class Scheduler {
  #nextTid = 1;
  #clock = 0;
  #sleepOrder = 0;
  readonly #ready: Entry[] = [];
  readonly #alive = new Map<Tid, Entry>();
  #sleeping: Array<{ readonly entry: Entry; readonly wakeAt: number; readonly order: number }> = [];

  /** Add a task at the back of the ready queue; returns its new tid. */
  spawn(task: Task): Tid {
    const entry: Entry = { tid: this.#nextTid++, task, answer: undefined, alive: true, waiters: [] };
    this.#alive.set(entry.tid, entry);
    this.#ready.push(entry);
    return entry.tid;
  }

  /**
   * Run until no task can run any more (all ended, or blocked for good), and return the trace: the tid of
   * the task resumed at each step, in order.
   *
   * @throws RangeError if it would take more than `maxSteps` steps (default 1,000,000).
   * @throws the error a task throws: it ends that task and the run.
   */
  run(maxSteps = 1_000_000): Tid[] {
    const trace: Tid[] = [];
    for (;;) {
      this.#wakeSleepers();
      const entry = this.#ready.shift();
      if (!entry) {
        if (this.#sleeping.length === 0) return trace;
        this.#clock = Math.min(...this.#sleeping.map((s) => s.wakeAt));
        continue;
      }
      if (trace.length >= maxSteps) {
        this.#ready.unshift(entry);
        throw new RangeError(`the tasks did not finish within ${maxSteps} steps`);
      }
      trace.push(entry.tid);
      this.#clock++;
      const answer = entry.answer;
      entry.answer = undefined;
      let result: IteratorResult<SysCall | undefined, void>;
      try {
        result = entry.task.next(answer);
      } catch (error) {
        this.#ended(entry);
        throw error;
      }
      if (result.done) this.#ended(entry);
      else this.#handle(entry, result.value);
    }
  }

  #handle(entry: Entry, call: SysCall | undefined): void {
    switch (call?.kind) {
      case "getTid":
        entry.answer = entry.tid;
        break;
      case "spawn":
        entry.answer = this.spawn(call.task);
        break;
      case "kill": {
        const target = this.#alive.get(call.tid);
        entry.answer = target !== undefined;
        if (target) this.#kill(target);
        if (target === entry) return; // it killed itself: nothing to queue
        break;
      }
      case "wait": {
        const target = this.#alive.get(call.tid);
        if (target) {
          target.waiters.push(entry);
          return; // off the queue until the target ends
        }
        entry.answer = false;
        break;
      }
      case "sleep":
        this.#sleeping.push({ entry, wakeAt: this.#clock + call.ticks, order: this.#sleepOrder++ });
        return;
      default:
        // A plain yield: the task just gives up its turn.
        break;
    }
    this.#ready.push(entry);
  }

  #kill(target: Entry): void {
    const queued = this.#ready.indexOf(target);
    if (queued >= 0) this.#ready.splice(queued, 1);
    this.#sleeping = this.#sleeping.filter((s) => s.entry !== target);
    this.#ended(target);
    target.task.return(); // runs its finally blocks
  }

  /** The task has ended: forget it and wake the tasks that wait for it. */
  #ended(entry: Entry): void {
    entry.alive = false;
    this.#alive.delete(entry.tid);
    for (const waiter of entry.waiters) {
      // A waiter that was killed meanwhile stays dead.
      if (!waiter.alive) continue;
      waiter.answer = true;
      this.#ready.push(waiter);
    }
    entry.waiters.length = 0;
  }

  #wakeSleepers(): void {
    const due = this.#sleeping.filter((s) => s.wakeAt <= this.#clock);
    if (due.length === 0) return;
    this.#sleeping = this.#sleeping.filter((s) => s.wakeAt > this.#clock);
    due.sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order);
    for (const { entry } of due) this.#ready.push(entry);
  }
}
