#include "server/orchestration/image_input_builder.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "engine/preprocess/crop.h"
#include "repository/preprocess_spec.h"

namespace convoy::server {
namespace {

absl::Status ImageError(const std::string& input, size_t image, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrCat("input '", input, "', image ", image, ": ", status.message()));
}

absl::StatusOr<engine::Tensor> FromEncoded(const ModelRequest& request, const inference::ModelConfig& config,
                                           const engine::DecodeLimits& limits, int64_t first, int64_t count) {
  const engine::PreprocessSpec spec = repository::PreprocessSpecFromConfig(config);
  const std::string& name = config.preprocessing().input();
  const engine::ColorSpace color = spec.channels() == 1 ? engine::ColorSpace::kGray : engine::ColorSpace::kRgb;
  const std::vector<absl::string_view>& images = request.image->encoded;
  const int64_t per_image = request.crops * spec.CropElements();
  engine::Tensor out(engine::DataType::kFloat32,
                     {count * request.crops, spec.channels(), spec.crop_height, spec.crop_width});
  for (int64_t k = 0; k < count; ++k) {
    const size_t i = static_cast<size_t>(first + k);
    absl::StatusOr<engine::Image> image = engine::DecodeImage(images[i], color, limits);
    if (!image.ok()) return ImageError(name, i, image.status());
    absl::Span<float> rows(out.data<float>() + k * per_image, per_image);
    absl::Status status = engine::PreprocessImage(*image, spec, request.crops, rows);
    if (!status.ok()) return ImageError(name, i, status);
  }
  return out;
}

absl::StatusOr<engine::Tensor> FromTensor(const ModelRequest& request, const inference::ModelConfig& config,
                                          int64_t first, int64_t count) {
  const engine::NamedTensor& sent = request.inference.inputs[request.image->index];
  const inference::ModelInput& input = config.input(static_cast<int>(request.image->index));
  const int channels = static_cast<int>(input.dims(0));
  const int crop_height = static_cast<int>(input.dims(1));
  const int crop_width = static_cast<int>(input.dims(2));
  const engine::Shape& shape = sent.tensor.shape();  // [N, C, H', W'], checked by the decoder.
  const int height = static_cast<int>(shape[2]);
  const int width = static_cast<int>(shape[3]);
  absl::StatusOr<std::vector<engine::CropWindow>> windows =
      engine::CropWindows(height, width, crop_height, crop_width, request.crops);
  if (!windows.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("input '", sent.name, "': ", windows.status().message()));
  }
  const int64_t plane = int64_t{channels} * height * width;
  const int64_t crop = int64_t{channels} * crop_height * crop_width;
  engine::Tensor out(engine::DataType::kFloat32, {count * request.crops, channels, crop_height, crop_width});
  const float* in = sent.tensor.data<float>();
  float* rows = out.data<float>();
  for (int64_t n = first; n < first + count; ++n) {
    for (const engine::CropWindow& window : *windows) {
      engine::ExtractCrop(absl::MakeConstSpan(in + n * plane, plane), channels, height, width, window, crop_height,
                          crop_width, absl::MakeSpan(rows, crop));
      rows += crop;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<engine::Tensor> BuildImageInput(const ModelRequest& request, const inference::ModelConfig& config,
                                               const engine::DecodeLimits& limits, int64_t first, int64_t count) {
  if (!request.image->encoded.empty()) return FromEncoded(request, config, limits, first, count);
  return FromTensor(request, config, first, count);
}

}  // namespace convoy::server
