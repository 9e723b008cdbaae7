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
import { MessageChannel, type MessagePort, receiveMessageOnPort } from "node:worker_threads";

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
  interface Waiter {
    resolve(value: T): void;
    reject(error: Error): void;
    timer?: NodeJS.Timeout;
  }
  const waiters: Waiter[] = [];
  /** Values that arrived while nobody waited (only between a dispatch and the listener's removal). */
  const early: T[] = [];
  let closed = false;
  let otherEndClosed = false;

  const settle = (waiter: Waiter) => {
    clearTimeout(waiter.timer);
    // No waiter, no listener: a stopped port keeps new values queued and lets the thread exit.
    if (waiters.length === 0) port.off("message", onMessage);
  };
  const onMessage = (value: T) => {
    const waiter = waiters.shift();
    if (!waiter) {
      early.push(value);
      return;
    }
    settle(waiter);
    waiter.resolve(value);
  };
  const failAll = (message: string) => {
    for (const waiter of waiters.splice(0)) {
      settle(waiter);
      waiter.reject(new Error(message));
    }
    port.off("message", onMessage);
  };
  // Fires only while the port is listening, after every value sent before the close has been delivered.
  port.on("close", () => {
    otherEndClosed = true;
    failAll(closed ? "recv on a closed connection" : "the other end closed the connection");
  });

  /** A value that is here now: one that arrived early, or one queued on the port. */
  const takeNow = (): { value: T } | undefined => {
    if (early.length > 0) return { value: early.shift()! };
    // After its 'close' event a port has delivered everything (and Node 20 can crash reading it again).
    if (otherEndClosed) return undefined;
    const queued = receiveMessageOnPort(port);
    return queued && { value: queued.message as T };
  };

  return {
    send(value) {
      if (closed) throw new Error("send on a closed connection");
      port.postMessage(value);
    },
    recv(timeoutMs) {
      if (closed) return Promise.reject(new Error("recv on a closed connection"));
      // Values already here go to the recvs that have waited longest, then to this one.
      while (waiters.length > 0) {
        const now = takeNow();
        if (!now) break;
        const waiter = waiters.shift()!;
        settle(waiter);
        waiter.resolve(now.value);
      }
      if (waiters.length === 0) {
        const now = takeNow();
        if (now) return Promise.resolve(now.value);
        if (otherEndClosed) return Promise.reject(new Error("the other end closed the connection"));
      }
      if (timeoutMs === 0) return Promise.reject(new Error("recv timed out after 0 ms"));
      return new Promise<T>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject };
        if (timeoutMs !== undefined) {
          waiter.timer = setTimeout(() => {
            // Give up our place: a waiter left in line would swallow the next value.
            waiters.splice(waiters.indexOf(waiter), 1);
            settle(waiter);
            reject(new Error(`recv timed out after ${timeoutMs} ms`));
          }, timeoutMs);
        }
        waiters.push(waiter);
        if (waiters.length === 1) port.on("message", onMessage);
      });
    },
    close() {
      if (closed) return;
      closed = true;
      failAll("recv on a closed connection");
      port.close();
    },
  };
}

