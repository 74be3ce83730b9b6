/**
 * Conditions: events made of other events.
 *
 * @module
 */

import { type AnyResult, Event, type EventValue } from "./event.ts";
import type { Simulation } from "./simulation.ts";

/** A condition names what it waits for, so that a deadlock report says more than "anyOf". */
class Condition<T> extends Event<T> {
  readonly #events: readonly Event<unknown>[];
  constructor(sim: Simulation, kind: string, events: readonly Event<unknown>[]) {
    super(sim, kind);
    this.#events = events;
  }
  override describe(): string {
    const shown = this.#events.slice(0, 3).map((e) => e.describe());
    const more = this.#events.length - shown.length;
    return `${super.describe()} of ${shown.join(", ") || "nothing"}${
      more > 0 ? ` and ${more} more` : ""
    }`;
  }
}

function checkEvents(sim: Simulation, events: readonly Event<unknown>[], what: string): void {
  if (!Array.isArray(events)) {
    throw new TypeError(
      `Invalid ${what} argument "${String(events)}": it must be an array of events`,
    );
  }
  for (const [i, ev] of events.entries()) {
    if (!(ev instanceof Event) || ev.sim !== sim) {
      throw new TypeError(
        `Invalid ${what} event at index ${i}: it is not an event of this simulation`,
      );
    }
  }
}

/**
 * An event that succeeds when the first of `events` is processed, with its
 * index and value; it fails if that event failed. With no events it
 * succeeds at once with index -1.
 *
 * @typeParam E The events' types.
 * @param sim The simulation.
 * @param events The events.
 * @returns The condition event.
 * @throws {TypeError} If an element is not an event of `sim`.
 */
export function anyOf<E extends readonly Event<unknown>[]>(
  sim: Simulation,
  events: E,
): Event<AnyResult<EventValue<E[number]>>> {
  checkEvents(sim, events, "anyOf");
  const cond = new Condition<AnyResult<EventValue<E[number]>>>(sim, "anyOf", events);
  if (events.length === 0) return cond.succeed({ index: -1, value: undefined as never });
  events.forEach((ev, index) => {
    ev.on((done) => {
      if (cond.triggered) return;
      if (done.ok) cond.succeed({ index, value: done._value as EventValue<E[number]> });
      else cond.fail(done.error as Error);
    });
  });
  return cond;
}

/**
 * An event that succeeds when all `events` have been processed, with their
 * values in order; it fails as soon as one of them fails.
 *
 * @typeParam E The events' types.
 * @param sim The simulation.
 * @param events The events.
 * @returns The condition event.
 * @throws {TypeError} If an element is not an event of `sim`.
 */
export function allOf<E extends readonly Event<unknown>[]>(
  sim: Simulation,
  events: E,
): Event<{ -readonly [K in keyof E]: EventValue<E[K]> }> {
  checkEvents(sim, events, "allOf");
  type V = { -readonly [K in keyof E]: EventValue<E[K]> };
  const cond = new Condition<V>(sim, "allOf", events);
  const values: unknown[] = new Array(events.length);
  let left = events.length;
  if (left === 0) return cond.succeed([] as unknown as V);
  events.forEach((ev, index) => {
    ev.on((done) => {
      if (cond.triggered) return;
      if (!done.ok) return void cond.fail(done.error as Error);
      values[index] = done._value;
      if (--left === 0) cond.succeed(values as V);
    });
  });
  return cond;
}
