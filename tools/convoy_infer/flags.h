// Command-line flags of convoy-infer.
//
//   convoy-infer MODEL.onnx --input IN.npy [--input NAME=IN.npy ...]
//                [--image FILE ... [--config CONFIG.pbtxt] [--save-input X.npy]]
//                [--output OUT.npy] [--output NAME=OUT.npy ...]
//                [--bench N [--bench-seconds S] [--bench-json]] [--warmup W] [--threads T]
//                [--precision fp32|bf16|int8] [--top-k K [--labels FILE]] [--no-optimize]
//                [--no-winograd] [--served]
//
// Every flag takes its value either as the next argument or after '=':
// `--bench 100` and `--bench=100` are the same. Flags and the model path may
// come in any order. A binding value is split at its first '=', so a value
// name may not contain '=' (ONNX value names in practice never do) while a
// path may: `--input x=dir/a=b.npy`. A path containing '=' always needs the
// NAME= part.
//
// Parsing is purely syntactic; whether the names exist in the model is
// checked later, against the loaded model (see tensor_bindings.h).
#ifndef CONVOY_TOOLS_CONVOY_INFER_FLAGS_H_
#define CONVOY_TOOLS_CONVOY_INFER_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/api/model.h"

namespace convoy {

// One --input or --output value.
struct TensorBinding {
  // The model value to bind; empty means the model's first input (for
  // --input) or first output (for --output).
  std::string name;
  std::string path;  // the .npy file to read or write
};

struct InferFlags {
  std::string model_path;
  std::vector<TensorBinding> inputs;   // in command-line order
  std::vector<TensorBinding> outputs;  // in command-line order
  // JPEG/PNG files preprocessed into the config's image input, in order.
  std::vector<std::string> images;
  // The config.pbtxt for --image; empty = the repository's, next to the
  // version directory of the model file.
  std::string config_path;
  // Where to write the preprocessed image input as .npy; empty = nowhere.
  std::string save_input_path;
  // Timed runs; 0 = run once and report no timings.
  int bench_runs = 0;
  // Keep timing past bench_runs until the timed runs took this long.
  double bench_seconds = 0;
  // Print the timings as one line of JSON (FormatBenchJson) and nothing else.
  bool bench_json = false;
  // Untimed runs before the timed ones (only with --bench). The first run
  // compiles the plan, and the next few warm caches, so 3 keeps both out of
  // the numbers at small cost.
  int warmup_runs = 3;
  // ModelOptions::num_threads; 0 = the OpenMP default (one per core).
  int num_threads = 0;
  // Print the K best classes of each row of the first output (0 = don't).
  int top_k = 0;
  // One class name per line, for --top-k; empty = print class indices only.
  std::string labels_path;
  // ModelOptions::precision.
  engine::Precision precision = engine::Precision::kFloat32;
  // ModelOptions::optimize; --no-optimize turns it off.
  bool optimize = true;
  // ModelOptions::winograd; --no-winograd turns it off.
  bool winograd = true;
  // ModelOptions::served: false, as convoy-infer has its cores to itself;
  // --served chooses each plan's team as convoy-server would.
  bool served = false;
  // --help or -h was given; nothing else has been validated.
  bool help = false;
};

// Parses the arguments after argv[0]. Errors: InvalidArgument saying which
// argument is wrong and why.
absl::StatusOr<InferFlags> ParseInferFlags(absl::Span<const std::string> args);

// The text --help prints.
std::string InferUsage();

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_INFER_FLAGS_H_
