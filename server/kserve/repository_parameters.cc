#include "server/kserve/repository_parameters.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace convoy::server {
namespace {

constexpr char kFilePrefix[] = "file:";

using Choice = inference::ModelRepositoryParameter::ParameterChoiceCase;

absl::Status WrongType(const std::string& request, const std::string& name, const char* expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(request, " parameter '", name, "' must be a ", expected, " (", expected, "_param)"));
}

}  // namespace

absl::StatusOr<ModelOverride> ParseLoadParameters(const RepositoryParameters& parameters) {
  ModelOverride override;
  for (const auto& [name, value] : parameters) {
    if (name == "config") {
      if (value.parameter_choice_case() != Choice::kStringParam) return WrongType("load", name, "string");
      override.config_json = value.string_param();
    } else if (absl::StartsWith(name, kFilePrefix)) {
      if (value.parameter_choice_case() != Choice::kBytesParam) return WrongType("load", name, "bytes");
      override.files[name.substr(sizeof(kFilePrefix) - 1)] = value.bytes_param();
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unrecognized load parameter '", name, "': a load takes 'config' and 'file:<path>'"));
    }
  }
  if (!override.files.empty() && !override.config_json) {
    return absl::InvalidArgumentError(
        "load parameter 'config' must come with the 'file:' parameters: it is the configuration of the "
        "model directory they make up");
  }
  return override;
}

absl::StatusOr<bool> ParseUnloadParameters(const RepositoryParameters& parameters) {
  bool unload_dependents = false;
  for (const auto& [name, value] : parameters) {
    if (name != "unload_dependents") {
      return absl::InvalidArgumentError(
          absl::StrCat("unrecognized unload parameter '", name, "': an unload takes 'unload_dependents'"));
    }
    if (value.parameter_choice_case() != Choice::kBoolParam) return WrongType("unload", name, "bool");
    unload_dependents = value.bool_param();
  }
  return unload_dependents;
}

}  // namespace convoy::server
