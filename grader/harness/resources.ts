/**
 * A registry of things a test started (workers, child processes, timers) that must not outlive it.
 * Harness helpers register what they start; the test setup ends whatever is still running after each
 * test, so a failing assertion never leaves a worker spinning and the grader never hangs on a leak.
 */

interface Tracked {
  readonly description: string;
  /** True while the resource still runs. */
  readonly alive: () => boolean;
  /** End it now; must not throw. */
  readonly end: () => Promise<void> | void;
}

const tracked = new Set<Tracked>();

/** Register a resource; returns a function that forgets it (call it once the resource ended cleanly). */
export function track(resource: Tracked): () => void {
  tracked.add(resource);
  return () => tracked.delete(resource);
}

/** End every tracked resource that is still alive; returns the descriptions of those that were. */
export async function cleanupTracked(): Promise<string[]> {
  const leaked: string[] = [];
  const all = [...tracked];
  tracked.clear();
  await Promise.all(
    all.map(async (resource) => {
      if (!resource.alive()) return;
      leaked.push(resource.description);
      try {
        await resource.end();
      } catch {
        // Ending is best effort: the grader kills the whole process group afterwards anyway.
      }
    }),
  );
  return leaked;
}

/** The descriptions of the tracked resources that still run, e.g. to check that code under test ended its workers. */
export function liveTracked(): string[] {
  return [...tracked].filter((resource) => resource.alive()).map((resource) => resource.description);
}
