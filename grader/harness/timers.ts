/**
 * Timers and immediates this thread creates, counted as they are made and as they end. Waiting well
 * creates almost none: a listener wakes only when something arrives. Waiting by polling creates one per
 * look (setImmediate or setTimeout again and again), so a count over a wait tells the two apart by the
 * work done, whatever the speed of the machine. A timer still live once the thing it timed is over is a
 * timer nobody cleared: it keeps the thread alive until it fires.
 */
import { createHook } from "node:async_hooks";

export interface TimerWatch {
  /** Timers and immediates created since the watch began. */
  created(): number;
  /**
   * Of those, the ids of the ones neither fired nor cleared. Node reports a clear a moment later (its
   * destroy hooks run from a queue): take the ids when the thing timed is over, let a few milliseconds pass,
   * then ask `stillLive` about them.
   */
  live(): number[];
  stillLive(ids: readonly number[]): number[];
  stop(): void;
}

const COUNTED = new Set(["Timeout", "Immediate"]);

export function watchTimers(): TimerWatch {
  let created = 0;
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (!COUNTED.has(type)) return;
      created++;
      live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    created: () => created,
    live: () => [...live],
    stillLive: (ids) => ids.filter((id) => live.has(id)),
    stop: () => {
      hook.disable();
    },
  };
}
