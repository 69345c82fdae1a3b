#include "repository/model_config_checks.h"

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "google/protobuf/repeated_field.h"
#include "repository/convoy_config_checks.h"
#include "repository/unapplied_fields.h"

namespace convoy::repository {
namespace {

using ::inference::DataType;
using ::inference::ModelConfig;
using ::inference::ModelInstanceGroup;
using ::inference::ModelVersionPolicy;

// Limits on values that size allocations or threads. They are far above any
// sensible setting and exist so a hostile or mistyped config is refused at
// load rather than at the first request.
constexpr int kMaxBatchSize = 4096;
constexpr int kMaxDims = 8;
constexpr int kMaxInstanceCount = 64;
constexpr uint64_t kMaxQueueDelayMicros = 10'000'000;  // 10 s

// Element count of `shape`, or -1 if a dimension is dynamic or the product
// overflows (then there is nothing to compare).
int64_t ElementCount(const google::protobuf::RepeatedField<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(count, d, &count)) return -1;
  }
  return count;
}

// Element counts of the runs of fixed dimensions between the -1s:
// [2, 4, -1, 6] gives {8, 6}, [] and [1] give {1}. A run whose count
// overflows gives -1.
std::vector<int64_t> FixedRuns(const google::protobuf::RepeatedField<int64_t>& shape) {
  std::vector<int64_t> runs = {1};
  for (int64_t d : shape) {
    if (d == -1) {
      runs.push_back(1);
    } else if (runs.back() >= 0 && __builtin_mul_overflow(runs.back(), d, &runs.back())) {
      runs.back() = -1;
    }
  }
  return runs;
}

class Checker {
 public:
  Checker(absl::string_view source, absl::string_view model_name, ModelConfigFile* file)
      : source_(source), model_name_(model_name), config_(file->config), warnings_(file->warnings) {}

  // Each stops at the first error; the order puts the name first and lets
  // later checks rely on earlier ones (max_batch_size before
  // dynamic_batching). max_batch_size is in both: a value out of range is
  // refused before the model is loaded, and auto-complete may set it.
  absl::Status RunFixed() {
    absl::Status status = Run({&Checker::CheckName, &Checker::CheckPlatform, &Checker::CheckMaxBatchSize,
                               &Checker::CheckVersionPolicy, &Checker::CheckInstanceGroups,
                               &Checker::CheckModelFiles});
    if (status.ok()) WarnUnappliedFields(source_, config_, &warnings_);
    return status;
  }
  absl::Status RunCompletable() {
    return Run({&Checker::CheckMaxBatchSize, &Checker::CheckInputs, &Checker::CheckOutputs,
                &Checker::CheckDynamicBatching, &Checker::CheckConvoyFields});
  }