/** Two connected ends in this thread, over a new MessageChannel: what `a` sends, `b` receives, and back. */
export function pipe<T>(): [Connection<T>, Connection<T>] {
  const { port1, port2 } = new MessageChannel();
  return [connect<T>(port1), connect<T>(port2)];
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

/** The messages between a queue's view (openQueue) and its owner (createWorkQueue). */
type QueueRequest<T> =
  | { readonly op: "put"; readonly id: number; readonly item: T }
  | { readonly op: "get"; readonly id: number; readonly timeoutMs?: number };
type QueueReply<T> =
  | { readonly id: number; readonly ok: true; readonly item?: T }
  | { readonly id: number; readonly ok: false; readonly error: string };

const CLOSED = "the queue is closed";
const timedOut = (ms: number) => `get timed out after ${ms} ms`;

/** A new, empty queue owned by this thread. */
export function createWorkQueue<T>(): QueueOwner<T> {
  interface Waiter {
    /** Where the get came from: undefined for the owner's own gets. */
    readonly port: MessagePort | undefined;
    deliver(item: T): void;
    fail(error: string): void;
    timer?: NodeJS.Timeout;
  }
  const items: T[] = [];
  let head = 0;
  const waiters: Waiter[] = [];
  const ports = new Set<MessagePort>();
  let closed = false;

  const leave = (waiter: Waiter) => {
    clearTimeout(waiter.timer);
    const at = waiters.indexOf(waiter);
    if (at >= 0) waiters.splice(at, 1);
  };
  const store = (item: T) => {
    const waiter = waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.deliver(item);
    } else {
      items.push(item);
    }
  };
  /** Hand out the front item now, or wait in line; `timeoutMs` is counted from now. */
  const take = (waiter: Waiter, timeoutMs: number | undefined) => {
    if (head < items.length) {
      const item = items[head]!;
      head++;
      // A head index, not items.shift(), which moves every item; drop the taken ones now and then.
      if (head > 1024 && head * 2 > items.length) {
        items.splice(0, head);
        head = 0;
      }
      waiter.deliver(item);
      return;
    }
    if (timeoutMs === 0) {
      waiter.fail(timedOut(0));
      return;
    }
    if (timeoutMs !== undefined) {
      waiter.timer = setTimeout(() => {
        leave(waiter);
        waiter.fail(timedOut(timeoutMs));
      }, timeoutMs);
    }
    waiters.push(waiter);
  };

  return {
    put(item) {
      if (closed) return Promise.reject(new Error(CLOSED));
      store(item);
      return Promise.resolve();
    },
    get(timeoutMs) {
      if (closed) return Promise.reject(new Error(CLOSED));
      return new Promise<T>((resolve, reject) => {
        take({ port: undefined, deliver: resolve, fail: (error) => reject(new Error(error)) }, timeoutMs);
      });
    },
    share() {
      if (closed) throw new Error(CLOSED);
      const { port1, port2 } = new MessageChannel();
      ports.add(port1);
      const reply = (message: QueueReply<T>) => port1.postMessage(message);
      port1.on("message", (request: QueueRequest<T>) => {
        if (request.op === "put") {
          store(request.item);
          reply({ id: request.id, ok: true });
        } else {
          take(
            {
              port: port1,
              deliver: (item) => reply({ id: request.id, ok: true, item }),
              fail: (error) => reply({ id: request.id, ok: false, error }),
            },
            request.timeoutMs,
          );
        }
      });
      port1.on("close", () => {
        ports.delete(port1);
        for (const waiter of waiters.filter((w) => w.port === port1)) leave(waiter);
      });
      return port2;
    },
    get size() {
      return items.length - head;
    },
    get waiting() {
      return waiters.length;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const waiter of waiters.splice(0)) {
        clearTimeout(waiter.timer);
        if (!waiter.port) waiter.fail(CLOSED);
      }
      // The views learn it from their port's 'close' and reject what they still wait for.
      for (const port of ports) port.close();
      ports.clear();
    },
  };
}

/** The queue whose owner shared `port` (QueueOwner.share), as a WorkQueue in this thread. */
export function openQueue<T>(port: MessagePort): WorkQueue<T> {
  const pending = new Map<number, { resolve(reply: QueueReply<T>): void; reject(error: Error): void }>();
  let nextId = 0;
  let closed = false;

  const onReply = (reply: QueueReply<T>) => {
    const request = pending.get(reply.id);
    if (!request) return;
    pending.delete(reply.id);
    // Nothing pending, nothing listening: the thread may exit.
    if (pending.size === 0) port.off("message", onReply);
    request.resolve(reply);
  };
  const failAll = () => {
    for (const request of pending.values()) request.reject(new Error(CLOSED));
    pending.clear();
    port.off("message", onReply);
  };
  port.on("close", () => {
    closed = true;
    failAll();
  });

  const ask = (request: QueueRequest<T>) => {
    if (closed) return Promise.reject(new Error(CLOSED));
    return new Promise<QueueReply<T>>((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      if (pending.size === 1) port.on("message", onReply);
      port.postMessage(request);
    });
  };

  return {
    async put(item) {
      await ask({ op: "put", id: nextId++, item });
    },
    async get(timeoutMs) {
      const reply = await ask({ op: "get", id: nextId++, timeoutMs });
      if (!reply.ok) throw new Error(reply.error);
      return reply.item as T;
    },
    close() {
      if (closed) return;
      closed = true;
      failAll();
      port.close();
    },
  };
}

/**
 * One consumer's loop: get items and pass each to `handle` (awaited, one at a time) until it gets the
 * poison pill `null`; then resolve with the number of items handled. Only `null` stops it: 0, "" and
 * false are work like any other. It takes exactly one pill and never puts anything back.
 */
export async function consume<T>(queue: WorkQueue<T | null>, handle: (item: T) => unknown): Promise<number> {
  let handled = 0;
  for (;;) {
    const item = await queue.get();
    if (item === null) return handled;
    await handle(item);
    handled++;
  }
}

/**
 * Stop `consumers` consumers: put one poison pill (`null`) for each, after everything already put, and
 * resolve once all are in the queue. Call it once every producer's last put has resolved. Rejects with a
 * RangeError unless `consumers` is a whole number, 0 or more.
 */
export async function stopConsumers(queue: WorkQueue<unknown>, consumers: number): Promise<void> {
  if (!Number.isInteger(consumers) || consumers < 0) {
    throw new RangeError(`stopConsumers needs a whole number of consumers, got ${consumers}`);
  }
  for (let i = 0; i < consumers; i++) await queue.put(null);
}
