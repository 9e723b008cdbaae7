import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findDeadlock, type TaskId, type WaitForGraph, waitForGraph } from "./deadlock.ts";

type Edge = readonly [from: TaskId, to: TaskId];

interface LockTable {
  readonly holds: Map<TaskId, string[]>;
  readonly wants: Map<TaskId, string>;
}

const tasks: readonly TaskId[] = ["a", "b", "c", "d", "e", "f"];
const task = fc.constantFrom(...tasks);

/** The items in any order. */
const permutation = <T>(items: readonly T[]) => fc.shuffledSubarray([...items], { minLength: items.length });

/**
 * A wait-for graph whose keys come in the order of `keyOrder`, which must name every edge's source. A task
 * with no edges is a key only when it is `idle`; otherwise it appears only as a target, or not at all.
 */
function graphOf(
  keyOrder: readonly TaskId[],
  edges: readonly Edge[],
  idle: readonly TaskId[] = [],
): Map<TaskId, TaskId[]> {
  const graph = new Map<TaskId, TaskId[]>();
  for (const from of keyOrder) {
    const targets = edges.filter(([source]) => source === from).map(([, to]) => to);
    if (targets.length > 0 || idle.includes(from)) graph.set(from, targets);
  }
  return graph;
}

/** Any directed graph over a few tasks: self-loops, cycles, shared targets, keys in any order. */
const anyGraph = fc
  .record({
    order: permutation(tasks),
    edges: fc.array(fc.tuple(task, task), { maxLength: 9 }),
    idle: fc.subarray([...tasks]),
  })
  .map(({ order, edges, idle }) => graphOf(order, edges, idle));

/**
 * Edges that only go forward in `rank`, so they can never form a cycle. Includes a diamond
 * rank[0] → rank[1], rank[0] → rank[2], rank[1] → rank[3], rank[2] → rank[3]: rank[3] is waited for by two
 * tasks, reached by two paths, and still on no cycle.
 */
function forwardEdges(rank: readonly TaskId[], pairs: readonly (readonly [number, number])[]): Edge[] {
  const [t0, t1, t2, t3] = rank as [TaskId, TaskId, TaskId, TaskId];
  const diamond: Edge[] = [
    [t0, t1],
    [t0, t2],
    [t1, t3],
    [t2, t3],
  ];
  const forward = pairs
    .filter(([i, j]) => i !== j)
    .map(([i, j]): Edge => [rank[Math.min(i, j)]!, rank[Math.max(i, j)]!]);
  return [...diamond, ...forward];
}

const rankPairs = fc.array(fc.tuple(fc.nat(tasks.length - 1), fc.nat(tasks.length - 1)), { maxLength: 8 });

/** A graph with no cycle at all (but with a diamond), keys in any order. */
const acyclicGraph = fc
  .record({
    rank: permutation(tasks),
    order: permutation(tasks),
    pairs: rankPairs,
    idle: fc.subarray([...tasks]),
  })
  .map(({ rank, order, pairs, idle }) => graphOf(order, forwardEdges(rank, pairs), idle));

/** The tasks r1, r2, … of a ring; ringEdges makes each wait for the next and the last for the first. */
const ringOf = (size: number): TaskId[] => Array.from({ length: size }, (_, i) => `r${i + 1}`);
const ringEdges = (ring: readonly TaskId[]): Edge[] => ring.map((t, i) => [t, ring[(i + 1) % ring.length]!]);

/** Kahn's algorithm, the test's own oracle: keep removing tasks nobody waits for; a cycle never goes. */
function hasCycle(graph: WaitForGraph): boolean {
  const waitedForBy = new Map<TaskId, number>();
  for (const [from, targets] of graph) {
    if (!waitedForBy.has(from)) waitedForBy.set(from, 0);
    for (const to of targets) waitedForBy.set(to, (waitedForBy.get(to) ?? 0) + 1);
  }
  const free = [...waitedForBy].filter(([, count]) => count === 0).map(([t]) => t);
  let removed = 0;
  for (let t = free.pop(); t !== undefined; t = free.pop()) {
    removed++;
    for (const to of graph.get(t) ?? []) {
      const count = waitedForBy.get(to)! - 1;
      waitedForBy.set(to, count);
      if (count === 0) free.push(to);
    }
  }
  return removed < waitedForBy.size;
}

