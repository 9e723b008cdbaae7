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
  /** Add a task at the back of the ready queue; returns its new tid. */
  spawn(task: Task): Tid {
    // TODO: give the task the next tid, remember it, and put it at the back of a ready queue.
    throw new Error(
      "TODO: Scheduler.spawn is not implemented yet (read chapters/02-coroutines/README.md#micro-threads-a-scheduler-with-system-calls)",
    );
  }

  /**
   * Run until no task can run any more (all ended, or blocked for good), and return the trace: the tid of
   * the task resumed at each step, in order.
   *
   * @throws RangeError if it would take more than `maxSteps` steps (default 1,000,000).
   * @throws the error a task throws: it ends that task and the run.
   */
  run(maxSteps = 1_000_000): Tid[] {
    // TODO: loop: take the task at the front of the queue, resume it with the answer it is owed, and
    //       handle what it yielded (put it back, block it, put it to sleep, or forget it if it ended).
    throw new Error(
      "TODO: Scheduler.run is not implemented yet (read chapters/02-coroutines/README.md#micro-threads-a-scheduler-with-system-calls)",
    );
  }
}
