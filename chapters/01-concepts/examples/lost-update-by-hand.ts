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

// Four time slots; an interleaving is the choice of which two slots are A's (each thread's steps keep
// their order). With only 2 + 2 steps we can simply try every choice of slots: 4 choose 2 = 6 runs.
function runsOfTwoStepThreads(a: Step[], b: Step[]): Step[][] {
  const runs: Step[][] = [];
  for (let slotsOfA = 0; slotsOfA < 16; slotsOfA++) {
    if (slotsOfA.toString(2).replaceAll("0", "").length !== 2) continue;
    const nextA = [...a];
    const nextB = [...b];
    runs.push([0, 1, 2, 3].map((slot) => ((slotsOfA >> slot) & 1 ? nextA.shift()! : nextB.shift()!)));
  }
  return runs;
}

for (const run of runsOfTwoStepThreads(threadA, threadB)) {
  let x = 0;
  const loaded: Record<string, number> = {};
  for (const step of run) {
    if (step.op === "load") loaded[step.thread] = x;
    else x = loaded[step.thread]! + 1;
  }
  const label = run.map((s) => `${s.thread}.${s.op}`).join("  ");
  console.log(`${label.padEnd(36)} x = ${x}${x === 2 ? "" : "   ← an update was lost"}`);
}
