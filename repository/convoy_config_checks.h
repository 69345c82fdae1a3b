// Validation and default-filling of Convoy's own config.pbtxt sections,
// `preprocessing` and `classification` (docs/MODEL_REPOSITORY.md). Internal
// to the repository module; ParseModelConfig runs it after the Triton
// fields are checked, so inputs and max_batch_size are known to be sound.
#ifndef CONVOY_REPOSITORY_CONVOY_CONFIG_CHECKS_H_
#define CONVOY_REPOSITORY_CONVOY_CONFIG_CHECKS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "model_config.pb.h"

namespace convoy::repository {

// After it succeeds: preprocessing (when present) names an existing FP32
// input of dims [C, H, W] with C 1 or 3, its color matches C, scale is set,
// and mean and std hold C values each; classification.multicrop is 1, 5 or
// 10, and above 1 only for a model with max_batch_size at least that and
// exactly one FP32 input of dims [C, H, W], H and W fixed; an ensemble (platform convoy_ensemble) has members with valid names,
// non-negative versions and weights (0 filled in as 1), batches, has one
// output of dims [classes], and scores PROBABILITIES. Errors are
// InvalidArgument "<source>: <field path>: <reason>".
absl::Status CheckConvoySettings(absl::string_view source, inference::ModelConfig* config);

}  // namespace convoy::repository

#endif  // CONVOY_REPOSITORY_CONVOY_CONFIG_CHECKS_H_
