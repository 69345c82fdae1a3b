// Model implemented on the IR, the plan compiler and oneDNN.
#include <omp.h>

#include <algorithm>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "dnnl.hpp"
#include "engine/api/model.h"
#include "engine/exec/fold_constants.h"
#include "engine/exec/int8_ranges.h"
#include "engine/exec/op_registry.h"
#include "engine/exec/plan_builder.h"
#include "engine/exec/products.h"
#include "engine/exec/team_choice.h"
#include "engine/exec/weight_cache.h"
#include "engine/onnx/onnx_loader.h"
#include "engine/passes/graph_passes.h"

namespace convoy::engine {
namespace {

class OneDnnModel : public Model {
 public:
  OneDnnModel(ir::Graph graph, const ModelOptions& options,
              absl::flat_hash_set<std::string> fused_away)
      : graph_(std::move(graph)),
        options_(options),
        fused_away_(std::move(fused_away)),
        engine_(dnnl::engine::kind::cpu, 0),
        inputs_(graph_.inputs),
        outputs_(graph_.outputs) {
    plan_options_.max_value_bytes = options.max_value_bytes;
    plan_options_.winograd = options.winograd;
    plan_options_.compute_type = options.precision == Precision::kBfloat16
                                     ? dnnl::memory::data_type::bf16
                                     : dnnl::memory::data_type::f32;
    if (options.precision == Precision::kInt8 && options.calibration != nullptr) {
      int8_ranges_ = PropagateInt8Ranges(graph_, *options.calibration);
      plan_options_.calibration = &int8_ranges_;
    }
    for (const TensorInfo& out : outputs_) default_outputs_.push_back(out.name);
  }

  // Compiles and runs the plan for the first of
  // ModelOptions::prepared_batch_sizes (batch 1 without any), so shape
  // errors surface at load rather than on the first request, and fills in
  // the output shapes; then the plans of the other prepared sizes. Only
  // when every input is float32 and only its leading dimension is dynamic
  // (or none is).
  absl::Status Validate();
  // For Precision::kInt8: FailedPrecondition unless the calibration covers
  // some of calibrated_values().
  absl::Status CheckCalibration() const;

  const std::vector<TensorInfo>& inputs() const override { return inputs_; }
  const std::vector<TensorInfo>& outputs() const override { return outputs_; }
  std::vector<std::string> calibrated_values() const override;
  PlanCacheStats plan_cache_stats() const override;

  absl::StatusOr<std::vector<Tensor>> Run(const std::vector<NamedTensor>& inputs,
                                          const RunOptions& options) const override;

 private:
  struct CachedPlan {
    absl::Mutex mu;
    std::unique_ptr<Plan> plan ABSL_GUARDED_BY(mu);
    // The team size it was compiled for and runs on, chosen by timing
    // after its first run (ChooseTeam).
    int threads ABSL_GUARDED_BY(mu) = 1;
    bool team_chosen ABSL_GUARDED_BY(mu) = false;
    absl::Time chosen_at ABSL_GUARDED_BY(mu);  // When ChooseTeam last timed it,
    absl::Duration timed ABSL_GUARDED_BY(mu);  // and its median on the size kept;
    int slow_runs ABSL_GUARDED_BY(mu) = 0;     // the last runs in a row SlowRun since.
    // Why the plan could not be compiled: the runs that waited for the
    // compile get the same answer without compiling again.
    absl::Status failure ABSL_GUARDED_BY(mu);
  };
  struct CacheSlot {
    std::shared_ptr<CachedPlan> entry;
    bool single_thread = false;  // Compiled for one thread, where more were allowed.
    // Reserved while compiling (0 until the size is known), then the plan's.
    int64_t bytes = 0;
    bool built = false;      // Only built plans may be evicted.
    uint64_t last_used = 0;  // Tick of the last lookup.
  };

