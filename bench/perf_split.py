#!/usr/bin/python3
"""Where a profiled server's CPU goes, by thread and by step (docs/BENCHMARKS.md,
"Where a LeNet-5 request's time goes").

Reads `perf script -F comm,ip,sym` output of a `perf record --call-graph dwarf`
profile on standard input. Prints each thread name's share of the samples,
then, for the thread named THREAD, the share of its samples whose call stack
holds each FRAME (a substring of a function's name; the first FRAME listed
that a stack holds takes the sample), the samples with no named frame at
all (oneDNN's JIT kernels, whose stack perf cannot walk), and the rest.

    perf record -F 1000 --call-graph dwarf,16384 -p PID -o perf.data -- sleep 6
    perf script -i perf.data -F comm,ip,sym | bench/perf_split.py batch:lenet5 \\
        'Plan::Run' 'grpc_call_start_batch' 'EncodeInferResponse' 'RunBatch'
"""

import collections
import sys


def samples(lines):
    """(thread name, [frames, leaf first]) for each sample."""
    comm, frames = None, []
    for line in lines:
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif not line.startswith("\t"):
            comm, frames = line.strip(), []
        else:
            parts = line.split(None, 1)
            frames.append(parts[1].strip() if len(parts) > 1 else parts[0])
    if comm is not None:
        yield comm, frames


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    thread, wanted = sys.argv[1], sys.argv[2:]
    by_thread = collections.Counter()
    steps = collections.Counter()
    for comm, frames in samples(sys.stdin):
        by_thread[comm] += 1
        if comm != thread:
            continue
        stack = " | ".join(frames)
        step = next((frame for frame in wanted if frame in stack), None)
        if step is None:
            named = [frame for frame in frames if frame != "[unknown]"]
            step = "unnamed code" if not named else "other"
        steps[step] += 1
    total = sum(by_thread.values())
    if not total:
        sys.exit("no samples on standard input")
    for comm, count in by_thread.most_common():
        print(f"{100 * count / total:5.1f}%  {comm}")
    print(f"\n{thread}, {sum(steps.values())} samples:")
    for step, count in steps.most_common():
        print(f"{100 * count / sum(steps.values()):5.1f}%  {step}")


if __name__ == "__main__":
    main()
