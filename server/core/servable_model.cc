#include "server/core/servable_model.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "repository/repository_layout.h"
#include "server/core/batch_runner.h"
#include "server/core/config_completion.h"
#include "server/core/inference_task.h"
#include "server/core/tensor_types.h"

namespace convoy::server {
namespace {

// The config's dims against the graph's shape. The graph's shape includes the
// batch dimension when the config batches; -1 on either side is variable.
absl::Status CheckDims(const std::string& what, const google::protobuf::RepeatedField<int64_t>& dims,
                       bool batched, const engine::Shape& graph_shape) {
  if (graph_shape.empty()) return absl::OkStatus();  // The graph does not say.
  const size_t offset = batched ? 1 : 0;
  const std::string config_shape =
      absl::StrCat(batched ? "[-1," : "[", absl::StrJoin(dims, ","), "]");
  if (graph_shape.size() != dims.size() + offset) {
    return absl::InvalidArgumentError(absl::StrCat(what, " has shape ", config_shape,
                                                   " in config.pbtxt but ",
                                                   engine::ShapeToString(graph_shape), " in the model"));
  }
  if (batched && graph_shape[0] != -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " has a fixed batch dimension ", graph_shape[0],
        " in the model, so config.pbtxt must set max_batch_size: 0 and list it in dims"));
  }
  for (int i = 0; i < dims.size(); ++i) {
    const int64_t graph_dim = graph_shape[i + offset];
    if (graph_dim != -1 && dims[i] != graph_dim) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has shape ", config_shape,
                                                     " in config.pbtxt but ",
                                                     engine::ShapeToString(graph_shape), " in the model"));
    }
  }
  return absl::OkStatus();
}

// Outputs that are not graph outputs name intermediate values (a backbone's
// features, say). Their shapes are only known once a plan is compiled, so
// one run on zeros of batch 1 checks that they exist and fit the config.
absl::Status CheckIntermediateOutputs(const inference::ModelConfig& config, const engine::Model& model,
                                      const std::vector<const inference::ModelOutput*>& outputs) {
  if (outputs.empty()) return absl::OkStatus();
  const bool batched = config.max_batch_size() > 0;
  std::vector<engine::NamedTensor> zeros;
  for (const inference::ModelInput& input : config.input()) {
    engine::Shape shape = batched ? engine::Shape{1} : engine::Shape{};
    for (int64_t dim : input.dims()) {
      if (dim < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "output '", outputs[0]->name(), "' is not a graph output; checking such an output at load "
            "takes one run, which needs the fixed dims that input '", input.name(), "' does not have"));
      }
      shape.push_back(dim);
    }
    zeros.push_back({input.name(), engine::Tensor(*EngineType(input.data_type()), shape)});
  }
  engine::RunOptions options;
  for (const inference::ModelOutput* output : outputs) options.output_names.push_back(output->name());
  // As requests will run: through the config's reshapes.
  const TensorReshapes reshapes(config);
  CONVOY_RETURN_IF_ERROR(reshapes.ToModel(&zeros));
  absl::StatusOr<std::vector<engine::Tensor>> values = model.Run(zeros, options);
  if (values.ok()) {
    if (absl::Status back = reshapes.ToConfig(options.output_names, &*values); !back.ok()) {
      values = absl::InvalidArgumentError(back.message());
    }
  }
  if (!values.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("config.pbtxt names outputs that are not graph outputs (",
                                                   TensorNames(model.outputs()), " are), and ",
                                                   values.status().message()));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    engine::Shape expected = batched ? engine::Shape{1} : engine::Shape{};
    expected.insert(expected.end(), outputs[i]->dims().begin(), outputs[i]->dims().end());
    if ((*values)[i].shape() != expected) {
      return absl::InvalidArgumentError(absl::StrCat("output '", outputs[i]->name(), "' has dims [",
                                                     absl::StrJoin(outputs[i]->dims(), ","),
                                                     "] in config.pbtxt but the model computes ",
                                                     engine::ShapeToString((*values)[i].shape()), " for a batch of 1"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckConfigAgainstModel(const inference::ModelConfig& config, const engine::Model& model) {
  const bool batched = config.max_batch_size() > 0;
  for (const inference::ModelInput& input : config.input()) {
    const engine::TensorInfo* info = FindTensor(model.inputs(), input.name());
    if (info == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("config.pbtxt names input '", input.name(),
                                                     "', which the model does not have (it has: ",
                                                     TensorNames(model.inputs()), ")"));
    }
    if (EngineType(input.data_type()) != info->type) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", input.name(), "' is ", inference::DataType_Name(input.data_type()),
          " in config.pbtxt but ", engine::DataTypeName(info->type), " in the model"));
    }
    const auto& dims = input.has_reshape() ? input.reshape().shape() : input.dims();
    CONVOY_RETURN_IF_ERROR(
        CheckDims(absl::StrCat("input '", input.name(), "'"), dims, batched, info->shape));
  }
  for (const engine::TensorInfo& info : model.inputs()) {
    const bool listed = std::any_of(config.input().begin(), config.input().end(),
                                    [&](const auto& in) { return in.name() == info.name; });
    if (!listed) {
      return absl::InvalidArgumentError(absl::StrCat("the model's input '", info.name,
                                                     "' is missing from config.pbtxt"));
    }
  }
  std::vector<const inference::ModelOutput*> intermediate;
  for (const inference::ModelOutput& output : config.output()) {
    const engine::TensorInfo* info = FindTensor(model.outputs(), output.name());
    if (info == nullptr) {
      intermediate.push_back(&output);
      continue;
    }
    const auto& dims = output.has_reshape() ? output.reshape().shape() : output.dims();
    CONVOY_RETURN_IF_ERROR(
        CheckDims(absl::StrCat("output '", output.name(), "'"), dims, batched, info->shape));
  }
  return CheckIntermediateOutputs(config, model, intermediate);
}

