// What survives the trip to another thread or process. postMessage uses the structured clone algorithm
// (like structuredClone()); fork's IPC uses JSON unless you ask for serialization: "advanced". Node's
// "must be picklable" is "must be structured-cloneable", and JSON is stricter still.
// Run: npx tsx chapters/03-processes/examples/structured-clone.ts
import { fork } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm() {
    return Math.hypot(this.x, this.y);
  }
}

const values: [string, unknown][] = [
  ["a Map", new Map([["a", 1]])],
  ["a Set", new Set([1, 2])],
  ["a Date", new Date(0)],
  ["a BigInt", 10n ** 20n],
  ["undefined in an object", { a: undefined }],
  ["NaN", Number.NaN],
  ["a typed array", new Uint8Array([1, 2, 3])],
  ["a class instance", new Point(3, 4)],
  [
    "a cycle",
    (() => {
      const o: { self?: unknown } = {};
      o.self = o;
      return o;
    })(),
  ],
  ["a function", { f: () => 1 }],
  ["a symbol", Symbol("s")],
];

/** One line, as console.log would show it: a class instance shows its class name, a plain object none. */
const describe = (v: unknown): string => inspect(v, { depth: 2, breakLength: Number.POSITIVE_INFINITY });

function viaStructuredClone(v: unknown): string {
  try {
    return describe(structuredClone({ v }).v);
  } catch (error) {
    return `✗ ${(error as Error).name}`;
  }
}

const dir = mkdtempSync(path.join(tmpdir(), "clone-"));
const echo = path.join(dir, "echo.mjs");
writeFileSync(echo, `process.on("message", (m) => process.send(m));\n`);

/** One echo child per serialization, reused for every value: a fork per value would cost seconds. */
const children = {
  json: fork(echo, [], { serialization: "json", stdio: "ignore" }),
  advanced: fork(echo, [], { serialization: "advanced", stdio: "ignore" }),
};

async function viaFork(serialization: "json" | "advanced", v: unknown): Promise<string> {
  const child = children[serialization];
  try {
    // Wrapped in an object, as a message usually is. Serializing happens in send: it throws at once.
    child.send({ v } as never);
    const [back] = await once(child, "message");
    return describe((back as { v: unknown }).v);
  } catch (error) {
    return `✗ ${(error as Error).name}`;
  }
}

console.log(`${"value".padEnd(24)}${"structuredClone".padEnd(34)}${"fork, json".padEnd(34)}fork, advanced`);
for (const [label, v] of values) {
  const row = [viaStructuredClone(v), await viaFork("json", v), await viaFork("advanced", v)];
  console.log(`${label.padEnd(24)}${row[0]!.padEnd(34)}${row[1]!.padEnd(34)}${row[2]}`);
}
for (const child of Object.values(children)) child.kill();
rmSync(dir, { recursive: true, force: true });
console.log(
  "\nA class instance arrives as a plain object: its data survives, its prototype (and norm()) does not.",
);
