#include "tools/convoy_loadgen/model_inputs.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace convoy {
namespace {

absl::Status BadShapeFlag(absl::string_view value, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--shape ", value, ": ", why));
}

absl::StatusOr<std::pair<std::string, std::vector<int64_t>>> ParseShapeFlag(absl::string_view value) {
  const size_t colon = value.rfind(':');
  if (colon == absl::string_view::npos || colon == 0 || colon + 1 == value.size()) {
    return BadShapeFlag(value, "expected NAME:D1,D2,... (the input's name, then its sizes)");
  }
  std::vector<int64_t> dims;
  for (absl::string_view text : absl::StrSplit(value.substr(colon + 1), ',')) {
    int64_t dim = 0;
    if (!absl::SimpleAtoi(text, &dim)) {
      return BadShapeFlag(value, absl::StrCat("'", text, "' is not a size (an integer >= 1)"));
    }
    if (dim < 1) return BadShapeFlag(value, absl::StrCat("size ", dim, " is not positive"));
    dims.push_back(dim);
  }
  return std::make_pair(std::string(value.substr(0, colon)), std::move(dims));
}

std::string ShapeFlagText(const std::string& name, const std::vector<int64_t>& dims) {
  return absl::StrCat(name, ":", absl::StrJoin(dims, ","));
}

}  // namespace

const InputSpec* ModelInputs::Find(absl::string_view name) const {
  for (const InputSpec& input : inputs) {
    if (input.name == name) return &input;
  }
  return nullptr;
}

std::string ModelInputs::Names() const {
  return absl::StrJoin(inputs, ", ", [](std::string* out, const InputSpec& input) { out->append(input.name); });
}

absl::StatusOr<ShapeFlags> ParseShapeFlags(const std::vector<std::string>& values) {
  ShapeFlags shapes;
  for (const std::string& value : values) {
    absl::StatusOr<std::pair<std::string, std::vector<int64_t>>> parsed = ParseShapeFlag(value);
    if (!parsed.ok()) return parsed.status();
    if (!shapes.emplace(parsed->first, parsed->second).second) {
      return BadShapeFlag(value, absl::StrCat("input '", parsed->first, "' was already given a shape"));
    }
  }
  return shapes;
}

bool HasBatchDimension(const inference::ModelMetadataResponse& metadata,
                       const absl::StatusOr<inference::ModelConfig>& config) {
  if (config.ok()) return config->max_batch_size() > 0;
  return metadata.inputs_size() > 0 &&
         std::all_of(metadata.inputs().begin(), metadata.inputs().end(),
                     [](const inference::ModelMetadataResponse::TensorMetadata& input) {
                       return input.shape_size() > 0 && input.shape(0) == -1;
                     });
}

absl::StatusOr<ModelInputs> ResolveModelInputs(const inference::ModelMetadataResponse& metadata, bool batched,
                                               const ShapeFlags& shapes) {
  ModelInputs resolved;
  resolved.model = metadata.name();
  resolved.batched = batched;
  for (const auto& input : metadata.inputs()) {
    InputSpec& spec = resolved.inputs.emplace_back();
    spec.name = input.name();
    spec.datatype = input.datatype();
    spec.model_dims.assign(input.shape().begin(), input.shape().end());
    if (batched) {
      if (spec.model_dims.empty() || spec.model_dims[0] != -1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "model '", metadata.name(), "' batches, but ModelMetadata gives input '", input.name(), "' the shape ",
            DimsText(spec.model_dims), " without a leading batch dimension (-1)"));
      }
      spec.model_dims.erase(spec.model_dims.begin());
    }
    spec.dims = spec.model_dims;
  }
  for (const auto& [name, dims] : shapes) {
    auto spec = std::find_if(resolved.inputs.begin(), resolved.inputs.end(),
                             [&name = name](const InputSpec& input) { return input.name == name; });
    if (spec == resolved.inputs.end()) {
      return BadShapeFlag(ShapeFlagText(name, dims), absl::StrCat("model '", metadata.name(), "' has no input '",
                                                                  name, "' (its inputs: ", resolved.Names(), ")"));
    }
    if (absl::Status fits = CheckShapeFits(*spec, dims); !fits.ok()) {
      return BadShapeFlag(ShapeFlagText(name, dims),
                          absl::StrCat(fits.message(), batched ? " (sizes of one batch item: without the batch "
                                                                 "dimension, as perf_analyzer's --shape)"
                                                               : ""));
    }
    spec->dims = dims;
  }
  return resolved;
}

absl::Status CheckShapeFits(const InputSpec& input, const std::vector<int64_t>& shape) {
  const std::string prefix =
      absl::StrCat("shape ", DimsText(shape), " does not fit input '", input.name, "' of dims ",
                   DimsText(input.model_dims), ": ");
  if (shape.size() != input.model_dims.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, shape.size(), " sizes for ", input.model_dims.size(), " dimensions"));
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 1) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "size ", shape[i], " is not positive"));
    }
    if (input.model_dims[i] != -1 && shape[i] != input.model_dims[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "dimension ", i, " is fixed at ", input.model_dims[i], ", not ", shape[i]));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ElementCount(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) return absl::InvalidArgumentError(absl::StrCat("shape ", DimsText(shape), " has a variable size"));
    if (__builtin_mul_overflow(count, dim, &count)) {
      return absl::InvalidArgumentError(absl::StrCat("shape ", DimsText(shape), " has too many elements"));
    }
  }
  return count;
}

std::string DimsText(const std::vector<int64_t>& dims) { return absl::StrCat("[", absl::StrJoin(dims, ","), "]"); }

}  // namespace convoy
