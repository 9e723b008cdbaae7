/**
 * Given code for chapter 5 (do not edit: grading always uses the trusted copy): what a task queue's broker
 * does, as an interface. The exercise's createBroker keeps the queue in memory; redis-broker.ts keeps it in
 * a real Redis. A worker written against this interface runs on either.
 *
 * Read: chapters/05-distributed/README.md#task-queues-and-acknowledgements
 */

/** A task: run handler `name` with `args`. `id` is unique per published task. */
export interface Task {
  readonly id: string;
  readonly name: string;
  readonly args: readonly unknown[];
}

/** A task handed to one worker, and the tag that acknowledges this very delivery. */
export interface Delivery {
  readonly deliveryTag: string;
  readonly task: Task;
}

export interface Broker {
  /** Append a task to the queue. */
  publish(task: Task): Promise<void>;
  /**
   * Hand the oldest queued task to `workerId`, or undefined when the queue is empty (never waits). The task
   * stays the broker's, unacknowledged, until ack: it is not lost if the worker dies.
   */
  reserve(workerId: string): Promise<Delivery | undefined>;
  /** Forget a delivered task for good. Rejects for a tag that is unknown or already acknowledged. */
  ack(deliveryTag: string): Promise<void>;
  /** The worker died: its unacknowledged tasks go back to the front of the queue, for other workers. */
  workerLost(workerId: string): Promise<void>;
}

/** The handlers a worker runs, by task name. */
export type Handlers = Readonly<Record<string, (...args: never[]) => Promise<unknown> | unknown>>;
