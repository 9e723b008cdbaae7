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
  // TODO: walk the graph depth-first from every task, and keep track of which tasks are on the path you
  //       are walking right now. See chapters/01-concepts/README.md#deadlock
  throw new Error("TODO: findDeadlock is not implemented yet");
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
  // TODO: first find out who holds each resource; then give every task that wants one an edge to its
  //       holder. See chapters/01-concepts/README.md#deadlock
  throw new Error("TODO: waitForGraph is not implemented yet");
}
