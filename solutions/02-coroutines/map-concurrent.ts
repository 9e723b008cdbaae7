/**
 * Exercise 02-coroutines/map-concurrent — an async generator that maps with bounded concurrency, in order.
 *
 * `for await (const x of source) yield await f(x)` is correct and slow: one call of `f` at a time. Starting
 * every call at once (`Promise.all`) is fast and reckless: a million values mean a million requests in
 * flight. The useful middle keeps up to `limit` calls running, like a pool of `limit` workers, while the
 * consumer still sees the results in the order of the source, as asyncio's bounded gather or a p-map with
 * a concurrency limit would give them.
 *
 * Read first: chapters/02-coroutines/README.md#async-generators-with-bounded-concurrency
 * Check yourself: npm test -- map-concurrent        Stuck? npm run hint -- map-concurrent
 */

/**
 * Yield `f(value)` for every value of `source`, in the order of `source`, with up to `limit` calls of `f`
 * running at once.
 *
 * - Values are taken from `source` only as the consumer asks for results: at most `limit` values are taken
 *   ahead of the results the consumer has received, so at most `limit` calls run, and at most `limit`
 *   results wait for their turn. When the consumer asks for a result, the window is filled first: `limit`
 *   calls run while it waits (fewer only at the end of the source).
 * - If a call fails (rejects, or `f` throws), the results before it are yielded, then the generator throws
 *   that error, takes nothing more from `source` and closes it. Calls still running are left to finish;
 *   their results and errors are ignored (no unhandled rejections).
 * - If the consumer stops early (`break`, or `return()`), no further call starts and `source` is closed with
 *   its `return()`. An error from `source` itself reaches the consumer.
 * - Closing waits for the source's `return()` to finish: by the time the error reaches the consumer, or its
 *   `break` is over, the source's `finally` has run.
 *
 * @throws RangeError (at the first `next()`) unless limit is a positive integer.
 * @example
 *   for await (const page of mapConcurrent(urls, fetchPage, 4)) save(page); // 4 downloads at a time, in order
 */
export async function* mapConcurrent<T, U>(
  source: AsyncIterable<T>,
  f: (value: T) => U | Promise<U>,
  limit: number,
): AsyncGenerator<U, void, undefined> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
  const values = source[Symbol.asyncIterator]();
  /** Calls started and not yet yielded, in source order; settled into a plain result so none rejects unseen. */
  const window: Array<Promise<{ ok: true; value: U } | { ok: false; error: unknown }>> = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && window.length < limit) {
        let next: IteratorResult<T>;
        try {
          next = await values.next();
        } catch (error) {
          exhausted = true; // a source that threw is finished: nothing to close
          throw error;
        }
        if (next.done) {
          exhausted = true;
          break;
        }
        window.push(start(f, next.value));
      }
      const first = window.shift();
      if (!first) return;
      const result = await first;
      if (!result.ok) throw result.error;
      yield result.value;
    }
  } finally {
    // Reached by the end of the source, by a failure, or by the consumer's break (return()).
    if (!exhausted) await values.return?.();
  }
}

/** Call f, turning a throw or a rejection into a value: the window awaits it later, in order. */
function start<T, U>(f: (value: T) => U | Promise<U>, value: T) {
  return (async () => {
    try {
      return { ok: true as const, value: await f(value) };
    } catch (error) {
      return { ok: false as const, error };
    }
  })();
}
