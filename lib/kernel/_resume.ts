/**
 * The hand-off between the kernel and an operation's `yield*`: the kernel
 * puts the result in `resumeSlot` and resumes the generator with `RESUME`,
 * so one operation object can serve every task of a simulation.
 *
 * @module
 */

/** What the kernel resumes a generator with (never seen by user code). */
export const RESUME: unique symbol = Symbol("iosim.resume");

/** The result of the operation being resumed; read at once by `Op.next`. */
export const resumeSlot: { value: unknown } = { value: undefined };
