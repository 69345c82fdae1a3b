#include "tools/convoy_infer/image_input.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/bounded_file.h"
#include "engine/preprocess/image_decoder.h"
#include "engine/preprocess/preprocess.h"
#include "repository/model_config.h"
#include "repository/preprocess_spec.h"

namespace convoy {
namespace {

constexpr int64_t kMaxConfigBytes = int64_t{4} << 20;  // As the server.

}  // namespace

std::string ImageConfigPath(const std::string& model_path, const std::string& config_path) {
  if (!config_path.empty()) return config_path;
  const std::filesystem::path model_dir = std::filesystem::path(model_path).parent_path().parent_path();
  return (model_dir / repository::kModelConfigFileName).string();
}

absl::StatusOr<engine::NamedTensor> LoadImageInput(const std::string& config_path,
                                                   const std::vector<std::string>& files) {
  absl::StatusOr<std::string> text = ReadBoundedFile(config_path, kMaxConfigBytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat(text.status().message(), " (images need the model's config.pbtxt: ",
                                     "pass --config, or run on a model inside a repository)"));
  }
  absl::StatusOr<repository::ModelConfigFile> config = repository::ParseModelConfig(*text, config_path, "");
  if (!config.ok()) return config.status();
  if (!config->config.has_preprocessing()) {
    return absl::InvalidArgumentError(
        absl::StrCat(config_path, ": no preprocessing section, so the model takes no images"));
  }
  const engine::PreprocessSpec spec = repository::PreprocessSpecFromConfig(config->config);
  const engine::ColorSpace color = spec.channels() == 1 ? engine::ColorSpace::kGray : engine::ColorSpace::kRgb;
  engine::Tensor batch(engine::DataType::kFloat32,
                       {static_cast<int64_t>(files.size()), spec.channels(), spec.crop_height, spec.crop_width});
  for (size_t i = 0; i < files.size(); ++i) {
    const engine::DecodeLimits limits;
    absl::StatusOr<std::string> bytes = ReadBoundedFile(files[i], limits.max_encoded_bytes);
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<engine::Image> image = engine::DecodeImage(*bytes, color, limits);
    if (!image.ok()) return absl::InvalidArgumentError(absl::StrCat(files[i], ": ", image.status().message()));
    absl::Span<float> rows(batch.data<float>() + i * spec.CropElements(), spec.CropElements());
    absl::Status status = engine::PreprocessImage(*image, spec, 1, rows);
    if (!status.ok()) return absl::InvalidArgumentError(absl::StrCat(files[i], ": ", status.message()));
  }
  return engine::NamedTensor{config->config.preprocessing().input(), std::move(batch)};
}

}  // namespace convoy