  // Makes room in the budget for the `bytes` of the plan `entry` is
  // compiling for `key` (PlanOptions::reserve_activations): drops least
  // recently used built plans, or waits while other compiles hold the
  // room. A plan larger than the whole budget waits until no other compile
  // holds any. REQUIRES: entry.mu held by the caller, which is compiling.
  void Reserve(const std::string& key, const CachedPlan& entry, int64_t bytes) const;
  // Records the size of the plan built for `key`, which may now be evicted,
  // and drops least recently used plans until the cache fits its budget
  // (never `key` itself).
  void AccountAndEvict(const std::string& key, const CachedPlan& entry, int64_t bytes) const;
  // Records whether `key`'s plan, if `entry` still holds the slot, runs on
  // one thread where its team was allowed more (PlanCacheStats).
  void MarkSingleThread(const std::string& key, const CachedPlan& entry, bool single) const;
  // Removes `key`'s slot if it still holds `entry` (and, with
  // `only_if_over_budget`, only if its plan alone exceeds the budget).
  void Forget(const std::string& key, const CachedPlan& entry, bool only_if_over_budget) const;
  // Drops the least recently used built plan other than `key`; false if
  // there is none.
  bool EvictOldest(const std::string& key) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::StatusOr<std::vector<const Tensor*>> OrderInputs(
      const std::vector<NamedTensor>& inputs) const;
  // Zero-filled inputs with `batch` as the leading dimension wherever it is
  // dynamic; nullopt if another dimension is dynamic or an input is not
  // float32 (a plan then needs real values). InvalidArgument past
  // ModelOptions::max_value_bytes.
  absl::StatusOr<std::optional<std::vector<Tensor>>> Probes(int64_t batch) const;
  // How many requests a run on `ordered` carries, as a server batches
  // them: the leading dimension of the first input whose leading dimension
  // is dynamic, 1 if none is.
  int64_t RequestsIn(const std::vector<const Tensor*>& ordered) const;
  // Compiles the plan for the default outputs at `batch`. REQUIRES: Probes
  // gave inputs for batch 1.
  absl::Status Prepare(int64_t batch) const;
  // The cache slot of the plan for these inputs and outputs, made if new.
  std::shared_ptr<CachedPlan> Slot(const std::vector<const Tensor*>& ordered,
                                   const std::vector<std::string>& output_names,
                                   std::string* key) const;
  // Compiles `entry`'s plan with `plan_options`, for the calling thread's
  // team, unless it has one; if the compile fails, `key`'s slot goes.
  absl::Status Compile(CachedPlan& entry, const std::string& key,
                       const std::vector<const Tensor*>& ordered,
                       const std::vector<std::string>& output_names,
                       const PlanOptions& plan_options) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(entry.mu);
  // After the first run of `entry`'s plan, and again after
  // ModelOptions::choose_team_again_after_seconds: if it is worth timing
  // (WorthTiming), times it on a team of `team` threads and on one and
  // keeps it compiled for the one that pays. `floats` are the float32
  // inputs among `ordered`, which the plan runs on.
  void ChooseTeam(CachedPlan& entry, const std::string& key, const std::vector<const Tensor*>& ordered,
                  const std::vector<const Tensor*>& floats, const std::vector<std::string>& output_names,
                  const PlanOptions& plan_options, int team) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(entry.mu);
  // Counts a run of `entry`'s plan, chosen for before, that took `run`, and
  // says whether the plan is due to be chosen for again (DueForChoice).
  bool ChooseAgain(CachedPlan& entry, absl::Duration run) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(entry.mu);
  // Runs with the plan for these shapes, compiled with `plan_options` if
  // it is not cached.
  absl::StatusOr<std::vector<Tensor>> RunOrdered(const std::vector<const Tensor*>& ordered,
                                                 const std::vector<std::string>& output_names,
                                                 const PlanOptions& plan_options) const;

  ir::Graph graph_;  // Validate's plan releases weights' bytes; fixed after.
  const ModelOptions options_;
  // With Precision::kInt8: the calibration's ranges and those they imply
  // (int8_ranges.h), which plan_options_ points to.
  Calibration int8_ranges_;
  PlanOptions plan_options_;
  const absl::flat_hash_set<std::string> fused_away_;  // Values the graph passes removed.
  const dnnl::engine engine_;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
  std::vector<std::string> default_outputs_;

