/**
 * What the lib/io tests share: a one-host world, its printed lines, and the
 * errno an operation failed with. Not published.
 *
 * @module
 */

import { Simulation } from "../kernel/simulation.ts";
import { Network } from "../net/network.ts";
import type { HostOptions } from "../os/host.ts";
import { SysError } from "../os/errno.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";

/** Runs `body` as the main thread of process "p" on host "a"; returns the simulation. */
export function run(
  body: (sys: Sys) => ThreadRoutine<void>,
  options: HostOptions = {},
): Simulation {
  const sim = new Simulation();
  new Network(sim).addHost("a", options).spawn("p", body);
  sim.run();
  return sim;
}

/** The lines the simulation printed. */
export function texts(sim: Simulation): string[] {
  return sim.output.map((l) => l.text);
}

/** Runs an operation and gives the errno it failed with, or "ok". */
export function* errnoOf(op: ThreadRoutine<unknown>): ThreadRoutine<string> {
  try {
    yield* op;
    return "ok";
  } catch (e) {
    if (e instanceof SysError) return e.errno;
    throw e;
  }
}
