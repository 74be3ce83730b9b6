/**
 * Progress on stderr: done/total, elapsed, ETA — only on a terminal.
 *
 * @module
 */

/** A progress line that redraws itself. */
export class Progress {
  readonly #total: number;
  readonly #start = performance.now();
  readonly #on: boolean;
  readonly #enc = new TextEncoder();
  #done = 0;
  #last = 0;

  /**
   * Starts a progress line.
   *
   * @param total How many steps.
   * @param on Whether to draw (stderr is a terminal and not quiet).
   */
  constructor(total: number, on: boolean) {
    this.#total = total;
    this.#on = on;
  }

  /** One more step done. */
  tick(): void {
    this.#done++;
    if (!this.#on) return;
    const now = performance.now();
    if (now - this.#last < 100 && this.#done < this.#total) return;
    this.#last = now;
    const elapsed = (now - this.#start) / 1000;
    const eta = this.#done === 0 ? 0 : (elapsed / this.#done) * (this.#total - this.#done);
    const pct = Math.floor((100 * this.#done) / this.#total);
    const line = `\r${this.#done}/${this.#total} (${pct}%) elapsed ${elapsed.toFixed(1)} s, ETA ${
      eta.toFixed(1)
    } s `;
    Deno.stderr.writeSync(this.#enc.encode(line));
  }

  /** Clears the line. */
  end(): void {
    if (this.#on) Deno.stderr.writeSync(this.#enc.encode("\r\x1b[K"));
  }
}
