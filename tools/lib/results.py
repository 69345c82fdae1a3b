"""The benchmark scripts' summaries: runs read back by label, Markdown tables.

A results file holds one JSON object per line, {"label": ..., "result": {...}},
most of them convoy-loadgen runs recorded by tools/lib/loadgen.sh (a script
may add its own results under other labels). A script's summary, run from the
repository root:

    sys.path.insert(0, "tools/lib")
    from results import Runs, print_table
    runs = Runs(sys.argv[1])
    print(f"rounds: {len(runs.results('lenet5'))} (medians)\\n")
    print_table(["lenet5", "requests/s"],
                [["convoy", f"{runs.median('lenet5', 'requests_per_s'):.0f}"]])
"""
import collections
import json
import statistics


class Runs:
    """The results of a results file by label, in the order they were run."""

    def __init__(self, path):
        self._by_label = collections.defaultdict(list)
        with open(path) as lines:
            for line in lines:
                entry = json.loads(line)
                self._by_label[entry["label"]].append(entry["result"])

    def results(self, label):
        """Every result recorded under label; none if it never ran."""
        return self._by_label.get(label, [])

    def median(self, label, key):
        """The median of key over label's results (StatisticsError if none)."""
        return statistics.median(result[key] for result in self.results(label))


def round_ratios(runs, label, over, key="requests_per_s"):
    """key of label's n-th result over that of over's, for each round n that
    both ran and where over's is not 0: runs of one round, minutes apart,
    share the machine's pace, so these ratios are steadier than a ratio of
    medians when it drifts."""
    return [a[key] / b[key] for a, b in zip(runs.results(label), runs.results(over)) if b[key]]


def print_table(header, rows):
    """Prints a Markdown table: header is the column titles, rows the rows'
    cells, already formatted."""
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def print_ab(runs, old_label, new_label, what="", digits=0):
    """Prints the median requests/s of an A/B's two labels and their ratio."""
    old, new = runs.median(old_label, "requests_per_s"), runs.median(new_label, "requests_per_s")
    print(f"{what}old {old:.{digits}f} req/s, new {new:.{digits}f} req/s (medians), new/old {new / old:.3f}")


def print_paired(runs, old_label, new_label, what=""):
    """Prints an A/B run in turn, round by round (the n-th result of each label
    is round n): each round's new/old requests/s and their median, and
    the server's compute per item (compute per run over the batch it formed)
    old and new, medians, and their ratio. A pair run back to back shares the
    machine's moment, so the paired ratios are steadier than the medians'."""
    ratios = round_ratios(runs, new_label, old_label)
    if not ratios:
        return
    print(f"{what}new/old requests/s per round {', '.join(f'{r:.2f}' for r in ratios)}: "
          f"median {statistics.median(ratios):.3f}")
    per_item = [[r["server_compute_us"] / r["server_batch_size"] for r in runs.results(label)
                 if r.get("server_batch_size")] for label in (old_label, new_label)]
    if all(per_item):
        old, new = (statistics.median(values) for values in per_item)
        print(f"{what}compute per item in the server, old {old:.1f} us, new {new:.1f} us "
              f"(medians), new/old {new / old:.3f}")

