/**
 * Hardened JavaScript for the realm that runs learner code: the test process, and every worker thread
 * and child process that loads a learner's module.
 *
 * `lockdown()` freezes the intrinsics every piece of code in the realm shares (Object.prototype,
 * Array.prototype, Promise.prototype, chai's view of them …), so code cannot weaken the built-ins the
 * assertions use, in this realm or any other. It must run before any learner code, and it changes
 * nothing for code that leaves the built-ins alone: every reference solution passes under it.
 */
import "ses";

/**
 * The options that keep Node, vitest and fast-check working unchanged: real stacks and messages for
 * learners to read, the start compartment's console, locale methods and eval as Node has them.
 * "severe" override taming lets ordinary code assign properties that shadow frozen prototype ones
 * (`error.name = …`, `obj.toString = …`).
 */
export const LOCKDOWN_OPTIONS = {
  errorTaming: "unsafe",
  stackFiltering: "verbose",
  overrideTaming: "severe",
  consoleTaming: "unsafe",
  localeTaming: "unsafe",
  domainTaming: "unsafe",
  evalTaming: "unsafe-eval",
} as const;

/**
 * Lock this realm down once. Also freezes what SES leaves to the start compartment but the course hands
 * to learner code: Atomics and SharedArrayBuffer (chapter 4 needs both).
 */
export function lockdownRealm(): void {
  if (isLockedDown()) return;
  lockdown(LOCKDOWN_OPTIONS);
  harden(Atomics);
  harden(SharedArrayBuffer);
  harden(Intl);
}

/** True once lockdown() has run in this realm. */
export function isLockedDown(): boolean {
  return Object.isFrozen(Array.prototype) && Object.isFrozen(Object.prototype);
}
