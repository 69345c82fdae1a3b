#include "server/core/batch_runner.h"

#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/core/inference_task.h"

namespace convoy::server {
namespace {

// The union of the outputs the batch's requests asked for, in first-seen
// order, so one engine run serves them all.
std::vector<std::string> OutputUnion(const std::vector<InferenceTask*>& tasks) {
  std::vector<std::string> names;
  absl::flat_hash_set<std::string> seen;
  for (InferenceTask* task : tasks) {
    for (const std::string& name : task->request().output_names) {
      if (seen.insert(name).second) names.push_back(name);
    }
  }
  return names;
}

// `parts`, of one type and the same dimensions after the first, stacked
// along dimension 0 into `rows` rows.
engine::Tensor Stack(const std::vector<const engine::Tensor*>& parts, int64_t rows) {
  engine::Shape shape = parts[0]->shape();
  shape[0] = rows;
  // Appended to a reserved buffer rather than copied over a zero-filled
  // tensor: each byte of the batch is written once.
  size_t size = 0;
  for (const engine::Tensor* part : parts) size += part->byte_size();
  std::string bytes;
  bytes.reserve(size);
  for (const engine::Tensor* part : parts) {
    bytes.append(static_cast<const char*>(part->raw_data()), part->byte_size());
  }
  return engine::Tensor::FromBytes(parts[0]->type(), std::move(shape), std::move(bytes));
}

// Input `index` of every task, stacked along dimension 0.
engine::Tensor StackInput(const std::vector<InferenceTask*>& tasks, size_t index, int64_t total_items) {
  if (tasks.size() == 1) return std::move(tasks[0]->request().inputs[index].tensor);
  std::vector<const engine::Tensor*> parts;
  for (InferenceTask* task : tasks) parts.push_back(&task->request().inputs[index].tensor);
  return Stack(parts, total_items);
}

// One engine run, with the config's reshapes on the way in and out. For a
// batch (`batched`: inputs stacked along dimension 0), every output must
// have as many rows as the inputs, since each request's rows are cut from
// it: an output reduced over the batch, say, would give a request another's
// rows, or rows past its end, so the run fails naming it instead.
absl::StatusOr<std::vector<engine::Tensor>> RunOnce(const engine::Model& model, std::vector<engine::NamedTensor> inputs,
                                                    const engine::RunOptions& options, const TensorReshapes* reshapes,
                                                    bool batched) {
  const int64_t rows = batched && !inputs.empty() ? inputs[0].tensor.shape()[0] : 0;
  if (reshapes != nullptr) CONVOY_RETURN_IF_ERROR(reshapes->ToModel(&inputs));
  absl::StatusOr<std::vector<engine::Tensor>> outputs = model.Run(inputs, options);
  if (!outputs.ok()) return outputs;
  if (reshapes != nullptr) CONVOY_RETURN_IF_ERROR(reshapes->ToConfig(options.output_names, &*outputs));
  for (size_t i = 0; batched && i < outputs->size(); ++i) {
    const engine::Shape& shape = (*outputs)[i].shape();
    if (shape.empty() || shape[0] != rows) {
      return absl::InternalError(absl::StrCat(
          "output '", options.output_names[i], "' has shape ", engine::ShapeToString(shape), " for a batch of ",
          rows, " items: a batching model must give each item its own row along the first dimension"));
    }
  }
  return outputs;
}

// Rows [begin, begin + count) of a tensor stacked along dimension 0.
engine::Tensor Rows(const engine::Tensor& stacked, int64_t begin, int64_t count) {
  engine::Shape shape = stacked.shape();
  const size_t row_bytes = stacked.byte_size() / static_cast<size_t>(shape[0]);
  shape[0] = count;
  engine::Tensor rows(stacked.type(), shape);
  std::memcpy(rows.raw_data(), static_cast<const unsigned char*>(stacked.raw_data()) + begin * row_bytes,
              count * row_bytes);
  return rows;
}

// The batch as consecutive runs of `runs` items (PlanSizes), their outputs
// stacked back.
absl::StatusOr<std::vector<engine::Tensor>> RunInParts(const engine::Model& model,
                                                       const std::vector<engine::NamedTensor>& inputs,
                                                       const engine::RunOptions& options,
                                                       const TensorReshapes* reshapes, const std::vector<int64_t>& runs) {
  std::vector<std::vector<engine::Tensor>> parts;
  int64_t begin = 0;
  for (int64_t count : runs) {
    std::vector<engine::NamedTensor> rows;
    for (const engine::NamedTensor& input : inputs) rows.push_back({input.name, Rows(input.tensor, begin, count)});
    CONVOY_ASSIGN_OR_RETURN(std::vector<engine::Tensor> outputs,
                            RunOnce(model, std::move(rows), options, reshapes, /*batched=*/true));
    parts.push_back(std::move(outputs));
    begin += count;
  }
  std::vector<engine::Tensor> stacked;
  for (size_t i = 0; i < parts[0].size(); ++i) {
    std::vector<const engine::Tensor*> output;
    for (const std::vector<engine::Tensor>& part : parts) output.push_back(&part[i]);
    stacked.push_back(Stack(output, begin));
  }
  return stacked;
}

}  // namespace

void RunBatch(const engine::Model& model, bool batched, std::vector<QueuedTask> batch, Clock* clock,
              ModelStatistics* statistics, BatchDelivery& delivery, const TensorReshapes* reshapes,
              PlanSizes* plan_sizes) {
  const absl::Time batch_started = clock->Now();
  std::vector<InferenceTask*> tasks;
  int64_t total_items = 0;
  for (QueuedTask& queued : batch) {
    auto* task = static_cast<InferenceTask*>(queued.task.get());
    tasks.push_back(task);
    total_items += task->size();
  }

  std::vector<engine::NamedTensor> inputs;
  const size_t num_inputs = tasks[0]->request().inputs.size();
  for (size_t i = 0; i < num_inputs; ++i) {
    // Requests list inputs in the model's order (the decoder guarantees it).
    inputs.push_back({tasks[0]->request().inputs[i].name, StackInput(tasks, i, total_items)});
  }
  engine::RunOptions options;
  options.output_names = OutputUnion(tasks);

  const absl::Time compute_started = clock->Now();
  const std::vector<int64_t> runs = plan_sizes == nullptr ? std::vector<int64_t>{total_items}
                                                          : plan_sizes->Runs(total_items);
  absl::StatusOr<std::vector<engine::Tensor>> outputs =
      runs.size() > 1 ? RunInParts(model, inputs, options, reshapes, runs)
                      : RunOnce(model, std::move(inputs), options, reshapes, batched);
  const absl::Time compute_ended = clock->Now();
  if (!outputs.ok()) {
    delivery.Deliver([tasks = std::move(tasks), batch = std::move(batch), status = outputs.status()] {
      for (InferenceTask* task : tasks) task->Fail(status);
    });
    return;
  }

  statistics->RecordExecution(total_items, compute_started - batch_started,
                              compute_ended - compute_started);
  auto shared = std::make_shared<const std::vector<engine::Tensor>>(*std::move(outputs));
  std::vector<InferenceResult> results(tasks.size());
  int64_t offset = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    InferenceResult& result = results[i];
    result.batch_outputs = shared;
    result.output_names = options.output_names;
    result.offset = offset;
    result.count = tasks[i]->size();
    result.batched = batched;
    result.timings.enqueued = batch[i].enqueued;
    result.timings.batch_started = batch_started;
    result.timings.compute_started = compute_started;
    result.timings.compute_ended = compute_ended;
    offset += tasks[i]->size();
  }
  // With preserve_ordering this may run later, on the worker that delivers
  // the batch before this one; the batcher's workers (and so the model and
  // its statistics) are alive until it has.
  delivery.Deliver([tasks = std::move(tasks), batch = std::move(batch), results = std::move(results),
                    total_items, clock, statistics]() mutable {
    const absl::Time delivery_started = clock->Now();
    for (size_t i = 0; i < tasks.size(); ++i) tasks[i]->Complete(std::move(results[i]));
    statistics->RecordExecutionOutput(total_items, clock->Now() - delivery_started);
  });
}

}  // namespace convoy::server