  mutable WeightCache weights_;  // Reordered weights, shared by all plans.
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, CacheSlot> plans_ ABSL_GUARDED_BY(mu_);
  mutable uint64_t tick_ ABSL_GUARDED_BY(mu_) = 0;
  mutable int64_t cached_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // Sum of plans_' bytes.
  mutable int64_t peak_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  mutable int64_t team_choices_ ABSL_GUARDED_BY(mu_) = 0;
  // Signalled when a compile stops holding room: its plan was built (and
  // may be evicted) or it failed.
  mutable absl::CondVar room_;
};

absl::flat_hash_set<std::string> NodeOutputs(const ir::Graph& graph) {
  absl::flat_hash_set<std::string> names;
  for (const ir::Node& node : graph.nodes) names.insert(node.outputs.begin(), node.outputs.end());
  return names;
}

// Every operator must exist before any plan is built, so an unknown op is
// reported at load even when shapes are too dynamic to compile a plan.
absl::Status CheckOperatorsKnown(const ir::Graph& graph) {
  for (const ir::Node& node : graph.nodes) {
    if (OpRegistry::Global().Find(node.op_type) == nullptr) {
      return ir::NodeError(absl::StatusCode::kUnimplemented, graph, node,
                           absl::StrCat("operator '", node.op_type, "' is not supported"));
    }
  }
  return absl::OkStatus();
}

std::vector<const Tensor*> Pointers(const std::vector<Tensor>& tensors) {
  std::vector<const Tensor*> pointers;
  for (const Tensor& t : tensors) pointers.push_back(&t);
  return pointers;
}

// The float32 inputs among `ordered`: a plan folds the others in.
std::vector<const Tensor*> FloatInputs(const std::vector<const Tensor*>& ordered) {
  std::vector<const Tensor*> floats;
  for (const Tensor* t : ordered) {
    if (t->type() == DataType::kFloat32) floats.push_back(t);
  }
  return floats;
}

// Sets the calling thread's OpenMP team size for a scope (OpenMP's setting
// belongs to each thread) and gives the caller its own back afterwards.
class TeamSize {
 public:
  explicit TeamSize(int threads) : caller_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~TeamSize() { omp_set_num_threads(caller_); }
  TeamSize(const TeamSize&) = delete;
  TeamSize& operator=(const TeamSize&) = delete;

 private:
  const int caller_;
};

std::vector<std::string> OneDnnModel::calibrated_values() const {
  std::vector<std::string> names;
  absl::flat_hash_set<std::string> seen;
  for (const ir::Node& node : graph_.nodes) {
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const bool quantized = QuantizesInput(graph_, node, i) || QuantizesResidual(graph_, node, i);
      if (quantized && seen.insert(node.inputs[i]).second) names.push_back(node.inputs[i]);
    }
  }
  return names;
}

absl::Status OneDnnModel::CheckCalibration() const {
  if (options_.precision != Precision::kInt8) return absl::OkStatus();
  if (options_.calibration == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        graph_.source, ": precision int8 needs a calibration (ModelOptions.calibration)"));
  }
  const std::vector<std::string> wanted = calibrated_values();
  for (const std::string& name : wanted) {
    if (options_.calibration->ranges.contains(name)) return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      graph_.source, ": the calibration covers none of the ", wanted.size(),
      " values int8 quantizes", wanted.empty() ? "" : absl::StrCat(" (such as '", wanted[0], "')"),
      ": it was made for another model; run convoy-calibrate on this one"));
}

