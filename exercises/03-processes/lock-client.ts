/**
 * Given code for chapter 3 (do not edit: grading always uses the course's own copy).
 *
 * The child side of 03-processes/lock: a lock that lives in the parent process, used from a child over
 * its IPC channel. Processes share no memory, so a lock between them is a conversation with whoever holds
 * the queue:
 *
 *   child → parent   { lock: "acquire", id }    id: a number, new for each acquire
 *   parent → child   { lock: "granted", id }    the lock is this child's until it releases it
 *   child → parent   { lock: "release", id }    the id of the acquire it ends
 */

export type LockRequest = { readonly lock: "acquire" | "release"; readonly id: number };
export type LockGrant = { readonly lock: "granted"; readonly id: number };

export interface CrossProcessLock {
  /** Resolves once the parent has granted the lock to this process. */
  acquire(): Promise<void>;
  /** Give the lock back (to be called once per acquire, after it resolved). */
  release(): void;
}

/** The lock of this child process; it needs an IPC channel (started with fork). */
export function connectLock(): CrossProcessLock {
  const send = process.send?.bind(process);
  if (!send) throw new Error("connectLock needs an IPC channel: start this process with fork");
  let nextId = 0;
  let held: number | undefined;
  const waiting = new Map<number, () => void>();
  process.on("message", (message: Partial<LockGrant>) => {
    if (message?.lock !== "granted" || typeof message.id !== "number") return;
    waiting.get(message.id)?.();
    waiting.delete(message.id);
  });
  return {
    acquire() {
      const id = nextId++;
      return new Promise<void>((resolve) => {
        waiting.set(id, () => {
          held = id;
          resolve();
        });
        send({ lock: "acquire", id } satisfies LockRequest);
      });
    },
    release() {
      if (held === undefined) throw new Error("release() without a granted acquire()");
      send({ lock: "release", id: held } satisfies LockRequest);
      held = undefined;
    },
  };
}
