"""Measure CPython's multiprocessing costs that calibrate lib/mp/costs.ts.

Prints lines "CPYTHON <name> <value> <unit>". Medians of repeated runs; fork
start method. Usage: python3 bench/native/mp_cpython.py
"""

import multiprocessing as mp
import os
import pickle
import statistics
import time
from multiprocessing.reduction import ForkingPickler


def out(name, value, unit):
    print(f"CPYTHON {name} {value:.0f} {unit}")


def per_call(fn, n):
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n * 1e9


def median(fn, reps=21):
    return statistics.median(fn() for _ in range(reps))


def nothing():
    pass


def stamp(v):
    v.value = time.perf_counter()


def main():
    for label, obj, n in [
        ("str", "mainprocess", 200_000),
        ("list100", list(range(100)), 50_000),
        ("bytes1MiB", b"x" * (1 << 20), 2_000),
    ]:
        out(f"pickle.dumps.{label}", per_call(lambda: ForkingPickler.dumps(obj), n), "ns")
        b = bytes(ForkingPickler.dumps(obj))
        out(f"pickle.loads.{label}", per_call(lambda: pickle.loads(b), n), "ns")

    def queue_put_get():
        q = mp.Queue()
        t0 = time.perf_counter()
        for _ in range(1500):
            q.put("m")
        t1 = time.perf_counter()
        q.close()
        q.join_thread()
        t2 = time.perf_counter()
        return (t1 - t0) / 1500 * 1e9, (t2 - t0) / 1500 * 1e9

    runs = [queue_put_get() for _ in range(21)]
    out("Queue.put", statistics.median(r[0] for r in runs), "ns")
    out("Queue.put+feed", statistics.median(r[1] for r in runs), "ns")

    def queue_get():
        q = mp.Queue()
        for _ in range(1500):
            q.put("m")
        while q._buffer:
            time.sleep(0.001)
        time.sleep(0.01)
        return per_call(q.get, 1500)

    out("Queue.get", median(queue_get), "ns")

    def simple_queue():
        q = mp.SimpleQueue()
        put = per_call(lambda: q.put("m"), 1500)
        return put, per_call(q.get, 1500)

    runs = [simple_queue() for _ in range(21)]
    out("SimpleQueue.put", statistics.median(r[0] for r in runs), "ns")
    out("SimpleQueue.get", statistics.median(r[1] for r in runs), "ns")

    def connection():
        r, w = mp.Pipe(duplex=False)
        send = per_call(lambda: w.send("m"), 1500)
        return send, per_call(r.recv, 1500)

    runs = [connection() for _ in range(21)]
    out("Connection.send", statistics.median(r[0] for r in runs), "ns")
    out("Connection.recv", statistics.median(r[1] for r in runs), "ns")

    lock = mp.Lock()

    def lock_pair():
        lock.acquire()
        lock.release()

    out("Lock.acquire+release", per_call(lock_pair, 200_000), "ns")

    starts, runs_at, joins = [], [], []
    for _ in range(60):
        v = mp.Value("d", 0.0, lock=False)
        p = mp.Process(target=stamp, args=(v,))
        t0 = time.perf_counter()
        p.start()
        t1 = time.perf_counter()
        p.join()
        t2 = time.perf_counter()
        starts.append(t1 - t0)
        runs_at.append(v.value - t1)
        joins.append(t2 - v.value)
    out("Process.start", statistics.median(starts) * 1e9, "ns")
    out("start->target", statistics.median(runs_at) * 1e9, "ns")
    out("target->join", statistics.median(joins) * 1e9, "ns")

    with mp.Manager() as m:
        d = m.dict()
        out("manager.dict.setitem", per_call(lambda: d.__setitem__(1, 1), 5000), "ns")

    with mp.Pool(4) as pool:
        t = time.perf_counter()
        results = [pool.apply_async(abs, (i,)) for i in range(100_000)]
        for r in results:
            r.get()
        out("Pool(4).apply_async", (time.perf_counter() - t) / 100_000 * 1e9, "ns/task")
        out("Pool(4).apply", per_call(lambda: pool.apply(abs, (1,)), 2000), "ns")


if __name__ == "__main__":
    mp.set_start_method("fork")
    print(f"# CPython {os.sys.version.split()[0]}, {os.uname().sysname} {os.uname().release}")
    main()
