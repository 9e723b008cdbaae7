/**
 * What a learner's code may use of the Node objects that given code and built-in modules hand it.
 *
 * A worker, a child process, a port or a stream is a door into Node's internals (its handle, its
 * buffers, the process it belongs to). The learner's view of one shows only the members its public
 * documentation describes for using it; everything else reads as undefined, and nothing can be written.
 * `emit` is left out on purpose: a learner may listen to the course's emitters, never speak for them.
 */
import { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { Readable, Writable } from "node:stream";
import { MessagePort, Worker } from "node:worker_threads";
import type { Facet } from "./membrane.ts";

const EVENTS = [
  "on",
  "once",
  "off",
  "addListener",
  "removeListener",
  "removeAllListeners",
  "prependListener",
  "prependOnceListener",
  "listenerCount",
];
const REFS = ["ref", "unref", "hasRef"];

const WORKER = new Set<string | symbol>([
  ...EVENTS,
  ...REFS,
  "threadId",
  "postMessage",
  "terminate",
  "stdout",
  "stderr",
  "resourceLimits",
]);
const CHILD_PROCESS = new Set<string | symbol>([
  ...EVENTS,
  ...REFS,
  "pid",
  "connected",
  "exitCode",
  "signalCode",
  "killed",
  "send",
  "disconnect",
  "kill",
  "stdout",
  "stderr",
  "stdin",
]);
const MESSAGE_PORT = new Set<string | symbol>([...EVENTS, ...REFS, "postMessage", "start", "close"]);
const READABLE = new Set<string | symbol>([
  ...EVENTS,
  "pipe",
  "unpipe",
  "read",
  "pause",
  "resume",
  "isPaused",
  "setEncoding",
  "destroy",
  "destroyed",
  "readable",
  "readableEnded",
  "readableLength",
  "closed",
  "errored",
  Symbol.asyncIterator,
]);
const WRITABLE = new Set<string | symbol>([
  ...EVENTS,
  "write",
  "end",
  "cork",
  "uncork",
  "destroy",
  "destroyed",
  "writable",
  "writableEnded",
  "writableFinished",
  "writableLength",
  "writableNeedDrain",
  "closed",
  "errored",
  "setDefaultEncoding",
]);
const DUPLEX = new Set<string | symbol>([...READABLE, ...WRITABLE]);
const EMITTER = new Set<string | symbol>(EVENTS);
const SPEAKING = new Set<string | symbol>(["emit"]);

/**
 * The facet for a host object: a Node class's public members; for the course's own emitters (a test's
 * stand-in child process) everything public but `emit`; undefined for other objects of the course.
 */
export function nodeFacetOf(host: object): Facet | undefined {
  // Every class below is an emitter: one check settles the course's plain objects and doubles.
  if (!(host instanceof EventEmitter) && !(host instanceof MessagePort)) return undefined;
  if (host instanceof Worker) return { only: WORKER };
  if (host instanceof ChildProcess) return { only: CHILD_PROCESS };
  if (host instanceof MessagePort) return { only: MESSAGE_PORT };
  const readable = host instanceof Readable;
  const writable = host instanceof Writable;
  if (readable && writable) return { only: DUPLEX };
  if (readable) return { only: READABLE };
  if (writable) return { only: WRITABLE };
  if (Object.getPrototypeOf(host) === EventEmitter.prototype) return { only: EMITTER };
  if (host instanceof EventEmitter) return { except: SPEAKING };
  return undefined;
}
