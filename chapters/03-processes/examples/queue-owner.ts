/**
 * queue-owner.ts — one thread owns the line of work; the workers ask it for the next job by message.
 *
 *   npx tsx chapters/03-processes/examples/queue-owner.ts
 *
 * First a pipe in one thread: what one port of a MessageChannel posts, the other takes off in order, and
 * receiveMessageOnPort takes a message that has already arrived without waiting. Then three worker threads
 * each get a port of their own to the main thread, which holds the jobs and answers every "next?" with the
 * front job, or with the poison pill null once the jobs are gone: one pill per worker. Each worker stops at
 * its pill, lets go of its port, and ends by itself.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";

// 1. A pipe: two ends, first in, first out.
const { port1: a, port2: b } = new MessageChannel();
for (const word of ["first", "in", "first", "out"]) a.postMessage(word);
const taken: string[] = [];
for (let m = receiveMessageOnPort(b); m; m = receiveMessageOnPort(b)) taken.push(m.message as string);
console.log(`pipe: b received "${taken.join(" ")}" in the order a sent it`);
a.close();

// 2. A line of work owned by this thread, served to three workers over ports of their own.
const jobs = Array.from({ length: 12 }, (_, k) => 25 + (k % 4)); // fib(25) … fib(28): a few ms each
let head = 0;
const workerSource = `
  const { workerData } = require("node:worker_threads");
  const port = workerData.port;
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  let done = 0;
  port.on("message", (job) => {
    if (job === null) {            // the poison pill: stop, and keep nothing listening
      port.postMessage({ stopped: done });
      port.close();
      return;
    }
    port.postMessage({ job, result: fib(job.n) });
    done++;
    port.postMessage("next?");
  });
  port.postMessage("next?");
`;

const log: string[] = [];
const served = new Set<number>();
const doneBy = new Map<string, number[]>();
function serve(name: string, port: MessagePort): void {
  port.on("message", (message: "next?" | { job: { id: number }; result: number } | { stopped: number }) => {
    if (message === "next?") {
      // Only this thread touches `head`: no two workers can be handed the same job.
      port.postMessage(head < jobs.length ? { id: head, n: jobs[head++] } : null);
    } else if ("job" in message) {
      if (served.has(message.job.id)) throw new Error(`job ${message.job.id} was done twice`);
      served.add(message.job.id);
      doneBy.set(name, [...(doneBy.get(name) ?? []), message.job.id]);
    } else {
      log.push(
        `${name} did jobs [${(doneBy.get(name) ?? []).join(", ")}], then got its pill (${message.stopped} jobs)`,
      );
    }
  });
}

const exits = ["w0", "w1", "w2"].map((name) => {
  const { port1: mine, port2: theirs } = new MessageChannel();
  serve(name, mine);
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { port: theirs },
    transferList: [theirs],
  });
  return new Promise<string>((resolve) =>
    worker.once("exit", (code) => resolve(`${name} ended (code ${code})`)),
  );
});
const ended = await Promise.all(exits);
console.log(log.join("\n"));
console.log(ended.join(", "));
console.log(`${served.size} of ${jobs.length} jobs done, each exactly once`);
if (served.size !== jobs.length) process.exitCode = 1;