/** Whether a path of edges leads from `from` to any of `goals`. */
function reaches(graph: WaitForGraph, from: TaskId, goals: readonly TaskId[]): boolean {
  const seen = new Set([from]);
  const todo = [from];
  for (let t = todo.pop(); t !== undefined; t = todo.pop()) {
    if (goals.includes(t)) return true;
    for (const to of graph.get(t) ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        todo.push(to);
      }
    }
  }
  return false;
}

const show = (cycle: readonly TaskId[]) => `[${cycle.join(", ")}]`;

/** Fails unless `cycle` is a cycle of `graph` as findDeadlock promises; returns its tasks, each once. */
function tasksOfCycle(graph: WaitForGraph, cycle: TaskId[] | null): TaskId[] {
  expect(cycle, "the graph has a cycle, so findDeadlock must not return null").not.toBeNull();
  const found = cycle!;
  expect(found.length, `${show(found)} is too short to be a cycle`).toBeGreaterThanOrEqual(2);
  expect(found.at(-1), `${show(found)} must end with the task it starts with`).toBe(found[0]);
  const inside = found.slice(0, -1);
  expect(new Set(inside).size, `${show(found)} repeats a task before closing the cycle`).toBe(inside.length);
  for (let i = 0; i + 1 < found.length; i++) {
    const [from, to] = [found[i]!, found[i + 1]!];
    expect(graph.get(from) ?? [], `${show(found)}: ${from} → ${to} is not an edge of the graph`).toContain(
      to,
    );
  }
  return inside;
}

const sorted = (items: Iterable<TaskId>) => [...items].sort();
const entriesOf = <V>(map: ReadonlyMap<TaskId, V>) => [...map].map(([k, v]) => [k, structuredClone(v)]);

/**
 * Names a task or a lock may have: any text, and especially the ones that break a plain object used as a
 * map ("__proto__", "constructor") or a string key built with a separator ("a,b", "a → b").
 */
const awkwardNames = ["__proto__", "constructor", "", "toString", "hasOwnProperty", "a,b", "a → b", " "];
const anyName = fc.oneof(fc.constantFrom(...awkwardNames), fc.string({ maxLength: 6 }));
/** `count` distinct names; the grading run always meets every awkward one (see the examples below). */
const namesFor = (count: number) => fc.uniqueArray(anyName, { minLength: count, maxLength: count });

/** The same graph with every task renamed: task i of `from` becomes names[i]. */
function renamed(
  graph: WaitForGraph,
  from: readonly TaskId[],
  names: readonly string[],
): Map<TaskId, TaskId[]> {
  const rename = (t: TaskId) => names[from.indexOf(t)]!;
  return new Map([...graph].map(([t, targets]) => [rename(t), targets.map(rename)]));
}

/** Thrown by a counted graph once the search has read it more often than a linear search would. */
class TooMuchWork extends Error {}

/**
 * `graph` behind Proxies that count every read: each call of a Map method, each step of an iteration, each
 * element (and length) of a target list. Past `limit` reads it throws TooMuchWork, so an exponential
 * search stops at once instead of running for minutes.
 */
