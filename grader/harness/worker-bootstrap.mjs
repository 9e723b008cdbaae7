// The first module of every harness worker (see startWorker in workers.ts).
//
// Node 20 cannot start a worker on a .ts file, and `execArgv: ["--import", "tsx"]` fails in workers there,
// so each worker starts here: register tsx's loader, lock the realm down, then import the real entry.
//
// Protocol: startWorker passes workerData = { __entry: file URL of the entry, __workerData: the caller's
// workerData }. Before the entry runs, worker_threads.workerData is set back to the caller's value, so the
// entry reads `workerData` exactly as with a plain `new Worker(entry, { workerData })`.
import { syncBuiltinESMExports } from "node:module";
import threads from "node:worker_threads";
import { register } from "tsx/esm/api";

const { __entry: entry, __workerData: workerData } = threads.workerData;
threads.workerData = workerData;
// `import { workerData } from "node:worker_threads"` is a copy taken at startup; this refreshes it.
syncBuiltinESMExports();
register();
// Hardened JavaScript before the entry runs: a worker that loads learner code confines it in this realm.
if (process.env.COURSE_UNCONFINED !== "1") {
  const { lockdownRealm } = await import("../src/confine/realm.ts");
  lockdownRealm();
}
await import(entry);
