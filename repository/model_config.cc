#include "repository/model_config.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "common/bounded_file.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "repository/model_config_checks.h"
#include "repository/repository_layout.h"
#include "repository/text_format_compat.h"

namespace convoy::repository {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;

// A config is a page of text; 4 MiB bounds what a hostile file can cost.
constexpr int64_t kMaxConfigBytes = int64_t{4} << 20;

// Fields of Triton's model_config.proto that this schema leaves out, keyed
// by the message that holds them. A null `unsupported` means the field does
// not change what a model computes and is skipped with a warning; otherwise
// it is the reason the config cannot be served as Triton would serve it.
struct TritonOnlyField {
  const char* message;
  const char* field;
  const char* unsupported;
};
constexpr TritonOnlyField kTritonOnlyFields[] = {
    {"inference.ModelConfig", "optimization", nullptr},
    {"inference.ModelConfig", "model_warmup", nullptr},
    {"inference.ModelConfig", "response_cache", nullptr},
    {"inference.ModelConfig", "model_operations", nullptr},
    {"inference.ModelConfig", "model_transaction_policy", nullptr},
    {"inference.ModelConfig", "model_repository_agents", nullptr},
    {"inference.ModelConfig", "runtime", nullptr},
    {"inference.ModelConfig", "model_metrics", nullptr},
    {"inference.ModelConfig", "sequence_batching",
     "sequence batching (stateful models) is not supported: Convoy serves stateless models"},
    {"inference.ModelConfig", "ensemble_scheduling",
     "Triton's ensemble pipelines are not supported; for an ensemble of classifiers use "
     "platform \"convoy_ensemble\" and an `ensemble` section (docs/MODEL_REPOSITORY.md)"},
    // The model has an input only the server can fill, so ignoring it would
    // fail every request instead of the load.
    {"inference.ModelConfig", "batch_input",
     "batch inputs (tensors Triton synthesises for ragged batches) are not supported"},
    {"inference.ModelConfig", "batch_output",
     "batch outputs (outputs Triton splits for ragged batches) are not supported"},
    {"inference.ModelInstanceGroup", "rate_limiter", nullptr},
    {"inference.ModelInstanceGroup", "secondary_devices", nullptr},
    {"inference.ModelInput", "is_non_linear_format_io", nullptr},
    {"inference.ModelOutput", "is_non_linear_format_io", nullptr},
};

const TritonOnlyField* FindTritonOnlyField(absl::string_view message, absl::string_view field) {
  for (const TritonOnlyField& entry : kTritonOnlyFields) {
    if (message == entry.message && field == entry.field) return &entry;
  }
  return nullptr;
}

// Field path of each message type inside ModelConfig ("" for ModelConfig,
// "dynamic_batching.default_queue_policy" ...), for messages that name a
// field. A type reachable by two paths gets the first found breadth-first.
const std::map<std::string, std::string>& MessagePaths() {
  static const auto* const paths = [] {
    auto* result = new std::map<std::string, std::string>;
    std::vector<const Descriptor*> queue = {inference::ModelConfig::descriptor()};
    (*result)[queue.front()->full_name()] = "";
    for (size_t i = 0; i < queue.size(); ++i) {
      const std::string prefix = (*result)[queue[i]->full_name()];
      for (int f = 0; f < queue[i]->field_count(); ++f) {
        const Descriptor* type = queue[i]->field(f)->message_type();
        if (type == nullptr || result->count(type->full_name()) > 0) continue;
        (*result)[type->full_name()] = prefix.empty() ? queue[i]->field(f)->name()
                                                      : absl::StrCat(prefix, ".", queue[i]->field(f)->name());
        queue.push_back(type);
      }
    }
    return result;
  }();
  return *paths;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'max_batch_size'?)" for a near miss of a declared field.
std::string Suggestion(absl::string_view message, absl::string_view field) {
  const Descriptor* type = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
      std::string(message));
  if (type == nullptr) return "";
  std::string best;
  size_t best_distance = std::max<size_t>(1, field.size() / 5) + 1;  // Strict bound.
  for (int f = 0; f < type->field_count(); ++f) {
    const size_t distance = EditDistance(field, type->field(f)->name());
    if (distance < best_distance) {
      best_distance = distance;
      best = type->field(f)->name();
    }
  }
  return best.empty() ? "" : absl::StrCat(" (did you mean '", best, "'?)");
}

struct Diagnostic {
  int line;    // 1-based
  int column;  // 1-based
  std::string message;
};

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(const ListColonRewrite& rewrite) : rewrite_(rewrite) {}

  void AddError(int line, int column, const std::string& message) override {
    errors_.push_back(Make(line, column, message));
  }
  void AddWarning(int line, int column, const std::string& message) override {
    warnings_.push_back(Make(line, column, message));
  }

  const std::vector<Diagnostic>& errors() const { return errors_; }
  const std::vector<Diagnostic>& warnings() const { return warnings_; }

 private:
  Diagnostic Make(int line, int column, const std::string& message) const {
    return {line + 1, rewrite_.OriginalColumn(line, column) + 1, message};
  }

  const ListColonRewrite& rewrite_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

// Splits protobuf 3.21's skipped-field warning,
//   Message type "inference.ModelConfig" has no field named "optimization".
// into the message type and the field name.
std::optional<std::pair<std::string, std::string>> ParseUnknownFieldWarning(absl::string_view warning) {
  constexpr absl::string_view kPrefix = "Message type \"";
  constexpr absl::string_view kMiddle = "\" has no field named \"";
  if (!absl::ConsumePrefix(&warning, kPrefix)) return std::nullopt;
  const size_t middle = warning.find(kMiddle);
  if (middle == absl::string_view::npos) return std::nullopt;
  absl::string_view field = warning.substr(middle + kMiddle.size());
  if (!absl::ConsumeSuffix(&field, "\".") && !absl::ConsumeSuffix(&field, "\"")) return std::nullopt;
  return std::make_pair(std::string(warning.substr(0, middle)), std::string(field));
}