function countingGraph(graph: ReadonlyMap<TaskId, readonly TaskId[]>, limit: number) {
  let reads = 0;
  const read = () => {
    if (++reads > limit) throw new TooMuchWork(`more than ${limit} reads`);
  };
  const lists = new Map<TaskId, readonly TaskId[]>();
  for (const [task, targets] of graph) {
    lists.set(
      task,
      new Proxy(targets, {
        get(target, key, receiver) {
          if (typeof key === "string") read();
          return Reflect.get(target, key, receiver);
        },
      }),
    );
  }
  function* counted<T>(items: Iterable<T>): Generator<T> {
    for (const item of items) {
      read();
      yield item;
    }
  }
  const view: ReadonlyMap<TaskId, readonly TaskId[]> = new Proxy(lists, {
    get(target, key) {
      read();
      if (key === "size") return target.size;
      if (key === "get") return (task: TaskId) => target.get(task);
      if (key === "has") return (task: TaskId) => target.has(task);
      if (key === "keys") return () => counted(target.keys());
      if (key === "values") return () => counted(target.values());
      if (key === "entries" || key === Symbol.iterator) return () => counted(target.entries());
      if (key === "forEach")
        return (f: (v: readonly TaskId[], k: TaskId, m: unknown) => void) => {
          for (const [k, v] of counted(target.entries())) f(v, k, view);
        };
      return Reflect.get(target, key, target);
    },
  });
  return { graph: view, reads: () => reads };
}

/**
 * A ladder of `rungs` diamonds, hub0 → {left1, right1} → hub1 → … → hub<rungs>: 2^rungs paths lead from
 * the top to the bottom, but only 3·rungs + 1 tasks and 4·rungs edges. A search that walks again into tasks
 * it has already finished takes exponential time here. Optionally a ring that the ladder does not reach,
 * put last in the map so the search must first get through the ladder.
 */
const ladder = fc
  .record({
    rungs: fc.integer({ min: 20, max: 24 }),
    ring: fc.integer({ min: 0, max: 3 }),
    keys: fc.func(fc.nat()),
  })
  .chain(({ rungs, ring, keys }) => {
    const hubs = Array.from({ length: rungs + 1 }, (_, i) => `hub${i}`);
    const ringTasks = ringOf(ring);
    const edges: Edge[] = [...ringEdges(ringTasks)];
    const ladderTasks = [...hubs];
    for (let i = 1; i <= rungs; i++) {
      const [left, right] = [`left${i}`, `right${i}`];
      ladderTasks.push(left, right);
      edges.push([hubs[i - 1]!, left], [hubs[i - 1]!, right], [left, hubs[i]!], [right, hubs[i]!]);
    }
    // The ladder's keys in a generated order (a search may start anywhere in it), then the ring's.
    const order = [...ladderTasks].sort((x, y) => keys(x) - keys(y) || x.localeCompare(y));
    const all = [...order, ...ringTasks];
    return namesFor(all.length).map((names) => ({
      graph: renamed(graphOf(all, edges, all), all, names),
      ring: ringTasks.map((t) => names[all.indexOf(t)]!),
      edges: edges.length,
    }));
  });

