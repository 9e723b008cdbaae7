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

/**
 * The communicator of rank `rank` among `ports.length` ranks: ports[q] leads to rank q, ports[rank] is null.
 * send(value, dest, tag = 0) posts { tag, data: value } on ports[dest] (to itself: delivered here, a
 * structured clone, a microtask later); it throws a RangeError for a dest that is no rank or a tag that is
 * not an integer >= 0. recv(source = ANY_SOURCE, tag = ANY_TAG) resolves with the oldest arrived message
 * that fits, or with the first one that arrives later; among several waiting receives, the oldest that fits
 * gets it.
 */
export function connect(rank: number, ports: readonly (Port | null)[]): Comm {
  // TODO: listen on every port; keep the messages that arrived and the receives that wait, each oldest
  //       first, and match them. See chapters/05-distributed/README.md#point-to-point-messages
  throw new Error("TODO: connect is not implemented yet");
}
