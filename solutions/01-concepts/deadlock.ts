/**
 * Exercise 01-concepts/deadlock — find a deadlock in a wait-for graph.
 *
 * A deadlock is a group of tasks in which every task waits for another task of the same group: none of
 * them can go on, so none of them ever will. Draw an edge t → u whenever task t waits for task u (u holds a
 * lock that t wants) and a deadlock is exactly a cycle in that wait-for graph. Databases and lock
 * debuggers find deadlocks this way, then break one by failing a task on the cycle.
 *
 * Build `waitForGraph` from a table of who holds and who wants which lock, then `findDeadlock`, which
 * returns one cycle of the graph, or null when there is none.
 *
 * Read first: chapters/01-concepts/README.md#deadlock
 * Check yourself: npm test -- deadlock        Stuck? npm run hint -- deadlock
 */

/** A task's name, e.g. "T1" or "transfer". */
export type TaskId = string;

/**
 * Who waits for whom: task → the tasks it waits for (an edge t → u means "t cannot go on until u does
 * something"). Tasks that only appear as targets wait for nobody.
 */
export type WaitForGraph = ReadonlyMap<TaskId, readonly TaskId[]>;

/**
 * One deadlock if there is any: a cycle [t0, t1, …, tk, t0] whose consecutive pairs are edges (first ===
 * last, no other repeats); null when the graph has no cycle. A self-loop [t, t] counts.
 *
 * When there are several cycles any one will do, and it may start at any of its tasks. Takes time
 * proportional to the number of tasks plus the number of edges, and does not change `graph`.
 *
 * @example findDeadlock(new Map([["A", ["B"]], ["B", ["C", "A"]]])) // → ["A", "B", "A"]
 * @example findDeadlock(new Map([["A", ["B", "C"]], ["B", ["C"]]])) // → null: C waits for nobody
 */
export function findDeadlock(graph: WaitForGraph): TaskId[] | null {
  // Three colours. A task missing from `colour` is white: not reached yet. Grey: on the path the search
  // is walking right now. Black: everything it waits for, directly or not, has been searched, no cycle.
  const colour = new Map<TaskId, "grey" | "black">();
  // A task that only appears as a target waits for nobody.
  const waitsFor = (task: TaskId): readonly TaskId[] => graph.get(task) ?? [];

  // The cycle may be anywhere, not only where the first task leads: search from every task that no
  // earlier search has reached. Black tasks are never searched twice, which keeps the whole O(V + E).
  for (const start of graph.keys()) {
    // Stryker disable next-line ConditionalExpression: a search from a finished task only re-reads its edges into finished tasks: same answer, still linear.
    if (colour.has(start)) continue;
    // An explicit stack instead of recursion, so a long chain of waits cannot overflow the call stack.
    // path[i] is a grey task; nextEdge[i] counts how many of its edges the search has followed so far.
    const path: TaskId[] = [start];
    const nextEdge: number[] = [0];
    colour.set(start, "grey");
    while (path.length > 0) {
      const top = path.length - 1;
      const task = path[top]!;
      const targets = waitsFor(task);
      const i = nextEdge[top]!;
      if (i === targets.length) {
        // No cycle runs through `task`: finish it and step back to the task that led here.
        // Stryker disable next-line StringLiteral: the search only asks "grey?" and "reached at all?", so any other mark means black.
        colour.set(task, "black");
        path.pop();
        nextEdge.pop();
        continue;
      }
      nextEdge[top] = i + 1;
      const next = targets[i]!;
      const seen = colour.get(next);
      if (seen === "grey") {
        // `next` is on the path: the path from `next` to `task`, plus this edge back to `next`, is a
        // cycle. The tasks before `next` only lead into the cycle and are not part of the deadlock.
        // (A self-loop is the same case: next === task, and the cycle is [task, task].)
        return [...path.slice(path.indexOf(next)), next];
      }
      if (seen === undefined) {
        colour.set(next, "grey");
        path.push(next);
        nextEdge.push(0);
      }
      // Black: searched before, with no cycle through it. Two tasks that wait for the same task reach
      // it twice, and that is not a cycle.
    }
  }
  return null;
}

/**
 * Build the wait-for graph from a lock table: `holds` maps each task to the resources (lock names) it
 * holds, `wants` maps a blocked task to the one resource it is waiting for. t waits for u when t wants a
 * resource u holds (t may equal u: a task waiting for a lock it already holds deadlocks on itself). Every
 * task of holds or wants is a key of the result (with [] when it waits for nobody).
 *
 * Locks are exclusive: a resource is held by at most one task. A task that wants a resource nobody holds
 * is about to get it, so it waits for nobody. Neither map is changed.
 *
 * @example waitForGraph(new Map([["A", ["x"]], ["B", ["y"]]]), new Map([["A", "y"], ["B", "x"]]))
 *   // → Map { "A" → ["B"], "B" → ["A"] }: each holds what the other wants
 */
export function waitForGraph(
  holds: ReadonlyMap<TaskId, readonly string[]>,
  wants: ReadonlyMap<TaskId, string>,
): Map<TaskId, TaskId[]> {
  // Turn the table around once, resource → holder, so each waiting task finds its holder in one look-up
  // instead of scanning every task's locks.
  const holder = new Map<string, TaskId>();
  for (const [task, resources] of holds) {
    for (const resource of resources) holder.set(resource, task);
  }

  const graph = new Map<TaskId, TaskId[]>();
  // Every task is a node, even one that waits for nobody: others may wait for it.
  for (const task of holds.keys()) graph.set(task, []);
  for (const [task, resource] of wants) {
    const owner = holder.get(resource);
    // Nobody holds it: the task gets the lock as soon as it asks, so it waits for nobody.
    // owner === task is kept: waiting for a lock you hold yourself is a deadlock of one.
    graph.set(task, owner === undefined ? [] : [owner]);
  }
  return graph;
}
