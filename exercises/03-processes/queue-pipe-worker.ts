/**
 * Given code for chapter 3 (do not edit: grading always uses the course's own copy).
 *
 * A worker thread of the 03-processes/queue-pipe tests. It runs your queue-pipe.ts (the copy being
 * graded, compiled by the test and run confined here, as in the test process) in a thread of its own. Started with startThread, it waits
 * for one message from the test, { learner, job, port }, with `port` in the transferList, and then does
 * the job:
 *
 *   "produce"  open the queue on `port`, put `items` one after another, close the view, then post
 *              { produced: number of items }
 *   "consume"  open the queue on `port`, run consume() until the poison pill, then post
 *              { received: the items in the order handled, handled: consume()'s result }
 *   "receive"  connect to the pipe end `port`; before anything is sent, try recv(0) and recv(timeoutMs) and
 *              post { ready: what each gave }; then wait for the test's "go" (sent once the values are on
 *              their way, so no recv has to wait), recv `count` values and post { received: them }
 *   "echo"     connect to the pipe end `port` and post { ready: [] }; then send back every value received
 *              until recv rejects, and post { ended: recv's error message, echoed: how many values it sent back }
 *
 * Apart from a producer's view of the queue, it closes nothing: when its job is done it simply ends,
 * which it can only do if your code left nothing listening. Failures reach the test as the worker's
 * 'error' event.
 */
import { type MessagePort, parentPort } from "node:worker_threads";
import { importLearnerModule, type LearnerModuleRef } from "../../grader/src/confine/import.ts";
import { lockdownRealm } from "../../grader/src/confine/realm.ts";
import { isUnconfined } from "../../grader/src/vitest/env.ts";
import type * as QueuePipe from "./queue-pipe.ts";

// Hardened JavaScript before anything of the learner's runs in this thread.
if (!isUnconfined()) lockdownRealm();

export type QueuePipeJob =
  | { readonly job: "produce"; readonly items: readonly number[] }
  | { readonly job: "consume" }
  | { readonly job: "receive"; readonly timeoutMs: number; readonly count: number }
  | { readonly job: "echo" };

export type QueuePipeStart = QueuePipeJob & {
  readonly learner: LearnerModuleRef;
  readonly port: MessagePort;
};

export type QueuePipeReport =
  | { readonly produced: number }
  | { readonly received: number[]; readonly handled?: number }
  | { readonly ready: string[] }
  | { readonly ended: string; readonly echoed: number };

const report = (message: QueuePipeReport) => parentPort!.postMessage(message);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

parentPort!.once("message", async (start: QueuePipeStart) => {
  const learner = await importLearnerModule<typeof QueuePipe>(start.learner);
  if (start.job === "produce") {
    const queue = learner.openQueue<number>(start.port);
    for (const item of start.items) await queue.put(item);
    queue.close();
    report({ produced: start.items.length });
  } else if (start.job === "consume") {
    const queue = learner.openQueue<number | null>(start.port);
    const received: number[] = [];
    const handled = await learner.consume(queue, (item) => {
      received.push(item);
    });
    report({ received, handled });
  } else if (start.job === "receive") {
    const end = learner.connect<number>(start.port);
    const ready: string[] = [];
    for (const timeoutMs of [0, start.timeoutMs]) {
      ready.push(
        await end.recv(timeoutMs).then(
          (value) => `received ${value}`,
          (error: unknown) => describe(error),
        ),
      );
    }
    report({ ready });
    await new Promise((resolve) => parentPort!.once("message", resolve));
    const received: number[] = [];
    for (let i = 0; i < start.count; i++) received.push(await end.recv());
    report({ received });
  } else {
    const end = learner.connect<number>(start.port);
    // The test closes its end only after this: Node never tells a port that was in transit that its
    // partner closed.
    report({ ready: [] });
    let echoed = 0;
    for (;;) {
      let value: number;
      try {
        value = await end.recv();
      } catch (error) {
        report({ ended: describe(error), echoed });
        break;
      }
      end.send(value);
      echoed++;
    }
  }
});
