/**
 * Exercise 03-processes/lock — a lock between processes, served by the parent (after multiprocessing.Lock).
 *
 * Processes share no memory: no variable, no SharedArrayBuffer (it cannot even cross fork's IPC) can be a
 * lock between them. So one process keeps the lock's state, the parent here, and the children ask it by
 * message (the child side is given: lock-client.ts). Build that server: one holder at a time, waiters
 * granted in the order they asked, and a child that dies gives back the lock it held and its place in line.
 *
 * Read first: chapters/03-processes/README.md#a-lock-between-processes
 * Check yourself: npm test -- lock        Stuck? npm run hint -- lock
 */
// The messages: LockRequest (child → parent) and LockGrant (parent → child), in lock-client.ts.
import type { LockGrant } from "./lock-client.ts";

/** What the server needs of a child: a ChildProcess from fork() fits. */
export interface LockClient {
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "exit", listener: () => void): unknown;
  off(event: "message", listener: (message: unknown) => void): unknown;
  off(event: "exit", listener: () => void): unknown;
  send(message: LockGrant): unknown;
}

export interface LockServer {
  /**
   * Serve this child's { lock: "acquire" | "release", id } messages, and watch for its exit. Any other
   * message, or one whose id is not a number, is ignored.
   */
  attach(child: LockClient): void;
  /** Stop serving every child: later messages are ignored, nobody else is granted. */
  close(): void;
}

/**
 * A lock served by this process. At most one child holds it; an acquire while it is held waits, and
 * waiters are granted first come, first served. A release counts only from the holder, for the acquire it
 * was granted. When a child exits, the lock it held is released and its waiting acquires are dropped.
 */
export function createLockServer(): LockServer {
  // TODO: keep the holder and a first-in, first-out queue of waiting { child, id }; grant with
  //       child.send({ lock: "granted", id }); on a child's 'exit', drop its waiting requests and its lock.
  //       See chapters/03-processes/README.md#a-lock-between-processes
  throw new Error("TODO: createLockServer is not implemented yet");
}
