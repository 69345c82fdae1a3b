#include "repository/convoy_config_checks.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "repository/model_config.h"
#include "repository/repository_layout.h"

namespace convoy::repository {
namespace {

using ::inference::ImagePreprocessing;
using ::inference::ModelConfig;
using ::inference::ModelInput;

// Far above any sensible image pipeline; they stop a typo from asking for
// gigabytes per request.
constexpr int kMaxResize = 8192;
constexpr int kMaxPad = 1024;

absl::Status Invalid(absl::string_view source, absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", path, ": ", reason));
}

const ModelInput* FindInput(const ModelConfig& config, const std::string& name) {
  for (const ModelInput& input : config.input()) {
    if (input.name() == name) return &input;
  }
  return nullptr;
}

// mean or std: empty -> `fill` per channel, one value -> repeated.
absl::Status CompletePerChannel(absl::string_view source, absl::string_view field, int channels,
                                float fill, google::protobuf::RepeatedField<float>* values) {
  if (values->empty()) values->Add(fill);
  if (values->size() == 1) {
    while (values->size() < channels) values->Add(values->Get(0));
  }
  if (values->size() != channels) {
    return Invalid(source, absl::StrCat("preprocessing.", field),
                   absl::StrCat(values->size(), " values for an input of ", channels,
                                " channels (give one per channel, or one for all)"));
  }
  for (int c = 0; c < channels; ++c) {
    if (!std::isfinite(values->Get(c))) {
      return Invalid(source, absl::StrCat("preprocessing.", field, "[", c, "]"), "not a finite number");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPreprocessing(absl::string_view source, ModelConfig* config) {
  ImagePreprocessing& pre = *config->mutable_preprocessing();
  if (config->max_batch_size() == 0) {
    return Invalid(source, "preprocessing", "needs max_batch_size > 0: each image is one batch item");
  }
  if (pre.input().empty()) {
    if (config->input_size() != 1) {
      return Invalid(source, "preprocessing.input",
                     absl::StrCat("required: the model has ", config->input_size(),
                                  " inputs, name the one the images become"));
    }
    pre.set_input(config->input(0).name());
  }
  const ModelInput* input = FindInput(*config, pre.input());
  if (input == nullptr) {
    return Invalid(source, "preprocessing.input", absl::StrCat("'", pre.input(), "' is not an input of the model"));
  }
  const bool image_dims = input->dims_size() == 3 && (input->dims(0) == 1 || input->dims(0) == 3) &&
                          input->dims(1) > 0 && input->dims(2) > 0;
  if (input->data_type() != inference::TYPE_FP32 || !image_dims) {
    return Invalid(source, "preprocessing.input",
                   absl::StrCat("'", pre.input(), "' must be TYPE_FP32 with dims [C, H, W], C 1 or 3 and H, W fixed; it is ",
                                inference::DataType_Name(input->data_type()), " [",
                                absl::StrJoin(input->dims(), ", "), "]"));
  }
  const int channels = static_cast<int>(input->dims(0));
  if (pre.color() == ImagePreprocessing::COLOR_DEFAULT) {
    pre.set_color(channels == 1 ? ImagePreprocessing::GRAY : ImagePreprocessing::RGB);
  }
  if ((pre.color() == ImagePreprocessing::GRAY) != (channels == 1)) {
    return Invalid(source, "preprocessing.color",
                   absl::StrCat(ImagePreprocessing::Color_Name(pre.color()), " does not fit an input of ",
                                channels, channels == 1 ? " channel" : " channels"));
  }
  if (pre.resize_shorter_side() < 0 || pre.resize_shorter_side() > kMaxResize) {
    return Invalid(source, "preprocessing.resize_shorter_side",
                   absl::StrCat(pre.resize_shorter_side(), " is outside [0, ", kMaxResize, "] (0 = no resize)"));
  }
  if (pre.pad() < 0 || pre.pad() > kMaxPad) {
    return Invalid(source, "preprocessing.pad", absl::StrCat(pre.pad(), " is outside [0, ", kMaxPad, "]"));
  }
  const int64_t shorter_after = int64_t{pre.resize_shorter_side()} + 2 * int64_t{pre.pad()};
  const int64_t crop = std::min(input->dims(1), input->dims(2));
  if (pre.resize_shorter_side() > 0 && shorter_after < crop) {
    return Invalid(source, "preprocessing.resize_shorter_side",
                   absl::StrCat(pre.resize_shorter_side(), " plus twice pad ", pre.pad(),
                                " is shorter than the input's ", crop, " pixels: no image would fit the crop"));
  }
  if (pre.pad_value() < 0 || pre.pad_value() > 255) {
    return Invalid(source, "preprocessing.pad_value", absl::StrCat(pre.pad_value(), " is outside [0, 255]"));
  }
  if (pre.scale() == 0) pre.set_scale(1.0f / 255.0f);
  if (!std::isfinite(pre.scale()) || pre.scale() < 0) {
    return Invalid(source, "preprocessing.scale", "must be a positive finite number (0 = 1/255)");
  }
  absl::Status status = CompletePerChannel(source, "mean", channels, 0.0f, pre.mutable_mean());
  if (!status.ok()) return status;
  status = CompletePerChannel(source, "std", channels, 1.0f, pre.mutable_std());
  if (!status.ok()) return status;
  for (int c = 0; c < channels; ++c) {
    if (!(pre.std(c) > 0)) {
      return Invalid(source, absl::StrCat("preprocessing.std[", c, "]"), absl::StrCat(pre.std(c), " is not positive"));
    }
  }
  if (pre.max_request_pixels() < 0) {
    return Invalid(source, "preprocessing.max_request_pixels", "must not be negative (0 = the server's flag)");
  }
  if (!std::isfinite(pre.max_upscale()) || (pre.max_upscale() != 0 && pre.max_upscale() < 1)) {
    return Invalid(source, "preprocessing.max_upscale", "must be at least 1 (0 = the server's flag)");
  }
  if (pre.max_request_crops() < 0) {
    return Invalid(source, "preprocessing.max_request_crops", "must not be negative (0 = the server's flag)");
  }
  return absl::OkStatus();
}

absl::Status CheckEnsemble(absl::string_view source, ModelConfig* config) {
  const bool is_ensemble = config->platform() == kEnsemblePlatform;
  if (!is_ensemble) {
    if (config->has_ensemble()) {
      return Invalid(source, "ensemble", absl::StrCat("only for platform \"", kEnsemblePlatform, "\""));
    }
    return absl::OkStatus();
  }
  const inference::ModelEnsemble& ensemble = config->ensemble();
  if (ensemble.member().empty()) return Invalid(source, "ensemble.member", "an ensemble needs at least one member");
  if (config->max_batch_size() == 0) {
    return Invalid(source, "max_batch_size", "an ensemble needs max_batch_size > 0 (its members batch)");
  }
  if (config->has_preprocessing()) {
    return Invalid(source, "preprocessing", "an ensemble has none of its own: each member preprocesses images itself");
  }
  if (config->output_size() != 1 || config->output(0).dims_size() != 1 || config->output(0).dims(0) < 1) {
    return Invalid(source, "output",
                   "an ensemble has exactly one output, its combined class probabilities, of dims [classes]");
  }
  std::set<std::string> seen;
  for (int i = 0; i < ensemble.member_size(); ++i) {
    const inference::ModelEnsemble::Member& member = ensemble.member(i);
    const std::string path = absl::StrCat("ensemble.member[", i, "]");
    absl::Status name = ValidateModelName(member.model_name());
    if (!name.ok()) return Invalid(source, path + ".model_name", name.message());
    if (member.model_name() == config->name()) return Invalid(source, path + ".model_name", "an ensemble cannot contain itself");
    if (member.model_version() < 0) {
      return Invalid(source, path + ".model_version",
                     absl::StrCat(member.model_version(), " is not a version (0 = the latest served)"));
    }
    // Member outputs are exposed as "<member>/<output>", so names are unique.
    if (!seen.insert(member.model_name()).second) {
      return Invalid(source, path, absl::StrCat("'", member.model_name(), "' is listed twice"));
    }
    if (!std::isfinite(member.weight()) || member.weight() < 0) {
      return Invalid(source, path + ".weight", absl::StrCat(member.weight(), " is not a weight (>= 0; 0 means 1)"));
    }
  }
  // The combined output is probabilities whatever the members give.
  config->mutable_classification()->set_scores(inference::ModelClassification::PROBABILITIES);
  for (inference::ModelEnsemble::Member& member : *config->mutable_ensemble()->mutable_member()) {
    if (member.weight() == 0) member.set_weight(1);
  }
  return absl::OkStatus();
}

absl::Status CheckClassification(absl::string_view source, ModelConfig* config) {
  inference::ModelClassification& classification = *config->mutable_classification();
  const int32_t crops = classification.multicrop() == 0 ? 1 : classification.multicrop();
  if (crops != 1 && crops != 5 && crops != 10) {
    return Invalid(source, "classification.multicrop",
                   absl::StrCat(classification.multicrop(), " is not 1, 5 or 10"));
  }
  if (crops > config->max_batch_size() && crops > 1) {
    return Invalid(source, "classification.multicrop",
                   absl::StrCat(crops, " crops of an image run as one batch, but max_batch_size is ",
                                config->max_batch_size()));
  }
  // The rule a request's own `multicrop` meets (DecodeCrops): the crops are
  // cut from the one input, so its height and width must be fixed.
  const bool croppable = config->input_size() == 1 && config->input(0).data_type() == inference::TYPE_FP32 &&
                         config->input(0).dims_size() == 3 && config->input(0).dims(1) > 0 &&
                         config->input(0).dims(2) > 0;
  if (crops > 1 && !croppable) {
    const std::string has =
        config->input_size() != 1
            ? absl::StrCat(config->input_size(), " inputs")
            : absl::StrCat("input '", config->input(0).name(), "' of ",
                           inference::DataType_Name(config->input(0).data_type()), " [",
                           absl::StrJoin(config->input(0).dims(), ", "), "]");
    return Invalid(source, "classification.multicrop",
                   absl::StrCat(crops, " crops need exactly one TYPE_FP32 input of dims [C, H, W] with H and W fixed; "
                                "the model has ", has));
  }
  classification.set_multicrop(crops);
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckConvoySettings(absl::string_view source, ModelConfig* config) {
  absl::Status status = CheckEnsemble(source, config);
  if (!status.ok()) return status;
  if (config->has_preprocessing()) {
    status = CheckPreprocessing(source, config);
    if (!status.ok()) return status;
  }
  return CheckClassification(source, config);
}

}  // namespace convoy::repository
