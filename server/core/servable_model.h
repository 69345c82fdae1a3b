// ServableModel: one version of one model, loaded and ready to serve, of
// one of two kinds:
//
//   SingleModel    an ONNX file on the engine, with its DynamicBatcher.
//                  Load() completes a partial config from the graph
//                  (config_completion.h), then checks the config against
//                  the graph (every input and output named in the config
//                  exists with the same type and compatible dimensions, the
//                  batch dimension is dynamic when the config batches) so
//                  that a request valid for the config is valid for the
//                  engine.
//   EnsembleModel  no model of its own: its requests fan out to its
//                  members, single models served beside it.
//
// Both have the validated config (with labels) and statistics.
//
// Lifetime: shared. The model manager holds one reference while the version
// is served; every request in flight holds another, so an unloaded or
// replaced version finishes its requests before it is destroyed (its
// batcher drains on destruction).
//
// Thread-safety: all methods may be called concurrently.
#ifndef CONVOY_SERVER_CORE_SERVABLE_MODEL_H_
#define CONVOY_SERVER_CORE_SERVABLE_MODEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/api/model.h"
#include "model_config.pb.h"
#include "repository/model_config.h"
#include "server/batcher/clock.h"
#include "server/batcher/dynamic_batcher.h"
#include "server/core/inference_request.h"
#include "server/core/model_observer.h"
#include "server/core/model_statistics.h"
#include "server/core/plan_sizes.h"
#include "server/core/tensor_reshapes.h"

namespace convoy::server {

// One member of an ensemble as the ensemble's config names it, with what
// the ensemble needs of it.
struct EnsembleMember {
  std::string name;
  int64_t version = 0;  // 0: the latest served.
  float weight = 1;
  // The member's output holding class scores (its labelled output, or its
  // only output), and whether it holds logits (softmax before combining).
  std::string class_output;
  bool logits = true;
};

struct ServableOptions {
  // oneDNN threads per instance; 0 = one per core.
  int engine_threads = 0;
  // Activation memory of the compiled plans (one per batch size) of each
  // model version; least recently used plans beyond it are dropped.
  int64_t plan_cache_bytes = int64_t{4} << 30;
  // Seconds a plan keeps the team size its timing chose before it is timed
  // again (engine::ModelOptions::choose_team_again_after_seconds); 0: once.
  double team_choice_interval_secs = 60;
  // Queue bound of models whose config has no dynamic_batching (and so no
  // queue policy); 0 = unbounded. Models with dynamic_batching follow their
  // queue policies, where max_queue_size 0 is unbounded, as in Triton.
  int64_t default_max_queue_size = 1024;
  // max_batch_size auto-complete gives a model that batches when its config
  // leaves it out (Triton's default is 4 too).
  int64_t default_max_batch_size = 4;
  // Read configs with ConfigCompleteness::kPartial and complete them from
  // the model (Triton's default); false: every model needs a complete
  // config.pbtxt (--disable-auto-complete-config). Read by the model
  // manager; SingleModel::Load follows the config it is given.
  bool auto_complete_config = true;
  // Time source for the batcher and the statistics. Not owned.
  Clock* clock = RealClock();
  // Makes the observer of each loaded version's statistics (metrics
  // export); null = none.
  std::function<std::unique_ptr<ModelObserver>(const std::string& model, int64_t version)> observer_factory;
};

class ServableModel {
 public:
  virtual ~ServableModel() = default;
  ServableModel(const ServableModel&) = delete;
  ServableModel& operator=(const ServableModel&) = delete;

  const std::string& name() const { return config_.name(); }
  int64_t version() const { return version_; }
  const inference::ModelConfig& config() const { return config_; }
  bool batched() const { return config_.max_batch_size() > 0; }
  // Labels of an output, empty if it has no label_filename.
  const std::vector<std::string>& labels(const std::string& output_name) const;
  ModelStatistics& statistics() const { return *statistics_; }
  // Requests waiting in its batcher (0 for an ensemble, which has none).
  virtual int64_t queue_depth() const = 0;

