#include "repository/preprocess_spec.h"

namespace convoy::repository {
namespace {

using ::inference::ImagePreprocessing;

engine::ChannelOrder OrderOf(ImagePreprocessing::Color color) {
  switch (color) {
    case ImagePreprocessing::GRAY:
      return engine::ChannelOrder::kGray;
    case ImagePreprocessing::BGR:
      return engine::ChannelOrder::kBgr;
    default:
      return engine::ChannelOrder::kRgb;
  }
}

}  // namespace

engine::PreprocessSpec PreprocessSpecFromConfig(const inference::ModelConfig& config) {
  const ImagePreprocessing& pre = config.preprocessing();
  const inference::ModelInput* input = nullptr;
  for (const inference::ModelInput& candidate : config.input()) {
    if (candidate.name() == pre.input()) input = &candidate;
  }
  engine::PreprocessSpec spec;
  spec.order = OrderOf(pre.color());
  spec.resize_shorter_side = pre.resize_shorter_side();
  spec.pad = pre.pad();
  spec.pad_value = static_cast<uint8_t>(pre.pad_value());
  spec.crop_height = static_cast<int>(input->dims(1));
  spec.crop_width = static_cast<int>(input->dims(2));
  spec.scale = pre.scale();
  spec.mean.assign(pre.mean().begin(), pre.mean().end());
  spec.std.assign(pre.std().begin(), pre.std().end());
  return spec;
}

}  // namespace convoy::repository
