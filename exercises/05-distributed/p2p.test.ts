import { MessageChannel, type MessagePort } from "node:worker_threads";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scaledWait, withDeadline } from "../../grader/harness/deadline.ts";
import { expectAllSettle, type Observed, observe } from "../../grader/harness/scheduler.ts";
import { ANY_SOURCE, ANY_TAG, connect, type Port } from "./p2p.ts";

/** A message of these tests: it says where it came from, so a receiver can be checked. */
interface Note {
  readonly id: number;
  readonly source: number;
  readonly dest: number;
  readonly tag: number;
}

/** A receive a rank makes: its filter, and the note it got (once it did). */
interface Receive {
  readonly dest: number;
  readonly source: number;
  readonly tag: number;
  /** Its place among this rank's receives, in the order they were called. */
  readonly order: number;
  readonly result: Observed<Note>;
}

const name = (x: number, any: string) => (x === -1 ? any : String(x));
const describeRecv = (r: Receive) =>
  `rank ${r.dest}'s receive #${r.order + 1}, recv(${name(r.source, "ANY_SOURCE")}, ${name(r.tag, "ANY_TAG")})`;
const describeNote = (n: Note) => `message #${n.id} (rank ${n.source} → rank ${n.dest}, tag ${n.tag})`;

/**
 * A port pair whose every message waits for a scheduled turn before it arrives, like a MessagePort: in
 * order on this line, but in any order relative to other lines and to what the ranks do meanwhile.
 */
class ScheduledPort implements Port {
  private readonly listeners: ((message: unknown) => void)[] = [];
  private readonly queue: unknown[] = [];
  peer: ScheduledPort | undefined;

  constructor(
    private readonly s: fc.Scheduler,
    private readonly label: string,
  ) {}

  postMessage(message: unknown): void {
    const peer = this.peer!;
    peer.queue.push(structuredClone(message));
    void this.s.schedule(Promise.resolve(), this.label).then(() => {
      const next = peer.queue.shift();
      for (const listener of peer.listeners) listener(next);
    });
  }

  on(_event: "message", listener: (message: unknown) => void): this {
    this.listeners.push(listener);
    return this;
  }
}

function scheduledPorts(s: fc.Scheduler, size: number): (Port | null)[][] {
  const ports: (ScheduledPort | null)[][] = Array.from({ length: size }, () => new Array(size).fill(null));
  for (let i = 0; i < size; i++)
    for (let j = i + 1; j < size; j++) {
      const a = new ScheduledPort(s, `line ${i}→${j}`);
      const b = new ScheduledPort(s, `line ${j}→${i}`);
      a.peer = b;
      b.peer = a;
      ports[i]![j] = a;
      ports[j]![i] = b;
    }
  return ports;
}

/** Random traffic: a number of ranks, the messages they send, and for each message the receive made for it. */
function traffic({ wildcards }: { wildcards: boolean }) {
  return fc.integer({ min: 1, max: 4 }).chain((size) =>
    fc
      .array(
        fc.record({
          source: fc.nat({ max: size - 1 }),
          dest: fc.nat({ max: size - 1 }),
          tag: fc.nat({ max: 2 }),
          anySource: wildcards ? fc.boolean() : fc.constant(false),
          anyTag: wildcards ? fc.boolean() : fc.constant(false),
          // Where this message's receive goes among its receiver's receives.
          place: fc.nat({ max: 20 }),
        }),
        { maxLength: 10 },
      )
      .map((list) => {
        const notes: Note[] = list.map(({ source, dest, tag }, id) => ({ id, source, dest, tag }));
        const receives = list
          .map((m, id) => ({
            id,
            dest: m.dest,
            source: m.anySource ? ANY_SOURCE : m.source,
            tag: m.anyTag ? ANY_TAG : m.tag,
            place: m.place,
          }))
          .sort((a, b) => a.place - b.place || a.id - b.id);
        return { size, notes, receives };
      }),
  );
}

type Traffic = { size: number; notes: Note[]; receives: { dest: number; source: number; tag: number }[] };