describe("findDeadlock", () => {
  it("returns null exactly when the wait-for graph has no cycle", () => {
    fc.assert(
      fc.property(anyGraph, (graph) => {
        const cycle = findDeadlock(graph);
        if (hasCycle(graph))
          expect(cycle, "the graph has a cycle, but findDeadlock found none").not.toBeNull();
        else expect(cycle, "the graph has no cycle, so there is no deadlock to report").toBeNull();
      }),
      // No tasks at all; tasks that wait for nobody.
      { examples: [[new Map()], [new Map([["a", []]])]] },
    );
  });

  it("returns a real cycle: it ends where it starts, follows edges, and repeats no task inside", () => {
    fc.assert(
      fc.property(anyGraph, (graph) => {
        fc.pre(hasCycle(graph));
        tasksOfCycle(graph, findDeadlock(graph));
      }),
    );
  });

  it("never mistakes waits that fan out and meet again for a deadlock", () => {
    fc.assert(
      fc.property(acyclicGraph, (graph) => {
        expect(
          findDeadlock(graph),
          "no cycle: a task reached twice by two paths is not a deadlock",
        ).toBeNull();
      }),
    );
  });

  it("finds a task that waits for itself", () => {
    fc.assert(
      fc.property(acyclicGraph, task, fc.nat(), (acyclic, loner, at) => {
        const graph = new Map(acyclic);
        const targets = [...(graph.get(loner) ?? [])];
        targets.splice(at % (targets.length + 1), 0, loner);
        graph.set(loner, targets);
        expect(findDeadlock(graph), `${loner} waits for itself: the cycle ${loner} → ${loner}`).toEqual([
          loner,
          loner,
        ]);
      }),
    );
  });

  it("finds a cycle that does not go through the first task of the map", () => {
    const plantedRing = fc
      .record({
        rank: permutation(tasks),
        pairs: rankPairs,
        size: fc.integer({ min: 1, max: 4 }),
        entries: fc.array(fc.tuple(fc.nat(tasks.length - 2), fc.nat()), { maxLength: 3 }),
        order: permutation(tasks),
        ringOrder: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        first: fc.nat(),
      })
      .map(({ rank, pairs, size, entries, order, ringOrder, first }) => {
        const ring = ringOf(size);
        // Tasks of an acyclic part may wait for ring tasks, except rank's last task, which waits for nobody.
        const intoRing = entries.map(([i, j]): Edge => [rank[i]!, ring[j % size]!]);
        const keyOrder = [...order];
        for (const [i, t] of ring.entries()) keyOrder.splice(ringOrder[i]! % (keyOrder.length + 1), 0, t);
        const edges = [...forwardEdges(rank, pairs), ...intoRing, ...ringEdges(ring)];
        const graph = graphOf(keyOrder, edges, [rank.at(-1)!]);
        // Move a task that cannot reach the ring to the front of the map.
        const bystanders = [...graph.keys()].filter((t) => !reaches(graph, t, ring));
        const front = bystanders[first % bystanders.length]!;
        const reordered = new Map([[front, graph.get(front)!], ...graph]);
        return { graph: reordered, ring };
      });
    fc.assert(
      fc.property(plantedRing, ({ graph, ring }) => {
        expect(
          sorted(tasksOfCycle(graph, findDeadlock(graph))),
          "the tasks of the one cycle in the graph",
        ).toEqual(sorted(ring));
      }),
    );
  });

  it("returns only the cycle, not the chain of waits that leads into it", () => {
    const chainIntoRing = fc
      .record({
        chain: fc.shuffledSubarray([...tasks], { minLength: 1, maxLength: 4 }),
        size: fc.integer({ min: 1, max: 4 }),
        entry: fc.nat(),
        rest: permutation([...tasks, ...ringOf(4)]),
      })
      .map(({ chain, size, entry, rest }) => {
        // The first task of the map waits, through a chain of other tasks, for a task of the ring.
        const ring = ringOf(size);
        const chainEdges = chain.map((t, i): Edge => [t, chain[i + 1] ?? ring[entry % size]!]);
        const keyOrder = [chain[0]!, ...rest.filter((t) => t !== chain[0])];
        return { graph: graphOf(keyOrder, [...chainEdges, ...ringEdges(ring)], tasks), ring };
      });
    fc.assert(
      fc.property(chainIntoRing, ({ graph, ring }) => {
        expect(
          sorted(tasksOfCycle(graph, findDeadlock(graph))),
          "the tasks of the one cycle in the graph",
        ).toEqual(sorted(ring));
      }),
    );
  });

  it("handles tasks that appear only as targets, which wait for nobody", () => {
    const withOutsiders = fc
      .record({
        order: permutation(tasks),
        edges: fc.array(fc.tuple(task, fc.constantFrom(...tasks, "x", "y")), { maxLength: 9 }),
      })
      .map(({ order, edges }) => graphOf(order, edges));
    fc.assert(
      fc.property(withOutsiders, (graph) => {
        const cycle = findDeadlock(graph);
        if (hasCycle(graph)) tasksOfCycle(graph, cycle);
        else expect(cycle).toBeNull();
      }),
      // The doc comment's two examples: C is only ever a target, in a graph with a cycle and one without.
      {
        examples: [
          [
            new Map([
              ["A", ["B"]],
              ["B", ["C", "A"]],
            ]),
          ],
          [
            new Map([
              ["A", ["B", "C"]],
              ["B", ["C"]],
            ]),
          ],
        ],
      },
    );
  });

  it("takes time proportional to tasks plus edges, even where many paths lead to the same task", () => {
    fc.assert(
      fc.property(ladder, ({ graph, ring, edges }) => {
        const limit = 20 * (graph.size + edges) + 100;
        const counted = countingGraph(graph, limit);
        let cycle: TaskId[] | null = null;
        try {
          cycle = findDeadlock(counted.graph);
        } catch (error) {
          if (!(error instanceof TooMuchWork)) throw error;
          expect.fail(
            `findDeadlock read the graph more than ${limit} times for ${graph.size} tasks and ${edges} edges, ` +
              "where a search that handles each task and edge once needs a few hundred reads. Does it search " +
              "again from tasks it has already finished (the black ones)?",
          );
        }
        if (ring.length === 0) expect(cycle, "the ladder has no cycle").toBeNull();
        else
          expect(sorted(tasksOfCycle(graph, cycle)), "the tasks of the ladder's cycle").toEqual(sorted(ring));
      }),
      // Every ladder is big enough to separate linear from exponential: a few runs suffice. A smaller ladder
      // would show nothing (a shrunk one is linear work either way), and each shrinking step costs a whole
      // budget of reads: the first ladder that shows the mistake is the one reported.
      { numRuns: 10, endOnFailure: true },
    );
  });

  it("works with any task names, even ones like __proto__, constructor or an empty string", () => {
    const from = [...tasks, "x", "y"];
    const graphWithNames = fc
      .tuple(anyGraph, namesFor(from.length))
      .map(([graph, names]) => renamed(graph, from, names));
    const awkward = renamed(
      graphOf(
        from,
        [
          ["a", "b"],
          ["b", "c"],
          ["c", "a"],
          ["d", "e"],
          ["e", "f"],
          ["f", "x"],
        ],
        from,
      ),
      from,
      awkwardNames,
    );
    fc.assert(
      fc.property(graphWithNames, (graph) => {
        const cycle = findDeadlock(graph);
        if (hasCycle(graph)) tasksOfCycle(graph, cycle);
        else expect(cycle, "the graph has no cycle, so there is no deadlock to report").toBeNull();
      }),
      {
        examples: [
          [awkward],
          [new Map([["", [""]]])],
          [
            new Map([
              ["__proto__", ["constructor"]],
              ["constructor", ["__proto__"]],
            ]),
          ],
        ],
      },
    );
  });

  it("does not change the graph it is given", () => {
    fc.assert(
      fc.property(anyGraph, (graph) => {
        const before = entriesOf(graph);
        for (const targets of graph.values()) Object.freeze(targets);
        findDeadlock(graph);
        expect(entriesOf(graph), "the graph as it was given").toEqual(before);
      }),
    );
  });
});

