/**
 * A seccomp filter for the sandbox (bubblewrap's --seccomp FD), as a classic BPF program built here.
 *
 * The kernel of our machines has no Yama, so without it a process may inspect or drive any other process
 * of its uid: a child that learner code starts (a learner file run with Node's full powers) could read
 * or write the test process's memory, take its descriptors, or attach to it. The filter allows every
 * system call except those, which fail with EPERM. It is defence in depth beside a non-dumpable test
 * process (node-binary.ts), and it also covers processes that are dumpable (helpers such as esbuild).
 *
 * It also refuses memory that no process maps, which sampling the processes' memory cannot see (only a
 * cgroup counts it): System V shared memory, and memfd files written without mapping them. Nothing the
 * course runs uses either (Node, V8, esbuild and redis-server do not).
 *
 * Calls of another ABI than the machine's own (32-bit x86 on x86_64, x32, arm32 on aarch64) use other
 * numbers, so they are all refused: nothing the course runs needs them.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The calls refused, by name: what lets one process reach into another, and memory no process maps. */
export const DENIED_CALLS = [
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "pidfd_getfd",
  "kcmp",
  "perf_event_open",
  "shmget",
  "shmat",
  "memfd_create",
] as const;
type DeniedCall = (typeof DENIED_CALLS)[number];

interface Architecture {
  /** AUDIT_ARCH_* as seccomp_data.arch reports it. */
  readonly audit: number;
  readonly numbers: Readonly<Record<DeniedCall, number>>;
  /** x86_64 also accepts x32 calls: numbers with this bit set. */
  readonly x32Bit?: number;
}

/** From the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h). */
const ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  x64: {
    audit: 0xc000003e,
    numbers: {
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      kcmp: 312,
      perf_event_open: 298,
      pidfd_getfd: 438,
      shmget: 29,
      shmat: 30,
      memfd_create: 319,
    },
    x32Bit: 0x40000000,
  },
  arm64: {
    audit: 0xc00000b7,
    numbers: {
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      kcmp: 272,
      perf_event_open: 241,
      pidfd_getfd: 438,
      shmget: 194,
      shmat: 196,
      memfd_create: 279,
    },
  },
};

// Classic BPF opcodes (linux/bpf_common.h) and seccomp's return values (linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
/** Offsets in struct seccomp_data. */
const NR_OFFSET = 0;
const ARCH_OFFSET = 4;

interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/**
 * The filter for `arch` (a process.arch value) as bytes to hand to bubblewrap: an array of struct
 * sock_filter (8 bytes each, in the machine's byte order). Undefined for an architecture we have no
 * numbers for: the sandbox then goes without.
 */
export function seccompFilter(arch: string = process.arch): Buffer | undefined {
  const spec = ARCHITECTURES[arch];
  if (!spec) return undefined;
  const denied = DENIED_CALLS.map((name) => spec.numbers[name]);
  // Laid out so every jump goes forward to one of the two returns at the end.
  const body: Array<(toDeny: number) => Instruction> = [];
  body.push(() => ({ code: LD_W_ABS, jt: 0, jf: 0, k: ARCH_OFFSET }));
  body.push((toDeny) => ({ code: JEQ_K, jt: 0, jf: toDeny, k: spec.audit }));
  body.push(() => ({ code: LD_W_ABS, jt: 0, jf: 0, k: NR_OFFSET }));
  if (spec.x32Bit !== undefined) {
    const bit = spec.x32Bit;
    body.push((toDeny) => ({ code: JGE_K, jt: toDeny, jf: 0, k: bit }));
  }
  for (const nr of denied) body.push((toDeny) => ({ code: JEQ_K, jt: toDeny, jf: 0, k: nr }));
  const program: Instruction[] = body.map((make, index) => {
    // From instruction `index`, the allow return is the next after the body, the deny return after it.
    const toAllow = body.length - index - 1;
    return make(toAllow + 1);
  });
  program.push({ code: RET_K, jt: 0, jf: 0, k: RET_ALLOW });
  program.push({ code: RET_K, jt: 0, jf: 0, k: RET_ERRNO | EPERM });
  return encode(program);
}

function encode(program: readonly Instruction[]): Buffer {
  const bytes = Buffer.alloc(program.length * 8);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  program.forEach((instruction, index) => {
    const at = index * 8;
    if (little) bytes.writeUInt16LE(instruction.code, at);
    else bytes.writeUInt16BE(instruction.code, at);
    bytes.writeUInt8(instruction.jt, at + 2);
    bytes.writeUInt8(instruction.jf, at + 3);
    if (little) bytes.writeUInt32LE(instruction.k, at + 4);
    else bytes.writeUInt32BE(instruction.k, at + 4);
  });
  return bytes;
}

/**
 * The filter for this machine written to a file in `dir` (once per process; the same bytes each time),
 * for bubblewrap to read; undefined where we have no filter for the architecture.
 */
let written: { dir: string; file: string | undefined } | undefined;

export function seccompFilterFile(dir: string): string | undefined {
  if (written?.dir === dir) return written.file;
  const filter = seccompFilter();
  let file: string | undefined;
  if (filter) {
    mkdirSync(dir, { recursive: true });
    file = path.join(
      dir,
      `seccomp-${process.arch}-${createHash("sha256").update(filter).digest("hex").slice(0, 12)}.bpf`,
    );
    if (!existsSync(file)) {
      // Written aside and renamed: a grading beside this one never reads half a filter.
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, filter);
      renameSync(partial, file);
    }
  }
  written = { dir, file };
  return file;
}
