/**
 * A futex-like wait queue in shared memory: threads of any process of a
 * host wait on it and are woken in FIFO order.
 *
 * @module
 */

import { TimeoutError } from "../kernel/errors.ts";
import type { Event } from "../kernel/event.ts";
import type { Simulation } from "../kernel/simulation.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { oweSyscalls } from "./_context.ts";

/**
 * Threads waiting for a shared-memory word to change, as on a futex: a
 * waiter makes a futex(FUTEX_WAIT) call and blocks; a waker makes a
 * futex(FUTEX_WAKE) call for one or all. Each wait is a kernel event, so a
 * wake that comes while the waiter is still on its way to sleep is not
 * lost, and a waiter that dies passes its wake-up on.
 */
export class WaitQueue {
  readonly #sim: Simulation;
  readonly #label: string;
  readonly #futexNs: number;
  #waiters: Event<unknown>[] = [];

  constructor(sim: Simulation, label: string, futexNs: number) {
    this.#sim = sim;
    this.#label = label;
    this.#futexNs = futexNs;
  }

  /** How many threads wait. */
  get size(): number {
    return this.#waiters.length;
  }

  /**
   * Blocks `t` until woken (true) or until `timeout` runs out (false).
   * Callers check their condition again after waking. `registered` runs
   * once the thread is queued, before it blocks.
   */
  *wait(t: Thread, timeout?: number, registered?: () => void): ThreadRoutine<boolean> {
    oweSyscalls(t, "futex", 1, this.#futexNs);
    const ev = this.#sim.event(this.#label);
    this.#waiters.push(ev);
    // A condition variable releases its lock here: after queueing, before blocking.
    registered?.();
    let consumed = false;
    try {
      yield* t.waitEvent(ev, timeout);
      consumed = true;
      return true;
    } catch (e) {
      if (e instanceof TimeoutError) {
        consumed = ev.triggered;
        return consumed;
      }
      throw e;
    } finally {
      if (!ev.triggered) this.#remove(ev);
      else if (!consumed) this.wakeOne();
    }
  }

  /**
   * Wakes the longest waiter; the waker charges its futex(FUTEX_WAKE) call
   * when it is a thread.
   *
   * @returns Whether one was waiting.
   */
  wakeOne(waker?: Thread): boolean {
    const ev = this.#waiters.shift();
    if (ev === undefined) return false;
    if (waker !== undefined) oweSyscalls(waker, "futex", 1, this.#futexNs);
    ev.succeed();
    return true;
  }

  /**
   * Wakes every waiter.
   *
   * @returns How many were woken.
   */
  wakeAll(waker?: Thread): number {
    const all = this.#waiters;
    if (all.length === 0) return 0;
    this.#waiters = [];
    if (waker !== undefined) oweSyscalls(waker, "futex", 1, this.#futexNs);
    for (const ev of all) ev.succeed();
    return all.length;
  }

  #remove(ev: Event<unknown>): void {
    const i = this.#waiters.indexOf(ev);
    if (i >= 0) this.#waiters.splice(i, 1);
  }
}