 private:
  using Check = absl::Status (Checker::*)();
  absl::Status Run(std::initializer_list<Check> checks) {
    for (Check check : checks) {
      absl::Status status = (this->*check)();
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // Every message reads "<file>: <field path>: <reason>".
  std::string Message(absl::string_view path, absl::string_view reason) const {
    return absl::StrCat(source_, ": ", path, ": ", reason);
  }
  absl::Status Invalid(absl::string_view path, absl::string_view reason) const {
    return absl::InvalidArgumentError(Message(path, reason));
  }
  absl::Status Unsupported(absl::string_view path, absl::string_view reason) const {
    return absl::UnimplementedError(Message(path, reason));
  }
  void Warn(absl::string_view path, absl::string_view reason) {
    warnings_.push_back(Message(path, reason));
  }

  absl::Status CheckName() {
    const absl::string_view model_name = model_name_;
    if (model_name.empty()) {
      if (config_.name().empty()) return Invalid("name", "required (no model directory to take it from)");
      return absl::OkStatus();
    }
    if (config_.name().empty()) {
      config_.set_name(std::string(model_name));
    } else if (config_.name() != model_name) {
      // Clients address models by directory name; a second name would make
      // the ModelConfig RPC disagree with the name the model is served under.
      return Invalid("name", absl::StrCat("'", config_.name(), "' does not match the model directory '",
                                          model_name, "'"));
    }
    return absl::OkStatus();
  }

  // Triton names ONNX models platform "onnxruntime_onnx" / backend
  // "onnxruntime"; Convoy also answers to its own names. Either may be empty.
  // Ensembles are platform "convoy_ensemble", backend "convoy".
  absl::Status CheckPlatform() {
    const std::string& platform = config_.platform();
    if (!platform.empty() && platform != "onnxruntime_onnx" && platform != "convoy_onnx" &&
        platform != kEnsemblePlatform) {
      return Unsupported("platform", absl::StrCat("'", platform,
                                                  "' is not served: Convoy runs ONNX models "
                                                  "(platform onnxruntime_onnx) and its own ensembles "
                                                  "(convoy_ensemble)"));
    }
    const std::string& backend = config_.backend();
    if (!backend.empty() && backend != "onnxruntime" && backend != "convoy") {
      return Unsupported("backend", absl::StrCat("'", backend,
                                                 "' is not served: Convoy runs ONNX models "
                                                 "(backend onnxruntime)"));
    }
    if (platform == kEnsemblePlatform && backend == "onnxruntime") {
      return Invalid("backend", "an ensemble runs in Convoy itself: backend \"convoy\" or none");
    }
    if (platform.empty()) config_.set_platform(backend == "convoy" ? "convoy_onnx" : "onnxruntime_onnx");
    // Read the field again: set_platform may have replaced the string `platform` referred to.
    if (backend.empty()) config_.set_backend(config_.platform() == "onnxruntime_onnx" ? "onnxruntime" : "convoy");
    return absl::OkStatus();
  }

  absl::Status CheckMaxBatchSize() {
    const int32_t max = config_.max_batch_size();
    if (max < 0 || max > kMaxBatchSize) {
      return Invalid("max_batch_size",
                     absl::StrCat(max, " is outside [0, ", kMaxBatchSize, "] (0 = the model does not batch)"));
    }
    return absl::OkStatus();
  }

  // Dims exclude the batch dimension when max_batch_size > 0; -1 is dynamic.
  absl::Status CheckShape(const std::string& path, const google::protobuf::RepeatedField<int64_t>& dims,
                          const inference::ModelTensorReshape* reshape) {
    if (dims.empty()) return Invalid(path + ".dims", "required (one entry per dimension, -1 if dynamic)");
    for (const auto* shape : {&dims, reshape ? &reshape->shape() : nullptr}) {
      if (shape == nullptr) continue;
      const std::string field = shape == &dims ? path + ".dims" : path + ".reshape.shape";
      if (shape->size() > kMaxDims) {
        return Invalid(field, absl::StrCat(shape->size(), " dimensions, more than ", kMaxDims));
      }
      for (int j = 0; j < shape->size(); ++j) {
        const int64_t d = shape->Get(j);
        if (d < -1 || d == 0) {
          return Invalid(absl::StrCat(field, "[", j, "]"),
                         absl::StrCat(d, " is not a dimension (>= 1, or -1 for a dynamic one)"));
        }
      }
    }
    if (reshape != nullptr) {
      const int64_t from = ElementCount(dims);
      const int64_t to = ElementCount(reshape->shape());
      if (from >= 0 && to >= 0 && from != to) {
        return Invalid(path + ".reshape.shape",
                       absl::StrCat("[", absl::StrJoin(reshape->shape(), ", "), "] holds ", to,
                                    " elements but dims [", absl::StrJoin(dims, ", "), "] hold ", from));
      }
      // As Triton: the runs of fixed dimensions between the -1s hold the
      // same elements on both sides, so that each -1 of dims becomes the
      // -1 in the same place of the reshape's order when the server
      // reshapes a request's tensors (server/core/tensor_reshapes.h).
      if (FixedRuns(dims) != FixedRuns(reshape->shape())) {
        return Invalid(path + ".reshape.shape",
                       absl::StrCat("[", absl::StrJoin(reshape->shape(), ", "), "] does not match dims [",
                                    absl::StrJoin(dims, ", "),
                                    "]: each -1 must separate runs of fixed dimensions holding as many "
                                    "elements as the runs around the same -1 of dims"));
      }
      if (reshape->shape().empty() && config_.max_batch_size() == 0) {
        return Invalid(path + ".reshape.shape",
                       "empty (a scalar) needs max_batch_size > 0, as in Triton: a tensor without a batch "
                       "dimension would hold nothing");
      }
    }
    return absl::OkStatus();
  }

  // Name, uniqueness and data type, common to inputs and outputs.
  template <typename Tensor>
  absl::Status CheckTensorHeader(const std::string& path, const Tensor& tensor, std::set<std::string>& seen,
                                 const std::set<DataType>& types, absl::string_view types_text) {
    if (tensor.name().empty()) return Invalid(path + ".name", "empty");
    if (!seen.insert(tensor.name()).second) {
      return Invalid(path + ".name", absl::StrCat("'", tensor.name(), "' is declared twice"));
    }
    if (tensor.data_type() == inference::TYPE_INVALID) {
      return Invalid(path + ".data_type", absl::StrCat("required (", types_text, ")"));
    }
    if (types.count(tensor.data_type()) == 0) {
      return Unsupported(path + ".data_type",
                         absl::StrCat(inference::DataType_Name(tensor.data_type()), " is not supported for '",
                                      tensor.name(), "': Convoy accepts ", types_text));
    }
    if (tensor.is_shape_tensor()) {
      return Unsupported(path + ".is_shape_tensor", "shape tensors are not supported");
    }
    return CheckShape(path, tensor.dims(), tensor.has_reshape() ? &tensor.reshape() : nullptr);
  }

  absl::Status CheckInputs() {
    if (config_.input_size() == 0) return Invalid("input", "at least one input is required");
    std::set<std::string> seen;
    for (int i = 0; i < config_.input_size(); ++i) {
      const inference::ModelInput& input = config_.input(i);
      const std::string path = absl::StrCat("input[", i, "]");
      // The engine's tensor types (INT64 for indices and shapes, such as a
      // Reshape's target); the rest would fail at every request.
      absl::Status status = CheckTensorHeader(
          path, input, seen, {inference::TYPE_FP32, inference::TYPE_UINT8, inference::TYPE_INT64},
          "TYPE_FP32, TYPE_UINT8 or TYPE_INT64; for encoded images declare the model's FP32 input and add a "
          "`preprocessing` section");
      if (!status.ok()) return status;
      if (input.allow_ragged_batch()) {
        Warn(path + ".allow_ragged_batch", "ignored: Convoy batches only requests of equal shape");
      }
      if (input.optional()) {
        Warn(path + ".optional", "ignored: every request must carry every input");
      }
      if (input.format() != inference::ModelInput::FORMAT_NONE) {
        const std::string format = inference::ModelInput::Format_Name(input.format());
        if (input.dims_size() != 3) {
          return Invalid(path + ".format", absl::StrCat(format, " needs dims of 3 dimensions (as in Triton), not ",
                                                        input.dims_size()));
        }
        Warn(path + ".format", absl::StrCat(format, ": returned by ModelConfig for clients, not applied: tensors "
                                                    "reach the model in the layout they are sent in"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckOutputs() {
    std::set<std::string> seen;
    for (int i = 0; i < config_.output_size(); ++i) {
      const inference::ModelOutput& output = config_.output(i);
      const std::string path = absl::StrCat("output[", i, "]");
      absl::Status status = CheckTensorHeader(path, output, seen, {inference::TYPE_FP32}, "TYPE_FP32");
      if (!status.ok()) return status;
      if (!output.label_filename().empty() && !IsPlainFileName(output.label_filename())) {
        return Invalid(path + ".label_filename",
                       absl::StrCat("'", output.label_filename(),
                                    "' must be a file name inside the model directory (no '/', no '..')"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckVersionPolicy() {
    ModelVersionPolicy& policy = *config_.mutable_version_policy();
    switch (policy.policy_choice_case()) {
      case ModelVersionPolicy::POLICY_CHOICE_NOT_SET:
        policy.mutable_latest()->set_num_versions(1);
        break;
      case ModelVersionPolicy::kLatest:
        if (policy.latest().num_versions() == 0) policy.mutable_latest()->set_num_versions(1);
        break;
      case ModelVersionPolicy::kAll:
        break;
      case ModelVersionPolicy::kSpecific: {
        const auto& versions = policy.specific().versions();
        if (versions.empty()) return Invalid("version_policy.specific.versions", "empty: list at least one version");
        for (int i = 0; i < versions.size(); ++i) {
          if (versions[i] < 1) {
            return Invalid(absl::StrCat("version_policy.specific.versions[", i, "]"),
                           absl::StrCat(versions[i], " is not a version (versions are positive integers)"));
          }
        }
        break;
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckDynamicBatching() {
    if (!config_.has_dynamic_batching()) return absl::OkStatus();
    const inference::ModelDynamicBatching& batching = config_.dynamic_batching();
    const int32_t max = config_.max_batch_size();
    if (max == 0) {
      return Invalid("dynamic_batching", "needs max_batch_size > 0 (with 0 the model does not batch)");
    }
    for (int32_t size : batching.preferred_batch_size()) {
      if (size < 1) return Invalid("dynamic_batching.preferred_batch_size", absl::StrCat(size, " is not a batch size"));
      if (size > max) {
        return Invalid("dynamic_batching.preferred_batch_size",
                       absl::StrCat(size, " exceeds max_batch_size ", max));
      }
    }
    if (batching.max_queue_delay_microseconds() > kMaxQueueDelayMicros) {
      return Invalid("dynamic_batching.max_queue_delay_microseconds",
                     absl::StrCat(batching.max_queue_delay_microseconds(), " exceeds the limit of ",
                                  kMaxQueueDelayMicros, " (10 s)"));
    }
    return CheckQueuePolicies(batching);
  }

  // Priority levels and queue policies, as Triton validates them
  // (model_config_utils.cc), with messages that name the field.
  absl::Status CheckQueuePolicies(const inference::ModelDynamicBatching& batching) {
    const uint64_t levels = batching.priority_levels();
    if (levels == 0) {
      // Without priority levels Triton itself never consults these.
      if (!batching.priority_queue_policy().empty()) {
        Warn("dynamic_batching.priority_queue_policy", "ignored: priority_levels is not set");
      }
      if (batching.default_priority_level() != 0) {
        Warn("dynamic_batching.default_priority_level", "ignored: priority_levels is not set");
      }
    } else {
      if (batching.default_priority_level() < 1 || batching.default_priority_level() > levels) {
        return Invalid("dynamic_batching.default_priority_level",
                       absl::StrCat(batching.default_priority_level(), " is outside [1, priority_levels ", levels,
                                    "] (the level of requests that ask for none)"));
      }
      for (const auto& [level, policy] : batching.priority_queue_policy()) {
        if (level < 1 || level > levels) {
          return Invalid(absl::StrCat("dynamic_batching.priority_queue_policy[", level, "]"),
                         absl::StrCat("level ", level, " is outside [1, priority_levels ", levels, "]"));
        }
      }
    }
    CONVOY_RETURN_IF_ERROR(CheckQueuePolicy("dynamic_batching.default_queue_policy", batching.default_queue_policy(),
                                            batching.preserve_ordering()));
    for (const auto& [level, policy] : batching.priority_queue_policy()) {
      CONVOY_RETURN_IF_ERROR(CheckQueuePolicy(absl::StrCat("dynamic_batching.priority_queue_policy[", level, "]"),
                                              policy, batching.preserve_ordering()));
    }
    // Answers leave in the order requests left the queue; with levels or
    // delays that is not the order they arrived in, so Triton refuses both.
    if (batching.preserve_ordering() && levels > 1) {
      return Invalid("dynamic_batching.preserve_ordering",
                     absl::StrCat("cannot be combined with priority_levels ", levels, " (at most 1)"));
    }
    return absl::OkStatus();
  }

  absl::Status CheckQueuePolicy(const std::string& path, const inference::ModelQueuePolicy& policy,
                                bool preserve_ordering) {
    if (!inference::ModelQueuePolicy::TimeoutAction_IsValid(policy.timeout_action())) {
      return Invalid(path + ".timeout_action",
                     absl::StrCat(policy.timeout_action(), " is not a timeout action (REJECT or DELAY)"));
    }
    if (preserve_ordering && policy.timeout_action() == inference::ModelQueuePolicy::DELAY &&
        policy.default_timeout_microseconds() != 0) {
      return Invalid(path + ".timeout_action", "DELAY cannot be combined with dynamic_batching.preserve_ordering");
    }
    return absl::OkStatus();
  }

  absl::Status CheckInstanceGroups() {
    if (config_.instance_group_size() == 0) config_.add_instance_group();
    for (int i = 0; i < config_.instance_group_size(); ++i) {
      ModelInstanceGroup& group = *config_.mutable_instance_group(i);
      const std::string path = absl::StrCat("instance_group[", i, "]");
      if (group.name().empty()) group.set_name(absl::StrCat(config_.name(), "_", i));  // As Triton.
      if (group.count() < 0 || group.count() > kMaxInstanceCount) {
        return Invalid(path + ".count", absl::StrCat(group.count(), " is outside [1, ", kMaxInstanceCount, "]"));
      }
      if (group.count() == 0) group.set_count(1);
      // Warn rather than refuse, so a Triton GPU repository still loads.
      if (group.kind() == ModelInstanceGroup::KIND_GPU || group.kind() == ModelInstanceGroup::KIND_MODEL) {
        Warn(path + ".kind", absl::StrCat(ModelInstanceGroup::Kind_Name(group.kind()),
                                          ": Convoy has no GPU support; the instances run on the CPU"));
      } else if (!group.gpus().empty()) {
        Warn(path + ".gpus", "ignored: the instances run on the CPU");
      }
      // KIND_AUTO resolves to the CPU, as in Triton on a host without GPUs.
      group.set_kind(ModelInstanceGroup::KIND_CPU);
      group.clear_gpus();
      if (group.passive()) {
        Warn(path + ".passive", "ignored: every instance takes requests");
        group.set_passive(false);
      }
      if (!group.profile().empty()) Warn(path + ".profile", "ignored (a TensorRT setting)");
      if (!group.host_policy().empty()) Warn(path + ".host_policy", "ignored");
    }
    return absl::OkStatus();
  }

  absl::Status CheckModelFiles() {
    if (config_.default_model_filename().empty()) config_.set_default_model_filename(kDefaultModelFileName);
    if (!IsPlainFileName(config_.default_model_filename())) {
      return Invalid("default_model_filename",
                     absl::StrCat("'", config_.default_model_filename(),
                                  "' must be a file name inside the version directory (no '/', no '..')"));
    }
    if (!config_.cc_model_filenames().empty()) {
      Warn("cc_model_filenames", "ignored: per-GPU model files do not apply on the CPU");
    }
    return absl::OkStatus();
  }

  absl::Status CheckConvoyFields() { return CheckConvoySettings(source_, &config_); }

  const absl::string_view source_;
  const absl::string_view model_name_;
  ModelConfig& config_;
  std::vector<std::string>& warnings_;
};

}  // namespace

bool IsPlainFileName(absl::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find_first_of(absl::string_view("/\\\0", 3)) ==
                                                             absl::string_view::npos;
}

absl::Status CheckFixedFields(absl::string_view source, absl::string_view model_name, ModelConfigFile* file) {
  return Checker(source, model_name, file).RunFixed();
}

absl::Status CheckCompletableFields(absl::string_view source, ModelConfigFile* file) {
  return Checker(source, "", file).RunCompletable();
}

}  // namespace convoy::repository
