/**
 * Per-thread and per-process accounting: where the time went, and counts.
 *
 * @module
 */

/**
 * Where a thread's time goes. The first five are CPU time (the thread holds
 * a core); the rest are time off the CPU.
 */
export type TimeCategory =
  | "user"
  | "syscall"
  | "copy"
  | "wasted"
  | "switch"
  | "signal"
  | "phase1"
  | "blocked"
  | "runqueue";

/** The categories that occupy a core. */
export const CPU_CATEGORIES: readonly TimeCategory[] = [
  "user",
  "syscall",
  "copy",
  "wasted",
  "switch",
  "signal",
];

/**
 * Time and counts for one thread, or summed over a process.
 *
 * - `userNs`: computing (`sys.compute`).
 * - `syscallNs`: in system calls, besides copying and wasted calls.
 * - `copyNs`: copying between kernel and user memory — phase 2 of a read.
 * - `wastedNs`: system calls that failed with EAGAIN: busy polling.
 * - `switchNs`: switching onto a core that last ran another thread.
 * - `signalNs`: delivering signals to handlers.
 * - `phase1Ns`: blocked until data (or a connection, or buffer space) was
 *   ready — phase 1 of a read.
 * - `blockedNs`: blocked on anything else (sleep, locks, joins).
 * - `runqueueNs`: runnable but waiting for a core (wake-up latency included).
 *
 * @example Summing two threads
 * ```ts
 * import assert from "node:assert/strict";
 * const a = new Usage(), b = new Usage();
 * a.userNs = 5;
 * b.userNs = 7;
 * b.syscalls = 2;
 * const sum = new Usage().add(a).add(b);
 * assert.equal(sum.userNs, 12);
 * assert.equal(sum.cpuNs, 12);
 * assert.equal(sum.syscalls, 2);
 * ```
 */
export class Usage {
  /** Computing. */
  userNs = 0;
  /** In system calls (besides copies and wasted calls). */
  syscallNs = 0;
  /** Copying data between kernel and user memory (phase 2). */
  copyNs = 0;
  /** System calls that failed with EAGAIN (busy polling). */
  wastedNs = 0;
  /** Switching onto a core. */
  switchNs = 0;
  /** Delivering signals. */
  signalNs = 0;
  /** Blocked until I/O was ready (phase 1). */
  phase1Ns = 0;
  /** Blocked on other things. */
  blockedNs = 0;
  /** Waiting for a core. */
  runqueueNs = 0;
  /** System calls made. */
  syscalls = 0;
  /** System calls that failed with EAGAIN. */
  eagain = 0;
  /** Context switches: each time the thread blocked (voluntary) or was preempted (involuntary). */
  contextSwitches = 0;
  /** Times the thread was woken from blocking. */
  wakeups = 0;
  /** Times the thread lost its core to a waiting thread at the end of a time slice. */
  preemptions = 0;

  /** CPU time: the sum of the on-core categories. */
  get cpuNs(): number {
    return this.userNs + this.syscallNs + this.copyNs + this.wastedNs + this.switchNs +
      this.signalNs;
  }

  /**
   * Adds time to a category.
   *
   * @param cat The category.
   * @param ns Nanoseconds.
   */
  addTime(cat: TimeCategory, ns: number): void {
    switch (cat) {
      case "user":
        this.userNs += ns;
        return;
      case "syscall":
        this.syscallNs += ns;
        return;
      case "copy":
        this.copyNs += ns;
        return;
      case "wasted":
        this.wastedNs += ns;
        return;
      case "switch":
        this.switchNs += ns;
        return;
      case "signal":
        this.signalNs += ns;
        return;
      case "phase1":
        this.phase1Ns += ns;
        return;
      case "blocked":
        this.blockedNs += ns;
        return;
      case "runqueue":
        this.runqueueNs += ns;
        return;
    }
  }

  /**
   * Adds another usage into this one.
   *
   * @param other The usage to add.
   * @returns This usage.
   */
  add(other: Usage): this {
    this.userNs += other.userNs;
    this.syscallNs += other.syscallNs;
    this.copyNs += other.copyNs;
    this.wastedNs += other.wastedNs;
    this.switchNs += other.switchNs;
    this.signalNs += other.signalNs;
    this.phase1Ns += other.phase1Ns;
    this.blockedNs += other.blockedNs;
    this.runqueueNs += other.runqueueNs;
    this.syscalls += other.syscalls;
    this.eagain += other.eagain;
    this.contextSwitches += other.contextSwitches;
    this.wakeups += other.wakeups;
    this.preemptions += other.preemptions;
    return this;
  }

  /**
   * The figures as a plain object, for JSON metrics.
   *
   * @returns Every field and `cpuNs`.
   */
  toJSON(): Record<string, number> {
    return {
      cpuNs: this.cpuNs,
      userNs: this.userNs,
      syscallNs: this.syscallNs,
      copyNs: this.copyNs,
      wastedNs: this.wastedNs,
      switchNs: this.switchNs,
      signalNs: this.signalNs,
      phase1Ns: this.phase1Ns,
      blockedNs: this.blockedNs,
      runqueueNs: this.runqueueNs,
      syscalls: this.syscalls,
      eagain: this.eagain,
      contextSwitches: this.contextSwitches,
      wakeups: this.wakeups,
      preemptions: this.preemptions,
    };
  }
}
