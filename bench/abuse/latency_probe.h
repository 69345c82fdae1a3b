// LatencyProbe: a well-behaved client beside the attacker. Every interval
// it sends, without waiting for earlier answers (open loop, so a slow
// server cannot slow the probe down and hide its own slowness), a
// grpc.health.v1 Health/Check and one well-formed inference request, and
// records each call's latency from the moment it was sent.
//
// The inference inputs are a fixed, seeded set; the first answer to each
// is its reference (taken unloaded, before any attack) and every later
// answer is compared with it, so a wrong answer under attack is counted.
//
// Thread-safety: Start/Stop from one thread; the probe runs its own thread
// and the gRPC callbacks.
#ifndef CONVOY_BENCH_ABUSE_LATENCY_PROBE_H_
#define CONVOY_BENCH_ABUSE_LATENCY_PROBE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "bench/abuse/attack_traffic.h"
#include "client/inference_client.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace convoy::abuse {

struct ProbeOptions {
  std::string target;
  std::string model = "lenet5-fmnist";
  std::string input = "input";
  std::vector<int64_t> shape = {1, 1, 32, 32};
  std::string output = "logits";
  absl::Duration interval = absl::Milliseconds(20);
  absl::Duration timeout = absl::Seconds(5);
  int distinct_inputs = 8;
  // An answer differing from its reference by more than this anywhere is
  // wrong; smaller differences are counted apart as inexact (the same
  // input batched with others may round differently).
  float tolerance = 1e-4f;
};

struct ProbeResult {
  std::vector<double> health_ms;  // successful checks
  std::vector<double> infer_ms;   // successful inferences
  CallTally health_calls;
  CallTally infer_calls;
  int64_t wrong = 0;
  int64_t inexact = 0;
  double max_abs_diff = 0;
};

class LatencyProbe {
 public:
  static absl::StatusOr<std::unique_ptr<LatencyProbe>> Create(const ProbeOptions& options);
  ~LatencyProbe();

  // Starts a new measurement (a fresh ProbeResult).
  void Start();
  // Stops sending, waits for the answers of every call sent, and returns
  // the measurement.
  std::unique_ptr<ProbeResult> Stop();

 private:
  LatencyProbe(ProbeOptions options, std::unique_ptr<client::InferenceClient> infer_client,
               std::unique_ptr<client::InferenceClient> health_client);
  void Run();
  void SendInfer(int64_t tick);
  void SendHealth();
  void CallDone();

  const ProbeOptions options_;
  const std::unique_ptr<client::InferenceClient> infer_client_;
  const std::unique_ptr<client::InferenceClient> health_client_;
  const std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::vector<std::shared_ptr<const inference::ModelInferRequest>> requests_;

  std::thread thread_;
  absl::Notification* stop_ = nullptr;
  absl::Mutex mu_;
  std::unique_ptr<ProbeResult> result_ ABSL_GUARDED_BY(mu_);
  std::vector<std::vector<float>> references_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace convoy::abuse

#endif  // CONVOY_BENCH_ABUSE_LATENCY_PROBE_H_
