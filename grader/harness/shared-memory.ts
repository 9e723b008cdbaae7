/**
 * A start gate for stress tests: workers start at different times (spawning one takes tens of ms), so
 * without a gate the first is often done before the last begins and no race is ever exercised. Each worker
 * arrives and blocks; the main thread waits until all have arrived, then releases them in one notify.
 *
 * The gate is plain data (a SharedArrayBuffer and a count), so it can be passed in workerData or a message
 * and stays shared. It opens once.
 */

/** Layout of the shared Int32Array: how many workers arrived, and whether the gate is open. */
const ARRIVED = 0;
const OPEN = 1;

export interface StartGate {
  readonly buffer: SharedArrayBuffer;
  /** How many workers must arrive before the gate may open. */
  readonly parties: number;
}

/** Create a closed gate for `parties` workers; give it to each worker (e.g. in workerData). */
export function startGate(parties: number): StartGate {
  if (!Number.isInteger(parties) || parties < 1) {
    throw new RangeError(`a start gate needs a positive whole number of parties, got ${parties}`);
  }
  return { buffer: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT), parties };
}

/** How many workers have arrived so far (for tests and for messages about a worker that never came). */
export function arrivals(gate: StartGate): number {
  return Atomics.load(new Int32Array(gate.buffer), ARRIVED);
}

/**
 * Worker side: announce arrival, then block this thread until the main thread opens the gate. Blocking
 * (Atomics.wait) rather than awaiting, so that all workers resume from the same notify, not from their own
 * later turns of the event loop. Throws after `timeoutMs` so a test that never opens the gate fails.
 */
export function arriveAndWait(gate: StartGate, timeoutMs = 10_000): void {
  const cells = new Int32Array(gate.buffer);
  Atomics.add(cells, ARRIVED, 1);
  Atomics.notify(cells, ARRIVED);
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(cells, OPEN) === 0) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new Error(`the start gate was not opened within ${timeoutMs} ms`);
    Atomics.wait(cells, OPEN, 0, remaining);
  }
}

/**
 * Main side: wait, without blocking the main thread, until every worker has arrived, then release them
 * all at once. Rejects after `timeoutMs`, saying how many arrived, so a worker that crashed before the
 * gate fails the test instead of hanging it.
 */
export async function openGate(gate: StartGate, timeoutMs = 10_000): Promise<void> {
  const cells = new Int32Array(gate.buffer);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const arrived = Atomics.load(cells, ARRIVED);
    if (arrived >= gate.parties) break;
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      throw new Error(
        `only ${arrived} of ${gate.parties} workers reached the start gate within ${timeoutMs} ms`,
      );
    }
    await waitWhileEqual(cells, ARRIVED, arrived, remaining);
  }
  Atomics.store(cells, OPEN, 1);
  Atomics.notify(cells, OPEN);
}

type WaitAsyncResult =
  | { async: false; value: "not-equal" | "timed-out" }
  | { async: true; value: Promise<"ok" | "timed-out"> };

// Atomics.waitAsync is in Node 20 but not in the ES2023 library this project compiles against.
const { waitAsync } = Atomics as unknown as {
  waitAsync(cells: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult;
};

async function waitWhileEqual(cells: Int32Array, index: number, value: number, timeoutMs: number) {
  const result = waitAsync(cells, index, value, timeoutMs);
  if (!result.async) return;
  // A pending waitAsync does not keep Node's event loop alive: without a timer the process could exit
  // (or a test runner decide it is idle) in the middle of the wait.
  const keepAlive = setTimeout(() => {}, timeoutMs);
  try {
    await result.value;
  } finally {
    clearTimeout(keepAlive);
  }
}
