/**
 * The sandbox's confinement, tested directly on the command lines sandbox.ts builds (no vitest, no
 * grading): a child process that tries every reach into its parent (the test process's place), and a
 * process that tries to write where it should not or more than it may. attacks.test.ts checks the same
 * through a graded submission.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromRoot, repoRoot, scratchDir } from "../src/paths.ts";
import { unreadableNode } from "../src/run/node-binary.ts";
import {
  allocateId,
  detectSandbox,
  handOver,
  type SandboxSpec,
  sandboxedCommand,
} from "../src/run/sandbox.ts";
import { DENIED_CALLS, seccompFilter, seccompFilterFile } from "../src/run/seccomp.ts";

const fixtures = fromRoot("grader/test/fixtures/reach");
const folders: string[] = [];
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const bubblewrap = detectSandbox().kind === "bubblewrap";
/** Without Yama (or with ptrace_scope 0) nothing but our measures keeps a child out of its parent. */
const noYama =
  !existsSync("/proc/sys/kernel/yama/ptrace_scope") ||
  readFileSync("/proc/sys/kernel/yama/ptrace_scope", "utf8").trim() === "0";
const hasPerl = spawnSync("perl", ["-e", "1"]).status === 0;
/** Generous: the whole exchange takes about a second; this only stops a hang. */
const BACKSTOP_MS = 60_000;

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function spec(kind: SandboxSpec["kind"]): SandboxSpec {
  const dir = mkdtempSync(path.join(scratchDir, "confinement-"));
  folders.push(dir);
  const submission = path.join(dir, "submission");
  const scratch = path.join(dir, "scratch");
  mkdirSync(submission);
  mkdirSync(scratch);
  const hint = path.join(scratch, "current-test.txt");
  writeFileSync(hint, "");
  const base = { kind, courseRoot: repoRoot, submission, scratch, scratchFiles: [hint] };
  if (kind === "none") return base;
  const node = unreadableNode();
  if (kind === "bubblewrap") {
    const seccomp = seccompFilterFile(dir);
    return { ...base, node, ...(seccomp ? { seccomp } : {}) };
  }
  const uid = allocateId();
  handOver(scratch, { uid, gid: uid }, "private");
  return { ...base, node, uid, gid: uid };
}

/** Start `script` (a fixture) under `sandbox` as vitest starts its test process: with an IPC channel. */
function start(sandbox: SandboxSpec, script: string, args: readonly string[] = []): ChildProcess {
  const {
    command,
    args: argv,
    uid,
    gid,
  } = sandboxedCommand(sandbox, [process.execPath, path.join(fixtures, script), ...args]);
  return spawn(command, argv, {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
  });
}

type Verdicts = Record<string, string>;

async function reachesFrom(sandbox: SandboxSpec): Promise<Verdicts> {
  const parent = start(sandbox, "parent.mjs");
  let stderr = "";
  parent.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  parent.stdout?.resume();
  const backstop = setTimeout(() => parent.kill("SIGKILL"), BACKSTOP_MS);
  try {
    return await new Promise<Verdicts>((resolve, reject) => {
      parent.once("message", (message) => resolve(message as Verdicts));
      parent.once("exit", (code, signal) =>
        reject(new Error(`the parent ended (${code ?? signal}) without verdicts:\n${stderr}`)),
      );
    });
  } finally {
    clearTimeout(backstop);
  }
}

const reaches = [
  "mem (read)",
  "mem (write)",
  "fd (open)",
  "environ",
  "inherited descriptors",
  "inspector",
  ...(hasPerl ? ["ptrace", "process_vm_readv", "kcmp", "pidfd_getfd"] : []),
];

function expectAllDenied(verdicts: Verdicts): void {
  const got = Object.fromEntries(reaches.map((reach) => [reach, verdicts[reach]?.split(":")[0]]));
  const want = Object.fromEntries(reaches.map((reach) => [reach, "denied"]));
  expect(got, JSON.stringify(verdicts, null, 2)).toEqual(want);
}

describe("a child process cannot reach into its parent, the test process", () => {
  it.runIf(bubblewrap)("under bubblewrap", async () => {
    const verdicts = await reachesFrom(spec("bubblewrap"));
    expectAllDenied(verdicts);
    expect(verdicts["SIGUSR1 listeners"], "the inspector guard is preloaded").toBe("1");
  });

  it.runIf(isRoot)("as an unprivileged user", async () => {
    const verdicts = await reachesFrom(spec("unprivileged user"));
    expectAllDenied(verdicts);
  });

  // The control: the same reaches succeed without the sandbox's measures, so the tests above can fail.
  it.runIf(noYama && hasPerl)(
    "but could without the sandbox's measures (this kernel has no Yama)",
    async () => {
      const verdicts = await reachesFrom(spec("none"));
      for (const reach of ["mem (read)", "fd (open)", "environ", "ptrace", "process_vm_readv", "inspector"])
        expect(verdicts[reach], `${reach}: ${JSON.stringify(verdicts)}`).toMatch(/^reached/);
      // Node itself keeps its descriptors from a child it forks: no sandbox needed for that.
      expect(verdicts["inherited descriptors"]).toMatch(/^denied/);
    },
  );

  it.skipIf(hasPerl)("(system calls untested: perl is not installed)", () => {});
});

