#include "server/orchestration/request_runner.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "server/orchestration/fan_in.h"
#include "server/orchestration/image_input_builder.h"
#include "server/orchestration/score_math.h"

namespace convoy::server {
namespace {

// One row per image from the chunks of its crops: the crops' mean, as
// probabilities for class scores.
InferenceResult CombineCrops(const inference::ModelConfig& config, int64_t images, int64_t crops,
                             const std::vector<InferenceResult>& parts) {
  const InferenceResult& first = parts[0];
  const bool probabilities = config.classification().scores() == inference::ModelClassification::PROBABILITIES;
  auto outputs = std::make_shared<std::vector<Tensor>>();
  for (size_t o = 0; o < first.output_names.size(); ++o) {
    Shape shape = (*first.batch_outputs)[o].shape();
    const int64_t row_size = NumElements(shape) / shape[0];
    shape[0] = images;
    Tensor mean(DataType::kFloat32, shape);
    const bool softmax = !probabilities && HoldsClassScores(config, first.output_names[o]);
    float* out = mean.data<float>();
    for (const InferenceResult& part : parts) {
      const float* rows = (*part.batch_outputs)[o].data<float>() + part.offset * row_size;
      const int64_t part_images = part.count / crops;
      AddCropMeans(absl::MakeConstSpan(rows, part.count * row_size), row_size, crops, softmax,
                   absl::MakeSpan(out, part_images * row_size));
      out += part_images * row_size;
    }
    outputs->push_back(std::move(mean));
  }
  InferenceResult combined;
  combined.batch_outputs = std::move(outputs);
  combined.output_names = first.output_names;
  combined.count = images;
  combined.timings = MergeTimings(parts);
  return combined;
}

}  // namespace

void RunModelRequest(std::shared_ptr<ServableModel> model, ModelRequest request, absl::Time received,
                     const DecodeLimits& limits, InferenceCallback done) {
  ServableModel& servable = *model;
  if (!request.image) {
    servable.Infer(std::move(request.inference), received, std::move(done));
    return;
  }
  const absl::Time preprocess_started = absl::Now();
  absl::StatusOr<Tensor> built = BuildImageInput(request, servable.config(), limits);
  const absl::Duration preprocess = absl::Now() - preprocess_started;
  if (!built.ok()) {
    done(built.status(), FailedResult(received));
    return;
  }
  InferenceRequest& inference = request.inference;
  const int64_t images = inference.batch_size;
  const int64_t crops = request.crops;
  if (crops == 1) {
    inference.inputs[request.image->index].tensor = *std::move(built);
    servable.Infer(std::move(inference), received,
                   [done = std::move(done), preprocess](absl::Status status, InferenceResult result) {
                     result.timings.preprocess = preprocess;
                     done(std::move(status), std::move(result));
                   });
    return;
  }
  // One input only (the decoder checked), so a chunk is a slice of it.
  const int64_t images_per_chunk = std::max<int64_t>(1, servable.config().max_batch_size() / crops);
  const int chunks = static_cast<int>((images + images_per_chunk - 1) / images_per_chunk);
  auto fan_in = std::make_shared<FanIn>(
      chunks, [model, images, crops, received, preprocess, done = std::move(done)](
                  absl::Status status, std::vector<InferenceResult> parts) {
        if (!status.ok()) {
          done(std::move(status), FailedResult(received));
          return;
        }
        InferenceResult combined = CombineCrops(model->config(), images, crops, parts);
        combined.timings.preprocess = preprocess;
        done(absl::OkStatus(), std::move(combined));
      });
  for (int c = 0; c < chunks; ++c) {
    const int64_t first = c * images_per_chunk;
    const int64_t count = std::min(images_per_chunk, images - first);
    InferenceRequest chunk;
    chunk.batch_size = count * crops;
    chunk.inputs.push_back({inference.inputs[0].name,
                            chunks == 1 ? *std::move(built) : CopyRows(*built, first * crops, count * crops)});
    chunk.output_names = inference.output_names;
    chunk.deadline = inference.deadline;
    chunk.is_cancelled = inference.is_cancelled;
    servable.Infer(std::move(chunk), received, [fan_in, c](absl::Status status, InferenceResult result) {
      fan_in->PartDone(c, std::move(status), std::move(result));
    });
  }
}

}  // namespace convoy::server
