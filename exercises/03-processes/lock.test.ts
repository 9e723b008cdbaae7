import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createLockServer, type LockClient, type LockServer } from "./lock.ts";
import { forkProcess, waitForExit } from "./runtime.ts";

const servers: LockServer[] = [];
const folders: string[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function server(): LockServer {
  const created = createLockServer();
  servers.push(created);
  return created;
}

/**
 * A stand-in for a child process that the test drives by hand: it "sends" acquire and release messages to
 * the server, "exits", and records every grant the server sends it.
 */
class FakeChild extends EventEmitter implements LockClient {
  readonly grants: number[] = [];
  private nextId = 0;
  constructor(readonly name: string) {
    super();
  }
  send(message: { lock: string; id: number }): boolean {
    if (message.lock === "granted") this.grants.push(message.id);
    return true;
  }
  acquire(): number {
    const id = this.nextId++;
    this.emit("message", { lock: "acquire", id });
    return id;
  }
  release(id: number): void {
    this.emit("message", { lock: "release", id });
  }
  exit(): void {
    this.emit("exit", 0, null);
  }
}

/** Who holds the lock now, as the grants show it: each child's granted acquires minus its releases. */
function holders(children: readonly FakeChild[], released: Map<FakeChild, number>): string[] {
  return children.filter((c) => c.grants.length > (released.get(c) ?? 0)).map((c) => c.name);
}

type Step = { kind: "acquire" | "release" | "exit"; who: number };

describe("createLockServer", () => {
  it("grants the lock to one child at a time, first come first served", () => {
    const steps = fc.array(
      fc.record({
        kind: fc.constantFrom("acquire", "acquire", "release", "exit"),
        who: fc.integer({ min: 0, max: 3 }),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(steps, (plan: Step[]) => {
        const s = server();
        const children = [0, 1, 2, 3].map((i) => new FakeChild(`child ${i}`));
        for (const child of children) s.attach(child);
        // The model: one holder, a queue of waiting children (each child waits for one acquire at most).
        let holder: FakeChild | undefined;
        const queue: FakeChild[] = [];
        const gone = new Set<FakeChild>();
        const released = new Map<FakeChild, number>();
        const expectedGrants = new Map<FakeChild, number>(children.map((c) => [c, 0]));
        const grantNext = () => {
          if (holder || queue.length === 0) return;
          holder = queue.shift()!;
          expectedGrants.set(holder, expectedGrants.get(holder)! + 1);
        };
        const log: string[] = [];
        for (const { kind, who } of plan) {
          const child = children[who]!;
          if (gone.has(child)) continue;
          if (kind === "acquire") {
            if (holder === child || queue.includes(child)) continue; // one outstanding acquire per child
            child.acquire();
            queue.push(child);
            grantNext();
          } else if (kind === "release") {
            if (holder !== child) continue;
            child.release(child.grants.at(-1)!);
            released.set(child, (released.get(child) ?? 0) + 1);
            holder = undefined;
            grantNext();
          } else {
            child.exit();
            gone.add(child);
            const at = queue.indexOf(child);
            if (at >= 0) queue.splice(at, 1);
            if (holder === child) {
              released.set(child, (released.get(child) ?? 0) + 1);
              holder = undefined;
              grantNext();
            }
          }
          log.push(`${child.name} ${kind}`);
          for (const c of children) {
            expect(
              c.grants.length,
              `after ${log.join(", ")}: ${c.name} should have been granted the lock ${expectedGrants.get(c)} times (one holder at a time, in the order they asked)`,
            ).toBe(expectedGrants.get(c));
          }
          expect(
            holders(
              children.filter((c) => !gone.has(c)),
              released,
            ).length,
            `after ${log.join(", ")}: more than one child holds the lock`,
          ).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("grants each waiter with the id of its own acquire", () => {
    const s = server();
    const a = new FakeChild("a");
    const b = new FakeChild("b");
    s.attach(a);
    s.attach(b);
    const first = a.acquire();
    expect(a.grants, "a free lock is granted at once, with the acquire's id").toEqual([first]);
    const second = b.acquire();
    expect(b.grants, "a held lock makes the next child wait").toEqual([]);
    a.release(first);
    expect(b.grants, "the release hands the lock to the waiter, with its own acquire's id").toEqual([second]);
    // Each acquire waits its own turn, also a second one from the child that holds the lock.
    const again = b.acquire();
    const third = a.acquire();
    expect(b.grants, "an acquire from the holder itself waits while the lock is held").toEqual([second]);
    b.release(second);
    expect(
      b.grants,
      "the holder's second acquire came first, so it is granted next, with its own id",
    ).toEqual([second, again]);
    expect(a.grants, "a waits behind b's second acquire").toEqual([first]);
    b.release(again);
    expect(a.grants, "then a's acquire, with its own id").toEqual([first, third]);
  });

  it("ignores a release from a child that does not hold the lock", () => {
    const s = server();
    const [a, b, c] = ["a", "b", "c"].map((n) => new FakeChild(n)) as [FakeChild, FakeChild, FakeChild];
    for (const child of [a, b, c]) s.attach(child);
    const held = a.acquire();
    b.acquire();
    c.release(0);
    b.release(0);
    expect(b.grants, "only the holder can release the lock: b must still wait").toEqual([]);
    a.release(held + 1);
    expect(b.grants, "a release must name the acquire that was granted").toEqual([]);
    a.release(held);
    expect(b.grants, "the holder's release grants the next waiter").toEqual([0]);
  });

  it("releases the lock of a child that exits, and forgets its place in line", () => {
    const s = server();
    const [a, b, c] = ["a", "b", "c"].map((n) => new FakeChild(n)) as [FakeChild, FakeChild, FakeChild];
    for (const child of [a, b, c]) s.attach(child);
    a.acquire();
    b.acquire();
    b.acquire();
    c.acquire();
    b.exit();
    a.exit();
    expect(
      b.grants,
      "a child that exited while waiting must not be granted the lock: each of its waiting acquires is dropped",
    ).toEqual([]);
    expect(c.grants, "when the holder exits, the next live waiter gets the lock").toEqual([0]);

    // A holder that also waits in line (an acquire of its own after the one it holds) loses both at its exit.
    const again = server();
    const [d, e] = ["d", "e"].map((n) => new FakeChild(n)) as [FakeChild, FakeChild];
    for (const child of [d, e]) again.attach(child);
    d.acquire();
    d.acquire();
    e.acquire();
    d.exit();
    expect(
      d.grants,
      "a child that exited holding the lock and waiting for it again must not be granted it again: drop its waiting acquires first",
    ).toEqual([0]);
    expect(
      e.grants,
      "once the holder that also waited has exited, the next live waiter gets the lock",
    ).toEqual([0]);
  });

  it("ignores the child's other messages", () => {
    const s = server();
    const a = new FakeChild("a");
    s.attach(a);
    for (const other of [
      { hello: 1 },
      { lock: "acquire" },
      { lock: "acquire", id: "7" },
      null,
      "acquire",
      { lock: "steal", id: 0 },
    ]) {
      a.emit("message", other);
    }
    expect(a.grants, 'only { lock: "acquire", id: <number> } asks for the lock').toEqual([]);
    const id = a.acquire();
    expect(a.grants, "and a proper acquire still works").toEqual([id]);
  });

  it("stops serving once closed", () => {
    const s = server();
    const [a, b, c] = ["a", "b", "c"].map((n) => new FakeChild(n)) as [FakeChild, FakeChild, FakeChild];
    for (const child of [a, b, c]) s.attach(child);
    const held = a.acquire();
    b.acquire();
    s.close();
    c.acquire();
    expect(c.grants, "a closed server grants nothing").toEqual([]);
    a.release(held);
    expect(b.grants, "a closed server grants nothing, also to a child that waited before the close").toEqual(
      [],
    );
    a.acquire();
    a.exit();
    expect([a.grants, b.grants, c.grants], "a closed server grants nobody, whatever its children do").toEqual(
      [[held], [], []],
    );
  });

  it("keeps real child processes out of each other's critical sections, also when one dies holding the lock", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lock-"));
    folders.push(dir);
    const log = path.join(dir, "log");
    writeFileSync(log, "");
    const s = server();
    const worker = new URL("./lock-worker.ts", import.meta.url);
    const rounds = 4;
    const children = [
      forkProcess(worker, [log, "dies", "1", "die-holding"], { stdio: "ignore" }),
      ...["p", "q", "r"].map((name) => forkProcess(worker, [log, name, String(rounds)], { stdio: "ignore" })),
    ];
    for (const child of children) s.attach(child);
    const statuses = await Promise.all(children.map((child) => waitForExit(child, 20_000)));
    expect(
      statuses.map((st) => st.code),
      "every child should finish (one exits with code 3 while holding the lock; the others must not wait forever)",
    ).toEqual([3, 0, 0, 0]);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    let inside: string | undefined;
    for (const line of lines) {
      const [what, name, round] = line.split(" ");
      if (what === "begin") {
        expect(inside, `"${line}" while ${inside} was still in its critical section`).toBeUndefined();
        inside = name === "dies" ? undefined : `${name} ${round}`; // the dying child never ends its section
      } else {
        expect(inside, `"${line}" does not close the section that was open`).toBe(`${name} ${round}`);
        inside = undefined;
      }
    }
    for (const name of ["p", "q", "r"]) {
      expect(
        lines.filter((l) => l.startsWith(`end ${name} `)).length,
        `${name} should get the lock ${rounds} times`,
      ).toBe(rounds);
    }
  });
});