const locks = ["L1", "L2", "L3", "L4", "L5", "L6"];

/** A lock table: each lock held by at most one task, some tasks waiting, some for a lock nobody holds. */
const lockTable = fc
  .record({
    owners: fc.array(fc.option(task, { nil: undefined }), {
      minLength: locks.length,
      maxLength: locks.length,
    }),
    order: permutation(tasks),
    idle: fc.subarray([...tasks]),
    wants: fc.array(fc.tuple(task, fc.constantFrom(...locks, "free")), { maxLength: 6 }),
  })
  .map(({ owners, order, idle, wants }): LockTable => {
    const holds = new Map<TaskId, string[]>();
    for (const t of order) {
      const mine = locks.filter((_, i) => owners[i] === t);
      if (mine.length > 0 || idle.includes(t)) holds.set(t, mine);
    }
    return { holds, wants: new Map(wants) };
  });

/** The test's own oracle, straight from the rule: t → u for every lock t wants and u holds. Sorted. */
function expectedEdges({ holds, wants }: LockTable): Map<TaskId, TaskId[]> {
  const graph = new Map<TaskId, TaskId[]>();
  for (const t of [...holds.keys(), ...wants.keys()]) graph.set(t, []);
  for (const [t, lock] of wants) {
    for (const [u, held] of holds) if (held.includes(lock)) graph.get(t)!.push(u);
  }
  for (const targets of graph.values()) targets.sort();
  return graph;
}

