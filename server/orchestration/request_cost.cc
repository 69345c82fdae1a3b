#include "server/orchestration/request_cost.h"

#include <algorithm>
#include <string>

#include "engine/preprocess/resize.h"
#include "repository/preprocess_spec.h"

namespace convoy::server {
namespace {

constexpr int64_t kFloatBytes = sizeof(float);

int64_t Product(const google::protobuf::RepeatedField<int64_t>& dims, int64_t variable) {
  int64_t product = 1;
  for (int64_t dim : dims) product *= dim < 0 ? variable : dim;
  return product;
}

// Elements per batch item of the largest input: what a variable output
// dimension is taken to be.
int64_t LargestInputRow(const ModelRequest& request) {
  int64_t largest = 1;
  for (const engine::NamedTensor& input : request.inference.inputs) {
    const engine::Shape& shape = input.tensor.shape();
    const int64_t rows = shape.empty() ? 1 : std::max<int64_t>(1, shape[0]);
    largest = std::max(largest, input.tensor.num_elements() / rows);
  }
  return largest;
}

// The peak of decoding one image after another: the largest image's
// decoded pixels (up to 3 bytes each: a colour PNG decodes as RGB before it
// becomes gray) and its resized copy.
int64_t ImageWorkBytes(const ModelRequest& request, const inference::ModelConfig& config) {
  if (!request.image || request.image->sizes.empty()) return 0;
  const int resize = config.preprocessing().resize_shorter_side();
  int64_t peak = 0;
  for (const engine::ImageSize& size : request.image->sizes) {
    int64_t pixels = int64_t{size.height} * size.width;
    if (resize > 0) {
      const engine::ImageSize resized = engine::SizeWithShorterSide(size.height, size.width, resize);
      pixels += int64_t{resized.height} * resized.width;
    }
    peak = std::max(peak, 3 * pixels);
  }
  return peak;
}

// The model's input tensors for the request: the image input built (images
// x crops rows of the config's dims), the others as sent.
int64_t InputBytes(const ModelRequest& request, const inference::ModelConfig& config) {
  int64_t bytes = 0;
  const int64_t items = request.inference.batch_size * request.crops;
  for (size_t j = 0; j < request.inference.inputs.size(); ++j) {
    const bool built = request.image && request.image->index == j;
    bytes += built ? items * Product(config.input(static_cast<int>(j)).dims(), 1) * kFloatBytes
                   : static_cast<int64_t>(request.inference.inputs[j].tensor.byte_size());
  }
  return bytes;
}

// What the request holds before its image input is built: a tensor sent to
// be cropped (taken over from the message, so not in its size any more).
int64_t SentImageBytes(const ModelRequest& request) {
  if (!request.image) return 0;
  return static_cast<int64_t>(request.inference.inputs[request.image->index].tensor.byte_size());
}

// The request's rows of every output of a model that runs it in batches
// (`batched`), and three copies of the rows it asked for (all of them when
// `all_asked`).
int64_t OutputBytes(const ModelRequest& request, const inference::ModelConfig& config, bool batched,
                    bool all_asked) {
  const int64_t variable = LargestInputRow(request);
  const int64_t items = request.inference.batch_size * request.crops;
  int64_t bytes = 0;
  for (const inference::ModelOutput& output : config.output()) {
    const int64_t row = Product(output.dims(), variable) * kFloatBytes;
    if (batched) bytes += items * row;
    const auto& asked = request.inference.output_names;
    if (all_asked || std::find(asked.begin(), asked.end(), output.name()) != asked.end()) {
      bytes += 3 * request.inference.batch_size * row;
    }
  }
  return bytes;
}

}  // namespace

int64_t InflightBytes(const ModelRequest& request, const SingleModel& model) {
  return ImageWorkBytes(request, model.config()) + SentImageBytes(request) + 2 * InputBytes(request, model.config()) +
         OutputBytes(request, model.config(), /*batched=*/true, /*all_asked=*/false);
}

int64_t InflightBytes(const ModelRequest& request, const EnsembleModel& ensemble,
                      const std::vector<std::shared_ptr<SingleModel>>& members) {
  // Built once, copied to each member, which may stack it and ask for all
  // of its outputs; then the members' class scores are combined.
  int64_t bytes = ImageWorkBytes(request, ensemble.config()) + SentImageBytes(request) +
                  InputBytes(request, ensemble.config()) +
                  OutputBytes(request, ensemble.config(), /*batched=*/false, /*all_asked=*/false);
  for (const std::shared_ptr<SingleModel>& member : members) {
    bytes += 2 * InputBytes(request, member->config()) +
             OutputBytes(request, member->config(), /*batched=*/true, /*all_asked=*/true);
  }
  return bytes;
}

}  // namespace convoy::server
