// What survives the trip to another thread or process. postMessage uses the structured clone algorithm
// (like structuredClone()); fork's IPC uses JSON unless you ask for serialization: "advanced". Node's
// "must be picklable" is "must be structured-cloneable", and JSON is stricter still.
// Run: npx tsx chapters/03-processes/examples/structured-clone.ts
import { fork } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

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

const describe = (v: unknown): string => {
  if (v instanceof Map) return `Map(${v.size})`;
  if (v instanceof Set) return `Set(${v.size})`;
  if (v instanceof Date) return `Date ${v.toISOString()}`;
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array) return `Uint8Array [${[...v]}]`;
  if (v && typeof v === "object") {
    const proto = Object.getPrototypeOf(v) === Object.prototype ? "" : `${v.constructor.name} `;
    try {
      return proto + JSON.stringify(v);
    } catch {
      return `${proto}(cyclic)`;
    }
  }
  return String(v);
};

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

async function viaFork(serialization: "json" | "advanced", v: unknown): Promise<string> {
  const child = fork(echo, [], { serialization, stdio: "ignore" });
  try {
    // Wrapped in an object, as a message usually is: child.send refuses some values on their own.
    child.send({ v } as never);
    const [back] = await Promise.race([once(child, "message"), once(child, "error")]);
    return describe((back as { v: unknown }).v);
  } catch (error) {
    return `✗ ${(error as Error).name}`;
  } finally {
    child.kill();
  }
}

console.log(`${"value".padEnd(24)}${"structuredClone".padEnd(30)}${"fork, json".padEnd(26)}fork, advanced`);
for (const [label, v] of values) {
  const row = [viaStructuredClone(v), await viaFork("json", v), await viaFork("advanced", v)];
  console.log(`${label.padEnd(24)}${row[0]!.padEnd(30)}${row[1]!.padEnd(26)}${row[2]}`);
}
rmSync(dir, { recursive: true, force: true });
console.log(
  "\nA class instance arrives as a plain object: its data survives, its prototype (and norm()) does not.",
);