const sortedEdges = (graph: ReadonlyMap<TaskId, readonly TaskId[]>): Map<TaskId, TaskId[]> =>
  new Map([...graph].map(([t, targets]) => [t, sorted(targets)]));

describe("waitForGraph", () => {
  it("makes each blocked task wait for the task that holds the lock it wants", () => {
    fc.assert(
      fc.property(lockTable, (table) => {
        expect(
          sortedEdges(waitForGraph(table.holds, table.wants)),
          "each task that wants a lock waits for the task holding it (waiter → holder)",
        ).toEqual(expectedEdges(table));
      }),
      // The doc comment's example: each holds what the other wants.
      {
        examples: [
          [
            {
              holds: new Map([
                ["A", ["x"]],
                ["B", ["y"]],
              ]),
              wants: new Map([
                ["A", "y"],
                ["B", "x"],
              ]),
            },
          ],
        ],
      },
    );
  });

  it("lists every task of the lock table as a key, with [] for a task that waits for nobody", () => {
    fc.assert(
      fc.property(lockTable, (table) => {
        const graph = waitForGraph(table.holds, table.wants);
        expect(sorted(graph.keys()), "every task that holds or wants a lock is a key").toEqual(
          sorted(new Set([...table.holds.keys(), ...table.wants.keys()])),
        );
        for (const t of table.holds.keys()) {
          if (!table.wants.has(t))
            expect(graph.get(t), `${t} wants nothing, so it waits for nobody`).toEqual([]);
        }
        for (const [t, lock] of table.wants) {
          const held = [...table.holds.values()].some((mine) => mine.includes(lock));
          if (!held) expect(graph.get(t), `nobody holds ${lock}, so ${t} waits for nobody`).toEqual([]);
        }
      }),
      // An empty table; a task that holds nothing; a task that wants a lock nobody holds, known only to wants.
      {
        examples: [
          [{ holds: new Map(), wants: new Map() }],
          [
            {
              holds: new Map([
                ["a", []],
                ["b", ["L1"]],
              ]),
              wants: new Map([
                ["c", "free"],
                ["a", "L1"],
              ]),
            },
          ],
        ],
      },
    );
  });

  it("makes a task that wants a lock it already holds wait for itself", () => {
    fc.assert(
      fc.property(lockTable, task, fc.constantFrom(...locks), (table, t, lock) => {
        for (const mine of table.holds.values()) {
          const i = mine.indexOf(lock);
          if (i >= 0) mine.splice(i, 1);
        }
        table.holds.set(t, [...(table.holds.get(t) ?? []), lock]);
        table.wants.set(t, lock);
        expect(
          waitForGraph(table.holds, table.wants).get(t),
          `${t} wants ${lock}, which it holds itself, so it waits for itself`,
        ).toEqual([t]);
      }),
    );
  });

  it("works with any task and lock names, even ones like __proto__, constructor or an empty string", () => {
    const lockNames = [...locks, "free"];
    const renamedTable = fc
      .tuple(lockTable, namesFor(tasks.length), namesFor(lockNames.length))
      .map(([table, taskNames, lockNamesNew]): LockTable => {
        const task = (t: TaskId) => taskNames[tasks.indexOf(t)]!;
        const lock = (l: string) => lockNamesNew[lockNames.indexOf(l)]!;
        return {
          holds: new Map([...table.holds].map(([t, mine]) => [task(t), mine.map(lock)])),
          wants: new Map([...table.wants].map(([t, l]) => [task(t), lock(l)])),
        };
      });
    const awkward: LockTable = {
      holds: new Map([
        ["__proto__", ["constructor"]],
        ["constructor", ["__proto__"]],
        ["", ["toString"]],
      ]),
      wants: new Map([
        ["__proto__", "__proto__"],
        ["constructor", "toString"],
        ["", "hasOwnProperty"],
      ]),
    };
    fc.assert(
      fc.property(renamedTable, (table) => {
        expect(
          sortedEdges(waitForGraph(table.holds, table.wants)),
          "waiter → holder edges, whatever the tasks and locks are called",
        ).toEqual(expectedEdges(table));
      }),
      { examples: [[awkward]] },
    );
  });

  it("does not change the lock table it is given", () => {
    fc.assert(
      fc.property(lockTable, ({ holds, wants }) => {
        const before = [entriesOf(holds), entriesOf(wants)];
        for (const mine of holds.values()) Object.freeze(mine);
        waitForGraph(holds, wants);
        expect([entriesOf(holds), entriesOf(wants)], "the lock table as it was given").toEqual(before);
      }),
    );
  });
});

