/**
 * Exercise 01-concepts/actor — a message-passing actor ("black box").
 *
 * A mutex protects shared state by making callers take turns. Joe Armstrong's Erlang removes the sharing
 * instead: a program is made of isolated "black boxes" that share nothing and only exchange messages. Each
 * box, an *actor*, owns its state, keeps the messages it receives in a mailbox, and handles them one at a
 * time. Nobody else can touch the state, so there is nothing to race on, even when handling a message
 * awaits in the middle.
 *
 * Build `spawn`: it starts an actor and returns the only ways to talk to it, `send`, `ask` and `stop`.
 *
 * Read first: chapters/01-concepts/README.md#black-boxes-that-exchange-messages
 * Check yourself: npm test -- actor        Stuck? npm run hint -- actor
 */

/** What the actor does with one message: the new state and the reply. May be async. */
export type Behavior<S, M, R> = (state: S, message: M) => Promise<readonly [S, R]> | readonly [S, R];

/** The outside of an actor: its state stays inside, only messages and replies go through. */
export interface Actor<M, R> {
  /**
   * Put a message in the mailbox and return at once (fire and forget). Once the actor is stopped, throws an
   * Error whose message says that the actor is stopped.
   */
  send(message: M): void;
  /**
   * Put a message in the mailbox; resolves with the reply to this very message, or rejects with the error
   * its behavior threw. Once the actor is stopped, rejects (never throws) with an Error like send's.
   */
  ask(message: M): Promise<R>;
  /**
   * Stop taking messages; resolves once every message already in the mailbox has been handled. Calling it
   * again returns the same promise/behaves the same.
   */
  stop(): Promise<void>;
}

/** One message in the mailbox, with the two ways to answer whoever is waiting for it. */
interface Letter<M, R> {
  readonly message: M;
  readonly reply: (reply: R) => void;
  readonly fail: (error: unknown) => void;
}

const ignore = (): void => {};

/**
 * Start an actor with private state `initial`. Messages are handled one at a time, in the order they
 * arrived, each with the state the previous one left; the behavior is never re-entered, even when it
 * awaits. A message whose behavior throws leaves the state unchanged (its ask rejects with that error; for
 * send it is dropped) and the actor goes on with the next message.
 */
export function spawn<S, M, R>(initial: S, behavior: Behavior<S, M, R>): Actor<M, R> {
  // The state lives in this closure and no reference to it is handed out: only replies leave the actor.
  let state = initial;
  // Messages waiting for their turn, oldest first. Each carries its own reply callbacks, so every reply
  // goes to the caller of that very message, however many callers wait.
  const mailbox: Letter<M, R>[] = [];
  // True from the moment a drain loop is started until it finds the mailbox empty. At most one loop ever
  // runs, and only it calls the behavior: that is why the behavior is never re-entered, even when it awaits.
  let draining = false;
  let stopped = false;
  let stopping: Promise<void> | undefined;
  // Called whenever the drain loop ends; once stop() has been called, it resolves stop's promise.
  let drained: () => void = ignore;

  const drain = async (): Promise<void> => {
    // Checked again after every message: a message that arrives while one is being handled, even one the
    // behavior sends to its own actor, joins the end of the mailbox and is handled by this same loop.
    while (mailbox.length > 0) {
      const letter = mailbox.shift()!;
      try {
        // `await` unwraps an async behavior's promise, and turns a synchronous throw into the catch below.
        const [next, reply] = await behavior(state, letter.message);
        state = next;
        letter.reply(reply);
      } catch (error) {
        // The state stays as it was; the error goes to this message's caller only, and the loop goes on:
        // one bad message must not stop the actor from handling the next ones.
        letter.fail(error);
      }
    }
    draining = false;
    drained();
  };

  const post = (letter: Letter<M, R>): void => {
    if (stopped) throw new Error("the actor is stopped and takes no more messages");
    mailbox.push(letter);
    if (!draining) {
      draining = true;
      // Start on a later microtask, not on the caller's stack: send and ask return before the behavior runs.
      queueMicrotask(() => void drain());
    }
  };

  return {
    send(message: M): void {
      // Nobody waits for this reply. A failure is dropped here on purpose: turned into a rejected promise
      // that nobody handles, it would crash a Node process.
      post({ message, reply: ignore, fail: ignore });
    },
    ask(message: M): Promise<R> {
      // A throw from `post` inside the executor rejects the promise: a stopped actor rejects, never throws.
      return new Promise<R>((reply, fail) => post({ message, reply, fail }));
    },
    stop(): Promise<void> {
      if (stopping === undefined) {
        stopped = true;
        stopping = new Promise<void>((resolve) => {
          // Busy: the drain loop resolves this once the mailbox is empty, and as nothing new can arrive any
          // more, that is the end. Idle: nothing is left to handle.
          if (draining) drained = resolve;
          else resolve();
        });
      }
      return stopping;
    },
  };
}
