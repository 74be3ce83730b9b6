/**
 * Signals: numbers, default actions, handlers, and a process's pending set.
 *
 * @module
 */

import type { AsyncOwner } from "./file.ts";
import type { Process } from "./process.ts";
import type { Sys } from "./sys.ts";
import type { ThreadRoutine } from "./thread.ts";

/** Signal numbers on Linux x86-64 (signal(7)). */
export const SIGNALS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGURG: 23,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGRTMIN: 34,
  SIGRTMAX: 64,
} as const;

/** A signal's name, such as `"SIGIO"`. */
export type SignalName = keyof typeof SIGNALS;

/** The lowest real-time signal: real-time signals queue, standard ones do not. */
export const SIGRTMIN = 34;
/** The highest signal number. */
export const SIGRTMAX = 64;

const NAMES: string[] = [];
for (const [name, n] of Object.entries(SIGNALS)) NAMES[n] ??= name;

/**
 * A signal's name, or `SIGRTMIN+n` for real-time ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(signalName(29), "SIGIO");
 * assert.equal(signalName(36), "SIGRTMIN+2");
 * ```
 *
 * @param signo The number.
 * @returns The name.
 */
export function signalName(signo: number): string {
  if (signo > SIGRTMIN && signo < SIGRTMAX) return `SIGRTMIN+${signo - SIGRTMIN}`;
  return NAMES[signo] ?? `signal ${signo}`;
}

/**
 * Checks and converts a signal given by number or name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(toSigno("SIGTERM"), 15);
 * assert.throws(() => toSigno(65), RangeError);
 * ```
 *
 * @param sig A number from 1 to 64, or a name.
 * @returns The number.
 * @throws {RangeError} For an unknown name or a number out of range.
 */
export function toSigno(sig: number | SignalName): number {
  const n = typeof sig === "string" ? SIGNALS[sig] : sig;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > SIGRTMAX) {
    throw new RangeError(
      `Invalid signal "${String(sig)}": expected 1 to 64 or a name such as "SIGTERM"`,
    );
  }
  return n;
}

/** What the default action of a signal is. */
export function defaultAction(signo: number): "terminate" | "ignore" {
  switch (signo) {
    case SIGNALS.SIGCHLD:
    case SIGNALS.SIGURG:
    case SIGNALS.SIGWINCH:
    case SIGNALS.SIGCONT:
      return "ignore";
    default:
      return "terminate";
  }
}

/** What a signal carries (siginfo_t's fields that matter here). */
export interface SignalInfo {
  /** The signal. */
  readonly signo: number;
  /** The descriptor, for SIGIO and F_SETSIG signals. */
  readonly fd?: number;
  /** The poll events that raised it (si_band), for SIGIO. */
  readonly band?: number;
  /** The sender's pid, for kill(2). */
  readonly pid?: number;
}

/** A signal handler: a generator run on the thread the signal interrupts. */
export type SignalHandler = (sys: Sys, info: SignalInfo) => ThreadRoutine<void>;

/** What sigaction(2) installs. */
export type SignalDisposition = "default" | "ignore" | SignalHandler;

/** Options of sigaction(2). */
export interface SigactionOptions {
  /** SA_RESTART: restart recv, send, accept, connect and the like instead of failing with EINTR. */
  readonly restart?: boolean;
}

/** @ignore A process's signal state. */
export class SignalState {
  readonly actions: (SignalDisposition | undefined)[] = [];
  readonly restart: boolean[] = [];
  /** Standard signals pending (at most one each). */
  readonly pending: boolean[] = [];
  /** Real-time signals pending, in order, with their info. */
  readonly queue: SignalInfo[] = [];
  /** Standard signals pending with their last info (SIGIO's fd). */
  readonly info: (SignalInfo | undefined)[] = [];
  /** Signals delivered, and raised while already pending (coalesced). */
  delivered = 0;
  coalesced = 0;
  /** Real-time signals refused because the queue was full (RLIMIT_SIGPENDING). */
  overflowed = 0;

  disposition(signo: number): SignalDisposition {
    return this.actions[signo] ?? "default";
  }

  /** Whether anything is pending that the mask lets through. */
  deliverable(mask: readonly boolean[]): boolean {
    for (let s = 1; s < SIGRTMIN; s++) if (this.pending[s] && !mask[s]) return true;
    for (const i of this.queue) if (!mask[i.signo]) return true;
    return false;
  }

  /** Takes the next deliverable signal: standard ones by number, then real-time in order. */
  take(mask: readonly boolean[]): SignalInfo | null {
    for (let s = 1; s < SIGRTMIN; s++) {
      if (this.pending[s] && !mask[s]) {
        this.pending[s] = false;
        const info = this.info[s] ?? { signo: s };
        this.info[s] = undefined;
        return info;
      }
    }
    for (let i = 0; i < this.queue.length; i++) {
      if (!mask[this.queue[i]!.signo]) return this.queue.splice(i, 1)[0]!;
    }
    return null;
  }
}

/** @ignore A file's signal-driven I/O settings: owner (F_SETOWN), signal (F_SETSIG), fd. */
export class FileAsync implements AsyncOwner {
  owner: Process | null = null;
  /** 0 means SIGIO. */
  signo = 0;
  fd = -1;

  notify(events: number): void {
    const owner = this.owner;
    if (owner === null || owner.exitCode !== null) return;
    const signo = this.signo === 0 ? SIGNALS.SIGIO : this.signo;
    owner._signal(signo, { signo, fd: this.fd, band: events });
  }
}
