import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { writableByLearner } from "../../grader/harness/learner.ts";
import { thrownBy } from "../../grader/harness/outcomes.ts";
import { broadcast, collect, coroutine, feed, filter, grep, map, type Sink, send } from "./pipeline.ts";

const show = (value: unknown) => fc.stringify(value);

/** Inputs with the edge cases on purpose: nothing, one item, and arbitrary lists. */
const numbers = fc.oneof(
  fc.constant([] as number[]),
  fc.tuple(fc.integer({ min: -50, max: 50 })).map((one): number[] => one),
  fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 25 }),
);

/** The test's own sink (not the exercise's collect): records values and how often it was closed. */
function probe<T>(log: T[] = []) {
  const state = { received: log, closed: 0 };
  function* record(): Sink<T> {
    try {
      for (;;) state.received.push(yield);
    } finally {
      state.closed++;
    }
  }
  const sink = record();
  sink.next(); // primed by the test, so it does not depend on the exercise's coroutine
  return { sink, state };
}

// A stage chain: each step is a filter or a map, described as data so the same steps can run on an array.
type Step = { kind: "filter"; mod: number; rem: number } | { kind: "map"; mul: number; add: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("filter" as const), mod: fc.integer({ min: 2, max: 4 }), rem: fc.nat(3) }),
  fc.record({
    kind: fc.constant("map" as const),
    mul: fc.integer({ min: -3, max: 3 }),
    add: fc.integer({ min: -5, max: 5 }),
  }),
);
const keeps = (s: Extract<Step, { kind: "filter" }>) => (x: number) =>
  ((x % s.mod) + s.mod) % s.mod === s.rem % s.mod;
const maps = (s: Extract<Step, { kind: "map" }>) => (x: number) => x * s.mul + s.add;
const describeStep = (s: Step) =>
  s.kind === "filter" ? `filter(x mod ${s.mod} = ${s.rem % s.mod})` : `map(x * ${s.mul} + ${s.add})`;

function buildChain(steps: readonly Step[], sink: Sink<number>): Sink<number> {
  return steps.reduceRight(
    (target, s) => (s.kind === "filter" ? filter(keeps(s), target) : map(maps(s), target)),
    sink,
  );
}
function modelChain(steps: readonly Step[], input: readonly number[]): number[] {
  return steps.reduce<number[]>(
    (xs, s) => (s.kind === "filter" ? xs.filter(keeps(s)) : xs.map(maps(s))),
    [...input],
  );
}

// Lines for grep, with characters that mean something in a regular expression.
const lineChars = fc.constantFrom("a", "b", "c", " ", ".", "(", ")", "*", "[", "]", "\\", "$", "^", "+", "?");
const line = fc.string({ unit: lineChars, maxLength: 10 });
const lines = fc.oneof(
  fc.constant([] as string[]),
  fc.tuple(line).map((one): string[] => one),
  fc.array(line, { maxLength: 20 }),
);
const stringPattern = fc.oneof(
  fc.constantFrom(".", "(", "a.b", "*", "[", "\\", "$", "^a", "a+", "", "b?"),
  fc.string({ unit: lineChars, maxLength: 3 }),
);

describe("collect, coroutine and send", () => {
  it("collect receives every value fed to it, in order, the first one included", () => {
    fc.assert(
      fc.property(numbers, (sent) => {
        const out: number[] = writableByLearner([]);
        const sink = collect(out);
        for (const x of sent) send(sink, x);
        expect(
          out,
          out.length === sent.length - 1
            ? `the first value sent was lost: collect received ${show(out)} but ${show(sent)} were sent; is it primed?`
            : `collect received ${show(out)} but ${show(sent)} were sent`,
        ).toEqual(sent);
      }),
    );
  });

  it("coroutine primes any sink: the first value sent is received", () => {
    fc.assert(
      fc.property(numbers, fc.string(), (sent, label) => {
        const got: string[] = [];
        function* labeller(prefix: string): Sink<number> {
          for (;;) got.push(`${prefix}${yield}`);
        }
        const sink = coroutine(labeller)(label);
        for (const x of sent) sink.next(x);
        expect(
          got,
          `coroutine(labeller)(${show(label)}) was sent ${show(sent)} but received ${show(got)}`,
        ).toEqual(sent.map((x) => `${label}${x}`));
      }),
    );
  });

  it("send throws an Error once the sink has finished", () => {
    fc.assert(
      fc.property(fc.constantFrom("collect", "filter", "map", "broadcast"), (kind) => {
        const { sink: end } = probe<number>();
        const stage =
          kind === "collect"
            ? collect<number>([])
            : kind === "filter"
              ? filter(() => true, end)
              : kind === "map"
                ? map((x: number) => x, end)
                : broadcast([end]);
        stage.return();
        expect(() => send(stage, 1), `send to a ${kind} stage that was closed should throw an Error`).toThrow(
          Error,
        );
      }),
    );
  });
});