absl::Status OneDnnModel::Validate() {
  if (absl::Status s = CheckOperatorsKnown(graph_); !s.ok()) return s;
  if (absl::Status s = CheckCalibration(); !s.ok()) return s;
  for (int64_t batch : options_.prepared_batch_sizes) {
    if (batch < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          graph_.source, ": ModelOptions.prepared_batch_sizes has ", batch, "; sizes are >= 1"));
    }
  }
  // A caller that names the sizes it will run holds no plan of another
  // (VGG-16's batch-1 plan, held beside its batch-8 one, raised the peak
  // RSS by 131 MiB: docs/ENGINE.md, "Plans").
  const std::vector<int64_t>& sizes = options_.prepared_batch_sizes;
  const int64_t first = sizes.empty() ? 1 : sizes.front();
  // Batch 1's errors read as they do without prepared sizes.
  auto preparing = [&](int64_t batch, const absl::Status& s) {
    if (batch == 1) return s;
    return absl::Status(s.code(), absl::StrCat("preparing the plan for batch ", batch,
                                               " (ModelOptions.prepared_batch_sizes): ",
                                               s.message()));
  };
  absl::StatusOr<std::optional<std::vector<Tensor>>> probes = Probes(first);
  if (!probes.ok()) return preparing(first, probes.status());
  if (!*probes) return absl::OkStatus();
  // Nothing else uses the model yet, so this plan may release the bytes of
  // the weights it copies (PlanOptions::release_weights).
  PlanOptions releasing = plan_options_;
  releasing.release_weights = [this](const std::string& name) {
    graph_.initializers.at(name).ReleaseBytes();
  };
  absl::StatusOr<std::vector<Tensor>> out =
      RunOrdered(Pointers(**probes), default_outputs_, releasing);
  if (!out.ok()) return preparing(first, out.status());
  for (size_t i = 0; i < outputs_.size(); ++i) {
    if (!outputs_[i].shape.empty() || (*out)[i].shape().empty()) continue;
    outputs_[i].shape = (*out)[i].shape();
    if (!inputs_.empty() && !inputs_[0].shape.empty() && inputs_[0].shape[0] < 0) {
      outputs_[i].shape[0] = -1;  // Follows the batch.
    }
    outputs_[i].type = (*out)[i].type();
  }
  // These plans release nothing: the first plan may read weights in place.
  TeamSize team(options_.num_threads);
  for (int64_t batch : sizes) {
    if (batch == first) continue;  // Compiled above.
    if (absl::Status s = Prepare(batch); !s.ok()) return preparing(batch, s);
  }
  return absl::OkStatus();
}

absl::Status OneDnnModel::Prepare(int64_t batch) const {
  absl::StatusOr<std::optional<std::vector<Tensor>>> probes = Probes(batch);
  if (!probes.ok()) return probes.status();
  const std::vector<const Tensor*> ordered = Pointers(**probes);
  std::string key;
  std::shared_ptr<CachedPlan> entry = Slot(ordered, default_outputs_, &key);
  absl::MutexLock lock(&entry->mu);
  if (absl::Status s = Compile(*entry, key, ordered, default_outputs_, plan_options_); !s.ok()) {
    return s;
  }
  Forget(key, *entry, /*only_if_over_budget=*/true);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::vector<Tensor>>> OneDnnModel::Probes(int64_t batch) const {
  std::vector<Tensor> probes;
  for (const TensorInfo& in : inputs_) {
    if (in.type != DataType::kFloat32) return std::nullopt;
    Shape shape = in.shape;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] >= 0) continue;
      if (d != 0) return std::nullopt;
      shape[d] = batch;
    }
    if (!ElementCountAtMost(shape, options_.max_value_bytes / 4)) {
      return absl::InvalidArgumentError(absl::StrCat(
          graph_.source, ": input '", in.name, "' of shape ", ShapeToString(shape),
          " exceeds the limit of ", options_.max_value_bytes,
          " bytes for one tensor (ModelOptions.max_value_bytes)"));
    }
    probes.emplace_back(DataType::kFloat32, std::move(shape));
  }
  return probes;
}

int64_t OneDnnModel::RequestsIn(const std::vector<const Tensor*>& ordered) const {
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (!inputs_[i].shape.empty() && inputs_[i].shape[0] < 0) return ordered[i]->shape()[0];
  }
  return 1;
}

absl::StatusOr<std::vector<const Tensor*>> OneDnnModel::OrderInputs(
    const std::vector<NamedTensor>& inputs) const {
  std::vector<const Tensor*> ordered(inputs_.size(), nullptr);
  for (const NamedTensor& given : inputs) {
    size_t i = 0;
    while (i < inputs_.size() && inputs_[i].name != given.name) ++i;
    if (i == inputs_.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(graph_.source, ": the model has no input named '", given.name, "'"));
    }
    if (ordered[i] != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(graph_.source, ": input '", given.name, "' is given twice"));
    }
    const TensorInfo& want = inputs_[i];
    const Tensor& t = given.tensor;
    if (t.type() != want.type) {
      return absl::InvalidArgumentError(absl::StrCat(graph_.source, ": input '", want.name, "' is ",
                                                     DataTypeName(want.type), ", got ",
                                                     DataTypeName(t.type())));
    }
    bool shape_ok = t.shape().size() == want.shape.size();
    for (size_t d = 0; shape_ok && d < want.shape.size(); ++d) {
      shape_ok = (want.shape[d] < 0 ? t.shape()[d] > 0 : t.shape()[d] == want.shape[d]);
    }
    if (!shape_ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          graph_.source, ": input '", want.name, "' has shape ", ShapeToString(t.shape()),
          "; the model expects ", ShapeToString(want.shape), " (-1 = any size)"));
    }
    ordered[i] = &t;
  }
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (ordered[i] == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(graph_.source, ": input '", inputs_[i].name, "' is missing"));
    }
  }
  return ordered;
}

