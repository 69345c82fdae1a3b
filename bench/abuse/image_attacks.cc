// Attacks through encoded images: co-batching requests that want different
// outputs, memory and CPU amplification by multi-crop and resizing, and a
// flood of small images.
#include "bench/abuse/image_attacks.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "bench/abuse/attacks.h"
#include "bench/abuse/png_encode.h"

namespace convoy::abuse {
namespace {

constexpr char kCobatchModel[] = "lenet5-fmnist-cobatch";

std::vector<std::string> Repeat(const std::string& image, int count) {
  return std::vector<std::string>(count, image);
}

// The largest difference between `output` of two responses; infinite when
// either lacks it or their shapes differ.
double MaxDifference(const inference::ModelInferResponse& a, const inference::ModelInferResponse& b,
                     const std::string& output) {
  absl::StatusOr<client::Fp32Output> x = client::GetFp32Output(a, output);
  absl::StatusOr<client::Fp32Output> y = client::GetFp32Output(b, output);
  if (!x.ok() || !y.ok() || x->shape != y->shape || x->values.size() != y->values.size()) {
    return INFINITY;
  }
  double diff = 0;
  for (size_t i = 0; i < x->values.size(); ++i) {
    const double d = std::fabs(static_cast<double>(x->values[i]) - y->values[i]);
    diff = std::isnan(d) ? INFINITY : std::max(diff, d);
  }
  return diff;
}

// Sends `request` and waits for it.
absl::StatusOr<inference::ModelInferResponse> Send(client::InferenceClient& client,
                                                   const inference::ModelInferRequest& request) {
  return client.Infer(request);
}

}  // namespace

absl::Status RunCobatchOutputs(AttackEnv& env) {
  constexpr double kTolerance = 1e-4;
  std::mt19937 rng(1);
  const std::string feature = env.cobatch_feature;
  auto b_request = ImageRequest(kCobatchModel, {RandomPng(rng, 28, 28, 1)}, 0, {feature});
  std::vector<std::string> a_images;
  for (int i = 0; i < 4; ++i) a_images.push_back(RandomPng(rng, 28, 28, 1));
  auto a_request = ImageRequest(kCobatchModel, a_images, 10, {"logits"});

  auto a_client = NewOwnConnectionClient(env.target, 101);
  auto b_client = NewOwnConnectionClient(env.target, 102);
  if (!a_client.ok()) return a_client.status();
  if (!b_client.ok()) return b_client.status();
  // Each served alone first: the answers every co-batched one must equal.
  absl::StatusOr<inference::ModelInferResponse> a_alone = Send(**a_client, *a_request);
  absl::StatusOr<inference::ModelInferResponse> b_alone = Send(**b_client, *b_request);
  if (!a_alone.ok()) return a_alone.status();
  if (!b_alone.ok()) return b_alone.status();

  // Executions per round tell whether B and A shared a batch: alone, B is
  // one and A's 40 crops are two (30 + 10, whole images up to 32).
  auto executions = [&]() -> int64_t {
    auto stats = (*a_client)->ModelStatistics(kCobatchModel);
    if (!stats.ok() || stats->model_stats_size() == 0) return -1;
    return static_cast<int64_t>(stats->model_stats(0).execution_count());
  };
  const int64_t executions_before = executions();
  double worst_a = 0, worst_b = 0;
  int64_t rounds = 0;
  while (absl::Now() < env.end && rounds * 2 < env.max_requests) {
    absl::BlockingCounter done(2);
    absl::Mutex mu;
    absl::Status a_status, b_status;
    inference::ModelInferResponse a_response, b_response;
    (*b_client)->AsyncInfer(b_request, [&](absl::Status s, inference::ModelInferResponse r) {
      {
        absl::MutexLock lock(&mu);
        b_status = s;
        b_response = std::move(r);
      }
      done.DecrementCount();
    });
    absl::SleepFor(absl::Milliseconds(50));
    (*a_client)->AsyncInfer(a_request, [&](absl::Status s, inference::ModelInferResponse r) {
      {
        absl::MutexLock lock(&mu);
        a_status = s;
        a_response = std::move(r);
      }
      done.DecrementCount();
    });
    done.Wait();
    ++rounds;
    absl::MutexLock lock(&mu);
    env.tally.Add(a_status);
    env.tally.Add(b_status);
    if (a_status.ok()) {
      const double d = MaxDifference(a_response, *a_alone, "logits");
      worst_a = std::max(worst_a, d);
      if (d > kTolerance) ++env.wrong;
    }
    if (b_status.ok()) {
      const double d = MaxDifference(b_response, *b_alone, feature);
      worst_b = std::max(worst_b, d);
      if (d > kTolerance) ++env.wrong;
    }
  }
  env.note = absl::StrFormat(
      "%d rounds of B (1 image, %s) then A 50 ms later (4 images x 10 crops, logits); %d model "
      "executions (3 per round when B and A are not batched together); largest difference from "
      "alone: A %.3g, B %.3g",
      rounds, feature, executions() - executions_before, worst_a, worst_b);
  return absl::OkStatus();
}

// `concurrency` calls at a time of the same request until the end.
absl::Status Flood(AttackEnv& env, int concurrency,
                   std::shared_ptr<const inference::ModelInferRequest> request, int clients) {
  std::vector<std::unique_ptr<client::InferenceClient>> owned;
  for (int c = 0; c < clients; ++c) {
    auto client = NewOwnConnectionClient(env.target, 200 + c);
    if (!client.ok()) return client.status();
    owned.push_back(std::move(*client));
  }
  std::vector<std::thread> threads;
  const int64_t per_client = env.max_requests / clients;
  for (auto& client : owned) {
    threads.emplace_back([&env, &client, concurrency, request, per_client] {
      SendClosedLoop(
          *client, ClosedLoop::Of(concurrency, env.end, per_client),
          [&request](int64_t) { return request; }, nullptr, env.tally, nullptr);
    });
  }
  for (std::thread& t : threads) t.join();
  return absl::OkStatus();
}

absl::Status RunOnePixelMulticrop(AttackEnv& env) {
  std::mt19937 rng(2);
  env.note = "16 concurrent: 32 one-pixel PNGs, multicrop 10, resnet18";
  return Flood(env, 16, ImageRequest("resnet18", Repeat(RandomPng(rng, 1, 1, 3), 32), 10, {}));
}

absl::Status RunLegitimateMulticrop(AttackEnv& env) {
  std::mt19937 rng(3);
  std::vector<std::string> images;
  for (int i = 0; i < 32; ++i) images.push_back(RandomPng(rng, 64, 64, 3));
  env.note = "16 concurrent: 32 random 64x64 PNGs, multicrop 10 (320 crops), resnet18";
  return Flood(env, 16, ImageRequest("resnet18", images, 10, {}));
}

absl::Status RunResizeBomb(AttackEnv& env) {
  const std::string png = FlatPng(4, 3900, 128);
  env.note = absl::StrFormat(
      "8 concurrent: 32 copies of a %d-byte 4x3900 PNG, resnet18 (resize 256)", png.size());
  return Flood(env, 8, ImageRequest("resnet18", Repeat(png, 32), 0, {}));
}

absl::Status RunSmallImages(AttackEnv& env, const std::string& model) {
  std::mt19937 rng(4);
  std::vector<std::string> images;
  for (int i = 0; i < 32; ++i) images.push_back(RandomPng(rng, 28, 28, 1));
  env.note = absl::StrFormat("4 connections x 32 concurrent: 32 random 28x28 PNGs, %s", model);
  return Flood(env, 32, ImageRequest(model, images, 0, {}), 4);
}

}  // namespace convoy::abuse