describe("findDeadlock with waitForGraph", () => {
  it("finds the deadlock when tasks hold locks in a circle and each wants the next one", () => {
    const circles = ["c1", "c2", "c3", "c4", "c5"];
    const others = ["b1", "b2", "b3"];
    const circleTable = fc
      .record({
        circle: fc.shuffledSubarray(circles, { minLength: 1 }),
        bystanders: fc.subarray(others),
        targets: fc.array(fc.nat(), { minLength: others.length, maxLength: others.length }),
        holdOrder: permutation([...circles, ...others]),
        wantOrder: permutation([...circles, ...others]),
      })
      .map(({ circle, bystanders, targets, holdOrder, wantOrder }) => {
        const lockOf = (t: TaskId) => `lock-${t}`;
        // Circle task i holds its own lock and wants the lock of task i + 1; the last wants the first's.
        // Bystanders hold a lock nobody wants and wait for a circle task's lock or a free one.
        const want = new Map<TaskId, string>();
        for (const [i, t] of circle.entries()) want.set(t, lockOf(circle[(i + 1) % circle.length]!));
        for (const [i, t] of bystanders.entries()) {
          const pick = targets[i]! % (circle.length + 1);
          want.set(t, pick < circle.length ? lockOf(circle[pick]!) : "free");
        }
        const present = (t: TaskId) => circle.includes(t) || bystanders.includes(t);
        const table: LockTable = {
          holds: new Map(holdOrder.filter(present).map((t) => [t, [lockOf(t)]])),
          wants: new Map(wantOrder.filter(present).map((t) => [t, want.get(t)!])),
        };
        return { table, circle };
      });
    fc.assert(
      fc.property(circleTable, ({ table, circle }) => {
        const cycle = findDeadlock(waitForGraph(table.holds, table.wants));
        const truth = expectedEdges(table);
        expect(sorted(tasksOfCycle(truth, cycle)), "the tasks that wait for each other in a circle").toEqual(
          sorted(circle),
        );
      }),
    );
  });

  it("finds none when every task takes its locks in one global order", () => {
    const ordered = ["L0", "L1", "L2", "L3", "L4", "L5", "L6", "L7"];
    const orderedTable = fc
      .record({
        owners: fc.array(fc.option(task, { nil: undefined }), {
          minLength: ordered.length,
          maxLength: ordered.length,
        }),
        next: fc.array(fc.option(fc.nat(), { nil: undefined }), {
          minLength: tasks.length,
          maxLength: tasks.length,
        }),
        order: permutation(tasks),
      })
      .map(({ owners, next, order }): LockTable => {
        const holds = new Map<TaskId, string[]>();
        const wants = new Map<TaskId, string>();
        for (const t of order) {
          const mine = ordered.filter((_, i) => owners[i] === t);
          holds.set(t, mine);
          // A task only ever asks for a lock later in the order than every lock it holds.
          const last = owners.lastIndexOf(t);
          const n = next[tasks.indexOf(t)];
          if (n !== undefined && last < ordered.length - 1)
            wants.set(t, ordered[last + 1 + (n % (ordered.length - 1 - last))]!);
        }
        return { holds, wants };
      });
    fc.assert(
      fc.property(orderedTable, ({ holds, wants }) => {
        expect(
          findDeadlock(waitForGraph(holds, wants)),
          "locks taken in one order cannot deadlock",
        ).toBeNull();
      }),
    );
  });
});
