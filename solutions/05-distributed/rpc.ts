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

interface Request {
  readonly id: number;
  readonly method: string;
  readonly args: readonly unknown[];
}
type Reply =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

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
  const allowed = new Set<string>(methods);
  let stopped = false;
  port.on("message", async (message) => {
    const { id, method, args } = message as Request;
    let reply: Reply;
    try {
      // Only the allow-list decides: `target[method]` alone would also find constructor and toString.
      if (stopped || !allowed.has(method))
        throw new NotExposedError(`${method} is not exposed${stopped ? " any more" : ""}`);
      const fn = (target as Record<string, unknown>)[method];
      if (typeof fn !== "function") throw new NotExposedError(`${method} is not a method`);
      reply = { id, value: await fn.apply(target, args) };
    } catch (error) {
      const { name, message } =
        error instanceof Error
          ? error
          : { name: "Error", message: `a non-Error was thrown: ${String(error)}` };
      reply = { id, error: { name, message } };
    }
    port.postMessage(reply);
  });
  return () => {
    stopped = true;
  };
}

function revive({ name, message }: { name: string; message: string }): Error {
  const error = name === "NotExposedError" ? new NotExposedError(message) : new Error(message);
  error.name = name;
  return error;
}

/** A proxy for the object exposed at the other end of `port`. */
export function proxy<T>(port: Port): Remote<T> {
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  port.on("message", (message) => {
    const reply = message as Reply;
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    if ("error" in reply) call.reject(revive(reply.error));
    else call.resolve(reply.value);
  });
  return new Proxy({} as Remote<T>, {
    get(_, method) {
      if (typeof method !== "string" || method === "then") return undefined; // not a thenable
      return (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          port.postMessage({ id, method, args } satisfies Request);
        });
    },
  });
}