std::string RepositoryOf(const std::string& model_dir) {
  return std::filesystem::path(model_dir).parent_path().string();
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>> ReadAllLabels(
    const std::string& model_dir, const inference::ModelConfig& config) {
  std::map<std::string, std::vector<std::string>> labels;
  for (const inference::ModelOutput& output : config.output()) {
    if (output.label_filename().empty()) continue;
    const std::string path = (std::filesystem::path(model_dir) / output.label_filename()).string();
    CONVOY_RETURN_IF_ERROR(repository::CheckInsideRepository(RepositoryOf(model_dir), path));
    absl::StatusOr<std::vector<std::string>> lines = repository::ReadLabels(path);
    if (!lines.ok()) return lines.status();
    labels[output.name()] = *std::move(lines);
  }
  return labels;
}

}  // namespace

absl::StatusOr<std::shared_ptr<SingleModel>> AsMember(std::shared_ptr<ServableModel> model) {
  std::shared_ptr<SingleModel> single = std::dynamic_pointer_cast<SingleModel>(model);
  if (single == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("ensemble member '", model->name(), "' is an ensemble itself; ensembles do not nest"));
  }
  return single;
}

bool HoldsClassScores(const inference::ModelConfig& config, const std::string& output) {
  for (const inference::ModelOutput& candidate : config.output()) {
    if (candidate.name() == output) return !candidate.label_filename().empty() || config.output_size() == 1;
  }
  return false;
}

namespace {

QueuePolicy PolicyFromConfig(const inference::ModelQueuePolicy& policy) {
  QueuePolicy converted;
  converted.timeout_action = policy.timeout_action() == inference::ModelQueuePolicy::DELAY
                                 ? QueuePolicy::TimeoutAction::kDelay
                                 : QueuePolicy::TimeoutAction::kReject;
  // Beyond int64 microseconds (300,000 years) is no timeout in practice.
  constexpr uint64_t kMaxMicros = std::numeric_limits<int64_t>::max();
  converted.default_timeout =
      absl::Microseconds(static_cast<int64_t>(std::min(policy.default_timeout_microseconds(), kMaxMicros)));
  converted.allow_timeout_override = policy.allow_timeout_override();
  converted.max_queue_size = policy.max_queue_size();
  return converted;
}

}  // namespace

