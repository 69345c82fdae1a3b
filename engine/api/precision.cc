#include "absl/strings/str_cat.h"
#include "engine/api/model.h"

namespace convoy::engine {

absl::string_view PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kFloat32:
      return "fp32";
    case Precision::kBfloat16:
      return "bf16";
    case Precision::kInt8:
      return "int8";
  }
  return "unknown";
}

absl::StatusOr<Precision> ParsePrecision(absl::string_view name) {
  for (Precision p : {Precision::kFloat32, Precision::kBfloat16, Precision::kInt8}) {
    if (name == PrecisionName(p)) return p;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown precision '", name, "'; expected fp32, bf16 or int8"));
}

}  // namespace convoy::engine
