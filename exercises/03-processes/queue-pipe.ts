/**
 * Exercise 03-processes/queue-pipe — a Pipe and a work Queue between worker threads (after
 * multiprocessing.Pipe and multiprocessing.Queue).
 *
 * Threads that share no memory still need to hand each other work. A pipe is a two-ended channel: what one
 * end sends, the other end receives, in order. A work queue is one first-in, first-out line of items that
 * many producer threads put into and many consumer threads get from, each item to exactly one consumer. A
 * MessagePort cannot be shared by two threads, so the queue lives in one thread, its owner, and every other
 * thread talks to it through a port of its own. Shutdown is a poison pill: one `null` per consumer.
 *
 * Read first: chapters/03-processes/README.md#a-queue-and-a-pipe-between-workers
 * Check yourself: npm test -- queue-pipe        Stuck? npm run hint -- queue-pipe
 */
import type { MessagePort } from "node:worker_threads";

/** One end of a pipe. Values travel by structured clone, so they must be cloneable (see cloneability). */
export interface Connection<T> {
  /** Send `value` to the other end. Throws an Error "send on a closed connection" after close(). */
  send(value: T): void;
  /**
   * The next value the other end sent, first in, first out; several recv() calls waiting on one end are
   * served in the order they were made. A value that has already arrived is received at once, even with
   * `timeoutMs` 0. Rejects with an Error:
   * - "recv timed out after <timeoutMs> ms" when nothing arrives in time; the recv that gave up takes
   *   nothing, so the next value goes to the next recv. Without `timeoutMs`, it waits as long as it takes.
   * - "recv on a closed connection" once this end is closed (also a recv that was waiting).
   * - "the other end closed the connection" once the other end has closed and every value it sent before
   *   has been received (a recv with `timeoutMs` 0 does not wait to learn that, and may time out instead).
   * While a recv waits, it keeps its thread alive; when none waits, the connection holds nothing, so a
   * worker that is done with its connection can exit without closing it.
   */
  recv(timeoutMs?: number): Promise<T>;
  /**
   * Close the channel: recvs waiting on this end reject at once, later calls on this end fail as above,
   * and the other end learns of it once it has received what was sent before. Closing twice is harmless.
   */
  close(): void;
}

/**
 * A Connection over `port`, one end of a MessageChannel. Make a channel, keep one end here with
 * `connect(port1)`, transfer the other to a worker (`worker.postMessage(port2, [port2])`, or in
 * `workerData` and `transferList`), and open it there with `connect(port2)`. Close an end only once the
 * other has arrived where it was sent: Node never tells a port that was in transit that its partner closed.
 */
export function connect<T>(port: MessagePort): Connection<T> {
  // TODO: keep the recvs that wait, first in, first out. A value already here (receiveMessageOnPort)
  //       goes at once; otherwise listen to the port's 'message' only while a recv waits, so an idle
  //       connection keeps nothing alive. A recv that times out must leave the line, or it swallows the
  //       next value. Watch the port's 'close' to learn that the other end closed; after 'close' the port
  //       has delivered everything, so never call receiveMessageOnPort on it again (Node 20 can crash).
  //       See chapters/03-processes/README.md#a-queue-and-a-pipe-between-workers
  throw new Error("TODO: connect is not implemented yet");
}

/** Two connected ends in this thread, over a new MessageChannel: what `a` sends, `b` receives, and back. */
export function pipe<T>(): [Connection<T>, Connection<T>] {
  // TODO: a new MessageChannel, and a Connection on each of its ports.
  //       See chapters/03-processes/README.md#a-queue-and-a-pipe-between-workers
  throw new Error("TODO: pipe is not implemented yet");
}