DynamicBatcher::Options BatcherOptionsFromConfig(const inference::ModelConfig& config,
                                                 int64_t default_max_queue_size) {
  DynamicBatcher::Options options;
  options.name = config.name();
  options.max_batch_size = std::max(1, config.max_batch_size());
  // Requests are stacked along the batch dimension, which needs every other
  // dimension fixed; a model with variable ones runs each request alone.
  bool fixed_dims = true;
  for (const inference::ModelInput& input : config.input()) {
    for (int64_t dim : input.dims()) fixed_dims = fixed_dims && dim != -1;
  }
  options.batching = config.has_dynamic_batching() && fixed_dims;
  options.num_workers = 0;
  for (const inference::ModelInstanceGroup& group : config.instance_group()) {
    options.num_workers += std::max(1, group.count());
  }
  options.num_workers = std::max(1, options.num_workers);
  if (!config.has_dynamic_batching()) {
    // No queue policy to follow: the server's bound (0: none).
    options.queue.default_queue_policy.max_queue_size = default_max_queue_size;
    return options;
  }
  // As Triton: the config's policies, max_queue_size 0 unbounded (the byte
  // budget still bounds what queued requests hold).
  const inference::ModelDynamicBatching& batching = config.dynamic_batching();
  options.max_queue_delay = absl::Microseconds(batching.max_queue_delay_microseconds());
  options.preferred_batch_sizes.assign(batching.preferred_batch_size().begin(),
                                       batching.preferred_batch_size().end());
  options.preserve_ordering = batching.preserve_ordering();
  options.queue.priority_levels = batching.priority_levels();
  options.queue.default_priority_level = batching.default_priority_level();
  options.queue.default_queue_policy = PolicyFromConfig(batching.default_queue_policy());
  // Triton consults per-level policies only when there are levels.
  if (batching.priority_levels() > 0) {
    for (const auto& [level, policy] : batching.priority_queue_policy()) {
      options.queue.priority_queue_policy[level] = PolicyFromConfig(policy);
    }
  }
  return options;
}

namespace {

// What the engine prepares at load: batch 1 and the preferred batch sizes.
// Those of a config still to be validated are bounded by the batch size it
// will have, so a mistyped one is refused by the validation rather than
// compiled first.
std::vector<int64_t> PreparedBatchSizes(const repository::ModelConfigFile& file, int64_t default_max_batch_size) {
  std::vector<int64_t> sizes = {1};
  if (!file.config.has_dynamic_batching()) return sizes;
  const int64_t bound = file.config.max_batch_size() > 0 ? file.config.max_batch_size() : default_max_batch_size;
  for (int32_t size : file.config.dynamic_batching().preferred_batch_size()) {
    if (file.complete || (size >= 1 && size <= bound)) sizes.push_back(size);
  }
  return sizes;
}

}  // namespace

