#include "tools/convoy_loadgen/synthetic_request.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/json_tensor.h"
#include "tools/convoy_loadgen/input_data.h"

namespace convoy {
namespace {

// `count` values of T from `next`, as little-endian bytes (the host's order).
template <typename T, typename Next>
void Fill(int64_t count, Next next, std::string* raw) {
  for (int64_t i = 0; i < count; ++i) {
    const T value = static_cast<T>(next());
    std::memcpy(raw->data() + i * sizeof(T), &value, sizeof(T));
  }
}

// False for a datatype random data is not made for.
bool FillRandom(const std::string& datatype, int64_t count, std::mt19937& random, std::string* raw) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> small(0, 127);
  std::uniform_int_distribution<int> bit(0, 1);
  auto from = [&random](auto& distribution) { return [&] { return distribution(random); }; };
  if (datatype == "FP32") {
    Fill<float>(count, from(normal), raw);
  } else if (datatype == "FP64") {
    Fill<double>(count, from(normal), raw);
  } else if (datatype == "UINT8") {
    Fill<uint8_t>(count, from(byte), raw);
  } else if (datatype == "BOOL") {
    Fill<uint8_t>(count, from(bit), raw);
  } else if (datatype == "INT8") {
    Fill<int8_t>(count, from(small), raw);
  } else if (datatype == "INT16") {
    Fill<int16_t>(count, from(small), raw);
  } else if (datatype == "UINT16") {
    Fill<uint16_t>(count, from(small), raw);
  } else if (datatype == "INT32") {
    Fill<int32_t>(count, from(small), raw);
  } else if (datatype == "UINT32") {
    Fill<uint32_t>(count, from(small), raw);
  } else if (datatype == "INT64") {
    Fill<int64_t>(count, from(small), raw);
  } else if (datatype == "UINT64") {
    Fill<uint64_t>(count, from(small), raw);
  } else {
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<inference::ModelInferRequest> SyntheticRequest(const ModelInputs& inputs, int64_t batch,
                                                              SyntheticData data, uint32_t seed, int64_t max_bytes) {
  if (!inputs.batched && batch != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("model '", inputs.model, "' has no batch dimension; use --batch 1"));
  }
  inference::ModelInferRequest request;
  request.set_model_name(inputs.model);
  std::mt19937 random(seed);
  int64_t total_bytes = 0;
  for (const InputSpec& input : inputs.inputs) {
    for (int64_t dim : input.dims) {
      if (dim != -1) continue;
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "' has variable dims ",
                                                     DimsText(input.dims), ": give its shape with --shape ",
                                                     input.name, ":D1,D2,..."));
    }
    std::vector<int64_t> shape = input.dims;
    if (inputs.batched) shape.insert(shape.begin(), batch);
    absl::StatusOr<int64_t> count = ElementCount(shape);
    absl::StatusOr<size_t> element_bytes = client::ElementBytes(input.datatype);
    if (!count.ok() || !element_bytes.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", input.name, "': ", (count.ok() ? element_bytes.status() : count.status()).message()));
    }
    if (*element_bytes == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", input.name, "' is BYTES, which is not synthesised: give its data with --input-data FILE.json "
          "or DIR, or send images with --image or --dataset"));
    }
    int64_t bytes = 0;
    if (__builtin_mul_overflow(*count, static_cast<int64_t>(*element_bytes), &bytes) ||
        __builtin_add_overflow(total_bytes, bytes, &total_bytes) || total_bytes > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "' of shape ", DimsText(shape),
                                                     " takes the request past the ", max_bytes,
                                                     " bytes of tensors convoy-loadgen builds"));
    }
    std::string raw(static_cast<size_t>(bytes), '\0');
    if (data == SyntheticData::kRandom && !FillRandom(input.datatype, *count, random, &raw)) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "' is ", input.datatype,
                                                     ": random data is not made for it; use --input-data zero, "
                                                     "or give its data with --input-data FILE.json or DIR"));
    }
    AddRawInput(&request, input.name, input.datatype, shape, std::move(raw));
  }
  return request;
}

absl::StatusOr<inference::ModelInferRequest> SyntheticRequest(
    const inference::ModelMetadataResponse& metadata, int64_t batch, uint32_t seed) {
  absl::StatusOr<ModelInputs> inputs =
      ResolveModelInputs(metadata, HasBatchDimension(metadata, absl::UnimplementedError("no config")), {});
  if (!inputs.ok()) return inputs.status();
  return SyntheticRequest(*inputs, batch, SyntheticData::kRandom, seed);
}

}  // namespace convoy
