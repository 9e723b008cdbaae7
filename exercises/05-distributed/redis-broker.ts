/**
 * Given code for chapter 5 (do not edit): the Broker interface of broker.ts on a real Redis, with ioredis.
 *
 * The queue is a Redis list; reserving moves a task atomically (LMOVE) onto a list of that worker's
 * unacknowledged deliveries, so a task is always in exactly one list, even if the worker dies right after.
 * Acknowledging removes it from there; workerLost moves everything left there back to the front of the
 * queue. This is the "reliable queue" pattern of the Redis documentation, and what Celery's and BullMQ's
 * Redis transports build on.
 */
import { Redis } from "ioredis";
import type { Broker, Delivery, Task } from "./broker.ts";

export interface RedisBrokerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly port: number;
  /** Prefix of every key, so several queues share one Redis. Default "course:queue". */
  readonly name?: string;
}

export class RedisBroker implements Broker, AsyncDisposable {
  // Private for real (#): the tests hand this broker to learner code, which must reach only the Broker's
  // methods, never the Redis client behind them.
  readonly #redis: Redis;
  readonly #queue: string;
  readonly #prefix: string;
  #sequence = 0;

  constructor({ host = "127.0.0.1", port, name = "course:queue" }: RedisBrokerOptions) {
    // No retries: a test that loses its redis-server should fail at once, not wait.
    this.#redis = new Redis({
      host,
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
    });
    this.#queue = `${name}:pending`;
    this.#prefix = `${name}:unacked:`;
  }

  async publish(task: Task): Promise<void> {
    // Each element is unique (a sequence number), so LREM on ack removes exactly this delivery.
    const element = JSON.stringify({ n: `${process.pid}.${this.#sequence++}`, task });
    await this.#redis.rpush(this.#queue, element);
  }

  async reserve(workerId: string): Promise<Delivery | undefined> {
    const element = await this.#redis.lmove(this.#queue, this.#prefix + workerId, "LEFT", "RIGHT");
    if (element === null) return undefined;
    const { task } = JSON.parse(element) as { task: Task };
    return { deliveryTag: JSON.stringify([workerId, element]), task };
  }

  async ack(deliveryTag: string): Promise<void> {
    let removed = 0;
    try {
      const [workerId, element] = JSON.parse(deliveryTag) as [string, string];
      removed = await this.#redis.lrem(this.#prefix + workerId, 1, element);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
    if (removed !== 1)
      throw new Error(`no unacknowledged delivery ${deliveryTag}: unknown, or acknowledged before`);
  }

  async workerLost(workerId: string): Promise<void> {
    // Oldest unacknowledged first at the front: move from the right end of the worker's list to the left of the queue.
    while ((await this.#redis.lmove(this.#prefix + workerId, this.#queue, "RIGHT", "LEFT")) !== null) {}
  }

  /** How many tasks wait in the queue (not counting unacknowledged ones). */
  pending(): Promise<number> {
    return this.#redis.llen(this.#queue);
  }

  async connect(): Promise<this> {
    await this.#redis.connect();
    return this;
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
