#include "server/kserve/infer_request_decoder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/preprocess/crop.h"
#include "server/core/tensor_types.h"
#include "server/kserve/encoded_images.h"

namespace convoy::server {
namespace {

using WireInput = inference::ModelInferRequest::InferInputTensor;

// Larger than any tensor a CNN input can be; keeps byte arithmetic far from
// overflow whatever the client claims.
constexpr int64_t kMaxElements = int64_t{1} << 34;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

std::string ShapeText(const google::protobuf::RepeatedField<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

std::string InputNames(const inference::ModelConfig& config) {
  return absl::StrJoin(config.input(), ", ", [](std::string* out, const auto& input) {
    absl::StrAppend(out, input.name());
  });
}

std::string OutputNames(const inference::ModelConfig& config) {
  return absl::StrJoin(config.output(), ", ", [](std::string* out, const auto& output) {
    absl::StrAppend(out, output.name());
  });
}

// The wire shape against the config: rank, batch size, fixed dimensions.
// With `croppable`, the last two dimensions (H, W of an image input) may be
// larger than the config's: the request runner crops them.
absl::Status CheckShape(const WireInput& wire, const inference::ModelInput& input,
                        const inference::ModelConfig& config, bool croppable) {
  const bool batched = config.max_batch_size() > 0;
  const int rank = input.dims_size() + (batched ? 1 : 0);
  const std::string expected =
      absl::StrCat(batched ? "[-1," : "[", absl::StrJoin(input.dims(), ","), "]");
  if (wire.shape_size() != rank) {
    return Invalid(absl::StrCat("input '", wire.name(), "' has shape ", ShapeText(wire.shape()),
                                " but model '", config.name(), "' expects ", expected));
  }
  for (int64_t dim : wire.shape()) {
    if (dim < 1) {
      return Invalid(absl::StrCat("input '", wire.name(), "' has shape ", ShapeText(wire.shape()),
                                  ": every dimension must be at least 1"));
    }
  }
  if (batched && wire.shape(0) > config.max_batch_size()) {
    return Invalid(absl::StrCat("input '", wire.name(), "' has batch size ", wire.shape(0),
                                ", above max_batch_size ", config.max_batch_size(), " of model '",
                                config.name(), "'"));
  }
  for (int i = 0; i < input.dims_size(); ++i) {
    const int64_t want = input.dims(i);
    const int64_t got = wire.shape(i + (batched ? 1 : 0));
    const bool spatial = croppable && i >= input.dims_size() - 2;
    if (want != -1 && (spatial ? got < want : got != want)) {
      return Invalid(absl::StrCat("input '", wire.name(), "' has shape ", ShapeText(wire.shape()),
                                  " but model '", config.name(), "' expects ", expected,
                                  spatial ? " (or larger images, which are cropped)" : ""));
    }
  }
  const engine::Shape shape(wire.shape().begin(), wire.shape().end());
  if (!engine::ElementCountAtMost(shape, kMaxElements)) {
    return Invalid(absl::StrCat("input '", wire.name(), "' with shape ", ShapeText(wire.shape()),
                                " is too large"));
  }
  return absl::OkStatus();
}

// The field of `contents` that holds values of `type`, and how many it has;
// nullptr for a type without typed contents here.
const char* ContentsField(inference::DataType type) {
  switch (type) {
    case inference::TYPE_FP32: return "fp32_contents";
    case inference::TYPE_UINT8: return "uint_contents";
    case inference::TYPE_INT64: return "int64_contents";
    default: return nullptr;
  }
}

int64_t ContentsCount(const inference::InferTensorContents& contents, inference::DataType type) {
  switch (type) {
    case inference::TYPE_FP32: return contents.fp32_contents_size();
    case inference::TYPE_UINT8: return contents.uint_contents_size();
    case inference::TYPE_INT64: return contents.int64_contents_size();
    default: return 0;
  }
}

// Copies typed `contents` into the tensor. REQUIRES: kind and count checked.
absl::Status FillFromContents(const WireInput& wire, inference::DataType type, engine::Tensor* tensor) {
  const inference::InferTensorContents& contents = wire.contents();
  const int64_t count = tensor->num_elements();
  if (type == inference::TYPE_FP32) {
    std::memcpy(tensor->raw_data(), contents.fp32_contents().data(), count * sizeof(float));
    return absl::OkStatus();
  }
  if (type == inference::TYPE_INT64) {
    std::memcpy(tensor->raw_data(), contents.int64_contents().data(), count * sizeof(int64_t));
    return absl::OkStatus();
  }
  uint8_t* out = tensor->data<uint8_t>();
  for (int64_t i = 0; i < count; ++i) {
    const uint32_t value = contents.uint_contents(static_cast<int>(i));
    if (value > 255) {
      return Invalid(absl::StrCat("input '", wire.name(), "' is UINT8 but value ", i, " is ", value));
    }
    out[i] = static_cast<uint8_t>(value);
  }
  return absl::OkStatus();
}

// Only the field that matches the datatype may hold values.
absl::Status CheckContentsKind(const WireInput& wire, inference::DataType type) {
  const inference::InferTensorContents& c = wire.contents();
  const int used = (c.bool_contents_size() > 0) + (c.int_contents_size() > 0) +
                   (c.int64_contents_size() > 0) + (c.uint_contents_size() > 0) +
                   (c.uint64_contents_size() > 0) + (c.fp32_contents_size() > 0) +
                   (c.fp64_contents_size() > 0) + (c.bytes_contents_size() > 0);
  const bool right = ContentsCount(c, type) > 0;
  if (used > 1 || (used == 1 && !right)) {
    return Invalid(absl::StrCat("input '", wire.name(), "' is ", WireType(type),
                                " but its contents use another type's field (use ", ContentsField(type), ")"));
  }
  return absl::OkStatus();
}

// The input's tensor. Raw bytes are taken over from `request` (no copy);
// typed contents are copied and then cleared: either way the request's
// values are held once.
absl::StatusOr<engine::Tensor> DecodeInput(inference::ModelInferRequest* request, int index,
                                           const inference::ModelInput& input,
                                           const inference::ModelConfig& config, bool croppable) {
  WireInput& wire = *request->mutable_inputs(index);
  const inference::DataType type = FromWireType(wire.datatype());
  if (type != input.data_type()) {
    const bool takes_images = config.has_preprocessing() && config.preprocessing().input() == input.name();
    return Invalid(absl::StrCat("input '", wire.name(), "' has datatype '", wire.datatype(),
                                "' but model '", config.name(), "' expects ",
                                WireType(input.data_type()), takes_images ? " (or BYTES: encoded images)" : ""));
  }
  CONVOY_RETURN_IF_ERROR(CheckShape(wire, input, config, croppable));
  const std::optional<engine::DataType> engine_type = EngineType(type);
  if (!engine_type) {
    return absl::UnimplementedError(
        absl::StrCat("input '", wire.name(), "': ", wire.datatype(), " tensors are not supported"));
  }
  // Sizes are checked before anything is allocated: the shape is the
  // client's claim, the bytes are what it actually sent.
  const engine::Shape shape(wire.shape().begin(), wire.shape().end());
  const int64_t elements = engine::NumElements(shape);
  const size_t bytes = static_cast<size_t>(elements) * engine::DataTypeSize(*engine_type);
  if (request->raw_input_contents_size() > 0) {
    std::string& raw = *request->mutable_raw_input_contents(index);
    if (raw.size() != bytes) {
      return Invalid(absl::StrCat("input '", wire.name(), "' has ", raw.size(),
                                  " bytes in raw_input_contents but shape ",
                                  ShapeText(wire.shape()), " of ", wire.datatype(), " needs ",
                                  bytes));
    }
    return engine::Tensor::FromBytes(*engine_type, shape, std::move(raw));
  }
  CONVOY_RETURN_IF_ERROR(CheckContentsKind(wire, type));
  const int64_t given = ContentsCount(wire.contents(), type);
  if (given != elements) {
    return Invalid(absl::StrCat("input '", wire.name(), "' has ", given, " values in contents but",
                                " shape ", ShapeText(wire.shape()), " needs ", elements));
  }
  engine::Tensor tensor(*engine_type, shape);
  CONVOY_RETURN_IF_ERROR(FillFromContents(wire, type, &tensor));
  wire.clear_contents();
  return tensor;
}

// Crops per image: the request's int64 parameter `multicrop`, else the
// model's default.
absl::StatusOr<int64_t> DecodeCrops(const inference::ModelInferRequest& wire,
                                    const inference::ModelConfig& config) {
  auto it = wire.parameters().find("multicrop");
  if (it == wire.parameters().end()) return std::max<int64_t>(1, config.classification().multicrop());
  const inference::InferParameter& value = it->second;
  if (value.parameter_choice_case() != inference::InferParameter::kInt64Param ||
      !engine::IsValidCropCount(value.int64_param())) {
    return Invalid("parameter 'multicrop' must be an int64 of 1, 5 or 10");
  }
  const int64_t crops = value.int64_param();
  if (crops == 1) return crops;
  if (config.max_batch_size() < crops) {
    return Invalid(absl::StrCat("multicrop ", crops, " runs the crops of an image as one batch, but model '",
                                config.name(), "' has max_batch_size ", config.max_batch_size()));
  }
  const bool image_input = config.input_size() == 1 && config.input(0).data_type() == inference::TYPE_FP32 &&
                           config.input(0).dims_size() == 3 && config.input(0).dims(1) > 0 &&
                           config.input(0).dims(2) > 0;
  if (!image_input) {
    return Invalid(absl::StrCat("multicrop needs a model with one FP32 image input of fixed dims [C, H, W]; model '",
                                config.name(), "' has none"));
  }
  return crops;
}

const char* ParameterKind(const inference::InferParameter& value) {
  switch (value.parameter_choice_case()) {
    case inference::InferParameter::kBoolParam: return "a bool";
    case inference::InferParameter::kInt64Param: return "an int64";
    case inference::InferParameter::kStringParam: return "a string";
    case inference::InferParameter::kDoubleParam: return "a double";
    case inference::InferParameter::kUint64Param: return "a uint64";
    case inference::InferParameter::PARAMETER_CHOICE_NOT_SET: break;
  }
  return "empty";
}

// Triton's schedule-policy parameters, both optional, with the types
// Triton's server takes: `priority` an int64 >= 0 or a uint64
// (tritonclient.grpc sends uint64_param; a REST body's JSON integer arrives
// as int64), `timeout` an int64 of microseconds (as tritonclient sends it).
// What they do is the batcher's business (server/batcher/batch_queue.h).
absl::Status DecodeSchedulePolicy(const inference::ModelInferRequest& wire, InferenceRequest* request) {
  const auto& parameters = wire.parameters();
  if (auto it = parameters.find("priority"); it != parameters.end()) {
    const inference::InferParameter& value = it->second;
    if (value.parameter_choice_case() == inference::InferParameter::kUint64Param) {
      request->priority = value.uint64_param();
    } else if (value.parameter_choice_case() == inference::InferParameter::kInt64Param && value.int64_param() >= 0) {
      request->priority = static_cast<uint64_t>(value.int64_param());
    } else {
      const std::string got = value.parameter_choice_case() == inference::InferParameter::kInt64Param
                                  ? absl::StrCat(value.int64_param())
                                  : ParameterKind(value);
      return Invalid(absl::StrCat("parameter 'priority' must be an int64 or uint64 >= 0 (1 is the highest "
                                  "level, 0 the model's default), got ", got));
    }
  }
  if (auto it = parameters.find("timeout"); it != parameters.end()) {
    const inference::InferParameter& value = it->second;
    if (value.parameter_choice_case() != inference::InferParameter::kInt64Param || value.int64_param() < 0) {
      const std::string got = value.parameter_choice_case() == inference::InferParameter::kInt64Param
                                  ? absl::StrCat(value.int64_param())
                                  : ParameterKind(value);
      return Invalid(absl::StrCat("parameter 'timeout' must be an int64 of microseconds >= 0 (0: none), got ", got));
    }
    request->queue_timeout = absl::Microseconds(value.int64_param());
  }
  return absl::OkStatus();
}

// Index of the input that may be built from images or crops, or -1.
int ImageSlot(const inference::ModelConfig& config, int64_t crops) {
  for (int j = 0; j < config.input_size(); ++j) {
    if (config.has_preprocessing() && config.input(j).name() == config.preprocessing().input()) return j;
  }
  return crops > 1 ? 0 : -1;
}

absl::StatusOr<std::vector<OutputRequest>> DecodeOutputs(const inference::ModelInferRequest& wire,
                                                         const inference::ModelConfig& config) {
  std::vector<OutputRequest> outputs;
  if (wire.outputs().empty()) {
    for (const inference::ModelOutput& output : config.output()) outputs.push_back({output.name()});
    return outputs;
  }
  absl::flat_hash_set<std::string> seen;
  for (const auto& requested : wire.outputs()) {
    const bool known = std::any_of(config.output().begin(), config.output().end(),
                                   [&](const auto& o) { return o.name() == requested.name(); });
    if (!known) {
      return Invalid(absl::StrCat("unknown output '", requested.name(), "' of model '",
                                  config.name(), "' (outputs: ", OutputNames(config), ")"));
    }
    if (!seen.insert(requested.name()).second) {
      return Invalid(absl::StrCat("output '", requested.name(), "' is requested twice"));
    }
    OutputRequest output{requested.name()};
    auto it = requested.parameters().find("classification");
    if (it != requested.parameters().end()) {
      if (it->second.parameter_choice_case() != inference::InferParameter::kInt64Param ||
          it->second.int64_param() < 1) {
        return Invalid(absl::StrCat("output '", requested.name(),
                                    "': parameter 'classification' must be an int64 >= 1"));
      }
      output.classification = it->second.int64_param();
    }
    outputs.push_back(std::move(output));
  }
  return outputs;
}

}  // namespace

absl::StatusOr<DecodedRequest> DecodeInferRequest(inference::ModelInferRequest* request,
                                                  const ServableModel& model) {
  const inference::ModelInferRequest& wire = *request;
  const inference::ModelConfig& config = model.config();
  const bool raw = wire.raw_input_contents_size() > 0;
  if (raw && wire.raw_input_contents_size() != wire.inputs_size()) {
    return Invalid(absl::StrCat("raw_input_contents has ", wire.raw_input_contents_size(),
                                " entries but the request has ", wire.inputs_size(), " inputs"));
  }
  // Index of each wire input by name; unknown and repeated names first.
  std::vector<int> wire_index(config.input_size(), -1);
  for (int i = 0; i < wire.inputs_size(); ++i) {
    const WireInput& input = wire.inputs(i);
    if (raw && input.has_contents()) {
      return Invalid(absl::StrCat("input '", input.name(),
                                  "' has contents although raw_input_contents is used"));
    }
    int slot = -1;
    for (int j = 0; j < config.input_size(); ++j) {
      if (config.input(j).name() == input.name()) slot = j;
    }
    if (slot < 0) {
      return Invalid(absl::StrCat("unknown input '", input.name(), "' of model '", config.name(),
                                  "' (inputs: ", InputNames(config), ")"));
    }
    if (wire_index[slot] >= 0) {
      return Invalid(absl::StrCat("input '", input.name(), "' is given twice"));
    }
    wire_index[slot] = i;
  }
  DecodedRequest decoded;
  CONVOY_RETURN_IF_ERROR(DecodeSchedulePolicy(wire, &decoded.request.inference));
  absl::StatusOr<int64_t> crops = DecodeCrops(wire, config);
  if (!crops.ok()) return crops.status();
  decoded.request.crops = *crops;
  const int image_slot = ImageSlot(config, *crops);
  InferenceRequest& inference = decoded.request.inference;
  for (int j = 0; j < config.input_size(); ++j) {
    if (wire_index[j] < 0) {
      return Invalid(absl::StrCat("missing input '", config.input(j).name(), "' of model '",
                                  config.name(), "'"));
    }
    const inference::ModelInput& input = config.input(j);
    if (wire.inputs(wire_index[j]).datatype() == "BYTES") {
      if (j != image_slot || !config.has_preprocessing()) {
        return Invalid(absl::StrCat("input '", input.name(), "' is BYTES but model '", config.name(),
                                    "' takes no encoded images there (its config.pbtxt has no preprocessing for it)"));
      }
      absl::StatusOr<std::vector<absl::string_view>> images =
          DecodeEncodedImages(wire, wire_index[j], config.max_batch_size());
      if (!images.ok()) return images.status();
      const int64_t count = static_cast<int64_t>(images->size());
      // A placeholder of the right batch size until the images are built.
      inference.inputs.push_back({input.name(), engine::Tensor(engine::DataType::kFloat32, {count})});
      decoded.request.image = ImageInput{static_cast<size_t>(j), *std::move(images), {}};
      continue;
    }
    absl::StatusOr<engine::Tensor> tensor = DecodeInput(request, wire_index[j], input, config, j == image_slot);
    if (!tensor.ok()) return tensor.status();
    if (j == image_slot) {
      const engine::Shape& shape = tensor->shape();
      const bool larger = shape[2] != input.dims(1) || shape[3] != input.dims(2);
      if (larger || *crops > 1) decoded.request.image = ImageInput{static_cast<size_t>(j), {}, {}};
    }
    inference.inputs.push_back({input.name(), *std::move(tensor)});
  }
  // The batcher stacks along the first dimension, so every input must agree.
  if (model.batched()) {
    inference.batch_size = inference.inputs[0].tensor.shape()[0];
    for (const engine::NamedTensor& input : inference.inputs) {
      if (input.tensor.shape()[0] != inference.batch_size) {
        return Invalid(absl::StrCat("inputs disagree on the batch size: '", inference.inputs[0].name,
                                    "' has ", inference.batch_size, ", '", input.name, "' has ",
                                    input.tensor.shape()[0]));
      }
    }
  }
  absl::StatusOr<std::vector<OutputRequest>> outputs = DecodeOutputs(wire, config);
  if (!outputs.ok()) return outputs.status();
  decoded.outputs = *std::move(outputs);
  for (const OutputRequest& output : decoded.outputs) {
    inference.output_names.push_back(output.name);
  }
  return decoded;
}

}  // namespace convoy::server
