// RunEnsembleRequest: one decoded request through every member of an
// ensemble at once, and the combination of their class probabilities.
//
//   ModelRequest ──(WorkPool) image input built once──▶ a copy per member
//   ──▶ RunBuiltRequest(member) (each through its own batcher,
//   concurrently) ──gather──▶ combine: mean | weighted mean | majority vote
//
// The members of an ensemble that takes images share their preprocessing
// (the ensemble's config has a preprocessing section only then), so each
// image is decoded and cropped once, on the image pool. Before anything
// runs, every member as served now must still give class scores of the
// ensemble's size (a member reloaded with more classes would not fit):
// otherwise UNAVAILABLE names the member.
//
// Each member's class scores become probabilities (softmax of logits; crops
// are already averaged as probabilities) before they are combined; majority
// vote gives each class the share of members whose top class it is (ties
// between a member's classes go to the lower index). The result's outputs
// follow request.inference.output_names: the ensemble's combined output,
// and member outputs by their "<member>/<output>" names, each N rows.
//
// Members record their own statistics (their requests are real work on
// them); the caller records the ensemble's. `done` runs exactly once, after
// every member has ended (or inline when a member does not fit or the pool
// refuses); if one fails, the request fails with its status, naming the
// member.
//
// Thread-safety: safe to call concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_ENSEMBLE_RUNNER_H_
#define CONVOY_SERVER_ORCHESTRATION_ENSEMBLE_RUNNER_H_

#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "server/core/inference_request.h"
#include "server/core/servable_model.h"
#include "server/orchestration/model_request.h"
#include "server/orchestration/request_runner.h"

namespace convoy::server {

// REQUIRES: members[i] serves ensemble->members()[i].
void RunEnsembleRequest(std::shared_ptr<EnsembleModel> ensemble,
                        std::vector<std::shared_ptr<SingleModel>> members, ModelRequest request,
                        absl::Time received, const ImageServices& services, InferenceCallback done);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_ENSEMBLE_RUNNER_H_