absl::StatusOr<std::vector<Tensor>> OneDnnModel::Run(const std::vector<NamedTensor>& inputs,
                                                     const RunOptions& options) const {
  absl::StatusOr<std::vector<const Tensor*>> ordered = OrderInputs(inputs);
  if (!ordered.ok()) return ordered.status();
  for (const std::string& name : options.output_names) {
    if (fused_away_.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          graph_.source, ": value '", name, "' was folded or fused into another operator when the ",
          "model was optimised; load it with ModelOptions::optimize = false to request it"));
    }
  }
  return RunOrdered(*ordered, options.output_names.empty() ? default_outputs_ : options.output_names,
                    plan_options_);
}

std::shared_ptr<OneDnnModel::CachedPlan> OneDnnModel::Slot(
    const std::vector<const Tensor*>& ordered, const std::vector<std::string>& output_names,
    std::string* key) const {
  // The plan key: every input shape, int64 input values (they are folded into
  // the plan), and the requested outputs.
  key->clear();
  for (const Tensor* t : ordered) {
    absl::StrAppend(key, ShapeToString(t->shape()), ";");
    if (t->type() == DataType::kInt64) {
      key->append(static_cast<const char*>(t->raw_data()), t->byte_size());
    }
  }
  // Names are length-prefixed: any character may appear in an ONNX name.
  for (const std::string& name : output_names) absl::StrAppend(key, name.size(), ":", name);
  absl::MutexLock lock(&mu_);
  CacheSlot& slot = plans_[*key];
  if (slot.entry == nullptr) slot.entry = std::make_shared<CachedPlan>();
  slot.last_used = ++tick_;
  return slot.entry;
}

absl::Status OneDnnModel::Compile(CachedPlan& entry, const std::string& key,
                                  const std::vector<const Tensor*>& ordered,
                                  const std::vector<std::string>& output_names,
                                  const PlanOptions& plan_options) const {
  if (entry.plan != nullptr) return absl::OkStatus();
  if (!entry.failure.ok()) return entry.failure;
  PlanOptions reserving = plan_options;
  reserving.reserve_activations = [&](int64_t bytes) { Reserve(key, entry, bytes); };
  absl::StatusOr<std::unique_ptr<Plan>> plan =
      PlanBuilder::Build(graph_, engine_, ordered, output_names, reserving, weights_);
  if (!plan.ok()) {
    entry.failure = plan.status();
    Forget(key, entry, /*only_if_over_budget=*/false);
    return entry.failure;
  }
  entry.plan = *std::move(plan);
  entry.threads = omp_get_max_threads();
  AccountAndEvict(key, entry, entry.plan->activation_bytes());
  return absl::OkStatus();
}

void OneDnnModel::ChooseTeam(CachedPlan& entry, const std::string& key,
                             const std::vector<const Tensor*>& ordered, const std::vector<const Tensor*>& floats,
                             const std::vector<std::string>& output_names,
                             const PlanOptions& plan_options, int team) const {
  entry.team_chosen = true;
  entry.chosen_at = absl::Now();
  entry.timed = absl::InfiniteDuration();  // Until a timing says otherwise.
  entry.slow_runs = 0;
  if (team == 1 || !WorthTiming(*entry.plan)) return;
  {
    absl::MutexLock lock(&mu_);
    ++team_choices_;
  }
  // The plan as it is (on the team at the first choice, on the size kept
  // at a later one), then on the other size. oneDNN fixes a primitive's
  // team size when it creates it, so the plan is compiled again for that;
  // each compile drops the plan before, so that no plan's memory is held
  // twice. A failed compile forgets the slot (Compile), and the next run
  // compiles afresh.
  const int current = entry.threads;
  const int other = current == 1 ? team : 1;
  const std::optional<absl::Duration> as_is = MedianRunTime(*entry.plan, floats);
  if (!as_is) return;
  entry.plan.reset();
  omp_set_num_threads(other);
  if (!Compile(entry, key, ordered, output_names, plan_options).ok()) return;
  const std::optional<absl::Duration> on_other = MedianRunTime(*entry.plan, floats);
  int keep = other;
  if (on_other) {
    int64_t input_bytes = 0;
    for (const Tensor* in : ordered) input_bytes += static_cast<int64_t>(in->byte_size());
    const absl::Duration serving =
        options_.served ? ServingCost(RequestsIn(ordered), input_bytes) : absl::ZeroDuration();
    const absl::Duration on_team = current == 1 ? *on_other : *as_is;
    const absl::Duration alone = current == 1 ? *as_is : *on_other;
    keep = TeamPays(alone, on_team, serving) ? team : 1;
  }
  if (keep != entry.threads) {
    entry.plan.reset();
    omp_set_num_threads(keep);
    if (!Compile(entry, key, ordered, output_names, plan_options).ok()) return;
  }
  entry.timed = keep == current ? *as_is : on_other.value_or(absl::InfiniteDuration());
  MarkSingleThread(key, entry, entry.threads == 1);
}

