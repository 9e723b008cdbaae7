// Two threads each run `x = x + 1` as a load and a store. Enumerate every interleaving and run it by hand
// on a shared variable, to see which runs lose an update.
// Run: npx tsx chapters/01-concepts/examples/lost-update-by-hand.ts

type Step = { thread: "A" | "B"; op: "load" | "store" };

const threadA: Step[] = [
  { thread: "A", op: "load" },
  { thread: "A", op: "store" },
];
const threadB: Step[] = [
  { thread: "B", op: "load" },
  { thread: "B", op: "store" },
];

function merges(a: Step[], b: Step[]): Step[][] {
  if (a.length === 0) return [b];
  if (b.length === 0) return [a];
  return [
    ...merges(a.slice(1), b).map((run) => [a[0]!, ...run]),
    ...merges(a, b.slice(1)).map((run) => [b[0]!, ...run]),
  ];
}

for (const run of merges(threadA, threadB)) {
  let x = 0;
  const loaded: Record<string, number> = {};
  for (const step of run) {
    if (step.op === "load") loaded[step.thread] = x;
    else x = loaded[step.thread]! + 1;
  }
  const label = run.map((s) => `${s.thread}.${s.op}`).join("  ");
  console.log(`${label.padEnd(36)} x = ${x}${x === 2 ? "" : "   ← an update was lost"}`);
}
