// EnsembleModel::Load: the checks that make an ensemble's members
// interchangeable, and the ensemble's effective config.
#include <filesystem>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "repository/repository_layout.h"
#include "server/core/servable_model.h"

namespace convoy::server {
namespace {

absl::Status Unfit(const std::string& member, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("ensemble member '", member, "' ", reason));
}

std::string Dims(const google::protobuf::RepeatedField<int64_t>& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

// Every ensemble input exists in the member with the same type and dims,
// and the member needs no other input.
absl::Status CheckInputs(const inference::ModelConfig& ensemble, const inference::ModelConfig& member) {
  if (member.input_size() != ensemble.input_size()) {
    return Unfit(member.name(), absl::StrCat("has ", member.input_size(), " inputs, the ensemble ",
                                             ensemble.input_size()));
  }
  for (const inference::ModelInput& input : ensemble.input()) {
    const inference::ModelInput* match = nullptr;
    for (const inference::ModelInput& candidate : member.input()) {
      if (candidate.name() == input.name()) match = &candidate;
    }
    if (match == nullptr) return Unfit(member.name(), absl::StrCat("has no input '", input.name(), "'"));
    if (match->data_type() != input.data_type() ||
        match->dims().size() != input.dims().size() ||
        !std::equal(input.dims().begin(), input.dims().end(), match->dims().begin())) {
      return Unfit(member.name(), absl::StrCat("takes input '", input.name(), "' as ",
                                               inference::DataType_Name(match->data_type()), " ",
                                               Dims(match->dims()), ", the ensemble as ",
                                               inference::DataType_Name(input.data_type()), " ",
                                               Dims(input.dims())));
    }
  }
  return absl::OkStatus();
}

// The output holding class scores: the labelled one, else the only one.
absl::StatusOr<const inference::ModelOutput*> ClassOutput(const inference::ModelConfig& member) {
  const inference::ModelOutput* found = nullptr;
  int labelled = 0;
  for (const inference::ModelOutput& output : member.output()) {
    if (!output.label_filename().empty()) {
      found = &output;
      ++labelled;
    }
  }
  if (labelled == 0 && member.output_size() == 1) return &member.output(0);
  if (labelled != 1) {
    return Unfit(member.name(), "needs exactly one class-score output: one output with a label_filename, "
                                "or a single output");
  }
  return found;
}

// The preprocessing steps of a member, without its limits: members that
// take images the same way share one decode, whatever their limits.
std::string ImageSteps(const inference::ModelConfig& config) {
  inference::ImagePreprocessing steps = config.preprocessing();
  steps.clear_max_request_pixels();
  steps.clear_max_upscale();
  steps.clear_max_request_crops();
  return steps.SerializeAsString();
}

// The members' shared preprocessing, with each limit the strictest any
// member sets (0 where none does: the server's flag).
inference::ImagePreprocessing StrictestLimits(const std::vector<std::shared_ptr<SingleModel>>& members) {
  inference::ImagePreprocessing shared = members[0]->config().preprocessing();
  auto stricter = [](auto current, auto candidate) {
    return candidate != 0 && (current == 0 || candidate < current) ? candidate : current;
  };
  for (const std::shared_ptr<SingleModel>& member : members) {
    const inference::ImagePreprocessing& own = member->config().preprocessing();
    shared.set_max_request_pixels(stricter(shared.max_request_pixels(), own.max_request_pixels()));
    shared.set_max_upscale(stricter(shared.max_upscale(), own.max_upscale()));
    shared.set_max_request_crops(stricter(shared.max_request_crops(), own.max_request_crops()));
  }
  return shared;
}

}  // namespace


absl::StatusOr<std::shared_ptr<EnsembleModel>> EnsembleModel::Load(
    const std::string& model_dir, inference::ModelConfig config,
    const std::vector<std::shared_ptr<SingleModel>>& members, const ServableOptions& options) {
  const inference::ModelOutput& combined = config.output(0);
  const int64_t classes = combined.dims(0);
  std::map<std::string, std::vector<std::string>> labels;
  if (!combined.label_filename().empty()) {
    const std::string path = (std::filesystem::path(model_dir) / combined.label_filename()).string();
    CONVOY_RETURN_IF_ERROR(
        repository::CheckInsideRepository(std::filesystem::path(model_dir).parent_path().string(), path));
    absl::StatusOr<std::vector<std::string>> lines = repository::ReadLabels(path);
    if (!lines.ok()) return lines.status();
    labels[combined.name()] = *std::move(lines);
  }
  std::vector<std::string> label_space = labels[combined.name()];
  std::string label_source = label_space.empty() ? "" : "the ensemble's";
  std::vector<EnsembleMember> resolved;
  std::vector<inference::ModelOutput> member_outputs;
  bool shared_preprocessing = true;
  for (int i = 0; i < config.ensemble().member_size(); ++i) {
    const SingleModel& member = *members[i];
    const inference::ModelConfig& member_config = member.config();
    const std::string& name = member_config.name();
    if (!member.batched()) return Unfit(name, "does not batch (max_batch_size 0)");
    CONVOY_RETURN_IF_ERROR(CheckInputs(config, member_config));
    if (config.classification().multicrop() > member_config.max_batch_size()) {
      return Unfit(name, absl::StrCat("has max_batch_size ", member_config.max_batch_size(),
                                      ", below the ensemble's multicrop ", config.classification().multicrop()));
    }
    absl::StatusOr<const inference::ModelOutput*> scores = ClassOutput(member_config);
    if (!scores.ok()) return scores.status();
    if ((*scores)->dims_size() != 1 || (*scores)->dims(0) != classes) {
      return Unfit(name, absl::StrCat("scores '", (*scores)->name(), "' of dims ", Dims((*scores)->dims()),
                                      ", the ensemble has ", classes, " classes"));
    }
    const std::vector<std::string>& member_labels = member.labels((*scores)->name());
    if (!member_labels.empty()) {
      if (label_space.empty()) {
        label_space = member_labels;
        label_source = absl::StrCat("'", name, "''s");
      } else if (member_labels != label_space) {
        size_t line = 0;
        while (line < member_labels.size() && line < label_space.size() &&
               member_labels[line] == label_space[line]) {
          ++line;
        }
        return Unfit(name, absl::StrCat("has other labels than ", label_source, ": line ", line + 1, " is '",
                                        line < member_labels.size() ? member_labels[line] : "", "' instead of '",
                                        line < label_space.size() ? label_space[line] : "", "'"));
      }
    }
    const auto& spec = config.ensemble().member(i);
    resolved.push_back({name, spec.model_version(), spec.weight(), (*scores)->name(),
                        member_config.classification().scores() != inference::ModelClassification::PROBABILITIES});
    for (const inference::ModelOutput& output : member_config.output()) {
      inference::ModelOutput exposed = output;
      exposed.set_name(absl::StrCat(name, "/", output.name()));
      exposed.clear_label_filename();
      labels[exposed.name()] = member.labels(output.name());
      member_outputs.push_back(std::move(exposed));
    }
    shared_preprocessing = shared_preprocessing && member_config.has_preprocessing() &&
                           ImageSteps(member_config) == ImageSteps(members[0]->config());
  }
  labels[combined.name()] = std::move(label_space);
  for (inference::ModelOutput& output : member_outputs) *config.add_output() = std::move(output);
  if (shared_preprocessing) *config.mutable_preprocessing() = StrictestLimits(members);
  return std::shared_ptr<EnsembleModel>(
      new EnsembleModel(std::move(config), std::move(labels), options, std::move(resolved)));
}

}  // namespace convoy::server
