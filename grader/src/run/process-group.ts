/** Ending a whole process group: a test run and everything it started, whatever they do with signals. */

/** Signal every process in the group led by `pid`; an empty group is not an error. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals = "SIGKILL"): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
