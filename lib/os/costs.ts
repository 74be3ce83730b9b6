/**
 * The cost model: how long each step of the simulated OS takes and how much
 * memory each object holds.
 *
 * @module
 */

import { formatTime } from "../kernel/time.ts";

/**
 * What each step costs. Durations are nanoseconds of CPU time on the core
 * doing the work (or of latency, where the name says so); sizes are bytes.
 */
export interface CostModel {
  /** Entering and leaving the kernel for any system call. */
  readonly syscallNs: number;
  /** A stream send's kernel work besides copying (the TCP stack, queueing the data). */
  readonly sendNs: number;
  /** A stream receive's kernel work besides copying. */
  readonly recvNs: number;
  /** A send's kernel work on a local (AF_UNIX, socketpair) socket. */
  readonly unixSendNs: number;
  /** A receive's kernel work on a local (AF_UNIX, socketpair) socket. */
  readonly unixRecvNs: number;
  /** The kernel work of a recv or send that finds nothing to do (EAGAIN), besides the entry. */
  readonly eagainNs: number;
  /** Copying between kernel and user memory (phase 2), in bytes per nanosecond. */
  readonly copyBytesPerNs: number;
  /** Switching a core from one thread to another. */
  readonly contextSwitchNs: number;
  /** From waking a blocked thread to it running on an idle core (IPI, idle exit, scheduler). */
  readonly wakeupNs: number;
  /** select(2)'s fixed cost per call. */
  readonly selectBaseNs: number;
  /** select(2)'s cost per descriptor below `nfds`, set or not (it scans them all). */
  readonly selectPerFdNs: number;
  /** poll(2)'s fixed cost per call. */
  readonly pollBaseNs: number;
  /** poll(2)'s cost per entry of the array. */
  readonly pollPerFdNs: number;
  /** epoll_wait(2)'s fixed cost per call, whatever the number of watched fds. */
  readonly epollWaitNs: number;
  /** epoll_wait(2)'s cost per event returned. */
  readonly epollPerEventNs: number;
  /** epoll_ctl(2)'s cost. */
  readonly epollCtlNs: number;
  /** socket(2), accept(2) or connect(2)'s kernel work (allocating a socket and a file). */
  readonly socketNs: number;
  /** close(2)'s kernel work. */
  readonly closeNs: number;
  /** fork(2) of a small process, until the child can run. */
  readonly forkNs: number;
  /** pthread_create(3) until the new thread can run. */
  readonly threadCreateNs: number;
  /** Delivering a signal to a handler and returning from it (sigreturn). */
  readonly signalNs: number;
  /** A user-space switch between coroutines (greenlet, gevent): no kernel involved. */
  readonly userSwitchNs: number;
  /** How long a thread may keep a core while others wait for one (CFS granularity). */
  readonly timesliceNs: number;
  /** Virtual memory reserved for each thread's stack (RLIMIT_STACK, 8 MiB). */
  readonly threadStackBytes: number;
  /** Resident memory per thread: kernel stack, task_struct, touched user stack. */
  readonly threadMemoryBytes: number;
  /** Resident memory of a small process of its own (page tables, libc, heap). */
  readonly processMemoryBytes: number;
  /** Kernel memory per socket besides its buffered data (struct sock, file, dentry). */
  readonly socketMemoryBytes: number;
  /** Memory per coroutine (its saved stack slice and frame objects). */
  readonly coroutineMemoryBytes: number;
}

/**
 * Defaults measured on the project's machine — Linux 6.18 x86-64 on two
 * virtual CPUs (a Firecracker VM) — by `bench/native/run.sh`, medians of
 * seven runs:
 *
 * | figure | measured | default |
 * | --- | --- | --- |
 * | getppid round trip | 117-121 ns | `syscallNs` 120 |
 * | TCP loopback send + recv of 64 B | 5.92-5.98 µs | `sendNs` 3.6 µs + `recvNs` 2.1 µs + 2 syscalls |
 * | AF_UNIX send + recv of 64 B | 1.28-1.29 µs | `unixSendNs` + `unixRecvNs` 530 ns each + 2 syscalls |
 * | recv copy bandwidth, 64 KiB cache-hot | 22-23 B/ns | `copyBytesPerNs` 20 |
 * | same-CPU pipe ping-pong / 2 minus a read+write | 1.58 µs | `contextSwitchNs` 1.6 µs |
 * | cross-CPU ping-pong 45 µs; eventfd wake of an idle CPU | 21.9-23.1 µs | `wakeupNs` 20 µs |
 * | select(2) base / per fd below nfds | 294-300 ns / 51.5-52.2 ns | 300 / 52 |
 * | poll(2) base / per fd (≤ 1,000; 1,000-10,000) | 110-114 ns / 51-53; 67-72 ns | 110 / 60 |
 * | epoll_wait(2), 10 to 10,000 watched fds, 1 ready | 292-300 ns, flat | `epollWaitNs` 300 |
 * | epoll_ctl ADD/DEL | 559-583 ns | `epollCtlNs` 570 |
 * | pthread_create + join | 30.7-31.2 µs | `threadCreateNs` 25 µs |
 * | fork + _exit + waitpid, small parent | 157-167 µs | `forkNs` 150 µs |
 * | kill(self) to an empty handler and back | 1.90-1.97 µs | `signalNs` 1.8 µs |
 * | non-blocking recv on an empty TCP or AF_UNIX socket | 246-265 ns | `eagainNs` 130 + a syscall |
 * | non-blocking accept with nothing pending (allocates, then frees a socket) | 3.31-3.64 µs | `socketNs` 3.3 µs |
 *
 * A virtual CPU that halts when idle makes cross-CPU wake-ups slow (20 µs
 * here, a few µs on bare metal). Not measured, estimated: `closeNs`,
 * `epollPerEventNs`, `userSwitchNs`
 * (greenlet switches: about 0.36 µs in CPython here, far less in C).
 * Sizes are Linux's defaults: RLIMIT_STACK 8 MiB; 32 KiB resident per thread
 * (16 KiB kernel stack, task_struct, touched stack: Eli Bendersky, "Measuring
 * context switching and memory overheads for Linux threads", 2018); CFS
 * granularity 3 ms.
 */
