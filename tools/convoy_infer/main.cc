// convoy-infer: run an ONNX model on .npy files with the Convoy engine,
// optionally timing it. See InferUsage() in flags.cc for the command line.
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/api/model.h"
#include "engine/api/npy.h"
#include "engine/api/tensor.h"
#include "tools/convoy_infer/bench.h"
#include "tools/convoy_infer/flags.h"
#include "tools/convoy_infer/image_input.h"
#include "tools/common/latency_stats.h"
#include "tools/convoy_infer/tensor_bindings.h"
#include "tools/convoy_infer/top_k.h"

namespace convoy {
namespace {

constexpr int kExitFailure = 1;  // load, run or write failed
constexpr int kExitUsage = 2;    // bad command line, or inputs that do not fit the model
// The path of the binding --image adds; never read as a file.
constexpr char kImageBinding[] = "<--image files>";

int Fail(int exit_code, absl::string_view message) {
  std::cerr << "convoy-infer: " << message << "\n";
  return exit_code;
}

std::string Describe(absl::string_view name, const engine::Tensor& tensor) {
  return absl::StrCat("'", name, "' ", engine::DataTypeName(tensor.type()), " ",
                      engine::ShapeToString(tensor.shape()));
}

// What to print for an output nobody asked to save: range, mean and, for a
// [batch, classes] tensor, the top class of each row.
std::string Summarize(absl::string_view name, const engine::Tensor& tensor) {
  std::string line = Describe(name, tensor);
  if (tensor.type() != engine::DataType::kFloat32 || tensor.num_elements() == 0) return line;
  absl::Span<const float> v = tensor.values<float>();
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  double sum = 0;
  for (float x : v) sum += x;
  absl::StrAppendFormat(&line, ": min %g  max %g  mean %g", *lo, *hi, sum / v.size());
  if (tensor.shape().size() == 2 && tensor.shape()[1] > 1) {
    const int64_t rows = tensor.shape()[0];
    const int64_t cols = tensor.shape()[1];
    constexpr int64_t kMaxRowsShown = 16;
    std::vector<int64_t> top;
    for (int64_t r = 0; r < std::min(rows, kMaxRowsShown); ++r) {
      const float* row = v.data() + r * cols;
      top.push_back(std::max_element(row, row + cols) - row);
    }
    absl::StrAppend(&line, "  argmax per row [", absl::StrJoin(top, ","),
                    rows > kMaxRowsShown ? ",...]" : "]");
  }
  return line;
}

// "  #0  0.8312  ankle boot (9)" for each of the k best classes of each row.
absl::Status PrintTopK(const engine::Tensor& output, int k, const std::string& labels_path) {
  if (output.type() != engine::DataType::kFloat32 || output.shape().size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--top-k needs a [batch, classes] float32 output, got ", engine::ShapeToString(output.shape())));
  }
  std::vector<std::string> labels;
  if (!labels_path.empty()) {
    absl::StatusOr<std::vector<std::string>> read = ReadLabels(labels_path);
    if (!read.ok()) return read.status();
    labels = *std::move(read);
  }
  const int64_t classes = output.shape()[1];
  for (int64_t r = 0; r < output.shape()[0]; ++r) {
    std::cout << "sample " << r << ":\n";
    for (const ClassScore& c : TopK({output.data<float>() + r * classes, size_t(classes)}, k)) {
      const std::string name =
          c.index < static_cast<int64_t>(labels.size()) ? labels[c.index] : "";
      std::cout << absl::StrFormat("  %.4f  %s (%d)\n", c.probability, name, c.index);
    }
  }
  return absl::OkStatus();
}

int Main(const std::vector<std::string>& args) {
  absl::StatusOr<InferFlags> flags = ParseInferFlags(args);
  if (!flags.ok()) {
    return Fail(kExitUsage,
                absl::StrCat(flags.status().message(), "\nRun 'convoy-infer --help' for usage."));
  }
  if (flags->help) {
    std::cout << InferUsage();
    return 0;
  }

  // The input files are read first: the load prepares the plan of their
  // batch size (or of the number of --image files) and holds no plan of
  // another (ModelOptions::prepared_batch_sizes). A file that cannot be
  // read is reported after the model loads, as BindInputs reads it.
  absl::flat_hash_map<std::string, absl::StatusOr<engine::Tensor>> files;
  for (const TensorBinding& binding : flags->inputs) {
    if (!files.contains(binding.path)) files.emplace(binding.path, engine::ReadNpy(binding.path));
  }
  int64_t batch_size = static_cast<int64_t>(flags->images.size());
  if (!flags->inputs.empty()) {
    const absl::StatusOr<engine::Tensor>& first = files.at(flags->inputs[0].path);
    batch_size = first.ok() && !first->shape().empty() ? first->shape()[0] : 0;
  }

  const Clock clock = SteadyClock();
  const auto load_start = clock();
  engine::ModelOptions model_options;
  model_options.num_threads = flags->num_threads;
  model_options.optimize = flags->optimize;
  model_options.winograd = flags->winograd;
  model_options.served = flags->served;
  model_options.precision = flags->precision;
  // All inputs share the batch size; a size of 0 is the run's to reject.
  if (batch_size >= 1) model_options.prepared_batch_sizes = {batch_size};
  absl::StatusOr<std::unique_ptr<engine::Model>> model = engine::Model::Load(flags->model_path, model_options);
  if (!model.ok()) return Fail(kExitFailure, model.status().message());
  const double load_ms = ElapsedMs(load_start, clock());

  // --image files bind the config's image input like one more --input.
  std::vector<TensorBinding> bindings = flags->inputs;
  std::optional<engine::NamedTensor> image_input;
  if (!flags->images.empty()) {
    absl::StatusOr<engine::NamedTensor> loaded =
        LoadImageInput(ImageConfigPath(flags->model_path, flags->config_path), flags->images);
    if (!loaded.ok()) return Fail(kExitUsage, loaded.status().message());
    image_input = *std::move(loaded);
    bindings.push_back({image_input->name, kImageBinding});
    if (!flags->save_input_path.empty()) {
      if (absl::Status s = engine::WriteNpy(flags->save_input_path, image_input->tensor); !s.ok()) {
        return Fail(kExitFailure, s.message());
      }
    }
  }
  // Each file read above is handed over, not copied; one bound twice is
  // read again.
  const TensorReader read = [&](const std::string& path) -> absl::StatusOr<engine::Tensor> {
    if (image_input && path == kImageBinding) return image_input->tensor;
    auto file = files.extract(path);
    return file.empty() ? engine::ReadNpy(path) : std::move(file.mapped());
  };
  absl::StatusOr<std::vector<engine::NamedTensor>> inputs = BindInputs((*model)->inputs(), bindings, read);
  if (!inputs.ok()) return Fail(kExitUsage, inputs.status().message());
  absl::StatusOr<std::vector<std::string>> output_names =
      ResolveOutputNames((*model)->outputs(), flags->outputs);
  if (!output_names.ok()) return Fail(kExitUsage, output_names.status().message());

  engine::RunOptions run_options;
  run_options.output_names = *output_names;
  std::vector<engine::Tensor> outputs;
  auto run_once = [&]() -> absl::Status {
    absl::StatusOr<std::vector<engine::Tensor>> result = (*model)->Run(*inputs, run_options);
    if (!result.ok()) return result.status();
    outputs = *std::move(result);
    return absl::OkStatus();
  };

  // The first run is reported on its own and never counted in the
  // benchmark: it compiles the plan where the load could not (inputs with
  // dynamic dimensions besides the batch), and meets cold caches.
  const auto first_start = clock();
  if (absl::Status status = run_once(); !status.ok()) return Fail(kExitFailure, status.message());
  const double first_run_ms = ElapsedMs(first_start, clock());

  const std::string model_name = ModelDisplayName(flags->model_path);
  // Images per run: the leading dimension of the first input.
  const int64_t batch = inputs->empty() || inputs->front().tensor.shape().empty()
                            ? 1
                            : inputs->front().tensor.shape().front();
  if (flags->bench_json) {
    absl::StatusOr<std::vector<double>> latencies_ms = TimeRuns(
        flags->warmup_runs, flags->bench_runs, run_once, clock, flags->bench_seconds * 1000);
    if (!latencies_ms.ok()) return Fail(kExitFailure, latencies_ms.status().message());
    std::cout << FormatBenchJson({model_name, std::string(engine::PrecisionName(flags->precision)), batch,
                                  flags->num_threads, load_ms, first_run_ms,
                                  (*model)->plan_cache_stats().single_thread_plans, *latencies_ms})
              << std::endl;
    return 0;
  }
  std::cout << absl::StrFormat(
      "%s: loaded in %s, first run %s, threads %s\n", model_name,
      FormatMs(load_ms), FormatMs(first_run_ms),
      flags->num_threads > 0 ? absl::StrCat(flags->num_threads) : "default");

  if (flags->top_k > 0) {
    if (absl::Status s = PrintTopK(outputs[0], flags->top_k, flags->labels_path); !s.ok()) {
      return Fail(kExitFailure, s.message());
    }
  } else if (flags->outputs.empty()) {
    const std::vector<engine::TensorInfo>& declared = (*model)->outputs();
    for (size_t i = 0; i < outputs.size() && i < declared.size(); ++i) {
      std::cout << "output " << Summarize(declared[i].name, outputs[i]) << "\n";
    }
  } else if (outputs.size() != flags->outputs.size()) {
    return Fail(kExitFailure, absl::StrCat("the engine returned ", outputs.size(), " outputs for ",
                                           flags->outputs.size(), " requested"));
  }
  for (size_t i = 0; i < flags->outputs.size(); ++i) {
    const std::string& path = flags->outputs[i].path;
    if (absl::Status status = engine::WriteNpy(path, outputs[i]); !status.ok()) {
      return Fail(kExitFailure, status.message());
    }
    std::cout << "wrote " << Describe(run_options.output_names[i], outputs[i]) << " to " << path
              << "\n";
  }

  if (flags->bench_runs > 0) {
    absl::StatusOr<std::vector<double>> latencies_ms = TimeRuns(
        flags->warmup_runs, flags->bench_runs, run_once, clock, flags->bench_seconds * 1000);
    if (!latencies_ms.ok()) return Fail(kExitFailure, latencies_ms.status().message());
    std::cout << FormatBenchLine(model_name, batch, ComputeLatencyStats(*latencies_ms),
                                 flags->warmup_runs)
              << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace convoy

int main(int argc, char** argv) {
  return convoy::Main(std::vector<std::string>(argv + 1, argv + argc));
}
