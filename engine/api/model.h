// Model: a loaded ONNX network, ready to run on oneDNN.
//
// Load() parses and validates the file (operators, attributes, initializers,
// shapes) and reports anything it cannot run as a Status naming the file, the
// node, the operator and the reason. Running compiles a plan for the concrete
// input shapes on first use (one plan per distinct set of input shapes, so one
// per batch size in practice) and caches it.
//
//   ASSIGN_OR_RETURN(auto model, convoy::engine::Model::Load("resnet50/1/model.onnx", {}));
//   ASSIGN_OR_RETURN(auto outputs, model->Run({{"input", images}}));
//
// Thread-safety: every const method may be called concurrently. Runs that use
// the same plan (same input shapes) are serialised, because a plan owns its
// activation buffers; runs with different shapes proceed in parallel.
#ifndef CONVOY_ENGINE_API_MODEL_H_
#define CONVOY_ENGINE_API_MODEL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/api/calibration.h"
#include "engine/api/tensor.h"

namespace convoy::engine {

// A graph input or output as the model declares it. A dimension of -1 is
// dynamic (a symbolic dimension in the ONNX file, usually the batch).
struct TensorInfo {
  std::string name;
  DataType type = DataType::kFloat32;
  Shape shape;
};

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// The arithmetic of a model's convolutions and matrix products, where nearly
// all of its time goes.
//  - kFloat32: float32 throughout (the default; results match the file's
//    framework to float rounding).
//  - kBfloat16: convolutions and matrix products read bfloat16 activations
//    and weights and accumulate in float32, on AMX where the CPU has it
//    (several times float32's speed); convolution outputs stay bfloat16 on
//    the way to the next layer, everything else is float32. Outputs differ
//    from float32 by about 1e-2 relative.
//  - kInt8: convolutions and Gemms read 8-bit activations (u8, or s8
//    where the input goes below zero) scaled by a calibration
//    (calibration.h), and 8-bit weights scaled per output channel, and
//    accumulate in int32 (VNNI, or AMX where the CPU has it). A convolution
//    whose output another int8 convolution reads writes it in 8 bits, and
//    max pooling and concatenation pass 8-bit values on where their
//    readers quantize them anyway (engine/exec/int8_ranges.h); other
//    outputs, and everything else, are float32. A product whose input the
//    calibration does not cover stays float32.
enum class Precision { kFloat32, kBfloat16, kInt8 };

// "fp32" / "bf16" / "int8", as flags and configs spell them.
absl::string_view PrecisionName(Precision precision);
// Parses PrecisionName's spelling; InvalidArgument naming the choices otherwise.
absl::StatusOr<Precision> ParsePrecision(absl::string_view name);

struct ModelOptions {
  // Threads for one run (oneDNN's OpenMP team). 0 = the OpenMP default,
  // which is one per core. A plan runs on one thread instead unless timing
  // shows the team pays for itself (see `served`); a plan of 1 GFLOP or
  // more per run keeps the team untimed (engine/exec/team_choice.h,
  // docs/ENGINE.md "Threads").
  int num_threads = 0;
  // Whether the runs share their cores with a server's threads receiving
  // and answering the requests they carry (convoy-server's models). A plan
  // then keeps its team only where the time the team saves beats that
  // serving work, which would preempt it; false, for a process that has
  // the cores to itself (convoy-infer), keeps the team wherever it is faster.
  bool served = true;
  // How long, in seconds, a timed plan keeps the team it chose before its
  // next run chooses again, timing both sizes anew: the machine's other
  // load, which decided the choice, comes and goes. A team whose runs take
  // twice its timed median, three in a row, chooses again after 10 s, or
  // this interval if shorter (engine/exec/team_choice.h). 0: choose once.
  double choose_team_again_after_seconds = 60;
  // Largest single value (tensor) a plan may hold, in bytes. A model or an
  // input whose shapes exceed it is refused rather than allocated: shapes
  // come from files and requests that may be hostile. 4 GiB by default,
  // ten times VGG-19's largest activation at batch 32.
  int64_t max_value_bytes = int64_t{4} << 30;
  // Activation memory the cached plans (one per batch size) may hold
  // together, plans being compiled included: a compile reserves its plan's
  // size before allocating it, dropping least recently used plans (they
  // are compiled again when next needed) or, while other compiles hold the
  // room, waiting for them. A plan larger than the whole budget is
  // compiled alone, runs, and is dropped after its run. A compile that
  // fails leaves nothing cached. A server batching dynamically meets every
  // batch size up to its maximum, and a model with dynamic spatial
  // dimensions every image size, so without a bound its plans would grow
  // with the sum of all of them. 4 GiB by default: ResNet-50's plans for
  // batches up to 32, for example.
  int64_t max_plan_cache_bytes = int64_t{4} << 30;
  // Rewrite the graph at load (fold BatchNorm into Conv, fuse activations
  // into Conv and Gemm, drop identities). Values fused away can then not be
  // requested as outputs; turn this off to request any value of the file.
  bool optimize = true;
  Precision precision = Precision::kFloat32;
  // Float32 3x3 convolutions with stride 1 run oneDNN's Winograd kernels
  // where it has one: VGG-16, ResNet-18 and GoogLeNet 1.4x faster (ENGINE.md).
  // Their weights are kept transformed, 1.8 to 4 times larger, beside the
  // file's, and their scratch memory is larger too: VGG-16's peak RSS at
  // batch 8 is 1.42 GB instead of 0.96. False: direct convolutions only.
  bool winograd = true;
  // The ranges Precision::kInt8 quantizes with. Unset, Load reads them from
  // CalibrationPathFor(path) (convoy-calibrate writes them there), and
  // LoadFromBytes fails: int8 without a calibration is FailedPrecondition.
  // A calibration that covers none of the model's calibrated_values() was
  // made for another model, and fails the load too.
  std::shared_ptr<const Calibration> calibration;
  // Batch sizes whose plans are compiled at load, so that the first run at
  // each does not wait for a compile (ResNet-50 at batch 16: 40-80 ms).
  // The load's check runs the first of them; without any, it compiles and
  // runs batch 1's plan, which then stays cached. They apply to a dynamic
  // leading dimension: a model with fixed input shapes has its one plan
  // already. Each counts against max_plan_cache_bytes like any plan. A
  // size below 1, or one whose plan cannot be compiled, fails the load,
  // naming the size.
  std::vector<int64_t> prepared_batch_sizes;
};

struct RunOptions {
  // Values to return, by name. Empty = the graph outputs in declaration
  // order. Any named intermediate value may be requested.
  std::vector<std::string> output_names;
};

// What a model's plan cache holds (ModelOptions::max_plan_cache_bytes).
struct PlanCacheStats {
  int plans = 0;           // Plans cached or being compiled.
  int64_t bytes = 0;       // Their activation memory, reserved or allocated.
  int64_t peak_bytes = 0;  // The most `bytes` has been since the load.
  // Compiled plans that run on one thread where num_threads allows more:
  // their team did not pay for itself when timed (ModelOptions::num_threads).
  int single_thread_plans = 0;
  // Times a plan was timed to choose its team since the load, choosing
  // again included (ModelOptions::choose_team_again_after_seconds).
  int64_t team_choices = 0;
};

class Model {
 public:
  // Reads and validates an ONNX file. Errors: NotFound (no file),
  // InvalidArgument (not a valid ONNX model, or inconsistent), Unimplemented
  // (valid ONNX that uses something the engine does not support).
  static absl::StatusOr<std::unique_ptr<Model>> Load(const std::string& path,
                                                     const ModelOptions& options);
  // As Load, from the serialized ModelProto; `source` names it in errors.
  static absl::StatusOr<std::unique_ptr<Model>> LoadFromBytes(
      absl::string_view bytes, const std::string& source, const ModelOptions& options);

  virtual ~Model() = default;

  virtual const std::vector<TensorInfo>& inputs() const = 0;
  virtual const std::vector<TensorInfo>& outputs() const = 0;
  // The values whose ranges Precision::kInt8 needs: the data inputs of the
  // convolutions and Gemms with constant weights, and the residuals fused
  // into those convolutions, as the graph has them once optimised
  // (ModelOptions::optimize). Calibrator records them.
  virtual std::vector<std::string> calibrated_values() const = 0;

  // A snapshot of the plan cache, for tests and monitoring.
  virtual PlanCacheStats plan_cache_stats() const = 0;

  // Runs the model. Every graph input must be given exactly once, with the
  // declared element type and a shape that matches every fixed dimension.
  // Returns the requested outputs in the requested order, as plain tensors.
  virtual absl::StatusOr<std::vector<Tensor>> Run(const std::vector<NamedTensor>& inputs,
                                                  const RunOptions& options = {}) const = 0;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_API_MODEL_H_
