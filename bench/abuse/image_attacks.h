// Attacks through encoded images (see attacks.h for the models).
#ifndef CONVOY_BENCH_ABUSE_IMAGE_ATTACKS_H_
#define CONVOY_BENCH_ABUSE_IMAGE_ATTACKS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "bench/abuse/attacks.h"

namespace convoy::abuse {

// B asks lenet5-fmnist-cobatch for the intermediate output of one image;
// 50 ms later A asks for the class scores of 4 images x 10 crops, so both
// share a batch; each answer must equal the one it gets alone.
absl::Status RunCobatchOutputs(AttackEnv& env);
absl::Status RunOnePixelMulticrop(AttackEnv& env);
absl::Status RunLegitimateMulticrop(AttackEnv& env);
absl::Status RunResizeBomb(AttackEnv& env);
absl::Status RunSmallImages(AttackEnv& env, const std::string& model);

// `concurrency` calls at a time of `request` on each of `clients`
// connections until env's end or request count.
absl::Status Flood(AttackEnv& env, int concurrency,
                   std::shared_ptr<const inference::ModelInferRequest> request, int clients = 1);

}  // namespace convoy::abuse

#endif  // CONVOY_BENCH_ABUSE_IMAGE_ATTACKS_H_
