#!/usr/bin/env python3
"""Times several leash binaries on the same command, interleaved.

    bench/compare-binaries.py [--runs N] BINARY... -- ARGS...

Each run starts every binary once, in turn, so all of them see the same
load; the whole process is timed (start-up, reading, output to /dev/null).
Prints the median and the best wall time of each binary, and the minor
page faults of its last run. Used for "Allocator and streaming" in
docs/benchmarks.md, e.g.

    bench/compare-binaries.py --runs 15 /tmp/leash-before target/release/leash \\
        -- check ../shared/corpus/aws-managed-policies --format json --fail-on never
"""
import os
import resource
import statistics
import subprocess
import sys
import time


def main(argv):
    runs = 15
    if len(argv) >= 2 and argv[0] == "--runs":
        runs = int(argv[1])
        argv = argv[2:]
    if "--" not in argv:
        sys.exit("usage: compare-binaries.py [--runs N] BINARY... -- ARGS...")
    split = argv.index("--")
    binaries, args = argv[:split], argv[split + 1:]
    if not binaries:
        sys.exit("name at least one binary")
    times = {binary: [] for binary in binaries}
    faults = {}
    print("load at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for _ in range(runs):
        for binary in binaries:
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
            start = time.perf_counter()
            subprocess.run([binary, *args], stdout=subprocess.DEVNULL, check=False)
            times[binary].append(time.perf_counter() - start)
            faults[binary] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before
    print("load at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for binary in binaries:
        samples = times[binary]
        print(
            f"{binary}: median {statistics.median(samples) * 1000:.1f} ms, "
            f"best {min(samples) * 1000:.1f} ms, {faults[binary]} minor faults "
            f"(runs: {len(samples)})"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
