import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { runningDescendants, waitForNoDescendants } from "../harness/descendants.ts";
import { forkTs } from "../harness/processes.ts";
import { cleanupTracked, liveTracked, track } from "../harness/resources.ts";

const fixture = (name: string) => new URL(`./fixtures/harness/${name}`, import.meta.url);

afterEach(async () => {
  await cleanupTracked();
});

describe("runningDescendants", () => {
  it("finds a child and its grandchild, and nothing once they are killed", async () => {
    const child = forkTs(fixture("stubborn-parent.ts"));
    const [{ grandchild }] = (await once(child, "message")) as [{ grandchild: number }];
    const pids = runningDescendants().map((p) => p.pid);
    expect(pids).toContain(child.pid);
    expect(pids).toContain(grandchild);
    const info = runningDescendants().find((p) => p.pid === grandchild)!;
    expect(info.ppid).toBe(child.pid);
    expect(runningDescendants(grandchild)).toEqual([]);
    await cleanupTracked();
    expect(await waitForNoDescendants(5_000)).toEqual([]);
  });

  it("returns what is still running when the wait runs out", async () => {
    const child = forkTs(fixture("sleeper.ts"));
    const left = await waitForNoDescendants(50);
    expect(left.map((p) => p.pid)).toContain(child.pid);
  });
});

describe("liveTracked", () => {
  it("lists the tracked resources that still run, and forgets the ended ones", () => {
    let alive = true;
    const forget = track({ description: "a thing", alive: () => alive, end: () => {} });
    expect(liveTracked()).toContain("a thing");
    alive = false;
    expect(liveTracked()).not.toContain("a thing");
    forget();
  });
});