/** A first-in, first-out queue of work, as one thread sees it. Items travel by structured clone. */
export interface WorkQueue<T> {
  /**
   * Add `item` at the back. Resolves once the queue's owner holds it, so an item whose put has resolved is
   * got before anything put after that (by any thread). On the owner's own queue it is stored at once,
   * before put returns. Rejects with an Error "the queue is closed" once this view or the owner is closed.
   */
  put(item: T): Promise<void>;
  /**
   * Take the item at the front, waiting for one if the queue is empty; each item goes to exactly one get,
   * and waiting gets are served in the order the owner received them. Rejects with an Error:
   * - "get timed out after <timeoutMs> ms" when no item came in time; a get that gave up takes nothing.
   *   The owner keeps the time (from when it receives the get), so an item is never both handed out and
   *   timed out. With `timeoutMs` 0, it takes an item only if one is there when the owner receives it (on
   *   the owner's own queue: at the call).
   * - "the queue is closed" once this view or the owner is closed (also a get that was waiting).
   * While a get or put is pending it keeps its thread alive; otherwise a worker's view holds nothing.
   */
  get(timeoutMs?: number): Promise<T>;
  /**
   * Close this view: pending and later calls reject. Closing twice is harmless. An item the owner had
   * already sent to a get of this view is lost with it, so close a view once its gets have settled.
   */
  close(): void;
}

/** The queue itself, in the thread that owns it: a WorkQueue, and the ports other threads use. */
export interface QueueOwner<T> extends WorkQueue<T> {
  /**
   * A new port to this queue for one more thread: transfer it (`transferList`) and open it there with
   * openQueue(port). When that port closes (its thread called close() or ended), its waiting gets are
   * dropped, so no item is handed to a thread that is gone.
   */
  share(): MessagePort;
  /** Items in the queue that no get has taken yet. */
  readonly size: number;
  /** Gets waiting for an item, from every thread. */
  readonly waiting: number;
  /** Close the queue: every pending and later call, here and in every thread, rejects; the ports close. */
  close(): void;
}

/** A new, empty queue owned by this thread. */
export function createWorkQueue<T>(): QueueOwner<T> {
  // TODO: the items (take with a head index), and the gets waiting for one, first in, first out. share()
  //       makes a MessageChannel, serves put/get messages arriving on one port and returns the other;
  //       the owner keeps every get's timer, and drops the waiting gets of a port that closes.
  //       See chapters/03-processes/README.md#a-queue-and-a-pipe-between-workers
  throw new Error("TODO: createWorkQueue is not implemented yet");
}

/** The queue whose owner shared `port` (QueueOwner.share), as a WorkQueue in this thread. */
export function openQueue<T>(port: MessagePort): WorkQueue<T> {
  // TODO: send each put and get to the owner with a request id, and settle it when the reply with that id
  //       comes back. Listen to the port only while a request is pending.
  //       See chapters/03-processes/README.md#a-queue-and-a-pipe-between-workers
  throw new Error("TODO: openQueue is not implemented yet");
}

/**
 * One consumer's loop: get items and pass each to `handle` (awaited, one at a time) until it gets the
 * poison pill `null`; then resolve with the number of items handled. Only `null` stops it: 0, "" and
 * false are work like any other. It takes exactly one pill and never puts anything back.
 */
export function consume<T>(queue: WorkQueue<T | null>, handle: (item: T) => unknown): Promise<number> {
  // TODO: get, stop at null (and only at null), await handle(item), count.
  //       See chapters/03-processes/README.md#a-queue-and-a-pipe-between-workers
  throw new Error("TODO: consume is not implemented yet");
}

/**
 * Stop `consumers` consumers: put one poison pill (`null`) for each, after everything already put, and
 * resolve once all are in the queue. Call it once every producer's last put has resolved. Rejects with a
 * RangeError unless `consumers` is a whole number, 0 or more.
 */
export function stopConsumers(queue: WorkQueue<unknown>, consumers: number): Promise<void> {
  // TODO: one null per consumer (a whole number, else RangeError), each put awaited.
  //       See chapters/03-processes/README.md#a-queue-and-a-pipe-between-workers
  throw new Error("TODO: stopConsumers is not implemented yet");
}
