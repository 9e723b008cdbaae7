// Loaded by NODE_OPTIONS="--require=…" into every node process the sandbox starts, before any other code:
// a SIGUSR1 listener keeps the signal from opening Node's inspector (see inspector-guard.ts, which does
// the same for code that runs outside the sandbox). CommonJS: it runs before any loader, and costs a
// node process about 2 ms of CPU (an ES module preload costs 5).
process.on("SIGUSR1", () => {});