describe("filter, map and grep", () => {
  it("a random chain of filter and map stages gives what the same steps give on an array", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), numbers, (steps, input) => {
        const out: number[] = writableByLearner([]);
        feed(input, buildChain(steps, collect(out)));
        expect(
          out,
          `feeding ${show(input)} through ${steps.map(describeStep).join(" → ") || "no stages"} → collect`,
        ).toEqual(modelChain(steps, input));
      }),
    );
  });

  it("every stage is primed: the first value sent straight into it is not lost", () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom("filter", "map", "grep", "broadcast"), (x, kind) => {
        const { sink, state } = probe<unknown>();
        const stage: Sink<never> =
          kind === "filter"
            ? filter(() => true, sink)
            : kind === "map"
              ? map((v: unknown) => v, sink)
              : kind === "grep"
                ? grep("", sink as Sink<string>)
                : broadcast([sink]);
        const value = kind === "grep" ? String(x) : x;
        send(stage as Sink<unknown>, value);
        expect(
          state.received,
          `the first value sent was lost: ${kind} was sent ${show(value)} but passed on ${show(state.received)}`,
        ).toEqual([value]);
      }),
    );
  });

  it("grep with a string passes on the lines that contain it as plain text, special characters and all", () => {
    fc.assert(
      fc.property(stringPattern, lines, (pattern, input) => {
        const out: string[] = writableByLearner([]);
        expect(
          thrownBy(() => feed(input, grep(pattern, collect(out)))),
          `grep(${show(pattern)}) on ${show(input)} threw: a string pattern is plain text, never a regular expression`,
        ).toBeUndefined();
        expect(
          out,
          `grep(${show(pattern)}) on ${show(input)}: a string pattern is plain text, never a regular expression`,
        ).toEqual(input.filter((l) => l.includes(pattern)));
      }),
    );
  });

  it("grep with a RegExp passes on the lines it matches", () => {
    const patterns = fc.constantFrom(/^a/, /b$/, /a.b/, /\(/, /c+a/, /A|\$/i, /^$/);
    fc.assert(
      fc.property(patterns, lines, (pattern, input) => {
        const out: string[] = writableByLearner([]);
        feed(input, grep(pattern, collect(out)));
        expect(out, `grep(${pattern}) on ${show(input)}`).toEqual(input.filter((l) => pattern.test(l)));
      }),
    );
  });
});

describe("broadcast", () => {
  const targetCount = fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 2, max: 5 }));

  it("passes every value to each target, in the order of targets", () => {
    fc.assert(
      fc.property(targetCount, numbers, (count, input) => {
        const log: Array<[number, number]> = [];
        const targets = Array.from({ length: count }, (_, i) => {
          function* tagged(): Sink<number> {
            for (;;) log.push([i, yield]);
          }
          const sink = tagged();
          sink.next();
          return sink;
        });
        feed(input, broadcast(targets));
        const expected = input.flatMap((x) => targets.map((_, i): [number, number] => [i, x]));
        expect(
          log,
          `broadcast to ${count} targets fed ${show(input)}: each value should reach target 0, then 1, …, before the next value`,
        ).toEqual(expected);
      }),
    );
  });

  it("fan-in: greps that share one sink give it each line once per matching branch, in source order", () => {
    fc.assert(
      fc.property(stringPattern, stringPattern, lines, (p, q, input) => {
        const shared: string[] = writableByLearner([]);
        const into = collect(shared);
        feed(input, broadcast([grep(p, into), grep(q, into)]));
        const expected = input.flatMap((l) => [...(l.includes(p) ? [l] : []), ...(l.includes(q) ? [l] : [])]);
        expect(
          shared,
          `broadcast([grep(${show(p)}, shared), grep(${show(q)}, shared)]) fed ${show(input)}`,
        ).toEqual(expected);
      }),
    );
  });
});

