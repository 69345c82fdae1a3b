// libFuzzer target: any byte string given to DecodeImage must give an image
// or an InvalidArgument, never a crash, a hang or a sanitizer report, in
// either colour space. An image that decodes must have the promised shape,
// and the size ReadImageSize read from its headers (what a server admits it
// by), and must then preprocess (resize, pad, ten crops, normalise) into
// finite floats or be refused with InvalidArgument. A header ReadImageSize
// refuses must not decode.
//
// The same bytes are also read as a small raw image and a preprocessing
// spec (sizes, padding, crop, count), so that resizing and cropping meet
// shapes that decoding the seeds alone would rarely give.
//
// Note: libpng and libjpeg-turbo are the system's uninstrumented builds, so
// coverage guides the search only through Convoy's own code; ASan still
// checks every buffer Convoy allocates and hands to them.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/preprocess/image_decoder.h"
#include "engine/preprocess/preprocess.h"

namespace {

bool IsExpectedError(const absl::Status& status) {
  // ResourceExhausted: the codec library could not allocate its own state.
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kResourceExhausted;
}

void Preprocess(const convoy::engine::Image& image, const convoy::engine::PreprocessSpec& spec,
                int64_t crop_count) {
  std::vector<float> out(crop_count * spec.CropElements());
  const absl::Status status = convoy::engine::PreprocessImage(image, spec, crop_count, absl::MakeSpan(out));
  if (!status.ok()) {
    if (status.code() != absl::StatusCode::kInvalidArgument) std::abort();
    return;
  }
  for (float v : out) {
    if (!std::isfinite(v)) std::abort();
  }
}

convoy::engine::PreprocessSpec SmallSpec(int channels) {
  convoy::engine::PreprocessSpec spec;
  spec.order = channels == 1 ? convoy::engine::ChannelOrder::kGray : convoy::engine::ChannelOrder::kBgr;
  spec.resize_shorter_side = 16;  // Small: keeps each input cheap to run.
  spec.pad = 1;
  spec.pad_value = 114;
  spec.crop_height = 12;
  spec.crop_width = 14;
  spec.mean.assign(channels, 0.5f);
  spec.std.assign(channels, 0.25f);
  return spec;
}

// Bytes 0-7 choose the shape and the spec; the rest (cycled) are pixels.
void PreprocessRawImage(const uint8_t* data, size_t size) {
  if (size < 9) return;
  convoy::engine::Image image;
  image.height = 1 + data[0] % 32;
  image.width = 1 + data[1] % 32;
  image.channels = data[2] % 2 == 0 ? 1 : 3;
  image.pixels.resize(static_cast<size_t>(image.height) * image.width * image.channels);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = data[8 + i % (size - 8)];
  convoy::engine::PreprocessSpec spec = SmallSpec(image.channels);
  spec.order = image.channels == 1 ? convoy::engine::ChannelOrder::kGray
               : data[2] % 4 == 1  ? convoy::engine::ChannelOrder::kRgb
                                   : convoy::engine::ChannelOrder::kBgr;
  spec.resize_shorter_side = data[3] % 48;
  spec.pad = data[4] % 8;
  spec.crop_height = 1 + data[5] % 48;
  spec.crop_width = 1 + data[6] % 48;
  const int64_t counts[] = {1, 5, 10, 3};  // 3 must be refused.
  Preprocess(image, spec, counts[data[7] % 4]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  convoy::engine::DecodeLimits limits;
  limits.max_encoded_bytes = 1 << 20;
  limits.max_pixels = 1 << 20;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<convoy::engine::ImageSize> header = convoy::engine::ReadImageSize(bytes, limits);
  if (!header.ok() && !IsExpectedError(header.status())) std::abort();
  for (convoy::engine::ColorSpace color : {convoy::engine::ColorSpace::kGray, convoy::engine::ColorSpace::kRgb}) {
    absl::StatusOr<convoy::engine::Image> image = convoy::engine::DecodeImage(bytes, color, limits);
    if (!image.ok()) {
      if (!IsExpectedError(image.status())) std::abort();
      continue;
    }
    if (!header.ok() || header->height != image->height || header->width != image->width) std::abort();
    const int channels = color == convoy::engine::ColorSpace::kGray ? 1 : 3;
    if (image->channels != channels || image->height <= 0 || image->width <= 0 ||
        int64_t{image->height} * image->width > limits.max_pixels ||
        image->pixels.size() != static_cast<size_t>(image->height) * image->width * channels) {
      std::abort();
    }
    Preprocess(*image, SmallSpec(channels), 10);
  }
  PreprocessRawImage(data, size);
  return 0;
}
