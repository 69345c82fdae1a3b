#include "bench/abuse/latency_probe.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace convoy::abuse {

absl::StatusOr<std::unique_ptr<LatencyProbe>> LatencyProbe::Create(const ProbeOptions& options) {
  // Two channels, so the health checks do not share a connection (and its
  // flow control) with the inference calls.
  absl::StatusOr<std::unique_ptr<client::InferenceClient>> infer =
      NewOwnConnectionClient(options.target, 1, options.timeout);
  if (!infer.ok()) return infer.status();
  absl::StatusOr<std::unique_ptr<client::InferenceClient>> health =
      NewOwnConnectionClient(options.target, 2, options.timeout);
  if (!health.ok()) return health.status();
  return std::unique_ptr<LatencyProbe>(
      new LatencyProbe(options, std::move(*infer), std::move(*health)));
}

LatencyProbe::LatencyProbe(ProbeOptions options,
                           std::unique_ptr<client::InferenceClient> infer_client,
                           std::unique_ptr<client::InferenceClient> health_client)
    : options_(std::move(options)),
      infer_client_(std::move(infer_client)),
      health_client_(std::move(health_client)),
      health_(grpc::health::v1::Health::NewStub(health_client_->channel())) {
  std::mt19937 rng(20260);
  std::uniform_real_distribution<float> value(-1.5f, 2.5f);
  int64_t elements = 1;
  for (int64_t dim : options_.shape) elements *= dim;
  for (int k = 0; k < options_.distinct_inputs; ++k) {
    std::vector<float> values(elements);
    for (float& v : values) v = value(rng);
    auto request = std::make_shared<inference::ModelInferRequest>();
    request->set_model_name(options_.model);
    client::AddFp32Input(request.get(), options_.input, options_.shape, values);
    request->add_outputs()->set_name(options_.output);
    requests_.push_back(std::move(request));
  }
  absl::MutexLock lock(&mu_);
  references_.resize(options_.distinct_inputs);
}

LatencyProbe::~LatencyProbe() {
  if (thread_.joinable()) Stop();
}

void LatencyProbe::Start() {
  {
    absl::MutexLock lock(&mu_);
    result_ = std::make_unique<ProbeResult>();
  }
  stop_ = new absl::Notification;
  thread_ = std::thread([this] { Run(); });
}

std::unique_ptr<ProbeResult> LatencyProbe::Stop() {
  stop_->Notify();
  thread_.join();
  delete stop_;
  stop_ = nullptr;
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &in_flight_));
  return std::move(result_);
}

void LatencyProbe::Run() {
  const absl::Time start = absl::Now();
  for (int64_t tick = 0;; ++tick) {
    // Sends on the schedule, whatever earlier calls are doing.
    if (stop_->WaitForNotificationWithDeadline(start + tick * options_.interval)) return;
    {
      absl::MutexLock lock(&mu_);
      in_flight_ += 2;
    }
    SendHealth();
    SendInfer(tick);
  }
}

void LatencyProbe::CallDone() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void LatencyProbe::SendHealth() {
  struct Call {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    absl::Time sent;
  };
  auto* call = new Call;
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  call->sent = absl::Now();
  health_->async()->Check(
      &call->context, &call->request, &call->response, [this, call](grpc::Status status) {
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - call->sent);
        absl::Status result = client::FromGrpcStatus(status);
        if (result.ok() &&
            call->response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
          result = absl::UnavailableError("health: not SERVING");
        }
        delete call;
        {
          absl::MutexLock lock(&mu_);
          result_->health_calls.Add(result);
          if (result.ok()) result_->health_ms.push_back(ms);
        }
        CallDone();
      });
}

void LatencyProbe::SendInfer(int64_t tick) {
  const int k = static_cast<int>(tick % options_.distinct_inputs);
  const absl::Time sent = absl::Now();
  infer_client_->AsyncInfer(
      requests_[k],
      [this, k, sent](absl::Status status, inference::ModelInferResponse response) {
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - sent);
        absl::StatusOr<client::Fp32Output> output =
            status.ok() ? client::GetFp32Output(response, options_.output)
                        : absl::StatusOr<client::Fp32Output>(status);
        {
          absl::MutexLock lock(&mu_);
          result_->infer_calls.Add(output.status());
          if (output.ok()) {
            result_->infer_ms.push_back(ms);
            std::vector<float>& reference = references_[k];
            if (reference.empty()) {
              reference = output->values;
            } else if (reference.size() != output->values.size()) {
              ++result_->wrong;
            } else {
              double diff = 0;
              for (size_t i = 0; i < reference.size(); ++i) {
                diff = std::max(diff,
                                static_cast<double>(std::fabs(reference[i] - output->values[i])));
                if (std::isnan(output->values[i])) diff = INFINITY;
              }
              result_->max_abs_diff = std::max(result_->max_abs_diff, diff);
              if (diff > options_.tolerance) {
                ++result_->wrong;
              } else if (diff > 0) {
                ++result_->inexact;
              }
            }
          }
        }
        CallDone();
      },
      options_.timeout);
}

}  // namespace convoy::abuse