// A random tree of stages: chains of filters and maps, with broadcasts that fan out, ending in probes.
type Tree =
  | { kind: "leaf" }
  | { kind: "step"; step: Step; next: Tree }
  | { kind: "fanout"; branches: Tree[] };
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant({ kind: "leaf" as const }),
    fc.record({ kind: fc.constant("step" as const), step, next: tie("tree") }),
    fc.record({
      kind: fc.constant("fanout" as const),
      branches: fc.array(tie("tree"), { minLength: 1, maxLength: 3 }),
    }),
  ),
}));

function buildTree(t: Tree, leaves: Array<ReturnType<typeof probe<number>>>): Sink<number> {
  if (t.kind === "leaf") {
    const leaf = probe<number>();
    leaves.push(leaf);
    return leaf.sink;
  }
  if (t.kind === "step") return buildChain([t.step], buildTree(t.next, leaves));
  return broadcast(t.branches.map((b) => buildTree(b, leaves)));
}

describe("feed", () => {
  const mapStep = fc.record({
    kind: fc.constant("map" as const),
    mul: fc.integer({ min: -3, max: 3 }),
    add: fc.integer({ min: -5, max: 5 }),
  });

  it("feed runs each value down the whole chain before it takes the next from the source, so an endless source works", () => {
    fc.assert(
      fc.property(fc.array(mapStep, { maxLength: 3 }), fc.integer({ min: 1, max: 6 }), (steps, wanted) => {
        const log: string[] = [];
        const enough = new Error(`the sink has the ${wanted} values it wanted`);
        // Endless, but a feed that tries to take all of it first stops at a clear error, not a hang.
        function* endless(): Generator<number> {
          for (let i = 0; ; i++) {
            if (i === 200)
              throw new Error(
                "feed read 200 values from the source before the sink got the ones it wanted: it should send each value on as soon as it takes it",
              );
            log.push(`source gives ${i}`);
            yield i;
          }
        }
        function* picky(): Sink<number> {
          for (let got = 1; ; got++) {
            log.push(`sink gets ${yield}`);
            if (got === wanted) throw enough;
          }
        }
        const sink = picky();
        sink.next();
        let thrown: unknown;
        try {
          feed(endless(), buildChain(steps, sink));
        } catch (error) {
          // Any other error is the exercise's own (or the source's "read ahead"): it is the failure.
          if (error !== enough) throw error;
          thrown = error;
        }
        const model = modelChain(
          steps,
          Array.from({ length: wanted }, (_, i) => i),
        );
        const expected = model.flatMap((out, i) => [`source gives ${i}`, `sink gets ${out}`]);
        expect(
          log,
          `through ${steps.length === 0 ? "no stage" : steps.map(describeStep).join(" → ")}, each value should reach the sink before feed takes the next one from the source`,
        ).toEqual(expected);
        expect(thrown, "the sink's error should end feed and reach its caller").toBe(enough);
      }),
      {
        examples: [
          [[], 1],
          [[{ kind: "map", mul: 2, add: 1 }], 3],
        ],
      },
    );
  });
});

describe("closing", () => {
  it("feed closes the pipeline it fed: every stage downstream is closed exactly once", () => {
    fc.assert(
      fc.property(tree, numbers, (t, input) => {
        const leaves: Array<ReturnType<typeof probe<number>>> = [];
        feed(input, buildTree(t, leaves));
        const counts = leaves.map((l) => l.state.closed);
        expect(
          counts,
          `after feed, the sinks at the ends of the pipeline were closed ${show(counts)} times; each should be closed once`,
        ).toEqual(leaves.map(() => 1));
      }),
    );
  });

  it("feed with { close: false } leaves the pipeline open for more values", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 4 }), numbers, numbers, (steps, first, second) => {
        const { sink, state } = probe<number>();
        const head = buildChain(steps, sink);
        feed(first, head, { close: false });
        expect(state.closed, "feed(…, { close: false }) closed the pipeline").toBe(0);
        feed(second, head);
        expect(state.received, `fed ${show(first)} without closing, then ${show(second)}`).toEqual(
          modelChain(steps, [...first, ...second]),
        );
        expect(state.closed, "the second feed should close the pipeline").toBe(1);
      }),
    );
  });

  it("closing one stage with return() closes every stage it feeds, each once", () => {
    fc.assert(
      fc.property(tree, (t) => {
        const leaves: Array<ReturnType<typeof probe<number>>> = [];
        buildTree(t, leaves).return();
        const counts = leaves.map((l) => l.state.closed);
        expect(
          counts,
          `after return() on the first stage the end sinks were closed ${show(counts)} times`,
        ).toEqual(leaves.map(() => 1));
      }),
    );
  });

  it("a value sent into a pipeline whose inner stage was closed throws an Error", () => {
    // In front of the closed stage: a filter or a map, or a broadcast with open targets around it.
    const front = fc.oneof(
      step.map((s) => ({ kind: "step" as const, step: s })),
      fc.record({ kind: fc.constant("broadcast" as const), before: fc.nat(2), after: fc.nat(2) }),
    );
    fc.assert(
      fc.property(front, fc.integer({ min: 0, max: 30 }), (f, x) => {
        const { sink } = probe<number>();
        const inner = map((v: number) => v, sink);
        if (f.kind === "step") {
          const head = buildChain([f.step], inner);
          inner.return();
          fc.pre(f.step.kind === "map" || keeps(f.step)(x));
          expect(
            () => send(head, x),
            `${describeStep(f.step)} sent ${x} on to a closed map stage; send should throw`,
          ).toThrow(Error);
          return;
        }
        const before = Array.from({ length: f.before }, () => probe<number>());
        const after = Array.from({ length: f.after }, () => probe<number>());
        const head = broadcast([...before.map((p) => p.sink), inner, ...after.map((p) => p.sink)]);
        inner.return();
        expect(
          () => send(head, x),
          `a broadcast to ${f.before + f.after + 1} targets, target ${f.before + 1} of them closed, was sent ${x}; send should throw, not drop the value`,
        ).toThrow(Error);
        expect(
          before.map((p) => p.state.received),
          "the targets before the closed one should have received the value",
        ).toEqual(before.map(() => [x]));
      }),
      {
        examples: [
          [{ kind: "broadcast", before: 0, after: 1 }, 1],
          [{ kind: "broadcast", before: 1, after: 0 }, 1],
        ],
      },
    );
  });
});