/** Every rank sends its notes in order and makes its receives in order, each step when the scheduler says. */
function run(s: fc.Scheduler, { size, notes, receives }: Traffic) {
  const ports = scheduledPorts(s, size);
  const comms = ports.map((own, rank) => connect(rank, own));
  const made: Receive[] = [];
  const steps: Observed<void>[] = [];
  for (let rank = 0; rank < size; rank++) {
    const mine = notes.filter((n) => n.source === rank);
    steps.push(
      observe(
        (async () => {
          for (const note of mine) {
            await s.schedule(Promise.resolve(), `rank ${rank} sends message #${note.id}`);
            comms[rank]!.send(note, note.dest, note.tag);
          }
        })(),
      ),
    );
    const wanted = receives.filter((r) => r.dest === rank);
    steps.push(
      observe(
        (async () => {
          for (const [order, r] of wanted.entries()) {
            await s.schedule(Promise.resolve(), `rank ${rank} calls receive #${order + 1}`);
            made.push({ ...r, order, result: observe(comms[rank]!.recv<Note>(r.source, r.tag)) });
          }
        })(),
      ),
    );
  }
  return { made, steps };
}

const fitsFilter = (r: { source: number; tag: number }, n: Note) =>
  (r.source === ANY_SOURCE || r.source === n.source) && (r.tag === ANY_TAG || r.tag === n.tag);

/** The checks that hold whatever the filters: right message, no loss, no duplicate, no overtaking. */
function checkMatching(notes: readonly Note[], made: readonly Receive[]) {
  const got = made.filter((r) => r.result.state() === "fulfilled");
  const seen = new Set<number>();
  for (const r of got) {
    const note = r.result.value()!;
    expect(
      typeof note === "object" && note !== null && Number.isInteger(note.id),
      `${describeRecv(r)} resolved with ${JSON.stringify(note)}, which is no message anybody sent: recv must resolve with the value that was sent`,
    ).toBe(true);
    expect(
      note.dest === r.dest && fitsFilter(r, note),
      `${describeRecv(r)} got ${describeNote(note)}, which does not fit it: a receive only takes messages from its source with its tag`,
    ).toBe(true);
    expect(
      seen.has(note.id),
      `${describeNote(note)} was received twice: each message goes to exactly one receive`,
    ).toBe(false);
    seen.add(note.id);
  }
  const left = notes.filter((n) => !seen.has(n.id));
  for (const r of made.filter((r) => r.result.state() === "pending"))
    for (const note of left.filter((n) => n.dest === r.dest))
      expect(
        fitsFilter(r, note),
        `${describeNote(note)} was never received although ${describeRecv(r)} still waits and it fits: a message that arrives before anybody wants it must be kept, and given to the first receive that fits`,
      ).toBe(false);
  // Non-overtaking: on one (source, tag), earlier receives get earlier messages.
  for (const a of got)
    for (const b of got) {
      const [na, nb] = [a.result.value()!, b.result.value()!];
      if (a.dest === b.dest && a.order < b.order && na.source === nb.source && na.tag === nb.tag)
        expect(
          na.id < nb.id,
          `${describeRecv(a)} got ${describeNote(na)} but the later ${describeRecv(b)} got the earlier ${describeNote(nb)}: messages from one source with one tag must be received in the order they were sent`,
        ).toBe(true);
    }
  // Oldest first, wildcards included: messages on one line arrive in the order they were sent, so an older
  // message from the same rank that fits a receive was either taken by an older receive or still to be had
  // (and then it, not a newer one, was the oldest that fits).
  const takenBy = new Map(got.map((r) => [r.result.value()!.id, r]));
  for (const r of got) {
    const n = r.result.value()!;
    for (const m of notes) {
      if (m.dest !== r.dest || m.source !== n.source || m.id >= n.id || !fitsFilter(r, m)) continue;
      const other = takenBy.get(m.id);
      expect(
        other !== undefined && other.order < r.order,
        `${describeRecv(r)} got ${describeNote(n)}, but the older ${describeNote(m)} from the same rank fits it too and ${other ? `went to the later ${describeRecv(other)}` : "was never received"}: a receive takes the oldest kept message that fits it, and an arriving message goes to the oldest waiting receive that fits it`,
      ).toBe(true);
    }
  }
}

