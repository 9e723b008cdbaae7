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
import type { LockGrant, LockRequest } from "./lock-client.ts";

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
  // Requests waiting for the lock, oldest first; read from `head` so that taking one is O(1).
  const waiting: { child: LockClient; id: number }[] = [];
  let head = 0;
  let holder: { child: LockClient; id: number } | undefined;
  let closed = false;
  const detachers: (() => void)[] = [];

  function grantNext(): void {
    while (!holder && head < waiting.length && !closed) {
      const next = waiting[head++]!;
      holder = next;
      next.child.send({ lock: "granted", id: next.id });
    }
  }

  return {
    attach(child) {
      const onMessage = (message: unknown) => {
        if (closed) return;
        const request = message as Partial<LockRequest>;
        if (typeof request?.id !== "number") return;
        if (request.lock === "acquire") {
          waiting.push({ child, id: request.id });
          grantNext();
        } else if (request.lock === "release") {
          // Only the holder can release, and only the acquire it was granted.
          if (holder?.child === child && holder.id === request.id) {
            holder = undefined;
            grantNext();
          }
        }
      };
      const onExit = () => {
        // Its place in line goes, and so does the lock if it held it.
        for (let i = head; i < waiting.length; i++) {
          if (waiting[i]!.child === child) {
            waiting.splice(i, 1);
            i--;
          }
        }
        if (holder?.child === child) {
          holder = undefined;
          grantNext();
        }
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
      detachers.push(() => {
        child.off("message", onMessage);
        child.off("exit", onExit);
      });
    },
    close() {
      closed = true;
      for (const detach of detachers.splice(0)) detach();
    },
  };
}
