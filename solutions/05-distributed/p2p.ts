/**
 * Exercise 05-distributed/p2p — point-to-point messages with tags over MessagePorts.
 *
 * Ranks share nothing: rank r reaches rank q only through ports[q], one end of a MessageChannel. A port
 * delivers in order, but messages with different tags, and from different ranks, are all mixed in one
 * stream, and they arrive before anybody asked for them. Build the communicator's matching: keep the
 * messages nobody wants yet, keep the receives nothing matched yet, and pair each arrival with the
 * oldest receive that fits it, and each receive with the oldest message that fits it.
 *
 * (comm.ts does the same for runLocal and runWorkers. Try it yourself before you read it.)
 *
 * Read first: chapters/05-distributed/README.md#point-to-point-messages
 * Check yourself: npm test -- p2p        Stuck? npm run hint -- p2p
 */
import type { Comm } from "./comm.ts";

/** recv from any rank (the same value as in comm.ts). */
export const ANY_SOURCE = -1;
/** recv with any tag. */
export const ANY_TAG = -1;

/** One end of a line to another rank. Node's MessagePort is one; postMessage structured-clones. */
export interface Port {
  postMessage(message: unknown): void;
  on(event: "message", listener: (message: unknown) => void): unknown;
}

/** What goes down a port: the tag travels with the value. The source is the port it came from. */
interface Wire {
  readonly tag: number;
  readonly data: unknown;
}

interface Arrived {
  readonly source: number;
  readonly tag: number;
  readonly data: unknown;
}

interface Waiting {
  readonly source: number;
  readonly tag: number;
  readonly resolve: (data: unknown) => void;
}

/**
 * The communicator of rank `rank` among `ports.length` ranks: ports[q] leads to rank q, ports[rank] is null.
 * send(value, dest, tag = 0) posts { tag, data: value } on ports[dest] (to itself: delivered here, a
 * structured clone, a microtask later); it throws a RangeError for a dest that is no rank or a tag that is
 * not an integer >= 0. recv(source = ANY_SOURCE, tag = ANY_TAG) resolves with the oldest arrived message
 * that fits, or with the first one that arrives later; among several waiting receives, the oldest that fits
 * gets it.
 */
export function connect(rank: number, ports: readonly (Port | null)[]): Comm {
  const size = ports.length;
  // Messages that arrived before a receive wanted them, oldest first: never dropped.
  const arrived: Arrived[] = [];
  // Receives that found nothing yet, in the order they were called.
  const waiting: Waiting[] = [];
  const fits = (source: number, tag: number, m: Arrived) =>
    (source === ANY_SOURCE || source === m.source) && (tag === ANY_TAG || tag === m.tag);

  const arrive = (m: Arrived) => {
    const i = waiting.findIndex((w) => fits(w.source, w.tag, m));
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m.data);
    else arrived.push(m);
  };

  ports.forEach((port, source) => {
    port?.on("message", (message) => {
      const wire = message as Wire;
      arrive({ source, tag: wire.tag, data: wire.data });
    });
  });

  const isRank = (r: number) => Number.isInteger(r) && r >= 0 && r < size;
  return {
    rank,
    size,
    send(value: unknown, dest: number, tag = 0): void {
      if (!isRank(dest)) throw new RangeError(`send to rank ${dest}, but the ranks are 0..${size - 1}`);
      if (!Number.isInteger(tag) || tag < 0)
        throw new RangeError(`send with tag ${tag}: tags are integers >= 0`);
      if (dest !== rank) {
        ports[dest]!.postMessage({ tag, data: value } satisfies Wire);
        return;
      }
      // To itself: no port copies it, so copy it here, at the moment of the send, like a port would.
      const copy = { source: rank, tag, data: structuredClone(value) };
      queueMicrotask(() => arrive(copy));
    },
    recv<T>(source = ANY_SOURCE, tag = ANY_TAG): Promise<T> {
      const i = arrived.findIndex((m) => fits(source, tag, m));
      if (i >= 0) return Promise.resolve(arrived.splice(i, 1)[0]!.data as T);
      return new Promise<T>((resolve) =>
        waiting.push({ source, tag, resolve: resolve as (d: unknown) => void }),
      );
    },
  };
}
