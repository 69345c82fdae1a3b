#include "repository/unapplied_fields.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"

namespace convoy::repository {
namespace {

// What Convoy has in place of the parameters Triton's ONNX Runtime backend
// reads most often; other keys get the general reason alone.
struct ParameterHint {
  const char* key;
  const char* hint;
};
constexpr ParameterHint kParameterHints[] = {
    {"intra_op_thread_count", "the engine's threads per instance are the server's --engine-threads"},
    {"inter_op_thread_count", "batches run in parallel on instance_group.count instances"},
    {"execution_mode", "the engine runs the nodes of a graph one after the other"},
    {"enable_mem_pattern", "the engine plans each batch size's memory once, at its first run"},
    {"enable_mem_arena", "the engine plans each batch size's memory once, at its first run"},
    {"memory.enable_memory_arena_shrinkage", "--plan-cache-mb bounds the plans' memory"},
};

}  // namespace

void WarnUnappliedFields(absl::string_view source, const inference::ModelConfig& config,
                         std::vector<std::string>* warnings) {
  // A protobuf map iterates in no fixed order; warnings should not move
  // between loads of one file.
  std::set<std::string> keys;
  for (const auto& entry : config.parameters()) keys.insert(entry.first);
  for (const std::string& key : keys) {
    std::string reason = "ignored: Convoy reads no model parameters (they are returned by ModelConfig)";
    for (const ParameterHint& entry : kParameterHints) {
      if (key == entry.key) absl::StrAppend(&reason, "; ", entry.hint);
    }
    warnings->push_back(absl::StrCat(source, ": parameters[\"", key, "\"]: ", reason));
  }
  if (!config.metric_tags().empty()) {
    warnings->push_back(absl::StrCat(source, ": metric_tags: ignored: Convoy's metrics carry the model and ",
                                     "version labels only"));
  }
}

}  // namespace convoy::repository
