#!/usr/bin/python3
"""The Grafana dashboard asks only for metrics convoy-server exports.

Usage: dashboard_test.py --server BIN --zoo ZOO_DIR --dashboard JSON

Starts convoy-server on 127.0.0.1 with a zoo model, scrapes /metrics, and
checks that the dashboard JSON is well formed (unique panel ids, a grid
position and at least one query per panel) and that every convoy_* and
process_* name in its queries and variables is a metric the server exports.
"""
import argparse
import json
import re
import shutil
import sys
import tempfile
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "testing_py"))
from convoy_server import start_server  # noqa: E402  (after the path is set)

ARGS = None
METRIC = re.compile(r"\b((?:convoy|process)_[a-z_]+)\b")


class DashboardTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dashboard = json.loads(Path(ARGS.dashboard).read_text())
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-dashboard-test-"))
        shutil.copytree(Path(ARGS.zoo) / "models" / "lenet5-fmnist", cls.work / "models" / "lenet5-fmnist")
        server = start_server(ARGS.server, cls.work / "models", cls.work / "server.log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=30) as response:
                text = response.read().decode()
        finally:
            server.stop()
        # Sample names, and the family names their _bucket/_sum/_count come from.
        cls.exported = set()
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                cls.exported.add(line.split()[2])
            elif line and not line.startswith("#"):
                cls.exported.add(re.split(r"[{ ]", line, maxsplit=1)[0])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work)

    def queries(self):
        for panel in self.dashboard["panels"]:
            for target in panel["targets"]:
                yield panel["title"], target["expr"]
        for variable in self.dashboard["templating"]["list"]:
            yield f"variable {variable['name']}", variable["query"]

    def test_panels_are_well_formed(self):
        ids = [panel["id"] for panel in self.dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids repeat")
        self.assertTrue(self.dashboard["uid"])
        for panel in self.dashboard["panels"]:
            self.assertTrue(panel["targets"], panel["title"])
            self.assertEqual(set(panel["gridPos"]), {"x", "y", "w", "h"}, panel["title"])
            for target in panel["targets"]:
                self.assertTrue(target["expr"].strip(), panel["title"])

    def test_every_query_names_an_exported_metric(self):
        checked = 0
        for where, expr in self.queries():
            names = METRIC.findall(expr)
            self.assertTrue(names, f"{where}: no Convoy metric in {expr!r}")
            for name in names:
                self.assertIn(name, self.exported, f"{where}: {name} is not exported")
                checked += 1
        self.assertGreater(checked, 10)

    def test_covers_what_operators_need(self):
        text = json.dumps(self.dashboard)
        for metric in ("convoy_requests_total", "convoy_request_duration_seconds_bucket",
                       "convoy_queue_duration_seconds_bucket", "convoy_compute_duration_seconds_bucket",
                       "convoy_batch_size_bucket", "convoy_queue_depth"):
            self.assertIn(metric, text)
        for quantile in ("0.5", "0.9", "0.99"):
            self.assertIn(f"histogram_quantile({quantile}", text)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--dashboard", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
