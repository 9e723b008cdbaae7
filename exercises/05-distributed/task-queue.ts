/**
 * Exercise 05-distributed/task-queue — a task queue with acknowledgements, after Celery over a broker.
 *
 * A producer publishes tasks; workers reserve them one at a time, run the handler the task names, and
 * acknowledge the delivery. Until it is acknowledged a task stays the broker's: if its worker dies, the
 * broker hands it to another worker. Build both halves: an in-memory broker, and one step of a worker.
 * When the worker acknowledges decides what a crash costs: after the handler (late ack) a task may run
 * twice but is never lost; before it (early ack) a task runs at most once and may be lost.
 *
 * The same worker runs against a real Redis with the given RedisBroker (redis-broker.ts).
 *
 * Read first: chapters/05-distributed/README.md#task-queues-and-acknowledgements
 * Check yourself: npm test -- task-queue        Stuck? npm run hint -- task-queue
 */
import type { Broker, Handlers, Task } from "./broker.ts";

/**
 * An in-memory Broker (see broker.ts): tasks in publish order; reserve moves the oldest to the worker's
 * unacknowledged deliveries, each with a fresh delivery tag; ack forgets one (rejecting a tag that names no
 * unacknowledged delivery: unknown, acknowledged before, or put back by workerLost); workerLost puts that
 * worker's unacknowledged tasks back at the front of the queue, oldest first.
 */
export function createBroker(): Broker {
  // TODO: a queue of tasks and a table of unacknowledged deliveries (tag → worker, task).
  //       See chapters/05-distributed/README.md#task-queues-and-acknowledgements
  throw new Error("TODO: createBroker is not implemented yet");
}

export interface WorkOptions {
  /** Acknowledge after the handler finished (true, the default: at least once) or before it starts (false). */
  readonly acksLate?: boolean;
}

/** What one step of a worker did with the task it reserved. */
export type Outcome =
  | { readonly task: Task; readonly ok: true; readonly value: unknown }
  | { readonly task: Task; readonly ok: false; readonly error: unknown };

/**
 * One step of worker `workerId`: reserve a task, run `handlers[task.name](...task.args)`, and acknowledge
 * the delivery (after the handler with acksLate, before it without). A handler that throws, or a name with
 * no handler, is an outcome with ok: false, and the delivery is acknowledged all the same: the task ran.
 * Resolves with the outcome, or undefined when the queue was empty.
 */
export async function workOnce(
  broker: Broker,
  workerId: string,
  handlers: Handlers,
  { acksLate = true }: WorkOptions = {},
): Promise<Outcome | undefined> {
  // TODO: reserve, run the handler, acknowledge (before or after, as acksLate says).
  //       See chapters/05-distributed/README.md#task-queues-and-acknowledgements
  throw new Error("TODO: workOnce is not implemented yet");
}