absl::StatusOr<std::shared_ptr<SingleModel>> SingleModel::Load(const std::string& model_dir, int64_t version,
                                                                repository::ModelConfigFile file,
                                                                const ServableOptions& options) {
  const std::string name = std::filesystem::path(model_dir).filename().string();
  inference::ModelConfig& config = file.config;
  const std::string path =
      (std::filesystem::path(model_dir) / std::to_string(version) / config.default_model_filename()).string();
  CONVOY_RETURN_IF_ERROR(repository::CheckInsideRepository(RepositoryOf(model_dir), path));
  engine::ModelOptions model_options;
  model_options.num_threads = options.engine_threads;
  model_options.max_plan_cache_bytes = options.plan_cache_bytes;
  model_options.choose_team_again_after_seconds = options.team_choice_interval_secs;
  model_options.winograd = !config.no_winograd();
  if (!config.precision().empty()) {
    absl::StatusOr<engine::Precision> precision = engine::ParsePrecision(config.precision());
    if (!precision.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("model '", name, "': config.pbtxt precision: ",
                                                     precision.status().message()));
    }
    model_options.precision = *precision;
  }
  // A lone request runs at batch 1 and the batcher aims for the preferred
  // sizes: their plans are ready at load.
  model_options.prepared_batch_sizes = PreparedBatchSizes(file, options.default_max_batch_size);
  absl::StatusOr<std::unique_ptr<engine::Model>> model = engine::Model::Load(path, model_options);
  if (!model.ok()) return model.status();
  std::vector<std::string> auto_completed;
  if (!file.complete) {
    absl::StatusOr<std::vector<std::string>> filled = CompleteConfigFromModel(
        (*model)->inputs(), (*model)->outputs(), options.default_max_batch_size, &config);
    if (!filled.ok()) {
      return absl::Status(filled.status().code(), absl::StrCat(file.source, ": auto-complete from ", path, ": ",
                                                               filled.status().message()));
    }
    auto_completed = *std::move(filled);
    absl::Status valid = repository::CheckCompletedModelConfig(&file);
    if (!valid.ok() && !auto_completed.empty()) {
      return absl::Status(valid.code(), absl::StrCat(valid.message(), " (after auto-complete from ", path,
                                                     " filled in ", absl::StrJoin(auto_completed, ", "), ")"));
    }
    if (!valid.ok()) return valid;
  }
  absl::Status consistent = CheckConfigAgainstModel(config, **model);
  if (!consistent.ok()) {
    return absl::Status(consistent.code(), absl::StrCat(path, ": ", consistent.message()));
  }
  absl::StatusOr<std::map<std::string, std::vector<std::string>>> labels = ReadAllLabels(model_dir, config);
  if (!labels.ok()) return labels.status();

  std::shared_ptr<SingleModel> servable(new SingleModel(version, std::move(file), std::move(auto_completed),
                                                        *std::move(model), *std::move(labels), options));
  SingleModel* raw = servable.get();
  Clock* clock = options.clock;
  const TensorReshapes* reshapes = raw->reshapes_.empty() ? nullptr : &raw->reshapes_;
  const DynamicBatcher::Options batcher_options = BatcherOptionsFromConfig(raw->config(), options.default_max_queue_size);
  if (batcher_options.batching) {
    raw->plan_sizes_ = std::make_unique<PlanSizes>(batcher_options.max_batch_size, model_options.prepared_batch_sizes);
  }
  PlanSizes* plan_sizes = raw->plan_sizes_.get();
  absl::StatusOr<std::unique_ptr<DynamicBatcher>> batcher = DynamicBatcher::Create(
      batcher_options, clock, [raw, clock, reshapes, plan_sizes](std::vector<QueuedTask> batch, BatchDelivery& delivery) {
        RunBatch(*raw->model_, raw->batched(), std::move(batch), clock, &raw->statistics(), delivery, reshapes,
                 plan_sizes);
      });
  if (!batcher.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(model_dir, "/config.pbtxt: ", batcher.status().message()));
  }
  raw->batcher_ = *std::move(batcher);
  return servable;
}

ServableModel::ServableModel(int64_t version, inference::ModelConfig config,
                             std::map<std::string, std::vector<std::string>> labels,
                             const ServableOptions& options)
    : version_(version),
      config_(std::move(config)),
      labels_(std::move(labels)),
      statistics_(std::make_unique<ModelStatistics>(
          options.observer_factory ? options.observer_factory(config_.name(), version) : nullptr)) {}

SingleModel::SingleModel(int64_t version, repository::ModelConfigFile config, std::vector<std::string> auto_completed,
                         std::unique_ptr<engine::Model> model, std::map<std::string, std::vector<std::string>> labels,
                         const ServableOptions& options)
    : ServableModel(version, std::move(config.config), std::move(labels), options),
      model_(std::move(model)),
      config_warnings_(std::move(config.warnings)),
      auto_completed_(std::move(auto_completed)),
      reshapes_(this->config()) {}

// The batcher goes first: it drains its queue through model_ and the statistics.
SingleModel::~SingleModel() { batcher_.reset(); }

EnsembleModel::EnsembleModel(inference::ModelConfig config, std::map<std::string, std::vector<std::string>> labels,
                             const ServableOptions& options, std::vector<EnsembleMember> members)
    : ServableModel(1, std::move(config), std::move(labels), options), members_(std::move(members)) {}

const std::vector<std::string>& ServableModel::labels(const std::string& output_name) const {
  static const std::vector<std::string> kNone;
  auto it = labels_.find(output_name);
  return it == labels_.end() ? kNone : it->second;
}

void SingleModel::Infer(InferenceRequest request, absl::Time received, InferenceCallback done) {
  // A refused task is failed by the batcher itself, through `done`.
  batcher_->Enqueue(std::make_unique<InferenceTask>(std::move(request), received, std::move(done)))
      .IgnoreError();
}

}  // namespace convoy::server
