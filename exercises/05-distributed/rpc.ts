/**
 * Exercise 05-distributed/rpc — remote objects through a proxy, after Pyro.
 *
 * A server exposes some methods of an object on a port; a client's proxy turns `remote.deposit(10)` into a
 * request message and the reply into a promise. Replies may come back in any order (one call can take
 * longer than the next), so every request carries an id and every reply names the id it answers. An
 * exception on the server rejects the caller's promise with an Error of the same name and message. Only
 * the listed methods may be called: never `constructor`, `__proto__` or anything else the object inherits.
 *
 * Read first: chapters/05-distributed/README.md#rpc-proxies-and-what-they-hide
 * Check yourself: npm test -- rpc        Stuck? npm run hint -- rpc
 */

/** One end of a line, as in p2p.ts: Node's MessagePort is one. */
export interface Port {
  postMessage(message: unknown): void;
  on(event: "message", listener: (message: unknown) => void): unknown;
}

/** The rejection of a call to a method the server did not expose (or no longer exposes). */
export class NotExposedError extends Error {
  override name = "NotExposedError";
}

/** The client's view of T: every method returns a promise of what it returned on the server. */
export type Remote<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/**
 * Serve `methods` of `target` on `port`: each request { id, method, args } gets one reply { id, value } or
 * { id, error: { name, message } }. Returns stop(): from then on every request is refused with a
 * NotExposedError reply.
 */
export function expose<T extends object>(
  target: T,
  methods: readonly (keyof T & string)[],
  port: Port,
): () => void {
  // TODO: answer each request with one reply; only the methods listed may run.
  //       See chapters/05-distributed/README.md#rpc-proxies-and-what-they-hide
  throw new Error("TODO: expose is not implemented yet");
}

/** A proxy for the object exposed at the other end of `port`. */
export function proxy<T>(port: Port): Remote<T> {
  // TODO: a Proxy whose every property is a function that sends a request and waits for its own reply.
  //       See chapters/05-distributed/README.md#rpc-proxies-and-what-they-hide
  throw new Error("TODO: proxy is not implemented yet");
}
