// push-vs-pull.ts — the same filter → map → sum, once pulled with generators and once pushed with coroutines.
//
//   npx tsx chapters/02-coroutines/examples/push-vs-pull.ts

const keep = (x: number) => x % 3 !== 0;
const double = (x: number) => x * 2;

// Pull: the consumer at the end asks for each value; every stage asks the one before it.
function* numbers(n: number) {
  for (let i = 0; i < n; i++) yield i;
}
function* filterPull(source: Iterable<number>) {
  for (const x of source) if (keep(x)) yield x;
}
function* mapPull(source: Iterable<number>) {
  for (const x of source) yield double(x);
}
let pulled = 0;
for (const x of mapPull(filterPull(numbers(10)))) pulled += x;

// Push: the source at the start hands each value on; every stage hands it to the one after it.
type Sink<T> = Generator<void, void, T>;
function primed<T>(sink: Sink<T>): Sink<T> {
  sink.next();
  return sink;
}
let pushed = 0;
function* sum(): Sink<number> {
  for (;;) pushed += yield;
}
function* mapPush(target: Sink<number>): Sink<number> {
  for (;;) target.next(double(yield));
}
function* filterPush(target: Sink<number>): Sink<number> {
  for (;;) {
    const x = yield;
    if (keep(x)) target.next(x);
  }
}
const head = primed(filterPush(primed(mapPush(primed(sum())))));
for (let i = 0; i < 10; i++) head.next(i);

console.log(`pull: ${pulled}   push: ${pushed}   (the same work, driven from opposite ends)`);

// Only push can fan out: one value, many consumers, with no buffering in between.
const seen: string[] = [];
function* tag(name: string): Sink<number> {
  for (;;) seen.push(`${name}:${yield}`);
}
function* fanout(targets: Sink<number>[]): Sink<number> {
  for (;;) {
    const x = yield;
    for (const t of targets) t.next(x);
  }
}
const fan = primed(fanout([primed(tag("a")), primed(tag("b"))]));
for (const x of [1, 2]) fan.next(x);
console.log(`fan-out: ${seen.join(" ")}`);
