/**
 * Who is calling, what multiprocessing knows about each OS process, and
 * how its CPU costs are charged.
 *
 * @module
 */

import { StateError } from "../kernel/errors.ts";
import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import type { Process as OsProcess } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import { Thread, type ThreadRoutine } from "../os/thread.ts";
import type { TimeCategory } from "../os/usage.ts";

/**
 * The simulated thread running now, which is the caller of a
 * multiprocessing call (the kernel resumes one task at a time, and a
 * generator's body runs inside its caller's `yield*`).
 */
export function callerThread(
  sim: Simulation,
  host: Host | undefined,
  verb: string,
  subject?: Describable,
): Thread {
  const owner = sim.current?.owner;
  if (owner instanceof Thread && (host === undefined || owner.process.host === host)) return owner;
  // Messages are built only here: the calls above are hot.
  const what = subject === undefined ? verb : `${verb} (${subject.describe()})`;
  if (!(owner instanceof Thread)) {
    throw new StateError(
      `Cannot ${what} outside a simulated process: call it with yield* from a thread body (host.spawn, or a Process target)`,
    );
  }
  throw new StateError(
    `Cannot ${what} from host "${owner.process.host.name}": the object lives on host "${
      host!.name
    }"`,
  );
}

/** Anything that can describe itself for a message. */
export interface Describable {
  /** A short description, such as `Lock#3`. */
  describe(): string;
}

const ids = new WeakMap<Simulation, number>();

/**
 * The next number for an object of `sim` (`Lock#3`): counted per
 * simulation, so that messages do not depend on what ran before.
 */
export function objectId(sim: Simulation): number {
  const id = (ids.get(sim) ?? 0) + 1;
  ids.set(sim, id);
  return id;
}

/** The caller if one is running, else null (for state reads made from outside). */
export function currentThread(sim: Simulation): Thread | null {
  const owner = sim.current?.owner;
  return owner instanceof Thread ? owner : null;
}

/** Checks a timeout in nanoseconds; `undefined` or `null` means forever. */
export function checkTimeout(what: string, timeout: number | null | undefined): number | undefined {
  if (timeout === undefined || timeout === null) return undefined;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError(`Invalid ${what} timeout "${String(timeout)}": expected nanoseconds`);
  }
  if (timeout < 0) {
    throw new RangeError(`Invalid ${what} timeout "${timeout}": it must be >= 0 nanoseconds`);
  }
  return timeout === Infinity ? undefined : timeout;
}

/** An exit handler (multiprocessing.util.Finalize). */
export interface Finalizer {
  /** Higher runs first; those >= 0 run before children are joined at exit. */
  readonly priority: number;
  /** The order of registration (later ones run first among equals). */
  readonly seq: number;
  /** What it does. */
  readonly run: (sys: Sys) => ThreadRoutine<void>;
}

let finalizerSeq = 0;

/** What multiprocessing keeps per OS process (module state in CPython). */
export class ProcState {
  /** The `Process` object that stands for this process (`current_process()`). */
  view: unknown = null;
  /** Children started, for their names (`Process-1`, ...). */
  counter = 0;
  /** Children started and not yet known to be reaped (`_children`). */
  readonly children: Set<ChildHandle> = new Set();
  /** Exit handlers. */
  finalizers: Finalizer[] = [];
  /** Whether the process is running its exit handlers. */
  exiting = false;
  /** Whether the process is a daemonic child (may not start children). */
  daemonic = false;
  /** Its identity path (`[1, 2]` for the second child of the first child). */
  identity: readonly number[] = [];

  /** Registers an exit handler; returns a function that cancels it. */
  finalize(priority: number, run: (sys: Sys) => ThreadRoutine<void>): () => void {
    const f: Finalizer = { priority, seq: finalizerSeq++, run };
    this.finalizers.push(f);
    return () => {
      const i = this.finalizers.indexOf(f);
      if (i >= 0) this.finalizers.splice(i, 1);
    };
  }

  /**
   * What CPython's `util._exit_function` does when a process ends: exit
   * handlers with priority >= 0, SIGTERM to daemonic children, a join of
   * every child, then the remaining handlers.
   */
  *exit(sys: Sys): ThreadRoutine<void> {
    if (this.exiting) return;
    this.exiting = true;
    yield* this.runFinalizers(sys, 0);
    for (const c of [...this.children]) if (c.daemon && c.isAlive()) yield* c.terminate();
    for (const c of [...this.children]) yield* c.join();
    yield* this.runFinalizers(sys);
  }

  /** Runs (and forgets) the handlers with priority >= `min`, highest first. */
  *runFinalizers(sys: Sys, min = -Infinity): ThreadRoutine<void> {
    for (;;) {
      let best: Finalizer | null = null;
      for (const f of this.finalizers) {
        if (f.priority < min) continue;
        if (
          best === null || f.priority > best.priority ||
          (f.priority === best.priority && f.seq > best.seq)
        ) best = f;
      }
      if (best === null) return;
      this.finalizers.splice(this.finalizers.indexOf(best), 1);
      yield* best.run(sys);
    }
  }
}

/** What the exit handler needs to know of a child. */
export interface ChildHandle {
  /** Whether it was started with `daemon`. */
  readonly daemon: boolean;
  /** Whether it still runs. */
  isAlive(): boolean;
  /** Sends SIGTERM. */
  terminate(): ThreadRoutine<void>;
  /** Waits for it. */
  join(timeout?: number): ThreadRoutine<void>;
}

const states = new WeakMap<OsProcess, ProcState>();

/** The name `p`'s next child will get with `prefix` (`ForkPoolWorker-3`). */
export function nextChildName(p: OsProcess, prefix: string): string {
  const st = procState(p);
  return `${prefix}-${[...st.identity, st.counter + 1].join(":")}`;
}

/** Multiprocessing's state for an OS process, made on first use. */
export function procState(p: OsProcess): ProcState {
  let st = states.get(p);
  if (st === undefined) {
    st = new ProcState();
    states.set(p, st);
  }
  return st;
}

// ---- charging --------------------------------------------------------------
//
// A thread's CPU debt is only carried while it runs: every blocking call
// flushes it first, so when another thread charges, the previous one owes
// nothing. One counter for "the thread that owes" is therefore exact.

let debtor: Thread | null = null;
let debtNs = 0;

/** Charges `ns` of CPU to `t`, to be slept off later. */
export function owe(t: Thread, ns: number, cat: TimeCategory = "user", call = ""): void {
  if (ns <= 0) return;
  t.charge(cat, ns, call);
  if (debtor !== t) {
    debtor = t;
    debtNs = 0;
  }
  debtNs += ns;
}

/** Charges `n` system calls named `call`, each with `kernelNs` of work besides its entry. */
export function oweSyscalls(t: Thread, call: string, n: number, kernelNs: number): void {
  t.usage.syscalls += n;
  owe(t, n * (t.costs.syscallNs + kernelNs), "syscall", call);
}

/** Sleeps off `t`'s debt now. */
export function* pay(t: Thread): ThreadRoutine<void> {
  if (debtor === t) debtNs = 0;
  yield* t.flush();
}

/** Whether `t`'s debt reached `bound` (see `MpCosts.lazyFlushNs`): then `pay`. */
export function due(t: Thread, bound: number): boolean {
  return debtor === t && debtNs >= bound;
}