// Turns each parser warning into a ModelConfigFile warning or an error. A
// skipped field met several times (in each instance_group, say) is named
// once, at its first line.
absl::Status ClassifyParserWarnings(const std::vector<Diagnostic>& diagnostics, absl::string_view source,
                                    std::vector<std::string>& warnings) {
  std::set<std::string> skipped;
  for (const Diagnostic& diagnostic : diagnostics) {
    const auto unknown = ParseUnknownFieldWarning(diagnostic.message);
    if (!unknown) {
      warnings.push_back(absl::StrCat(source, ":", diagnostic.line, ":", diagnostic.column, ": ",
                                      diagnostic.message));
      continue;
    }
    const auto& [message, field] = *unknown;
    const auto path_it = MessagePaths().find(message);
    const std::string path = path_it == MessagePaths().end() || path_it->second.empty()
                                 ? field
                                 : absl::StrCat(path_it->second, ".", field);
    const std::string where = absl::StrCat(source, ":", diagnostic.line, ": ");
    if (skipped.count(path) != 0) continue;  // Named already (or an error below).
    absl::Status status = ClassifyUnknownField(where, message, field, path, warnings);
    if (!status.ok()) return status;
    skipped.insert(path);
  }
  return absl::OkStatus();
}

// The directory as an absolute path without a trailing separator, also for
// "models/x/" and ".".
fs::path NormalDirectory(const std::string& dir) {
  std::error_code error;
  fs::path path = fs::absolute(dir, error);
  if (error) path = dir;
  path = path.lexically_normal();
  if (!path.has_filename()) path = path.parent_path();
  return path;
}

}  // namespace

absl::Status ClassifyUnknownField(absl::string_view where, absl::string_view message, absl::string_view field,
                                  absl::string_view path, std::vector<std::string>& warnings) {
  const TritonOnlyField* triton = FindTritonOnlyField(message, field);
  if (triton == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(where, path, ": no such field (neither a Convoy nor a Triton setting)",
                                                   Suggestion(message, field)));
  }
  if (triton->unsupported != nullptr) {
    return absl::UnimplementedError(absl::StrCat(where, path, ": ", triton->unsupported));
  }
  warnings.push_back(absl::StrCat(where, "field '", path, "' is a Triton setting Convoy ignores"));
  return absl::OkStatus();
}

absl::StatusOr<ModelConfigFile> ParseModelConfig(absl::string_view text, absl::string_view source,
                                                 absl::string_view model_name, ConfigCompleteness completeness) {
  // Editors on Windows may start the file with a UTF-8 byte order mark,
  // which the protobuf tokenizer rejects.
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  const ListColonRewrite rewrite = AddListColons(text);
  Collector collector(rewrite);
  google::protobuf::TextFormat::Parser parser;
  // Unknown fields come back as warnings, which are sorted into Triton
  // settings (skipped) and mistakes (errors) below.
  parser.AllowUnknownField(true);
  parser.RecordErrorsTo(&collector);

  ModelConfigFile file;
  if (!parser.ParseFromString(rewrite.text, &file.config)) {
    if (collector.errors().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": not a valid ModelConfig text proto"));
    }
    const Diagnostic& error = collector.errors().front();
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", error.line, ":", error.column, ": ", error.message));
  }
  absl::Status status = ClassifyParserWarnings(collector.warnings(), source, file.warnings);
  if (!status.ok()) return status;
  status = ValidateModelConfig(source, model_name, completeness, &file);
  if (!status.ok()) return status;
  return file;
}

absl::Status ValidateModelConfig(absl::string_view source, absl::string_view model_name,
                                 ConfigCompleteness completeness, ModelConfigFile* file) {
  file->source = std::string(source);
  file->complete = false;
  absl::Status status = CheckFixedFields(source, model_name, file);
  if (!status.ok()) return status;
  // An ensemble has no model file to complete it from.
  if (completeness == ConfigCompleteness::kPartial && file->config.platform() != kEnsemblePlatform) {
    return absl::OkStatus();
  }
  return CheckCompletedModelConfig(file);
}

absl::Status CheckCompletedModelConfig(ModelConfigFile* file) {
  absl::Status status = CheckCompletableFields(file->source, file);
  if (status.ok()) file->complete = true;
  return status;
}

absl::StatusOr<ModelConfigFile> ReadModelConfig(const std::string& model_dir, ConfigCompleteness completeness) {
  std::error_code error;
  if (!fs::is_directory(model_dir, error)) {
    return absl::NotFoundError(absl::StrCat(model_dir, ": no such model directory"));
  }
  const std::string path = (fs::path(model_dir) / kModelConfigFileName).string();
  const fs::path dir = NormalDirectory(model_dir);
  // As for the model's other files: a link may not lead out of the repository.
  absl::Status inside = CheckInsideRepository(dir.parent_path().string(), path);
  if (!inside.ok()) return inside;
  absl::StatusOr<std::string> text = ReadBoundedFile(path, kMaxConfigBytes);
  if (absl::IsNotFound(text.status()) && completeness == ConfigCompleteness::kPartial &&
      !fs::is_symlink(path, error)) {
    // Triton's auto-complete starts from an empty config.
    return ParseModelConfig("", absl::StrCat(path, " (absent)"), dir.filename().string(), completeness);
  }
  if (!text.ok()) return text.status();
  return ParseModelConfig(*text, path, dir.filename().string(), completeness);
}

}  // namespace convoy::repository
