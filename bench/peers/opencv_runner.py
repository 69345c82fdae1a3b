"""OpenCV's DNN module as a peer of Convoy's engine.

cv2.dnn.readNetFromONNX on the zoo's ONNX file, run with OpenCV's own CPU
backend (DNN_BACKEND_OPENCV, DNN_TARGET_CPU) and cv2.setNumThreads(T): the
path any OpenCV application gets without extra libraries.

OpenCV's ONNX importer does not support every graph (opset and operator
coverage vary by version); a model it cannot load or run is reported as a
JSON line with "error" rather than a crash, so the benchmark goes on.

  opencv_runner.py --model resnet18 --onnx M.onnx --input X.npy \
      --batch 1 --threads 2 --seconds 3 --min-runs 10 --warmup 3
"""

import cv2

import runner_cli

RUNNER = "opencv"


def load_net(path: str):
    net = cv2.dnn.readNetFromONNX(path)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    return net


def main() -> None:
    args = runner_cli.parse_args(__doc__.splitlines()[0])
    try:
        cv2.setNumThreads(args.threads)
        blob = runner_cli.load_input(args)
        net, load_ms = runner_cli.timed(lambda: load_net(args.onnx))

        def run():
            net.setInput(blob)
            return net.forward()

        output, first_run_ms = runner_cli.timed(run)
        if output.shape[0] != args.batch:
            raise ValueError(f"output has batch {output.shape[0]}, expected {args.batch}")
        latencies = runner_cli.time_runs(run, args)
        runner_cli.emit(RUNNER, args, load_ms, first_run_ms, latencies,
                        opencv_version=cv2.__version__)
    except Exception as error:  # cv2.error included: report it, do not crash
        message = " ".join(str(error).split())
        runner_cli.log(f"{RUNNER} failed on {args.model}: {message}")
        runner_cli.emit(RUNNER, args, error=f"{type(error).__name__}: {message}")


if __name__ == "__main__":
    main()
