// ONNX Runtime (CPU execution provider, via onnxruntime-node) as a peer of
// Convoy's engine, on the zoo's ONNX file as is.
//
// Session: intraOpNumThreads = --threads, interOpNumThreads 1, sequential
// execution, every graph optimisation ("all"): ONNX Runtime's best CPU setup
// without extra execution providers. load_ms is creating the session (reading
// the file and optimising the graph); first_run_ms is the first run.
//
// It follows the protocol of bench/peers/runner_cli.py (the Python runners'
// shared module; keep the two in step): load, one first run, --warmup untimed
// runs, then timed runs until at least --min-runs runs AND --seconds seconds
// (at most 100000), and exactly one JSON line on stdout, with "error" when
// something failed. Diagnostics go to stderr.
//
//   node bench/peers/ort_runner.mjs --model resnet18 --onnx M.onnx \
//       --input X.npy --batch 1 --threads 2 --seconds 3 --min-runs 10 --warmup 3
//
// With --profile PREFIX (ONNX Runtime only), it also writes ONNX Runtime's
// profile of every run to PREFIX_<date>.json and prints to stderr each
// node's mean time per timed run, the longest first:
//
//   node bench/peers/ort_runner.mjs ... --profile /tmp/ort-alexnet
//
// onnxruntime-node is resolved from $CONVOY_BENCH_NODE_MODULES (default
// /var/cache/convoy-bench/node_modules; bench/engine.sh installs it there) so
// the repository needs no package.json.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const RUNNER = "ort";
const MAX_RUNS = 100000;
const NODE_MODULES =
  process.env.CONVOY_BENCH_NODE_MODULES || "/var/cache/convoy-bench/node_modules";

const log = (message) => process.stderr.write(`${message}\n`);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

// The flags of runner_cli.parse_args; every one takes a value.
function parseArgs(argv) {
  const args = { seconds: 3, minRuns: 10, warmup: 3 };
  const names = {
    "--model": "model", "--onnx": "onnx", "--input": "input", "--batch": "batch",
    "--threads": "threads", "--seconds": "seconds", "--min-runs": "minRuns",
    "--warmup": "warmup", "--profile": "profile",
  };
  const numeric = new Set(["batch", "threads", "seconds", "minRuns", "warmup"]);
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    args[key] = numeric.has(key) ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const key of ["model", "onnx", "input", "batch", "threads"]) {
    if (args[key] === undefined) throw new Error(`missing --${key}`);
  }
  return args;
}

// A little-endian float32, C-order .npy file (what the driver writes):
// returns { data: Float32Array, shape: number[] }.
function readNpyFloat32(file) {
  const bytes = readFileSync(file);
  if (bytes.toString("latin1", 0, 6) !== "\x93NUMPY") throw new Error(`${file} is not .npy`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString("latin1", headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  if (descr !== "<f4") throw new Error(`${file}: dtype ${descr}, want float32 (<f4)`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
    .split(",").map((s) => s.trim()).filter((s) => s).map(Number);
  const offset = bytes.byteOffset + headerStart + headerLength;
  const count = shape.reduce((a, b) => a * b, 1);
  // A copy: the data offset need not be 4-byte aligned for a view.
  const data = new Float32Array(bytes.buffer.slice(offset, offset + 4 * count));
  return { data, shape };
}

// The newest of ONNX Runtime's profiles PREFIX_<date>.json.
function newestProfile(prefix) {
  const dir = path.dirname(prefix);
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`${path.basename(prefix)}_`) && f.endsWith(".json"))
    .map((f) => path.join(dir, f));
  if (files.length === 0) throw new Error(`no profile ${prefix}_*.json`);
  return files.reduce((a, b) => (statSync(a).mtimeMs >= statSync(b).mtimeMs ? a : b));
}

// Each node's time per timed run in ONNX Runtime's profile `file`, in
// microseconds, on stderr; the first run and the warm-up runs are left out.
function logNodeTimes(file, timedRuns) {
  const events = JSON.parse(readFileSync(file, "utf8"));
  const runs = events.filter((e) => e.name === "model_run");
  const timedFrom = runs[runs.length - timedRuns].ts;  // Where the first timed run starts.
  const totals = new Map();
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time") || e.ts < timedFrom) continue;
    const key = `${e.args.op_name} ${e.name.slice(0, -"_kernel_time".length)}`;
    totals.set(key, (totals.get(key) || 0) + e.dur);
  }
  log(`${file}: microseconds per run, mean of ${timedRuns} runs`);
  for (const [key, total] of [...totals].sort((a, b) => b[1] - a[1])) {
    log(`${(total / timedRuns).toFixed(1).padStart(10)}  ${key}`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const result = {
    runner: RUNNER, model: args.model, batch: args.batch, threads: args.threads,
    load_ms: null, first_run_ms: null, latencies_ms: [],
  };
  try {
    const require = createRequire(path.join(NODE_MODULES, "noop.js"));
    const ort = require("onnxruntime-node");
    result.ort_version = ort.env.versions?.node;
    const input = readNpyFloat32(args.input);
    if (input.shape[0] !== args.batch) {
      throw new Error(`${args.input} has batch ${input.shape[0]}, --batch says ${args.batch}`);
    }
    let start = nowMs();
    const session = await ort.InferenceSession.create(args.onnx, {
      executionProviders: ["cpu"],
      intraOpNumThreads: args.threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      ...(args.profile && { enableProfiling: true, profileFilePrefix: args.profile }),
    });
    result.load_ms = nowMs() - start;
    const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", input.data, input.shape) };
    const run = () => session.run(feeds);

    start = nowMs();
    await run();
    result.first_run_ms = nowMs() - start;
    for (let i = 0; i < args.warmup; i++) await run();
    const deadline = nowMs() + 1000 * args.seconds;
    const latencies = result.latencies_ms;
    while (latencies.length < MAX_RUNS &&
           (latencies.length < args.minRuns || nowMs() < deadline)) {
      start = nowMs();
      await run();
      latencies.push(nowMs() - start);
    }
    if (args.profile) {
      session.endProfiling();
      logNodeTimes(newestProfile(args.profile), latencies.length);
    }
  } catch (error) {
    log(`${RUNNER} failed on ${args.model}: ${error.stack || error}`);
    result.error = String(error.message || error).split(/\s+/).join(" ");
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {  // a bad command line: no model to report on
  log(String(error.stack || error));
  process.exit(2);
});
