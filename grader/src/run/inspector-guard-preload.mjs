// Loaded by NODE_OPTIONS="--import=…" into every node process the sandbox starts, before any other code:
// a SIGUSR1 listener keeps the signal from opening Node's inspector (see inspector-guard.ts, which does
// the same for code that runs outside the sandbox). Plain JavaScript: it runs before any TypeScript loader.
process.on("SIGUSR1", () => {});