describe("errors", () => {
  const failAt = (n: number) =>
    fc.oneof(fc.constant(0), fc.constant(n - 1), fc.integer({ min: 0, max: n - 1 }));
  const nonEmpty = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 20 });

  it("an error thrown by a sink reaches the caller of feed, at the first or the last item", () => {
    fc.assert(
      fc.property(
        nonEmpty.chain((xs) => fc.tuple(fc.constant(xs), failAt(xs.length))),
        fc.array(
          step.filter((s) => s.kind === "map"),
          { maxLength: 3 },
        ),
        ([input, at], steps) => {
          const problem = new Error(`sink failed at item ${at}`);
          let seen = 0;
          function* failing(): Sink<number> {
            for (;;) {
              yield;
              if (seen++ === at) throw problem;
            }
          }
          const sink = failing();
          sink.next();
          let caught: unknown;
          try {
            feed(input, buildChain(steps, sink));
          } catch (error) {
            caught = error;
          }
          expect(
            caught,
            `the sink threw at item ${at} of ${input.length}; feed should throw that error`,
          ).toBe(problem);
          expect(seen, `the sink should have received ${at + 1} items before it threw`).toBe(at + 1);
        },
      ),
    );
  });

  it("an error thrown by map's function or filter's predicate reaches the caller of send", () => {
    fc.assert(
      fc.property(fc.constantFrom("map", "filter"), nonEmpty, (kind, input) => {
        const problem = new Error(`${kind} rejected the last value`);
        const last = input.length - 1;
        let calls = 0;
        const check = (x: number) => {
          if (calls++ === last) throw problem;
          return x;
        };
        const { sink } = probe<number>();
        const stage = kind === "map" ? map(check, sink) : filter((x: number) => check(x) >= -Infinity, sink);
        for (let i = 0; i < last; i++) send(stage, input[i]!);
        expect(
          thrownBy(() => send(stage, input[last]!)),
          `${kind}'s function threw; send should throw that error`,
        ).toBe(problem);
      }),
    );
  });

  it("an error in one branch of broadcast reaches the caller, after the targets before it got the value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.nat(3), fc.integer(), (count, pick, x) => {
        const bad = pick % count;
        const problem = new Error(`target ${bad} failed`);
        const probes = Array.from({ length: count }, () => probe<number>());
        const targets = probes.map((p, i) =>
          i === bad
            ? map((): number => {
                throw problem;
              }, p.sink)
            : p.sink,
        );
        expect(
          thrownBy(() => send(broadcast(targets), x)),
          `target ${bad} threw; send should throw that error`,
        ).toBe(problem);
        const reached = probes.map((p) => p.state.received.length);
        expect(
          reached.slice(0, bad),
          `the targets before the failing one should have received the value (got ${show(reached)})`,
        ).toEqual(Array(bad).fill(1));
      }),
    );
  });
});
