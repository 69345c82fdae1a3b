#!/usr/bin/python3
"""convoy-calibrate as a user runs it: on the zoo's lenet5-fmnist, copied
into a repository of its own, from .npy samples and PNG images; then the
model it calibrated, in int8, through convoy-infer and convoy-server; and
the command lines and sample directories it must refuse.

Usage: convoy_calibrate_test.py --calibrate BIN --infer BIN --server BIN
                                --classify BIN --zoo ZOO_DIR
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
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import start_server  # noqa: E402  (after the path is set)

ARGS = None
MODEL = "lenet5-fmnist"


class ConvoyCalibrateTest(unittest.TestCase):

    def setUp(self):
        zoo = Path(ARGS.zoo)
        if not (zoo / "models" / MODEL).exists():
            self.skipTest(f"no {MODEL} in {zoo}: run tools/make_zoo.py")
        self.work = Path(tempfile.mkdtemp(prefix="convoy-calibrate-"))
        self.repo = self.work / "models"
        shutil.copytree(zoo / "models" / MODEL, self.repo / MODEL)
        self.model = self.repo / MODEL / "1" / "model.onnx"
        self.refs = zoo / "refs" / MODEL
        self.samples = self.work / "samples"
        self.samples.mkdir()

    def tearDown(self):
        shutil.rmtree(self.work)

    def run_tool(self, binary, *args):
        return subprocess.run([binary, *map(str, args)], capture_output=True, text=True,
                              timeout=300)

    def calibrate(self, *extra):
        return self.run_tool(ARGS.calibrate, "--model", self.model, "--samples", self.samples,
                             *extra)

    def read_calibration(self, path):
        lines = Path(path).read_text().splitlines()
        self.assertEqual(lines[0], "# convoy calibration v1")
        samples = int(lines[1].removeprefix("# samples "))
        ranges = {}
        for line in lines[2:]:
            low, high, name = line.split("\t", 2)
            ranges[name] = (float(low), float(high))
        return samples, ranges

    def test_calibrates_from_arrays_and_images_and_int8_runs(self):
        # Images alone: two mid-gray PNGs, preprocessed as the config says
        # (padded with black, normalised by its mean and std).
        for i in range(2):
            Image.fromarray(np.full((28, 28), 128, np.uint8)).save(self.samples / f"c{i}.png")
        run = self.calibrate()
        self.assertEqual(run.returncode, 0, run.stderr)
        written = Path(str(self.model) + ".calibration")
        samples, ranges = self.read_calibration(written)
        self.assertEqual(samples, 2)
        config = (self.repo / MODEL / "config.pbtxt").read_text()
        mean = float(config.split("mean: ")[1].split()[0])
        std = float(config.split("std: ")[1].split()[0])
        self.assertAlmostEqual(ranges["input"][0], -mean / std, places=4)
        self.assertAlmostEqual(ranges["input"][1], (128 / 255 - mean) / std, places=4)

        # With training images beside them: a batch and one image without
        # the batch dimension.
        training = np.load(self.refs / "calibration" / "samples.npy")
        np.save(self.samples / "a-batch.npy", training[:200])
        np.save(self.samples / "b-one.npy", training[200])
        run = self.calibrate()
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("from 203 samples", run.stdout)
        self.assertIn(str(written), run.stdout)
        samples, ranges = self.read_calibration(written)
        self.assertEqual(samples, 203)
        self.assertEqual(len(ranges), 5, ranges)  # the inputs of 2 convolutions, 3 Gemms
        self.assertEqual(np.float32(ranges["input"][0]), training[:201].min())
        self.assertEqual(np.float32(ranges["input"][1]), training[:201].max())

        # int8 through convoy-infer finds the calibration beside the model.
        outputs = {}
        for precision in ("fp32", "int8"):
            out = self.work / f"{precision}.npy"
            run = self.run_tool(ARGS.infer, self.model, "--input", self.refs / "test_images.npy",
                                "--output", out, "--precision", precision)
            self.assertEqual(run.returncode, 0, run.stderr)
            outputs[precision] = np.load(out)
        labels = np.load(self.refs / "test_labels.npy")
        accuracy = {p: float((o.argmax(1) == labels).mean()) for p, o in outputs.items()}
        self.assertLessEqual(abs(accuracy["int8"] - accuracy["fp32"]), 0.005, accuracy)
        self.assertFalse(np.array_equal(outputs["int8"], outputs["fp32"]))

        # And through convoy-server, with precision "int8" in the config.
        (self.repo / MODEL / "config.pbtxt").write_text(config + 'precision: "int8"\n')
        server = start_server(ARGS.server, self.repo, self.work / "server.log")
        try:
            run = self.run_tool(ARGS.classify, "--server", f"127.0.0.1:{server.grpc_port}",
                                "--model", MODEL, "--dataset", "fashion-mnist-test",
                                "--limit", 2000, "--json")
        finally:
            server.stop()
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertRegex((self.work / "server.log").read_text(),
                         rf"event=model_loaded model={MODEL} version=1 precision=int8 ")
        served = json.loads(run.stdout)["accuracy"]
        self.assertLessEqual(abs(served - float((outputs["fp32"][:2000].argmax(1) ==
                                                 labels[:2000]).mean())), 0.01, served)

    def test_int8_without_a_calibration_names_the_command(self):
        run = self.run_tool(ARGS.infer, self.model, "--input", self.refs / "input.npy",
                            "--precision", "int8")
        self.assertEqual(run.returncode, 1)
        self.assertIn(f"there is none at {self.model}.calibration", run.stderr)
        self.assertIn("convoy-calibrate --model", run.stderr)

    def test_server_does_not_serve_an_int8_model_without_calibration(self):
        config = self.repo / MODEL / "config.pbtxt"
        config.write_text(config.read_text() + 'precision: "int8"\n')
        server = start_server(ARGS.server, self.repo, self.work / "server.log")
        server.stop()
        log = (self.work / "server.log").read_text()
        self.assertIn("needs a calibration", log)
        self.assertIn("ready=false", log)

    def test_refuses_bad_command_lines_and_samples(self):
        run = self.run_tool(ARGS.calibrate, "--model", self.model)
        self.assertEqual(run.returncode, 2)
        self.assertIn("--model and --samples are required", run.stderr)

        run = self.calibrate()
        self.assertEqual(run.returncode, 2)
        self.assertIn("no .npy file or image in it", run.stderr)

        run = self.run_tool(ARGS.calibrate, "--model", self.model, "--samples",
                            self.work / "missing")
        self.assertEqual(run.returncode, 2)
        self.assertIn("missing", run.stderr)

        (self.samples / "notes.txt").write_text("not a sample")
        run = self.calibrate()
        self.assertEqual(run.returncode, 2)
        self.assertIn("notes.txt: not a sample", run.stderr)
        (self.samples / "notes.txt").unlink()

        np.save(self.samples / "wrong.npy", np.zeros((2, 3, 32, 32), np.float32))
        run = self.calibrate()
        self.assertEqual(run.returncode, 2)
        self.assertIn("wrong.npy", run.stderr)
        self.assertIn("[2,3,32,32]", run.stderr)
        (self.samples / "wrong.npy").unlink()

        np.save(self.samples / "nan.npy", np.full((1, 1, 32, 32), np.nan, np.float32))
        run = self.calibrate()
        self.assertEqual(run.returncode, 2)
        self.assertIn("nan.npy", run.stderr)
        self.assertIn("nan", run.stderr)
        self.assertFalse(Path(str(self.model) + ".calibration").exists())

        run = self.run_tool(ARGS.calibrate, "--model", self.work / "none.onnx", "--samples",
                            self.samples)
        self.assertEqual(run.returncode, 1)
        self.assertIn("none.onnx", run.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    for flag in ("--calibrate", "--infer", "--server", "--classify", "--zoo"):
        parser.add_argument(flag, required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
