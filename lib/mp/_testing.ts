/**
 * What the lib/mp tests share: a host running a Python main program, and a
 * call whose error is printed rather than thrown. Not published.
 *
 * @module
 */

import { Simulation } from "../kernel/simulation.ts";
import { Host, type HostOptions } from "../os/host.ts";
import type { Process, ThreadBody } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { mainProcess } from "./main.ts";

/** A finished run of a main program: the simulation, the host, the process, what it printed. */
export interface World {
  readonly sim: Simulation;
  readonly host: Host;
  readonly main: Process;
  readonly out: string[];
}

/** Runs `body` as a Python main program on a fresh host (2 cores unless told) to the end. */
export function world(body: ThreadBody<void>, options: HostOptions = { cores: 2 }): World {
  const sim = new Simulation();
  const host = new Host(sim, options);
  const main = host.spawn("python", mainProcess(body));
  sim.run();
  return { sim, host, main, out: sim.output.map((l) => l.text) };
}

/** Runs `op` and prints "ok", or the error's name and message. */
export function* attempt(sys: Sys, op: () => ThreadRoutine<unknown>): ThreadRoutine<void> {
  try {
    yield* op();
    sys.print("ok");
  } catch (e) {
    sys.print(`${(e as Error).name}: ${(e as Error).message}`);
  }
}
