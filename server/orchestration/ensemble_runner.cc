#include "server/orchestration/ensemble_runner.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/orchestration/fan_in.h"
#include "server/orchestration/image_input_builder.h"
#include "server/orchestration/request_runner.h"
#include "server/orchestration/score_math.h"

namespace convoy::server {
namespace {

using ::inference::ModelEnsemble;

// A member's output `name`, this request's rows, copied. REQUIRES: the
// member computed it (it was asked for).
engine::Tensor RowsOf(const InferenceResult& result, const std::string& name) {
  return CopyRows(*result.Output(name), result.offset, result.count);
}

// A member's class scores as probabilities, [N, classes]. With crops they
// already are: the crops were averaged as probabilities.
engine::Tensor Probabilities(const EnsembleMember& member, int64_t crops, const InferenceResult& result) {
  engine::Tensor scores = RowsOf(result, member.class_output);
  if (member.logits && crops == 1) {
    const int64_t classes = scores.shape()[1];
    for (int64_t n = 0; n < scores.shape()[0]; ++n) {
      Softmax(absl::MakeSpan(scores.data<float>() + n * classes, classes));
    }
  }
  return scores;
}

engine::Tensor Combine(const EnsembleModel& ensemble, int64_t crops, const std::vector<InferenceResult>& results) {
  const std::vector<EnsembleMember>& members = ensemble.members();
  const ModelEnsemble::Combine rule = ensemble.config().ensemble().combine();
  engine::Tensor combined;
  float total_weight = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const engine::Tensor probabilities = Probabilities(members[i], crops, results[i]);
    if (i == 0) combined = engine::Tensor(engine::DataType::kFloat32, probabilities.shape());
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
InferenceResult EnsembleResult(const EnsembleModel& ensemble, int64_t crops,
                               const std::vector<std::string>& output_names,
                               const std::vector<InferenceResult>& results) {
  auto outputs = std::make_shared<std::vector<engine::Tensor>>();
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

// OK if every member, as served now, still gives class scores of the
// ensemble's size: a member reloaded with another number of classes would
// otherwise be combined into a buffer of the wrong size.
absl::Status CheckMembersFit(const EnsembleModel& ensemble, const std::vector<std::shared_ptr<SingleModel>>& members) {
  const int64_t classes = ensemble.config().output(0).dims(0);
  for (size_t i = 0; i < members.size(); ++i) {
    const EnsembleMember& member = ensemble.members()[i];
    const inference::ModelConfig& config = members[i]->config();
    const auto output = std::find_if(config.output().begin(), config.output().end(),
                                     [&](const inference::ModelOutput& o) { return o.name() == member.class_output; });
    if (output == config.output().end() || output->dims_size() != 1 || output->dims(0) != classes) {
      return absl::UnavailableError(absl::StrCat(
          "ensemble '", ensemble.name(), "': member '", member.name, "' version ", members[i]->version(),
          " no longer gives ", classes, " class scores as output '", member.class_output,
          "'; load the ensemble again to check its members"));
    }
  }
  return absl::OkStatus();
}

// Sends the request to every member (with its image input `built`, or
// none) and combines their results.
void FanOut(std::shared_ptr<EnsembleModel> ensemble, std::vector<std::shared_ptr<SingleModel>> members,
            const ModelRequest& request, absl::Time received, const engine::Tensor* built, absl::Duration preprocess,
            InferenceCallback done) {
  const int64_t crops = request.crops;
  auto fan_in = std::make_shared<FanIn>(
      static_cast<int>(members.size()),
      [ensemble, crops, received, preprocess, names = request.inference.output_names, done = std::move(done)](
          absl::Status status, std::vector<InferenceResult> results) {
        if (!status.ok()) {
          done(std::move(status), FailedResult(received));
          return;
        }
        InferenceResult result = EnsembleResult(*ensemble, crops, names, results);
        result.timings.preprocess = preprocess;
        done(absl::OkStatus(), std::move(result));
      });
  for (size_t i = 0; i < members.size(); ++i) {
    ModelRequest member_request = MemberRequest(request, ensemble->members()[i]);
    const int64_t items = ItemsOf(member_request);
    std::shared_ptr<SingleModel> member = members[i];
    const RequestLabels labels{crops > 1 ? RequestKind::kMulticrop : RequestKind::kSingle, request.protocol};
    InferenceCallback member_done = [fan_in, member, i, items, labels](absl::Status status, InferenceResult result) {
      // Members' requests are real work on them: counted there too.
      const absl::Time finished = absl::Now();
      if (status.ok()) {
        member->statistics().RecordSuccess(items, result.timings, finished, labels);
      } else {
        member->statistics().RecordFailure(finished - result.timings.received, status.code(), labels);
        status = absl::Status(status.code(),
                              absl::StrCat("ensemble member '", member->name(), "': ", status.message()));
      }
      fan_in->PartDone(static_cast<int>(i), std::move(status), std::move(result));
    };
    if (built != nullptr) {
      RunBuiltRequest(member, std::move(member_request), *built, received, absl::ZeroDuration(),
                      std::move(member_done));
    } else {
      RunModelRequest(member, std::move(member_request), received, ImageServices{}, std::move(member_done));
    }
  }
}

}  // namespace

void RunEnsembleRequest(std::shared_ptr<EnsembleModel> ensemble,
                        std::vector<std::shared_ptr<SingleModel>> members, ModelRequest request,
                        absl::Time received, const ImageServices& services, InferenceCallback done) {
  if (absl::Status fits = CheckMembersFit(*ensemble, members); !fits.ok()) {
    done(std::move(fits), FailedResult(received));
    return;
  }
  if (!request.image) {
    FanOut(std::move(ensemble), std::move(members), request, received, nullptr, absl::ZeroDuration(),
           std::move(done));
    return;
  }
  // The members take the same input with the same preprocessing (the
  // ensemble's config has it only then): each image is decoded once.
  struct Job {
    std::shared_ptr<EnsembleModel> ensemble;
    std::vector<std::shared_ptr<SingleModel>> members;
    ModelRequest request;
    absl::Time received;
    engine::DecodeLimits limits;
    InferenceCallback done;
  };
  auto job = std::make_shared<Job>(Job{std::move(ensemble), std::move(members), std::move(request), received,
                                       services.limits.decode, std::move(done)});
  RunImageWork(
      job->request, services,
      [job] {
        const absl::Time started = absl::Now();
        ModelRequest& request = job->request;
        absl::StatusOr<engine::Tensor> built = BuildImageInput(request, job->ensemble->config(), job->limits, 0,
                                                               request.inference.batch_size);
        if (!built.ok()) {
          job->done(built.status(), FailedResult(job->received));
          return;
        }
        // What was sent for the image input is not needed any more, and
        // would be copied to every member.
        request.inference.inputs[request.image->index].tensor = engine::Tensor();
        FanOut(std::move(job->ensemble), std::move(job->members), request, job->received, &*built,
               absl::Now() - started, std::move(job->done));
      },
      [job](absl::Status failed) { job->done(std::move(failed), FailedResult(job->received)); });
}

}  // namespace convoy::server