export const DEFAULT_COSTS: Readonly<CostModel> = Object.freeze({
  syscallNs: 120,
  sendNs: 3_600,
  recvNs: 2_100,
  unixSendNs: 530,
  unixRecvNs: 530,
  eagainNs: 130,
  copyBytesPerNs: 20,
  contextSwitchNs: 1_600,
  wakeupNs: 20_000,
  selectBaseNs: 300,
  selectPerFdNs: 52,
  pollBaseNs: 110,
  pollPerFdNs: 60,
  epollWaitNs: 300,
  epollPerEventNs: 40,
  epollCtlNs: 570,
  socketNs: 3_300,
  closeNs: 1_000,
  forkNs: 150_000,
  threadCreateNs: 25_000,
  signalNs: 1_800,
  userSwitchNs: 150,
  timesliceNs: 3_000_000,
  threadStackBytes: 8 * 1024 * 1024,
  threadMemoryBytes: 32 * 1024,
  processMemoryBytes: 1024 * 1024,
  socketMemoryBytes: 2 * 1024,
  coroutineMemoryBytes: 4 * 1024,
});

/**
 * Makes a cost model from the defaults and `overrides`, checking each value.
 *
 * @example Slower context switches
 * ```ts
 * import assert from "node:assert/strict";
 * const costs = costModel({ contextSwitchNs: 5_000 });
 * assert.equal(costs.contextSwitchNs, 5_000);
 * assert.equal(costs.syscallNs, DEFAULT_COSTS.syscallNs);
 * assert.throws(() => costModel({ syscallNs: -1 }), RangeError);
 * ```
 *
 * @param overrides The figures to change.
 * @returns The complete cost model.
 * @throws {RangeError} If a name is unknown or a figure is negative, not finite, or (for
 *   `copyBytesPerNs` and `timesliceNs`) zero.
 * @throws {TypeError} If a figure is not a number.
 */
export function costModel(overrides: Partial<CostModel> = {}): CostModel {
  if (overrides === null || typeof overrides !== "object") {
    throw new TypeError(`Invalid cost overrides "${String(overrides)}": expected an object`);
  }
  const out: Record<string, number> = { ...DEFAULT_COSTS };
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(DEFAULT_COSTS, key)) {
      throw new RangeError(
        `Unknown cost "${key}": known costs are ${Object.keys(DEFAULT_COSTS).join(", ")}`,
      );
    }
    if (typeof value !== "number") {
      throw new TypeError(`Invalid cost ${key} "${String(value)}": expected a number`);
    }
    const positive = key === "copyBytesPerNs" || key === "timesliceNs";
    if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw new RangeError(
        `Invalid cost ${key} "${value}": expected a finite number ${positive ? "> 0" : ">= 0"}`,
      );
    }
    out[key] = value;
  }
  return Object.freeze(out) as unknown as CostModel;
}

/**
 * The time to copy `bytes` between kernel and user memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(copyTime(DEFAULT_COSTS, 20_000), 1_000);
 * ```
 *
 * @param costs The cost model.
 * @param bytes How many bytes.
 * @returns Nanoseconds, rounded up to a whole one.
 */
export function copyTime(costs: CostModel, bytes: number): number {
  return bytes <= 0 ? 0 : Math.ceil(bytes / costs.copyBytesPerNs);
}

/**
 * Describes a cost model as `name value` lines, for reports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.match(describeCosts(DEFAULT_COSTS), /contextSwitchNs\s+1.6 µs/);
 * ```
 *
 * @param costs The cost model.
 * @returns One line per figure.
 */
export function describeCosts(costs: CostModel): string {
  const w = Math.max(...Object.keys(costs).map((k) => k.length));
  return Object.entries(costs).map(([k, v]) =>
    `${k.padEnd(w)}  ${k.endsWith("Ns") ? formatTime(v) : String(v)}`
  ).join("\n");
}
