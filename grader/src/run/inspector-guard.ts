/**
 * Keeps a signal from opening Node's inspector in this process.
 *
 * On Node 20 a SIGUSR1 from any process of the same uid starts the inspector on 127.0.0.1:9229, and the
 * sandbox's loopback is shared by everything in it: a learner's child process could signal the test
 * process and then run code in it through the inspector. Measured on Node 20.20: with a SIGUSR1
 * listener installed, the signal goes to the listener and the inspector never starts; removing the
 * listener later does not bring the inspector back (SIGUSR1 then ends the process, which scores as a
 * crash). Node 22.14 and later also have --disable-sigusr1; the listener works on every version.
 *
 * The sandbox already loads inspector-guard-preload.cjs into every node process it starts (NODE_OPTIONS,
 * see sandbox.ts); calling this too, first thing in the test setup and in every worker bootstrap, keeps
 * the guard where code runs outside the sandbox, e.g. `npm test`.
 */

const ignore = (): void => {};

export function guardInspector(target: NodeJS.Process = process): void {
  if (target.listeners("SIGUSR1").includes(ignore)) return;
  target.on("SIGUSR1", ignore);
}
