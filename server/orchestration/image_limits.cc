#include "server/orchestration/image_limits.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/preprocess/resize.h"
#include "repository/preprocess_spec.h"

namespace convoy::server {
namespace {

absl::Status Refused(const std::string& input, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("input '", input, "': ", what));
}

// As BuildImageInput names an image it cannot decode.
absl::Status RefusedImage(const std::string& input, size_t image, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("input '", input, "', image ", image, ": ", what));
}

}  // namespace

ImageLimits ImageLimitsFor(const ImageLimits& server, const inference::ModelConfig& config) {
  ImageLimits limits = server;
  const inference::ImagePreprocessing& pre = config.preprocessing();
  if (pre.max_request_pixels() > 0) limits.max_request_pixels = pre.max_request_pixels();
  if (pre.max_upscale() > 0) limits.max_upscale = pre.max_upscale();
  if (pre.max_request_crops() > 0) limits.max_request_crops = pre.max_request_crops();
  return limits;
}

absl::Status CheckImageWork(ModelRequest* request, const inference::ModelConfig& config,
                            const ImageLimits& limits) {
  if (!request->image) return absl::OkStatus();
  const std::string& name = request->inference.inputs[request->image->index].name;
  const int64_t crops = request->inference.batch_size * request->crops;
  if (request->crops > 1 && crops > limits.max_request_crops) {
    return Refused(name, absl::StrCat(request->inference.batch_size, " images of ", request->crops,
                                      " crops make ", crops, " crops, more than the limit of ",
                                      limits.max_request_crops,
                                      " per request (preprocessing.max_request_crops, --max-request-crops)"));
  }
  std::vector<absl::string_view>& encoded = request->image->encoded;
  if (encoded.empty()) {
    const engine::Shape& sent = request->inference.inputs[request->image->index].tensor.shape();
    request->image->work_pixels = engine::NumElements(sent) / std::max<int64_t>(1, sent.size() > 1 ? sent[1] : 1);
    return absl::OkStatus();
  }
  const engine::PreprocessSpec spec = repository::PreprocessSpecFromConfig(config);
  std::vector<engine::ImageSize>& sizes = request->image->sizes;
  sizes.clear();
  int64_t pixels = 0;
  for (size_t i = 0; i < encoded.size(); ++i) {
    absl::StatusOr<engine::ImageSize> size = engine::ReadImageSize(encoded[i], limits.decode);
    if (!size.ok()) return RefusedImage(name, i, size.status().message());
    const int64_t decoded = int64_t{size->height} * size->width;
    int64_t resized_pixels = 0;
    if (spec.resize_shorter_side > 0) {
      const engine::ImageSize resized =
          engine::SizeWithShorterSide(size->height, size->width, spec.resize_shorter_side);
      resized_pixels = int64_t{resized.height} * resized.width;
    }
    const double growth = static_cast<double>(resized_pixels) / static_cast<double>(decoded);
    if (growth > limits.max_upscale) {
      return RefusedImage(name, i,
                          absl::StrFormat("resizing its %dx%d pixels to a shorter side of %d would multiply "
                                          "them %.0f-fold, more than the limit of %g "
                                          "(preprocessing.max_upscale, --max-image-upscale)",
                                          size->height, size->width, spec.resize_shorter_side, growth,
                                          limits.max_upscale));
    }
    pixels += decoded + resized_pixels;
    if (pixels > limits.max_request_pixels) {
      return Refused(name, absl::StrCat("images 0 to ", i, " need ", pixels,
                                        " decoded and resized pixels, more than the limit of ",
                                        limits.max_request_pixels,
                                        " per request (preprocessing.max_request_pixels, --max-image-request-pixels)"));
    }
    sizes.push_back(*size);
  }
  request->image->work_pixels = pixels;
  return absl::OkStatus();
}

}  // namespace convoy::server
