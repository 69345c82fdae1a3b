"""Tests of tools/lib/results.py: runs read back by label, Markdown tables."""
import contextlib
import io
import json
import statistics
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools" / "lib"))
from results import Runs, print_table, round_ratios  # noqa: E402


class RunsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / "results.jsonl"
        lines = [{"label": "a", "result": {"requests_per_s": 10.0}},
                 {"label": "b", "result": {"requests_per_s": 1.0}},
                 {"label": "a", "result": {"requests_per_s": 30.0}},
                 {"label": "a", "result": {"requests_per_s": 20.0}}]
        self.path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    def tearDown(self):
        self.dir.cleanup()

    def test_keeps_each_labels_results_in_run_order(self):
        runs = Runs(self.path)
        self.assertEqual([r["requests_per_s"] for r in runs.results("a")], [10.0, 30.0, 20.0])
        self.assertEqual(len(runs.results("b")), 1)

    def test_a_label_that_never_ran_has_no_results(self):
        self.assertEqual(Runs(self.path).results("c"), [])

    def test_median_over_a_labels_runs(self):
        runs = Runs(self.path)
        self.assertEqual(runs.median("a", "requests_per_s"), 20.0)
        with self.assertRaises(statistics.StatisticsError):
            runs.median("c", "requests_per_s")


class RoundRatiosTest(unittest.TestCase):
    def test_pairs_the_nth_results_of_two_labels_and_stops_at_the_shorter(self):
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "results.jsonl"
            lines = [{"label": "served", "result": {"requests_per_s": 8.0, "p50_ms": 2.0}},
                     {"label": "echo", "result": {"requests_per_s": 10.0, "p50_ms": 1.0}},
                     {"label": "served", "result": {"requests_per_s": 6.0, "p50_ms": 3.0}},
                     {"label": "echo", "result": {"requests_per_s": 12.0, "p50_ms": 1.5}},
                     {"label": "served", "result": {"requests_per_s": 9.0, "p50_ms": 4.0}}]
            path.write_text("".join(json.dumps(line) + "\n" for line in lines))
            runs = Runs(path)
            self.assertEqual(round_ratios(runs, "served", "echo"), [0.8, 0.5])
            self.assertEqual(round_ratios(runs, "served", "echo", "p50_ms"), [2.0, 2.0])
            self.assertEqual(round_ratios(runs, "served", "never"), [])

    def test_skips_a_round_whose_denominator_is_zero(self):
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "results.jsonl"
            lines = [{"label": label, "result": {"switches": value}}
                     for label, value in (("old", 0.0), ("new", 1.0), ("old", 2.0), ("new", 1.0))]
            path.write_text("".join(json.dumps(line) + "\n" for line in lines))
            self.assertEqual(round_ratios(Runs(path), "new", "old", "switches"), [0.5])


class PrintTableTest(unittest.TestCase):
    def test_prints_markdown_with_one_rule_cell_per_column(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            print_table(["model", "requests/s"], [["lenet5", "100"], ["resnet50", "7"]])
        self.assertEqual(out.getvalue(), "| model | requests/s |\n|---|---|\n"
                                         "| lenet5 | 100 |\n| resnet50 | 7 |\n")


if __name__ == "__main__":
    unittest.main()