describe("connect", () => {
  it("delivers each message to its receive, in sending order for one source and tag, whatever the delivery order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), traffic({ wildcards: false }), async (s, t) => {
        const { made, steps } = run(s, t);
        await expectAllSettle(s, steps, "ranks' send and receive loops");
        await expectAllSettle(
          s,
          made.map((r) => r.result),
          "receives (one per message sent)",
        );
        checkMatching(t.notes, made);
      }),
    );
  });

  it("matches ANY_SOURCE and ANY_TAG with the oldest message that fits, and keeps the others", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), traffic({ wildcards: true }), async (s, t) => {
        const { made, steps } = run(s, t);
        await expectAllSettle(s, steps, "ranks' send and receive loops");
        checkMatching(t.notes, made);
      }),
    );
  });

  it("keeps a message with another tag until a receive asks for that tag", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 6 }),
        async (s, tags) => {
          // Rank 0 sends one message per tag in `tags`; rank 1 receives them in the reverse order of tags.
          const t: Traffic = {
            size: 2,
            notes: tags.map((tag, id) => ({ id, source: 0, dest: 1, tag })),
            receives: [...tags].reverse().map((tag) => ({ dest: 1, source: 0, tag })),
          };
          const { made, steps } = run(s, t);
          await expectAllSettle(s, steps, "ranks' send and receive loops");
          await expectAllSettle(
            s,
            made.map((r) => r.result),
            "receives (one per message sent)",
          );
          checkMatching(t.notes, made);
        },
      ),
    );
  });

  it("delivers a send to itself as a copy taken at the send", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 5 }), fc.nat({ max: 3 }), async (items, tag) => {
        const comm = connect(0, [null]);
        const value = { items: [...items] };
        comm.send(value, 0, tag);
        value.items.push(99);
        const receive = observe(comm.recv<{ items: number[] }>(0, tag));
        // A microtask later: it has arrived before the event loop's next turn (a timer would be too late).
        await new Promise<void>((resolve) => setImmediate(resolve));
        expect(
          receive.state(),
          "a send to yourself is delivered a microtask later: a receive for it should have its message before the event loop's next turn",
        ).toBe("fulfilled");
        const got = await withDeadline(
          receive.promise,
          scaledWait(1_000),
          "recv of a message rank 0 sent to itself",
        );
        expect(
          got,
          "rank 0 sent itself a value and then changed it: the receive must get the value as it was at the send, a copy (structuredClone)",
        ).toEqual({ items });
        expect(
          got === value,
          "the receive got the sender's own object: a send to yourself must deliver a copy",
        ).toBe(false);
      }),
    );
  });

  it("works over real MessageChannels between ranks", async () => {
    await fc.assert(
      fc.asyncProperty(traffic({ wildcards: false }), async (t) => {
        const ports: (MessagePort | null)[][] = Array.from({ length: t.size }, () =>
          new Array(t.size).fill(null),
        );
        for (let i = 0; i < t.size; i++)
          for (let j = i + 1; j < t.size; j++) {
            const { port1, port2 } = new MessageChannel();
            ports[i]![j] = port1;
            ports[j]![i] = port2;
          }
        try {
          const comms = ports.map((own, rank) => connect(rank, own));
          for (const note of t.notes) comms[note.source]!.send(note, note.dest, note.tag);
          const made: Receive[] = [];
          for (let rank = 0; rank < t.size; rank++)
            for (const [order, r] of t.receives.filter((r) => r.dest === rank).entries())
              made.push({ ...r, order, result: observe(comms[rank]!.recv<Note>(r.source, r.tag)) });
          await withDeadline(
            Promise.all(made.map((r) => r.result.promise)),
            scaledWait(5_000),
            "the receives over MessageChannels (one per message sent)",
          );
          checkMatching(t.notes, made);
        } finally {
          for (const port of ports.flat()) port?.close();
        }
      }),
      { numRuns: 20 },
    );
  });

  it("refuses a send to a rank that does not exist or with a negative tag", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -3, max: 3 }), (size, offset) => {
        const ports: (Port | null)[] = new Array(size).fill(null).map(() => ({ postMessage() {}, on() {} }));
        ports[0] = null;
        const comm = connect(0, ports);
        const dest = offset < 0 ? offset : size + offset;
        expect(
          () => comm.send("x", dest),
          `send("x", ${dest}) with ranks 0..${size - 1} must throw a RangeError`,
        ).toThrow(RangeError);
        expect(
          () => comm.send("x", 0, -1 - Math.abs(offset)),
          "a send with a negative tag must throw a RangeError",
        ).toThrow(RangeError);
      }),
    );
    const posted: unknown[] = [];
    const ports: (Port | null)[] = [
      null,
      { postMessage: (m) => posted.push(m), on() {} },
      { postMessage() {}, on() {} },
    ];
    const comm = connect(0, ports);
    for (const dest of [-1, 3, 1.5, Number.NaN, Infinity])
      expect(
        () => comm.send("x", dest),
        `send("x", ${dest}) with ranks 0..2 must throw a RangeError`,
      ).toThrow(RangeError);
    for (const tag of [-1, 0.5, Number.NaN, Infinity, -Infinity])
      expect(() => comm.send("x", 1, tag), `send("x", 1, ${tag}): a tag must be an integer >= 0`).toThrow(
        RangeError,
      );
    expect(posted, "a refused send must post nothing").toEqual([]);
    // The last rank and tag 0 are fine.
    expect(() => comm.send("x", 2, 0), 'send("x", 2, 0) with ranks 0..2').not.toThrow();
  });

  it("knows its rank and the number of ranks", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((size) => fc.tuple(fc.constant(size), fc.nat({ max: size - 1 }))),
        ([size, rank]) => {
          const ports: (Port | null)[] = Array.from({ length: size }, (_, q) =>
            q === rank ? null : { postMessage() {}, on() {} },
          );
          const comm = connect(rank, ports);
          expect(comm.rank, `connect(${rank}, ${size} ports).rank`).toBe(rank);
          expect(comm.size, `connect(${rank}, ${size} ports).size`).toBe(size);
        },
      ),
      // One rank alone, and the last rank of several.
      { examples: [[[1, 0]], [[4, 3]]] },
    );
  });

  it("speaks { tag, data } on a port: posts the value with its tag, and receives what arrives the same way", async () => {
    const posted: unknown[] = [];
    const listeners: ((message: unknown) => void)[] = [];
    const port: Port = {
      postMessage: (message) => posted.push(message),
      on: (_event, listener) => listeners.push(listener),
    };
    const comm = connect(1, [port, null]);
    comm.send({ n: 1 }, 0, 3);
    comm.send("two", 0);
    expect(posted, 'send({ n: 1 }, 0, 3) then send("two", 0): what rank 1 posted on ports[0]').toEqual([
      { tag: 3, data: { n: 1 } },
      { tag: 0, data: "two" },
    ]);
    expect(listeners.length, "connect should listen for messages on every port").toBeGreaterThan(0);
    for (const listener of listeners) listener({ tag: 5, data: ["from rank 0"] });
    const got = await withDeadline(
      comm.recv(0, 5),
      scaledWait(1_000),
      "recv(0, 5) of a { tag: 5, data } from rank 0",
    );
    expect(got, 'recv(0, 5) after { tag: 5, data: ["from rank 0"] } arrived on ports[0]').toEqual([
      "from rank 0",
    ]);
  });

  it("recv() without arguments takes the oldest message from any rank, with any tag", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 3 })), { minLength: 1, maxLength: 6 }),
        async (plan) => {
          const listeners: ((message: unknown) => void)[][] = [[], [], []];
          const ports: (Port | null)[] = [0, 1, 2].map((q) =>
            q === 1
              ? null
              : {
                  postMessage() {},
                  on: (_event: "message", l: (m: unknown) => void) => listeners[q]!.push(l),
                },
          );
          const comm = connect(1, ports);
          // Messages arrive one by one, in the plan's order: from rank 0 or 2 by their port, from rank 1 by itself.
          for (const [k, [source, tag]] of plan.entries()) {
            if (source === 1) comm.send(k, 1, tag);
            else for (const l of listeners[source]!) l({ tag, data: k });
            await Promise.resolve();
            await Promise.resolve();
          }
          await new Promise<void>((resolve) => setImmediate(resolve));
          for (const k of plan.keys()) {
            const got = await withDeadline(
              comm.recv<number>(),
              scaledWait(1_000),
              "recv() with messages kept",
            );
            expect(
              got,
              `recv() with messages ${plan
                .slice(k)
                .map(([q, t], j) => `#${k + j} (rank ${q}, tag ${t})`)
                .join(", ")} kept, oldest first`,
            ).toBe(k);
          }
        },
      ),
    );
  });
});