describe.runIf(bubblewrap && hasPerl)("memory that sampling could not see", () => {
  it("is refused: System V shared memory and memfd files", () => {
    // perl is the command here: no copy of node bound in its place.
    const { node: _node, ...sandbox } = spec("bubblewrap");
    const perl = String.raw`
      my ($shmget, $memfd) = @ARGV;
      my $id = syscall($shmget, 0, 1 << 20, 0600);
      print "shmget ", ($id == -1 ? $! + 0 : "ok"), "
";
      my $name = "m\0";
      my $fd = syscall($memfd, $name, 0);
      print "memfd_create ", ($fd == -1 ? $! + 0 : "ok"), "
";`;
    const numbers = process.arch === "arm64" ? ["194", "279"] : ["29", "319"];
    const { command, args } = sandboxedCommand(sandbox, ["/usr/bin/perl", "-e", perl, ...numbers]);
    const run = spawnSync(command, args, { encoding: "utf8", timeout: BACKSTOP_MS });
    expect(run.stdout).toBe("shmget 1\nmemfd_create 1\n");
  });
});

describe("the inspector guard", () => {
  it("keeps SIGUSR1 from opening the inspector, and installs one listener however often it is called", () => {
    const code = `
      import inspector from "node:inspector";
      import { guardInspector } from "./grader/src/run/inspector-guard.ts";
      guardInspector();
      guardInspector();
      const listeners = process.listenerCount("SIGUSR1");
      process.kill(process.pid, "SIGUSR1");
      // An inspector that opened shows its URL within milliseconds.
      const deadline = Date.now() + 1000;
      while (inspector.url() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      process.stdout.write(JSON.stringify({ listeners, url: inspector.url() ?? null }));`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: BACKSTOP_MS,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ listeners: 1, url: null });
  });
});

describe.runIf(bubblewrap)("what the sandbox lets a process write", () => {
  it("only its hint files, bounded /tmp and /dev/shm, and no file over 64 MiB", () => {
    const sandbox = spec("bubblewrap");
    const scratchFile = sandbox.scratchFiles![0]!;
    const { command, args } = sandboxedCommand(sandbox, [
      process.execPath,
      path.join(fixtures, "files.mjs"),
      JSON.stringify({ scratch: sandbox.scratch, scratchFile, hidden: fromRoot("grader/mutants") }),
    ]);
    const run = spawnSync(command, args, { encoding: "utf8", timeout: BACKSTOP_MS });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      "/": "EROFS",
      "/dev": "EROFS",
      "/dev/null": "ok",
      hidden: "EROFS",
      "scratch (new file)": "EROFS",
      "scratch (hint file)": "ok",
      "one file over 64 MiB": "EFBIG",
      "/tmp over 256 MiB": "ENOSPC",
      "/dev/shm over 64 MiB": "ENOSPC",
    });
    expect(readFileSync(scratchFile, "utf8")).toBe("a test name");
  });
});

/** Runs a classic BPF program the way the kernel's seccomp does, for the filter's unit test. */
function runFilter(program: Buffer, data: { nr: number; arch: number }): number {
  const load = (offset: number) => (offset === 0 ? data.nr : offset === 4 ? data.arch : Number.NaN);
  let accumulator = 0;
  for (let pc = 0; pc < program.length / 8; ) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) accumulator = load(k);
    else if (code === 0x15) pc += accumulator === k ? jt : jf;
    else if (code === 0x35) pc += accumulator >= k ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unexpected opcode ${code}`);
    pc++;
  }
  throw new Error("the program fell off its end");
}

describe("the seccomp filter", () => {
  const ALLOW = 0x7fff0000;
  const EPERM = 0x00050001;
  const X86_64 = 0xc000003e;
  const AARCH64 = 0xc00000b7;

  it("refuses the calls that reach into another process on x86_64, and allows the rest", () => {
    const filter = seccompFilter("x64")!;
    expect(DENIED_CALLS).toContain("ptrace");
    for (const nr of [101, 310, 311, 312, 298, 438])
      expect(runFilter(filter, { nr, arch: X86_64 })).toBe(EPERM);
    for (const nr of [0, 1, 56, 57, 59, 62, 231, 434])
      expect(runFilter(filter, { nr, arch: X86_64 })).toBe(ALLOW);
    // x32 numbering, and 32-bit x86 (where 26 is ptrace), are refused whole.
    expect(runFilter(filter, { nr: 0x40000000 + 521, arch: X86_64 })).toBe(EPERM);
    expect(runFilter(filter, { nr: 26, arch: 0x40000003 })).toBe(EPERM);
  });

  it("uses aarch64's own numbers there", () => {
    const filter = seccompFilter("arm64")!;
    for (const nr of [117, 270, 271, 272, 241, 438])
      expect(runFilter(filter, { nr, arch: AARCH64 })).toBe(EPERM);
    for (const nr of [63, 64, 101, 220, 221]) expect(runFilter(filter, { nr, arch: AARCH64 })).toBe(ALLOW);
    expect(runFilter(filter, { nr: 63, arch: X86_64 })).toBe(EPERM);
  });

  it("is not made for architectures we have no numbers for", () => {
    expect(seccompFilter("riscv64")).toBeUndefined();
  });
});
