/**
 * Caps what code under test can print. vitest buffers console output in memory (100 MB of logs cost
 * over 1 GB even with --silent), so an exercise that prints in a loop could take the grader down.
 * After `limitBytes` further output is dropped, with one notice saying so.
 */
export function capOutput(limitBytes: number): void {
  let written = 0;
  let noticed = false;

  const allow = (chunk: unknown): boolean => {
    written += typeof chunk === "string" ? chunk.length : ((chunk as { length?: number })?.length ?? 16);
    if (written <= limitBytes) return true;
    if (!noticed) {
      noticed = true;
      originalStderrWrite(
        `\n[grader] output capped at ${Math.round(limitBytes / 1024)} KB; the rest was dropped\n`,
      );
    }
    return false;
  };

  const originalStderrWrite = process.stderr.write.bind(process.stderr) as (text: string) => boolean;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((...args: unknown[]) => (allow(args[0]) ? write(...args) : true)) as typeof stream.write;
  }
  for (const method of ["log", "info", "warn", "error", "debug", "trace", "dir", "table"] as const) {
    const original = console[method].bind(console) as (...args: unknown[]) => void;
    console[method] = (...args: unknown[]) => {
      const size = args.reduce<number>((n, a) => n + (typeof a === "string" ? a.length : 64), 0);
      if (allow({ length: size })) original(...args);
    };
  }
}
