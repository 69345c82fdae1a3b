// Settings of a model configuration that Convoy accepts and does not apply,
// among the fields its schema declares: one warning for each, so that a
// Triton repository loads, and whoever reads the log learns what the server
// does not do. (Triton fields the schema leaves out are reported by the
// parser, model_config.cc; warnings about one field in context, such as a
// GPU instance kind, by the checks in model_config_checks.cc.)
// docs/MODEL_REPOSITORY.md lists every field as honoured, warned or refused.
// Internal to the repository module.
//
// Thread-safety: stateless.
#ifndef CONVOY_REPOSITORY_UNAPPLIED_FIELDS_H_
#define CONVOY_REPOSITORY_UNAPPLIED_FIELDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "model_config.pb.h"

namespace convoy::repository {

// Appends "<source>: <field path>: <what Convoy does instead>" for each entry
// of `parameters` (in key order, each naming its key) and for `metric_tags`.
void WarnUnappliedFields(absl::string_view source, const inference::ModelConfig& config,
                         std::vector<std::string>* warnings);

}  // namespace convoy::repository

#endif  // CONVOY_REPOSITORY_UNAPPLIED_FIELDS_H_