bool OneDnnModel::ChooseAgain(CachedPlan& entry, absl::Duration run) const {
  entry.slow_runs = SlowRun(entry.timed, run) ? entry.slow_runs + 1 : 0;
  return WorthTiming(*entry.plan) &&
         DueForChoice(absl::Now() - entry.chosen_at,
                      absl::Seconds(options_.choose_team_again_after_seconds), entry.threads > 1,
                      entry.slow_runs);
}

absl::StatusOr<std::vector<Tensor>> OneDnnModel::RunOrdered(
    const std::vector<const Tensor*>& ordered, const std::vector<std::string>& output_names,
    const PlanOptions& plan_options) const {
  std::string key;
  std::shared_ptr<CachedPlan> entry = Slot(ordered, output_names, &key);
  TeamSize team(options_.num_threads);
  const int allowed = omp_get_max_threads();
  absl::MutexLock lock(&entry->mu);
  if (absl::Status s = Compile(*entry, key, ordered, output_names, plan_options); !s.ok()) {
    return s;
  }
  omp_set_num_threads(entry->threads);
  const std::vector<const Tensor*> floats = FloatInputs(ordered);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<Tensor>> out = entry->plan->Run(floats);
  if (out.ok() && (!entry->team_chosen || ChooseAgain(*entry, absl::Now() - start))) {
    const int ran_on = entry->threads;
    ChooseTeam(*entry, key, ordered, floats, output_names, plan_options, allowed);
    // A team of another size may sum in another order: every result of a
    // plan comes from the one kept, so equal inputs give equal bits.
    if (entry->plan != nullptr && entry->threads != ran_on) {
      omp_set_num_threads(entry->threads);
      out = entry->plan->Run(floats);
    }
  }
  Forget(key, *entry, /*only_if_over_budget=*/true);
  return out;
}

PlanCacheStats OneDnnModel::plan_cache_stats() const {
  absl::MutexLock lock(&mu_);
  PlanCacheStats stats;
  stats.plans = static_cast<int>(plans_.size());
  stats.bytes = cached_bytes_;
  stats.peak_bytes = peak_bytes_;
  for (const auto& [key, slot] : plans_) stats.single_thread_plans += slot.single_thread ? 1 : 0;
  stats.team_choices = team_choices_;
  return stats;
}

void OneDnnModel::Reserve(const std::string& key, const CachedPlan& entry, int64_t bytes) const {
  absl::MutexLock lock(&mu_);
  auto own_slot = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> CacheSlot* {
    auto it = plans_.find(key);
    return it != plans_.end() && it->second.entry.get() == &entry ? &it->second : nullptr;
  };
  CacheSlot* slot = own_slot();
  if (slot == nullptr) return;  // Unreachable: only its own compile removes a slot being compiled.
  // A compile waiting here holds no room (a second compile of the same plan
  // gives back the first's), so the compiles that hold room never wait, and
  // they always finish.
  if (slot->bytes > 0) {
    cached_bytes_ -= slot->bytes;
    slot->bytes = 0;
    room_.SignalAll();
  }
  const int64_t budget = options_.max_plan_cache_bytes;
  for (;;) {
    int64_t compiling = 0;
    for (const auto& [k, other] : plans_) compiling += other.built ? 0 : other.bytes;
    // Built plans can all be dropped; one over the whole budget goes alone.
    if (compiling == 0 || compiling + bytes <= budget) break;
    room_.Wait(&mu_);
  }
  while (cached_bytes_ + bytes > budget && EvictOldest(key)) {
  }
  slot = own_slot();
  slot->bytes = bytes;
  cached_bytes_ += bytes;
  peak_bytes_ = std::max(peak_bytes_, cached_bytes_);
}

