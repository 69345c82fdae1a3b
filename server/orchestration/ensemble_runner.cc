#include "server/orchestration/ensemble_runner.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/orchestration/fan_in.h"
#include "server/orchestration/request_runner.h"
#include "server/orchestration/score_math.h"

namespace convoy::server {
namespace {

using ::inference::ModelEnsemble;

// A member's output `name`, this request's rows, copied.
Tensor RowsOf(const InferenceResult& result, const std::string& name) {
  const auto it = std::find(result.output_names.begin(), result.output_names.end(), name);
  return CopyRows((*result.batch_outputs)[it - result.output_names.begin()], result.offset, result.count);
}

// A member's class scores as probabilities, [N, classes]. With crops they
// already are: the crops were averaged as probabilities.
Tensor Probabilities(const EnsembleMember& member, int64_t crops, const InferenceResult& result) {
  Tensor scores = RowsOf(result, member.class_output);
  if (member.logits && crops == 1) {
    const int64_t classes = scores.shape()[1];
    for (int64_t n = 0; n < scores.shape()[0]; ++n) {
      Softmax(absl::MakeSpan(scores.data<float>() + n * classes, classes));
    }
  }
  return scores;
}

Tensor Combine(const ServableModel& ensemble, int64_t crops, const std::vector<InferenceResult>& results) {
  const std::vector<EnsembleMember>& members = ensemble.members();
  const ModelEnsemble::Combine rule = ensemble.config().ensemble().combine();
  Tensor combined;
  float total_weight = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const Tensor probabilities = Probabilities(members[i], crops, results[i]);
    if (i == 0) combined = Tensor(DataType::kFloat32, probabilities.shape());
    const int64_t classes = probabilities.shape()[1];
    const float weight = rule == ModelEnsemble::WEIGHTED_MEAN ? members[i].weight : 1.0f;
    total_weight += weight;
    for (int64_t n = 0; n < probabilities.shape()[0]; ++n) {
      const float* row = probabilities.data<float>() + n * classes;
      float* out = combined.data<float>() + n * classes;
      if (rule == ModelEnsemble::MAJORITY_VOTE) {
        out[std::max_element(row, row + classes) - row] += 1.0f;
      } else {
        for (int64_t c = 0; c < classes; ++c) out[c] += weight * row[c];
      }
    }
  }
  for (float& value : absl::MakeSpan(combined.data<float>(), combined.num_elements())) value /= total_weight;
  return combined;
}

// The ensemble's outputs in the order asked: the combination, and member
// outputs by their "<member>/<output>" names.
InferenceResult EnsembleResult(const ServableModel& ensemble, int64_t crops,
                               const std::vector<std::string>& output_names,
                               const std::vector<InferenceResult>& results) {
  auto outputs = std::make_shared<std::vector<Tensor>>();
  for (const std::string& name : output_names) {
    if (name == ensemble.config().output(0).name()) {
      outputs->push_back(Combine(ensemble, crops, results));
      continue;
    }
    for (size_t i = 0; i < ensemble.members().size(); ++i) {
      const std::string prefix = ensemble.members()[i].name + "/";
      if (absl::StartsWith(name, prefix)) outputs->push_back(RowsOf(results[i], name.substr(prefix.size())));
    }
  }
  InferenceResult result;
  result.batch_outputs = std::move(outputs);
  result.output_names = output_names;
  result.count = results[0].count;
  result.timings = MergeTimings(results);
  return result;
}

// The member's share of the request: its class scores and whichever of its
// outputs the client named as "<member>/<output>".
ModelRequest MemberRequest(const ModelRequest& request, const EnsembleMember& member) {
  ModelRequest copy = request;
  std::vector<std::string>& names = copy.inference.output_names;
  names.clear();
  names.push_back(member.class_output);
  const std::string prefix = member.name + "/";
  for (const std::string& name : request.inference.output_names) {
    if (!absl::StartsWith(name, prefix)) continue;
    const std::string own = name.substr(prefix.size());
    if (std::find(names.begin(), names.end(), own) == names.end()) names.push_back(own);
  }
  return copy;
}

}  // namespace

void RunEnsembleRequest(std::shared_ptr<ServableModel> ensemble,
                        std::vector<std::shared_ptr<ServableModel>> members, ModelRequest request,
                        absl::Time received, const DecodeLimits& limits, InferenceCallback done) {
  const int64_t crops = request.crops;
  auto fan_in = std::make_shared<FanIn>(
      static_cast<int>(members.size()),
      [ensemble, crops, received, names = request.inference.output_names, done = std::move(done)](
          absl::Status status, std::vector<InferenceResult> results) {
        if (!status.ok()) {
          done(std::move(status), FailedResult(received));
          return;
        }
        done(absl::OkStatus(), EnsembleResult(*ensemble, crops, names, results));
      });
  for (size_t i = 0; i < members.size(); ++i) {
    ModelRequest member_request = MemberRequest(request, ensemble->members()[i]);
    const int64_t items = ItemsOf(member_request);
    std::shared_ptr<ServableModel> member = members[i];
    const RequestKind kind = crops > 1 ? RequestKind::kMulticrop : RequestKind::kSingle;
    RunModelRequest(member, std::move(member_request), received, limits,
                    [fan_in, member, i, items, kind](absl::Status status, InferenceResult result) {
                      // Members' requests are real work on them: counted there too.
                      const absl::Time finished = absl::Now();
                      if (status.ok()) {
                        member->statistics().RecordSuccess(items, result.timings, finished, kind);
                      } else {
                        member->statistics().RecordFailure(finished - result.timings.received, status.code(), kind);
                        status = absl::Status(status.code(), absl::StrCat("ensemble member '", member->name(),
                                                                          "': ", status.message()));
                      }
                      fan_in->PartDone(static_cast<int>(i), std::move(status), std::move(result));
                    });
  }
}

}  // namespace convoy::server
