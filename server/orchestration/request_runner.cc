#include "server/orchestration/request_runner.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/orchestration/fan_in.h"
#include "server/orchestration/image_input_builder.h"
#include "server/orchestration/score_math.h"

namespace convoy::server {
namespace {

// One row per image from the chunks of its crops: the crops' mean, as
// probabilities for class scores. Each chunk ran in a batch of its own, whose
// outputs are the union of its requests' in an order of their making, so
// every output is found by name in every chunk.
absl::StatusOr<InferenceResult> CombineCrops(const inference::ModelConfig& config,
                                             const std::vector<std::string>& names, int64_t images,
                                             int64_t crops, const std::vector<InferenceResult>& parts) {
  const bool probabilities = config.classification().scores() == inference::ModelClassification::PROBABILITIES;
  auto outputs = std::make_shared<std::vector<engine::Tensor>>();
  for (const std::string& name : names) {
    engine::Tensor mean;
    const bool softmax = !probabilities && HoldsClassScores(config, name);
    float* out = nullptr;
    int64_t row_size = 0;
    for (const InferenceResult& part : parts) {
      const engine::Tensor* batch = part.Output(name);
      if (batch == nullptr) {
        return absl::InternalError(absl::StrCat("output '", name, "' is missing from a batch of crops"));
      }
      if (out == nullptr) {
        engine::Shape shape = batch->shape();
        row_size = engine::NumElements(shape) / shape[0];
        shape[0] = images;
        mean = engine::Tensor(engine::DataType::kFloat32, shape);
        out = mean.data<float>();
      }
      const int64_t part_images = part.count / crops;
      AddCropMeans(absl::MakeConstSpan(batch->data<float>() + part.offset * row_size, part.count * row_size),
                   row_size, crops, softmax, absl::MakeSpan(out, part_images * row_size));
      out += part_images * row_size;
    }
    outputs->push_back(std::move(mean));
  }
  InferenceResult combined;
  combined.batch_outputs = std::move(outputs);
  combined.output_names = names;
  combined.count = images;
  combined.timings = MergeTimings(parts);
  return combined;
}

// Whole images per chunk: as many as the model batches.
int64_t ImagesPerChunk(const SingleModel& model, int64_t crops) {
  return std::max<int64_t>(1, model.config().max_batch_size() / crops);
}

// Sends the image input's chunks (whole images' crops each, in order) to
// the model as requests of their own and combines their results.
void RunChunks(std::shared_ptr<SingleModel> model, ModelRequest request, std::vector<engine::Tensor> chunks,
               absl::Time received, absl::Duration preprocess, InferenceCallback done) {
  InferenceRequest& inference = request.inference;
  const size_t slot = request.image->index;
  if (request.crops == 1) {  // Up to max_batch_size images: one chunk.
    inference.inputs[slot].tensor = std::move(chunks[0]);
    model->Infer(std::move(inference), received,
                 [done = std::move(done), preprocess](absl::Status status, InferenceResult result) {
                   result.timings.preprocess = preprocess;
                   done(std::move(status), std::move(result));
                 });
    return;
  }
  // One input only (the decoder checked), so a chunk is the whole input.
  const int64_t images = inference.batch_size;
  const int64_t crops = request.crops;
  auto fan_in = std::make_shared<FanIn>(
      static_cast<int>(chunks.size()),
      [model, names = inference.output_names, images, crops, received, preprocess, done = std::move(done)](
          absl::Status status, std::vector<InferenceResult> parts) {
        absl::StatusOr<InferenceResult> combined =
            status.ok() ? CombineCrops(model->config(), names, images, crops, parts) : status;
        if (!combined.ok()) {
          done(combined.status(), FailedResult(received));
          return;
        }
        combined->timings.preprocess = preprocess;
        done(absl::OkStatus(), *std::move(combined));
      });
  for (size_t c = 0; c < chunks.size(); ++c) {
    InferenceRequest chunk;
    chunk.batch_size = chunks[c].shape()[0];
    chunk.inputs.push_back({inference.inputs[slot].name, std::move(chunks[c])});
    chunk.output_names = inference.output_names;
    chunk.deadline = inference.deadline;
    chunk.is_cancelled = inference.is_cancelled;
    chunk.priority = inference.priority;
    chunk.queue_timeout = inference.queue_timeout;
    model->Infer(std::move(chunk), received, [fan_in, c](absl::Status status, InferenceResult result) {
      fan_in->PartDone(static_cast<int>(c), std::move(status), std::move(result));
    });
  }
}

}  // namespace

absl::Status StillWanted(const std::function<bool()>& is_cancelled, absl::Time deadline, absl::string_view stage) {
  if (is_cancelled != nullptr && is_cancelled()) {
    return absl::CancelledError(absl::StrCat("the client cancelled the request before ", stage));
  }
  if (absl::Now() > deadline) {
    return absl::DeadlineExceededError(absl::StrCat("the deadline passed before ", stage));
  }
  return absl::OkStatus();
}

void RunImageWork(const ModelRequest& request, const ImageServices& services, std::function<void()> work,
                  std::function<void(absl::Status)> fail) {
  // `request` lives as long as `work` (which owns it), and so as `checked`.
  std::function<void()> checked = [inference = &request.inference, work = std::move(work), fail] {
    if (absl::Status wanted = StillWanted(inference->is_cancelled, inference->deadline, "its images were decoded");
        !wanted.ok()) {
      fail(std::move(wanted));
      return;
    }
    work();
  };
  if (services.pool == nullptr || request.image->work_pixels <= services.inline_pixels) {
    checked();
    return;
  }
  absl::Status submitted = services.pool->Submit(std::move(checked));
  if (!submitted.ok()) fail(std::move(submitted));
}

void RunModelRequest(std::shared_ptr<SingleModel> model, ModelRequest request, absl::Time received,
                     const ImageServices& services, InferenceCallback done) {
  if (!request.image) {
    model->Infer(std::move(request.inference), received, std::move(done));
    return;
  }
  struct Job {
    std::shared_ptr<SingleModel> model;
    ModelRequest request;
    absl::Time received;
    engine::DecodeLimits limits;
    InferenceCallback done;
  };
  auto job = std::make_shared<Job>(
      Job{std::move(model), std::move(request), received, services.limits.decode, std::move(done)});
  RunImageWork(
      job->request, services,
      [job] {
        const absl::Time started = absl::Now();
        const int64_t images = job->request.inference.batch_size;
        const int64_t per_chunk = ImagesPerChunk(*job->model, job->request.crops);
        std::vector<engine::Tensor> chunks;
        for (int64_t first = 0; first < images; first += per_chunk) {
          absl::StatusOr<engine::Tensor> built = BuildImageInput(job->request, job->model->config(), job->limits, first,
                                                                 std::min(per_chunk, images - first));
          if (!built.ok()) {
            job->done(built.status(), FailedResult(job->received));
            return;
          }
          chunks.push_back(*std::move(built));
        }
        RunChunks(std::move(job->model), std::move(job->request), std::move(chunks), job->received,
                  absl::Now() - started, std::move(job->done));
      },
      [job](absl::Status failed) { job->done(std::move(failed), FailedResult(job->received)); });
}

void RunBuiltRequest(std::shared_ptr<SingleModel> model, ModelRequest request, const engine::Tensor& built,
                     absl::Time received, absl::Duration preprocess, InferenceCallback done) {
  const int64_t images = request.inference.batch_size;
  const int64_t crops = request.crops;
  const int64_t per_chunk = ImagesPerChunk(*model, crops);
  std::vector<engine::Tensor> chunks;
  for (int64_t first = 0; first < images; first += per_chunk) {
    chunks.push_back(CopyRows(built, first * crops, std::min(per_chunk, images - first) * crops));
  }
  RunChunks(std::move(model), std::move(request), std::move(chunks), received, preprocess, std::move(done));
}

}  // namespace convoy::server
