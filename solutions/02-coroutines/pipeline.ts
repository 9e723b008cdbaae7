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
  return (...args: A) => {
    const sink = fn(...args);
    sink.next();
    return sink;
  };
}

/** Send one value; throws an Error if the sink has finished. */
export function send<T>(target: Sink<T>, value: T): void {
  if (target.next(value).done) throw new Error("send: the sink has finished, so it takes no more values");
}

/** A sink that appends every value it receives to `into`. */
export function collect<T>(into: T[]): Sink<T> {
  return coroutine(collecting<T>)(into);
}

function* collecting<T>(into: T[]): Sink<T> {
  for (;;) into.push(yield);
}

/** Pass on the values for which predicate holds. */
export function filter<T>(predicate: (value: T) => boolean, target: Sink<T>): Sink<T> {
  return coroutine(filtering<T>)(predicate, target);
}

function* filtering<T>(predicate: (value: T) => boolean, target: Sink<T>): Sink<T> {
  // `finally` is where a closed stage closes what it feeds: return() runs it, like GeneratorExit in Python.
  try {
    for (;;) {
      const value = yield;
      if (predicate(value)) send(target, value);
    }
  } finally {
    target.return();
  }
}

/** Pass on the lines that contain `pattern` (a string: plain substring, never a regular expression; a RegExp: .test). */
export function grep(pattern: string | RegExp, target: Sink<string>): Sink<string> {
  // A string is searched for as it is: "a.b" matches only "a.b", never "axb".
  const matches =
    typeof pattern === "string"
      ? (line: string) => line.includes(pattern)
      : (line: string) => pattern.test(line);
  return filter(matches, target);
}

/** Pass on f(value). */
export function map<T, U>(f: (value: T) => U, target: Sink<U>): Sink<T> {
  return coroutine(mapping<T, U>)(f, target);
}

function* mapping<T, U>(f: (value: T) => U, target: Sink<U>): Sink<T> {
  try {
    for (;;) send(target, f(yield));
  } finally {
    target.return();
  }
}

/** Pass every value to each target, in the order of `targets`. */
export function broadcast<T>(targets: readonly Sink<T>[]): Sink<T> {
  return coroutine(broadcasting<T>)([...targets]);
}

function* broadcasting<T>(targets: readonly Sink<T>[]): Sink<T> {
  try {
    for (;;) {
      const value = yield;
      for (const target of targets) send(target, value);
    }
  } finally {
    // Closing a generator that has already finished does nothing, so a sink shared by two branches
    // (fan-in) still runs its own cleanup once.
    for (const target of targets) target.return();
  }
}

/** Send every value of `source` into `target`, then close it with return() unless options.close === false. */
export function feed<T>(source: Iterable<T>, target: Sink<T>, options: { close?: boolean } = {}): void {
  for (const value of source) send(target, value);
  if (options.close !== false) target.return();
}
