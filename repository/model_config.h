// Reading and validating a model's config.pbtxt.
//
// A config.pbtxt is an inference.ModelConfig in protobuf text format, as in
// Triton, so a Triton repository of ONNX models loads unchanged. Loading is
// strict about meaning and lenient about provenance:
//
//  * A field Triton knows but Convoy has no use for (optimization,
//    model_warmup, response_cache, instance_group.rate_limiter, ...) is
//    skipped and reported in ModelConfigFile::warnings; so is a setting
//    Convoy overrides (KIND_GPU instances run on the CPU).
//  * A Triton feature whose absence would change results (sequence_batching,
//    ensemble_scheduling, batch_input, shape tensors, priority levels, non-ONNX
//    platforms, tensor types the engine lacks) is Unimplemented.
//  * Anything else that is unknown or inconsistent (a misspelt field, a
//    preferred batch size above max_batch_size) is InvalidArgument.
//
// Every error message names the file, the field path and the reason:
//
//   zoo/models/x/config.pbtxt: dynamic_batching.preferred_batch_size: 64
//   exceeds max_batch_size 32
//
// and text-level errors carry the 1-based line (and column, for syntax).
//
// Defaults are filled into the returned config, so what the ModelConfig RPC
// returns is what the server runs: name (the directory name), platform and
// backend (onnxruntime_onnx / onnxruntime), version_policy (latest 1),
// instance_group (one CPU instance), default_model_filename (model.onnx).
//
//   ASSIGN_OR_RETURN(ModelConfigFile file, ReadModelConfig("models/resnet50"));
//   for (const std::string& w : file.warnings) LOG(WARNING) << w;
//
// Auto-complete (Triton's default, ConfigCompleteness::kPartial): a config
// may leave out max_batch_size, inputs, outputs, their data types and dims,
// or be absent altogether, and the server fills them in from the model file
// (server/core/config_completion.h). The checks run in two steps around
// that: those of the fields auto-complete never touches when the file is
// read, the rest (max_batch_size, input, output, dynamic_batching, Convoy's
// sections) by CheckCompletedModelConfig once the config is completed, with
// the same rules and messages as a complete file gets at once.
//
// Thread-safety: the functions are stateless and may be called concurrently.
#ifndef CONVOY_REPOSITORY_MODEL_CONFIG_H_
#define CONVOY_REPOSITORY_MODEL_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model_config.pb.h"

namespace convoy::repository {

// The file name of a model's configuration inside its directory.
inline constexpr char kModelConfigFileName[] = "config.pbtxt";
// The platform of Convoy's ensembles, which have no model file.
inline constexpr char kEnsemblePlatform[] = "convoy_ensemble";
// Used when a config does not name the model file of a version directory.
inline constexpr char kDefaultModelFileName[] = "model.onnx";

// How much of a model's configuration its config.pbtxt must give.
enum class ConfigCompleteness {
  // All of it: inputs and outputs with data types and dims, max_batch_size
  // for a batching model. As Triton with --disable-auto-complete-config, and
  // what tools that read a config without the model need.
  kComplete,
  // What auto-complete can read from the model may be left out (see above).
  // An ensemble (no model file) must still be complete.
  kPartial,
};

struct ModelConfigFile {
  inference::ModelConfig config;      // Validated, defaults filled in.
  std::vector<std::string> warnings;  // Settings Convoy ignores or overrides;
                                      // one per setting, naming the file and
                                      // the field.
  std::string source;  // The file, as errors and warnings name it.
  // False for a kPartial config whose inputs, outputs and batching are still
  // to be completed and checked (CheckCompletedModelConfig).
  bool complete = true;
};

// Parses and validates protobuf text. `source` (the file path) and
// `model_name` (the model directory's name, which the config's `name` must
// equal; empty = do not check, and the config must then name itself) appear
// in errors. InvalidArgument or Unimplemented as described above. With
// kPartial the checks of what auto-complete fills wait for
// CheckCompletedModelConfig (`complete` is false), except for an ensemble.
absl::StatusOr<ModelConfigFile> ParseModelConfig(absl::string_view text, absl::string_view source,
                                                 absl::string_view model_name,
                                                 ConfigCompleteness completeness = ConfigCompleteness::kComplete);

// The checks of a parsed configuration (ParseModelConfig's, for a config
// from elsewhere, such as JSON): `file->config` is validated and completed
// with defaults in place, warnings are appended, `source` names it in
// messages and is stored in `file->source`.
absl::Status ValidateModelConfig(absl::string_view source, absl::string_view model_name,
                                 ConfigCompleteness completeness, ModelConfigFile* file);

// Runs the checks a kPartial parse left for later, on the config as
// auto-complete filled it; sets `complete`. Messages start with
// `file->source`. REQUIRES: !file->complete.
absl::Status CheckCompletedModelConfig(ModelConfigFile* file);

// Reads <model_dir>/config.pbtxt and parses it with the directory's name as
// the model name. If the file is absent: NotFound with kComplete, and with
// kPartial the empty config Triton's auto-complete starts from (defaults
// filled, `complete` false). NotFound if `model_dir` is not a directory; a
// file over 4 MiB is InvalidArgument; a file that resolves outside the
// repository (the parent of `model_dir`), through a symlink, is
// PermissionDenied naming it (CheckInsideRepository).
absl::StatusOr<ModelConfigFile> ReadModelConfig(const std::string& model_dir,
                                                ConfigCompleteness completeness = ConfigCompleteness::kComplete);

}  // namespace convoy::repository

#endif  // CONVOY_REPOSITORY_MODEL_CONFIG_H_