 protected:
  ServableModel(int64_t version, inference::ModelConfig config,
                std::map<std::string, std::vector<std::string>> labels, const ServableOptions& options);

 private:
  const int64_t version_;
  const inference::ModelConfig config_;
  const std::map<std::string, std::vector<std::string>> labels_;
  const std::unique_ptr<ModelStatistics> statistics_;
};

class SingleModel final : public ServableModel {
 public:
  // Loads <model_dir>/<version>/<config.default_model_filename>, with the
  // config as repository::ReadModelConfig gave it: complete, or (kPartial,
  // `complete` false) completed here from the graph and then validated.
  // Labels are read from the outputs' label_filename.
  static absl::StatusOr<std::shared_ptr<SingleModel>> Load(const std::string& model_dir, int64_t version,
                                                           repository::ModelConfigFile config,
                                                           const ServableOptions& options);
  ~SingleModel() override;

  const engine::Model& model() const { return *model_; }
  // The config's warnings (settings not applied), those of the checks
  // after auto-complete included; each names the file and the field.
  const std::vector<std::string>& config_warnings() const { return config_warnings_; }
  // What auto-complete filled in (CompleteConfigFromModel), empty if
  // nothing.
  const std::vector<std::string>& auto_completed() const { return auto_completed_; }
  int64_t queue_depth() const override { return batcher_ ? batcher_->queue_depth() : 0; }

  // Queues a validated request. `done` runs exactly once, on a batcher
  // thread, or inline here if the batcher refuses the request (queue full:
  // UNAVAILABLE; stopping: UNAVAILABLE).
  void Infer(InferenceRequest request, absl::Time received, InferenceCallback done);

 private:
  SingleModel(int64_t version, repository::ModelConfigFile config, std::vector<std::string> auto_completed,
              std::unique_ptr<engine::Model> model, std::map<std::string, std::vector<std::string>> labels,
              const ServableOptions& options);

  const std::unique_ptr<engine::Model> model_;
  const std::vector<std::string> config_warnings_;
  const std::vector<std::string> auto_completed_;
  const TensorReshapes reshapes_;
  std::unique_ptr<PlanSizes> plan_sizes_;    // Set once in Load, for a batching model.
  std::unique_ptr<DynamicBatcher> batcher_;  // Set once in Load; destroyed first.
};

class EnsembleModel final : public ServableModel {
 public:
  // An ensemble (platform convoy_ensemble) over `members`, as served now,
  // which must fit it: the same inputs, a batching model each, one
  // class-score output of the ensemble's size, and the same labels where
  // labels are given. The returned config lists, after the combined output,
  // every member output as "<member>/<output>", and the members'
  // preprocessing when they all have the same for the input.
  static absl::StatusOr<std::shared_ptr<EnsembleModel>> Load(
      const std::string& model_dir, inference::ModelConfig config,
      const std::vector<std::shared_ptr<SingleModel>>& members, const ServableOptions& options);

  const std::vector<EnsembleMember>& members() const { return members_; }
  int64_t queue_depth() const override { return 0; }

 private:
  EnsembleModel(inference::ModelConfig config, std::map<std::string, std::vector<std::string>> labels,
                const ServableOptions& options, std::vector<EnsembleMember> members);

  const std::vector<EnsembleMember> members_;
};

// `model` as an ensemble's member: InvalidArgument naming it when it is an
// ensemble itself (ensembles do not nest).
absl::StatusOr<std::shared_ptr<SingleModel>> AsMember(std::shared_ptr<ServableModel> model);

// True for an output that holds class scores: one with a label_filename, or
// the only output of the model. Crops and ensemble members combine such
// outputs as probabilities.
bool HoldsClassScores(const inference::ModelConfig& config, const std::string& output);

// The batcher settings a config asks for (dynamic_batching, instances, queue
// policies and priority levels, preserve_ordering). `default_max_queue_size`
// bounds the queue of a config without dynamic_batching.
DynamicBatcher::Options BatcherOptionsFromConfig(const inference::ModelConfig& config,
                                                 int64_t default_max_queue_size);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_SERVABLE_MODEL_H_
