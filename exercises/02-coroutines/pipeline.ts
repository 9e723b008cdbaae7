/**
 * Exercise 02-coroutines/pipeline — a push pipeline of coroutines, driven with send (`next(value)`).
 *
 * After David Beazley's push pipelines: a source sends each value into the first stage, each stage does
 * its one job and sends the result on to the stage (or stages) it feeds, and a sink at the end keeps
 * what arrives. Stages are generators paused at a `yield`, so a pipeline costs no threads and no queues:
 * a send runs the whole chain, stage after stage, and returns when the value has gone as far as it goes.
 *
 *   feed(lines, grep("python", broadcast([collect(all), filter(isShort, collect(short))])))
 *
 * Read first: chapters/02-coroutines/README.md#push-pipelines
 * Check yourself: npm test -- pipeline        Stuck? npm run hint -- pipeline
 */

/** A coroutine that receives values of type T through next(value). */
export type Sink<T> = Generator<void, void, T>;

/**
 * Wrap a generator function so the generator it returns is already advanced to its first yield
 * ("primed"): the first value sent to it is received, not lost.
 */
export function coroutine<A extends unknown[], T>(fn: (...args: A) => Sink<T>): (...args: A) => Sink<T> {
  // TODO: the same wrapper as in the priming exercise.
  throw new Error(
    "TODO: coroutine is not implemented yet (read chapters/02-coroutines/README.md#push-pipelines)",
  );
}

/** Send one value; throws an Error if the sink has finished. */
export function send<T>(target: Sink<T>, value: T): void {
  // TODO: next(value), and look at `done`.
  throw new Error("TODO: send is not implemented yet (read chapters/02-coroutines/README.md#push-pipelines)");
}

/** A sink that appends every value it receives to `into`. */
export function collect<T>(into: T[]): Sink<T> {
  // TODO: a primed generator that loops forever: into.push(yield).
  throw new Error(
    "TODO: collect is not implemented yet (read chapters/02-coroutines/README.md#push-pipelines)",
  );
}

/** Pass on the values for which predicate holds. */
export function filter<T>(predicate: (value: T) => boolean, target: Sink<T>): Sink<T> {
  // TODO: receive, test, send on; close `target` when this stage is closed (finally).
  throw new Error(
    "TODO: filter is not implemented yet (read chapters/02-coroutines/README.md#push-pipelines)",
  );
}

/** Pass on the lines that contain `pattern` (a string: plain substring, never a regular expression; a RegExp: .test). */
export function grep(pattern: string | RegExp, target: Sink<string>): Sink<string> {
  // TODO: a filter whose test depends on the kind of pattern.
  throw new Error("TODO: grep is not implemented yet (read chapters/02-coroutines/README.md#push-pipelines)");
}

/** Pass on f(value). */
export function map<T, U>(f: (value: T) => U, target: Sink<U>): Sink<T> {
  // TODO: like filter, but it sends f(value) on.
  throw new Error("TODO: map is not implemented yet (read chapters/02-coroutines/README.md#push-pipelines)");
}

/** Pass every value to each target, in the order of `targets`. */
export function broadcast<T>(targets: readonly Sink<T>[]): Sink<T> {
  // TODO: send each value to every target in turn; closing it closes each target.
  throw new Error(
    "TODO: broadcast is not implemented yet (read chapters/02-coroutines/README.md#push-pipelines)",
  );
}

/** Send every value of `source` into `target`, then close it with return() unless options.close === false. */
export function feed<T>(source: Iterable<T>, target: Sink<T>, options: { close?: boolean } = {}): void {
  // TODO: a for…of loop of sends, then target.return() unless told not to.
  throw new Error("TODO: feed is not implemented yet (read chapters/02-coroutines/README.md#push-pipelines)");
}
