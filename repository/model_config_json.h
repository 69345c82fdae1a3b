// A model configuration given as JSON, as Triton's repository load takes it
// (the `config` parameter of RepositoryModelLoad): protobuf's JSON mapping
// of inference.ModelConfig, with field names in either spelling
// (max_batch_size or maxBatchSize), 64-bit integers as numbers or strings
// and enums by name or number, so a configuration printed by Triton's or
// Convoy's ModelConfig endpoint can be sent back as it is.
//
// It is held to the same rules as a config.pbtxt (model_config.h): a
// Triton setting Convoy skips is a warning, a Triton feature Convoy lacks
// is Unimplemented, an unknown field, an unknown enum value or a value of
// the wrong type is InvalidArgument, and then the same checks fill the same
// defaults. A Triton-only field whose value is empty or all defaults
// (`"batch_input": []`, `"model_transaction_policy": {"decoupled": false}`,
// as Triton prints every configuration) counts as absent. Messages start
// with `source` and name the field:
//
//   config parameter: dynamic_batching.preferred_batch_size: 64 exceeds max_batch_size 32
//   config parameter: max_batch_sizee: no such field (...) (did you mean 'max_batch_size'?)
//
// Thread-safety: stateless; may be called concurrently.
#ifndef CONVOY_REPOSITORY_MODEL_CONFIG_JSON_H_
#define CONVOY_REPOSITORY_MODEL_CONFIG_JSON_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "repository/model_config.h"

namespace convoy::repository {

// Parses and validates `json` (at most 4 MiB, as a config file). `source`
// ("config parameter") starts every message; `model_name` as in
// ParseModelConfig: the config's `name` must equal it, or is set to it
// when absent; `completeness` as there (kPartial: auto-complete fills the
// rest once the model is read).
absl::StatusOr<ModelConfigFile> ParseModelConfigJson(absl::string_view json, absl::string_view source,
                                                     absl::string_view model_name,
                                                     ConfigCompleteness completeness = ConfigCompleteness::kComplete);

}  // namespace convoy::repository

#endif  // CONVOY_REPOSITORY_MODEL_CONFIG_JSON_H_
