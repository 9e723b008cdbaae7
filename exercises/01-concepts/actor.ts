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

/**
 * Start an actor with private state `initial`. Messages are handled one at a time, in the order they
 * arrived, each with the state the previous one left; the behavior is never re-entered, even when it
 * awaits. A message whose behavior throws leaves the state unchanged (its ask rejects with that error; for
 * send it is dropped) and the actor goes on with the next message.
 */
export function spawn<S, M, R>(initial: S, behavior: Behavior<S, M, R>): Actor<M, R> {
  // TODO: keep the state, a first-in, first-out mailbox, and one drain loop that handles its messages.
  //       See chapters/01-concepts/README.md#black-boxes-that-exchange-messages
  throw new Error("TODO: spawn is not implemented yet");
}
