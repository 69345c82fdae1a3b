#!/usr/bin/python3
"""convoy-classify against a running convoy-server serving the zoo.

Usage: convoy_classify_test.py --server BIN --classify BIN --zoo ZOO_DIR

Dataset mode must give, image by image, the predictions PyTorch made when
the zoo trained lenet5-fmnist (the images travel as PNG files and are
preprocessed by the server, so this checks the whole serving path); file
mode must classify files and directories and report files that are not
images; a missing server or model must be explained.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import start_server  # noqa: E402  (after the path is set)

ARGS = None
TOOLS = Path(__file__).resolve().parents[3] / "tools"
MODELS = ("lenet5-fmnist", "lenet5-fmnist-seed1", "lenet5-fmnist-seed2", "fmnist-ensemble")


class ConvoyClassifyTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-classify-test-"))
        for model in MODELS:
            shutil.copytree(Path(ARGS.zoo) / "models" / model, cls.work / "models" / model)
        cls.server = start_server(ARGS.server, cls.work / "models", cls.work / "server.log")
        cls.target = f"127.0.0.1:{cls.server.grpc_port}"
        images = cls.work / "images"
        subprocess.run(["/usr/bin/python3", str(TOOLS / "export_fmnist_images.py"), str(images), "3"],
                       check=True)
        (images / "notes.txt").write_text("not an image\n")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.work)

    def classify(self, *args, server=None):
        return subprocess.run([ARGS.classify, "--server", server or self.target, *args],
                              capture_output=True, text=True, timeout=600)

    def test_dataset_gives_pytorchs_predictions_image_by_image(self):
        count = 500
        scores = self.work / "scores.npy"
        run = self.classify("--model", "lenet5-fmnist", "--dataset", "fashion-mnist-test",
                            "--limit", str(count), "--save-scores", str(scores), "--json")
        self.assertEqual(run.returncode, 0, run.stderr)
        report = json.loads(run.stdout)
        refs = Path(ARGS.zoo) / "refs" / "lenet5-fmnist"
        expected = np.load(refs / "test_predictions.npy")[:count]
        labels = np.load(refs / "test_labels.npy")[:count]
        predicted = np.load(scores).argmax(1)
        self.assertEqual(int((predicted != expected).sum()), 0)
        self.assertEqual(report["evaluated"], count)
        self.assertEqual(report["correct"], int((predicted == labels).sum()))

    def test_http_gives_the_same_answers_as_grpc(self):
        http = f"127.0.0.1:{self.server.http_port}"
        for model in ("lenet5-fmnist", "fmnist-ensemble"):
            args = ("--model", model, "--multicrop", "5", "--json", str(self.work / "images"))
            over_grpc = self.classify(*args)
            over_http = self.classify("--protocol", "http", *args, server=http)
            self.assertEqual(over_http.returncode, over_grpc.returncode, over_http.stderr)
            self.assertEqual(over_http.stdout, over_grpc.stdout, model)
            self.assertIn('"top"', over_http.stdout)

    def test_dataset_table_names_the_classes(self):
        run = self.classify("--model", "fmnist-ensemble", "--dataset", "fashion-mnist-test",
                            "--limit", "50", "--multicrop", "10")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertRegex(run.stdout, r"fmnist-ensemble on fashion-mnist-test \(50 images, multicrop 10\): "
                                     r"top-1 accuracy \d+\.\d\d% \(\d+ of 50\)")
        self.assertIn("9 Ankle boot", run.stdout)

    def test_classifies_a_directory_and_reports_what_is_not_an_image(self):
        run = self.classify("--model", "fmnist-ensemble", "--top-k", "2", "--json", str(self.work / "images"))
        self.assertEqual(run.returncode, 1)
        lines = [json.loads(line) for line in run.stdout.splitlines()]
        self.assertEqual([Path(line["file"]).name for line in lines],
                         ["00000-Ankle-boot.png", "00001-Pullover.png", "00002-Trouser.png"])
        for line in lines:
            self.assertEqual(len(line["top"]), 2)
            self.assertGreaterEqual(line["top"][0]["score"], line["top"][1]["score"])
        self.assertRegex(run.stderr, r"notes\.txt: error: INVALID_ARGUMENT: .*not a JPEG or PNG image")

    def test_client_preprocessing_gives_the_servers_scores(self):
        pngs = sorted(str(f) for f in (self.work / "images").glob("*.png"))
        runs = [self.classify("--model", "lenet5-fmnist", "--top-k", "3", "--json", *flags, *pngs)
                for flags in ([], ["--client-preprocess"])]
        for run in runs:
            self.assertEqual(run.returncode, 0, run.stderr)
        server_side, client_side = ([json.loads(line) for line in run.stdout.splitlines()] for run in runs)
        self.assertEqual(len(client_side), len(pngs))
        for by_server, by_client in zip(server_side, client_side):
            self.assertEqual([t["index"] for t in by_client["top"]], [t["index"] for t in by_server["top"]])
            for a, b in zip(by_client["top"], by_server["top"]):
                self.assertAlmostEqual(a["score"], b["score"], places=4)

    def test_client_preprocessing_reports_what_is_not_an_image_and_refuses_multicrop(self):
        run = self.classify("--model", "lenet5-fmnist", "--client-preprocess", str(self.work / "images"))
        self.assertEqual(run.returncode, 1)
        self.assertIn("notes.txt: error: INVALID_ARGUMENT", run.stderr)
        run = self.classify("--model", "fmnist-ensemble", "--client-preprocess", "--multicrop", "10",
                            str(self.work / "images"))
        self.assertEqual(run.returncode, 2)
        self.assertIn("--client-preprocess sends one crop", run.stderr)

    def test_explains_a_missing_server_and_a_missing_model(self):
        run = self.classify("--model", "lenet5-fmnist", str(self.work / "images"), server="127.0.0.1:1")
        self.assertEqual(run.returncode, 1)
        self.assertIn("is a server running at 127.0.0.1:1?", run.stderr)
        run = self.classify("--model", "absent", str(self.work / "images"))
        self.assertEqual(run.returncode, 1)
        self.assertIn("model 'absent': NOT_FOUND", run.stderr)
        run = self.classify(str(self.work / "images"))
        self.assertEqual(run.returncode, 2)
        self.assertIn("--model is required", run.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--classify", required=True)
    parser.add_argument("--zoo", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
