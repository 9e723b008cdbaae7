/**
 * Given code for chapter 3 (do not edit): a child process of the 03-processes/lock tests.
 *
 * Usage (argv): <log file> <name> <rounds> [die-holding]. Each round takes the parent's lock, appends
 * "begin <name> <round>" to the log file, waits a little, appends "end <name> <round>" and releases the
 * lock. With "die-holding" it takes the lock once and exits without releasing it.
 */
import { appendFileSync } from "node:fs";
import { connectLock } from "./lock-client.ts";

const [file, name, rounds, mode] = process.argv.slice(2);
const lock = connectLock();
const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

if (mode === "die-holding") {
  await lock.acquire();
  appendFileSync(file!, `begin ${name} 0\n`);
  process.exit(3);
}
for (let round = 0; round < Number(rounds); round++) {
  await lock.acquire();
  appendFileSync(file!, `begin ${name} ${round}\n`);
  await pause();
  appendFileSync(file!, `end ${name} ${round}\n`);
  lock.release();
}
process.exit(0);
