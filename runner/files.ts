/**
 * The files the runner writes (`--trace`, `--html`): checked before a run,
 * so that a mistyped path is a one-line usage error and not a stack trace
 * after minutes of simulation.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { UsageError } from "./load.ts";

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}

/**
 * Checks that `path` can be written: its directory exists and it is not a
 * directory itself. The directory is not created: a missing one is more
 * often a typo than a wish.
 *
 * @param flag The flag that named the path, such as `--trace`.
 * @param path The path.
 * @throws {UsageError} If the directory is missing or the path is a directory.
 */
export function checkOutputPath(flag: string, path: string): void {
  if (path === "") throw new UsageError(`Invalid ${flag} "": expected a file path`);
  const dir = dirname(resolve(path));
  let isDir: boolean;
  try {
    isDir = Deno.statSync(dir).isDirectory;
  } catch {
    throw new UsageError(`Cannot write ${flag} "${path}": directory "${dir}" does not exist`);
  }
  if (!isDir) {
    throw new UsageError(`Cannot write ${flag} "${path}": "${dir}" is not a directory`);
  }
  let target: Deno.FileInfo | null = null;
  try {
    target = Deno.statSync(path);
  } catch {
    // Not there yet: it will be made.
  }
  if (target?.isDirectory === true) {
    throw new UsageError(`Cannot write ${flag} "${path}": it is a directory`);
  }
}

/**
 * Writes `text` to `path`, turning a failure into a one-line usage error.
 *
 * @param flag The flag that named the path, such as `--trace`.
 * @param path The path.
 * @param text What to write.
 * @throws {UsageError} If the file cannot be written.
 */
export function writeOutput(flag: string, path: string, text: string): void {
  try {
    Deno.writeTextFileSync(path, text);
  } catch (e) {
    throw new UsageError(`Cannot write ${flag} "${path}": ${firstLine(e)}`);
  }
}
