#!/usr/bin/env python3
"""The pipeline benchmark's Python counterpart (run by grader/src/bench/pipeline.ts when python3 exists).

The same job as the TypeScript variants: 0 .. N-1 through filter(x % 3 != 0) -> map(x * 2) -> a summing
sink, once as Beazley-style coroutines driven by send() and once as plain nested calls. Prints one JSON
line per variant: CPU and wall-clock ns per item of the best of a few warm runs.
"""
import json
import sys
import time

N = 1_000_000
EXPECTED_TOTAL = 666_665_333_334


def coroutine(fn):
    def start(*args):
        gen = fn(*args)
        next(gen)
        return gen
    return start


def coroutine_send():
    total = [0]

    @coroutine
    def sink():
        while True:
            total[0] += (yield)

    @coroutine
    def mapper(target):
        while True:
            target.send((yield) * 2)

    @coroutine
    def filt(target):
        while True:
            x = yield
            if x % 3 != 0:
                target.send(x)

    head = filt(mapper(sink()))
    for i in range(N):
        head.send(i)
    head.close()
    return total[0]


def plain_calls():
    total = 0

    def sink(x):
        nonlocal total
        total += x

    def mapper(x):
        sink(x * 2)

    def filt(x):
        if x % 3 != 0:
            mapper(x)

    for i in range(N):
        filt(i)
    return total


def measure(name, fn, runs):
    timings = []
    for _ in range(runs + 1):
        cpu, wall = time.process_time(), time.perf_counter()
        total = fn()
        timings.append((time.process_time() - cpu, time.perf_counter() - wall))
        if total != EXPECTED_TOTAL:
            raise SystemExit(f"{name}: total {total}, expected {EXPECTED_TOTAL}")
    warm = timings[1:]
    print(json.dumps({
        "variant": name,
        "cpuNsPerItem": min(c for c, _ in warm) * 1e9 / N,
        "wallNsPerItem": min(w for _, w in warm) * 1e9 / N,
        "coldWallNsPerItem": timings[0][1] * 1e9 / N,
    }))


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    measure("python-send", coroutine_send, runs)
    measure("python-plain", plain_calls, runs)
