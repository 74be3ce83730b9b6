/**
 * Finding scenarios: by name in `sims/`, or by path.
 *
 * @module
 */

import type { Scenario } from "../lib/scenario/define.ts";

/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was wrong, naming the argument and value.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Whether a module export is a scenario. */
export function isScenario(x: unknown): x is Scenario {
  return typeof x === "object" && x !== null && (x as Scenario).kind === "iosim.scenario";
}

/** The folders searched for scenarios by name: ./sims, then the package's own. */
function simDirs(): URL[] {
  const dirs = [new URL(`file://${Deno.cwd()}/sims/`)];
  const own = new URL("../sims/", import.meta.url);
  if (own.protocol === "file:" && own.href !== dirs[0]!.href) dirs.push(own);
  return dirs;
}

function exists(url: URL): boolean {
  try {
    return Deno.statSync(url).isFile;
  } catch {
    return false;
  }
}

function pick(mod: Record<string, unknown>): Scenario | undefined {
  return [mod.default, mod.scenario, ...Object.values(mod)].find(isScenario);
}

/** The file extensions of modules the runner will import as scenarios. */
const MODULE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"];

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "unknown error";
}

/** Imports a scenario module, turning any failure into one line naming the file. */
async function importScenario(ref: string, url: URL): Promise<Record<string, unknown>> {
  try {
    return await import(url.href) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`Cannot load scenario file "${ref}": ${firstLine(e)}`);
  }
}

/** A loaded scenario and the URL of its module. */
export interface Loaded {
  /** The scenario. */
  readonly scenario: Scenario;
  /** Its module's URL (for workers). */
  readonly url: string;
}

/**
 * Loads a scenario by name (`sims/NAME.ts`) or by path.
 *
 * A path must name a TypeScript or JavaScript module (`.ts`, `.mts`, `.js`,
 * `.mjs`): anything else is refused before it is imported, so that the
 * runner never executes a file that is not meant as code.
 *
 * @param ref A name or a path.
 * @returns The scenario and its URL.
 * @throws {UsageError} If there is none, the path is not a module, or the
 *   module fails to load.
 */
export async function loadScenario(ref: string): Promise<Loaded> {
  let url: URL | undefined;
  if (ref.includes("/") || MODULE_EXTENSIONS.some((ext) => ref.endsWith(ext))) {
    url = new URL(ref, `file://${Deno.cwd()}/`);
    if (!exists(url)) throw new UsageError(`Scenario file "${ref}" does not exist`);
    if (!MODULE_EXTENSIONS.some((ext) => url!.pathname.endsWith(ext))) {
      throw new UsageError(
        `Scenario file "${ref}" is not a module: expected a ${MODULE_EXTENSIONS.join(", ")} file`,
      );
    }
  } else {
    if (!/^[a-z][a-z0-9_]*$/.test(ref)) {
      throw new UsageError(`Unknown scenario "${ref}": names are lower_snake_case (see --list)`);
    }
    url = simDirs().map((d) => new URL(`${ref}.ts`, d)).find(exists);
    if (url === undefined) throw new UsageError(`Unknown scenario "${ref}" (see --list)`);
  }
  const scenario = pick(await importScenario(ref, url));
  if (scenario === undefined) {
    throw new UsageError(`"${ref}" defines no scenario: export one made with defineScenario()`);
  }
  return { scenario, url: url.href };
}

/**
 * Every scenario in the `sims/` folders, by name.
 *
 * @returns The scenarios.
 */
export async function listScenarios(): Promise<Scenario[]> {
  const seen = new Map<string, Scenario>();
  for (const dir of simDirs()) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      continue;
    }
    const files = entries.filter((e) =>
      e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_") && !e.name.endsWith("_test.ts")
    ).map((e) => e.name).sort();
    for (const f of files) {
      const sc = pick(await import(new URL(f, dir).href) as Record<string, unknown>);
      if (sc !== undefined && !seen.has(sc.name)) seen.set(sc.name, sc);
    }
  }
  return [...seen.values()];
}
