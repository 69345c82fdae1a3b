#include "tools/convoy_infer/flags.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace convoy {
namespace {

absl::Status UsageError(absl::string_view what) {
  return absl::InvalidArgumentError(std::string(what));
}

absl::StatusOr<TensorBinding> ParseBinding(absl::string_view flag, absl::string_view value) {
  TensorBinding binding;
  size_t eq = value.find('=');
  if (eq == absl::string_view::npos) {
    binding.path = std::string(value);
  } else {
    binding.name = std::string(value.substr(0, eq));
    binding.path = std::string(value.substr(eq + 1));
    if (binding.name.empty()) {
      return UsageError(absl::StrCat(flag, " '", value, "': empty NAME before '='"));
    }
  }
  if (binding.path.empty())
    return UsageError(absl::StrCat(flag, " '", value, "': empty file name"));
  return binding;
}

absl::StatusOr<int> ParseCount(absl::string_view flag, absl::string_view value, int min) {
  int n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < min) {
    return UsageError(absl::StrCat(flag, " '", value, "': expected an integer >= ", min));
  }
  return n;
}

// At most one binding may omit NAME, and no name may repeat.
absl::Status CheckUnique(absl::string_view flag, const std::vector<TensorBinding>& bindings) {
  std::set<std::string> names;
  int unnamed = 0;
  for (const TensorBinding& b : bindings) {
    if (b.name.empty()) {
      if (++unnamed > 1) {
        return UsageError(absl::StrCat("only one ", flag, " may omit NAME=; name the others, e.g. ",
                                       flag, " NAME=", b.path));
      }
    } else if (!names.insert(b.name).second) {
      return UsageError(absl::StrCat(flag, " '", b.name, "' is given twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<InferFlags> ParseInferFlags(absl::Span<const std::string> args) {
  InferFlags flags;
  bool warmup_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      return flags;
    }
    if (arg == "--no-optimize") {
      flags.optimize = false;
      continue;
    }
    if (arg == "--no-winograd") {
      flags.winograd = false;
      continue;
    }
    if (arg == "--served") {
      flags.served = true;
      continue;
    }
    if (arg == "--bench-json") {
      flags.bench_json = true;
      continue;
    }
    if (!absl::StartsWith(arg, "-")) {
      if (!flags.model_path.empty()) {
        return UsageError(absl::StrCat("unexpected argument '", arg, "' (the model is '",
                                       flags.model_path, "')"));
      }
      flags.model_path = std::string(arg);
      continue;
    }

    absl::string_view flag = arg;
    absl::string_view value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (flag != "--input" && flag != "--output" && flag != "--bench" && flag != "--warmup" &&
        flag != "--threads" && flag != "--top-k" && flag != "--labels" && flag != "--image" &&
        flag != "--config" && flag != "--save-input" && flag != "--precision" &&
        flag != "--bench-seconds") {
      return UsageError(absl::StrCat("unknown flag '", flag, "'"));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return UsageError(absl::StrCat(flag, " needs a value"));
      value = args[++i];
    }

    if (flag == "--input" || flag == "--output") {
      absl::StatusOr<TensorBinding> binding = ParseBinding(flag, value);
      if (!binding.ok()) return binding.status();
      (flag == "--input" ? flags.inputs : flags.outputs).push_back(*std::move(binding));
    } else if (flag == "--labels") {
      flags.labels_path = std::string(value);
    } else if (flag == "--image") {
      if (value.empty()) return UsageError("--image needs a file name");
      flags.images.push_back(std::string(value));
    } else if (flag == "--config") {
      flags.config_path = std::string(value);
    } else if (flag == "--save-input") {
      flags.save_input_path = std::string(value);
    } else if (flag == "--precision") {
      absl::StatusOr<engine::Precision> precision = engine::ParsePrecision(value);
      if (!precision.ok()) return UsageError(absl::StrCat("--precision: ", precision.status().message()));
      flags.precision = *precision;
    } else if (flag == "--bench-seconds") {
      if (!absl::SimpleAtod(value, &flags.bench_seconds) || !(flags.bench_seconds >= 0) ||
          flags.bench_seconds > 86400) {
        return UsageError(absl::StrCat("--bench-seconds '", value,
                                       "': expected a number of seconds from 0 to 86400"));
      }
    } else {
      absl::StatusOr<int> n =
          ParseCount(flag, value, flag == "--bench" || flag == "--top-k" ? 1 : 0);
      if (!n.ok()) return n.status();
      if (flag == "--bench") {
        flags.bench_runs = *n;
      } else if (flag == "--top-k") {
        flags.top_k = *n;
      } else if (flag == "--warmup") {
        flags.warmup_runs = *n;
        warmup_given = true;
      } else {
        flags.num_threads = *n;
      }
    }
  }

  if (flags.model_path.empty()) return UsageError("missing MODEL.onnx");
  if (warmup_given && flags.bench_runs == 0)
    return UsageError("--warmup only applies with --bench");
  if ((flags.bench_seconds > 0 || flags.bench_json) && flags.bench_runs == 0)
    return UsageError("--bench-seconds and --bench-json only apply with --bench");
  if (flags.bench_json && (!flags.outputs.empty() || flags.top_k > 0))
    return UsageError("--bench-json prints only the timings; drop --output and --top-k");
  if (!flags.labels_path.empty() && flags.top_k == 0)
    return UsageError("--labels only applies with --top-k");
  if (flags.images.empty() && (!flags.config_path.empty() || !flags.save_input_path.empty()))
    return UsageError("--config and --save-input only apply with --image");
  if (absl::Status s = CheckUnique("--input", flags.inputs); !s.ok()) return s;
  if (absl::Status s = CheckUnique("--output", flags.outputs); !s.ok()) return s;
  return flags;
}

std::string InferUsage() {
  return R"(Usage: convoy-infer MODEL.onnx --input IN.npy [--input NAME=IN.npy ...]
                    [--image FILE ... [--config CONFIG.pbtxt] [--save-input X.npy]]
                    [--output OUT.npy] [--output NAME=OUT.npy ...]
                    [--bench N [--bench-seconds S] [--bench-json]] [--warmup W]
                    [--threads T] [--precision fp32|bf16|int8]
                    [--top-k K [--labels FILE]] [--no-optimize] [--no-winograd]
                    [--served]

Runs an ONNX model on .npy inputs with the Convoy engine. Loading it compiles
the plan for the inputs' batch size (the first input's leading dimension, or
the number of --image files).

  --input [NAME=]FILE.npy   Bind a model input. Without NAME= it binds the
                            model's first input. Every model input must be
                            bound. float64 files are converted to float32.
  --image FILE              A JPEG or PNG image; repeat for a batch. The
                            images are decoded and preprocessed as the
                            model's config.pbtxt says (as convoy-server does)
                            into the input its preprocessing section names.
  --config CONFIG.pbtxt     The config for --image (default: config.pbtxt of
                            the repository model, two levels above MODEL).
  --save-input X.npy        Write the preprocessed image input as .npy.
  --output [NAME=]FILE.npy  Write a value as .npy. Without NAME= it is the
                            model's first output; NAME may also be an
                            intermediate value of the graph. Without any
                            --output, a summary of each output is printed.
  --bench N                 Time N runs and print throughput and latency
                            percentiles (after the warm-up runs).
  --bench-seconds S         With --bench: keep timing runs until they took
                            S seconds in all (at least N runs either way).
  --bench-json              With --bench: print only one line of JSON with
                            the load time, the first run and every timed
                            run's latency (for bench/engine_bench.py).
  --warmup W                Untimed runs before the timed ones (default 3).
  --threads T               Threads per run (default 0: one per core).
  --precision P             fp32 (default), bf16 or int8: the arithmetic of
                            convolutions and matrix products (bf16 runs on
                            AMX where the CPU has it; int8 convolutions need
                            MODEL.calibration, from convoy-calibrate; see
                            docs/ENGINE.md).
  --top-k K                 Print the K most probable classes of each row of
                            the first output (softmax of its values).
  --labels FILE             Class names, one per line, for --top-k.
  --no-optimize             Run the graph as the file has it, without folding
                            BatchNorm or fusing operators (to compare, or to
                            request a value a fusion would remove).
  --no-winograd             Direct float32 convolutions only: slower 3x3
                            convolutions, less memory (docs/ENGINE.md).
  --served                  Choose each plan's threads as convoy-server does:
                            a small plan keeps its team only if the time the
                            team saves beats the serving work of the requests
                            it carries. Without it the team is kept wherever
                            it is faster (docs/ENGINE.md, "Threads").
  --help                    Print this text.

Exit status: 0 on success, 1 if the model fails to load or run or an output
cannot be written, 2 for a usage error or an input that does not fit the model.
)";
}

}  // namespace convoy