void OneDnnModel::AccountAndEvict(const std::string& key, const CachedPlan& entry,
                                  int64_t bytes) const {
  absl::MutexLock lock(&mu_);
  auto built = plans_.find(key);
  if (built != plans_.end() && built->second.entry.get() == &entry) {
    cached_bytes_ += bytes - built->second.bytes;
    built->second.bytes = bytes;
    built->second.built = true;
  }
  while (cached_bytes_ > options_.max_plan_cache_bytes && EvictOldest(key)) {
  }
  peak_bytes_ = std::max(peak_bytes_, cached_bytes_);
  room_.SignalAll();
}

void OneDnnModel::MarkSingleThread(const std::string& key, const CachedPlan& entry,
                                   bool single) const {
  absl::MutexLock lock(&mu_);
  auto it = plans_.find(key);
  if (it != plans_.end() && it->second.entry.get() == &entry) it->second.single_thread = single;
}

void OneDnnModel::Forget(const std::string& key, const CachedPlan& entry,
                         bool only_if_over_budget) const {
  absl::MutexLock lock(&mu_);
  auto it = plans_.find(key);
  if (it == plans_.end() || it->second.entry.get() != &entry) return;
  if (only_if_over_budget && it->second.bytes <= options_.max_plan_cache_bytes) return;
  cached_bytes_ -= it->second.bytes;
  plans_.erase(it);
  room_.SignalAll();
}

bool OneDnnModel::EvictOldest(const std::string& key) const {
  auto oldest = plans_.end();
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    if (it->first == key || !it->second.built) continue;  // In use, or being compiled.
    if (oldest == plans_.end() || it->second.last_used < oldest->second.last_used) oldest = it;
  }
  if (oldest == plans_.end()) return false;
  cached_bytes_ -= oldest->second.bytes;
  // A run still using the plan holds its own reference; it is freed after.
  plans_.erase(oldest);
  return true;
}

absl::StatusOr<std::unique_ptr<Model>> FromGraph(absl::StatusOr<ir::Graph> graph,
                                                 const ModelOptions& options) {
  if (!graph.ok()) return graph.status();
  absl::flat_hash_set<std::string> fused_away;
  if (options.optimize) {
    fused_away = NodeOutputs(*graph);
    FoldConstants(*graph, options.max_value_bytes);
    if (absl::Status s = OptimizeGraph(*graph); !s.ok()) return s;
    for (const std::string& name : NodeOutputs(*graph)) fused_away.erase(name);
    for (const auto& [name, folded] : graph->initializers) fused_away.erase(name);
  }
  auto model = std::make_unique<OneDnnModel>(*std::move(graph), options, std::move(fused_away));
  if (absl::Status s = model->Validate(); !s.ok()) return s;
  return model;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> Model::LoadFromBytes(absl::string_view bytes,
                                                            const std::string& source,
                                                            const ModelOptions& options) {
  return FromGraph(ParseOnnxModel(bytes, source), options);
}

absl::StatusOr<std::unique_ptr<Model>> Model::Load(const std::string& path,
                                                   const ModelOptions& options) {
  absl::StatusOr<ir::Graph> graph = ReadOnnxModel(path);
  if (!graph.ok() || options.precision != Precision::kInt8 || options.calibration != nullptr) {
    return FromGraph(std::move(graph), options);
  }
  const std::string calibration_path = CalibrationPathFor(path);
  absl::StatusOr<Calibration> calibration = ReadCalibration(calibration_path);
  if (absl::IsNotFound(calibration.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": precision int8 needs a calibration, and there is none at ", calibration_path,
        "; make one with: convoy-calibrate --model ", path, " --samples DIR"));
  }
  if (!calibration.ok()) return calibration.status();
  ModelOptions calibrated = options;
  calibrated.calibration = std::make_shared<const Calibration>(*std::move(calibration));
  return FromGraph(std::move(graph), calibrated);
}

}  // namespace convoy::engine
