// Validation and default-filling of a parsed ModelConfig: the rules listed
// in model_config.h, kept apart from the text parsing so each stays short.
// Internal to the repository module; use ParseModelConfig / ReadModelConfig.
#ifndef CONVOY_REPOSITORY_MODEL_CONFIG_CHECKS_H_
#define CONVOY_REPOSITORY_MODEL_CONFIG_CHECKS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "repository/model_config.h"

namespace convoy::repository {

// The two steps of the checks (model_config.h): each checks part of
// `file->config`, fills its defaults there and appends to `file->warnings`.
// `source` prefixes every message; `model_name` as in ParseModelConfig.
//
// The fields auto-complete never changes: name, platform, backend, the range
// of max_batch_size, version_policy, instance_group, the model file names,
// and the accepted settings that are not applied (unapplied_fields.h).
absl::Status CheckFixedFields(absl::string_view source, absl::string_view model_name, ModelConfigFile* file);
// The fields auto-complete may fill, and those that depend on them:
// max_batch_size, input, output, dynamic_batching, Convoy's sections.
absl::Status CheckCompletableFields(absl::string_view source, ModelConfigFile* file);

// A field `field` that protobuf message `message` (a full name such as
// "inference.ModelConfig") does not declare, found at `path` (the field path
// inside ModelConfig): a Triton setting Convoy skips appends a warning, a
// Triton feature Convoy lacks is Unimplemented, anything else (a misspelling)
// is InvalidArgument with a suggestion. `where` prefixes every message
// ("models/x/config.pbtxt:3: "). Shared by the text and the JSON parser so
// both treat a config alike.
absl::Status ClassifyUnknownField(absl::string_view where, absl::string_view message, absl::string_view field,
                                  absl::string_view path, std::vector<std::string>& warnings);

// True for a name that stays inside the model directory: non-empty, no '/',
// '\\' or NUL, not "." or "..".
bool IsPlainFileName(absl::string_view name);

}  // namespace convoy::repository

#endif  // CONVOY_REPOSITORY_MODEL_CONFIG_CHECKS_H_
