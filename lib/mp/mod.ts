/**
 * Multiprocessing in the style of Python's `multiprocessing`, on simulated
 * processes: `Process` (fork), `Queue` (a pipe and a feeder thread),
 * `Pipe`, `Manager` (a server process and proxies), the locks and shared
 * memory, and `Pool`. Everything runs on the OS layer: processes are
 * forked with fork(2)'s cost and compete for the host's cores; messages
 * are pickled (checked, sized as CPython's pickle sizes them, copied) and
 * their frames really go through pipes (capacity, blocking, EOF, EPIPE);
 * locks are futex-like words in shared memory. CPython's own work on top
 * of the system calls is charged from figures measured with CPython 3.11
 * on the project's machine (see `DEFAULT_MP_COSTS`).
 *
 * | Python | here |
 * | --- | --- |
 * | `p = Process(target=f, args=(1,))` | `const p = new Process({ target: f, args: [1] })` (`f` is `function* (sys, n)`) |
 * | `class P(Process): def run(self)` | `class P extends Process { override *run(sys) {...} }` |
 * | `p.start()`, `p.join(t)` | `yield* p.start(sys)`, `yield* p.join(t)` |
 * | `q = Queue()`, `q.put(x)`, `q.get()` | `const q = new Queue(sys)`, `yield* q.put(x)`, `yield* q.get()` |
 * | `a, b = Pipe()` | `const [a, b] = Pipe(sys)` |
 * | `with Manager() as m: d = m.dict()` | `const m = yield* Manager(sys)`, `const d = yield* m.dict()` |
 * | `d[k] = v`, `print(d)` | `yield* d.set(k, v)`, `sys.print(yield* d.str())` |
 * | `l = Lock()`, `l.acquire()` | `const l = new Lock(sys)`, `yield* l.acquire()` |
 * | `Value('i', 0)`, `Array('d', 10)` | `new Value(sys, "i", 0)`, `new SharedArray(sys, "d", 10)` (`Array` too) |
 * | `pool = Pool(5)`, `pool.apply_async(f, (i,))` | `const pool = yield* Pool(sys, 5)`, `yield* pool.applyAsync(f, [i])` |
 * | `current_process()` | `currentProcess(sys)` |
 * | the script's end (atexit) | `host.spawn("python", mainProcess(function* (sys) {...}))` |
 *
 * Conventions: whatever may block or costs CPU is an operation used with
 * `yield*`; state reads (`qsize`, `isAlive`, `exitCode`, `ready`) are
 * plain. Objects made with a `sys` find their caller by themselves (the
 * thread the kernel is running); only `start`, `currentProcess`,
 * `activeChildren` and the constructors take the caller's `sys`.
 * Timeouts are nanoseconds of virtual time. Errors are named after
 * Python's: `ProcessError` (CPython's `AssertionError`), `ValueError`,
 * `EOFError`, `OSError`, `BrokenPipeError`, `PicklingError`, `Empty`,
 * `Full`, `BrokenBarrierError`, `KeyError`, `IndexError`,
 * `AttributeError`, and the kernel's `TimeoutError`.
 *
 * Where iosim departs from CPython, on purpose: `Queue.put` pickles (and
 * raises `PicklingError`) in the caller rather than in the feeder thread;
 * a pool worker that dies in a task fails that task with
 * `WorkerLostError` instead of leaving its result pending forever, and
 * `Pool.terminate` fails what is pending; manager objects are not
 * reference-counted; there is no GIL, so a process's threads (feeder,
 * pool handlers) run in parallel where CPython takes turns. Calls that
 * find their data ready charge their CPU time and go on without a
 * simulated step; the time is slept off before the thread blocks or wakes
 * another, and at least every 20 µs (`lazyFlushNs`).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { mainProcess, Process, Queue } from "@iosim/iosim/mp";
 *
 * function* worker(sys: Sys, q: Queue<string>) {
 *   yield* q.put(`hello from ${sys.pid}`);
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("python", mainProcess(function* (sys) {
 *   const q = new Queue<string>(sys);
 *   const p = new Process({ target: worker, args: [q] });
 *   yield* p.start(sys);
 *   sys.print(yield* q.get());
 *   yield* p.join();
 * }));
 * sim.run();
 * assert.equal(sim.output[0]!.text, "hello from 1001");
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./costs.ts";
export * from "./pickle.ts";
export * from "./pyrepr.ts";
export * from "./process.ts";
export * from "./main.ts";
export * from "./semlock.ts";
export * from "./lock.ts";
export * from "./semaphore.ts";
export * from "./event.ts";
export * from "./condition.ts";
export * from "./barrier.ts";
export * from "./shared_value.ts";
export * from "./shared_array.ts";
export { SharedArray as Array } from "./shared_array.ts";
export * from "./connection.ts";
export * from "./queue.ts";
export * from "./joinable_queue.ts";
export * from "./simple_queue.ts";
export * from "./proxy.ts";
export * from "./manager.ts";
export * from "./async_result.ts";
export * from "./pool.ts";
